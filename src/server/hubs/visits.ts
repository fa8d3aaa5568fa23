/**
 * When each member last opened a hub's page: what the teacher's landing page counts "new since your last visit"
 * from. One row per hub and person, moved forward on each visit (commands/hubVisitRecorder.ts).
 */
import { and, eq } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { hubVisits } from '../db/schema.ts';

/** When `userId` last opened the hub's page, or null (never). */
export function lastHubVisit(app: AppContext, hubId: string, userId: string): Date | null {
  return app.db.select({ at: hubVisits.visitedAt }).from(hubVisits).where(and(eq(hubVisits.hubId, hubId), eq(hubVisits.userId, userId))).get()?.at ?? null;
}

/** Every hub's last visit by `userId`, by hub id. One query. */
export function hubVisitsOf(app: AppContext, userId: string): Map<string, Date> {
  const rows = app.db.select({ hubId: hubVisits.hubId, at: hubVisits.visitedAt }).from(hubVisits).where(eq(hubVisits.userId, userId)).all();
  return new Map(rows.map((r) => [r.hubId, r.at]));
}
