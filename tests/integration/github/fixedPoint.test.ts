/**
 * A publish is a fixed point: publishing again with nothing changed makes no commit and uploads no blob, for a
 * project site that is the student's canonical home and for a second copy on a custom domain. The first publish
 * already renders what it records (the GitHub Pages addresses of each piece, the canonical home). And what is
 * published is what `potluck site` writes for the same address, file for file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listFolder } from '../../../src/server/github/gitObjects.ts';
import { runCliProcess } from '../../helpers/cli.ts';
import { savePublishTarget } from '../../../src/commands/publishTargetSaver.ts';
import { publishSite } from '../../../src/commands/sitePublisher.ts';
import { ONE_LOOK, changedPaths, makePortfolio, startWorld, type Portfolio, type World } from './world.ts';

const TOKEN = 'github_pat_11FIXEDPOINT0000000_fixedpointfixedpointfixedpointfi';

let world: World;
let maya: Portfolio;
const targets = new Map<string, string>();

beforeAll(async () => {
  world = await startWorld();
  maya = await makePortfolio(world.app, 'maya');
  world.gh.addToken(TOKEN, { login: 'maya-gh', permissions: { contents: 'write', pages: 'write', administration: 'write' }, repositories: 'all' });
  world.gh.addRepo('maya-gh', 'portfolio', { files: { 'README.md': '# My portfolio\n' } });
  world.gh.addRepo('maya-gh', 'copy');
}, 120_000);

afterAll(async () => {
  await world?.stop();
});

const publish = (targetId: string) =>
  publishSite(world.app, { userId: maya.owner.id, targetId, token: TOKEN, renderer: world.renderer, pagesBuild: ONE_LOOK });

describe('publishing twice with nothing changed', () => {
  for (const [repo, input] of [
    ['portfolio', { owner: 'maya-gh', repo: 'portfolio', canonical: true }],
    ['copy', { owner: 'maya-gh', repo: 'copy', domain: 'maya.example.org' }],
  ] as const) {
    it(`${repo}: the second publish uploads no blob and makes no commit`, async () => {
      const saved = await savePublishTarget(world.app, { userId: maya.owner.id, token: TOKEN, check: true, input });
      targets.set(repo, saved.target.id);
      const first = await publish(saved.target.id);
      expect(first.committed).toBe(true);
      const before = world.gh.files('maya-gh', repo, 'gh-pages');
      const mark = world.gh.requests.length;
      const second = await publish(saved.target.id);
      const after = world.gh.files('maya-gh', repo, 'gh-pages');
      expect(changedPaths(before, after)).toEqual([]);
      expect(world.gh.count('git/create-blob', mark)).toBe(0);
      expect(world.gh.count('git/create-commit', mark)).toBe(0);
      expect(second).toMatchObject({ committed: false, commitSha: first.commitSha, blobsUploaded: 0, filesChanged: 0 });
      expect(world.gh.violations).toEqual([]);
    });
  }
});

describe('the published tree and `potluck site`', () => {
  it('hold the same files, byte for byte (.nojekyll, CNAME, 404.html, sitemap.xml and robots.txt included)', async () => {
    // The canonical copy now lists the second copy among the places each piece was published.
    await publish(targets.get('portfolio')!);
    const out = path.join(world.work, 'cli-site');
    const result = await runCliProcess(world.server, ['site', '--handle', 'maya', '--out', out, '--base', 'https://maya-gh.github.io/portfolio/']);
    expect(result, result.err).toMatchObject({ code: 0 });
    const exported = new Map(listFolder(out).map((f) => [f.path, fs.readFileSync(path.join(out, ...f.path.split('/')))]));
    const published = world.gh.files('maya-gh', 'portfolio', 'gh-pages');
    expect([...published.keys()].sort()).toEqual([...exported.keys()].sort());
    for (const name of ['.nojekyll', '404.html', 'sitemap.xml', 'robots.txt']) expect(exported.has(name), name).toBe(true);
    expect([...exported].filter(([p, bytes]) => !published.get(p)!.equals(bytes)).map(([p]) => p)).toEqual([]);

    const withDomain = path.join(world.work, 'cli-copy');
    const copy = await runCliProcess(world.server, ['site', '--handle', 'maya', '--out', withDomain, '--domain', 'maya.example.org']);
    expect(copy, copy.err).toMatchObject({ code: 0 });
    expect(fs.readFileSync(path.join(withDomain, 'CNAME'), 'utf8')).toBe('maya.example.org\n');
    expect(listFolder(withDomain).map((f) => f.path)).toEqual([...world.gh.files('maya-gh', 'copy', 'gh-pages').keys()].sort());
  });
});
