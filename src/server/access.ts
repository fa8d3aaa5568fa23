/** Access facts from the database, fed to the pure rules in core/visibility. */
import { and, eq, inArray, sql } from 'drizzle-orm';
import { canRead, type Viewer } from '../core/visibility.ts';
import type { AppContext } from './context.ts';
import { prepared } from './db/prepared.ts';
import { artifactMedia, artifacts, hubMembers, media, users } from './db/schema.ts';
import { consentedMembership } from './hubs/enrolment.ts';

/**
 * Whether two people belong to a common hub (either as teacher or member), both by consented enrolment: a hub a
 * teacher added someone to alone (an invitation not accepted) makes nobody their "member".
 */
export function sharesHub(app: AppContext, a: string, b: string): boolean {
  if (a === b) return true;
  const row = app.db
    .select({ one: sql<number>`1` })
    .from(hubMembers)
    .where(
      and(
        eq(hubMembers.userId, a),
        consentedMembership(),
        inArray(
          hubMembers.hubId,
          app.db.select({ id: hubMembers.hubId }).from(hubMembers).where(and(eq(hubMembers.userId, b), consentedMembership())),
        ),
      ),
    )
    .get();
  return row !== undefined;
}

/** Whether a viewer may read an artifact row. */
export function canReadArtifact(
  app: AppContext,
  viewer: Viewer | null,
  artifact: { ownerId: string; visibility: 'private' | 'members' | 'unlisted' | 'public' },
): boolean {
  return canRead(viewer, {
    visibility: artifact.visibility,
    ownerId: artifact.ownerId,
    sharesHub: viewer !== null && artifact.visibility === 'members' && sharesHub(app, viewer.id, artifact.ownerId),
  });
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
