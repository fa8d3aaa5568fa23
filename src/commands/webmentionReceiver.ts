/**
 * Another site tells Potluck that its page (`source`) links to a public piece (`target`): the W3C Webmention
 * receiving step. Only what can be checked without fetching is checked here (the URLs, that the target is a public
 * piece on this site, the source host's blocks and rate limits); the mention is stored as queued and verified
 * asynchronously (src/server/webmention/receive/verifier.ts). A second mention from the same source updates the first.
 */
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { AppContext } from '../server/context.ts';
import { webmentionBlocks, webmentions } from '../server/db/schema.ts';
import { inTransaction } from '../server/db/tx.ts';
import { reserveAttempt, rateLimitStatus, type RateRule } from '../server/auth/rateLimit.ts';
import { webmentionEvents } from '../server/webmention/receive/events.ts';
import { pieceOfTarget } from '../server/webmention/receive/targets.ts';

/** Webmentions accepted per source host and minute, and per day: a blog that posts a lot, not a flood. */
export const MENTIONS_PER_MINUTE: RateRule = { limit: 10, windowMs: 60_000 };
export const MENTIONS_PER_DAY: RateRule = { limit: 200, windowMs: 24 * 60 * 60_000 };

const httpUrl = (field: string) =>
  z
    .string({ error: `Send the ${field} as a form field named "${field}".` })
    .trim()
    .min(1, `Send the ${field} as a form field named "${field}".`)
    .max(2000, `The ${field} URL is too long (2,000 characters at most).`)
    .refine((v) => {
      try {
        const u = new URL(v);
        return u.protocol === 'http:' || u.protocol === 'https:';
      } catch {
        return false;
      }
    }, `The ${field} must be an http:// or https:// URL.`);

/** The endpoint's form (application/x-www-form-urlencoded), as the Webmention spec defines it. */
export const webmentionFormSchema = z.object({ source: httpUrl('source'), target: httpUrl('target') });
export type WebmentionForm = z.infer<typeof webmentionFormSchema>;

/** What the endpoint answers. */
export type ReceiveOutcome =
  | { ok: true; id: string; statusPath: string }
  | { ok: false; status: 400 | 403 | 429; message: string; retryAfterSeconds?: number };

/** The host a block or rate limit counts: the source's host name, lower case, without a leading "www.". */
export function mentionHost(url: URL): string {
  return url.hostname.toLowerCase().replace(/^www\./, '');
}

/** Whether `host` is `domain` or below it. */
export function hostInDomain(host: string, domain: string): boolean {
  return host === domain || host.endsWith(`.${domain}`);
}

/** Where a mention's status is reported. */
export function mentionStatusPath(id: string): string {
  return `/webmention/status/${encodeURIComponent(id)}`;
}

/** Accepts one Webmention for verification; `origins` are the site's own origins (targets must use one). */
export function receiveWebmention(app: AppContext, props: { form: Record<string, unknown>; origins: readonly string[] }): ReceiveOutcome {
  const parsed = webmentionFormSchema.safeParse(props.form);
  if (!parsed.success) return { ok: false, status: 400, message: parsed.error.issues[0]!.message };
  const source = new URL(parsed.data.source);
  const target = new URL(parsed.data.target);
  source.hash = '';
  target.hash = '';
  if (source.href === target.href) return { ok: false, status: 400, message: 'The source and the target are the same page; a page cannot mention itself.' };
  const piece = pieceOfTarget(app, target, props.origins);
  if (!piece) {
    return {
      ok: false,
      status: 400,
      message: 'The target is not a public piece on this site. Potluck accepts Webmentions only for the pages of public work (https://this-site/@handle/piece/).',
    };
  }
  const host = mentionHost(source);
  const blocks = app.db.select({ domain: webmentionBlocks.domain }).from(webmentionBlocks).where(eq(webmentionBlocks.ownerId, piece.owner.id)).all();
  if (blocks.some((b) => hostInDomain(host, b.domain))) {
    return { ok: false, status: 403, message: `The author of this piece does not accept Webmentions from ${host}.` };
  }
  return inTransaction(app, () => {
    for (const [rule, key] of [
      [MENTIONS_PER_MINUTE, `webmention.minute:${host}`],
      [MENTIONS_PER_DAY, `webmention.day:${host}`],
    ] as const) {
      if (!reserveAttempt(app, key, rule)) {
        const resetAt = rateLimitStatus(app, key, rule).resetAt;
        const retryAfterSeconds = Math.max(1, Math.ceil(((resetAt?.getTime() ?? app.now().getTime() + rule.windowMs) - app.now().getTime()) / 1000));
        return { ok: false as const, status: 429 as const, message: `Too many Webmentions from ${host}; try again in ${retryAfterSeconds} seconds.`, retryAfterSeconds };
      }
    }
    const now = app.now();
    const existing = app.db
      .select({ id: webmentions.id })
      .from(webmentions)
      .where(and(eq(webmentions.source, source.href), eq(webmentions.target, target.href)))
      .get();
    let id: string;
    if (existing) {
      id = existing.id;
      app.db.update(webmentions).set({ status: 'queued', reason: null, receivedAt: now, claimedUntil: null }).where(eq(webmentions.id, id)).run();
    } else {
      id = app.newId();
      app.db
        .insert(webmentions)
        .values({ id, artifactId: piece.artifact.id, ownerId: piece.owner.id, source: source.href, target: target.href, sourceHost: host, status: 'queued', receivedAt: now })
        .run();
    }
    queueMicrotask(() => webmentionEvents.emit('queued', id));
    return { ok: true as const, id, statusPath: mentionStatusPath(id) };
  });
}
