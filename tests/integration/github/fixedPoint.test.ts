/**
 * A publish is a fixed point: publishing again with nothing changed makes no commit and uploads no blob, for a
 * project site that is the student's canonical home and for a second copy on a custom domain. The first publish
 * already renders what it records (the GitHub Pages addresses of each piece, the canonical home).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { savePublishTarget } from '../../../src/commands/publishTargetSaver.ts';
import { publishSite } from '../../../src/commands/sitePublisher.ts';
import { ONE_LOOK, changedPaths, makePortfolio, startWorld, type Portfolio, type World } from './world.ts';

const TOKEN = 'github_pat_11FIXEDPOINT0000000_fixedpointfixedpointfixedpointfi';

let world: World;
let maya: Portfolio;

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
