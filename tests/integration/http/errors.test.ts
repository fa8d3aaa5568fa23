/**
 * An unexpected error answers Potluck's own 500 page with every security header and is logged as one JSON line with
 * secrets redacted; a YAML alias bomb in imported frontmatter is the archive's fault: a 400 (web) or exit 1 (CLI)
 * naming the file, and nothing imported.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/server/config.ts';
import { createAppContext, type AppContext } from '../../../src/server/context.ts';
import { startServerProcess, type ServerProcess } from '../../../scripts/lib/serverProcess.ts';
import { buildZip, minimalArchive, rowCounts } from '../archive-export/helpers.ts';
import { runCli } from '../../helpers/cli.ts';
import { makeArtifact, makeUser, signedIn } from '../../helpers/factories.ts';
import { Browser } from '../../helpers/http.ts';

/** Frontmatter whose aliases expand to 9^7 (about 4.8 million) strings: the "billion laughs" in YAML. */
const BOMB = `---
title: Laughs
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
---

Ha.
`;

const SECRET = 'sekrit-4f1b2c9d8e7a6b5c';

let dataDir: string;
let app: AppContext;
let server: ServerProcess;
let stderr = '';
beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'potluck-errors-'));
  server = await startServerProcess({ POTLUCK_DATA: dataDir, POTLUCK_DEMO: 'off' });
  server.child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  app = createAppContext(loadConfig({ POTLUCK_DATA: dataDir }));
});
afterAll(async () => {
  app?.db.$client.close();
  await server?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('an unexpected error', () => {
  it("answers Potluck's own 500 page with the security headers, and logs one JSON line without secrets", async () => {
    const maya = await makeUser(app, { handle: 'maya' });
    await makeArtifact(app, maya, { title: 'Poem', visibility: 'public' });
    // A row the code cannot read (hand-edited, or a disk that flipped a byte): reading the portfolio throws.
    app.db.$client.prepare(`update users set links = '{not json' where id = ?`).run(maya.id);

    const res = await new Browser(server.url).get(`/@maya/?token=${SECRET}`);
    expect(res.status).toBe(500);
    const html = await res.text();
    expect(html).toContain('<h1>Something went wrong</h1>');
    expect(html).toContain('go back, wait a minute and try again');
    expect(html).not.toMatch(/SyntaxError|at .*\.(ts|js|mjs):\d+|JSON/);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('cache-control')).toBe('no-store');

    await new Promise((resolve) => setTimeout(resolve, 200));
    const lines = stderr.split('\n').filter((l) => l.startsWith('{'));
    const entry = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((e) => e.level === 'error');
    expect(entry).toMatchObject({ level: 'error', message: 'Unexpected error while answering a request', method: 'GET' });
    expect(String(entry!.path)).toBe('/@maya/?token=[redacted]');
    expect(JSON.stringify(entry!.error)).toContain('SyntaxError');
    expect(stderr).not.toContain(SECRET);

    // The same inside a page's own rendering (signed in, the middleware does not read the portfolio first).
    const inPage = await signedIn(server.url, app, maya).get('/@maya/');
    expect(inPage.status).toBe(500);
    expect(await inPage.text()).toContain('<h1>Something went wrong</h1>');
    expect(inPage.headers.get('content-security-policy')).toContain("default-src 'self'");
    app.db.$client.prepare(`update users set links = '[]' where id = ?`).run(maya.id);
  });
});

describe('a YAML alias bomb in an imported archive', () => {
  it('is a 400 that names the file, and nothing is imported (web)', async () => {
    const ines = signedIn(server.url, app, await makeUser(app, { handle: 'ines' }));
    const before = rowCounts(app);
    const archive = minimalArchive('ines').map((e) => (e.name === 'artifacts/hello/index.md' ? { ...e, data: Buffer.from(BOMB) } : e));
    const form = new FormData();
    form.set('archive', new Blob([new Uint8Array(buildZip(archive))], { type: 'application/zip' }), 'laughs.zip');
    const started = Date.now();
    const res = await ines.postMultipart('/workspace/import', form);
    expect(res.status).toBe(400);
    // The page lists each problem as "<strong>file</strong>: message".
    const text = (await res.text()).replace(/<[^>]+>/g, '');
    expect(text).toContain('artifacts/hello/index.md: the frontmatter uses YAML aliases (*name) that expand to too much data');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(rowCounts(app)).toEqual(before);
  });

  it('makes potluck import exit 1 with the same message (CLI)', async () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'potluck-bomb-'));
    try {
      for (const entry of minimalArchive('zed')) {
        const file = path.join(folder, entry.name);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, entry.name.endsWith('index.md') ? BOMB : (entry.data ?? ''));
      }
      const result = await runCli(['import', folder, '--handle', 'zed'], { env: { POTLUCK_DATA: dataDir } });
      expect(result.code).toBe(1);
      expect(result.err).toContain('artifacts/hello/index.md: the frontmatter uses YAML aliases (*name) that expand to too much data');
      expect(app.db.$client.prepare(`select count(*) as n from users where handle = 'zed'`).get()).toEqual({ n: 0 });
    } finally {
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });
});
