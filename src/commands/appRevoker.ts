/** A member revokes an app's access from /account/apps: the token stops working at once. Only their own tokens. */
import { and, eq, isNull } from 'drizzle-orm';
import { notFound } from '../core/errors.ts';
import type { AppContext } from '../server/context.ts';
import { accessTokens } from '../server/db/schema.ts';
import { inTransaction } from '../server/db/tx.ts';
import { recordAudit } from '../server/audit/auditLog.ts';

export function revokeApp(app: AppContext, props: { userId: string; tokenId: string }): void {
  inTransaction(app, () => {
    const row = app.db
      .update(accessTokens)
      .set({ revokedAt: app.now() })
      .where(and(eq(accessTokens.id, props.tokenId), eq(accessTokens.userId, props.userId), isNull(accessTokens.revokedAt)))
      .returning()
      .get();
    // Someone else's token, or one already revoked, is the same "not found".
    if (!row) throw notFound('That app');
    recordAudit(app, {
      action: 'token.revoked',
      actor: { id: props.userId },
      subject: { type: 'access_token', id: row.id },
      subjectUser: { id: props.userId },
      details: { client: row.clientId, by: 'owner' },
    });
  });
}
