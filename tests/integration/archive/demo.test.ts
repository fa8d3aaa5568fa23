/** The demo school in content/demo: what `npm start` loads into an empty database, through the archive importer. */
import fs from 'node:fs';
import path from 'node:path';
import { and, asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDemoSchool, readDemoSchool, type DemoLoadResult } from '../../../src/commands/demoLoader.ts';
import { attemptSignIn } from '../../../src/commands/signInAttempter.ts';
import type { AppContext } from '../../../src/server/context.ts';
import { artifacts, contributionStatuses, feedbackMessages, guardianLinks, hubMembers, hubs, notifications, showcases, users } from '../../../src/server/db/schema.ts';
import { createTestApp } from '../../helpers/server.ts';
import { demoDir, mediaFiles, rowCounts } from './helpers.ts';

let app: AppContext;
let result: DemoLoadResult;

beforeAll(async () => {
  app = createTestApp();
  result = await loadDemoSchool(app, demoDir);
}, 120_000);
afterAll(() => {
  app.db.$client.close();
  fs.rmSync(app.config.dataDir, { recursive: true, force: true });
});

describe('loading the demo school', () => {
  it('creates the accounts it prints, and they can sign in', async () => {
    expect(result.loaded).toBe(true);
    const roles = result.accounts.map((a) => a.role);
    expect(roles.filter((r) => r === 'student').length).toBeGreaterThanOrEqual(3);
    expect(roles).toContain('teacher');
    expect(roles).toContain('admin');
    for (const account of result.accounts) {
      const signIn = await attemptSignIn(app, { login: account.handle, password: account.password, address: '127.0.0.1' });
      expect(signIn, account.handle).toMatchObject({ ok: true });
    }
  });

  it('gives every student at least six artifacts of every kind and visibility, and a showcase', () => {
    const students = app.db.select().from(users).where(eq(users.role, 'student')).all();
    const all = app.db.select().from(artifacts).all();
    expect(result.artifacts).toBe(all.length);
    expect(new Set(all.map((a) => a.kind))).toEqual(new Set(['post', 'project', 'reflection', 'media', 'link']));
    expect(new Set(all.map((a) => a.visibility))).toEqual(new Set(['private', 'members', 'unlisted', 'public']));
    for (const s of students) {
      const own = all.filter((a) => a.ownerId === s.id);
      expect(own.length, s.handle).toBeGreaterThanOrEqual(6);
      expect(own.filter((a) => a.visibility === 'private'), s.handle).toHaveLength(1);
      expect(own.filter((a) => a.visibility === 'unlisted'), s.handle).toHaveLength(1);
      expect(own.filter((a) => a.visibility === 'public').length, s.handle).toBeGreaterThan(own.length / 2);
      expect(app.db.select().from(showcases).where(eq(showcases.ownerId, s.id)).all(), s.handle).toHaveLength(1);
    }
    expect(all.filter((a) => a.tags.includes('eng10')).length).toBeGreaterThanOrEqual(6);
    const html = all.map((a) => a.html).join('\n');
    expect(html).toContain('<table>');
    expect(html).toMatch(/<pre[^>]*><code class="hljs language-cpp">/);
    expect(html).toMatch(/<img[^>]+src="\/media\//);
    expect(all.some((a) => a.format === 'mdx')).toBe(true);
  });

  it('makes the course hub with its hashtag, teacher and students', () => {
    const hub = app.db.select().from(hubs).where(eq(hubs.slug, 'english-10')).get()!;
    expect(hub.tags).toEqual(['eng10']);
    const members = app.db
      .select({ handle: users.handle, role: hubMembers.role })
      .from(hubMembers)
      .innerJoin(users, eq(users.id, hubMembers.userId))
      .where(eq(hubMembers.hubId, hub.id))
      .all();
    expect(members).toEqual(
      expect.arrayContaining([
        { handle: 'ms-okafor', role: 'teacher' },
        { handle: 'maya', role: 'student' },
        { handle: 'theo', role: 'student' },
        { handle: 'priya', role: 'student' },
      ]),
    );
  });

  it('gives Maya a guardian and a feedback thread that needs revision, written through the thread’s commands', () => {
    const id = (handle: string) => app.db.select({ id: users.id }).from(users).where(eq(users.handle, handle)).get()!.id;
    expect(app.db.select().from(guardianLinks).all()).toEqual([expect.objectContaining({ guardianId: id('eva-lindqvist'), studentId: id('maya') })]);
    const piece = app.db.select().from(artifacts).where(and(eq(artifacts.ownerId, id('maya')), eq(artifacts.slug, 'why-i-write-on-the-bus'))).get()!;
    const thread = app.db.select().from(feedbackMessages).where(eq(feedbackMessages.artifactId, piece.id)).orderBy(asc(feedbackMessages.createdAt)).all();
    expect(thread.map((m) => [m.authorId, m.authorRole])).toEqual([
      [id('ms-okafor'), 'teacher'],
      [id('maya'), 'owner'],
      [id('ms-okafor'), 'teacher'],
    ]);
    expect(thread[0].html).toContain('<em>that</em>');
    expect(app.db.select().from(contributionStatuses).where(eq(contributionStatuses.artifactId, piece.id)).get()?.status).toBe('needs_revision');
    // The thread told Maya, and her reply told Ms Okafor.
    const kinds = (handle: string) => app.db.select({ kind: notifications.kind }).from(notifications).where(eq(notifications.userId, id(handle))).all().map((n) => n.kind);
    expect(kinds('maya')).toEqual(expect.arrayContaining(['feedback.new', 'status.changed']));
    expect(kinds('ms-okafor')).toContain('feedback.new');
  });

  it('does nothing the second time', async () => {
    const before = rowCounts(app);
    const files = mediaFiles(app);
    expect(await loadDemoSchool(app, demoDir)).toEqual({ loaded: false, accounts: [], artifacts: 0 });
    expect(rowCounts(app)).toEqual(before);
    expect(mediaFiles(app)).toEqual(files);
  });
});

describe('the demo files', () => {
  it('lists accounts and hub members that exist, with every student folder present', async () => {
    const school = await readDemoSchool(demoDir);
    for (const a of school.accounts.filter((x) => x.role === 'student')) {
      expect(fs.existsSync(path.join(demoDir, 'students', a.handle, 'potluck.json')), a.handle).toBe(true);
    }
  });

  it('keeps every generated picture under 150 KB and ships a PDF whose cross-reference table is right', () => {
    const files = fs.readdirSync(path.join(demoDir, 'students'), { recursive: true }).map(String);
    const pictures = files.filter((f) => /\.(jpg|png)$/.test(f));
    expect(pictures.length).toBeGreaterThanOrEqual(10);
    for (const f of pictures) expect(fs.statSync(path.join(demoDir, 'students', f)).size, f).toBeLessThan(150 * 1024);

    const pdf = fs.readFileSync(path.join(demoDir, 'students/maya/artifacts/small-weather-chapbook/small-weather.pdf')).toString('latin1');
    expect(pdf.startsWith('%PDF-1.4')).toBe(true);
    expect(pdf.trimEnd().endsWith('%%EOF')).toBe(true);
    const startxref = Number(/startxref\n(\d+)\n/.exec(pdf)![1]);
    expect(pdf.slice(startxref, startxref + 4)).toBe('xref');
    const entries = [...pdf.slice(startxref).matchAll(/^(\d{10}) 00000 n $/gm)].map((m) => Number(m[1]));
    entries.forEach((offset, i) => expect(pdf.slice(offset, offset + `${i + 1} 0 obj`.length)).toBe(`${i + 1} 0 obj`));
  });
});
