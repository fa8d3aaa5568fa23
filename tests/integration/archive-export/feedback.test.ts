/**
 * Feedback in the student's archive: feedback/<folder>.md for each piece that has a thread (with messages of a
 * teacher whose account is gone), README.html that shows them, and the way back: import into a fresh Potluck (ids
 * kept, authors found by handle or kept as names), again into the same account (nothing added twice), into
 * another account here (new ids, stable), from a zip, as a dry run, and refused whole when a thread is broken.
 */
import fs from 'node:fs';
import path from 'node:path';
import { asc, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteAccount } from '../../../src/commands/accountDeleter.ts';
import { exportArchive } from '../../../src/commands/archiveExporter.ts';
import { importArchiveFolder } from '../../../src/commands/archiveImporter.ts';
import { importArchiveZip } from '../../../src/commands/archiveZipImporter.ts';
import { parseFeedbackThread } from '../../../src/core/archive/feedback.ts';
import { PotluckError } from '../../../src/core/errors.ts';
import type { AppContext } from '../../../src/server/context.ts';
import { artifacts, feedbackMessages, hubs, users, type Artifact, type FeedbackMessage, type User } from '../../../src/server/db/schema.ts';
import { runCli } from '../../helpers/cli.ts';
import { makeArtifact, makeHub, makeUser } from '../../helpers/factories.ts';
import { createTestApp, tempDataDir } from '../../helpers/server.ts';
import { addFeedback } from '../privacy/feedbackRows.ts';
import { listFiles, rowCounts } from './helpers.ts';

const apps: AppContext[] = [];
let work: string;
let source: AppContext;
let maya: User;
let lee: User;
let gone: User;
let poem: Artifact;
let essay: Artifact;
let quiet: Artifact;
let sent: FeedbackMessage[];
let first: string;

function freshApp(): AppContext {
  const app = createTestApp();
  apps.push(app);
  return app;
}

/** Without site/: the privacy crawl (tests/integration/privacy) reads the site of an archive through a real server. */
async function exportTo(app: AppContext, handle: string, name: string): Promise<string> {
  const out = path.join(work, name);
  await exportArchive(app, { handle, out: { kind: 'dir', path: out }, site: false });
  return out;
}

const threadOf = (app: AppContext, artifactId: string) =>
  app.db.select().from(feedbackMessages).where(eq(feedbackMessages.artifactId, artifactId)).orderBy(asc(feedbackMessages.createdAt)).all();

beforeAll(async () => {
  work = tempDataDir('potluck-feedback-archive-');
  source = freshApp();
  maya = await makeUser(source, { handle: 'maya', name: 'Maya Chen' });
  lee = await makeUser(source, { handle: 'mrs-lee', name: 'Ms Lee', role: 'teacher' });
  gone = await makeUser(source, { handle: 'mr-gone', name: 'Mr Gone', role: 'teacher' });
  const hubId = makeHub(source, { teacher: lee, students: [maya], slug: 'english-10' });
  makeHub(source, { teacher: gone, students: [maya], slug: 'history-9' });
  poem = await makeArtifact(source, maya, { title: 'A poem', slug: 'poem', visibility: 'public', body: 'Water remembers.' });
  essay = await makeArtifact(source, maya, { title: 'An essay', slug: 'essay', visibility: 'private', body: 'Mine.' });
  quiet = await makeArtifact(source, maya, { title: 'No feedback here', slug: 'quiet', visibility: 'members', body: 'Nobody said anything.' });
  sent = [
    addFeedback(source, { artifact: poem, author: lee, hubId, body: 'Lovely **imagery**.\n\n## What next\n\nTry a second stanza. <script>alert(1)</script>' }),
    addFeedback(source, { artifact: poem, author: maya, body: 'Thank you! I will.' }),
    addFeedback(source, { artifact: poem, author: gone, body: 'I agree with Ms Lee.' }),
    addFeedback(source, { artifact: essay, author: maya, body: 'A note to myself.' }),
  ];
  // Mr Gone leaves the school: his message stays in Maya's thread with his name.
  await deleteAccount(source, { handle: 'mr-gone', actor: null });
  first = await exportTo(source, 'maya', 'first');
}, 120_000);

afterAll(() => {
  for (const app of apps) {
    app.db.$client.close();
    fs.rmSync(app.config.dataDir, { recursive: true, force: true });
  }
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe('the export', () => {
  it('has one feedback file per piece with a thread, and none for the rest', () => {
    expect(listFiles(path.join(first, 'feedback'))).toEqual(['essay.md', 'poem.md']);
  });

  it('holds every message in order: who, role, hub, revision, date, and the text as written', () => {
    const text = fs.readFileSync(path.join(first, 'feedback', 'poem.md'), 'utf8');
    const read = parseFeedbackThread(text, 'feedback/poem.md', 'poem');
    expect(read.ok).toBe(true);
    if (!read.ok) return;
    expect(read.thread.artifact).toBe(poem.id);
    expect(read.thread.slug).toBe('poem');
    expect(read.thread.messages).toEqual([
      { id: sent[0].id, author: 'Ms Lee', handle: 'mrs-lee', role: 'teacher', hub: 'english-10', revision: 1, date: sent[0].createdAt, body: sent[0].body },
      { id: sent[1].id, author: 'Maya Chen', handle: 'maya', role: 'owner', revision: 1, date: sent[1].createdAt, body: sent[1].body },
      // The deleted teacher: name kept, no handle, no hub.
      { id: sent[2].id, author: 'Mr Gone', role: 'teacher', revision: 1, date: sent[2].createdAt, body: sent[2].body },
    ]);
    expect(text).toContain('## Ms Lee (teacher), on revision 1, 1 March 2025');
  });

  it('README.html explains feedback and shows the threads to read offline', () => {
    const html = fs.readFileSync(path.join(first, 'README.html'), 'utf8');
    expect(html).toContain('<h2 id="feedback">Feedback on your work</h2>');
    expect(html).toContain('<code>feedback/poem.md</code>');
    expect(html).toContain('I agree with Ms Lee.');
    expect(html).toContain('4 feedback messages');
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).not.toMatch(/\b(src|href)="https?:/);
  });

  it('keeps feedback out of feed.json and hubs.json', () => {
    for (const f of ['feed.json', 'hubs.json']) {
      const text = fs.readFileSync(path.join(first, f), 'utf8');
      for (const m of sent) expect(text, f).not.toContain(m.body.slice(0, 15));
    }
  });
});

describe('importing the archive', () => {
  it('into a fresh Potluck: same ids, the student’s own messages theirs, everyone else’s by name only, even where the handle exists', async () => {
    const fresh = freshApp();
    // Ms Lee has an account on the new Potluck too; Mr Gone and the hub do not exist there.
    await makeUser(fresh, { handle: 'mrs-lee', name: 'Ms Lee', role: 'teacher' });
    const report = await importArchiveFolder(fresh, { dir: first, handle: 'maya' });
    expect(report.feedback).toEqual({ added: 4, alreadyHere: 0 });
    const mayaThere = fresh.db.select().from(users).where(eq(users.handle, 'maya')).get()!;
    const thread = threadOf(fresh, poem.id);
    expect(thread.map((m) => [m.id, m.authorId, m.authorName, m.authorRole, m.hubId, m.revision, m.createdAt.getTime(), m.body])).toEqual([
      // Ms Lee's account here is not tied to the message on the archive's word: a crafted archive could name anyone.
      [sent[0].id, null, 'Ms Lee', 'teacher', null, 1, sent[0].createdAt.getTime(), sent[0].body],
      [sent[1].id, mayaThere.id, 'Maya Chen', 'owner', null, 1, sent[1].createdAt.getTime(), sent[1].body],
      [sent[2].id, null, 'Mr Gone', 'teacher', null, 1, sent[2].createdAt.getTime(), sent[2].body],
    ]);
    // The HTML is rendered again here, through the sanitizer.
    expect(thread[0].html).toContain('<strong>imagery</strong>');
    expect(thread[0].html).not.toContain('<script');
    expect(threadOf(fresh, essay.id).map((m) => m.body)).toEqual(['A note to myself.']);

    // Export -> import -> export gives the same feedback files, less what only an account here could vouch for: the
    // teacher's handle (her message is tied to no account here) and the hub (named only where that hub exists).
    const second = await exportTo(fresh, 'maya', 'second');
    const read = (dir: string, f: string) => fs.readFileSync(path.join(dir, 'feedback', f), 'utf8');
    expect(read(second, 'essay.md')).toBe(read(first, 'essay.md'));
    expect(read(second, 'poem.md')).toBe(read(first, 'poem.md').replace('    handle: mrs-lee\n', '').replace('    hub: english-10\n', ''));
    expect(read(first, 'poem.md')).toContain('hub: english-10');

    // Importing the same archive again adds nothing.
    const before = rowCounts(fresh);
    const again = await importArchiveFolder(fresh, { dir: first, handle: 'maya' });
    expect(again.feedback).toEqual({ added: 0, alreadyHere: 4 });
    expect(fresh.db.select().from(feedbackMessages).all()).toHaveLength(4);
    expect(rowCounts(fresh)).toEqual(before);
  });

  it('a teacher hub that exists where the archive goes is linked again', async () => {
    const fresh = freshApp();
    const leeThere = await makeUser(fresh, { handle: 'mrs-lee', name: 'Ms Lee', role: 'teacher' });
    const hubId = makeHub(fresh, { teacher: leeThere, students: [], slug: 'english-10' });
    await importArchiveFolder(fresh, { dir: first, handle: 'maya' });
    expect(fresh.db.select().from(feedbackMessages).where(eq(feedbackMessages.id, sent[0].id)).get()?.hubId).toBe(hubId);
    expect(fresh.db.select().from(hubs).all()).toHaveLength(1);
  });

  it('into another account of the same Potluck: the messages get new ids, the same on every import', async () => {
    const report = await importArchiveFolder(source, { dir: first, handle: 'maya-copy' });
    expect(report.feedback).toEqual({ added: 4, alreadyHere: 0 });
    const copy = source.db.select().from(users).where(eq(users.handle, 'maya-copy')).get()!;
    const theirs = source.db.select({ id: artifacts.id }).from(artifacts).where(eq(artifacts.ownerId, copy.id)).all().map((a) => a.id);
    const copied = source.db.select().from(feedbackMessages).where(inArray(feedbackMessages.artifactId, theirs)).all();
    expect(copied).toHaveLength(4);
    expect(copied.filter((m) => sent.some((s) => s.id === m.id))).toEqual([]);
    // Maya's own thread is untouched.
    expect(threadOf(source, poem.id).map((m) => m.id)).toEqual(sent.slice(0, 3).map((m) => m.id));
    const again = await importArchiveFolder(source, { dir: first, handle: 'maya-copy' });
    expect(again.feedback).toEqual({ added: 0, alreadyHere: 4 });
    // The student's own messages belong to the account they were imported into.
    expect(copied.filter((m) => m.authorRole === 'owner').map((m) => m.authorId)).toEqual([copy.id, copy.id]);
  });

  it('from the zip of the export, and as a dry run that writes nothing', async () => {
    const zip = path.join(work, 'maya.zip');
    await exportArchive(source, { handle: 'maya', out: { kind: 'zip', path: zip }, site: false });
    const fresh = freshApp();
    const before = rowCounts(fresh);
    const dry = await importArchiveZip(fresh, { zip, handle: 'maya', dryRun: true });
    expect(dry.feedback).toEqual({ added: 4, alreadyHere: 0 });
    expect(fresh.db.select().from(feedbackMessages).all()).toEqual([]);
    expect(rowCounts(fresh)).toEqual(before);
    const real = await importArchiveZip(fresh, { zip, handle: 'maya' });
    expect(real.feedback).toEqual({ added: 4, alreadyHere: 0 });
    expect(fresh.db.select().from(feedbackMessages).all()).toHaveLength(4);
  });

  it('potluck import says how many messages came in, and how many were already there', async () => {
    const dataDir = tempDataDir('potluck-feedback-cli-');
    try {
      const env = { POTLUCK_DATA: dataDir };
      const r = await runCli(['import', first, '--handle', 'maya'], { env });
      expect(r, r.err).toMatchObject({ code: 0 });
      expect(r.out).toContain('  feedback:   4 messages added, 0 already here\n');
      const again = await runCli(['import', first, '--handle', 'maya', '--json'], { env });
      expect(JSON.parse(again.out).feedback).toEqual({ added: 0, alreadyHere: 4 });
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('an archive without feedback/ imports as before', async () => {
    const old = path.join(work, 'old');
    fs.cpSync(first, old, { recursive: true });
    fs.rmSync(path.join(old, 'feedback'), { recursive: true });
    const fresh = freshApp();
    const report = await importArchiveFolder(fresh, { dir: old, handle: 'maya' });
    expect(report.feedback).toEqual({ added: 0, alreadyHere: 0 });
    expect(report.artifacts.created).toBe(3);
    expect(fresh.db.select().from(feedbackMessages).all()).toEqual([]);
  });

  it('a broken thread stops the whole import with a message that names the file; nothing is written', async () => {
    const broken = path.join(work, 'broken');
    fs.cpSync(first, broken, { recursive: true });
    const file = path.join(broken, 'feedback', 'poem.md');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('role: teacher', 'role: principal'));
    const fresh = freshApp();
    const before = rowCounts(fresh);
    const error = await importArchiveFolder(fresh, { dir: broken, handle: 'maya' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PotluckError);
    expect((error as PotluckError).code).toBe('BAD_ARCHIVE');
    expect((error as PotluckError).message).toMatch(/feedback\/poem\.md: .*role must be one of owner, teacher, reviewer/);
    expect((error as PotluckError).message).toMatch(/nothing was imported/);
    expect(rowCounts(fresh)).toEqual(before);
    expect(fresh.db.select().from(feedbackMessages).all()).toEqual([]);
  });

  it('a thread too large is refused with the limit', async () => {
    const big = path.join(work, 'big');
    fs.cpSync(first, big, { recursive: true });
    const file = path.join(big, 'feedback', 'essay.md');
    fs.writeFileSync(file, `${fs.readFileSync(file, 'utf8')}${'word '.repeat(11_000)}\n`);
    const error = await importArchiveFolder(freshApp(), { dir: big, handle: 'maya' }).catch((e: unknown) => e);
    expect((error as PotluckError).message).toMatch(/feedback\/essay\.md: message .* is longer than 50,000 characters/);
    fs.writeFileSync(file, 'x'.repeat(5 * 1024 * 1024));
    const huge = await importArchiveFolder(freshApp(), { dir: big, handle: 'maya' }).catch((e: unknown) => e);
    expect((huge as PotluckError).message).toMatch(/feedback\/essay\.md: is larger than 4 MB/);
  });

  it('a thread for a piece the archive does not hold is skipped with a warning', async () => {
    const stray = path.join(work, 'stray');
    fs.cpSync(first, stray, { recursive: true });
    fs.renameSync(path.join(stray, 'feedback', 'essay.md'), path.join(stray, 'feedback', 'essay-gone.md'));
    const file = path.join(stray, 'feedback', 'essay-gone.md');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(`artifact: ${essay.id}`, 'artifact: not-here').replace('slug: essay', 'slug: essay-gone'));
    const fresh = freshApp();
    const report = await importArchiveFolder(fresh, { dir: stray, handle: 'maya' });
    expect(report.feedback).toEqual({ added: 3, alreadyHere: 0 });
    expect(report.warnings.join('\n')).toMatch(/feedback\/essay-gone\.md: there is no piece/);
    expect(threadOf(fresh, essay.id)).toEqual([]);
    expect(quiet.id).toBeTruthy();
  });
});
