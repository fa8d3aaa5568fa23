/**
 * Feedback when accounts go. Deleting a student removes the threads on their work with the work (every message,
 * whoever wrote it), and no word of them is left in the database files. Deleting a teacher keeps what they wrote in
 * the students' threads, under the name they wrote it with (the author link emptied), in the thread and in the
 * student's archive.
 */
import { onPostgresSuite } from '../../helpers/database.ts';
import fs from 'node:fs';
import path from 'node:path';
import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteAccount } from '../../../src/commands/accountDeleter.ts';
import { exportArchive } from '../../../src/commands/archiveExporter.ts';
import { parseFeedbackThread } from '../../../src/core/archive/feedback.ts';
import type { AppContext } from '../../../src/server/context.ts';
import { feedbackMessages, users, type Artifact, type User } from '../../../src/server/db/schema.ts';
import { makeArtifact, makeHub, makeUser } from '../../helpers/factories.ts';
import { createTestApp, tempDataDir } from '../../helpers/server.ts';
import { addFeedback } from './feedbackRows.ts';

let app: AppContext;
let work: string;
let teacher: User;
let student: User;
let classmate: User;
let pieces: Artifact[];
let classmatePiece: Artifact;

const CANARY = 'zanzibar-feedback-canary-7731';

/** The raw bytes of the database and its write-ahead log and shared-memory files. */
function databaseBytes(): Buffer {
  const base = app.config.databaseFile;
  return Buffer.concat([base, `${base}-wal`, `${base}-shm`].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f)));
}

const messagesOn = (ids: string[]) => app.db.select().from(feedbackMessages).where(inArray(feedbackMessages.artifactId, ids)).all();

beforeAll(async () => {
  app = createTestApp();
  work = tempDataDir('potluck-feedback-leaving-');
  teacher = await makeUser(app, { handle: 'mr-park', name: 'Mr Park', role: 'teacher' });
  student = await makeUser(app, { handle: 'leaver', name: 'Lee Aver' });
  classmate = await makeUser(app, { handle: 'stayer', name: 'Sta Yer' });
  const hubId = makeHub(app, { teacher, students: [student, classmate], slug: 'art-11' });
  pieces = [
    await makeArtifact(app, student, { title: 'Public piece', slug: 'public-piece', visibility: 'public' }),
    await makeArtifact(app, student, { title: 'Private piece', slug: 'private-piece', visibility: 'private' }),
  ];
  classmatePiece = await makeArtifact(app, classmate, { title: 'Classmate piece', slug: 'classmate-piece', visibility: 'members' });
  for (const piece of pieces) {
    addFeedback(app, { artifact: piece, author: teacher, hubId, body: `Teacher on ${piece.slug}: ${CANARY}-teacher` });
    addFeedback(app, { artifact: piece, author: student, body: `Reply on ${piece.slug}: ${CANARY}-reply` });
    addFeedback(app, { artifact: piece, author: classmate, role: 'reviewer', body: `Review on ${piece.slug}: ${CANARY}-review` });
  }
  addFeedback(app, { artifact: classmatePiece, author: teacher, hubId, body: 'Good start on the classmate piece.' });
});

afterAll(() => {
  app?.db.$client.close();
  if (app) fs.rmSync(app.config.dataDir, { recursive: true, force: true });
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe('deleting a teacher', () => {
  it('keeps their messages in the students’ threads, with their name and no link to the account', async () => {
    const before = messagesOn([...pieces.map((p) => p.id), classmatePiece.id]);
    expect(before.filter((m) => m.authorId === teacher.id)).toHaveLength(3);
    await deleteAccount(app, { handle: 'mr-park', actor: null });
    expect(app.db.select().from(users).where(eq(users.id, teacher.id)).get()).toBeUndefined();
    const after = messagesOn([...pieces.map((p) => p.id), classmatePiece.id]);
    expect(after.map((m) => m.id).sort()).toEqual(before.map((m) => m.id).sort());
    const theirs = after.filter((m) => before.find((b) => b.id === m.id)!.authorId === teacher.id);
    expect(theirs.map((m) => [m.authorId, m.authorName, m.authorRole])).toEqual([
      [null, 'Mr Park', 'teacher'],
      [null, 'Mr Park', 'teacher'],
      [null, 'Mr Park', 'teacher'],
    ]);
    // The hub they ran stays (with no owner), so the message still says which course it was for.
    expect(theirs.every((m) => m.hubId !== null)).toBe(true);
    // Nothing else changed: the others' messages keep their authors.
    expect(after.filter((m) => m.authorId === student.id)).toHaveLength(2);
  });

  it('and the student’s archive still has them, under the teacher’s name, without a handle', async () => {
    const out = path.join(work, 'after-teacher');
    await exportArchive(app, { handle: 'leaver', out: { kind: 'dir', path: out }, site: false });
    const read = parseFeedbackThread(fs.readFileSync(path.join(out, 'feedback', 'public-piece.md'), 'utf8'), 'feedback/public-piece.md', 'public-piece');
    expect(read.ok).toBe(true);
    if (!read.ok) return;
    expect(read.thread.messages.map((m) => [m.author, m.handle, m.role])).toEqual([
      ['Mr Park', undefined, 'teacher'],
      ['Lee Aver', 'leaver', 'owner'],
      ['Sta Yer', 'stayer', 'reviewer'],
    ]);
    expect(read.thread.messages[0].body).toBe(`Teacher on public-piece: ${CANARY}-teacher`);
  });
});

describe('deleting a student', () => {
  it('removes every thread on their work, whoever wrote in it, and leaves no word of it in the database files', async () => {
    expect(messagesOn(pieces.map((p) => p.id))).toHaveLength(6);
    // The bytes of SQLite's file; PostgreSQL's files are not in the data folder (VACUUM frees the rows' space).
    const scanFiles = !onPostgresSuite;
    if (scanFiles) expect(databaseBytes().includes(CANARY)).toBe(true);
    await deleteAccount(app, { handle: 'leaver', actor: null });
    expect(messagesOn(pieces.map((p) => p.id))).toEqual([]);
    expect(app.db.select().from(feedbackMessages).all().map((m) => m.body)).toEqual(['Good start on the classmate piece.']);
    if (scanFiles) expect(databaseBytes().includes(CANARY)).toBe(false);
    // The classmate who reviewed is still here, and so is their own work's thread.
    expect(app.db.select().from(users).where(eq(users.id, classmate.id)).get()).toBeDefined();
    expect(messagesOn([classmatePiece.id])).toHaveLength(1);
  });
});
