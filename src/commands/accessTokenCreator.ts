/**
 * `potluck token create`: an access token for a member's own scripts (Micropub with curl, a backup job), shown once
 * and stored as its SHA-256. The same rules as an app's token: the scopes Potluck knows, and only for someone the
 * school lets use apps.
 */
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { PotluckError, invalid, issuesFromZod } from '../core/errors.ts';
import type { AppContext } from '../server/context.ts';
import { users, type AccessToken } from '../server/db/schema.ts';
import { inTransaction } from '../server/db/tx.ts';
import { mayUseIndieAuth } from '../server/indieauth/eligibility.ts';
import { SCOPE_NAMES, parseScopes } from '../server/indieauth/scopes.ts';
import { issueToken } from '../server/indieauth/tokens.ts';

export const TOKEN_DEFAULT_DAYS = 90;
export const TOKEN_MAX_DAYS = 366;

const inputSchema = z.object({
  handle: z
    .string()
    .trim()
    .transform((v) => v.replace(/^@/, '').toLowerCase())
    .refine((v) => /^[a-z0-9][a-z0-9-]{0,39}$/.test(v), 'A handle has only letters, digits and hyphens, e.g. maya.'),
  scope: z.string().trim().min(1, `Name at least one scope: ${SCOPE_NAMES.join(', ')}.`),
  days: z.number().int().min(1).max(TOKEN_MAX_DAYS).default(TOKEN_DEFAULT_DAYS),
});

export function createAccessToken(app: AppContext, input: z.input<typeof inputSchema>): { token: string; row: AccessToken; handle: string } {
  const parsed = inputSchema.safeParse(input);
  if (!parsed.success) throw invalid(issuesFromZod(parsed.error));
  const { handle, scope, days } = parsed.data;
  const unknown = scope.split(/\s+/).filter((w) => w !== 'post' && !(SCOPE_NAMES as string[]).includes(w));
  if (unknown.length) {
    throw invalid([{ field: 'scope', message: `Unknown scope ${unknown.map((u) => `“${u}”`).join(', ')}. Use ${SCOPE_NAMES.join(', ')}.` }]);
  }
  const user = app.db.select().from(users).where(eq(users.handle, handle)).get();
  if (!user) throw new PotluckError('NOT_FOUND', `No account has the handle "${handle}".`);
  const eligible = mayUseIndieAuth(app, user);
  if (!eligible.ok) throw new PotluckError('POLICY', `@${handle} may not use apps: ${eligible.message}`);
  const scopes = parseScopes(scope).join(' ');
  return inTransaction(app, () => ({
    ...issueToken(app, { userId: user.id, clientId: 'cli', clientName: 'Script (potluck token create)', scope: scopes, days, via: 'cli' }),
    handle,
  }));
}
