/**
 * Recording refused requests (403s, and forms sent from another website) without letting a flood of them fill the
 * disk: at most one event per address, path and kind a minute, at most 20 a minute from one address whatever the
 * paths (a forged form refuses on any path), and at most 120 a minute in all (many addresses), counted in this
 * process. The request body is never read, and the path is recorded without its query string (which can hold tokens).
 */
import type { AppContext } from '../context.ts';
import { logger } from '../logger.ts';
import { recordAudit, type AuditPerson } from './auditLog.ts';
import { currentAuditScope } from './scope.ts';

const WINDOW_MS = 60_000;
const MAX_KEYS = 10_000;
const PER_ADDRESS = 20;
const IN_ALL = 120;
const lastRecorded = new Map<string, number>();
/** Events recorded in the current minute, per address and in all. */
const counted = { windowStart: 0, inAll: 0, byAddress: new Map<string, number>() };

/** One refused request. */
export interface RefusedRequest {
  kind: 'access.refused' | 'access.cross_site';
  method: string;
  path: string;
  /** Default: the address of the request being served. */
  address?: string | null;
  actor?: AuditPerson | null;
}

/** Records a refused request unless one of the limits above says it has been said often enough this minute. */
export function recordRefusedAccess(app: AppContext, request: RefusedRequest): boolean {
  const now = app.now().getTime();
  const path = request.path.slice(0, 300);
  const address = request.address !== undefined ? request.address : (currentAuditScope()?.address ?? null);
  const key = `${request.kind} ${address ?? '-'} ${path}`;
  const last = lastRecorded.get(key);
  if (last !== undefined && now - last < WINDOW_MS) return false;
  if (now - counted.windowStart >= WINDOW_MS) {
    counted.windowStart = now;
    counted.inAll = 0;
    counted.byAddress.clear();
  }
  const fromAddress = counted.byAddress.get(address ?? '-') ?? 0;
  if (fromAddress >= PER_ADDRESS || counted.inAll >= IN_ALL) return false;
  counted.byAddress.set(address ?? '-', fromAddress + 1);
  counted.inAll++;
  if (lastRecorded.size >= MAX_KEYS) {
    for (const [k, at] of lastRecorded) if (now - at >= WINDOW_MS) lastRecorded.delete(k);
    // Still full: a flood of distinct paths or addresses. Forget the oldest half rather than grow without bound.
    if (lastRecorded.size >= MAX_KEYS) [...lastRecorded.keys()].slice(0, MAX_KEYS / 2).forEach((k) => lastRecorded.delete(k));
  }
  lastRecorded.set(key, now);
  try {
    recordAudit(app, {
      action: request.kind,
      outcome: 'refused',
      actor: request.actor ?? null,
      subject: { type: 'path', id: path },
      address,
      details: { method: request.method, path },
    });
  } catch (error) {
    // The refusal stands whether or not it could be written down; a full disk must not turn a 403 into a 500.
    logger.warn('Could not record a refused request in the audit log', { component: 'audit', path, error });
    return false;
  }
  return true;
}
