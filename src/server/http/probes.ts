/**
 * The two probes a load balancer or an orchestrator asks (DESIGN.md "Interfaces"): `/healthz`, whether the process
 * and its database answer; `/readyz`, whether it should be sent new requests (not while it is stopping). Both are
 * small JSON documents, never cached, with 503 and a `reason` when the answer is no.
 */
import { sql } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { logger } from '../logger.ts';
import { lifecycleState } from '../lifecycle.ts';

const NO_STORE = { 'cache-control': 'no-store' };

/** Whether the database answers a trivial query; a failure is logged once per probe. */
function databaseAnswers(app: AppContext, probe: string): boolean {
  try {
    app.db.get(sql`select 1`);
    return true;
  } catch (error) {
    logger.error(`${probe}: the database does not answer`, { error });
    return false;
  }
}

/** `/healthz`: 200 `{ ok: true, database: 'ok' }`, or 503 when the database does not answer. */
export function healthResponse(app: AppContext): Response {
  if (!databaseAnswers(app, '/healthz')) {
    return Response.json({ ok: false, database: 'unavailable', reason: 'The database does not answer.' }, { status: 503, headers: NO_STORE });
  }
  return Response.json({ ok: true, database: 'ok' }, { headers: NO_STORE });
}

/** `/readyz`: 200 `{ ready: true }`, or 503 while the process stops or when its database does not answer. */
export function readyResponse(app: AppContext): Response {
  if (lifecycleState() === 'stopping') {
    return Response.json({ ready: false, reason: 'This server is stopping; send new requests to another one.' }, { status: 503, headers: NO_STORE });
  }
  if (!databaseAnswers(app, '/readyz')) {
    return Response.json({ ready: false, reason: 'The database does not answer.' }, { status: 503, headers: NO_STORE });
  }
  return Response.json({ ready: true }, { headers: NO_STORE });
}
