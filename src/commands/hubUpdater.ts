/**
 * Changing a hub's settings and assignments (teachers of the hub, admins). When its tags change, feed items that
 * no longer match leave at once and every feed is read again in full (items that now match arrive on the next
 * poll); members' portfolio work follows the new tags immediately, since it is read live.
 */
import { and, eq, ne } from 'drizzle-orm';
import { PotluckError, invalid, issuesFromZod } from '../core/errors.ts';
import { hubInputSchema, type HubInput } from '../core/hubs/input.ts';
import type { Viewer } from '../core/visibility.ts';
import type { AppContext } from '../server/context.ts';
import { hubAssignments, hubs, type Hub } from '../server/db/schema.ts';
import { inTransaction } from '../server/db/tx.ts';
import { assertCanManage, getHubById, hubMemberIds } from '../server/hubs/access.ts';
import { pruneUnmatchedItems, refetchAllSources } from '../server/hubs/poller.ts';
import { sweepThumbnails } from '../server/hubs/thumbnails.ts';
import { bumpContentVersion } from '../server/repositories/portfolio.ts';

/** Saves new settings (the whole form, assignments included); returns the hub. */
export function updateHub(app: AppContext, props: { actor: Viewer | null; hubId: string; input: HubInput }): Hub {
  const parsed = hubInputSchema.safeParse(props.input);
  if (!parsed.success) throw invalid(issuesFromZod(parsed.error));
  const input = parsed.data;
  const updated = inTransaction(app, () => {
    const before = getHubById(app, props.hubId);
    assertCanManage(app, props.actor, before);
    if (app.db.select({ id: hubs.id }).from(hubs).where(and(eq(hubs.slug, input.slug), ne(hubs.id, before.id))).get()) {
      throw new PotluckError('CONFLICT', `A hub already uses the address /hubs/${input.slug}/. Choose another.`, {
        issues: [{ field: 'slug', message: `A hub already uses /hubs/${input.slug}/; choose another address.` }],
      });
    }
    const now = app.now();
    const hub = app.db
      .update(hubs)
      .set({
        slug: input.slug,
        title: input.title,
        description: input.description,
        tags: input.tags,
        visibility: input.visibility,
        termStart: input.termStart,
        termEnd: input.termEnd,
        pollIntervalMinutes: input.pollIntervalMinutes,
        updatedAt: now,
      })
      .where(eq(hubs.id, before.id))
      .returning()
      .get();

    // Assignments are keyed by tag: one kept under the same tag keeps its id.
    const existing = app.db.select().from(hubAssignments).where(eq(hubAssignments.hubId, hub.id)).all();
    const wanted = new Map(input.assignments.map((a) => [a.tag, a]));
    for (const old of existing) {
      const next = wanted.get(old.tag);
      if (!next) app.db.delete(hubAssignments).where(eq(hubAssignments.id, old.id)).run();
      else app.db.update(hubAssignments).set({ title: next.title, dueAt: next.dueAt }).where(eq(hubAssignments.id, old.id)).run();
    }
    const kept = new Set(existing.map((a) => a.tag));
    const added = input.assignments.filter((a) => !kept.has(a.tag));
    if (added.length) {
      app.db
        .insert(hubAssignments)
        .values(added.map((a) => ({ id: app.newId(), hubId: hub.id, title: a.title, tag: a.tag, dueAt: a.dueAt, createdAt: now })))
        .run();
    }

    const tagsChanged = JSON.stringify([...before.tags].sort()) !== JSON.stringify([...hub.tags].sort());
    if (tagsChanged) {
      pruneUnmatchedItems(app, hub);
      refetchAllSources(app, hub.id);
    }
    // Title, address, tags and visibility all show on members' artifact pages ("Also published on").
    for (const id of hubMemberIds(app, hub.id)) bumpContentVersion(app, id);
    return hub;
  });
  // Items that no longer match the tags left; so may the last use of their pictures.
  sweepThumbnails(app);
  return updated;
}
