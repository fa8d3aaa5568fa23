/**
 * Creating a course hub: validated settings, its assignments, and its owner as its first teacher member, in one
 * transaction. Teachers and admins create hubs; the operator at a shell may name any teacher as owner.
 */
import { eq } from 'drizzle-orm';
import { PotluckError, forbidden, invalid, issuesFromZod, notFound } from '../core/errors.ts';
import { authorize, can } from '../core/policy.ts';
import { schoolSubject } from '../server/policyFacts.ts';
import { hubInputSchema, type HubInput } from '../core/hubs/input.ts';
import type { Viewer } from '../core/visibility.ts';
import type { AppContext } from '../server/context.ts';
import { hubAssignments, hubMembers, hubs, users, type Hub } from '../server/db/schema.ts';
import { inTransaction } from '../server/db/tx.ts';
import { bumpContentVersion } from '../server/repositories/portfolio.ts';

export interface CreateHubProps {
  /** Who creates it; null for the operator at a shell. */
  actor: Viewer | null;
  /** The owner's handle (shell only); a teacher or admin creating a hub owns it. */
  ownerHandle?: string;
  input: HubInput;
}

/** Creates a hub and returns it. */
export function createHub(app: AppContext, props: CreateHubProps): Hub {
  if (props.actor) authorize(props.actor, 'createHub', schoolSubject);
  const parsed = hubInputSchema.safeParse(props.input);
  if (!parsed.success) throw invalid(issuesFromZod(parsed.error));
  const input = parsed.data;
  return inTransaction(app, () => {
    let ownerId: string | null = props.actor?.id ?? null;
    if (props.actor === null && props.ownerHandle !== undefined) {
      const owner = app.db.select().from(users).where(eq(users.handle, props.ownerHandle.trim().replace(/^@/, '').toLowerCase())).get();
      if (!owner || owner.disabledAt) throw notFound(`The account @${props.ownerHandle.replace(/^@/, '')}`);
      if (!can(owner, 'createHub', schoolSubject)) throw forbidden(`@${owner.handle} is a student; a hub's owner must be a teacher or an admin.`);
      ownerId = owner.id;
    }
    if (app.db.select({ id: hubs.id }).from(hubs).where(eq(hubs.slug, input.slug)).get()) {
      throw new PotluckError('CONFLICT', `A hub already uses the address /hubs/${input.slug}/. Choose another.`, {
        issues: [{ field: 'slug', message: `A hub already uses /hubs/${input.slug}/; choose another address.` }],
      });
    }
    const now = app.now();
    const hub = app.db
      .insert(hubs)
      .values({
        id: app.newId(),
        slug: input.slug,
        title: input.title,
        description: input.description,
        tags: input.tags,
        visibility: input.visibility,
        ownerId,
        termStart: input.termStart,
        termEnd: input.termEnd,
        pollIntervalMinutes: input.pollIntervalMinutes,
        createdAt: now,
        updatedAt: now,
      })
      .returning()
      .get();
    if (ownerId) {
      app.db.insert(hubMembers).values({ hubId: hub.id, userId: ownerId, role: 'teacher', joinedAt: now, enrolment: 'owner' }).run();
      // The owner's own tagged work now shows the hub on its page.
      bumpContentVersion(app, ownerId);
    }
    if (input.assignments.length) {
      app.db
        .insert(hubAssignments)
        .values(input.assignments.map((a) => ({ id: app.newId(), hubId: hub.id, title: a.title, tag: a.tag, dueAt: a.dueAt, createdAt: now })))
        .run();
    }
    return hub;
  });
}
