/**
 * An app exchanges its authorization code (IndieAuth §5.3): at the token endpoint for an access token (when scopes
 * were granted), or at the authorization endpoint for the profile URL only. The code is used up by the first try,
 * right or wrong; it must match its client_id and redirect_uri, and the code_verifier must hash to its PKCE
 * challenge. `me` is always the member's canonical profile URL, whatever the app typed.
 */
import { and, eq, isNull } from 'drizzle-orm';
import type { AppContext } from '../server/context.ts';
import { indieauthCodes, users } from '../server/db/schema.ts';
import { inTransaction } from '../server/db/tx.ts';
import { mayUseIndieAuth } from '../server/indieauth/eligibility.ts';
import { hashSecret, s256 } from '../server/indieauth/secrets.ts';
import { APP_TOKEN_DAYS, issueToken, revokeTokensOfCode } from '../server/indieauth/tokens.ts';
import { hasScope } from '../server/indieauth/scopes.ts';
import { profileUrl } from '../server/indieauth/urls.ts';

export interface RedeemInput {
  code: string;
  clientId: string;
  redirectUri: string;
  codeVerifier: string;
}

export type RedeemResult =
  | { ok: true; body: Record<string, unknown> }
  | { ok: false; status: 400 | 403; error: 'invalid_request' | 'invalid_grant' | 'access_denied'; message: string };

const invalidGrant = (message: string): RedeemResult => ({ ok: false, status: 400, error: 'invalid_grant', message });

/** Redeems a code; `forToken` false answers the profile only (the authorization endpoint's exchange). */
export function redeemCode(app: AppContext, input: RedeemInput, options: { forToken: boolean }): RedeemResult {
  if (!input.code || !input.clientId || !input.redirectUri) {
    return { ok: false, status: 400, error: 'invalid_request', message: 'Send code, client_id, redirect_uri and code_verifier.' };
  }
  if (!input.codeVerifier) return { ok: false, status: 400, error: 'invalid_request', message: 'The code_verifier (PKCE) is missing.' };
  return inTransaction(app, () => {
    const now = app.now();
    // Used up here, whatever happens next: a second try with the same code finds nothing.
    const row = app.db
      .update(indieauthCodes)
      .set({ usedAt: now })
      .where(and(eq(indieauthCodes.codeHash, hashSecret(input.code)), isNull(indieauthCodes.usedAt)))
      .returning()
      .get();
    if (!row) {
      // A code presented again after it was used: whatever it got the first time is revoked (RFC 6749 §4.1.2).
      const used = app.db.select({ id: indieauthCodes.id }).from(indieauthCodes).where(eq(indieauthCodes.codeHash, hashSecret(input.code))).get();
      if (used) revokeTokensOfCode(app, used.id);
      return invalidGrant('The code is unknown or was already used.');
    }
    if (row.expiresAt.getTime() <= now.getTime()) return invalidGrant('The code expired (codes last ten minutes).');
    if (row.clientId !== input.clientId) return invalidGrant('The code was given to another client_id.');
    if (row.redirectUri !== input.redirectUri) return invalidGrant('The redirect_uri is not the one the code was given for.');
    if (s256(input.codeVerifier) !== row.codeChallenge) return invalidGrant('The code_verifier does not match the code_challenge.');
    const user = app.db.select().from(users).where(eq(users.id, row.userId)).get();
    if (!user) return invalidGrant('The account no longer exists.');
    const eligible = mayUseIndieAuth(app, user);
    if (!eligible.ok) return { ok: false, status: 403, error: 'access_denied', message: eligible.message };

    const me = profileUrl(app, user.handle);
    const body: Record<string, unknown> = { me };
    if (hasScope(row.scope, 'profile')) body.profile = { name: user.name, url: me };
    if (options.forToken && row.scope.trim() !== '') {
      // Only the scopes other than `profile` need a token; a profile-only grant still gets one, as the spec allows.
      const { token, row: tokenRow } = issueToken(app, {
        userId: user.id,
        clientId: row.clientId,
        clientName: row.clientName,
        scope: row.scope,
        days: APP_TOKEN_DAYS,
        via: 'app',
        codeId: row.id,
      });
      Object.assign(body, {
        access_token: token,
        token_type: 'Bearer',
        scope: row.scope,
        expires_in: Math.round((tokenRow.expiresAt.getTime() - now.getTime()) / 1000),
      });
    }
    return { ok: true, body };
  });
}
