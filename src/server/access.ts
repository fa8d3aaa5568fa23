/** Reading work and media, decided by core/policy.ts on the facts server/policyFacts.ts loads. */
import { and, asc, eq, inArray, isNull, ne, sql } from 'drizzle-orm';
import { can, type ClassReaders } from '../core/policy.ts';
import type { Viewer } from '../core/visibility.ts';
import type { AppContext } from './context.ts';
import { prepared } from './db/prepared.ts';
import { artifactMedia, artifacts, hubMembers, hubs, media, users } from './db/schema.ts';
import { consentedMembership } from './hubs/enrolment.ts';
import { sharesHub, workSubject } from './policyFacts.ts';

export { sharesHub };

/**
 * The hubs whose members may read `ownerId`'s class-only work today (consented memberships only), each with its
 * teachers' names and how many other students it has; active accounts only. Two queries.
 */
export function classReadersOf(app: AppContext, ownerId: string): ClassReaders[] {
  const ownHubs = prepared(app.db, 'access.classHubsOf', (db) =>
    db
      .select({ id: hubs.id, title: hubs.title })
      .from(hubMembers)
      .innerJoin(hubs, eq(hubs.id, hubMembers.hubId))
      .where(and(eq(hubMembers.userId, sql.placeholder('owner')), consentedMembership()))
      .orderBy(asc(hubs.title))
      .prepare(),
  );
  const own = ownHubs.all({ owner: ownerId });
  if (own.length === 0) return [];
  const people = app.db
    .select({ hubId: hubMembers.hubId, role: hubMembers.role, name: users.name })
    .from(hubMembers)
    .innerJoin(users, eq(users.id, hubMembers.userId))
    .where(and(inArray(hubMembers.hubId, own.map((h) => h.id)), ne(hubMembers.userId, ownerId), consentedMembership(), isNull(users.disabledAt)))
    .orderBy(asc(users.name))
    .all();
  return own.map((hub) => {
    const theirs = people.filter((p) => p.hubId === hub.id);
    return { title: hub.title, teachers: theirs.filter((p) => p.role === 'teacher').map((p) => p.name), classmates: theirs.filter((p) => p.role === 'student').length };
  });
}

/** Whether a viewer may read an artifact row. */
export function canReadArtifact(
  app: AppContext,
  viewer: Viewer | null,
  artifact: { ownerId: string; visibility: 'private' | 'members' | 'unlisted' | 'public' },
): boolean {
  return can(viewer, 'read', workSubject(app, viewer, artifact));
}

/**
 * Whether a viewer may load a media file: its owner always; anyone else when it is the profile photo of an active
 * account (shown on every page of the portfolio) or when some artifact that uses it (body or cover) is readable to
 * them. An upload used nowhere is the owner's alone.
 */
export function canReadMedia(app: AppContext, viewer: Viewer | null, mediaId: string): boolean {
  // Prepared once: every picture of every page asks this (live, and hundreds of times in an export).
  const ownerOf = prepared(app.db, 'access.mediaOwner', (db) =>
    db
      .select({ ownerId: media.ownerId, avatarOf: users.id, disabledAt: users.disabledAt })
      .from(media)
      .leftJoin(users, and(eq(users.id, media.ownerId), eq(users.avatarMediaId, media.id)))
      .where(eq(media.id, sql.placeholder('media')))
      .prepare(),
  );
  const owner = ownerOf.get({ media: mediaId });
  if (!owner) return false;
  if (viewer?.id === owner.ownerId) return true;
  if (owner.avatarOf && !owner.disabledAt) return true;
  const usedByStatement = prepared(app.db, 'access.mediaUsedBy', (db) =>
    db
      .select({ ownerId: artifacts.ownerId, visibility: artifacts.visibility })
      .from(artifactMedia)
      .innerJoin(artifacts, eq(artifacts.id, artifactMedia.artifactId))
      .where(eq(artifactMedia.mediaId, sql.placeholder('media')))
      .prepare(),
  );
  const usedBy = usedByStatement.all({ media: mediaId });
  return usedBy.some((a) => canReadArtifact(app, viewer, a));
}
