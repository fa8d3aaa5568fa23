/**
 * Access tokens: issued once (to an app through the token endpoint, or to a script by `potluck token create`),
 * stored as their SHA-256 with scope, client and expiry, and checked on every Micropub request. A token stops
 * working the moment it is revoked or expires, its account is disabled, or the school's policy no longer lets its
 * owner use apps.
 */
import { and, eq, isNull } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { accessTokens, users, type AccessToken, type User } from '../db/schema.ts';
import { recordAudit } from '../audit/auditLog.ts';
import { mayUseIndieAuth } from './eligibility.ts';
import { hashSecret, newSecret } from './secrets.ts';

/** How long a token given to an app lasts. */
export const APP_TOKEN_DAYS = 30;
const DAY = 24 * 60 * 60 * 1000;

/** Issues a token; returns the secret (shown once) and its row. Call inside the transaction of what caused it. */
export function issueToken(
  app: AppContext,
  props: { userId: string; clientId: string; clientName: string; scope: string; days: number; via: 'app' | 'cli'; codeId?: string },
): { token: string; row: AccessToken } {
  const token = newSecret('ptk_');
  const now = app.now();
  const row = app.db
    .insert(accessTokens)
    .values({
      id: app.newId(),
      tokenHash: hashSecret(token),
      userId: props.userId,
      clientId: props.clientId,
      clientName: props.clientName,
      scope: props.scope,
      codeId: props.codeId ?? null,
      createdAt: now,
      expiresAt: new Date(now.getTime() + props.days * DAY),
    })
    .returning()
    .get();
  recordAudit(app, {
    action: 'token.created',
    actor: props.via === 'cli' ? null : { id: props.userId },
    subject: { type: 'access_token', id: row.id },
    subjectUser: { id: props.userId },
    details: { client: props.clientId, scope: props.scope, days: props.days, via: props.via },
  });
  return { token, row };
}

export type TokenCheck =
  | { ok: true; token: AccessToken; user: User }
  | { ok: false; status: 401 | 403; error: 'invalid_token' | 'forbidden'; message: string };

/** The live token a secret names, with its owner, or why it does not work. Records when it was last used. */
export function checkToken(app: AppContext, secret: string): TokenCheck {
  const row = secret
    ? app.db
        .select()
        .from(accessTokens)
        .where(and(eq(accessTokens.tokenHash, hashSecret(secret)), isNull(accessTokens.revokedAt)))
        .get()
    : undefined;
  const now = app.now();
  if (!row || row.expiresAt.getTime() <= now.getTime()) {
    return { ok: false, status: 401, error: 'invalid_token', message: 'The access token is missing, unknown, revoked or expired. Sign in to the app again.' };
  }
  const user = app.db.select().from(users).where(eq(users.id, row.userId)).get();
  if (!user) return { ok: false, status: 401, error: 'invalid_token', message: 'The access token’s account no longer exists.' };
  const eligible = mayUseIndieAuth(app, user);
  if (!eligible.ok) return { ok: false, status: 403, error: 'forbidden', message: eligible.message };
  app.db.update(accessTokens).set({ lastUsedAt: now }).where(eq(accessTokens.id, row.id)).run();
  return { ok: true, token: row, user };
}

/** The token secret of a request: `Authorization: Bearer …`, or null with the reason when there are two or none. */
export function bearerOf(request: Request, formToken?: string | null): { token: string | null; twice: boolean } {
  const header = request.headers.get('authorization');
  const fromHeader = header && /^bearer\s+/i.test(header) ? header.replace(/^bearer\s+/i, '').trim() : null;
  if (fromHeader && formToken) return { token: null, twice: true };
  return { token: fromHeader || formToken || null, twice: false };
}

/** Revokes every live token exchanged for a code: that code was used twice, so it may have been stolen. */
export function revokeTokensOfCode(app: AppContext, codeId: string): void {
  const rows = app.db
    .update(accessTokens)
    .set({ revokedAt: app.now() })
    .where(and(eq(accessTokens.codeId, codeId), isNull(accessTokens.revokedAt)))
    .returning()
    .all();
  for (const row of rows) {
    recordAudit(app, {
      action: 'token.revoked',
      actor: null,
      subject: { type: 'access_token', id: row.id },
      subjectUser: { id: row.userId },
      details: { client: row.clientId, by: 'code_reused' },
    });
  }
}

/** Revokes a token by its secret (RFC 7009: an unknown one is not an error). */
export function revokeTokenBySecret(app: AppContext, secret: string): void {
  const row = app.db.select().from(accessTokens).where(eq(accessTokens.tokenHash, hashSecret(secret))).get();
  if (!row || row.revokedAt) return;
  app.db.update(accessTokens).set({ revokedAt: app.now() }).where(eq(accessTokens.id, row.id)).run();
  recordAudit(app, {
    action: 'token.revoked',
    actor: { id: row.userId },
    subject: { type: 'access_token', id: row.id },
    subjectUser: { id: row.userId },
    details: { client: row.clientId, by: 'app' },
  });
}
