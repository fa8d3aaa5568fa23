/**
 * Who may do what, decided in one place (in the style of Outline's server/policies). Pure: the facts a decision
 * needs (roles, memberships and how they were made, ownership, consents, school policy) are loaded by
 * src/server/policyFacts.ts and passed in; `authorize` answers yes or no.
 */

/** How a hub membership was made. Only `invited` (a teacher's invitation not yet accepted) grants nothing. */
export const HUB_ENROLMENTS = ['owner', 'join_code', 'admin', 'invitation_accepted', 'invited'] as const;
export type HubEnrolment = (typeof HUB_ENROLMENTS)[number];

/**
 * Whether a membership made this way counts for access (class-only work, rivers, "My students", progress, search):
 * the student made it (join code, accepted invitation), an admin did (a roster), or the teacher created the hub.
 */
export function enrolmentGrantsAccess(enrolment: HubEnrolment): boolean {
  return enrolment !== 'invited';
}

/**
 * How a membership made by `adder` starts: an admin (or the operator at a shell, null) enrols directly, as a roster;
 * anyone else only invites, and the invitee decides.
 */
export function enrolmentByAdder(adder: { role: 'student' | 'teacher' | 'admin' } | null): 'admin' | 'invited' {
  return adder === null || adder.role === 'admin' ? 'admin' : 'invited';
}
