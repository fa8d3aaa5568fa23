/** A hub with a teacher and students on a fresh database, for command-level hub tests (loopback feeds allowed). */
import { eq } from 'drizzle-orm';
import { addHubMember } from '../../../src/commands/hubMemberAdder.ts';
import { createHub } from '../../../src/commands/hubCreator.ts';
import type { HubInput } from '../../../src/core/hubs/input.ts';
import type { AppContext } from '../../../src/server/context.ts';
import { hubItems, hubSources, hubs, type Hub, type User } from '../../../src/server/db/schema.ts';
import { makeUser } from '../../helpers/factories.ts';
import { createTestApp } from '../../helpers/server.ts';

/** The public base URL hub tests run with. */
export const SITE = 'https://school.example';

/** A test app whose clock the test moves: `clock.set(...)`, `clock.advance(ms)`. */
export function clockedApp(env: Record<string, string> = {}): { app: AppContext; clock: { now: Date; set(d: string | Date): void; advance(ms: number): void } } {
  const app = createTestApp({ POTLUCK_ALLOW_PRIVATE_NETWORKS: '1', POTLUCK_SITE_URL: SITE, ...env });
  const clock = {
    now: new Date('2025-03-01T12:00:00Z'),
    set(d: string | Date) {
      clock.now = new Date(d);
    },
    advance(ms: number) {
      clock.now = new Date(clock.now.getTime() + ms);
    },
  };
  app.now = () => clock.now;
  return { app, clock };
}

/** A hub owned by a new teacher, with new students as members. */
export async function makeClass(app: AppContext, input: Partial<HubInput> = {}, studentCount = 2) {
  const teacher = await makeUser(app, { role: 'teacher' });
  const students: User[] = [];
  for (let i = 0; i < studentCount; i++) students.push(await makeUser(app));
  const hub = createHub(app, {
    actor: { id: teacher.id, role: 'teacher' },
    input: { slug: `hub-${Math.random().toString(36).slice(2, 8)}`, title: 'English 10', tags: 'eng10', ...input },
  });
  for (const s of students) addHubMember(app, { actor: null, hubId: hub.id, handle: s.handle });
  return { teacher, students, hub };
}

/** The hub row as stored now. */
export function reloadHub(app: AppContext, id: string): Hub {
  return app.db.select().from(hubs).where(eq(hubs.id, id)).get()!;
}

/** The stored items of a source, by title. */
export function storedTitles(app: AppContext, sourceId: string): string[] {
  return app.db.select({ title: hubItems.title }).from(hubItems).where(eq(hubItems.sourceId, sourceId)).all().map((r) => r.title).sort();
}

/** A source row as stored now. */
export function reloadSource(app: AppContext, id: string) {
  return app.db.select().from(hubSources).where(eq(hubSources.id, id)).get()!;
}
