/**
 * The export engine on its own, with a stand-in renderer serving hand-written pages: it follows whatever links the
 * templates make (redirects too), never asks for work that is not public, copies only media an anonymous visitor
 * may load, says which links lead nowhere, and leaves nothing behind when a page fails to render.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportSite } from '../../../src/commands/siteExporter.ts';
import type { AppContext } from '../../../src/server/context.ts';
import type { Renderer } from '../../../src/server/export/renderer.ts';
import { markdownFor } from '../../../src/server/media/urls.ts';
import { makeArtifact, makeUser } from '../../helpers/factories.ts';
import { createTestApp, tempDataDir } from '../../helpers/server.ts';
import { listFiles, uploadPicture } from './helpers.ts';

let app: AppContext;
let work: string;
let shownId: string;
let hiddenId: string;

beforeAll(async () => {
  app = createTestApp({ POTLUCK_SITE_URL: 'https://potluck.school.example' });
  const maya = await makeUser(app, { handle: 'maya' });
  const shown = await uploadPicture(app, maya, 1, 'Shown');
  const hidden = await uploadPicture(app, maya, 2, 'Hidden');
  shownId = shown.id;
  hiddenId = hidden.id;
  await makeArtifact(app, maya, { title: 'Poem', slug: 'poem', visibility: 'public', body: markdownFor(shown) });
  await makeArtifact(app, maya, { title: 'Secret', slug: 'secret', visibility: 'private', body: markdownFor(hidden) });
  work = tempDataDir('potluck-engine-');
});

afterAll(() => {
  app.db.$client.close();
  fs.rmSync(app.config.dataDir, { recursive: true, force: true });
  fs.rmSync(work, { recursive: true, force: true });
});

const page = (body: string) => `<!doctype html><html><head><link rel="stylesheet" href="/styles/site.css?v=2"></head><body><main>${body}</main></body></html>`;

/** A renderer answering from a table; records every request and the base it was asked for. */
function stubRenderer(fail?: string): Renderer & { asked: string[]; bases: Set<string> } {
  const asked: string[] = [];
  const bases = new Set<string>();
  const routes: Record<string, () => Response> = {
    '/@maya/': () =>
      new Response(
        page(
          `<a href="/@maya/poem/">poem</a> <a href="old/">old address</a> <a href="/@maya/missing/">gone</a> ` +
            `<a href="/@maya/secret/">secret</a> <a href="/signin">sign in</a> <a href="https://example.org/">elsewhere</a> ` +
            `<a href="/@maya/?page=2">query</a> <img src="/media/${hiddenId}/" alt=""> <a href="mailto:maya@example.org">mail</a>`,
        ),
        { headers: { 'content-type': 'text/html; charset=utf-8' } },
      ),
    '/@maya/old/': () => new Response(null, { status: 301, headers: { location: '/@maya/poem/' } }),
    '/@maya/poem/': () =>
      new Response(page(`<h1>Poem</h1><img src="/media/${shownId}/" srcset="/media/${shownId}/w480.webp 480w"><a href="../">home</a><a href="#top">top</a>`), {
        headers: { 'content-type': 'text/html' },
      }),
    '/@maya/feed.xml': () => new Response('<rss><channel><link>https://maya.example.org/</link></channel></rss>', { headers: { 'content-type': 'application/rss+xml' } }),
    '/styles/site.css': () => new Response('body { background: url("/styles/paper.png") }', { headers: { 'content-type': 'text/css' } }),
    '/styles/paper.png': () => new Response(new Uint8Array([137, 80, 78, 71]), { headers: { 'content-type': 'image/png' } }),
  };
  return {
    asked,
    bases,
    async get(p, base) {
      asked.push(p);
      bases.add(base);
      const response = p === fail ? new Response('boom', { status: 500 }) : (routes[decodeURIComponent(p)]?.() ?? new Response('not found', { status: 404 }));
      return { status: response.status, headers: Object.fromEntries(response.headers), body: Buffer.from(await response.arrayBuffer()) };
    },
    async close() {},
  };
}

describe('the export engine', () => {
  it('follows the links the templates make, and only into public work', async () => {
    const renderer = stubRenderer();
    const out = path.join(work, 'site');
    const result = await exportSite(app, { handle: 'maya', base: 'https://maya.example.org', out: { kind: 'dir', path: out }, renderer });

    expect(renderer.bases).toEqual(new Set(['https://maya.example.org/']));
    expect(renderer.asked).not.toContain('/@maya/secret/');
    expect(renderer.asked.some((p) => p.startsWith('/media/'))).toBe(false);
    expect(listFiles(out)).toEqual([
      '.nojekyll',
      '404.html',
      'feed.xml',
      'index.html',
      `media/${shownId}/w480.webp`,
      `media/${shownId}/w900.webp`,
      'poem/index.html',
      'robots.txt',
      'sitemap.xml',
      'styles/paper.png',
      'styles/site.css',
    ]);
    expect(result).toMatchObject({ pages: 3, files: 11 });
    // A picture nobody may load is as broken on the live page as a missing page.
    expect(result.broken).toEqual([
      { path: '/@maya/missing/', from: '/@maya/' },
      { path: `/media/${hiddenId}/`, from: '/@maya/' },
    ]);

    const index = fs.readFileSync(path.join(out, 'index.html'), 'utf8');
    const live = 'https://potluck.school.example';
    expect(index).toContain('<link rel="stylesheet" href="styles/site.css">');
    expect(index).toContain('<a href="poem/index.html">poem</a> <a href="poem/index.html">old address</a>');
    expect(index).toContain(`<a href="${live}/@maya/missing/">gone</a>`);
    expect(index).toContain(`<a href="${live}/@maya/secret/">secret</a> <a href="${live}/signin">sign in</a> <a href="https://example.org/">elsewhere</a>`);
    expect(index).toContain(`<a href="${live}/@maya/?page=2">query</a>`);
    expect(index).toContain(`<img src="${live}/media/${hiddenId}/" alt="">`);
    expect(index).toContain('<a href="mailto:maya@example.org">mail</a>');
    const poem = fs.readFileSync(path.join(out, 'poem', 'index.html'), 'utf8');
    expect(poem).toContain(`<img src="../media/${shownId}/w900.webp" srcset="../media/${shownId}/w480.webp 480w"><a href="../index.html">home</a><a href="#top">top</a>`);
    expect(fs.readFileSync(path.join(out, 'styles', 'site.css'), 'utf8')).toBe('body { background: url("paper.png") }');
    expect(fs.readFileSync(path.join(out, 'feed.xml'), 'utf8')).toContain('<link>https://maya.example.org/</link>');
  });

  it('a page that fails to render stops the export and leaves nothing behind', async () => {
    for (const out of [{ kind: 'dir' as const, path: path.join(work, 'failed') }, { kind: 'zip' as const, path: path.join(work, 'failed.zip') }]) {
      const before = fs.readdirSync(work).sort();
      await expect(exportSite(app, { handle: 'maya', out, renderer: stubRenderer('/@maya/poem/') })).rejects.toThrow(
        /The page \/@maya\/poem\/ did not render \(HTTP 500\), so the export stopped and nothing was written/,
      );
      expect(fs.readdirSync(work).sort()).toEqual(before);
    }
  });

  it('a cancelled export renders no further page and leaves nothing behind', async () => {
    const renderer = stubRenderer();
    const cancel = new AbortController();
    const get = renderer.get.bind(renderer);
    // The reader goes away while the first page renders.
    renderer.get = async (p, base) => {
      cancel.abort();
      return get(p, base);
    };
    const before = fs.readdirSync(work).sort();
    const out = { kind: 'dir' as const, path: path.join(work, 'cancelled') };
    await expect(exportSite(app, { handle: 'maya', out, renderer, signal: cancel.signal, concurrency: 1 })).rejects.toThrow(/cancelled/);
    expect(renderer.asked).toEqual(['/@maya/']);
    expect(fs.readdirSync(work).sort()).toEqual(before);
  });

  it('a zip streamed to a reader that goes away ends instead of waiting forever', async () => {
    const { PassThrough } = await import('node:stream');
    const stream = new PassThrough();
    const exported = exportSite(app, { handle: 'maya', out: { kind: 'stream', stream }, renderer: stubRenderer() });
    stream.once('data', () => stream.destroy());
    await expect(exported).rejects.toThrow();
  });
});
