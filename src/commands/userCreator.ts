/** Creates an account. Used by the admin CLI, sign-up with a join code, archive import and the demo loader. */
import { randomBytes } from 'node:crypto';
import { eq, or } from 'drizzle-orm';
import { z } from 'zod';
import { PotluckError, invalid, issuesFromZod } from '../core/errors.ts';
import { emailSchema, handleSchema, nameSchema, passwordSchema, roleSchema } from '../core/accounts.ts';
import type { AppContext } from '../server/context.ts';
import { hashPassword } from '../server/auth/passwords.ts';
import { assertStrongPassword } from '../server/auth/passwordStrength.ts';
import { recordAudit } from '../server/audit/auditLog.ts';
import { users, type User } from '../server/db/schema.ts';
import { inTransaction } from '../server/db/tx.ts';

export const newUserSchema = z.object({
  id: z.string().min(1).optional(),
  handle: handleSchema,
  name: nameSchema,
  role: roleSchema,
  email: emailSchema.optional(),
  /** Omit to create an account that cannot sign in until a password is set (imports). */
  password: passwordSchema.optional(),
  bio: z.string().max(2000, 'Keep the bio under 2,000 characters.').default(''),
  links: z
    .array(z.object({ label: z.string().trim().min(1).max(100), url: z.url({ protocol: /^https?$/ }) }))
    .max(20)
    .default([]),
  /** For students, when the school records it (email rules by age); unknown counts as under age. */
  birthYear: z
    .number({ error: 'The birth year must be a year, like 2011.' })
    .int('The birth year must be a year, like 2011.')
    .min(1900, 'The birth year must be a year, like 2011.')
    .max(2100, 'The birth year must be a year, like 2011.')
    .optional(),
});
export type NewUser = z.input<typeof newUserSchema>;

/** A random password that is easy to read aloud and type: four groups of five letters/digits (~100 bits). */
export function generatePassword(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  const bytes = randomBytes(20);
  const chars = [...bytes].map((b) => alphabet[b % alphabet.length]);
  return [0, 5, 10, 15].map((i) => chars.slice(i, i + 5).join('')).join('-');
}

/** A validated account with its password already hashed: ready to insert inside a transaction. */
export interface PreparedUser {
  data: z.output<typeof newUserSchema>;
  passwordHash: string | null;
}

/** Validates input and hashes the password (the slow, asynchronous half of creating an account). */
export async function prepareNewUser(input: NewUser): Promise<PreparedUser> {
  const parsed = newUserSchema.safeParse(input);
  if (!parsed.success) throw invalid(issuesFromZod(parsed.error));
  const data = parsed.data;
  return { data, passwordHash: data.password ? await hashPassword(data.password) : null };
}

/**
 * Stores a prepared account; synchronous so that it can run inside `inTransaction` with other writes (sign-up with
 * a join code). A taken handle or email is a CONFLICT naming the field.
 */
export function insertUser(app: AppContext, prepared: PreparedUser): User {
  const { data, passwordHash } = prepared;
  const clash = app.db
    .select({ handle: users.handle, email: users.email })
    .from(users)
    .where(data.email ? or(eq(users.handle, data.handle), eq(users.email, data.email)) : eq(users.handle, data.handle))
    .get();
  if (clash) {
    const field = clash.handle === data.handle ? 'handle' : 'email';
    throw new PotluckError('CONFLICT', `That ${field} is already taken; choose another.`, {
      issues: [{ field, message: `That ${field} is already taken; choose another.` }],
    });
  }
  const user = {
    id: data.id ?? app.newId(),
    handle: data.handle,
    name: data.name,
    role: data.role,
    email: data.email ?? null,
    passwordHash,
    bio: data.bio,
    links: data.links,
    birthYear: data.birthYear ?? null,
    createdAt: app.now(),
  };
  return inTransaction(app, () => {
    const row = app.db.insert(users).values(user).returning().get();
    recordAudit(app, { action: 'account.created', subject: { type: 'user', id: row.id }, subjectUser: row, details: { role: row.role } });
    return row;
  });
}

/**
 * Validates and stores a new account; a taken handle or email is a CONFLICT naming the field. With `strongPassword`
 * (a password a person chose: `potluck user add`), a common or personal password is refused too; imports and the
 * demo school keep the passwords they bring.
 */
export async function createUser(app: AppContext, input: NewUser, options: { strongPassword?: boolean } = {}): Promise<User> {
  if (options.strongPassword && typeof input.password === 'string') {
    await assertStrongPassword(app, input.password, { handle: input.handle, name: input.name, email: input.email });
  }
  return insertUser(app, await prepareNewUser(input));
}
