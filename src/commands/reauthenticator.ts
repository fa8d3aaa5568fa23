/**
 * Re-authentication on a signed-in session: the password (and the two-factor code when it is on) again, which
 * admin actions against other people's accounts need within the last ten minutes.
 */
import { z } from 'zod';
import { invalid, issuesFromZod } from '../core/errors.ts';
import { verifyOwnCredentials } from '../server/auth/reauth.ts';
import type { AppContext } from '../server/context.ts';
import { sessions } from '../server/db/schema.ts';
import { eq } from 'drizzle-orm';

export const reauthSchema = z.object({
  password: z.string({ error: 'Enter your password.' }).min(1, 'Enter your password.').max(1000),
  code: z.string().trim().max(40).optional(),
});

/** Checks the credentials and marks the session as just re-authenticated. */
export async function reauthenticate(
  app: AppContext,
  props: { userId: string; sessionId: string; password: string; code?: string; address?: string },
): Promise<void> {
  const parsed = reauthSchema.safeParse(props);
  if (!parsed.success) throw invalid(issuesFromZod(parsed.error));
  await verifyOwnCredentials(app, props.userId, { ...parsed.data, address: props.address });
  app.db.update(sessions).set({ reauthenticatedAt: app.now() }).where(eq(sessions.id, props.sessionId)).run();
}
