/**
 * Which pieces of a showcase its readers will not see, and how to say so. Pure, and free of other imports than the
 * visibility rule, so the showcase editor's script can use it too.
 *
 * A showcase's pieces follow the listing rule (`listedVisibilities`): the readers of a public or unlisted showcase
 * are the public, who are listed only public work; the readers of a class-members showcase are hub-mates, who are
 * listed public and class-members work. A piece outside that is left out of the page they read.
 */
import { listedVisibilities, type Relation, type Visibility } from './visibility.ts';

/** Who reads a showcase of this visibility, as the listing rule sees them. */
export function showcaseReaders(visibility: Visibility): Relation {
  if (visibility === 'private') return 'owner';
  return visibility === 'members' ? 'member' : 'public';
}

/** Whether a piece of `pieceVisibility` is left out of what the readers of a `showcaseVisibility` showcase see. */
export function isLeftOut(showcaseVisibility: Visibility, pieceVisibility: Visibility): boolean {
  return !listedVisibilities(showcaseReaders(showcaseVisibility)).includes(pieceVisibility);
}

const WHO_SEES: Record<Visibility, string> = {
  private: 'it is visible only to you',
  members: 'it is visible only to class members',
  unlisted: 'unlisted work is never listed',
  public: 'it is visible to everyone',
};

// "2 visible only to you": the reasons as they read after a count.
const COUNTED: Record<'private' | 'members' | 'unlisted', string> = {
  private: 'visible only to you',
  members: 'visible only to class members',
  unlisted: 'unlisted (never listed)',
};

const PAGE: Record<Relation, string> = {
  owner: 'your own view',
  member: 'the page class members see',
  public: 'the public page',
};

/** The note beside a piece in the editor ("Left out of the public page: it is visible only to you."), or null. */
export function leftOutNote(showcaseVisibility: Visibility, pieceVisibility: Visibility): string | null {
  if (!isLeftOut(showcaseVisibility, pieceVisibility)) return null;
  return `Left out of ${PAGE[showcaseReaders(showcaseVisibility)]}: ${WHO_SEES[pieceVisibility]}.`;
}

/**
 * After a save: how many of the chosen pieces the readers will not see, and why, in one sentence; null when they
 * see them all. "2 of 5 pieces are left out of the public page: 1 visible only to you, 1 visible only to class members."
 */
export function leftOutSummary(showcaseVisibility: Visibility, pieceVisibilities: Visibility[]): string | null {
  const out = pieceVisibilities.filter((v) => isLeftOut(showcaseVisibility, v));
  if (out.length === 0) return null;
  const reasons = (['private', 'members', 'unlisted'] as const)
    .map((v) => ({ v, n: out.filter((x) => x === v).length }))
    .filter((r) => r.n > 0)
    .map(({ v, n }) => `${n} ${COUNTED[v]}`);
  const verb = out.length === 1 ? 'is' : 'are';
  const pieces = pieceVisibilities.length === 1 ? 'piece' : 'pieces';
  return `${out.length} of ${pieceVisibilities.length} ${pieces} ${verb} left out of ${PAGE[showcaseReaders(showcaseVisibility)]}: ${reasons.join(', ')}. Change who can see a piece in its editor to include it.`;
}
