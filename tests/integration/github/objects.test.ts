/**
 * The building blocks of publishing, checked against independent references: blob names against real
 * `git hash-object`, the test server's tree and commit encodings against real `git fsck`, the sealed token store
 * against what is on disk, and GitHub's permission header in words.
 */
import { onPostgresSuite } from '../../helpers/database.ts';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { loadConfig } from '../../../src/server/config.ts';
import { githubConnections } from '../../../src/server/db/schema.ts';
import { deleteGitHubConnection, openGitHubToken, storeGitHubConnection } from '../../../src/server/github/connections.ts';
import { describeAcceptedPermissions } from '../../../src/server/github/errors.ts';
import { gitBlobSha, gitBlobShaOfFile, listFolder } from '../../../src/server/github/gitObjects.ts';
import { keyFilePath, open, seal, sealingKey } from '../../../src/server/github/secretBox.ts';
import { makeUser } from '../../helpers/factories.ts';
import { gitObjectSha, startGitHubServer } from '../../helpers/githubServer.ts';
import { createTestApp, tempDataDir } from '../../helpers/server.ts';

const work = tempDataDir('potluck-git-objects-');
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

function gitHashObject(file: string): string {
  return execFileSync('git', ['hash-object', '--no-filters', file], { encoding: 'utf8' }).trim();
}

describe('git blob names', () => {
  const samples: Record<string, Buffer> = {
    empty: Buffer.alloc(0),
    text: Buffer.from('<p>Café — rivers & “quotes”</p>\n'),
    'crlf-text': Buffer.from('line one\r\nline two\r\n'),
    binary: randomBytes(300_000),
    'nul-bytes': Buffer.from([0, 1, 2, 0, 255, 0]),
  };

  for (const [name, bytes] of Object.entries(samples)) {
    it(`match git hash-object for ${name} content, from memory and from a file`, async () => {
      const file = path.join(work, `${name}.bin`);
      fs.writeFileSync(file, bytes);
      const expected = gitHashObject(file);
      expect(gitBlobSha(bytes)).toBe(expected);
      // The test GitHub names its objects with its own code: it must agree with git too.
      expect(gitObjectSha('blob', bytes)).toBe(expected);
      expect(await gitBlobShaOfFile(file)).toEqual({ sha: expected, bytes: bytes.length });
    });
  }

  it('lists every file of a folder with /-separated paths, sorted, without following symlinks', () => {
    const dir = path.join(work, 'folder');
    fs.mkdirSync(path.join(dir, 'tags', 'café'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'index.html'), 'a');
    fs.writeFileSync(path.join(dir, 'tags', 'café', 'index.html'), 'bb');
    fs.symlinkSync('/etc/hostname', path.join(dir, 'link'));
    expect(listFolder(dir)).toEqual([
      { path: 'index.html', bytes: 1 },
      { path: 'tags/café/index.html', bytes: 2 },
    ]);
  });
});

describe('the test GitHub stores objects the way git does', () => {
  it('its trees and commits pass git fsck --strict and read back with git ls-tree', async () => {
    const gh = await startGitHubServer();
    try {
      gh.addRepo('octo', 'objects', { files: { 'README.md': '# hi\n', 'a/b/c.txt': 'deep\n', 'a/z.txt': 'z\n', 'a-b.txt': 'sorting\n' } });
      gh.pushCommit('octo', 'objects', 'main', { 'a/b/d.txt': 'more\n' });
      const bare = path.join(work, 'objects.git');
      gh.writeBareRepo('octo', 'objects', bare);
      execFileSync('git', ['-C', bare, 'fsck', '--strict', '--no-dangling'], { encoding: 'utf8' });
      const listing = execFileSync('git', ['-C', bare, 'ls-tree', '-r', '--name-only', 'main'], { encoding: 'utf8' }).trim().split('\n');
      expect(listing).toEqual(['README.md', 'a-b.txt', 'a/b/c.txt', 'a/b/d.txt', 'a/z.txt']);
      expect(execFileSync('git', ['-C', bare, 'rev-list', '--count', 'main'], { encoding: 'utf8' }).trim()).toBe('2');
    } finally {
      await gh.close();
    }
  });
});

describe('sealed GitHub tokens', () => {
  it('makes a 32-byte key file readable by its owner only, and reuses it', () => {
    const config = loadConfig({ POTLUCK_DATA: path.join(work, 'data-a') });
    const key = sealingKey(config);
    const file = keyFilePath(config);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(file)).toEqual(key);
    expect(key.length).toBe(32);
    expect(sealingKey(config)).toEqual(key);
  });

  it('opens only with the same key and context, and refuses altered ciphertext', () => {
    const key = sealingKey(loadConfig({ POTLUCK_DATA: path.join(work, 'data-b') }));
    const other = sealingKey(loadConfig({ POTLUCK_DATA: path.join(work, 'data-c') }));
    const token = 'github_pat_11AAAAAAA0123456789_abcdefghijklmnopqrstuvwxyz';
    const sealed = seal(key, token, 'github-token:u1');
    expect(sealed).not.toContain(token);
    expect(seal(key, token, 'github-token:u1')).not.toBe(sealed);
    expect(open(key, sealed, 'github-token:u1')).toBe(token);
    expect(open(key, sealed, 'github-token:u2')).toBeNull();
    expect(open(other, sealed, 'github-token:u1')).toBeNull();
    const raw = Buffer.from(sealed, 'base64');
    raw[14] ^= 1;
    expect(open(key, raw.toString('base64'), 'github-token:u1')).toBeNull();
  });

  it('uses POTLUCK_SECRET instead of a key file when it is set', () => {
    const dataDir = path.join(work, 'data-d');
    const a = sealingKey(loadConfig({ POTLUCK_DATA: dataDir, POTLUCK_SECRET: 'x'.repeat(40) }));
    const b = sealingKey(loadConfig({ POTLUCK_DATA: dataDir, POTLUCK_SECRET: 'y'.repeat(40) }));
    expect(fs.existsSync(path.join(dataDir, 'secret.key'))).toBe(false);
    expect(a.equals(b)).toBe(false);
    expect(open(b, seal(a, 'token', 'c'), 'c')).toBeNull();
  });

  it('stores the token sealed in the database, opens it for its owner, and disconnecting deletes the row', async () => {
    const app = createTestApp();
    const maya = await makeUser(app, { handle: 'maya' });
    const token = 'github_pat_11BBBBBBB0123456789_secretsecretsecretsecret';
    storeGitHubConnection(app, { userId: maya.id, login: 'maya-gh', token, tokenKind: 'pat' });
    // The database's bytes: SQLite's file, or every stored row on PostgreSQL.
    const dump = onPostgresSuite ? Buffer.from(JSON.stringify(app.db.select().from(githubConnections).all())) : fs.readFileSync(app.config.databaseFile);
    expect(dump.includes(Buffer.from(token))).toBe(false);
    expect(openGitHubToken(app, maya.id)).toEqual({ login: 'maya-gh', token });
    expect(deleteGitHubConnection(app, maya.id)).toBe(true);
    expect(app.db.select().from(githubConnections).where(eq(githubConnections.userId, maya.id)).all()).toEqual([]);
    expect(() => openGitHubToken(app, maya.id)).toThrow(/Connect GitHub first/);
  });
});

describe("GitHub's x-accepted-github-permissions header in words", () => {
  it('names each permission as the token page does, with alternatives', () => {
    expect(describeAcceptedPermissions('contents=write')).toBe('Contents: Read and write');
    expect(describeAcceptedPermissions('pages=read')).toBe('Pages: Read-only');
    expect(describeAcceptedPermissions('administration=write,pages=write')).toBe('Administration: Read and write and Pages: Read and write');
    expect(describeAcceptedPermissions('repository_projects=write; organization_projects=admin')).toBe(
      'one of: Repository projects: Read and write; or Organization projects: Admin',
    );
    expect(describeAcceptedPermissions('')).toBeNull();
  });
});
