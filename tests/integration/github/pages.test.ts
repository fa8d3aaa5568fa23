/**
 * The Publish page in a browser without JavaScript, against a real server whose GITHUB_API_URL is the local GitHub:
 * connect with a token (refusals say what is wrong), choose a repository, publish with one button, follow the
 * progress page until it shows the result, disconnect.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { githubConnections, publishTargets } from '../../../src/server/db/schema.ts';
import { NEW_TOKEN_URL } from '../../../src/server/github/errors.ts';
import { Browser } from '../../helpers/http.ts';
import { makeUser, signedIn } from '../../helpers/factories.ts';
import { makePortfolio, startWorld, type Portfolio, type World } from './world.ts';

const GOOD = 'github_pat_11PAGES000000000000_pagestokenpagestokenpagestoken';
const EXPIRED = 'github_pat_11PAGES000000000000_expiredexpiredexpiredexpired';
const CLASSIC = 'ghp_classicclassicclassicclassic0000';

let world: World;
let kim: Portfolio;
let browser: Browser;

beforeAll(async () => {
  world = await startWorld();
  kim = await makePortfolio(world.server.app, 'kim');
  browser = signedIn(world.server.url, world.server.app, kim.owner);
  world.gh.addToken(GOOD, { login: 'kim-gh', permissions: { contents: 'write', pages: 'write' }, repositories: ['kim-gh/site'], expires: '2031-01-01 00:00:00 UTC' });
  world.gh.addToken(CLASSIC, { login: 'kim-gh', scopes: ['read:user', 'gist'] });
  world.gh.addRepo('kim-gh', 'site');
}, 120_000);

afterAll(async () => {
  await world?.stop();
});

const page = async (path = '/workspace/publish') => {
  const r = await browser.get(path);
  expect(r.status).toBe(200);
  return r.text();
};

describe('/workspace/publish', () => {
  it('needs a signed-in person', async () => {
    const r = await new Browser(world.server.url).get('/workspace/publish');
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toContain('/signin');
  });

  it('explains which token to make, with a plain link to GitHub\'s token page', async () => {
    const html = await page();
    expect(html).toContain(`href="${NEW_TOKEN_URL}"`);
    for (const words of ['Contents: Read and write', 'Pages: Read and write', 'Administration: Read and write', 'Only select repositories']) expect(html).toContain(words);
    expect(html).toMatch(/<label for="f-token">Your GitHub token/);
    expect(html).toMatch(/<input id="f-token" name="token" type="password"/);
  });

  it('a token GitHub does not accept is refused with the reason, not kept, and not shown back', async () => {
    const r = await browser.postForm('/workspace/publish', { intent: 'connect', token: EXPIRED });
    expect(r.status).toBe(400);
    const html = await r.text();
    expect(html).toContain('GitHub did not accept the token: it is wrong, has expired or was revoked.');
    expect(html).not.toContain(EXPIRED);
    expect(world.server.app.db.select().from(githubConnections).all()).toEqual([]);
  });

  it('a classic token without the repo scope: says exactly what is missing and what it has', async () => {
    const r = await browser.postForm('/workspace/publish', { intent: 'connect', token: CLASSIC });
    expect(r.status).toBe(400);
    const html = await r.text();
    expect(html).toContain('it does not have the “repo” scope');
    expect(html).toContain('(it has: read:user, gist)');
  });

  it('connects: the token is checked with GitHub, kept sealed, and the page says who is connected', async () => {
    const r = await browser.postForm('/workspace/publish', { intent: 'connect', token: ` ${GOOD} ` });
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toBe('/workspace/publish?connected=1');
    const row = world.server.app.db.select().from(githubConnections).where(eq(githubConnections.userId, kim.owner.id)).get()!;
    expect(row).toMatchObject({ login: 'kim-gh', tokenKind: 'pat' });
    expect(row.tokenSealed).not.toContain(GOOD);
    const html = await page('/workspace/publish?connected=1');
    expect(html).toContain('GitHub is connected as kim-gh.');
    expect(html).toContain('Connected as <strong>kim-gh</strong>');
    expect(html).not.toContain('name="token"');
  });

  it('a repository the token cannot see is named in the form, with what to check', async () => {
    const r = await browser.postForm('/workspace/publish', { intent: 'target', owner: 'kim-gh', repo: 'elsewhere', branch: 'gh-pages', domain: '' });
    expect(r.status).toBe(400);
    const html = await r.text();
    expect(html).toContain('the repository kim-gh/elsewhere does not exist, or your token cannot see it');
    expect(html).toContain('value="elsewhere"');
  });

  it('bad names are caught before asking GitHub, each on its field', async () => {
    const mark = world.gh.requests.length;
    const r = await browser.postForm('/workspace/publish', { intent: 'target', owner: 'kim-gh', repo: 'my site', branch: '..', domain: 'http://' });
    expect(r.status).toBe(400);
    const html = await r.text();
    expect(html).toContain('A repository name has letters, digits');
    expect(html).toContain('Enter a branch name like “gh-pages”');
    expect(html).toMatch(/aria-invalid="true"/);
    expect(world.gh.requests.length).toBe(mark);
  });

  it('without Pages permission the target is saved with a warning that names it', async () => {
    world.gh.addToken('github_pat_11PAGES000000000000_nopagesnopagesnopagesnopagesno', { login: 'kim-gh', permissions: { contents: 'write' }, repositories: 'all' });
    const other = await makeUser(world.server.app, { handle: 'ola' });
    const ola = signedIn(world.server.url, world.server.app, other);
    expect((await ola.postForm('/workspace/publish', { intent: 'connect', token: 'github_pat_11PAGES000000000000_nopagesnopagesnopagesnopagesno' })).status).toBe(303);
    const r = await ola.postForm('/workspace/publish', { intent: 'target', owner: 'kim-gh', repo: 'site', branch: 'gh-pages', domain: '' });
    expect(r.status).toBe(200);
    const html = await r.text();
    expect(html).toContain('Saved, but check this:');
    expect(html).toContain('“Pages: Read-only”');
  });

  let jobPath = '';

  it('saves the target and publishes with one button: the progress page refreshes itself while it runs', async () => {
    const saved = await browser.postForm('/workspace/publish', { intent: 'target', owner: 'kim-gh', repo: 'site', branch: 'gh-pages', domain: '', canonical: 'on' });
    expect(saved.status).toBe(303);
    const target = world.server.app.db.select().from(publishTargets).where(eq(publishTargets.userId, kim.owner.id)).get()!;
    expect(target).toMatchObject({ owner: 'kim-gh', repo: 'site', branch: 'gh-pages', canonical: true, lastCommitSha: null });
    expect(await page(saved.headers.get('location')!)).toContain('kim-gh/site');

    // A slow GitHub keeps the publish running long enough to watch it.
    world.gh.fault({ operationId: 'git/get-ref', delayMs: 1500 });
    const r = await browser.postForm('/workspace/publish', { intent: 'publish', targetId: target.id });
    expect(r.status).toBe(303);
    jobPath = r.headers.get('location')!;
    expect(jobPath).toMatch(/^\/workspace\/publish\/[0-9a-f-]{36}$/);

    const running = await page(jobPath);
    expect(running).toContain('<meta http-equiv="refresh" content="2">');
    expect(running).toMatch(/<h1>Publishing to kim-gh\/site<\/h1>/);
    expect(running).toContain('Stop updating this page');
    expect(await page(`${jobPath}?still=1`)).not.toContain('http-equiv="refresh"');

    // A second publish while one runs is refused in the form.
    const again = await browser.postForm('/workspace/publish', { intent: 'publish', targetId: target.id });
    expect(again.status).toBe(400);
    expect(await again.text()).toContain('A publish is already running.');

    let html = running;
    for (let i = 0; i < 60 && html.includes('http-equiv="refresh"'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      html = await page(jobPath);
    }
    const head = world.gh.repo('kim-gh', 'site')!.refs.get('refs/heads/gh-pages')!;
    expect(html).not.toContain('http-equiv="refresh"');
    expect(html).toContain('<h1>Published to kim-gh/site</h1>');
    expect(html).toContain('Your site is published:');
    expect(html).toContain('href="https://kim-gh.github.io/site/"');
    expect(html).toContain(`<code>${head.slice(0, 7)}</code> on gh-pages`);
    expect(html).toContain('built — the site is live');
    expect(world.gh.files('kim-gh', 'site', 'gh-pages').has('index.html')).toBe(true);
    expect(world.gh.violations).toEqual([]);
  });

  it('the Publish page shows the last result and the publish history', async () => {
    const html = await page();
    const head = world.gh.repo('kim-gh', 'site')!.refs.get('refs/heads/gh-pages')!;
    expect(html).toContain(`commit <code>${head.slice(0, 7)}</code>`);
    expect(html).toContain('Home of your work');
    expect(html).toContain('<h2>Recent publishes</h2>');
    expect(html).toMatch(/<td>kim-gh\/site<\/td><td>Done<\/td>/);
  });

  it('nobody else can open a student\'s publish', async () => {
    const other = await makeUser(world.server.app, { handle: 'nosy' });
    const r = await signedIn(world.server.url, world.server.app, other).get(jobPath);
    expect(r.status).toBe(404);
  });

  it('disconnecting deletes the token; the target stays, waiting for a new connection', async () => {
    const r = await browser.postForm('/workspace/publish', { intent: 'disconnect' });
    expect(r.status).toBe(303);
    expect(world.server.app.db.select().from(githubConnections).where(eq(githubConnections.userId, kim.owner.id)).all()).toEqual([]);
    const html = await page('/workspace/publish?disconnected=1');
    expect(html).toContain('Potluck deleted your token');
    expect(html).toContain('name="token"');
    expect(html).toContain('kim-gh/site');
    expect(html).toContain('Connect GitHub to publish.');
  });

  it('a form posted from another site is refused', async () => {
    const r = await browser.postForm('/workspace/publish', { intent: 'disconnect' }, { origin: 'https://evil.example' });
    expect(r.status).toBe(403);
  });
});

describe('all along', () => {
  it("every request Potluck sent matched GitHub's description", () => {
    expect(world.gh.violations).toEqual([]);
  });
});
