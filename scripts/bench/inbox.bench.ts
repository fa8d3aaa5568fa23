/**
 * The inbox page over a real server on loopback: one person with 2,000 notifications (a third unread, some of them
 * copies about a child), their first inbox page and a page deep in the list, one request at a time, signed in.
 * Reports median and p95; target: p95 under 30 ms. The client shares the machine's cores with the server.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createUser } from '../../src/commands/userCreator.ts';
import { loadConfig } from '../../src/server/config.ts';
import { createAppContext } from '../../src/server/context.ts';
import { createSession, generateSessionToken, SESSION_COOKIE_NAMES } from '../../src/server/auth/sessions.ts';
import { notifications } from '../../src/server/db/schema.ts';
import { startServerProcess } from '../lib/serverProcess.ts';
import { stats, time } from './lib.ts';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'potluck-bench-inbox-'));
const app = createAppContext(loadConfig({ POTLUCK_DATA: dataDir }), { migrate: true });
const reader = await createUser(app, { handle: 'busy-parent', name: 'Busy Reader', role: 'guardian' });
const child = await createUser(app, { handle: 'kid', name: 'The Kid', role: 'student' });
const others = await Promise.all([1, 2, 3].map((i) => createUser(app, { handle: `other${i}`, name: `Other ${i}`, role: 'student' })));
const start = Date.now() - 2_000 * 60_000;
const rows = Array.from({ length: 2_000 }, (_, i) => ({
  id: app.newId(),
  userId: reader.id,
  kind: i % 3 === 0 ? 'feedback.new' : 'assignment.due',
  title: `Notification number ${i} about a piece of work with a title of ordinary length`,
  url: '/family',
  aboutUserId: i % 2 === 0 ? child.id : null,
  createdAt: new Date(start + i * 60_000),
  readAt: i % 3 === 0 ? null : new Date(start + i * 60_000 + 1000),
}));
// Other people's notifications in the same table, as on a real instance.
for (const o of others) for (let i = 0; i < 2_000; i++) rows.push({ ...rows[i]!, id: app.newId(), userId: o.id, aboutUserId: null });
app.db.transaction(() => {
  for (let i = 0; i < rows.length; i += 500) app.db.insert(notifications).values(rows.slice(i, i + 500)).run();
});
const token = generateSessionToken();
createSession(app, token, reader.id);
app.db.$client.close();

const server = await startServerProcess({ POTLUCK_DATA: dataDir, POTLUCK_DEMO: 'off' });
const cookie = SESSION_COOKIE_NAMES.map((n) => `${n}=${token}`).join('; ');
const get = async (pathname: string) => {
  const r = await fetch(`${server.url}${pathname}`, { headers: { cookie } });
  if (r.status !== 200) throw new Error(`${pathname} answered ${r.status}`);
  await r.arrayBuffer();
};
try {
  for (const [name, pathname] of [
    ['inbox, first page, 2,000 notifications', '/notifications'],
    ['inbox, page 40 of 80', '/notifications?page=40'],
  ] as const) {
    const samples = await time(() => get(pathname), 300, 30);
    console.log(JSON.stringify({ name, ...stats(samples), target: 'p95 < 30 ms' }));
  }
} finally {
  await server.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
