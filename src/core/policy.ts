/**
 * Who may do what, decided in one place (in the style of Outline's server/policies). Pure: the facts a decision
 * needs (roles, memberships and how they were made, ownership, consents, school policy) are loaded by
 * src/server/policyFacts.ts and passed in as the subject; `can` answers yes or no, `authorize` throws the error a
 * page or command answers with (404 where the thing must not be known to exist, 403 where it may be seen but not
 * done). Reading a piece of work is the rule in core/visibility.ts, which this module applies.
 */
import { PotluckError, forbidden, notFound } from './errors.ts';
import { canEdit, canRead, type Visibility } from './visibility.ts';

/** Someone signed in. Anonymous readers are `null`; the operator at a shell is never authorized (commands skip it). */
export interface Actor {
  id: string;
  role: 'student' | 'teacher' | 'admin' | 'guardian';
}

/** How the actor stands to a hub: their consented role in it (an open invitation counts as none). */
export type HubStanding = 'teacher' | 'student' | null;

/** What a decision is about, with the facts it needs. */
export type Subject =
  /** A piece of work, a showcase, a revision or a media file of one owner. */
  | { type: 'work'; ownerId: string; visibility: Visibility; sharesClass: boolean }
  /** A course hub, and how the actor stands to it. */
  | { type: 'hub'; ownerId: string | null; visibility: 'public' | 'members'; standing: HubStanding }
  /** The school as a whole: pages and jobs that are not about one thing. */
  | { type: 'school' }
  /** Making a student's work (or showcase) public, under the school's consent rule. */
  | { type: 'publicSharing'; ownerId: string; publicRequiresConsent: boolean; consentedAt: Date | null }
  /** Another account, for admin actions. */
  | { type: 'account'; id: string; role: Actor['role'] }
  /**
   * A join code: the role it gives, whether the actor teaches its hub, who made it; for a guardian code, whether the
   * actor teaches the student it links to.
   */
  | { type: 'joinCode'; role: Actor['role']; hubId: string | null; teachesHub: boolean; createdBy: string | null; teachesStudent?: boolean }
  /**
   * The feedback thread on a piece of work, and how the actor stands to it: whether they may read the piece, teach
   * the owner (in a hub both are in by consent), were invited to review it, are the owner's guardian; and the
   * school's rules for guardians and peer review.
   */
  | {
      type: 'feedback';
      ownerId: string;
      readsWork: boolean;
      teaches: boolean;
      reviewer: boolean;
      guardian: boolean;
      guardiansSeeFeedback: boolean;
      peerReview: boolean;
    };

/** The actions each kind of subject has. */
export interface Actions {
  work: 'read' | 'edit';
  hub: 'read' | 'readMembersWork' | 'manage' | 'delete' | 'leave' | 'addSource';
  school: 'createHub' | 'teach' | 'administer';
  publicSharing: 'publish';
  account: 'disable' | 'resetPassword' | 'delete';
  joinCode: 'create' | 'revoke';
  feedback: 'read' | 'write' | 'inviteReviewer';
}

type SubjectOf<T extends Subject['type']> = Extract<Subject, { type: T }>;

/** A decision: allowed, or refused with how (hidden: the same 404 as missing; forbidden: 403 with a reason). */
export type Decision = { allowed: true } | { allowed: false; as: 'hidden' | 'forbidden' | 'policy'; message: string };

const allow: Decision = { allowed: true };
const hide = (what: string): Decision => ({ allowed: false, as: 'hidden', message: what });
const refuse = (message: string): Decision => ({ allowed: false, as: 'forbidden', message });

const isStaff = (actor: Actor | null) => actor !== null && (actor.role === 'teacher' || actor.role === 'admin');
const isAdmin = (actor: Actor | null) => actor?.role === 'admin';

const rules: { [T in Subject['type']]: (actor: Actor | null, action: Actions[T], subject: SubjectOf<T>) => Decision } = {
  work(actor, action, s) {
    const readable = canRead(actor, { visibility: s.visibility, ownerId: s.ownerId, sharesHub: s.sharesClass });
    if (action === 'read') return readable ? allow : hide('That page');
    // Only the owner changes their work (DESIGN.md principle 1); a reader who is not is told so, anyone else 404.
    if (canEdit(actor, s.ownerId)) return allow;
    return readable && actor !== null ? refuse('Only its owner can change this work. You can read it, not edit it.') : hide('That page');
  },
  hub(actor, action, s) {
    const teaches = actor !== null && (s.standing === 'teacher' || s.ownerId === actor.id);
    const manages = teaches || isAdmin(actor);
    const sees = s.visibility === 'public' || s.standing !== null || manages;
    if (!sees) return hide('That hub');
    switch (action) {
      case 'read':
        return allow;
      case 'readMembersWork':
        // Members work is shown to signed-in members of a members-only hub; a public hub never shows it, to anyone.
        return s.visibility === 'members' && s.standing !== null ? allow : refuse('This hub shows only public work to you.');
      case 'manage':
        return manages ? allow : refuse('Only the teachers of this hub can change it. Students add their own blogs on the Sources page.');
      case 'delete':
        if (!manages) return refuse('Only the teachers of this hub can change it. Students add their own blogs on the Sources page.');
        return isAdmin(actor) || (actor !== null && s.ownerId === actor.id)
          ? allow
          : refuse('Only the hub’s owner (or an admin) can delete it. Ask them, or leave the hub instead.');
      case 'addSource':
        // Teachers add anyone's feed; a member adds their own blog (the command checks whose).
        return manages || s.standing !== null ? allow : refuse('Join the hub first: its members add their blogs here.');
      case 'leave':
        if (actor !== null && s.ownerId === actor.id) return refuse('You own this hub, so you cannot leave it. Delete it from its Settings page when the course is over.');
        return s.standing !== null ? allow : hide('That hub');
    }
  },
  school(actor, action) {
    if (actor === null) return hide('That page');
    switch (action) {
      case 'createHub':
        return isStaff(actor) ? allow : refuse('Only teachers and admins can create course hubs.');
      case 'teach':
        return isStaff(actor) ? allow : refuse('Only teachers have this page.');
      case 'administer':
        return isAdmin(actor) ? allow : refuse('Only an admin can do this.');
    }
  },
  publicSharing(actor, _action, s) {
    if (!canEdit(actor, s.ownerId)) return hide('That page');
    if (s.publicRequiresConsent && s.consentedAt === null) {
      return {
        allowed: false,
        as: 'policy',
        message: 'Your school asks for consent before work is public. Record it on your Account page (with a parent or guardian if you are under 18), or choose another visibility.',
      };
    }
    return allow;
  },
  account(actor, action, s) {
    if (action === 'delete' && actor !== null && actor.id === s.id) return allow;
    if (!isAdmin(actor)) {
      if (action === 'delete') return refuse('Only the owner of an account, or an admin at their request, can delete it.');
      return refuse(action === 'disable' ? 'Only admins can disable or enable accounts.' : 'Only admins can reset other people’s passwords.');
    }
    if (action === 'disable' && actor!.id === s.id) return refuse('You cannot disable your own account: nobody would be left to enable it. Ask another admin.');
    return allow;
  },
  joinCode(actor, action, s) {
    if (action === 'create') {
      if (!isStaff(actor)) return refuse('Only teachers and admins can create join codes.');
      if (isAdmin(actor)) return allow;
      if (s.role === 'guardian') {
        return s.teachesStudent ? allow : refuse('You can create guardian codes only for students in a hub you teach.');
      }
      if (s.role !== 'student') return refuse(`Teachers can create join codes for students and guardians only; ${s.role} codes come from an admin.`);
      if (s.hubId !== null && !s.teachesHub) return refuse('You can create join codes only for hubs you teach.');
      return allow;
    }
    if (isAdmin(actor)) return allow;
    if (actor?.role === 'teacher' && s.createdBy === actor.id) return allow;
    return actor?.role === 'teacher' ? refuse('You can revoke only join codes you created.') : hide('That join code');
  },
  feedback(actor, action, s) {
    const owner = actor !== null && actor.id === s.ownerId;
    const writer = owner || ((s.teaches || s.reviewer) && s.readsWork);
    // A guardian reads the feedback on the work they may read (never on a private piece), where the school allows.
    const familyReader = s.guardian && s.guardiansSeeFeedback && s.readsWork;
    switch (action) {
      case 'read':
        if (writer || familyReader) return allow;
        return hide('That page');
      case 'write':
        if (writer) return allow;
        if (familyReader) return refuse('Guardians can read feedback, not write it. Talk with your child or their teacher.');
        return hide('That page');
      case 'inviteReviewer':
        if (!owner) return writer ? refuse('Only the student whose work this is can invite reviewers.') : hide('That page');
        if (!s.peerReview) return { allowed: false, as: 'forbidden', message: 'Your school has not turned on peer review, so only your teachers give feedback.' };
        return allow;
    }
  },
};

/** The decision, with its reason, for `actor` (null: someone not signed in) doing `action` to `subject`. */
export function decide<T extends Subject['type']>(actor: Actor | null, action: Actions[T], subject: SubjectOf<T>): Decision {
  return (rules[subject.type] as (a: Actor | null, x: Actions[T], s: SubjectOf<T>) => Decision)(actor, action, subject);
}

/** May `actor` do `action` to `subject`? */
export function can<T extends Subject['type']>(actor: Actor | null, action: Actions[T], subject: SubjectOf<T>): boolean {
  return decide(actor, action, subject).allowed;
}

/**
 * Throws the error to answer with unless `actor` may do `action` to `subject` (404 hidden, 403 forbidden or policy).
 * `refusal` words a 403 for the place it happens ("choose a hub"), when the rule's own words would not say what to do.
 */
export function authorize<T extends Subject['type']>(actor: Actor | null, action: Actions[T], subject: SubjectOf<T>, refusal?: string): void {
  const decision = decide(actor, action, subject);
  if (decision.allowed) return;
  if (decision.as === 'hidden') throw notFound(decision.message);
  if (decision.as === 'forbidden' && refusal) throw forbidden(refusal);
  if (decision.as === 'policy') {
    throw new PotluckError('POLICY', decision.message, { issues: [{ field: 'visibility', message: 'Public needs recorded consent first (see your Account page).' }] });
  }
  throw forbidden(decision.message);
}

/**
 * The visibilities a hub's river (and the lists and search built on it) shows: public work to everyone; members
 * work too, but only in a members-only hub and only to its signed-in members; never on a hub's feeds, which anyone
 * can fetch. The progress page counts members work for those who share the class with its students (its teachers,
 * in a public hub too), never for an admin who manages the hub without being in it. The members' view of the river
 * (`members`) is the river as its teachers see it: their students' class-only work too, in a public hub as well;
 * anyone else gets the plain river. The one statement of "which visibilities a hub shows".
 */
export function hubShows(
  hub: { visibility: 'public' | 'members' },
  standing: HubStanding,
  channel: 'river' | 'members' | 'feed' | 'progress' = 'river',
): Visibility[] {
  if (channel === 'progress') return standing !== null ? ['public', 'members'] : ['public'];
  if (channel === 'members') return standing === 'teacher' ? ['public', 'members'] : hubShows(hub, standing, 'river');
  return channel === 'river' && hub.visibility === 'members' && standing !== null ? ['public', 'members'] : ['public'];
}

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
export function enrolmentByAdder(adder: { role: 'student' | 'teacher' | 'admin' | 'guardian' } | null): 'admin' | 'invited' {
  return adder === null || adder.role === 'admin' ? 'admin' : 'invited';
}

/** One hub whose members may read a student's class-only work, as "Who can see this" names it. */
export interface ClassReaders {
  title: string;
  /** Names of the hub's teachers (consented members, the student excluded). */
  teachers: string[];
  /** How many other students of the hub can read it. */
  classmates: number;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/**
 * "Who can see this" for a piece of work, today: the hubs and people class-only work reaches (only hubs the student
 * joined, accepted or was rostered into), or who else a visibility means.
 */
export function describeReaders(visibility: 'private' | 'members' | 'unlisted' | 'public', classes: ClassReaders[]): string {
  switch (visibility) {
    case 'private':
      return 'Only you.';
    case 'unlisted':
      return 'Anyone with the link; it is listed nowhere.';
    case 'public':
      return 'Anyone: it is on your site, in your feeds and in the public rivers of your hubs.';
    case 'members': {
      if (classes.length === 0) return 'Only you for now: you are in no course hub, so there are no class members to see it.';
      const parts = classes.map((c) => {
        const people = [
          ...(c.teachers.length <= 2 ? c.teachers : [...c.teachers.slice(0, 2), plural(c.teachers.length - 2, 'other teacher', 'other teachers')]),
          ...(c.classmates > 0 ? [plural(c.classmates, 'classmate', 'classmates')] : []),
        ];
        const list = people.length > 1 ? `${people.slice(0, -1).join(', ')} and ${people.at(-1)}` : (people[0] ?? 'nobody else yet');
        return `${c.title} (${list})`;
      });
      return `Class members: ${parts.join('; ')}.`;
    }
  }
}
