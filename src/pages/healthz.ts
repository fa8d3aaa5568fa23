import type { APIRoute } from 'astro';
import { sql } from 'drizzle-orm';

/** Liveness and readiness: the database answers. */
export const GET: APIRoute = ({ locals }) => {
  locals.app.db.get(sql`select 1`);
  return Response.json({ ok: true }, { headers: { 'cache-control': 'no-store' } });
};
