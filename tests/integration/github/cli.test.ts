/**
 * `potluck publish` as a shell runs it (a child process rendering pages in-process), against the local GitHub:
 * progress lines, the result, rate limits said out loud, plain errors with exit codes, usage errors.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobs, publishTargets, users } from '../../../src/server/db/schema.ts';
import { runCli, runCliProcess } from '../../helpers/cli.ts';
import { makePortfolio, startWorld, type World } from './world.ts';

const TOKEN = 'github_pat_11CLI0000000000000000_clitokenclitokenclitokenclitoken';

let world: World;

beforeAll(async () => {
  world = await startWorld();
  await makePortfolio(world.app, 'lee');
  world.gh.addToken(TOKEN, { login: 'lee-gh', permissions: { contents: 'write', pages: 'write', administration: 'write' }, repositories: 'all' });
}, 120_000);

afterAll(async () => {
  await world?.stop();
});

/** Runs `potluck publish …` in a child process against the test server's data folder. */
function publishCli(args: string[], env: Record<string, string> = {}) {
  return runCliProcess(world.server, ['publish', ...args], { GITHUB_API_URL: world.gh.url, GITHUB_TOKEN: TOKEN, ...env });
}

const inProcess = (argv: string[], env: Record<string, string> = {}) =>
  runCli(['publish', ...argv], { env: { POTLUCK_DATA: world.server.dataDir, GITHUB_API_URL: world.gh.url, ...env } });

describe('potluck publish', () => {
  it('is listed in potluck --help and explains the token it needs in its own --help', async () => {
    expect((await runCli(['--help'], { env: {} })).out).toMatch(/\n {2}publish {2,}publish a student's public site to their GitHub Pages/);
    const help = await inProcess(['--help']);
    expect(help.code).toBe(0);
    for (const words of ['GITHUB_TOKEN', 'GITHUB_API_URL', 'Contents: Read and write', 'Pages: Read and write', '--force', '--domain', '--canonical']) {
      expect(help.out).toContain(words);
    }
  });

  it('usage errors exit 2 and say what is missing', async () => {
    const noRepo = await inProcess(['--handle', 'lee'], { GITHUB_TOKEN: TOKEN });
    expect(noRepo).toMatchObject({ code: 2 });
    expect(noRepo.err).toContain('missing --github OWNER/REPO');
    const badRepo = await inProcess(['--handle', 'lee', '--github', 'just-a-name'], { GITHUB_TOKEN: TOKEN });
    expect(badRepo.code).toBe(2);
    expect(badRepo.err).toContain('Give the repository as OWNER/NAME');
    const noToken = await inProcess(['--handle', 'lee', '--github', 'lee-gh/site']);
    expect(noToken.code).toBe(2);
    expect(noToken.err).toContain('set GITHUB_TOKEN');
  });

  it('creates the repository, publishes, and prints progress and the result', async () => {
    const r = await publishCli(['--handle', 'lee', '--github', 'lee-gh/lee-gh.github.io', '--create', '--canonical']);
    expect(r, r.err).toMatchObject({ code: 0 });
    const lines = r.out.split('\n');
    for (const start of ['Checking lee-gh/lee-gh.github.io on GitHub…', 'Created the repository lee-gh/lee-gh.github.io.', 'Building your site', 'Checking files', 'Uploading changed files', 'Making the commit…', 'Moving gh-pages to the new commit…', 'GitHub Pages build: built']) {
      expect(lines.some((l) => l.startsWith(start)), start).toBe(true);
    }
    const head = world.gh.repo('lee-gh', 'lee-gh.github.io')!.refs.get('refs/heads/gh-pages')!;
    expect(r.out).toContain(`Published the site of this account to lee-gh/lee-gh.github.io (branch gh-pages, commit ${head.slice(0, 7)}):`);
    expect(r.out).toContain('  address: https://lee-gh.github.io/');
    expect(world.gh.files('lee-gh', 'lee-gh.github.io', 'gh-pages').has('index.html')).toBe(true);
    const lee = world.app.db.select().from(users).where(eq(users.handle, 'lee')).get()!;
    expect(lee.canonicalBaseUrl).toBe('https://lee-gh.github.io');
    const job = world.app.db.select().from(jobs).where(eq(jobs.userId, lee.id)).get()!;
    expect(job).toMatchObject({ kind: 'github-publish', status: 'succeeded' });
    expect(world.gh.violations).toEqual([]);
  });

  it('waits out a rate limit and says so; --json prints the result; options left out keep last time\'s', async () => {
    world.gh.fault({ operationId: 'git/get-ref', status: 429, headers: { 'retry-after': '1' } });
    const r = await publishCli(['--handle', 'lee', '--github', 'lee-gh/lee-gh.github.io', '--json']);
    expect(r, r.err).toMatchObject({ code: 0 });
    expect(r.err).toContain("GitHub's rate limit was reached; waiting 1 s before trying again (retry 1 of 3).");
    const result = JSON.parse(r.out);
    // Nothing changed since the first publish, which already rendered what it recorded: no commit, nothing uploaded.
    expect(result).toMatchObject({ committed: false, siteUrl: 'https://lee-gh.github.io/', filesChanged: 0, blobsUploaded: 0 });
    const target = world.app.db.select().from(publishTargets).where(eq(publishTargets.repo, 'lee-gh.github.io')).get()!;
    expect(target.canonical).toBe(true);
  });

  it('a GitHub refusal exits 1 with the plain message', async () => {
    const r = await publishCli(['--handle', 'lee', '--github', 'lee-gh/lee-gh.github.io'], { GITHUB_TOKEN: 'github_pat_11CLI0000000000000000_revokedrevokedrevokedrevoked' });
    expect(r.code).toBe(1);
    expect(r.err).toContain('potluck publish: GitHub did not accept the token: it is wrong, has expired or was revoked.');
  });

  it('an unknown handle exits 1 before anything is sent to GitHub', async () => {
    const mark = world.gh.requests.length;
    const r = await inProcess(['--handle', 'nobody', '--github', 'lee-gh/site'], { GITHUB_TOKEN: TOKEN });
    expect(r.code).toBe(1);
    expect(r.err).toContain('There is no active account @nobody');
    expect(world.gh.requests.length).toBe(mark);
  });
});

describe('all along', () => {
  it("every request Potluck sent matched GitHub's description", () => {
    expect(world.gh.violations).toEqual([]);
  });
});
