/**
 * What goes wrong when publishing, each as a student would meet it: a bad token, a missing permission (named), a
 * repository name that is taken, rate limits (waited out and said so), the network failing half-way (nothing moves,
 * the record stays, trying again works), a branch someone else moved (refused unless forced), a file too large for
 * GitHub (named, nothing uploaded).
 */
import fs from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveArtifact } from '../../../src/commands/artifactSaver.ts';
import { connectGitHub } from '../../../src/commands/githubConnector.ts';
import { savePublishTarget } from '../../../src/commands/publishTargetSaver.ts';
import { publishSite, type PublishProgress, type PublishSiteProps } from '../../../src/commands/sitePublisher.ts';
import { PotluckError } from '../../../src/core/errors.ts';
import { githubConnections, media, publishTargets } from '../../../src/server/db/schema.ts';
import { GitHubError, NEW_TOKEN_URL } from '../../../src/server/github/errors.ts';
import { originalFileName } from '../../../src/server/media/names.ts';
import { mediaFilePath } from '../../../src/server/media/storage.ts';
import { markdownFor } from '../../../src/server/media/urls.ts';
import { makeArtifact } from '../../helpers/factories.ts';
import { FAST, ONE_LOOK, expectedBranch, makePortfolio, startWorld, type Portfolio, type World } from './world.ts';

const GOOD = 'github_pat_11FAULTS00000000000_goodgoodgoodgoodgoodgoodgoodgood';
const READ_ONLY = 'github_pat_11FAULTS00000000000_readonlyreadonlyreadonlyreadonly';
const NO_PAGES = 'github_pat_11FAULTS00000000000_nopagesnopagesnopagesnopagesno';
const SELECTED = 'github_pat_11FAULTS00000000000_selectedselectedselectedselected';
const EXPIRED = 'github_pat_11FAULTS00000000000_expiredexpiredexpiredexpiredexp';

let world: World;
let sam: Portfolio;
let edits = 0;

beforeAll(async () => {
  world = await startWorld();
  sam = await makePortfolio(world.app, 'sam');
  const all = { contents: 'write', pages: 'write', administration: 'write' } as const;
  world.gh.addToken(GOOD, { login: 'sam-gh', permissions: all, repositories: 'all' });
  world.gh.addToken(READ_ONLY, { login: 'sam-gh', permissions: { contents: 'read', pages: 'write' }, repositories: 'all' });
  world.gh.addToken(NO_PAGES, { login: 'sam-gh', permissions: { contents: 'write' }, repositories: 'all' });
  world.gh.addToken(SELECTED, { login: 'sam-gh', permissions: all, repositories: ['sam-gh/visible'] });
}, 120_000);

afterAll(async () => {
  await world?.stop();
});

/** A new repository and a target for it. */
async function freshTarget(repo: string): Promise<string> {
  world.gh.addRepo('sam-gh', repo);
  const { target } = await savePublishTarget(world.app, { userId: sam.owner.id, token: GOOD, input: { owner: 'sam-gh', repo } });
  return target.id;
}

function publish(targetId: string, extra: Partial<PublishSiteProps> = {}) {
  return publishSite(world.app, {
    userId: sam.owner.id,
    targetId,
    token: GOOD,
    renderer: world.renderer,
    tuning: FAST,
    pagesBuild: ONE_LOOK,
    ...extra,
  });
}

/** Changes the poem, so that there is something new to publish. */
async function editPoem() {
  const poem = sam.publicWork.find((a) => a.slug === 'poem')!;
  edits++;
  await saveArtifact(world.app, {
    ownerId: sam.owner.id,
    artifactId: poem.id,
    input: { title: poem.title, slug: poem.slug, kind: poem.kind, visibility: 'public', body: `Water remembers, take ${edits}.`, date: poem.date },
  });
}

const row = (id: string) => world.app.db.select().from(publishTargets).where(eq(publishTargets.id, id)).get()!;
const head = (repo: string, branch = 'gh-pages') => world.gh.repo('sam-gh', repo)!.refs.get(`refs/heads/${branch}`);

async function failure(promise: Promise<unknown>): Promise<PotluckError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PotluckError);
  return error as PotluckError;
}

describe('the token', () => {
  it('401: a bad or expired token is said to be one, and nothing changes', async () => {
    const id = await freshTarget('t401');
    await publish(id);
    const before = row(id);
    const mark = world.gh.requests.length;
    const error = await failure(publish(id, { token: EXPIRED }));
    expect(error).toBeInstanceOf(GitHubError);
    expect((error as GitHubError).reason).toBe('bad-token');
    expect(error.message).toContain('GitHub did not accept the token: it is wrong, has expired or was revoked.');
    expect(error.message).toContain(NEW_TOKEN_URL);
    expect(world.gh.requests.slice(mark).map((r) => r.status)).toEqual([401]);
    expect(row(id)).toEqual(before);
  });

  it('401 when connecting: the token is not kept', async () => {
    const error = await failure(connectGitHub(world.app, { userId: sam.owner.id, token: EXPIRED }));
    expect(error.code).toBe('UNAUTHENTICATED');
    expect(world.app.db.select().from(githubConnections).all()).toEqual([]);
  });

  it('403: a missing permission is named as GitHub names it, and no branch is made', async () => {
    const id = await freshTarget('t403');
    const error = await failure(publish(id, { token: READ_ONLY }));
    expect((error as GitHubError).reason).toBe('missing-permission');
    expect((error as GitHubError).permission).toBe('Contents: Read and write');
    expect(error.message).toContain('does not have the permission “Contents: Read and write” for sam-gh/t403, which Potluck needs to upload your files');
    expect(head('t403')).toBeUndefined();
    expect(row(id).lastCommitSha).toBeNull();
  });

  it('403 when choosing the repository: the permission check names what is missing before any publish', async () => {
    world.gh.addRepo('sam-gh', 't403-check');
    const error = await failure(
      savePublishTarget(world.app, { userId: sam.owner.id, token: READ_ONLY, check: true, input: { owner: 'sam-gh', repo: 't403-check' } }),
    );
    expect(error.message).toContain('“Contents: Read and write”');
    expect(world.app.db.select().from(publishTargets).all().some((t) => t.repo === 't403-check')).toBe(false);
  });

  it('without the Pages permission the site is still committed, and the warning names "Pages"', async () => {
    const id = await freshTarget('t403-pages');
    const result = await publish(id, { token: NO_PAGES });
    expect(result.committed).toBe(true);
    expect(head('t403-pages')).toBe(result.commitSha);
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings[0]).toContain('“Pages: Read-only”');
    expect(result.warnings[0]).toContain('Settings → Pages');
  });
});

describe('the repository', () => {
  it('422: a name that is already taken is said in plain words', async () => {
    world.gh.addRepo('sam-gh', 'taken');
    const mark = world.gh.requests.length;
    const error = await failure(
      savePublishTarget(world.app, { userId: sam.owner.id, token: SELECTED, input: { owner: 'sam-gh', repo: 'taken', create: true } }),
    );
    expect((error as GitHubError).reason).toBe('name-taken');
    expect(error.message).toContain('You already have a repository called “taken” on GitHub');
    expect(world.gh.requests.slice(mark).find((r) => r.operationId === 'repos/create-for-authenticated-user')?.status).toBe(422);
    expect(world.app.db.select().from(publishTargets).all().some((t) => t.repo === 'taken')).toBe(false);
  });

  it('an unknown repository, or one the token cannot see, is named', async () => {
    const error = await failure(
      savePublishTarget(world.app, { userId: sam.owner.id, token: SELECTED, input: { owner: 'sam-gh', repo: 'nowhere' } }),
    );
    expect((error as GitHubError).reason).toBe('not-found');
    expect(error.message).toContain('the repository sam-gh/nowhere does not exist, or your token cannot see it');
  });
});

describe('rate limits', () => {
  it('403 with x-ratelimit-remaining 0: waits until the reset, says so, and tries again', async () => {
    const id = await freshTarget('trl403');
    world.gh.fault({
      operationId: 'git/create-tree',
      status: 403,
      headers: { 'x-ratelimit-limit': '5000', 'x-ratelimit-remaining': '0', 'x-ratelimit-used': '5000', 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 1) },
      body: { message: 'API rate limit exceeded for user ID 1.', documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api', status: '403' },
    });
    const progress: PublishProgress[] = [];
    const mark = world.gh.requests.length;
    const result = await publish(id, { onProgress: (p) => progress.push(p) });
    expect(result.committed).toBe(true);
    expect(world.gh.count('git/create-tree', mark)).toBe(2);
    const waits = progress.filter((p) => /rate limit/.test(p.message));
    expect(waits).toHaveLength(1);
    expect(waits[0]).toMatchObject({ step: 'tree' });
    expect(waits[0].message).toMatch(/^GitHub's rate limit was reached; waiting [12] s before trying again \(retry 1 of 3\)\.$/);
  });

  it('429 with Retry-After: 1: waits a second, says so, and tries again', async () => {
    const id = await freshTarget('trl429');
    world.gh.fault({
      operationId: 'git/create-blob',
      status: 429,
      headers: { 'retry-after': '1' },
      body: { message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.', documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api', status: '429' },
    });
    const progress: PublishProgress[] = [];
    const result = await publish(id, { onProgress: (p) => progress.push(p) });
    expect(result.committed).toBe(true);
    expect(progress.map((p) => p.message)).toContain("GitHub's rate limit was reached; waiting 1 s before trying again (retry 1 of 3).");
    expect(world.gh.files('sam-gh', 'trl429', 'gh-pages').has('index.html')).toBe(true);
  });

  it('gives up after the allowed waits, saying when to try again, with the previous site untouched', async () => {
    const id = await freshTarget('trl-give-up');
    world.gh.fault({ operationId: 'git/create-commit', status: 429, headers: { 'retry-after': '1' }, times: 5 });
    const mark = world.gh.requests.length;
    const error = await failure(publish(id, { tuning: { ...FAST, rateLimitRetries: 1 } }));
    world.gh.clearFaults();
    expect((error as GitHubError).reason).toBe('rate-limited');
    expect(error.message).toMatch(/^GitHub's rate limit for this token is used up until \d\d:\d\d UTC, so Potluck could not make the commit\. Nothing on your published site changed/);
    expect(world.gh.count('git/create-commit', mark)).toBe(2);
    expect(head('trl-give-up')).toBeUndefined();
  });
});

describe('the network failing half-way', () => {
  for (const operationId of ['git/create-tree', 'git/create-commit']) {
    it(`a dropped connection on ${operationId} moves no branch, keeps the last record, and publishing again works`, async () => {
      const repo = `tnet-${operationId.split('-')[1]}`;
      const id = await freshTarget(repo);
      await publish(id);
      const before = row(id);
      const filesBefore = world.gh.files('sam-gh', repo, 'gh-pages');
      await editPoem();
      world.gh.fault({ operationId, drop: true, times: 3 });
      const progress: PublishProgress[] = [];
      const mark = world.gh.requests.length;
      const error = await failure(publish(id, { onProgress: (p) => progress.push(p) }));
      expect((error as GitHubError).reason).toBe('network');
      expect(error.message).toMatch(/^Potluck could not reach GitHub while trying to (build the folder tree|make the commit) \(.+\)\. Nothing on your published site changed; check the connection and try again\.$/);
      // Two automatic retries, each said.
      expect(world.gh.count(operationId, mark)).toBe(3);
      expect(progress.filter((p) => /^The connection to GitHub failed; trying again in 1 s \(retry [12] of 2\)\.$/.test(p.message))).toHaveLength(2);
      expect(world.gh.count('git/update-ref', mark)).toBe(0);
      expect(head(repo)).toBe(before.lastCommitSha);
      expect(world.gh.files('sam-gh', repo, 'gh-pages')).toEqual(filesBefore);
      expect(row(id)).toEqual(before);

      const expected = await expectedBranch(world, 'sam', { servedAt: [`https://sam-gh.github.io/${repo}/`] });
      const result = await publish(id);
      expect(result.committed).toBe(true);
      const files = world.gh.files('sam-gh', repo, 'gh-pages');
      expect([...files.keys()].sort()).toEqual([...expected.keys()].sort());
      expect(files.get('poem/index.html')!.equals(expected.get('poem/index.html')!)).toBe(true);
      expect(row(id).lastCommitSha).toBe(head(repo));
      expect(world.gh.violations).toEqual([]);
    });
  }

  it('one dropped connection is retried by itself', async () => {
    const id = await freshTarget('tnet-once');
    world.gh.fault({ operationId: 'git/create-blob', drop: true });
    const progress: PublishProgress[] = [];
    const result = await publish(id, { onProgress: (p) => progress.push(p) });
    expect(result.committed).toBe(true);
    expect(progress.map((p) => p.message)).toContain('The connection to GitHub failed; trying again in 1 s (retry 1 of 2).');
  });

  it('when the answer to "move the branch" is lost, publishing again recognises the commit as its own', async () => {
    const id = await freshTarget('tnet-ref');
    await publish(id);
    const before = row(id);
    await editPoem();
    world.gh.fault({ operationId: 'git/update-ref', dropAfter: true });
    const error = await failure(publish(id));
    expect(error.message).toContain('it is not known whether your site already shows the new version. Publish again');
    expect(head('tnet-ref')).not.toBe(before.lastCommitSha);
    expect(row(id)).toEqual(before);
    // The commit whose answer was lost already holds the new site…
    const onBranch = world.gh.files('sam-gh', 'tnet-ref', 'gh-pages');
    const now = await expectedBranch(world, 'sam', { servedAt: ['https://sam-gh.github.io/tnet-ref/'] });
    expect([...now].filter(([p, b]) => !onBranch.get(p)?.equals(b)).map(([p]) => p)).toEqual([]);
    // …so publishing again only records it.
    const result = await publish(id);
    expect(result).toMatchObject({ committed: false, commitSha: head('tnet-ref') });
    expect(row(id).lastCommitSha).toBe(head('tnet-ref'));
  });
});

describe('a branch someone else moved', () => {
  it('is not overwritten: the publish refuses and says why; --force replaces it, keeping their commit in the history', async () => {
    const id = await freshTarget('tmoved');
    await publish(id);
    const theirs = world.gh.pushCommit('sam-gh', 'tmoved', 'gh-pages', { 'extra.html': '<p>pushed from elsewhere</p>' });
    await editPoem();
    const mark = world.gh.requests.length;
    const error = await failure(publish(id));
    expect(error.code).toBe('CONFLICT');
    expect(error.message).toContain(`The branch gh-pages of sam-gh/tmoved has changed since Potluck last published (it is now at commit ${theirs.slice(0, 7)}`);
    expect(error.message).toContain('(--force)');
    expect(world.gh.count('git/create-blob', mark)).toBe(0);
    expect(head('tmoved')).toBe(theirs);

    const expected = await expectedBranch(world, 'sam', { servedAt: ['https://sam-gh.github.io/tmoved/'] });
    const result = await publish(id, { force: true });
    const files = world.gh.files('sam-gh', 'tmoved', 'gh-pages');
    expect(files.has('extra.html')).toBe(false);
    expect([...files.keys()].sort()).toEqual([...expected.keys()].sort());
    expect(result.committed).toBe(true);
    const commit = world.gh.requests.filter((r) => r.operationId === 'git/create-commit').at(-1)!;
    expect(commit.body.parents).toEqual([theirs]);
  });

  it('a first publish onto a branch that already has someone else\'s commits is refused too', async () => {
    const id = await freshTarget('tforeign');
    world.gh.pushCommit('sam-gh', 'tforeign', 'gh-pages', { 'index.html': '<p>an old site</p>' });
    const error = await failure(publish(id));
    expect(error.message).toContain('The branch gh-pages of sam-gh/tforeign already has commits that Potluck did not make');
    expect(world.gh.files('sam-gh', 'tforeign', 'gh-pages').get('index.html')!.toString()).toBe('<p>an old site</p>');
  });
});

describe('a file over 100 MB', () => {
  it('is refused before anything is uploaded, naming the file', async () => {
    const id = await freshTarget('tbig');
    const item = {
      id: world.app.newId(),
      ownerId: sam.owner.id,
      kind: 'attachment' as const,
      filename: 'field-recording.wav',
      mime: 'audio/wav',
      bytes: 101 * 1024 * 1024,
      sha256: '0'.repeat(64),
      alt: '',
      createdAt: new Date(),
    };
    world.app.db.insert(media).values(item).run();
    const file = mediaFilePath(world.app.config, item, originalFileName(item.mime));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.closeSync(fs.openSync(file, 'w'));
    // Sparse: 101 MB on paper, almost nothing on disk.
    fs.truncateSync(file, item.bytes);
    const artifact = await makeArtifact(world.app, sam.owner, { title: 'Field recording', slug: 'field-recording', visibility: 'public', body: `Listen: ${markdownFor(item)}` });
    try {
      const mark = world.gh.requests.length;
      const error = await failure(publish(id));
      expect(error.code).toBe('TOO_LARGE');
      expect(error.message).toContain(`GitHub does not accept files over 100 MB, and your public site has one: “field-recording.wav” (media/${item.id}/original.wav, 101.0 MB).`);
      expect(error.message).toContain('Nothing was uploaded.');
      expect(world.gh.count('git/create-blob', mark)).toBe(0);
      expect(world.gh.count('git/create-tree', mark)).toBe(0);
      expect(head('tbig')).toBeUndefined();
    } finally {
      await saveArtifact(world.app, { ownerId: sam.owner.id, artifactId: artifact.id, input: { title: artifact.title, slug: artifact.slug, kind: artifact.kind, visibility: 'private', body: artifact.body } });
      fs.rmSync(file, { force: true });
    }
  });
});

describe('all along', () => {
  it('every request Potluck sent matched GitHub\'s description (faults were the server\'s doing, not bad requests)', () => {
    expect(world.gh.violations).toEqual([]);
  });
});
