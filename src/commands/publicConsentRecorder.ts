/**
 * Recording (or withdrawing) a student's consent to publish publicly, which a school's policy may require before
 * any of their work is public (account/consent). Withdrawing changes no work that is already public.
 */
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { invalid } from '../core/errors.ts';
import type { SessionUser } from '../server/auth/sessions.ts';
import type { AppContext } from '../server/context.ts';
import { recordAudit } from '../server/audit/auditLog.ts';
import { users } from '../server/db/schema.ts';
import { inTransaction } from '../server/db/tx.ts';

/** The consent form: "give" needs the box ticked; "withdraw" needs nothing else. */
export const publicConsentFormSchema = z.object({
  intent: z.enum(['give', 'withdraw']),
  agree: z.literal('on').optional(),
});

/** Gives or withdraws the signed-in person's own consent; returns when it is recorded (null once withdrawn). */
export function recordPublicConsent(app: AppContext, props: { user: Pick<SessionUser, 'id' | 'handle'>; form: unknown }): { consentAt: Date | null } {
  const parsed = publicConsentFormSchema.safeParse(props.form);
  if (!parsed.success || (parsed.data.intent === 'give' && parsed.data.agree !== 'on')) {
    throw invalid([{ field: 'agree', message: 'Tick the box to agree, then press the button.' }], 'Tick the box to agree, then press the button.');
  }
  const give = parsed.data.intent === 'give';
  const consentAt = give ? app.now() : null;
  return inTransaction(app, () => {
    app.db.update(users).set({ publicConsentAt: consentAt }).where(eq(users.id, props.user.id)).run();
    recordAudit(app, {
      action: give ? 'account.consent_given' : 'account.consent_withdrawn',
      actor: props.user,
      subject: { type: 'user', id: props.user.id },
      subjectUser: props.user,
    });
    return { consentAt };
  });
}
