/**
 * "Featured in <hub>": a hub that includes a member's piece tells its owner directly, by a row here rather than a
 * Webmention over HTTP to this same instance. The rows follow the river's own rule (server/hubs/syndication.ts:
 * the hubs whose river shows the piece to its owner, hides applied), refreshed on every save of the piece.
 */
import { and, asc, eq, inArray, notInArray, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { prepared } from '../../db/prepared.ts';
import { hubFeatures, hubs, type Artifact } from '../../db/schema.ts';
import { hubItemUrl, hubsShowingArtifact } from '../../hubs/syndication.ts';

/** Brings the piece's "Featured in" rows in line with the hubs that show it now. */
export function recordHubFeatures(app: AppContext, artifact: Artifact, owner: { id: string; role: 'student' | 'teacher' | 'admin' | 'guardian' }): void {
  const hubIds = hubsShowingArtifact(app, owner, artifact).map((h) => h.id);
  app.db
    .delete(hubFeatures)
    .where(and(eq(hubFeatures.artifactId, artifact.id), hubIds.length ? notInArray(hubFeatures.hubId, hubIds) : undefined))
    .run();
  if (hubIds.length === 0) return;
  const now = app.now();
  app.db
    .insert(hubFeatures)
    .values(hubIds.map((hubId) => ({ artifactId: artifact.id, hubId, firstSeenAt: now })))
    .onConflictDoNothing()
    .run();
}

/** One "Featured in" line: the hub and its page for the piece. */
export interface HubFeature {
  hubId: string;
  title: string;
  url: string;
  hubVisibility: 'public' | 'members';
  since: Date;
}

/**
 * The hubs featuring a piece. For its owner (the editor) every one; for a public page only public hubs, and only
 * when the piece itself is public.
 */
export function hubFeaturesOf(app: AppContext, artifact: Pick<Artifact, 'id' | 'ownerId' | 'visibility' | 'tags'>, audience: 'owner' | 'public'): HubFeature[] {
  if (audience === 'public' && artifact.visibility !== 'public') return [];
  const statement = prepared(app.db, `hubFeatures.of.${audience}`, (db) =>
    db
      .select({ hubId: hubs.id, slug: hubs.slug, title: hubs.title, visibility: hubs.visibility, since: hubFeatures.firstSeenAt })
      .from(hubFeatures)
      .innerJoin(hubs, eq(hubs.id, hubFeatures.hubId))
      .where(and(eq(hubFeatures.artifactId, sql.placeholder('artifact')), audience === 'public' ? inArray(hubs.visibility, ['public']) : undefined))
      .orderBy(asc(hubs.title))
      .prepare(),
  );
  const rows = statement.all({ artifact: artifact.id });
  if (rows.length === 0) return [];
  // The public sees a hub named only while that hub's public river still shows the piece (a hide counts at once).
  const live = audience === 'public' ? new Set(hubsShowingArtifact(app, null, artifact).map((h) => h.id)) : null;
  return rows
    .filter((r) => live === null || live.has(r.hubId))
    .map((r) => ({ hubId: r.hubId, title: r.title, url: hubItemUrl(app, r.slug, artifact.id), hubVisibility: r.visibility, since: r.since }));
}
