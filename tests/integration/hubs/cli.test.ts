// The hub commands of the CLI: what a shell user sees and the exit codes scripts rely on (0 done, 1 refused with
// a reason, 2 bad usage).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/server/config.ts';
import { createAppContext, type AppContext } from '../../../src/server/context.ts';
import { runCli } from '../../helpers/cli.ts';
import { makeArtifact, makeUser } from '../../helpers/factories.ts';
import { rss, startFeedServer, type FeedServer } from './feedServer.ts';

let dataDir: string;
let env: Record<string, string>;
let app: AppContext;
let feeds: FeedServer;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'potluck-hub-cli-'));
  env = { POTLUCK_DATA: dataDir, POTLUCK_ALLOW_PRIVATE_NETWORKS: '1', POTLUCK_SITE_URL: 'https://school.example' };
  app = createAppContext(loadConfig(env), { migrate: true });
  feeds = await startFeedServer();
  const teacher = await makeUser(app, { handle: 'okafor', role: 'teacher' });
  const maya = await makeUser(app, { handle: 'maya' });
  await makeArtifact(app, maya, { title: 'Portfolio essay', visibility: 'public', tags: ['eng10'] });
  void teacher;
});

afterAll(async () => {
  app.db.$client.close();
  await feeds.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const cli = (...argv: string[]) => runCli(argv, { env });

describe('potluck hub create', () => {
  it('creates a hub, and refuses bad input with the right exit code', async () => {
    const made = await cli('hub', 'create', '--slug', 'english-10', '--title', 'English 10', '--tag', '#ENG10', '--tag', 'essays,week-1', '--owner', 'okafor', '--visibility', 'public');
    expect(made.code).toBe(0);
    expect(made.out).toContain('Created hub "English 10" at https://school.example/hubs/english-10/ (tags: #eng10 #essays #week-1, public)');
    expect((await cli('hub', 'create', '--slug', 'x', '--title', 'X')).code).toBe(2);
    const dup = await cli('hub', 'create', '--slug', 'english-10', '--title', 'Again', '--tag', 'eng10');
    expect(dup.code).toBe(1);
    expect(dup.err).toContain('already uses the address /hubs/english-10/');
    const student = await cli('hub', 'create', '--slug', 'maya-hub', '--title', 'Mine', '--tag', 'x', '--owner', 'maya');
    expect(student.code).toBe(1);
    expect(student.err).toContain("a hub's owner must be a teacher");
    expect((await cli('hub', 'create', '--slug', 'v', '--title', 'V', '--tag', 'x', '--visibility', 'secret')).code).toBe(2);
    expect((await cli('hub', 'create', '--help')).code).toBe(0);
  });
});

describe('potluck hub source, items, poll', () => {
  it('adds a member’s feed, lists the river and the feeds’ health, and polls', async () => {
    await cli('hub', 'create', '--slug', 'cli-hub', '--title', 'CLI hub', '--tag', 'eng10', '--owner', 'okafor');
    const { addHubMember } = await import('../../../src/commands/hubMemberAdder.ts');
    const { findHub } = await import('../../../src/server/hubs/access.ts');
    addHubMember(app, { actor: null, hubId: findHub(app, 'cli-hub')!.id, handle: 'maya' });
    let items = [{ title: 'From WordPress', guid: 'w1', date: '2025-02-01', categories: ['eng10'] }];
    feeds.serve('/maya.xml', () => rss('Maya on WordPress', items));

    expect((await cli('hub', 'source', 'add', '--hub', 'cli-hub')).code).toBe(2);
    const nohub = await cli('hub', 'source', 'add', '--hub', 'nope', '--url', `${feeds.base}/maya.xml`);
    expect(nohub.code).toBe(1);
    expect(nohub.err).toContain('No hub has the slug "nope"');
    const bad = await cli('hub', 'source', 'add', '--hub', 'cli-hub', '--url', `${feeds.base}/missing.xml`);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('404');
    const added = await cli('hub', 'source', 'add', '--hub', 'cli-hub', '--url', `${feeds.base}/maya.xml`, '--member', '@maya');
    expect(added.code).toBe(0);
    expect(added.out).toContain('Added "Maya on WordPress"');
    expect(added.out).toContain('1 matching item of 1');

    const listed = await cli('hub', 'items', '--hub', 'cli-hub', '--json');
    expect(listed.code).toBe(0);
    const entries = JSON.parse(listed.out) as { title: string; kind: string; author: string }[];
    expect(entries.map((e) => [e.kind, e.title, e.author])).toEqual([
      ['artifact', 'Portfolio essay', '@maya'],
      ['item', 'From WordPress', '@maya'],
    ]);
    expect((await cli('hub', 'items', '--hub', 'cli-hub', '--limit', '0')).code).toBe(2);

    items = [...items, { title: 'Second post', guid: 'w2', date: '2025-02-02', categories: ['ENG10'] }];
    const polled = await cli('hub', 'poll', '--hub', 'cli-hub');
    expect(polled.code).toBe(0);
    expect(polled.out).toContain('1 feeds: 1 with changes');
    expect(polled.out).toContain('Items: 1 new');
    const json = await cli('hub', 'poll', '--json');
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out)).toMatchObject({ total: 1, notModified: 1 });
    expect((await cli('hub', 'poll', '--hub', 'nope')).code).toBe(1);

    const health = await cli('hub', 'source', 'list', '--hub', 'cli-hub', '--json');
    expect(JSON.parse(health.out)[0]).toMatchObject({ member: 'maya', health: 'ok', itemsInHub: 2, lastStatus: 304 });
    expect((await cli('hub', 'source', 'remove', '--hub', 'cli-hub')).code).toBe(2);
  });
});

describe('potluck hub opml', () => {
  it('imports a file and exports to standard output or a file', async () => {
    await cli('hub', 'create', '--slug', 'opml-hub', '--title', 'OPML hub', '--tag', 'eng10');
    const sample = path.resolve(process.cwd(), '..', 'shared', 'corpora', 'opml', 'subscriptionList.spec-excerpt.opml');
    const imported = await cli('hub', 'opml', 'import', '--hub', 'opml-hub', sample);
    expect(imported.code).toBe(0);
    expect(imported.out).toContain('Added 9 feeds to opml-hub');
    expect((await cli('hub', 'opml', 'import', '--hub', 'opml-hub', path.join(dataDir, 'missing.opml'))).code).toBe(1);
    const empty = await cli('hub', 'opml', 'import', '--hub', 'opml-hub', path.resolve(process.cwd(), '..', 'shared', 'corpora', 'opml', 'directory.feedsmith.opml'));
    expect(empty.code).toBe(1);
    expect(empty.err).toContain('lists no feeds');
    expect((await cli('hub', 'opml', 'import', '--hub', 'opml-hub')).code).toBe(2);
    expect((await cli('hub', 'opml', 'sync', '--hub', 'opml-hub')).code).toBe(2);

    const out = await cli('hub', 'opml', 'export', '--hub', 'opml-hub');
    expect(out.code).toBe(0);
    expect(out.out).toContain('<opml version="2.0">');
    expect(out.out).toContain('http://news.com.com/2547-1_3-0-5.xml');
    const file = path.join(dataDir, 'export.opml');
    expect((await cli('hub', 'opml', 'export', '--hub', 'opml-hub', file)).code).toBe(0);
    expect(fs.readFileSync(file, 'utf8').trim()).toBe(out.out.trim());
  });

  it('lists the hub commands in potluck --help', async () => {
    const help = await cli('--help');
    for (const line of ['hub create', 'hub source add', 'hub opml import', 'hub items', 'hub poll']) expect(help.out).toContain(line);
  });
});
