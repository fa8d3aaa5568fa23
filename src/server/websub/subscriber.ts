/**
 * Course hubs as WebSub subscribers (W3C WebSub §5.1, §5.3, §7–§8 from the subscriber's side). When a polled feed
 * advertises a hub, Potluck subscribes with a callback of its own (`/websub/callback/<id>`) and a secret for that
 * subscription alone; it answers the hub's verification only for a subscription it asked for, on the topic it asked
 * for; it takes a delivery only with a valid `X-Hub-Signature`, and stores it through the same merge as a poll, so
 * the river shows it at once. Polling goes on as a safety net, less often while the hub delivers; a hub that refuses,
 * goes away, lets the lease end or stays silent while the feed changes puts the feed back on its normal interval.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { joinUrl } from '../../core/urls.ts';
import type { WebSubAdvert } from '../../core/feeds/websubDiscovery.ts';
import type { AppContext } from '../context.ts';
import { hubSources, hubs, jobs, websubSourceSubscriptions, type HubSource, type WebSubSourceSubscription } from '../db/schema.ts';
import { prepared } from '../db/prepared.ts';
import { inTransaction } from '../db/tx.ts';
import { potluckUserAgent, safeFetch, type SafeFetchOptions } from '../net/safeFetch.ts';
import { inThreadParser, type FeedParser } from '../hubs/parsers.ts';
import { websubContentChanged, websubWorkQueued } from './events.ts';

const DAY_SECONDS = 24 * 60 * 60;

/** The lease Potluck asks hubs for. */
export const SUBSCRIBER_LEASE_SECONDS = 10 * DAY_SECONDS;

/** While a hub delivers, the feed is still polled, this many hub intervals apart (a safety net). */
export const PUSHED_POLL_FACTOR = 6;

/** How long after a refusal, a lost hub or a silent one Potluck waits before subscribing again. */
export const RESUBSCRIBE_AFTER_MS = DAY_SECONDS * 1000;

/** A request not verified within this time is given up (the hub never called back). */
const VERIFY_WITHIN_MS = 60 * 60_000;

/** The hash functions `X-Hub-Signature` may name (WebSub §8). */
const SIGNATURE_ALGORITHMS: Record<string, string> = { sha1: 'sha1', sha256: 'sha256', sha384: 'sha384', sha512: 'sha512' };

/** Where a hub calls this subscription back. */
export function callbackUrl(app: AppContext, id: string): string {
  return joinUrl(app.config.siteUrl, `/websub/callback/${id}`);
}

function subscriptionOfSource(app: AppContext, sourceId: string): WebSubSourceSubscription | undefined {
  // Asked for every feed of every poll (pushActive, subscribeIfAdvertised).
  return prepared(app.db, 'websub.subscriptionOfSource', (db) =>
    db
      .select()
      .from(websubSourceSubscriptions)
      .where(eq(websubSourceSubscriptions.sourceId, sql.placeholder('sourceId')))
      .prepare(),
  ).get({ sourceId });
}

/** Whether a hub is delivering this feed now (verified, lease running): it is then polled less often. */
export function pushActive(app: AppContext, sourceId: string): boolean {
  const s = subscriptionOfSource(app, sourceId);
  return s?.state === 'active' && s.expiresAt !== null && s.expiresAt > app.now();
}

function fetchOptions(app: AppContext, overrides: Partial<SafeFetchOptions> = {}): SafeFetchOptions {
  return {
    allowPrivateNetworks: app.config.allowPrivateNetworks,
    userAgent: potluckUserAgent(app.config.siteUrl),
    connectTimeoutMs: 5_000,
    timeoutMs: 15_000,
    maxBytes: 64 * 1024,
    now: app.now,
    ...overrides,
  };
}

function fail(app: AppContext, id: string, message: string): void {
  app.db
    .update(websubSourceSubscriptions)
    .set({ state: 'failed', lastError: message, retryAfter: new Date(app.now().getTime() + RESUBSCRIBE_AFTER_MS) })
    .where(eq(websubSourceSubscriptions.id, id))
    .run();
}

/** Asks `advert.hub` for pushed updates of `advert.self`; the row is written first, so the hub's GET finds it. */
async function sendSubscribe(app: AppContext, source: Pick<HubSource, 'id'>, advert: WebSubAdvert, fetch?: Partial<SafeFetchOptions>): Promise<boolean> {
  const now = app.now();
  const existing = subscriptionOfSource(app, source.id);
  const id = app.newId();
  const secret = randomBytes(32).toString('base64url');
  const row = { id, hubUrl: advert.hub, topic: advert.self, secret, state: 'requested' as const, requestedAt: now, lastError: null, retryAfter: null };
  if (existing) {
    // A renewal keeps the running subscription's callback until the new one is verified.
    if (existing.state === 'active' && existing.hubUrl === advert.hub && existing.topic === advert.self) {
      app.db.update(websubSourceSubscriptions).set({ requestedAt: now }).where(eq(websubSourceSubscriptions.id, existing.id)).run();
      return post(app, existing.id, existing, 'subscribe', fetch);
    }
    app.db.update(websubSourceSubscriptions).set({ ...row, leaseSeconds: null, expiresAt: null, verifiedAt: null }).where(eq(websubSourceSubscriptions.id, existing.id)).run();
  } else {
    app.db.insert(websubSourceSubscriptions).values({ ...row, sourceId: source.id, createdAt: now }).run();
  }
  const stored = subscriptionOfSource(app, source.id)!;
  return post(app, stored.id, stored, 'subscribe', fetch);
}

/** The statuses a hub may redirect a subscription request with and keep it a POST (RFC 9110 §15.4.8–9). */
const METHOD_KEEPING_REDIRECTS = new Set([307, 308]);

/**
 * Sends a subscription request. A hub that moved (websub.rocks subscriber 203, 204) answers 307 or 308: the same
 * request is sent once more to where it points, through safeFetch again, so the new address passes the same checks
 * as the first (safeFetch itself never resends a POST). The subscription keeps the hub the feed advertises (that is
 * what later polls compare with), so a renewal follows the hub's redirect again and passes the checks again.
 */
async function post(app: AppContext, id: string, s: Pick<WebSubSourceSubscription, 'hubUrl' | 'topic' | 'secret'>, mode: 'subscribe' | 'unsubscribe', fetch?: Partial<SafeFetchOptions>): Promise<boolean> {
  const answer = await postForm(app, id, s, mode, fetch);
  if (answer.ok) return true;
  if (mode === 'subscribe') fail(app, id, answer.message);
  return false;
}

/** The request itself, following at most one method-keeping redirect. */
async function postForm(
  app: AppContext,
  id: string,
  s: Pick<WebSubSourceSubscription, 'hubUrl' | 'topic' | 'secret'>,
  mode: 'subscribe' | 'unsubscribe',
  fetch?: Partial<SafeFetchOptions>,
): Promise<{ ok: true } | { ok: false; message: string }> {
  const form = new URLSearchParams({ 'hub.mode': mode, 'hub.topic': s.topic, 'hub.callback': callbackUrl(app, id) });
  if (mode === 'subscribe') {
    form.set('hub.secret', s.secret);
    form.set('hub.lease_seconds', String(SUBSCRIBER_LEASE_SECONDS));
  }
  const send = (url: string) => safeFetch(url, { ...fetchOptions(app, fetch), post: { body: form.toString(), contentType: 'application/x-www-form-urlencoded' } });
  let answer = await send(s.hubUrl);
  if (!answer.ok && answer.status !== undefined && METHOD_KEEPING_REDIRECTS.has(answer.status) && answer.location) answer = await send(answer.location);
  if (answer.ok && answer.status >= 200 && answer.status < 300) return { ok: true };
  return { ok: false, message: answer.ok ? `The hub answered ${answer.status}.` : `The hub could not be asked: ${answer.message}` };
}

/**
 * After a poll read a feed: subscribe when it advertises a hub and no subscription to that hub and topic runs or is
 * being asked for (and the last one did not fail recently). Never throws: a hub's trouble leaves polling as it was.
 */
export async function subscribeIfAdvertised(app: AppContext, source: Pick<HubSource, 'id'>, advert: WebSubAdvert | null, fetch?: Partial<SafeFetchOptions>): Promise<void> {
  if (!advert || !app.config.websub) return;
  const existing = subscriptionOfSource(app, source.id);
  const now = app.now();
  if (existing) {
    const same = existing.hubUrl === advert.hub && existing.topic === advert.self;
    if (same && existing.state === 'active' && existing.expiresAt && existing.expiresAt > now) return;
    if (same && existing.state === 'requested' && now.getTime() - existing.requestedAt.getTime() < VERIFY_WITHIN_MS) return;
    if (existing.state === 'failed' && existing.retryAfter && existing.retryAfter > now) return;
  }
  try {
    await sendSubscribe(app, source, advert, fetch);
  } catch {
    // The next poll tries again.
  }
}

/** What the callback answers a hub's verification GET with. */
export interface CallbackAnswer {
  status: number;
  body: string;
}

/**
 * A hub's verification of intent (§5.3): echo the challenge only for the mode Potluck asked for, on the exact topic
 * it asked for. A denial (§5.2) ends the subscription.
 */
export function answerVerification(app: AppContext, id: string, params: URLSearchParams): CallbackAnswer {
  const s = app.db.select().from(websubSourceSubscriptions).where(eq(websubSourceSubscriptions.id, id)).get();
  if (!s) return answerUnsubscribeVerification(app, id, params);
  const mode = params.get('hub.mode');
  const topic = params.get('hub.topic');
  if (topic !== s.topic) return { status: 404, body: 'This subscription is for another topic.' };
  if (mode === 'denied') {
    fail(app, s.id, `The hub refused the subscription${params.get('hub.reason') ? `: ${params.get('hub.reason')}` : '.'}`);
    return { status: 200, body: '' };
  }
  const challenge = params.get('hub.challenge');
  if (!challenge) return { status: 400, body: 'hub.challenge is missing.' };
  if (mode === 'subscribe' && (s.state === 'requested' || s.state === 'active')) {
    const lease = Number(params.get('hub.lease_seconds'));
    const leaseSeconds = Number.isFinite(lease) && lease > 0 ? Math.floor(lease) : SUBSCRIBER_LEASE_SECONDS;
    const now = app.now();
    app.db
      .update(websubSourceSubscriptions)
      .set({ state: 'active', leaseSeconds, expiresAt: new Date(now.getTime() + leaseSeconds * 1000), verifiedAt: now, lastError: null })
      .where(eq(websubSourceSubscriptions.id, s.id))
      .run();
    return { status: 200, body: challenge };
  }
  if (mode === 'unsubscribe' && s.state === 'unsubscribing') {
    app.db.delete(websubSourceSubscriptions).where(eq(websubSourceSubscriptions.id, s.id)).run();
    return { status: 200, body: challenge };
  }
  return { status: 404, body: 'Potluck did not ask for this.' };
}

/**
 * The body of a delivery as the bytes that were signed (a feed in ISO-8859-1 must not be re-encoded before its
 * signature is checked), or null once more than `maxBytes` arrived or were announced.
 */
export async function readDeliveryBody(request: Request, maxBytes: number): Promise<Buffer | null> {
  if (Number(request.headers.get('content-length') ?? '0') > maxBytes) return null;
  if (!request.body) return Buffer.alloc(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/** Whether `header` (`sha256=<hex>`) is the HMAC of `body` with `secret`, compared in constant time. */
export function validSignature(secret: string, header: string | null, body: Buffer): boolean {
  if (!header) return false;
  const m = /^\s*(sha1|sha256|sha384|sha512)=([0-9a-f]+)\s*$/i.exec(header);
  if (!m) return false;
  const algorithm = SIGNATURE_ALGORITHMS[m[1]!.toLowerCase()]!;
  const expected = createHmac(algorithm, secret).update(body).digest();
  const given = Buffer.from(m[2]!.length % 2 === 0 ? m[2]! : '', 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * A content delivery (§7–§8): taken only for a running subscription with a valid signature, then merged into the hub
 * exactly as a poll would. Answers 202 when stored, 403 for a missing or forged signature (nothing stored).
 */
export async function receiveDelivery(
  app: AppContext,
  id: string,
  props: { signature: string | null; contentType: string | null; body: Buffer; parser?: FeedParser },
): Promise<CallbackAnswer & { stored: boolean }> {
  const s = app.db.select().from(websubSourceSubscriptions).where(eq(websubSourceSubscriptions.id, id)).get();
  if (!s || s.state === 'failed') return { status: 410, body: 'Potluck has no such subscription.', stored: false };
  if (!validSignature(s.secret, props.signature, props.body)) return { status: 403, body: 'The X-Hub-Signature is missing or does not match.', stored: false };
  const source = app.db.select().from(hubSources).where(eq(hubSources.id, s.sourceId)).get();
  const hub = source ? app.db.select().from(hubs).where(eq(hubs.id, source.hubId)).get() : undefined;
  if (!source || !hub) return { status: 410, body: 'That feed is no longer followed.', stored: false };
  const parsed = await (props.parser ?? inThreadParser).parse(props.body, { url: s.topic, ...(props.contentType ? { contentType: props.contentType } : {}) });
  if (!parsed.ok) return { status: 400, body: `The delivery is not a readable feed: ${parsed.message}`, stored: false };
  // Loaded lazily: the poller imports this module for its subscribe hook.
  const { mergeSourceFeed } = await import('../hubs/poller.ts');
  const now = app.now();
  const changed = inTransaction(app, () => {
    // The same path as a poll, held posts of a hashtag source included.
    const { held: _held, ...counts } = mergeSourceFeed(app, hub, source, parsed.feed);
    const any = counts.added + counts.updated + counts.removed > 0;
    app.db.update(websubSourceSubscriptions).set({ lastDeliveryAt: now }).where(eq(websubSourceSubscriptions.id, s.id)).run();
    app.db
      .update(hubSources)
      .set({ itemsFound: parsed.feed.items.length, title: source.title || parsed.feed.title || '', ...(any ? { lastOutcome: 'updated' as const } : {}) })
      .where(eq(hubSources.id, source.id))
      .run();
    if (any) app.db.update(hubs).set({ updatedAt: now }).where(eq(hubs.id, hub.id)).run();
    return any;
  });
  if (changed) websubContentChanged();
  return { status: 202, body: 'Delivered.', stored: true };
}

/**
 * A safety-net poll found changes the hub never delivered: the hub is silent, so the feed goes back to its normal
 * interval and Potluck subscribes again later.
 */
export function markSilent(app: AppContext, sourceId: string): void {
  const s = subscriptionOfSource(app, sourceId);
  if (s?.state === 'active') fail(app, s.id, 'The hub did not deliver changes that polling found; polling at the normal interval.');
}

/**
 * The worker's upkeep of subscriptions: renew each before its lease ends (in its last tenth), and give up
 * requests never verified and leases that ended.
 */
export async function renewSourceSubscriptions(app: AppContext, fetch?: Partial<SafeFetchOptions>): Promise<number> {
  const now = app.now();
  const rows = app.db.select().from(websubSourceSubscriptions).where(inArray(websubSourceSubscriptions.state, ['requested', 'active'])).all();
  let renewed = 0;
  for (const s of rows) {
    if (s.state === 'requested') {
      if (now.getTime() - s.requestedAt.getTime() >= VERIFY_WITHIN_MS) {
        if (s.expiresAt && s.expiresAt > now) continue;
        fail(app, s.id, 'The hub never verified the subscription.');
      }
      continue;
    }
    if (!s.expiresAt || s.expiresAt <= now) {
      fail(app, s.id, 'The subscription’s lease ended.');
      continue;
    }
    const remaining = s.expiresAt.getTime() - now.getTime();
    const lease = (s.leaseSeconds ?? SUBSCRIBER_LEASE_SECONDS) * 1000;
    // Not asked again while a renewal waits for the hub's call.
    if (remaining > lease / 10 || now.getTime() - s.requestedAt.getTime() < Math.min(VERIFY_WITHIN_MS, lease / 20)) continue;
    // Claimed with the time it was last asked, as read: another node renewing it at the same moment asks once.
    const claimed = app.db
      .update(websubSourceSubscriptions)
      .set({ requestedAt: now })
      .where(and(eq(websubSourceSubscriptions.id, s.id), eq(websubSourceSubscriptions.requestedAt, s.requestedAt)))
      .run().changes;
    if (claimed !== 1) continue;
    if (await post(app, s.id, s, 'subscribe', fetch)) renewed++;
  }
  return renewed;
}


/** The `jobs` kind of an unsubscription: the job's id is the callback id of the subscription it ends. */
export const UNSUBSCRIBE_JOB = 'websub.unsubscribe';

/** How long Potluck keeps asking a hub to end a subscription (and waits for its verification). */
const UNSUBSCRIBE_WITHIN_MS = DAY_SECONDS * 1000;

/** A failed unsubscription request is sent again after this long. */
const UNSUBSCRIBE_RETRY_MS = 10 * 60_000;

interface UnsubscribeTarget {
  hubUrl: string;
  topic: string;
}

/**
 * Called in the transaction that removes a feed, before its subscription row goes with it: when a hub delivers the
 * feed (or was asked to), an unsubscription is queued as a `jobs` row under the same callback id, so the hub's
 * verification of it can be answered after the row is gone. Deliveries to that callback are refused (410) at once,
 * since the subscription row no longer exists. Returns the job's id, or null when there is nothing to end.
 */
export function queueUnsubscribe(app: AppContext, sourceId: string): string | null {
  const s = subscriptionOfSource(app, sourceId);
  if (!s || (s.state !== 'active' && s.state !== 'requested')) return null;
  const now = app.now();
  const target: UnsubscribeTarget = { hubUrl: s.hubUrl, topic: s.topic };
  app.db
    .insert(jobs)
    .values({ id: s.id, userId: null, kind: UNSUBSCRIBE_JOB, status: 'queued', progress: { step: 'queued' }, result: { ...target }, createdAt: now, updatedAt: now })
    .onConflictDoNothing()
    .run();
  return s.id;
}

function unsubscribeJob(app: AppContext, id: string) {
  const job = app.db.select().from(jobs).where(and(eq(jobs.id, id), eq(jobs.kind, UNSUBSCRIBE_JOB))).get();
  if (!job) return undefined;
  const target = job.result as Partial<UnsubscribeTarget> | null;
  if (typeof target?.hubUrl !== 'string' || typeof target.topic !== 'string') return undefined;
  return { job, target: { hubUrl: target.hubUrl, topic: target.topic } };
}

/**
 * Sends one queued unsubscription (in the background, through safeFetch). The job is claimed first, so the worker
 * and the removal's own kick never send it twice at once.
 */
export async function sendUnsubscribe(app: AppContext, id: string, fetch?: Partial<SafeFetchOptions>): Promise<boolean> {
  const found = unsubscribeJob(app, id);
  if (!found || found.job.status !== 'queued') return false;
  const claimed = app.db
    .update(jobs)
    .set({ status: 'running', progress: { step: 'sending' }, updatedAt: app.now() })
    .where(and(eq(jobs.id, id), eq(jobs.status, 'queued')))
    .run();
  if (claimed.changes !== 1) return false;
  const answer = await postForm(app, id, { ...found.target, secret: '' }, 'unsubscribe', fetch).catch((error: unknown) => ({ ok: false as const, message: String(error) }));
  const now = app.now();
  if (answer.ok) {
    app.db.update(jobs).set({ progress: { step: 'awaiting-verification' }, error: null, updatedAt: now }).where(eq(jobs.id, id)).run();
    return true;
  }
  const givingUp = now.getTime() - found.job.createdAt.getTime() >= UNSUBSCRIBE_WITHIN_MS;
  app.db
    .update(jobs)
    .set({ status: givingUp ? 'failed' : 'queued', progress: { step: givingUp ? 'given-up' : 'retrying' }, error: answer.message, updatedAt: now })
    .where(eq(jobs.id, id))
    .run();
  return false;
}

/** Starts sending the unsubscription queued by `queueUnsubscribe` now, without waiting (the worker retries it). */
export function unsubscribeInBackground(app: AppContext, id: string | null, fetch?: Partial<SafeFetchOptions>): void {
  if (!id) return;
  setImmediate(() => {
    void sendUnsubscribe(app, id, fetch).catch(() => undefined);
  });
  websubWorkQueued();
}

/**
 * The worker's share: resend unsubscriptions that failed (every ten minutes, for a day), and close those the hub
 * never verified within a day (the hub will find the callback gone at its next delivery: 410).
 */
export async function runUnsubscriptions(app: AppContext, fetch?: Partial<SafeFetchOptions>): Promise<number> {
  const now = app.now().getTime();
  const rows = app.db.select().from(jobs).where(and(eq(jobs.kind, UNSUBSCRIBE_JOB), inArray(jobs.status, ['queued', 'running']))).all();
  let sent = 0;
  for (const job of rows) {
    if (job.status === 'running') {
      if (now - job.createdAt.getTime() >= UNSUBSCRIBE_WITHIN_MS) {
        app.db.update(jobs).set({ status: 'failed', error: 'The hub never verified the unsubscription.', updatedAt: app.now() }).where(eq(jobs.id, job.id)).run();
      }
      continue;
    }
    const retrying = job.progress?.step === 'retrying';
    if (retrying && now - job.updatedAt.getTime() < UNSUBSCRIBE_RETRY_MS) continue;
    if (await sendUnsubscribe(app, job.id, fetch)) sent++;
  }
  return sent;
}

/** A hub's verification at a callback whose subscription was removed: echoed only for the unsubscription asked for. */
function answerUnsubscribeVerification(app: AppContext, id: string, params: URLSearchParams): CallbackAnswer {
  const found = unsubscribeJob(app, id);
  if (!found || found.job.status === 'succeeded' || found.job.status === 'failed') return { status: 404, body: 'No such subscription.' };
  if (params.get('hub.topic') !== found.target.topic) return { status: 404, body: 'This subscription is for another topic.' };
  if (params.get('hub.mode') !== 'unsubscribe') return { status: 404, body: 'Potluck did not ask for this.' };
  const challenge = params.get('hub.challenge');
  if (!challenge) return { status: 400, body: 'hub.challenge is missing.' };
  app.db.update(jobs).set({ status: 'succeeded', progress: { step: 'verified' }, error: null, updatedAt: app.now() }).where(eq(jobs.id, id)).run();
  return { status: 200, body: challenge };
}

/** How each feed's updates reach the hub, for the sources page: pushed by a WebSub hub, being asked for, or polled. */
export type UpdateMode = { kind: 'pushed'; hubUrl: string; leaseUntil: Date } | { kind: 'asking'; hubUrl: string } | { kind: 'polled'; hubProblem: string | null };

export function updateModes(app: AppContext, sourceIds: string[]): Map<string, UpdateMode> {
  const modes = new Map<string, UpdateMode>(sourceIds.map((id) => [id, { kind: 'polled', hubProblem: null }]));
  if (sourceIds.length === 0) return modes;
  const now = app.now();
  for (const s of app.db.select().from(websubSourceSubscriptions).where(inArray(websubSourceSubscriptions.sourceId, sourceIds)).all()) {
    if (s.state === 'active' && s.expiresAt && s.expiresAt > now) modes.set(s.sourceId, { kind: 'pushed', hubUrl: s.hubUrl, leaseUntil: s.expiresAt });
    else if (s.state === 'requested') modes.set(s.sourceId, { kind: 'asking', hubUrl: s.hubUrl });
    else if (s.state === 'failed') modes.set(s.sourceId, { kind: 'polled', hubProblem: s.lastError });
  }
  return modes;
}
