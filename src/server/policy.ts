/** Instance policy set by an admin: the default visibility of new work and whether going public needs recorded consent. */
import { z } from 'zod';
import { VISIBILITIES } from '../core/visibility.ts';
import type { AppContext } from './context.ts';
import { remembered } from './db/changes.ts';
import { prepared } from './db/prepared.ts';
import { recordAudit, type AuditPerson } from './audit/auditLog.ts';
import { settings } from './db/schema.ts';
import { inTransaction } from './db/tx.ts';

export const policySchema = z.object({
  defaultVisibility: z.enum(VISIBILITIES).default('members'),
  /** When true, a student must record consent (theirs or a guardian's) before any work is public. */
  publicRequiresConsent: z.boolean().default(false),
  /** The school's name: passwords that contain it are refused (it is the first word an attacker tries). */
  schoolName: z.string().trim().max(200, 'Keep the school name under 200 characters.').default(''),
  /** When true, teachers and admins must use two-factor sign-in; students may always choose it. */
  staffTwoFactor: z.boolean().default(false),
  /** When true, a student's guardians read the feedback on their work (never write it). */
  guardiansSeeFeedback: z.boolean().default(false),
  /** When true, students may invite hub-mates to review a piece in its feedback thread. */
  peerReview: z.boolean().default(false),
  /** Students younger than this get email as a daily digest only (and those whose birth year is not recorded). */
  digestOnlyUnderAge: z.number().int().min(0).max(30).default(18),
  /**
   * Students younger than this may not sign in to other sites or use apps with their portfolio address (IndieAuth
   * and Micropub); those whose birth year is not recorded count as younger. 0: no student is refused for age.
   */
  indieAuthUnderAge: z.number().int().min(0).max(30).default(0),
  /** When true, a Webmention shows under a student's piece only after a teacher of theirs approved it too. */
  mentionsNeedTeacher: z.boolean().default(false),
});
export type Policy = z.infer<typeof policySchema>;

const KEY = 'policy';

/** The current policy, with minor-safe defaults for anything never set. */
export function getPolicy(app: AppContext): Policy {
  // Read on every check of feedback and sharing: remembered until the database changes (db/changes.ts). After a
  // change (any write, mostly not to the policy), the stored text is read again, and parsed only when it differs.
  return remembered(app.db, 'policy', () => {
    const statement = prepared(app.db, 'policy.stored', (db) =>
      db.$client.prepare<[string], string>('select value from settings where key = ?').pluck(),
    );
    const stored = statement.get(KEY) ?? null;
    const last = parsedPolicies.get(app.db);
    if (last && last.stored === stored) return last.policy;
    let value: unknown = {};
    try {
      value = stored === null ? {} : JSON.parse(stored);
    } catch {
      // Unreadable text is treated as no setting at all: the minor-safe defaults.
    }
    const parsed = policySchema.safeParse(value);
    // Shared by every caller until the next change, so no caller may change it.
    const policy = Object.freeze(parsed.success ? parsed.data : policySchema.parse({}));
    parsedPolicies.set(app.db, { stored, policy });
    return policy;
  });
}

// The policy last parsed on each database, with the stored text it came from.
const parsedPolicies = new WeakMap<AppContext['db'], { stored: string | null; policy: Policy }>();

/** Changes the policy: the settings given replace the current ones, the others stay as they are. */
export function setPolicy(app: AppContext, policy: Partial<Policy>, options: { actor?: AuditPerson | null } = {}): Policy {
  return inTransaction(app, () => {
    const before = getPolicy(app);
    const value = policySchema.parse({ ...before, ...policy });
    app.db
      .insert(settings)
      .values({ key: KEY, value })
      .onConflictDoUpdate({ target: settings.key, set: { value } })
      .run();
    // The audit log says which settings changed, from what to what.
    const changed = Object.fromEntries(
      (Object.keys(value) as (keyof Policy)[]).filter((k) => before[k] !== value[k]).map((k) => [k, { from: before[k], to: value[k] }]),
    );
    if (Object.keys(changed).length) recordAudit(app, { action: 'policy.changed', actor: options.actor ?? null, subject: { type: 'policy' }, details: changed });
    return value;
  });
}
