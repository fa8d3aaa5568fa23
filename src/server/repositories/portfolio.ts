/** Reading a portfolio as a given viewer: what they may see of a person's work, decided by core/visibility. */
import { and, asc, desc, eq, inArray } from 'drizzle-orm';
import { notFound } from '../../core/errors.ts';
import { isListedForMembers, isListedPublicly, type Viewer } from '../../core/visibility.ts';
import { canReadArtifact, sharesHub } from '../access.ts';
import type { AppContext } from '../context.ts';
import { artifacts, showcaseItems, showcases, users, type Artifact, type User } from '../db/schema.ts';

/** An active account by handle; 404 for unknown or disabled accounts. */
export function getPortfolioOwner(app: AppContext, handle: string): User {
  const owner = app.db.select().from(users).where(eq(users.handle, handle.toLowerCase())).get();
  if (!owner || owner.disabledAt) throw notFound('That portfolio');
  return owner;
}

/** Artifacts listed on a portfolio for this viewer: public for everyone; members too for hub-mates; all for the owner. */
export function listVisibleArtifacts(app: AppContext, viewer: Viewer | null, owner: User): Artifact[] {
  const all = app.db.select().from(artifacts).where(eq(artifacts.ownerId, owner.id)).orderBy(desc(artifacts.date)).all();
  if (viewer?.id === owner.id) return all;
  const member = viewer !== null && sharesHub(app, viewer.id, owner.id);
  return all.filter((a) => (member ? isListedForMembers(a.visibility) : isListedPublicly(a.visibility)));
}

/** One artifact by slug if this viewer may read it; the same 404 otherwise. */
export function getReadableArtifact(app: AppContext, viewer: Viewer | null, owner: User, slug: string): Artifact {
  const artifact = app.db
    .select()
    .from(artifacts)
    .where(and(eq(artifacts.ownerId, owner.id), eq(artifacts.slug, slug)))
    .get();
  if (!artifact || !canReadArtifact(app, viewer, artifact)) throw notFound('That page');
  return artifact;
}

/** A showcase by slug with the items this viewer may read, in order. */
export function getReadableShowcase(app: AppContext, viewer: Viewer | null, owner: User, slug: string) {
  const showcase = app.db
    .select()
    .from(showcases)
    .where(and(eq(showcases.ownerId, owner.id), eq(showcases.slug, slug)))
    .get();
  if (!showcase || !canReadArtifact(app, viewer, showcase)) throw notFound('That showcase');
  const ids = app.db
    .select({ id: showcaseItems.artifactId })
    .from(showcaseItems)
    .where(eq(showcaseItems.showcaseId, showcase.id))
    .orderBy(asc(showcaseItems.position))
    .all()
    .map((r) => r.id);
  const rows = ids.length ? app.db.select().from(artifacts).where(inArray(artifacts.id, ids)).all() : [];
  const items = ids
    .map((id) => rows.find((r) => r.id === id))
    .filter((a): a is Artifact => a !== undefined && canReadArtifact(app, viewer, a) && (viewer?.id === owner.id || a.visibility !== 'private'));
  return { showcase, items };
}
