/** Factories that write through the real commands into a real database. */
import { createUser } from '../../src/commands/userCreator.ts';
import { saveArtifact, type ArtifactInput } from '../../src/commands/artifactSaver.ts';
import type { AppContext } from '../../src/server/context.ts';
import { createSession, generateSessionToken, SESSION_COOKIE_NAMES } from '../../src/server/auth/sessions.ts';
import { hubMembers, hubs, type Role, type User } from '../../src/server/db/schema.ts';
import { Browser } from './http.ts';

let counter = 0;

/** A new account; the password is `password-<handle>`. */
export async function makeUser(app: AppContext, props: { handle?: string; role?: Role; name?: string } = {}): Promise<User> {
  counter += 1;
  const handle = props.handle ?? `user${counter}${Math.random().toString(36).slice(2, 6)}`;
  return createUser(app, { handle, name: props.name ?? `Person ${handle}`, role: props.role ?? 'student', password: `password-${handle}` });
}

/** An artifact with sensible defaults. */
export async function makeArtifact(app: AppContext, owner: User, input: Partial<ArtifactInput> = {}) {
  const { artifact } = await saveArtifact(app, {
    ownerId: owner.id,
    input: { title: 'An essay', kind: 'post', visibility: 'members', body: 'Some text.', ...input },
  });
  return artifact;
}

/** A hub with a teacher and students, so that members visibility applies between them. */
export function makeHub(app: AppContext, props: { teacher: User; students: User[]; slug?: string }) {
  const id = app.newId();
  app.db
    .insert(hubs)
    .values({ id, slug: props.slug ?? `hub-${id.slice(0, 8)}`, title: 'A course', tags: ['course'], createdAt: app.now(), ownerId: props.teacher.id })
    .run();
  app.db.insert(hubMembers).values({ hubId: id, userId: props.teacher.id, role: 'teacher', joinedAt: app.now(), enrolment: 'owner' }).run();
  // A roster, as an admin makes it: consented enrolment, so members visibility applies.
  for (const s of props.students) app.db.insert(hubMembers).values({ hubId: id, userId: s.id, role: 'student', joinedAt: app.now(), enrolment: 'admin' }).run();
  return id;
}

/** A browser already signed in as `user` (a real session row; the sign-in form has its own tests). */
export function signedIn(base: string, app: AppContext, user: User): Browser {
  const browser = new Browser(base);
  const token = generateSessionToken();
  createSession(app, token, user.id);
  // Both names: the server reads `__Host-potluck_session` when its site URL is https, the plain name otherwise.
  for (const name of SESSION_COOKIE_NAMES) browser.setCookie(name, token);
  return browser;
}
