/**
 * Potluck as the WebSub hub of its own feeds (W3C WebSub §5–§8). A subscriber asks at `POST /websub`; the request
 * is checked at once (the topic must be one of this site's public feeds, the callback a web address) and answered
 * 202; the worker then verifies the intent by GET to the callback, which must echo `hub.challenge`. Verified
 * subscriptions last their lease. When a subscribed feed's body changes (its hash differs from the one last told),
 * every subscriber whose lease runs is sent the new body, signed with their secret, retried with back-off while
 * they fail. Every request to a callback goes through safeFetch, so a callback can never reach into our network.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { and, eq, gt, lte } from 'drizzle-orm';
import { z } from 'zod';
import type { AppContext } from '../context.ts';
import { websubDeliveries, websubSubscriptions, websubTopics, websubVerifications, type WebSubSubscription } from '../db/schema.ts';
import { inTransaction } from '../db/tx.ts';
import { potluckUserAgent, safeFetch, type SafeFetchOptions } from '../net/safeFetch.ts';
import { websubWorkQueued } from './events.ts';
import { websubHubUrl } from './hubUrl.ts';
import { readTopic, type TopicBody } from './topics.ts';

const DAY_SECONDS = 24 * 60 * 60;

/** Leases Potluck grants: 10 days unless asked, at least an hour, at most 30 days. */
export const LEASE = { default: 10 * DAY_SECONDS, min: 60 * 60, max: 30 * DAY_SECONDS } as const;

/** Longest hub.secret accepted, in bytes (the spec's bound). */
export const MAX_SECRET_BYTES = 199;

/** Attempts at one delivery before it is dropped (the next change tries afresh). */
export const MAX_DELIVERY_ATTEMPTS = 8;

/** Attempts at verifying one request before it is dropped. */
export const MAX_VERIFY_ATTEMPTS = 3;

/** How the hub's requests leave: short timeouts (a subscriber is a web server answering a ping). */
export interface PublisherOptions {
  fetch?: Partial<SafeFetchOptions>;
  /** The first retry's wait; doubled per failure, at most a day. Default 60 s (POTLUCK_WEBSUB_RETRY_SECONDS). */
  retryBaseMs?: number;
}

function fetchOptions(app: AppContext, options: PublisherOptions): SafeFetchOptions {
  return {
    allowPrivateNetworks: app.config.allowPrivateNetworks,
    userAgent: potluckUserAgent(app.config.siteUrl),
    connectTimeoutMs: 5_000,
    timeoutMs: 15_000,
    maxBytes: 64 * 1024,
    maxRedirects: 0,
    now: app.now,
    ...options.fetch,
  };
}

function retryDelayMs(attempts: number, options: PublisherOptions): number {
  const base = options.retryBaseMs ?? 60_000;
  return Math.min(base * 2 ** Math.max(0, attempts - 1), DAY_SECONDS * 1000);
}

/**
 * Most verifications waiting at once for one callback host, and in all: each is a request Potluck sends, so a
 * stranger must not queue thousands of them against someone else's server (or this one's queue).
 */
export const MAX_PENDING_PER_HOST = 20;
export const MAX_PENDING = 1000;
/** Verified subscriptions one callback host may hold, and the hub in all: each is a feed to watch and a POST per change. */
export const MAX_SUBSCRIPTIONS_PER_HOST = 200;
export const MAX_SUBSCRIPTIONS = 10_000;

/** What a subscription request is answered with. */
export type HubAnswer = { status: 202 | 400 | 429; message: string };

/** A subscription request's fields (WebSub §5.1); fields the hub does not know are ignored, as the spec asks. */
export const hubRequestSchema = z.object({
  'hub.mode': z.enum(['subscribe', 'unsubscribe'], { error: 'hub.mode must be "subscribe" or "unsubscribe".' }),
  'hub.topic': z.string({ error: 'hub.topic is missing.' }),
  'hub.callback': z
    .string({ error: 'hub.callback is missing.' })
    .refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), 'hub.callback must be an absolute http:// or https:// URL.')
    .transform((value) => new URL(value)),
  'hub.secret': z
    .string()
    .optional()
    .refine((value) => value === undefined || Buffer.byteLength(value) <= MAX_SECRET_BYTES, 'hub.secret must be shorter than 200 bytes.')
    .transform((value) => value || null),
  // Clamped rather than refused: a subscriber asking for a year gets the longest lease Potluck grants.
  'hub.lease_seconds': z
    .string()
    .optional()
    .transform((value) => {
      const asked = Number(value);
      return value && Number.isFinite(asked) && asked > 0 ? Math.min(Math.max(Math.floor(asked), LEASE.min), LEASE.max) : LEASE.default;
    }),
});
export type HubRequest = z.infer<typeof hubRequestSchema>;

/** Handles `POST /websub` (form fields as sent): checks the request, queues the verification, answers 202, 400 or 429. */
export function requestSubscription(app: AppContext, form: Record<string, string | undefined>): HubAnswer {
  const parsed = hubRequestSchema.safeParse(form);
  if (!parsed.success) return { status: 400, message: parsed.error.issues.map((i) => i.message).join(' ') };
  const { 'hub.mode': mode, 'hub.callback': callbackUrl, 'hub.secret': secret, 'hub.lease_seconds': leaseSeconds } = parsed.data;
  const topicAnswer = readTopic(app, parsed.data['hub.topic']);
  if ('error' in topicAnswer) return { status: 400, message: topicAnswer.error };
  const pending = app.db.select({ callback: websubVerifications.callback }).from(websubVerifications).all();
  if (pending.length >= MAX_PENDING || pending.filter((p) => new URL(p.callback).host === callbackUrl.host).length >= MAX_PENDING_PER_HOST) {
    return { status: 429, message: 'Too many subscription requests are waiting to be verified; try again in a few minutes.' };
  }
  if (mode === 'subscribe') {
    const held = app.db.select({ callback: websubSubscriptions.callback, topic: websubSubscriptions.topic }).from(websubSubscriptions).all();
    const renewal = held.some((s) => s.callback === callbackUrl.href && s.topic === topicAnswer.topic);
    if (!renewal && (held.length >= MAX_SUBSCRIPTIONS || held.filter((s) => new URL(s.callback).host === callbackUrl.host).length >= MAX_SUBSCRIPTIONS_PER_HOST)) {
      return { status: 429, message: `This hub holds as many subscriptions for ${callbackUrl.host} as it takes (${MAX_SUBSCRIPTIONS_PER_HOST}); unsubscribe from feeds you no longer read first.` };
    }
  }
  app.db
    .insert(websubVerifications)
    .values({ id: app.newId(), mode, topic: topicAnswer.topic, callback: callbackUrl.href, secret, leaseSeconds, nextAttemptAt: app.now(), createdAt: app.now() })
    .run();
  websubWorkQueued();
  return { status: 202, message: `Accepted: Potluck will verify this ${mode} request with a GET to the callback.` };
}

function hashOf(body: string): string {
  return createHash('sha256').update(body).digest('base64url');
}

/** Verifies the waiting requests: GET the callback with a challenge; only an exact echo makes (or ends) a subscription. */
export async function runVerifications(app: AppContext, options: PublisherOptions = {}): Promise<number> {
  const due = app.db.select().from(websubVerifications).where(lte(websubVerifications.nextAttemptAt, app.now())).all();
  let done = 0;
  for (const request of due) {
    // Claimed by pushing it into the future; a second worker skips it.
    const claimed = app.db
      .update(websubVerifications)
      .set({ nextAttemptAt: new Date(app.now().getTime() + 10 * 60_000), attempts: request.attempts + 1 })
      .where(and(eq(websubVerifications.id, request.id), eq(websubVerifications.attempts, request.attempts)))
      .run();
    if (claimed.changes === 0) continue;
    const challenge = randomBytes(24).toString('base64url');
    const url = new URL(request.callback);
    url.searchParams.append('hub.mode', request.mode);
    url.searchParams.append('hub.topic', request.topic);
    url.searchParams.append('hub.challenge', challenge);
    if (request.mode === 'subscribe') url.searchParams.append('hub.lease_seconds', String(request.leaseSeconds));
    const answer = await safeFetch(url, fetchOptions(app, options));
    const confirmed = answer.ok && answer.status >= 200 && answer.status < 300 && answer.body.toString('utf8').trim() === challenge;
    const now = app.now();
    // A subscriber that answered, but not with the challenge, said no; one that could not be reached is asked again.
    const retry = !answer.ok && answer.reason !== 'http-error' && request.attempts + 1 < MAX_VERIFY_ATTEMPTS;
    inTransaction(app, () => {
      if (retry) {
        app.db
          .update(websubVerifications)
          .set({ nextAttemptAt: new Date(now.getTime() + retryDelayMs(request.attempts + 1, options)) })
          .where(eq(websubVerifications.id, request.id))
          .run();
        return;
      }
      app.db.delete(websubVerifications).where(eq(websubVerifications.id, request.id)).run();
      if (!confirmed) return;
      if (request.mode === 'unsubscribe') {
        app.db.delete(websubSubscriptions).where(and(eq(websubSubscriptions.topic, request.topic), eq(websubSubscriptions.callback, request.callback))).run();
        return;
      }
      const expiresAt = new Date(now.getTime() + request.leaseSeconds * 1000);
      app.db
        .insert(websubSubscriptions)
        .values({ id: app.newId(), topic: request.topic, callback: request.callback, secret: request.secret, leaseSeconds: request.leaseSeconds, expiresAt, createdAt: now, verifiedAt: now })
        .onConflictDoUpdate({
          target: [websubSubscriptions.topic, websubSubscriptions.callback],
          set: { secret: request.secret, leaseSeconds: request.leaseSeconds, expiresAt, verifiedAt: now },
        })
        .run();
      // The body the subscriber can fetch now is the baseline: the next change from it is delivered.
      const current = readTopic(app, request.topic);
      if (!('error' in current)) {
        app.db.insert(websubTopics).values({ topic: request.topic, bodyHash: hashOf(current.body), changedAt: now }).onConflictDoNothing().run();
      }
    });
    done++;
  }
  return done;
}

/** Drops subscriptions whose lease ended (and what was owed them). */
export function expireSubscriptions(app: AppContext): number {
  return app.db.delete(websubSubscriptions).where(lte(websubSubscriptions.expiresAt, app.now())).run().changes;
}

/**
 * Compares every subscribed feed with what its subscribers were last told; a changed one is owed to each of its
 * subscribers with a running lease. Returns how many feeds changed.
 */
export function detectChanges(app: AppContext): number {
  const now = app.now();
  const topics = [
    ...new Set(
      app.db.select({ topic: websubSubscriptions.topic }).from(websubSubscriptions).where(gt(websubSubscriptions.expiresAt, now)).all().map((r) => r.topic),
    ),
  ];
  let changed = 0;
  for (const topic of topics) {
    const current = readTopic(app, topic);
    // A feed that stopped being public (a hub made members-only, an account disabled) is not delivered: its
    // subscribers see it disappear when they next fetch it, like every reader.
    if ('error' in current) continue;
    const hash = hashOf(current.body);
    const known = app.db.select().from(websubTopics).where(eq(websubTopics.topic, topic)).get();
    if (known?.bodyHash === hash) continue;
    const owed = inTransaction(app, () => {
      // Read and compared again inside the transaction (transactions run one at a time across nodes): another node
      // may have recorded this change, or a later one, since; owing it again would reset a delivery that node is
      // sending (it went out twice), and recording the older body over the newer would owe it once more.
      const fresh = readTopic(app, topic);
      if ('error' in fresh) return false;
      const freshHash = hashOf(fresh.body);
      const recorded = app.db.select({ bodyHash: websubTopics.bodyHash }).from(websubTopics).where(eq(websubTopics.topic, topic)).get();
      if (recorded?.bodyHash === freshHash) return false;
      app.db
        .insert(websubTopics)
        .values({ topic, bodyHash: freshHash, changedAt: now })
        .onConflictDoUpdate({ target: websubTopics.topic, set: { bodyHash: freshHash, changedAt: now } })
        .run();
      const subscribers = app.db
        .select({ id: websubSubscriptions.id })
        .from(websubSubscriptions)
        .where(and(eq(websubSubscriptions.topic, topic), gt(websubSubscriptions.expiresAt, now)))
        .all();
      for (const s of subscribers) {
        // One delivery owed per subscriber: a later change replaces an earlier one still being retried.
        app.db
          .insert(websubDeliveries)
          .values({ subscriptionId: s.id, nextAttemptAt: now, createdAt: now })
          .onConflictDoUpdate({ target: websubDeliveries.subscriptionId, set: { attempts: 0, nextAttemptAt: now, lastError: null } })
          .run();
      }
      return true;
    });
    if (owed) changed++;
  }
  return changed;
}

/** The `X-Hub-Signature` of a body for a secret. */
export function hubSignature(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** The headers of a delivery: the feed's type, where it came from (rel=hub, rel=self), the signature. */
function deliveryHeaders(app: AppContext, subscription: WebSubSubscription, body: TopicBody): Record<string, string> {
  return {
    link: `<${websubHubUrl(app)}>; rel="hub", <${subscription.topic}>; rel="self"`,
    ...(subscription.secret ? { 'x-hub-signature': hubSignature(subscription.secret, body.body) } : {}),
  };
}

/** Sends the deliveries that are due; returns how many subscribers took theirs. */
export async function runDeliveries(app: AppContext, options: PublisherOptions = {}): Promise<number> {
  const now = app.now();
  const due = app.db
    .select({ delivery: websubDeliveries, subscription: websubSubscriptions })
    .from(websubDeliveries)
    .innerJoin(websubSubscriptions, eq(websubSubscriptions.id, websubDeliveries.subscriptionId))
    .where(lte(websubDeliveries.nextAttemptAt, now))
    .all();
  // Each topic's body is read once for all its subscribers, and again when a newer one was recorded meanwhile.
  const bodies = new Map<string, { read: ReturnType<typeof readTopic>; hash: string | null }>();
  let delivered = 0;
  for (const { delivery, subscription: listed } of due) {
    const attempts = delivery.attempts + 1;
    const claimed = app.db
      .update(websubDeliveries)
      .set({ attempts, nextAttemptAt: new Date(now.getTime() + 10 * 60_000) })
      .where(and(eq(websubDeliveries.subscriptionId, delivery.subscriptionId), eq(websubDeliveries.attempts, delivery.attempts)))
      .run();
    if (claimed.changes === 0) continue;
    // Read after the claim, not from the list read before the first send: another node may have renewed the
    // subscription (a new secret) or recorded a newer body since, and the subscriber is owed what is current.
    const subscription = app.db.select().from(websubSubscriptions).where(eq(websubSubscriptions.id, listed.id)).get();
    // A lease that ended while the delivery waited (or an unsubscribe): nothing more is sent.
    if (!subscription || subscription.expiresAt <= app.now()) {
      app.db.delete(websubDeliveries).where(eq(websubDeliveries.subscriptionId, delivery.subscriptionId)).run();
      continue;
    }
    const recorded = app.db.select({ bodyHash: websubTopics.bodyHash }).from(websubTopics).where(eq(websubTopics.topic, subscription.topic)).get()?.bodyHash;
    let cached = bodies.get(subscription.topic);
    if (!cached || ('body' in cached.read && cached.hash !== recorded)) {
      const read = readTopic(app, subscription.topic);
      cached = { read, hash: 'error' in read ? null : hashOf(read.body) };
      bodies.set(subscription.topic, cached);
    }
    const body = cached.read;
    if ('error' in body) {
      app.db.delete(websubDeliveries).where(eq(websubDeliveries.subscriptionId, delivery.subscriptionId)).run();
      continue;
    }
    const answer = await safeFetch(subscription.callback, {
      ...fetchOptions(app, options),
      post: { body: body.body, contentType: body.contentType, headers: deliveryHeaders(app, subscription, body) },
    });
    if (answer.ok && answer.status >= 200 && answer.status < 300) {
      app.db.delete(websubDeliveries).where(and(eq(websubDeliveries.subscriptionId, delivery.subscriptionId), eq(websubDeliveries.attempts, attempts))).run();
      delivered++;
      continue;
    }
    // 410 Gone: the subscriber ended the subscription on its side.
    if (!answer.ok && answer.status === 410) {
      app.db.delete(websubSubscriptions).where(eq(websubSubscriptions.id, subscription.id)).run();
      continue;
    }
    const error = answer.ok ? `HTTP ${answer.status}` : answer.message;
    if (attempts >= MAX_DELIVERY_ATTEMPTS) {
      app.db.delete(websubDeliveries).where(and(eq(websubDeliveries.subscriptionId, delivery.subscriptionId), eq(websubDeliveries.attempts, attempts))).run();
      continue;
    }
    app.db
      .update(websubDeliveries)
      .set({ nextAttemptAt: new Date(app.now().getTime() + retryDelayMs(attempts, options)), lastError: error })
      .where(and(eq(websubDeliveries.subscriptionId, delivery.subscriptionId), eq(websubDeliveries.attempts, attempts)))
      .run();
  }
  return delivered;
}

