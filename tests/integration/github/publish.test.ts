/**
 * Publishing to GitHub Pages against the local GitHub (held to GitHub's REST description): the branch holds exactly
 * the static export (byte for byte, also as real git reads it), later publishes upload only what changed, Pages is
 * switched on, and the hosted pages point to the GitHub copy.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveArtifact } from '../../../src/commands/artifactSaver.ts';
import { savePublishTarget } from '../../../src/commands/publishTargetSaver.ts';
import { publishSite, type PublishProgress, type PublishResult } from '../../../src/commands/sitePublisher.ts';
import { publishTargets, syndications, users } from '../../../src/server/db/schema.ts';
import { gitBlobSha, listFolder } from '../../../src/server/github/gitObjects.ts';
import { ONE_LOOK, changedPaths, expectedBranch, makePortfolio, startWorld, type Portfolio, type World } from './world.ts';

const TOKEN = 'github_pat_11PUBLISH0000000000_publishtestpublishtestpublishtest';
const BASE = 'https://maya-gh.github.io/portfolio/';

let world: World;
let maya: Portfolio;
let targetId: string;

beforeAll(async () => {
  world = await startWorld();
  maya = await makePortfolio(world.app, 'maya');
  world.gh.addToken(TOKEN, { login: 'maya-gh', permissions: { contents: 'write', pages: 'write', administration: 'write' }, repositories: 'all' });
  world.gh.addRepo('maya-gh', 'portfolio', { files: { 'README.md': '# My portfolio\n' } });
}, 120_000);

afterAll(async () => {
  await world?.stop();
});

const publish = (extra: { onProgress?: (p: PublishProgress) => void; targetId?: string } = {}) =>
  publishSite(world.app, { userId: maya.owner.id, targetId: extra.targetId ?? targetId, token: TOKEN, renderer: world.renderer, pagesBuild: ONE_LOOK, onProgress: extra.onProgress });

const head = (repo = 'portfolio', branch = 'gh-pages') => world.gh.repo('maya-gh', repo)!.refs.get(`refs/heads/${branch}`);
const targetRow = () => world.app.db.select().from(publishTargets).where(eq(publishTargets.id, targetId)).get()!;

/** The blobs the server received since request number `from`, by their git name. */
function uploadedShas(from: number): string[] {
  return world.gh.requests
    .slice(from)
    .filter((r) => r.operationId === 'git/create-blob' && r.status === 201)
    .map((r) => gitBlobSha(Buffer.from(r.body.content, 'base64')))
    .sort();
}

function expectSameFiles(actual: Map<string, Buffer>, expected: Map<string, Buffer>) {
  expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
  const different = [...expected].filter(([p, bytes]) => !actual.get(p)!.equals(bytes)).map(([p]) => p);
  expect(different).toEqual([]);
}

describe('the first publish', () => {
  let expected: Map<string, Buffer>;
  let result: PublishResult;
  // Requests before this one checked the target (its permission check writes the empty blob).
  let mark = 0;
  const progress: PublishProgress[] = [];

  beforeAll(async () => {
    const saved = await savePublishTarget(world.app, {
      userId: maya.owner.id,
      token: TOKEN,
      check: true,
      input: { owner: 'maya-gh', repo: 'portfolio', canonical: true },
    });
    expect(saved.warnings).toEqual([]);
    targetId = saved.target.id;
    expected = await expectedBranch(world, 'maya', { base: BASE });
    mark = world.gh.requests.length;
    result = await publish({ onProgress: (p) => progress.push(p) });
  }, 120_000);

  it('sends only requests that GitHub describes, each valid', () => {
    expect(world.gh.violations).toEqual([]);
  });

  it('puts exactly the static export (.nojekyll, 404.html, sitemap.xml and robots.txt included) on gh-pages, byte for byte', () => {
    for (const name of ['.nojekyll', '404.html', 'sitemap.xml', 'robots.txt']) expect(expected.has(name), name).toBe(true);
    expect(expected.has('index.html')).toBe(true);
    expect(expected.has('river-walk/index.html')).toBe(true);
    expect([...expected.keys()].some((p) => p.startsWith('_astro/') || p.startsWith('styles/'))).toBe(true);
    expect([...expected.keys()].some((p) => p.endsWith('original.pdf'))).toBe(true);
    expect([...expected.keys()].some((p) => p.startsWith('diary') || p.startsWith('draft'))).toBe(false);
    expectSameFiles(world.gh.files('maya-gh', 'portfolio', 'gh-pages'), expected);
  });

  it('makes objects real git accepts: git fsck passes and git archive gives the same files', () => {
    const bare = path.join(world.work, 'first.git');
    world.gh.writeBareRepo('maya-gh', 'portfolio', bare);
    execFileSync('git', ['-C', bare, 'fsck', '--strict', '--no-dangling']);
    const out = path.join(world.work, 'first-archive');
    fs.mkdirSync(out);
    execFileSync('sh', ['-c', `git -C "${bare}" archive gh-pages | tar -x -C "${out}"`]);
    const archived = new Map(listFolder(out).map((f) => [f.path, fs.readFileSync(path.join(out, f.path))]));
    expectSameFiles(archived, expected);
    // One commit, on its own branch: the repository's main branch is untouched.
    expect(execFileSync('git', ['-C', bare, 'rev-list', '--count', 'gh-pages'], { encoding: 'utf8' }).trim()).toBe('1');
    expect(execFileSync('git', ['-C', bare, 'ls-tree', '--name-only', 'main'], { encoding: 'utf8' }).trim()).toBe('README.md');
  });

  it('uploads each distinct file once and reports what it did', () => {
    const distinct = new Set([...expected.values()].map((b) => gitBlobSha(b)));
    expect(uploadedShas(mark)).toEqual([...distinct].sort());
    expect(result).toMatchObject({
      committed: true,
      commitSha: head(),
      siteUrl: BASE,
      branch: 'gh-pages',
      files: expected.size,
      filesChanged: expected.size,
      filesRemoved: 0,
      blobsUploaded: distinct.size,
      syndicated: 4,
      pagesStatus: 'built',
      warnings: [],
    });
  });

  it('shows its progress step by step: files hashed, blobs uploaded n of m, commit, Pages build', () => {
    const steps = progress.map((p) => p.step).filter((s, i, all) => s !== all[i - 1]);
    expect(steps).toEqual(['check', 'export', 'hash', 'upload', 'tree', 'commit', 'ref', 'pages', 'build', 'done']);
    expect(progress.filter((p) => p.step === 'hash').at(-1)).toMatchObject({ done: expected.size, total: expected.size });
    const uploads = progress.filter((p) => p.step === 'upload');
    expect(uploads.at(-1)).toMatchObject({ done: result.blobsUploaded, total: result.blobsUploaded });
    expect(uploads.at(-1)!.message).toBe(`Uploading changed files: ${result.blobsUploaded} of ${result.blobsUploaded}`);
    expect(progress.find((p) => p.step === 'build')!.message).toBe('GitHub Pages build: built');
  });

  it('switches GitHub Pages on for the branch', () => {
    expect(world.gh.repo('maya-gh', 'portfolio')!.pages).toMatchObject({ source: { branch: 'gh-pages', path: '/' }, buildType: 'legacy', cname: null });
  });

  it('keeps the result: commit, address, time, files changed, and the tree it published', () => {
    const row = targetRow();
    expect(row).toMatchObject({ lastCommitSha: head(), siteUrl: BASE, lastFilesChanged: expected.size });
    expect(row.lastPublishedAt).toBeInstanceOf(Date);
    expect(row.lastTree).toEqual(Object.fromEntries([...expected].map(([p, b]) => [p, gitBlobSha(b)])));
  });

  it('records the GitHub Pages address of each public artifact as a syndication, and makes it the canonical home', async () => {
    const rows = world.app.db.select().from(syndications).all().map((s) => [s.url, s.name]).sort();
    expect(rows).toEqual(['lab-report', 'notes', 'poem', 'river-walk'].map((slug) => [`${BASE}${slug}/`, 'GitHub Pages (maya-gh.github.io/portfolio)']));
    const owner = world.app.db.select().from(users).where(eq(users.id, maya.owner.id)).get()!;
    expect(owner.canonicalBaseUrl).toBe(BASE.replace(/\/$/, ''));
    const html = await (await fetch(`${world.server.url}/@maya/poem/`)).text();
    expect(html).toContain(`<link rel="canonical" href="${BASE}poem/"`);
    expect(html).toMatch(new RegExp(`class="u-syndication" href="${BASE}poem/"`));
  });
});

describe('later publishes', () => {
  it('the second publish with nothing changed makes no commit: the first already rendered what it recorded', async () => {
    const before = world.gh.files('maya-gh', 'portfolio', 'gh-pages');
    const previous = head();
    const expected = await expectedBranch(world, 'maya', { base: BASE });
    expect(changedPaths(before, expected)).toEqual([]);
    const mark = world.gh.requests.length;
    const result = await publish();
    expect(world.gh.violations).toEqual([]);
    expect(result).toMatchObject({ committed: false, commitSha: previous, filesChanged: 0, blobsUploaded: 0 });
    expect(world.gh.count('git/create-blob', mark)).toBe(0);
    expect(world.gh.count('git/create-commit', mark)).toBe(0);
    expectSameFiles(world.gh.files('maya-gh', 'portfolio', 'gh-pages'), expected);
  });

  it('make no commit and upload nothing when nothing changed', async () => {
    const previous = head();
    const mark = world.gh.requests.length;
    const result = await publish();
    expect(result).toMatchObject({ committed: false, commitSha: previous, filesChanged: 0, blobsUploaded: 0 });
    expect(world.gh.count('git/create-blob', mark)).toBe(0);
    expect(world.gh.count('git/create-commit', mark)).toBe(0);
    expect(head()).toBe(previous);
    expect(targetRow().lastFilesChanged).toBe(0);
  });

  it('after one artifact is edited, upload only the files that show it, in a commit on top of the last one', async () => {
    const poem = maya.publicWork.find((a) => a.slug === 'poem')!;
    await saveArtifact(world.app, {
      ownerId: maya.owner.id,
      artifactId: poem.id,
      input: { title: poem.title, slug: poem.slug, kind: poem.kind, visibility: 'public', body: 'Water remembers\nthe shape of stones,\nand so do I.', date: poem.date },
    });
    const before = world.gh.files('maya-gh', 'portfolio', 'gh-pages');
    const expected = await expectedBranch(world, 'maya', { base: BASE });
    const changed = changedPaths(before, expected);
    expect(changed).toContain('poem/index.html');
    expect(changed).not.toContain('river-walk/index.html');
    expect(changed).not.toContain('lab-report/index.html');
    expect(changed.filter((p) => p.startsWith('media/') || p.startsWith('_astro/') || p.startsWith('styles/'))).toEqual([]);
    const previous = head();
    const mark = world.gh.requests.length;
    const result = await publish();
    expect(world.gh.count('git/create-blob', mark)).toBe(changed.length);
    expect(uploadedShas(mark)).toEqual(changed.map((p) => gitBlobSha(expected.get(p)!)).sort());
    expect(result).toMatchObject({ committed: true, filesChanged: changed.length, blobsUploaded: changed.length });
    expectSameFiles(world.gh.files('maya-gh', 'portfolio', 'gh-pages'), expected);
    expect(world.gh.violations).toEqual([]);
    // The new commit follows the previous one, with the previous tree as its base.
    const bare = path.join(world.work, 'second.git');
    world.gh.writeBareRepo('maya-gh', 'portfolio', bare);
    expect(execFileSync('git', ['-C', bare, 'rev-parse', 'gh-pages^'], { encoding: 'utf8' }).trim()).toBe(previous);
    const treeRequest = world.gh.requests.slice(mark).find((r) => r.operationId === 'git/create-tree')!;
    expect(treeRequest.body.base_tree).toBeTruthy();
    expect(treeRequest.body.tree.map((e: { path: string }) => e.path).sort()).toEqual(changed);
  });

  it('remove work that is no longer public from the branch, and its syndication with it', async () => {
    const notes = maya.publicWork.find((a) => a.slug === 'notes')!;
    await saveArtifact(world.app, {
      ownerId: maya.owner.id,
      artifactId: notes.id,
      input: { title: notes.title, slug: notes.slug, kind: notes.kind, visibility: 'private', body: notes.body, tags: notes.tags, date: notes.date },
    });
    const expected = await expectedBranch(world, 'maya', { base: BASE });
    const result = await publish();
    const files = world.gh.files('maya-gh', 'portfolio', 'gh-pages');
    expect(files.has('notes/index.html')).toBe(false);
    expectSameFiles(files, expected);
    expect(result.filesRemoved).toBeGreaterThan(0);
    expect(world.app.db.select().from(syndications).where(eq(syndications.artifactId, notes.id)).all()).toEqual([]);
    expect(world.app.db.select().from(syndications).all()).toHaveLength(3);
  });
});

describe('other targets', () => {
  it('creates the user site repository, writes CNAME for a custom domain and sets it on GitHub Pages', async () => {
    const saved = await savePublishTarget(world.app, {
      userId: maya.owner.id,
      token: TOKEN,
      check: true,
      input: { owner: 'maya-gh', repo: 'maya-gh.github.io', domain: 'https://Maya.Example.org/', create: true },
    });
    expect(saved.createdRepository).toBe(true);
    expect(saved.target).toMatchObject({ repo: 'maya-gh.github.io', branch: 'gh-pages', domain: 'maya.example.org', canonical: false });
    // Canonical stays with the first target; this copy's links point there.
    const expected = await expectedBranch(world, 'maya', { domain: 'maya.example.org', servedAt: ['https://maya.example.org/'] });
    const result = await publish({ targetId: saved.target.id });
    expect(result.siteUrl).toBe('https://maya.example.org/');
    const files = world.gh.files('maya-gh', 'maya-gh.github.io', 'gh-pages');
    expect(files.get('CNAME')!.toString()).toBe('maya.example.org\n');
    expectSameFiles(files, expected);
    expect(world.gh.repo('maya-gh', 'maya-gh.github.io')!.pages).toMatchObject({ cname: 'maya.example.org', source: { branch: 'gh-pages', path: '/' } });
    const rows = world.app.db.select().from(syndications).all().filter((s) => s.url.startsWith('https://maya.example.org/'));
    expect(rows.map((r) => r.url).sort()).toEqual(['https://maya.example.org/lab-report/', 'https://maya.example.org/poem/', 'https://maya.example.org/river-walk/']);
    expect(world.gh.violations).toEqual([]);
  });

  it('starts an empty repository with a first commit, then publishes to its own branch', async () => {
    world.gh.addRepo('maya-gh', 'blank', { empty: true });
    const saved = await savePublishTarget(world.app, { userId: maya.owner.id, token: TOKEN, check: true, input: { owner: 'maya-gh', repo: 'blank' } });
    const result = await publish({ targetId: saved.target.id });
    expect(result.committed).toBe(true);
    expect([...world.gh.files('maya-gh', 'blank', 'main').keys()]).toEqual(['.nojekyll']);
    expect(world.gh.files('maya-gh', 'blank', 'gh-pages').has('index.html')).toBe(true);
    expect(world.gh.violations).toEqual([]);
  });

  it('moves GitHub Pages to the branch when it was set up another way, and says so', async () => {
    const repo = world.gh.repo('maya-gh', 'blank')!;
    repo.pages = { source: { branch: 'main', path: '/docs' }, cname: null, buildType: 'workflow', builds: [] };
    const target = world.app.db.select().from(publishTargets).where(eq(publishTargets.repo, 'blank')).get()!;
    const result = await publish({ targetId: target.id });
    expect(result.warnings).toEqual(['GitHub Pages was publishing from a GitHub Actions workflow; Potluck switched it to the branch gh-pages.']);
    expect(repo.pages).toMatchObject({ source: { branch: 'gh-pages', path: '/' }, buildType: 'legacy' });
  });

  it('on GitHub Enterprise, uses the address GitHub gives the Pages site, and says so when it learns it only at the end', async () => {
    world.gh.setPagesHost('pages.school.example');
    try {
      // Pages is already on for this repository: its address comes from GitHub before anything is built.
      const target = world.app.db.select().from(publishTargets).where(eq(publishTargets.repo, 'blank')).get()!;
      const result = await publish({ targetId: target.id });
      expect(result.siteUrl).toBe('https://pages.school.example/pages/maya-gh/blank/');
      // Each public piece records where this copy of it is.
      const copies = world.app.db.select().from(syndications).all().filter((s) => s.url.startsWith('https://pages.school.example/pages/maya-gh/blank/'));
      expect(copies.map((s) => s.url).sort()).toEqual([
        'https://pages.school.example/pages/maya-gh/blank/lab-report/',
        'https://pages.school.example/pages/maya-gh/blank/poem/',
        'https://pages.school.example/pages/maya-gh/blank/river-walk/',
      ]);
      expect(world.app.db.select().from(syndications).all().filter((s) => s.url.includes('maya-gh.github.io/blank'))).toEqual([]);
      expect(result.warnings.filter((w) => w.includes('serves this site at'))).toEqual([]);

      // A new repository: Pages is switched on at the end, and only then does GitHub say where it is.
      world.gh.addRepo('maya-gh', 'fresh');
      const saved = await savePublishTarget(world.app, { userId: maya.owner.id, token: TOKEN, check: true, input: { owner: 'maya-gh', repo: 'fresh' } });
      const first = await publish({ targetId: saved.target.id });
      expect(first.siteUrl).toBe('https://maya-gh.github.io/fresh/');
      expect(first.warnings).toContain(
        'GitHub Pages serves this site at https://pages.school.example/pages/maya-gh/fresh/, not https://maya-gh.github.io/fresh/. Publish again, so that its links and feeds use that address.',
      );
      const second = await publish({ targetId: saved.target.id });
      expect(second.siteUrl).toBe('https://pages.school.example/pages/maya-gh/fresh/');
      expect(second.warnings.filter((w) => w.includes('serves this site at'))).toEqual([]);
      expect(world.gh.violations).toEqual([]);
    } finally {
      world.gh.setPagesHost(null);
    }
  });

  it('a user site on github.io leaves the records of a project site on the same host alone, and drops its old address', async () => {
    const target = world.app.db.select().from(publishTargets).where(eq(publishTargets.repo, 'maya-gh.github.io')).get()!;
    world.app.db.update(publishTargets).set({ domain: null }).where(eq(publishTargets.id, target.id)).run();
    world.gh.repo('maya-gh', 'maya-gh.github.io')!.pages!.cname = null;
    const rows = (prefix: string) =>
      world.app.db.select().from(syndications).all().filter((s) => s.url.startsWith(prefix)).map((s) => s.url).sort();
    const project = rows('https://maya-gh.github.io/portfolio/');
    expect(project).toHaveLength(3);
    const result = await publish({ targetId: target.id });
    expect(result.siteUrl).toBe('https://maya-gh.github.io/');
    expect(rows('https://maya-gh.github.io/portfolio/')).toEqual(project);
    expect(rows('https://maya-gh.github.io/').filter((u) => !u.startsWith('https://maya-gh.github.io/portfolio/'))).toEqual([
      'https://maya-gh.github.io/lab-report/',
      'https://maya-gh.github.io/poem/',
      'https://maya-gh.github.io/river-walk/',
    ]);
    expect(rows('https://maya.example.org/')).toEqual([]);
  });

  it('turning "home of my work" off points the hosted pages back to this Potluck', async () => {
    await savePublishTarget(world.app, { userId: maya.owner.id, token: TOKEN, input: { owner: 'maya-gh', repo: 'portfolio', canonical: false } });
    const owner = world.app.db.select().from(users).where(eq(users.id, maya.owner.id)).get()!;
    expect(owner.canonicalBaseUrl).toBeNull();
    const html = await (await fetch(`${world.server.url}/@maya/poem/`)).text();
    // The test server does not know its own port for absolute links (it starts on port 0), hence the pattern.
    expect(html).toMatch(/<link rel="canonical" href="http:\/\/127\.0\.0\.1:\d+\/@maya\/poem\/"/);
    const row = world.app.db
      .select()
      .from(publishTargets)
      .where(and(eq(publishTargets.userId, maya.owner.id), eq(publishTargets.repo, 'portfolio')))
      .get()!;
    expect(row.lastCommitSha).toBe(head());
  });
});

describe('all along', () => {
  it("every request Potluck sent matched GitHub's description", () => {
    expect(world.gh.violations).toEqual([]);
  });
});
