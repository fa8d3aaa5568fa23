/**
 * A member answers an app's request on the consent page: approving makes a single-use code (ten minutes, stored as
 * its SHA-256) bound to the client, the redirect URL, the PKCE challenge and the scopes chosen; denying only records
 * that it happened. Guardians, disabled accounts and students the school's age rule leaves out are refused.
 */
import { lt } from 'drizzle-orm';
import { PotluckError } from '../core/errors.ts';
import type { AppContext } from '../server/context.ts';
import { indieauthCodes } from '../server/db/schema.ts';
import { inTransaction } from '../server/db/tx.ts';
import { recordAudit } from '../server/audit/auditLog.ts';
import type { AuthorizationRequest } from '../server/indieauth/authorization.ts';
import { mayUseIndieAuth } from '../server/indieauth/eligibility.ts';
import type { Scope } from '../server/indieauth/scopes.ts';
import { hashSecret, newSecret } from '../server/indieauth/secrets.ts';

export const CODE_LIFETIME_MS = 10 * 60 * 1000;

/** Refuses (403) a person who may not use apps. */
export function assertMayUseIndieAuth(app: AppContext, user: { id: string }): void {
  const eligible = mayUseIndieAuth(app, user);
  if (!eligible.ok) throw new PotluckError('POLICY', eligible.message);
}

/** Approves with the scopes the member kept (a subset of those asked for); returns the code for the redirect. */
export function approveAuthorization(
  app: AppContext,
  props: { user: { id: string }; request: AuthorizationRequest; clientName: string; scopes: Scope[] },
): string {
  assertMayUseIndieAuth(app, props.user);
  const scopes = props.scopes.filter((s) => props.request.scopes.includes(s));
  const code = newSecret();
  const now = app.now();
  inTransaction(app, () => {
    // Codes are worth nothing after ten minutes; those a day past that go, so the table stays small.
    app.db.delete(indieauthCodes).where(lt(indieauthCodes.expiresAt, new Date(now.getTime() - 24 * 60 * 60 * 1000))).run();
    app.db
      .insert(indieauthCodes)
      .values({
        id: app.newId(),
        codeHash: hashSecret(code),
        userId: props.user.id,
        clientId: props.request.clientId,
        clientName: props.clientName,
        redirectUri: props.request.redirectUri,
        scope: scopes.join(' '),
        codeChallenge: props.request.codeChallenge,
        createdAt: now,
        expiresAt: new Date(now.getTime() + CODE_LIFETIME_MS),
      })
      .run();
    recordAudit(app, {
      action: 'indieauth.authorized',
      actor: { id: props.user.id },
      subject: { type: 'app', id: props.request.clientId },
      subjectUser: { id: props.user.id },
      details: { client: props.request.clientId, scope: scopes.join(' ') },
    });
  });
  return code;
}

/** Records that the member said no. */
export function denyAuthorization(app: AppContext, props: { user: { id: string }; request: AuthorizationRequest }): void {
  recordAudit(app, {
    action: 'indieauth.denied',
    actor: { id: props.user.id },
    subject: { type: 'app', id: props.request.clientId },
    subjectUser: { id: props.user.id },
    details: { client: props.request.clientId },
  });
}
