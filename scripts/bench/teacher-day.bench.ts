// Benchmark of a teacher's day over a real server on loopback (the figure): one hub of 120 students with 20
// pieces each (2,400, public and class-only, tagged for the hub and for one of four assignments), a feedback thread
// on half of them (1,200 threads of two or three messages, a third waiting for the teacher), review statuses on a
// quarter, external feed items beside them, and a last visit a week ago. Timed, one request after another so the
// figures are the page's own: the teacher's landing page (/workspace/teaching), the hub's progress view (and its
// status filter), and My students. Target from the issue: p95 under 100 ms for the landing page and progress.
// Run: npm run bench -- teacher-day  (the site must be built: npm run build.)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { saveArtifact } from '../../src/commands/artifactSaver.ts';
import { createHub } from '../../src/commands/hubCreator.ts';
import { createUser } from '../../src/commands/userCreator.ts';
import { loadConfig } from '../../src/server/config.ts';
import { createAppContext } from '../../src/server/context.ts';
import { createSession, generateSessionToken, SESSION_COOKIE } from '../../src/server/auth/sessions.ts';
import { contributionStatuses, feedbackMessages, hubAssignments, hubItems, hubMembers, hubSources, hubVisits, type User } from '../../src/server/db/schema.ts';
import { startServerProcess } from '../lib/serverProcess.ts';
import { stats } from './lib.ts';

const STUDENTS = 120;
const PIECES = 20;
const ITEMS = 300;
const RUNS = 200;
const DAY = 24 * 60 * 60 * 1000;
const ASSIGNMENTS = ['essay1', 'essay2', 'essay3', 'essay4'];

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'potluck-bench-teacher-'));
const app = createAppContext(loadConfig({ POTLUCK_DATA: dataDir }), { migrate: true });
const now = Date.now();
const began = performance.now();

const teacher = await createUser(app, { handle: 'okafor', name: 'Ms Okafor', role: 'teacher' });
const hub = createHub(app, { actor: { id: teacher.id, role: 'teacher' }, input: { slug: 'english-10', title: 'English 10', tags: 'eng10', visibility: 'public' } });
ASSIGNMENTS.forEach((tag, i) => {
  // Two due in the past, two ahead: the landing page's current assignment is essay3.
  app.db.insert(hubAssignments).values({ id: app.newId(), hubId: hub.id, title: `Essay ${i + 1}`, tag, dueAt: new Date(now + (i - 1.5) * 14 * DAY), createdAt: app.now() }).run();
});
const students: User[] = [];
for (let s = 0; s < STUDENTS; s++) {
  const student = await createUser(app, { handle: `student${s}`, name: `Student ${String(s).padStart(3, '0')}`, role: 'student' });
  app.db.insert(hubMembers).values({ hubId: hub.id, userId: student.id, role: 'student', joinedAt: app.now(), enrolment: 'admin' }).run();
  students.push(student);
}

let pieceCount = 0;
for (const [s, student] of students.entries()) {
  for (let p = 0; p < PIECES; p++) {
    const tags = ['eng10'];
    // Most students handed in the first assignments; fewer the later ones.
    const assignment = ASSIGNMENTS[p % ASSIGNMENTS.length]!;
    if ((s + p) % 5 !== 0) tags.push(assignment);
    const { artifact } = await saveArtifact(app, {
      ownerId: student.id,
      input: {
        title: `Piece ${p} by student ${s}`,
        kind: 'post',
        visibility: p % 3 === 0 ? 'members' : 'public',
        body: `A short piece of work, number ${p}, about rivers and cities.`,
        tags,
        date: new Date(now - (PIECES - p) * 5 * DAY - s * 60_000),
      },
    });
    pieceCount++;
    if (p % 2 === 0) {
      // A thread: the teacher wrote, the student answered; every third the teacher answered again.
      const at = artifact.date.getTime() + DAY;
      const say = (authorId: string, authorName: string, authorRole: 'owner' | 'teacher', t: number) =>
        app.db
          .insert(feedbackMessages)
          .values({ id: app.newId(), artifactId: artifact.id, authorId, authorName, authorRole, hubId: authorRole === 'teacher' ? hub.id : null, body: 'Feedback', html: '<p>Feedback</p>', revision: 1, createdAt: new Date(t) })
          .run();
      say(teacher.id, teacher.name, 'teacher', at);
      say(student.id, student.name, 'owner', at + 3_600_000);
      if (p % 3 !== 0) say(teacher.id, teacher.name, 'teacher', at + 7_200_000);
    }
    if (p % 4 === 1) {
      const status = (['reviewed', 'needs_revision', 'resubmitted'] as const)[(s + p) % 3]!;
      app.db.insert(contributionStatuses).values({ hubId: hub.id, artifactId: artifact.id, status, revision: 1, setBy: teacher.id, setAt: new Date(now - DAY) }).run();
    }
  }
}
// An external feed with items, as the poller stores them. Its address is on loopback and not due for a century, so
// the server's poller never fetches it during the run.
const sourceId = app.newId();
app.db
  .insert(hubSources)
  .values({ id: sourceId, hubId: hub.id, url: 'http://127.0.0.1:9/feed.xml', urlKey: '127.0.0.1:9/feed.xml', title: 'School news', addedBy: teacher.id, nextFetchAt: new Date(Date.UTC(2100, 0, 1)), createdAt: app.now() } as typeof hubSources.$inferInsert)
  .run();
app.db.$client.transaction(() => {
  for (let i = 0; i < ITEMS; i++) {
    const at = new Date(now - i * DAY);
    app.db
      .insert(hubItems)
      .values({ id: app.newId(), hubId: hub.id, sourceId, key: `item-${i}`, url: `http://127.0.0.1:9/news/${i}`, title: `News ${i}`, contentHtml: '<p>News</p>', sortDate: at, tags: ['eng10'], fingerprint: `f${i}`, firstSeenAt: at, changedAt: at } as typeof hubItems.$inferInsert)
      .run();
  }
})();
app.db.insert(hubVisits).values({ hubId: hub.id, userId: teacher.id, visitedAt: new Date(now - 7 * DAY) }).run();
const token = generateSessionToken();
createSession(app, token, teacher.id);
const setupSeconds = Math.round((performance.now() - began) / 100) / 10;
app.db.$client.close();

const server = await startServerProcess({ POTLUCK_DATA: dataDir, POTLUCK_DEMO: 'off' });
const headers = { cookie: `${SESSION_COOKIE}=${token}` };
// A visit to the river moves the last visit; the landing page is timed against the week-old one.
const pages: [string, string, string][] = [
  ['teacher landing page', '/workspace/teaching', 'p95 < 100 ms'],
  ['hub progress view', `/hubs/${hub.slug}/progress`, 'p95 < 100 ms'],
  ['hub progress view, filtered by status', `/hubs/${hub.slug}/progress?status=needs_revision`, 'p95 < 100 ms'],
  ['My students, first page', '/workspace/students', 'none set'],
];
try {
  for (const [name, pathname, target] of pages) {
    const url = `${server.url}${pathname}`;
    const get = async () => {
      const res = await fetch(url, { headers, redirect: 'manual' });
      const body = await res.text();
      if (res.status !== 200) throw new Error(`${pathname} answered ${res.status}: ${body.slice(0, 200)}`);
      return body.length;
    };
    for (let i = 0; i < 10; i++) await get();
    const samples: number[] = [];
    let bytes = 0;
    for (let i = 0; i < RUNS; i++) {
      const start = performance.now();
      bytes = await get();
      samples.push(performance.now() - start);
    }
    console.log(JSON.stringify({ name, students: STUDENTS, pieces: pieceCount, threads: pieceCount / 2, ...stats(samples), kilobytes: Math.round(bytes / 1024), setup_s: setupSeconds, target }));
  }
} finally {
  await server.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
