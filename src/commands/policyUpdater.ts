/**
 * An admin changes the school policy (/admin/policy): the visibility of new work, whether going public needs
 * recorded consent, the school's name, two-factor sign-in for staff, whether guardians read feedback, whether
 * students may invite peer reviewers, whether Webmentions need a teacher's approval, the age under which students get email as a daily digest only, and the age under which students may not use apps (IndieAuth). Admins only (core/policy.ts); the change and
 * its audit event are one write (server/policy.ts).
 */
import { z } from 'zod';
import { authorize, type Actor } from '../core/policy.ts';
import { VISIBILITIES } from '../core/visibility.ts';
import type { AppContext } from '../server/context.ts';
import { setPolicy, type Policy } from '../server/policy.ts';
import { schoolSubject } from '../server/policyFacts.ts';

/** The policy form as it is posted: checkboxes are `on` or absent. */
export const policyFormSchema = z.object({
  defaultVisibility: z.enum(VISIBILITIES, { error: 'Choose a default visibility.' }),
  publicRequiresConsent: z.literal('on').optional(),
  schoolName: z.string().trim().max(200, 'Keep the school name under 200 characters.').default(''),
  staffTwoFactor: z.literal('on').optional(),
  guardiansSeeFeedback: z.literal('on').optional(),
  peerReview: z.literal('on').optional(),
  mentionsNeedTeacher: z.literal('on').optional(),
  /** Empty keeps the current setting (a form from before the field existed). */
  digestOnlyUnderAge: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
    z.coerce
      .number({ error: 'Type an age in whole years, e.g. 18.' })
      .int('Type an age in whole years, e.g. 18.')
      .min(0, 'Type an age from 0 (no student gets digests only for their age) to 30.')
      .max(30, 'Type an age from 0 (no student gets digests only for their age) to 30.')
      .optional(),
  ),
  /** Empty keeps the current setting, as for the digest age. */
  indieAuthUnderAge: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
    z.coerce
      .number({ error: 'Type an age in whole years, e.g. 13.' })
      .int('Type an age in whole years, e.g. 13.')
      .min(0, 'Type an age from 0 (every student may use apps) to 30.')
      .max(30, 'Type an age from 0 (every student may use apps) to 30.')
      .optional(),
  ),
});
export type PolicyForm = z.infer<typeof policyFormSchema>;

/** Saves the posted policy for `actor` (null: the operator at a shell); returns it as stored. */
export function updatePolicy(app: AppContext, props: { actor: (Actor & { handle?: string }) | null; input: PolicyForm }): Policy {
  if (props.actor) authorize(props.actor, 'administer', schoolSubject);
  const { input } = props;
  return setPolicy(
    app,
    {
      defaultVisibility: input.defaultVisibility,
      publicRequiresConsent: input.publicRequiresConsent === 'on',
      schoolName: input.schoolName,
      staffTwoFactor: input.staffTwoFactor === 'on',
      guardiansSeeFeedback: input.guardiansSeeFeedback === 'on',
      peerReview: input.peerReview === 'on',
      mentionsNeedTeacher: input.mentionsNeedTeacher === 'on',
      ...(input.digestOnlyUnderAge !== undefined ? { digestOnlyUnderAge: input.digestOnlyUnderAge } : {}),
      ...(input.indieAuthUnderAge !== undefined ? { indieAuthUnderAge: input.indieAuthUnderAge } : {}),
    },
    { actor: props.actor },
  );
}
