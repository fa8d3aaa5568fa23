/** Files an import takes from disk: inside the folder only, never through a link, never larger than Potluck takes. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_IMAGE_BYTES } from '../../../src/server/media/limits.ts';
import { fileInFolder, localFile } from '../../../src/server/import/localFiles.ts';

let dir: string;
let root: string;

beforeEach(() => {
  dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'potluck-local-files-')));
  root = path.join(dir, 'site');
  fs.mkdirSync(path.join(root, 'posts/2020'), { recursive: true });
  fs.mkdirSync(path.join(root, 'static/img'), { recursive: true });
  fs.writeFileSync(path.join(root, 'posts/2020/a b.png'), 'png');
  fs.writeFileSync(path.join(root, 'static/img/logo.png'), 'png');
  fs.writeFileSync(path.join(dir, 'secret.txt'), 'secret');
  fs.symlinkSync(path.join(dir, 'secret.txt'), path.join(root, 'posts/linked.txt'));
  fs.symlinkSync(dir, path.join(root, 'posts/up'));
  fs.truncateSync(path.join(root, 'posts/2020/a b.png'), 3);
  fs.writeFileSync(path.join(root, 'big.png'), '');
  fs.truncateSync(path.join(root, 'big.png'), MAX_IMAGE_BYTES + 1);
});

afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('localFile', () => {
  it('finds relative addresses from the piece, site paths in the site folders, and the old site’s own addresses', async () => {
    const from = path.join(root, 'posts');
    expect(await localFile(root, '2020/a%20b.png?w=1', { from })).toEqual({ ok: true, full: path.join(root, 'posts/2020/a b.png'), size: 3 });
    expect(await localFile(root, '/img/logo.png', { sitePaths: [path.join(root, 'static'), root] })).toMatchObject({ ok: true, full: path.join(root, 'static/img/logo.png') });
    expect(await localFile(root, 'https://old.example/static/img/logo.png', { siteHosts: new Set(['old.example']) })).toMatchObject({ ok: true });
    expect(await localFile(root, 'https://elsewhere.example/static/img/logo.png', { siteHosts: new Set(['old.example']) })).toEqual({ ok: false, why: 'outside' });
  });

  it('refuses what is outside the folder, behind a link, a folder, missing or too large', async () => {
    const from = path.join(root, 'posts');
    expect(await localFile(root, '../../secret.txt', { from })).toEqual({ ok: false, why: 'outside' });
    expect(await localFile(root, '/../secret.txt')).toEqual({ ok: false, why: 'outside' });
    expect(await localFile(root, 'linked.txt', { from })).toEqual({ ok: false, why: 'link' });
    expect(await localFile(root, 'up/secret.txt', { from })).toEqual({ ok: false, why: 'link' });
    expect(await localFile(root, '2020', { from })).toEqual({ ok: false, why: 'folder' });
    expect(await localFile(root, 'nothing.png', { from })).toEqual({ ok: false, why: 'missing' });
    expect(await localFile(root, 'big.png')).toEqual({ ok: false, why: 'large' });
    for (const address of ['javascript:alert(1)', '//host/a.png', '#top', 'a%ZZ.png', 'a%00.png']) expect((await localFile(root, address)).ok).toBe(false);
  });

  it('names a file of an export folder under the folder as given, even when that is a link to it', async () => {
    fs.symlinkSync(root, path.join(dir, 'alias'));
    const alias = path.join(dir, 'alias');
    expect(await fileInFolder(alias, 'static/img/logo.png')).toBe(path.join(alias, 'static/img/logo.png'));
    expect(await fileInFolder(alias, 'posts/up/secret.txt')).toBeUndefined();
  });
});
