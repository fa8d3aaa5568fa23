/**
 * The audit log's vocabulary: every event name Potluck records, what each means in words an admin reads, and the
 * filters the admin page and `potluck audit` share. Pure: the writing and reading live in src/server/audit.
 */
import { z } from 'zod';

/** Every event name, with the sentence the admin page shows beside it. Names are permanent: scripts filter on them. */
export const AUDIT_ACTIONS = {
  // Signing in and account security (recorded by the sign-in code).
  'signin.succeeded': 'Signed in',
  'signin.failed': 'Sign-in failed (wrong handle or password)',
  'signin.locked': 'Sign-in refused: too many failures',
  'session.revoked': 'A session was ended',
  'password.changed': 'Password changed by its owner',
  'password.reset': 'Password reset by an admin',
  '2fa.enabled': 'Two-factor sign-in turned on',
  '2fa.disabled': 'Two-factor sign-in turned off',
  '2fa.recovery_used': 'A recovery code was used to sign in',
  // Accounts and roles.
  'account.created': 'Account created',
  'account.disabled': 'Account disabled',
  'account.enabled': 'Account enabled again',
  'account.deleted': 'Account deleted',
  'account.consent_given': 'Consent to publish publicly recorded',
  'account.consent_withdrawn': 'Consent to publish publicly withdrawn',
  'notifications.feed_reset': 'Private notifications feed address reset',
  // Join codes and enrolment.
  'joincode.created': 'Join code created',
  'joincode.revoked': 'Join code revoked',
  'hub.member.invited': 'Invited to a hub',
  'hub.invitation.accepted': 'Accepted a hub invitation',
  'hub.invitation.declined': 'Declined a hub invitation',
  'hub.member.added': 'Joined a hub (join code or roster)',
  'hub.member.removed': 'Removed from a hub, or left it',
  'hub.deleted': 'Hub deleted',
  // Hashtags from the fediverse: who let strangers' posts in, and whose accounts skip approval.
  'hub.post_approved': 'A teacher approved a post held from a hub’s hashtag',
  'hub.post_rejected': 'A teacher rejected a post held from a hub’s hashtag',
  'hub.account_marked': 'A fediverse account was marked as a hub member’s (its posts skip approval)',
  'hub.account_unmarked': 'A fediverse account is no longer marked as a hub member’s',
  // Families.
  'guardian.linked': 'A guardian was linked to a student (guardian join code)',
  'guardian.unlinked': 'A guardian’s link to a student was removed',
  // The instance.
  'policy.changed': 'School policy changed',
  'audit.retention_changed': 'Audit log retention changed',
  'audit.pruned': 'Old audit events removed',
  // A student's work leaving the instance, or going.
  'export.archive': 'Whole archive exported',
  'export.site': 'Public site downloaded as static files',
  'publish.github': 'Site published to GitHub Pages',
  'artifact.deleted': 'Artifact deleted',
  'showcase.deleted': 'Showcase deleted',
  // Feedback threads and review statuses (what was said stays out of the log).
  'feedback.deleted': 'A feedback message was deleted by its author',
  'feedback.reviewer_invited': 'A peer reviewer was invited to a piece',
  'feedback.reviewer_removed': 'A peer reviewer was removed from a piece',
  'contribution.status_changed': 'A teacher set a contribution’s review status',
  // Apps (IndieAuth and Micropub).
  'indieauth.authorized': 'An app was authorized to use the portfolio (IndieAuth)',
  'indieauth.denied': 'An app’s request was denied',
  'token.created': 'An access token was issued for an app or script',
  'token.revoked': 'An app’s access token was revoked',
  // Webmentions a student receives.
  'mention.domain_blocked': 'A student blocked Webmentions from a domain',
  'mention.domain_unblocked': 'A student unblocked Webmentions from a domain',
  // Refused requests.
  'access.refused': 'Refused: not allowed (403)',
  'access.cross_site': 'Refused: a form sent from another website',
  'websub.delivery.rejected': 'Refused: a WebSub delivery with a missing or forged signature',
} as const;

/** One event name. */
export type AuditAction = keyof typeof AUDIT_ACTIONS;

/** The event names in a stable order (for the filter menu and tests). */
export const AUDIT_ACTION_NAMES = Object.keys(AUDIT_ACTIONS) as AuditAction[];

/** The words for an event name; an unknown one (written by a newer Potluck) is shown as it is. */
export function describeAuditAction(action: string): string {
  return (AUDIT_ACTIONS as Record<string, string>)[action] ?? action;
}

/** How long events are kept unless an admin chooses otherwise. */
export const DEFAULT_AUDIT_RETENTION_DAYS = 365;

/** The retention setting: whole days, at least one month (ASVS asks for logs long enough to investigate). */
export const auditRetentionDaysSchema = z.coerce
  .number({ error: 'Type the number of days to keep audit events, e.g. 365.' })
  .int('Type a whole number of days, e.g. 365.')
  .min(30, 'Keep audit events for at least 30 days, so that there is time to look into what happened.')
  .max(3650, 'Keep audit events for at most 3,650 days (ten years).');

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A day (YYYY-MM-DD, UTC) or a full ISO time; returns the instant, or null when it is neither. */
export function parseAuditDate(value: string): Date | null {
  const text = value.trim();
  if (!DATE.test(text) && !/^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:?\d{2})?$/.test(text)) return null;
  const date = new Date(DATE.test(text) ? `${text}T00:00:00Z` : text);
  if (Number.isNaN(date.getTime())) return null;
  // new Date() rolls 2026-02-31 over to March; a day that does not exist is a typo, not a date.
  if (DATE.test(text) && date.toISOString().slice(0, 10) !== text) return null;
  return date;
}

const optionalText = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v ? v : undefined));

const dateField = (label: string) =>
  optionalText.superRefine((value, ctx) => {
    if (value !== undefined && !parseAuditDate(value)) {
      ctx.addIssue({ code: 'custom', message: `${label} must be a date like 2026-09-01 (or a time like 2026-09-01T08:00:00Z).` });
    }
  });

/**
 * What to show: events since and until a day (until is inclusive of that whole day), about a handle (as actor or as
 * the person concerned), of an action (a full name, or a prefix such as `signin` for every `signin.*`).
 */
export const auditFilterSchema = z.object({
  since: dateField('"since"'),
  until: dateField('"until"'),
  handle: optionalText
    .transform((v) => v?.replace(/^@/, '').toLowerCase())
    .refine((v) => v === undefined || /^[a-z0-9][a-z0-9-]{0,39}$/.test(v), 'A handle has only letters, digits and hyphens, e.g. maya.'),
  action: optionalText.refine(
    (v) => v === undefined || /^[a-z0-9_]+(\.[a-z0-9_]+)*$/.test(v),
    'An action is an event name such as signin.failed, or its first part such as signin.',
  ),
});
export type AuditFilterInput = z.input<typeof auditFilterSchema>;
export type AuditFilter = z.output<typeof auditFilterSchema>;

/** The time range a filter asks for: `until` names a day, so it runs to the end of that day. */
export function auditFilterRange(filter: AuditFilter): { from: Date | null; to: Date | null } {
  const from = filter.since ? parseAuditDate(filter.since) : null;
  let to = filter.until ? parseAuditDate(filter.until) : null;
  if (to && filter.until && DATE.test(filter.until)) to = new Date(to.getTime() + 24 * 60 * 60 * 1000 - 1);
  return { from, to };
}
