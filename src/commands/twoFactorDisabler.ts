/**
 * Turning two-factor sign-in off: the password and a current code (or a recovery code) are both needed, so a
 * borrowed signed-in laptop is not enough. Refused for staff when the school requires two-factor.
 */
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { PotluckError, invalid, issuesFromZod } from '../core/errors.ts';
import { recordAudit } from '../server/audit/auditLog.ts';
import { verifyOwnCredentials } from '../server/auth/reauth.ts';
import { hasTwoFactor, twoFactorRequired } from '../server/auth/twoFactor.ts';
import type { AppContext } from '../server/context.ts';
import { recoveryCodes, twoFactor, type Role } from '../server/db/schema.ts';
import { inTransaction } from '../server/db/tx.ts';

export const disableTwoFactorSchema = z.object({
  password: z.string({ error: 'Enter your password.' }).min(1, 'Enter your password.').max(1000),
  code: z.string({ error: 'Enter a code from your app.' }).trim().min(1, 'Enter a code from your app (or a recovery code).').max(40),
});

/** Removes the key and the recovery codes after checking password and code. */
export async function disableTwoFactor(
  app: AppContext,
  props: { user: { id: string; handle: string; role: Role }; password: string; code: string; address?: string },
): Promise<void> {
  const parsed = disableTwoFactorSchema.safeParse(props);
  if (!parsed.success) throw invalid(issuesFromZod(parsed.error));
  if (!hasTwoFactor(app, props.user.id)) throw new PotluckError('CONFLICT', 'Two-factor sign-in is not on for your account.');
  if (twoFactorRequired(app, props.user.role)) {
    throw new PotluckError(
      'POLICY',
      'Your school requires two-factor sign-in for teachers and admins, so it cannot be turned off. If you lost your phone, sign in with a recovery code and set it up again, or ask an admin.',
    );
  }
  await verifyOwnCredentials(app, props.user.id, { ...parsed.data, address: props.address });
  inTransaction(app, () => {
    app.db.delete(twoFactor).where(eq(twoFactor.userId, props.user.id)).run();
    app.db.delete(recoveryCodes).where(eq(recoveryCodes.userId, props.user.id)).run();
    recordAudit(app, {
      action: '2fa.disabled',
      actor: { id: props.user.id, handle: props.user.handle },
      subject: { type: 'user', id: props.user.id },
      subjectUser: { id: props.user.id, handle: props.user.handle },
      address: props.address ?? null,
    });
  });
}
