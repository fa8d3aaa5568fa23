/**
 * Saving how someone wants to hear about notifications: email mode, quiet hours, and for guardians which kinds they
 * receive about their children. A student under the school's age may choose "immediate": it is kept and applies once
 * they are old enough, digests until then (core/notifications.ts effectiveEmailMode).
 */
import { z } from 'zod';
import { invalid, issuesFromZod } from '../core/errors.ts';
import { EMAIL_MODES, GUARDIAN_KINDS } from '../core/notifications.ts';
import type { Viewer } from '../core/visibility.ts';
import type { AppContext } from '../server/context.ts';
import { notificationPrefs } from '../server/db/schema.ts';
import { inTransaction } from '../server/db/tx.ts';
import { ensurePrefs } from '../server/notifications/inbox.ts';
import { eq } from 'drizzle-orm';

const hour = z
  .union([z.literal(''), z.null(), z.coerce.number().int().min(0, 'Choose an hour from 0 to 23.').max(23, 'Choose an hour from 0 to 23.')])
  .optional()
  .transform((v) => (v === '' || v === null || v === undefined ? null : v));

export const notificationPrefsSchema = z
  .object({
    email: z.enum(EMAIL_MODES, { error: 'Choose immediate, a daily digest, or no email.' }),
    quietStart: hour,
    quietEnd: hour,
    guardianKinds: z.array(z.enum(GUARDIAN_KINDS, { error: 'Choose from the kinds listed.' })).default([]),
  })
  .superRefine((v, ctx) => {
    if ((v.quietStart === null) !== (v.quietEnd === null)) {
      ctx.addIssue({ code: 'custom', path: [v.quietStart === null ? 'quietStart' : 'quietEnd'], message: 'Choose both the start and the end of quiet hours, or neither.' });
    }
  });
export type NotificationPrefsInput = z.input<typeof notificationPrefsSchema>;

/** Saves the actor's settings; a guardian's kinds only count for guardians. */
export function saveNotificationPrefs(app: AppContext, props: { actor: Viewer; input: NotificationPrefsInput }): void {
  const parsed = notificationPrefsSchema.safeParse(props.input);
  if (!parsed.success) throw invalid(issuesFromZod(parsed.error));
  const data = parsed.data;
  inTransaction(app, () => {
    ensurePrefs(app, props.actor.id);
    app.db
      .update(notificationPrefs)
      .set({
        email: data.email,
        quietStart: data.quietStart,
        quietEnd: data.quietEnd,
        ...(props.actor.role === 'guardian' ? { guardianKinds: [...new Set(data.guardianKinds)] } : {}),
      })
      .where(eq(notificationPrefs.userId, props.actor.id))
      .run();
  });
}
