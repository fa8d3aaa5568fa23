/**
 * Publishing across nodes on one PostgreSQL: a node killed with SIGKILL in the middle of a publish leaves a lease
 * that ends, another node's job runner takes the publish over and finishes it, and the branch gets one commit, also
 * when the first node had already moved the branch before it died. A node stopped with SIGTERM gives its publish
 * back at once, without waiting for the lease. A notification email whose node was killed while the SMTP server
 * held it is sent by another node once the claim ends, once. An archive export whose node was killed while it
 * wrote is written again by another node, and the student downloads one whole archive. An import from another
 * platform started on one node is followed and imported from another, and one whose node was killed while it checked
 * is checked by another node and imported once.
 */
import fs from 'node:fs';
import os from 'node:os';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerProcess, type ServerProcess } from '../../../scripts/lib/serverProcess.ts';
import { COMMIT_TRAILER } from '../../../src/commands/sitePublisher.ts';
import { loadConfig } from '../../../src/server/config.ts';
import { createAppContext, type AppContext } from '../../../src/server/context.ts';
import { saveNotificationPrefs } from '../../../src/commands/notificationPrefsSaver.ts';
import { artifacts, jobs, notifications, publishTargets, users, type User } from '../../../src/server/db/schema.ts';
import { inTransaction } from '../../../src/server/db/tx.ts';
import { notify } from '../../../src/server/notifications/notify.ts';
import { startMailServer, type MailServer } from '../notifications/mailServer.ts';
import { archiveJobFile } from '../../../src/commands/archiveExportJobs.ts';
import { buildZip, verifyZip } from '../archive-export/helpers.ts';
import path from 'node:path';
import { makeArtifact, makeUser, signedIn } from '../../helpers/factories.ts';
import { startGitHubServer, type GitHubTestServer } from '../../helpers/githubServer.ts';
import { tempDataDir } from '../../helpers/server.ts';
import { postgresMissing, postgresSkipNote, startPostgres, type TestPostgres } from '../../support/postgres.ts';

async function until(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.skipIf(postgresMissing)(`publishing, email and exports when a node dies, on one PostgreSQL ${postgresSkipNote}`, () => {
  let postgres: TestPostgres;
  let gh: GitHubTestServer;
  let mail: MailServer;
  let app: AppContext;
  let dataDir: string;
  let env: Record<string, string>;
  const started: ServerProcess[] = [];

  beforeAll(async () => {
    postgres = await startPostgres('publishers');
    gh = await startGitHubServer();
    mail = await startMailServer();
    dataDir = tempDataDir();
    env = {
      POTLUCK_DATA: dataDir,
      DATABASE_URL: postgres.url,
      POTLUCK_SECRET: 'a district secret shared by every node, 32+ characters',
      POTLUCK_DEMO: 'off',
      GITHUB_API_URL: gh.url,
      // Every node takes over jobs of nodes that died; leases last 3 s (renewed every second) so that the test
      // waits for a real lease to end.
      POTLUCK_JOBS: 'on',
      POTLUCK_JOBS_TICK_SECONDS: '1',
      POTLUCK_JOB_LEASE_SECONDS: '3',
      POTLUCK_SHUTDOWN_TIMEOUT_SECONDS: '2',
      // Notification email every second, each claim held for 3 s.
      POTLUCK_SMTP_URL: mail.url,
      POTLUCK_NOTIFICATIONS: 'on',
      POTLUCK_NOTIFICATIONS_TICK_SECONDS: '1',
      POTLUCK_EMAIL_CLAIM_SECONDS: '3',
      POTLUCK_DRAIN_SECONDS: '0',
    };
    app = createAppContext(loadConfig(env), { migrate: true });
  }, 60_000);

  afterAll(async () => {
    app?.db.$client.close();
    await Promise.all(started.map((n) => n.stop()));
    await gh?.close();
    await mail?.close();
    await postgres?.stop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  /** A student with public work, a stored GitHub connection and a target, signed in on `node`. */
  async function studentWithTarget(node: ServerProcess, handle: string) {
    const student: User = await makeUser(app, { handle });
    for (const title of ['Tide tables', 'Harbour walk', 'Gulls']) await makeArtifact(app, student, { title, body: `${title}, written down.`, visibility: 'public' });
    const token = `github_pat_11JOBS0000000000000_${handle.padEnd(40, 'x')}`;
    gh.addToken(token, { login: `${handle}-gh`, permissions: { contents: 'write', pages: 'write' }, repositories: [`${handle}-gh/site`] });
    gh.addRepo(`${handle}-gh`, 'site');
    const browser = signedIn(node.url, app, student);
    expect((await browser.postForm('/workspace/publish', { intent: 'connect', token })).status).toBe(303);
    expect((await browser.postForm('/workspace/publish', { intent: 'target', owner: `${handle}-gh`, repo: 'site', branch: 'gh-pages', domain: '' })).status).toBe(303);
    const target = app.db.select().from(publishTargets).where(eq(publishTargets.userId, student.id)).get()!;
    return { student, browser, target, repo: () => gh.repo(`${handle}-gh`, 'site')! };
  }

  const jobOf = (userId: string) => app.db.select().from(jobs).where(eq(jobs.userId, userId)).get()!;
  const nodeOf = (server: ServerProcess) => `${os.hostname()}:${server.child.pid}:`;

  /** The commits Potluck made for `targetId` on a branch, newest first, walking parents from its head. */
  function potluckCommits(repo: ReturnType<GitHubTestServer['repo']>, branch: string, targetId: string): string[] {
    const found: string[] = [];
    let sha = repo!.refs.get(`refs/heads/${branch}`);
    while (sha) {
      const content = repo!.objects.get(sha)!.content.toString('utf8');
      if (content.includes(`${COMMIT_TRAILER} ${targetId}`)) found.push(sha);
      sha = /^parent ([0-9a-f]{40})$/m.exec(content)?.[1];
    }
    return found;
  }

  async function kill(server: ServerProcess): Promise<void> {
    server.child.kill('SIGKILL');
    await new Promise((resolve) => server.child.once('exit', resolve));
  }

  it('finishes on another node a publish whose node was killed while it uploaded, with one commit', async () => {
    const [first, second] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
    started.push(first!, second!);
    const { student, browser, target, repo } = await studentWithTarget(first!, 'noa');
    const mark = gh.requests.length;
    // The first upload hangs: the first node is killed while it waits.
    gh.fault({ operationId: 'git/create-blob', delayMs: 4_000 });
    expect((await browser.postForm('/workspace/publish', { intent: 'publish', targetId: target.id })).status).toBe(303);
    await until(() => gh.count('git/create-blob', mark) > 0, 30_000, 'the first node to upload');
    await kill(first!);
    expect(jobOf(student.id)).toMatchObject({ status: 'running', attempts: 1 });
    expect(jobOf(student.id).leasedBy!.startsWith(nodeOf(first!))).toBe(true);

    await until(() => jobOf(student.id).status === 'succeeded', 60_000, 'the second node to finish the publish');
    const job = jobOf(student.id);
    expect(job.attempts).toBe(2);
    expect(job.leasedBy!.startsWith(nodeOf(second!))).toBe(true);
    expect(potluckCommits(repo(), 'gh-pages', target.id)).toHaveLength(1);
    expect(gh.count('git/create-commit', mark)).toBe(1);
    expect(gh.files('noa-gh', 'site', 'gh-pages').has('index.html')).toBe(true);
    const recorded = app.db.select().from(publishTargets).where(eq(publishTargets.id, target.id)).get()!;
    expect(recorded.lastCommitSha).toBe(repo().refs.get('refs/heads/gh-pages'));
    expect(gh.violations).toEqual([]);
    await Promise.all(started.splice(0).map((n) => n.stop()));
  }, 120_000);

  it('makes no second commit when the killed node had already moved the branch', async () => {
    const [first, second] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
    started.push(first!, second!);
    const { student, browser, target, repo } = await studentWithTarget(first!, 'ravi');
    const mark = gh.requests.length;
    // GitHub moves the branch a moment after the request; the first node is killed before it hears back, so it
    // never records the publish.
    gh.fault({ operationId: 'git/create-ref', delayMs: 1_000 });
    expect((await browser.postForm('/workspace/publish', { intent: 'publish', targetId: target.id })).status).toBe(303);
    await until(() => gh.count('git/create-ref', mark) > 0, 30_000, 'the first node to move the branch');
    await kill(first!);
    await until(() => repo().refs.has('refs/heads/gh-pages'), 10_000, 'GitHub to move the branch');
    const moved = repo().refs.get('refs/heads/gh-pages')!;
    expect(app.db.select().from(publishTargets).where(eq(publishTargets.id, target.id)).get()!.lastCommitSha).toBeNull();

    await until(() => jobOf(student.id).status === 'succeeded', 60_000, 'the second node to finish the publish');
    expect(jobOf(student.id).attempts).toBe(2);
    // The second node recognised the commit as this target's own: the branch did not move again.
    expect(repo().refs.get('refs/heads/gh-pages')).toBe(moved);
    expect(potluckCommits(repo(), 'gh-pages', target.id)).toEqual([moved]);
    expect(gh.count('git/create-commit', mark)).toBe(1);
    expect(app.db.select().from(publishTargets).where(eq(publishTargets.id, target.id)).get()!.lastCommitSha).toBe(moved);
    expect(jobOf(student.id).result).toMatchObject({ commitSha: moved, committed: false });
    await Promise.all(started.splice(0).map((n) => n.stop()));
  }, 120_000);

  it('gives a publish back when its node is stopped, and another node takes it at once', async () => {
    const [first, second] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
    started.push(first!, second!);
    const { student, browser, target, repo } = await studentWithTarget(first!, 'ines');
    const mark = gh.requests.length;
    gh.fault({ operationId: 'git/create-blob', delayMs: 6_000 });
    expect((await browser.postForm('/workspace/publish', { intent: 'publish', targetId: target.id })).status).toBe(303);
    await until(() => gh.count('git/create-blob', mark) > 0, 30_000, 'the first node to upload');
    // SIGTERM: the node waits a second for the publish, then gives it back before it exits.
    first!.child.kill('SIGTERM');
    await new Promise((resolve) => first!.child.once('exit', resolve));
    expect(first!.output()).not.toContain('cut off');
    const given = jobOf(student.id);
    expect(given.status === 'queued' || given.leasedBy!.startsWith(nodeOf(second!))).toBe(true);

    await until(() => jobOf(student.id).status === 'succeeded', 30_000, 'the second node to finish the publish');
    const job = jobOf(student.id);
    // A publish given back does not count as a failed start.
    expect(job.attempts).toBe(1);
    expect(job.leasedBy!.startsWith(nodeOf(second!))).toBe(true);
    expect(potluckCommits(repo(), 'gh-pages', target.id)).toHaveLength(1);
    await Promise.all(started.splice(0).map((n) => n.stop()));
  }, 120_000);

  it('sends from another node, once, an email whose node was killed while the SMTP server held it', async () => {
    const first = await startServerProcess(env);
    started.push(first);
    const reader = await makeUser(app, { handle: 'tove', role: 'teacher' });
    const address = 'tove@school.example';
    app.db.update(users).set({ email: address }).where(eq(users.id, reader.id)).run();
    saveNotificationPrefs(app, { actor: { id: reader.id, role: reader.role }, input: { email: 'immediate', quietStart: '', quietEnd: '' } });
    mail.holdNext(address);
    const [id] = inTransaction(app, () => notify(app, { to: reader.id, kind: 'hub.invited', title: 'The held mail', url: '/workspace/hubs' }));
    await until(() => mail.held() === 1, 30_000, 'the first node to send the email');
    await kill(first);
    const row = () => app.db.select().from(notifications).where(eq(notifications.id, id!)).get()!;
    expect(row().emailedAt).toBeNull();
    expect(row().emailClaimedUntil!.getTime()).toBeGreaterThan(Date.now() - 3_000);

    const second = await startServerProcess(env);
    started.push(second);
    const toReader = () => mail.received.filter((m) => JSON.stringify(m.to).includes(address));
    await until(() => toReader().length === 1, 30_000, 'the second node to send the email');
    // A few more ticks: it is not sent again.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(toReader()).toHaveLength(1);
    expect(toReader()[0]!.subject).toContain('The held mail');
    expect(row()).toMatchObject({ emailClaimedUntil: null });
    expect(row().emailedAt).not.toBeNull();
    await Promise.all(started.splice(0).map((n) => n.stop()));
  }, 120_000);

  it('writes on another node, whole, an archive export whose node was killed while it wrote', async () => {
    const [first, second] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
    started.push(first!, second!);
    const grad = await makeUser(app, { handle: 'grad' });
    // Enough work that writing the archive takes a while.
    for (let n = 0; n < 120; n++) await makeArtifact(app, grad, { title: `Essay ${n}`, body: `Essay number ${n}. `.repeat(40), visibility: n % 3 === 0 ? 'private' : 'public' });
    const browser = signedIn(first!.url, app, grad);
    const started_ = await browser.postForm('/workspace/export', {});
    expect(started_.status).toBe(303);
    const jobPath = started_.headers.get('location')!;
    const id = jobPath.split('/').pop()!;
    const job = () => app.db.select().from(jobs).where(eq(jobs.id, id)).get()!;
    // Killed once it is making the site.
    await until(() => job().progress?.step === 'site' && (job().progress?.done ?? 0) > 0, 30_000, 'the first node to make the site');
    await kill(first!);
    expect(job()).toMatchObject({ status: 'running', attempts: 1 });

    await until(() => job().status === 'succeeded', 60_000, 'the second node to write the archive');
    expect(job().attempts).toBe(2);
    expect(job().leasedBy!.startsWith(nodeOf(second!))).toBe(true);
    const file = archiveJobFile(app, { id, userId: grad.id });
    const names = await verifyZip(file);
    expect(names.filter((n) => n.startsWith('artifacts/') && n.endsWith('/index.md'))).toHaveLength(120);
    expect(names).toContain('site/index.html');
    // One archive under its final name; what the killed node had begun stayed under a temporary name.
    expect(fs.readdirSync(path.dirname(file)).filter((f) => !f.startsWith('.'))).toEqual([`${id}.zip`]);
    // The student, now on the other node, follows the same page and downloads it.
    const there = signedIn(second!.url, app, grad);
    expect(await (await there.get(jobPath)).text()).toContain(`href="${jobPath}/download"`);
    const download = await there.get(`${jobPath}/download`);
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).equals(fs.readFileSync(file))).toBe(true);
    await Promise.all(started.splice(0).map((n) => n.stop()));
  }, 180_000);
  /** A zipped Jekyll site of `count` posts, uploaded as the Import page's form sends it. */
  function jekyllUpload(count: number, name: string): FormData {
    const posts = Array.from({ length: count }, (_, n) => ({
      name: `blog-main/_posts/2010-01-${String((n % 28) + 1).padStart(2, '0')}-${name}-${n}.md`,
      data: Buffer.from(`---\ntitle: ${name} ${n}\ntags: [tides]\n---\n${`Post ${n} is about the tides. `.repeat(30)}\n`),
    }));
    const zip = buildZip([{ name: 'blog-main/_config.yml', data: Buffer.from('title: Blog\n') }, ...posts]);
    const form = new FormData();
    form.set('archive', new Blob([new Uint8Array(zip)], { type: 'application/zip' }), `${name}.zip`);
    form.set('format', '');
    form.set('url', '');
    return form;
  }

  /** Reads a job page on `browser` until it contains `text`. */
  async function pageUntil(browser: ReturnType<typeof signedIn>, location: string, text: string, timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = await browser.get(location);
      expect(r.status).toBe(200);
      const html = await r.text();
      if (html.includes(text)) return html;
      if (Date.now() > deadline) throw new Error(`${location} never said ${text}: ${html.slice(0, 2000)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  it('imports from any node: checked where it started, imported from another; a check whose node was killed is done by another', async () => {
    const [first, second] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
    started.push(first!, second!);
    const writer = await makeUser(app, { handle: 'writer' });
    const here = signedIn(first!.url, app, writer);
    const there = signedIn(second!.url, app, writer);
    const artifactsOf = () => app.db.select({ id: artifacts.id }).from(artifacts).where(eq(artifacts.ownerId, writer.id)).all().length;

    // Started on the first node, followed on the second, imported from the second, seen done on the first.
    const small = await here.postMultipart('/workspace/import', jekyllUpload(4, 'small'));
    expect(small.status).toBe(303);
    const smallPath = small.headers.get('location')!;
    await pageUntil(there, smallPath, 'Import 4 pieces', 30_000);
    expect((await there.postForm(smallPath, { action: 'import' })).status).toBe(303);
    await pageUntil(here, smallPath, 'Imported small.zip: 4 new, 0 updated, 0 unchanged.', 30_000);
    expect(artifactsOf()).toBe(4);

    // A larger one: the first node is killed while it checks.
    const large = await here.postMultipart('/workspace/import', jekyllUpload(500, 'large'));
    expect(large.status).toBe(303);
    const largePath = large.headers.get('location')!;
    const id = largePath.split('/').pop()!;
    const job = () => app.db.select().from(jobs).where(eq(jobs.id, id)).get()!;
    await kill(first!);
    expect(job()).toMatchObject({ status: 'running', attempts: 1 });
    await pageUntil(there, largePath, 'Import 500 pieces', 90_000);
    expect(job().attempts).toBe(2);
    expect(job().leasedBy!.startsWith(nodeOf(second!))).toBe(true);
    expect((await there.postForm(largePath, { action: 'import' })).status).toBe(303);
    await pageUntil(there, largePath, 'Imported large.zip: 500 new, 0 updated, 0 unchanged.', 90_000);
    expect(artifactsOf()).toBe(4 + 500);
    await Promise.all(started.splice(0).map((n) => n.stop()));
  }, 240_000);
});
