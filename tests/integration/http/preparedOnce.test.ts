/**
 * The data layer's one rule for speed: a statement is compiled once per database. The site runs in this process
 * (the same bundle `potluck serve` loads), so the test can count what SQLite compiles: a second round of the hot
 * requests (signed-in workspace and editor, a public page rendered for a reader, a hub, feeds) compiles nothing.
 * A query whose SQL text changes from call to call (values spliced into it) fails here.
 */
import { onPostgresSuite, sqliteOnly } from '../../helpers/database.ts';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureServerBuild } from '../../../scripts/cli/build.ts';
import { loadConfig } from '../../../src/server/config.ts';
import { createAppContext, type AppContext } from '../../../src/server/context.ts';
import { statementCounts } from '../../../src/server/db/statementCache.ts';
import { loadSite } from '../../../src/server/http/siteListener.ts';
import { makeArtifact, makeHub, makeUser, signedIn } from '../../helpers/factories.ts';
import type { Browser } from '../../helpers/http.ts';
import { tempDataDir } from '../../helpers/server.ts';

let app: AppContext;
let server: http.Server;
let base: string;
let student: Browser;
let teacher: Browser;
let paths: { student: string[]; teacher: string[]; anonymous: string[] };

beforeAll(async () => {
  const dataDir = tempDataDir();
  const env = { POTLUCK_DATA: dataDir, POTLUCK_DEMO: 'off', POTLUCK_HOST_ALIASES: 'loopback' };
  Object.assign(process.env, env);
  const root = path.resolve(import.meta.dirname, '..', '..', '..');
  const entry = ensureServerBuild(root, () => {});
  server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
  const config = loadConfig({ ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' });
  Object.assign(process.env, { PORT: String(port), HOST: '127.0.0.1' });
  app = createAppContext(config, { migrate: true });
  const { listener } = await loadSite(entry, undefined, config);
  server.on('request', listener);

  const maya = await makeUser(app, { handle: 'maya' });
  const okafor = await makeUser(app, { handle: 'okafor', role: 'teacher' });
  const hub = makeHub(app, { teacher: okafor, students: [maya], slug: 'eng10' });
  const pieces = [];
  for (let i = 0; i < 12; i++) {
    pieces.push(await makeArtifact(app, maya, { title: `Essay ${i}`, visibility: i % 3 === 0 ? 'members' : 'public', body: `Body ${i} #eng10`, tags: ['eng10'] }));
  }
  void hub;
  student = signedIn(base, app, maya);
  teacher = signedIn(base, app, okafor);
  const one = pieces[1]!;
  paths = {
    student: ['/workspace', `/workspace/artifacts/${one.id}`, `/@maya/${one.slug}/`, '/@maya/', '/hubs/eng10/', '/notifications'],
    teacher: ['/workspace/teaching', '/hubs/eng10/', `/@maya/${pieces[0]!.slug}/`],
    anonymous: [`/@maya/${one.slug}/`, '/@maya/', '/@maya/feed.xml', '/@maya/feed.json', '/@maya/tags/eng10/'],
  };
});
afterAll(async () => {
  app?.db.$client.close();
  await new Promise((resolve) => server?.close(resolve));
});

async function round(): Promise<Record<string, number>> {
  const statuses: Record<string, number> = {};
  for (const p of paths.student) statuses[`student ${p}`] = (await student.get(p)).status;
  for (const p of paths.teacher) statuses[`teacher ${p}`] = (await teacher.get(p)).status;
  // No page-cache front here (that is `potluck serve`'s): every anonymous page is rendered by the site.
  for (const p of paths.anonymous) statuses[`anonymous ${p}`] = (await fetch(`${base}${p}`)).status;
  return statuses;
}

describe('statements on the hot paths', () => {
  it.skipIf(onPostgresSuite)(`are compiled on the first request and reused on every later one${sqliteOnly('counts SQLite statement compilations')}`, async () => {
    const start = { ...statementCounts() };
    const first = await round();
    for (const [what, status] of Object.entries(first)) expect(status, what).toBe(200);
    // The counter sees what this server compiles: the first round compiles its statements.
    expect(statementCounts().compiled - start.compiled).toBeGreaterThan(20);
    await round(); // anything done once per process (a first session check, lazily made rows) is done by now
    const before = { ...statementCounts() };
    const third = await round();
    expect(third).toEqual(first);
    const after = statementCounts();
    expect(after.compiled - before.compiled).toBe(0);
  });
});
