/** Creating and editing showcases; deleting them. Only the owner, and only the owner's own artifacts as items. */
import { and, asc, eq, inArray } from 'drizzle-orm';
import { slugFromTitle, uniqueSlug } from '../core/artifacts.ts';
import { invalid, issuesFromZod, notFound } from '../core/errors.ts';
import { renderArtifactBody } from '../core/markdown/render.ts';
import { showcaseInputSchema, type ShowcaseInput } from '../core/showcases.ts';
import type { AppContext } from '../server/context.ts';
import { artifacts, showcaseItems, showcases, type Showcase } from '../server/db/schema.ts';
import { inTransaction } from '../server/db/tx.ts';
import { authorize } from '../core/policy.ts';
import { publicSharingSubject } from '../server/policyFacts.ts';
import { recordAudit } from '../server/audit/auditLog.ts';
import { bumpContentVersion } from '../server/repositories/portfolio.ts';

/** Creates (no `showcaseId`, or an id not yet used) or updates a showcase with its ordered items. */
export async function saveShowcase(app: AppContext, props: SaveShowcaseProps): Promise<Showcase> {
  return storeShowcase(app, props);
}

export interface SaveShowcaseProps {
  ownerId: string;
  showcaseId?: string;
  input: ShowcaseInput;
}

/** The same, synchronously, for callers that write inside one transaction (archive import). */
export function storeShowcase(app: AppContext, props: SaveShowcaseProps): Showcase {
  const parsed = showcaseInputSchema.safeParse(props.input);
  if (!parsed.success) throw invalid(issuesFromZod(parsed.error));
  const input = parsed.data;
  const rendered = renderArtifactBody({ source: input.intro, format: 'markdown' });
  if (!rendered.ok) {
    throw invalid(rendered.errors.map((e) => ({ field: 'intro', message: `Line ${e.line}, column ${e.column}: ${e.message}` })));
  }
  const items = [...new Set(input.items)];
  // A public showcase is public work: the school's consent rule applies (it reads only who owns it).
  if (input.visibility === 'public') authorize({ id: props.ownerId, role: 'student' }, 'publish', publicSharingSubject(app, props.ownerId));

  return inTransaction(app, () => {
    if (items.length) {
      const own = app.db
        .select({ id: artifacts.id })
        .from(artifacts)
        .where(and(eq(artifacts.ownerId, props.ownerId), inArray(artifacts.id, items)))
        .all();
      if (own.length !== items.length) {
        throw invalid([{ field: 'items', message: 'A showcase can only hold your own artifacts.' }]);
      }
    }
    const existing = props.showcaseId
      ? app.db.select().from(showcases).where(eq(showcases.id, props.showcaseId)).get()
      : undefined;
    if (existing && existing.ownerId !== props.ownerId) throw notFound('That showcase');
    const taken = (slug: string) =>
      app.db
        .select({ id: showcases.id })
        .from(showcases)
        .where(and(eq(showcases.ownerId, props.ownerId), eq(showcases.slug, slug)))
        .all()
        .some((row) => row.id !== existing?.id);
    const now = app.now();
    const fields = { title: input.title, intro: input.intro, introHtml: rendered.html, visibility: input.visibility, updatedAt: now };
    const showcase = existing
      ? app.db
          .update(showcases)
          .set({ ...fields, slug: input.slug && input.slug !== existing.slug ? uniqueSlug(input.slug, taken) : existing.slug })
          .where(eq(showcases.id, existing.id))
          .returning()
          .get()
      : app.db
          .insert(showcases)
          .values({
            id: props.showcaseId ?? app.newId(),
            ownerId: props.ownerId,
            slug: uniqueSlug(input.slug ?? slugFromTitle(input.title), taken),
            createdAt: now,
            ...fields,
          })
          .returning()
          .get();
    app.db.delete(showcaseItems).where(eq(showcaseItems.showcaseId, showcase.id)).run();
    if (items.length) {
      app.db
        .insert(showcaseItems)
        .values(items.map((artifactId, position) => ({ showcaseId: showcase.id, artifactId, position })))
        .run();
    }
    bumpContentVersion(app, props.ownerId, [existing?.visibility ?? showcase.visibility, showcase.visibility]);
    return showcase;
  });
}

/** Deletes one of the owner's showcases (the artifacts in it stay). */
export function deleteShowcase(app: AppContext, props: { ownerId: string; showcaseId: string }): void {
  inTransaction(app, () => {
    const deleted = app.db
      .delete(showcases)
      .where(and(eq(showcases.id, props.showcaseId), eq(showcases.ownerId, props.ownerId)))
      .returning({ visibility: showcases.visibility })
      .all();
    if (deleted.length === 0) throw notFound('That showcase');
    bumpContentVersion(app, props.ownerId, deleted.map((d) => d.visibility));
    recordAudit(app, { action: 'showcase.deleted', actor: { id: props.ownerId }, subject: { type: 'showcase', id: props.showcaseId }, subjectUser: { id: props.ownerId } });
  });
}

/** One of the owner's showcases with its item ids in order; 404 otherwise. */
export function getOwnShowcase(app: AppContext, ownerId: string, id: string): Showcase & { items: string[] } {
  const showcase = app.db
    .select()
    .from(showcases)
    .where(and(eq(showcases.id, id), eq(showcases.ownerId, ownerId)))
    .get();
  if (!showcase) throw notFound('That showcase');
  const items = app.db
    .select({ id: showcaseItems.artifactId })
    .from(showcaseItems)
    .where(eq(showcaseItems.showcaseId, id))
    .orderBy(asc(showcaseItems.position))
    .all()
    .map((r) => r.id);
  return { ...showcase, items };
}

/** The owner's showcases, newest first. */
export function listOwnShowcases(app: AppContext, ownerId: string): Showcase[] {
  return app.db.select().from(showcases).where(eq(showcases.ownerId, ownerId)).orderBy(asc(showcases.title)).all();
}
