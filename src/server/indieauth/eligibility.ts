/**
 * Who may use IndieAuth and Micropub: never a guardian account (it writes no work) or a disabled one; a student only
 * when the school's age rule allows (policy `indieAuthUnderAge`; a student whose birth year is not recorded counts as
 * younger, as for the digest-only email rule). Checked when an app asks, when it exchanges its code, and on every
 * request with a token, so a change of policy stops existing tokens at once.
 */
import { eq } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { users, type User } from '../db/schema.ts';
import { getPolicy } from '../policy.ts';

export type Eligibility = { ok: true } | { ok: false; message: string };

/** Pure: the rule itself. */
export function indieAuthEligibility(
  person: { role: string; birthYear: number | null; disabledAt: Date | null },
  school: { indieAuthUnderAge: number },
  now: Date,
): Eligibility {
  if (person.disabledAt) return { ok: false, message: 'This account is disabled.' };
  if (person.role === 'guardian') {
    return { ok: false, message: 'A guardian account does not write work, so it cannot sign in to apps or other sites with a portfolio address.' };
  }
  if (person.role === 'student' && school.indieAuthUnderAge > 0) {
    const age = person.birthYear === null ? null : now.getUTCFullYear() - person.birthYear;
    if (age === null || age < school.indieAuthUnderAge) {
      return {
        ok: false,
        message: `Your school lets students use apps and sign in to other sites with their portfolio from the age of ${school.indieAuthUnderAge}${age === null ? ' (your school has not recorded your age)' : ''}. Ask your teacher if you think this is wrong.`,
      };
    }
  }
  return { ok: true };
}

/** The rule for a stored account, with today's policy. */
export function mayUseIndieAuth(app: AppContext, user: Pick<User, 'id'>): Eligibility {
  const person = app.db
    .select({ role: users.role, birthYear: users.birthYear, disabledAt: users.disabledAt })
    .from(users)
    .where(eq(users.id, user.id))
    .get();
  if (!person) return { ok: false, message: 'That account does not exist.' };
  return indieAuthEligibility(person, getPolicy(app), app.now());
}
