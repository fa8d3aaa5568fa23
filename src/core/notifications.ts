/**
 * What Potluck tells people: every notification kind, what it means in words, and who may receive it. Pure: storing
 * and sending live in src/server/notifications. Kind names are permanent (feeds, preferences and tests use them).
 */
export const NOTIFICATION_KINDS = {
  'feedback.new': 'New feedback or a reply in a feedback thread',
  'status.changed': 'A teacher marked a piece reviewed, needing revision, or resubmitted',
  'hub.invited': 'An invitation to a course hub',
  'item.hidden': 'A teacher hid a piece from a hub',
  'item.shown': 'A hidden piece is back in a hub',
  'assignment.due': 'An assignment is due in 2 days and has nothing from you yet',
  'source.failing': 'A feed of your hub keeps failing',
  'member.joined': 'A new member joined your hub',
  'reviewer.invited': 'A classmate asked you to review a piece',
  'hub.held': 'Posts on your hub’s hashtags wait for your approval',
  'mention.new': 'Another site replied to, liked or mentioned a public piece (waiting for your approval)',
} as const;
export type NotificationKind = keyof typeof NOTIFICATION_KINDS;

/** The kinds a guardian may choose to receive about their children (never a hub's own business). */
export const GUARDIAN_KINDS = ['feedback.new', 'status.changed', 'item.hidden', 'item.shown', 'assignment.due'] as const satisfies readonly NotificationKind[];

export const EMAIL_MODES = ['immediate', 'digest', 'off'] as const;
export type EmailMode = (typeof EMAIL_MODES)[number];

/** The review statuses of a contribution, in words. */
export const CONTRIBUTION_STATUSES = {
  reviewed: 'Reviewed',
  needs_revision: 'Needs revision',
  resubmitted: 'Resubmitted',
} as const;
export type ContributionStatusName = keyof typeof CONTRIBUTION_STATUSES;

/**
 * Whether an hour (0–23) falls in quiet hours from `start` to `end` (end excluded; a span may cross midnight, 22 to 7).
 * No quiet hours when either is null or both are equal.
 */
export function inQuietHours(hour: number, start: number | null, end: number | null): boolean {
  if (start === null || end === null || start === end) return false;
  return start < end ? hour >= start && hour < end : hour >= start || hour < end;
}

/**
 * The email mode that applies: a student under the school's age (or whose birth year is unknown) gets a digest at
 * most, whatever they chose.
 */
export function effectiveEmailMode(
  chosen: EmailMode,
  person: { role: string; birthYear: number | null },
  school: { digestOnlyUnderAge: number },
  now: Date,
): EmailMode {
  if (chosen !== 'immediate' || person.role !== 'student') return chosen;
  const age = person.birthYear === null ? null : now.getUTCFullYear() - person.birthYear;
  return age === null || age < school.digestOnlyUnderAge ? 'digest' : 'immediate';
}
