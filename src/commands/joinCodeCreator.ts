/**
 * Issues a join code: the code decides the new account's role and, optionally, a hub it joins. Admins (and the
 * shell, `createdBy: null`) may issue any role; teachers only student codes, and only for hubs they teach, and
 * guardian codes for students they teach. A guardian code names the student the new guardian is linked to (and
 * never a hub: guardians are not hub members); no other code names a student.
 */
import { eq } from 'drizzle-orm';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { JOIN_CODE_ALPHABET, formatJoinCode, handleSchema, roleSchema } from '../core/accounts.ts';
import { PotluckError, forbidden, invalid, issuesFromZod } from '../core/errors.ts';
import { authorize } from '../core/policy.ts';
import { joinCodeSubject } from '../server/policyFacts.ts';
import type { AppContext } from '../server/context.ts';
import { recordAudit } from '../server/audit/auditLog.ts';
import { hubs, joinCodes, users } from '../server/db/schema.ts';
import { inTransaction } from '../server/db/tx.ts';

const DAY = 24 * 60 * 60 * 1000;
export const JOIN_CODE_DEFAULT_DAYS = 30;
export const JOIN_CODE_MAX_DAYS = 365;

export const newJoinCodeSchema = z.object({
  role: roleSchema,
  /** Who issues it; null for the instance operator at a shell. */
  createdBy: z.string().min(1).nullable(),
  hubId: z.string().min(1).optional(),
  /** For a guardian code: the student's handle (the shell and the forms) or id. */
  studentHandle: handleSchema.optional(),
  studentId: z.string().min(1).optional(),
  maxUses: z
    .number({ error: 'Uses must be a whole number.' })
    .int('Uses must be a whole number.')
    .min(1, 'A code needs at least 1 use.')
    .max(10_000, 'A code can have at most 10,000 uses.')
    .optional(),
  expiresAt: z.date().optional(),
  /** Days until it expires, counted from now (instead of `expiresAt`). */
  days: z
    .number({ error: 'Days must be a whole number.' })
    .int('Days must be a whole number.')
    .min(1, 'A code must last at least 1 day.')
    .max(JOIN_CODE_MAX_DAYS, `A code can last at most ${JOIN_CODE_MAX_DAYS} days.`)
    .optional(),
});

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

/** The "create a join code" form of the admin and teacher pages (strings in, createJoinCode props out). */
export const joinCodeFormSchema = z.object({
  role: roleSchema.default('student'),
  hubId: z.preprocess(blankToUndefined, z.string().min(1).optional()),
  studentHandle: z.preprocess((v) => (typeof v === 'string' ? blankToUndefined(v.trim().replace(/^@/, '').toLowerCase()) : v), handleSchema.optional()),
  maxUses: z.preprocess(blankToUndefined, z.coerce.number({ error: 'Uses must be a whole number.' }).pipe(newJoinCodeSchema.shape.maxUses.unwrap()).optional()),
  days: z.preprocess(blankToUndefined, z.coerce.number({ error: 'Days must be a whole number.' }).pipe(newJoinCodeSchema.shape.days.unwrap()).optional()),
});
export type NewJoinCode = z.input<typeof newJoinCodeSchema>;
export type JoinCode = typeof joinCodes.$inferSelect;

/** A fresh random code, XXXX-XXXX-XXXX over a 32-letter alphabet (60 bits; 256 % 32 == 0, so no modulo bias). */
export function generateJoinCode(): string {
  const chars = [...randomBytes(12)].map((b) => JOIN_CODE_ALPHABET[b & 31]).join('');
  return formatJoinCode(chars);
}

const studentProblem = (message: string) => invalid([{ field: 'studentHandle', message }]);

/**
 * The student a guardian code links to (by handle or id), checked: an active student account. Null for every other
 * role, which must not name one.
 */
function guardianCodeStudent(app: AppContext, data: z.output<typeof newJoinCodeSchema>): string | null {
  const named = data.studentHandle !== undefined || data.studentId !== undefined;
  if (data.role !== 'guardian') {
    if (named) throw studentProblem(`Only guardian codes name a student; a ${data.role} code is for anyone who gets it. Leave the student empty.`);
    return null;
  }
  if (!named) throw studentProblem('A guardian code names the student the family is linked to: give the student’s handle.');
  if (data.hubId) throw invalid([{ field: 'hubId', message: 'Guardians do not join course hubs: leave the hub empty for a guardian code.' }]);
  const student = app.db
    .select({ id: users.id, role: users.role, disabledAt: users.disabledAt })
    .from(users)
    .where(data.studentId !== undefined ? eq(users.id, data.studentId) : eq(users.handle, data.studentHandle!))
    .get();
  const who = data.studentHandle ? `@${data.studentHandle}` : 'That account';
  if (!student) throw studentProblem(`${who === 'That account' ? 'That account does not exist' : `No account has the handle ${who}`}. Check the spelling.`);
  if (student.role !== 'student') throw studentProblem(`${who} is not a student: guardian codes link a family to a student.`);
  if (student.disabledAt) throw studentProblem(`${who} is disabled. Enable the account first.`);
  return student.id;
}

/** Validates, authorizes and stores a new join code; returns it (the `code` field is what people type). */
export function createJoinCode(app: AppContext, props: NewJoinCode): JoinCode {
  const parsed = newJoinCodeSchema.safeParse(props);
  if (!parsed.success) throw invalid(issuesFromZod(parsed.error));
  const data = parsed.data;
  const now = app.now();
  const studentId = guardianCodeStudent(app, data);

  if (data.createdBy !== null) {
    const creator = app.db
      .select({ role: users.role, disabledAt: users.disabledAt })
      .from(users)
      .where(eq(users.id, data.createdBy))
      .get();
    if (!creator || creator.disabledAt) throw forbidden('Only active teachers and admins can create join codes.');
    const actor = { id: data.createdBy, role: creator.role };
    authorize(actor, 'create', joinCodeSubject(app, actor, { role: data.role, hubId: data.hubId ?? null, createdBy: data.createdBy, studentId }));
  }
  if (data.hubId && !app.db.select({ id: hubs.id }).from(hubs).where(eq(hubs.id, data.hubId)).get()) {
    throw invalid([{ field: 'hubId', message: 'That hub does not exist. Pick one of the listed hubs.' }]);
  }

  const expiresAt = data.expiresAt ?? new Date(now.getTime() + (data.days ?? JOIN_CODE_DEFAULT_DAYS) * DAY);
  if (expiresAt.getTime() <= now.getTime()) {
    throw invalid([{ field: 'expiresAt', message: 'The code would expire before anyone could use it; pick a later date.' }]);
  }
  if (expiresAt.getTime() > now.getTime() + JOIN_CODE_MAX_DAYS * DAY) {
    throw invalid([{ field: 'expiresAt', message: `A code can last at most ${JOIN_CODE_MAX_DAYS} days.` }]);
  }
  // Codes that make staff accounts are single-use unless asked otherwise: a leaked one should do little harm.
  const maxUses = data.maxUses ?? (data.role === 'student' ? null : 1);

  for (let attempt = 0; attempt < 5; attempt++) {
    const code = generateJoinCode();
    const inserted = inTransaction(app, () => {
      const row = app.db
        .insert(joinCodes)
        .values({ code, role: data.role, hubId: data.hubId ?? null, studentId, createdBy: data.createdBy, createdAt: now, expiresAt, maxUses })
        .onConflictDoNothing()
        .returning()
        .get();
      // The code itself lets people sign up: the log names it by its last four characters only.
      if (row) recordAudit(app, { action: 'joincode.created', actor: data.createdBy ? { id: data.createdBy } : null, subject: { type: 'joincode', id: `…${row.code.slice(-4)}` }, details: { role: row.role, hubId: row.hubId, studentId: row.studentId, maxUses, expiresAt }, ...(studentId ? { subjectUser: { id: studentId } } : {}) });
      return row;
    });
    if (inserted) return inserted;
  }
  // 60 random bits colliding five times in a row means the random source is broken.
  throw new PotluckError('CONFLICT', 'Could not find an unused join code; try again.');
}
