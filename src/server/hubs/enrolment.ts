/**
 * Consented enrolment in SQL: the one condition every query that reads hub memberships for access adds, so that a
 * membership a teacher made alone (an invitation not yet accepted) never shows a student's work to anyone.
 */
import { ne, type SQL } from 'drizzle-orm';
import { hubMembers } from '../db/schema.ts';

/** Rows of `hub_members` that count for access: every enrolment but an open invitation (core/policy.ts). */
export function consentedMembership(): SQL {
  return ne(hubMembers.enrolment, 'invited');
}
