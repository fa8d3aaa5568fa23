/** Test factories for accounts, hubs and sessions on a real database. */
import { createUser } from '../../../src/commands/userCreator.ts';
import type { AppContext } from '../../../src/server/context.ts';
import { createSession, generateSessionToken } from '../../../src/server/auth/sessions.ts';
import { hubMembers, hubs, type Role } from '../../../src/server/db/schema.ts';

export const PASSWORD = 'correct horse battery staple';

/** An account with the shared test password (email `<handle>@school.test`). */
export async function makeUser(app: AppContext, handle: string, role: Role = 'student', extra: { email?: string } = {}) {
  return createUser(app, {
    handle,
    name: handle[0].toUpperCase() + handle.slice(1),
    role,
    email: extra.email ?? `${handle}@school.test`,
    password: PASSWORD,
  });
}

/** A hub, optionally taught by `teacherId` (as a teacher member). */
export function makeHub(app: AppContext, slug: string, teacherId?: string) {
  const id = app.newId();
  app.db.insert(hubs).values({ id, slug, title: `Hub ${slug}`, createdAt: app.now() }).run();
  if (teacherId) app.db.insert(hubMembers).values({ hubId: id, userId: teacherId, role: 'teacher', joinedAt: app.now(), enrolment: 'owner' }).run();
  return id;
}

/** A session straight in the database; returns the cookie token. */
export function makeSession(app: AppContext, userId: string): string {
  const token = generateSessionToken();
  createSession(app, token, userId);
  return token;
}
