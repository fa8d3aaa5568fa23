/**
 * The one place that decides who may read a piece of work (DESIGN.md, "Visibility"). Pure: callers supply the
 * facts (who is asking, who owns it, whether they share a hub) and get a yes or no.
 */
export const VISIBILITIES = ['private', 'members', 'unlisted', 'public'] as const;
export type Visibility = (typeof VISIBILITIES)[number];

export interface Viewer {
  id: string;
  role: 'student' | 'teacher' | 'admin' | 'guardian';
}

export interface ReadFacts {
  visibility: Visibility;
  ownerId: string;
  /**
   * Whether the viewer and the owner belong to a common hub (as teacher or member, by consented enrolment), or the
   * viewer is the owner's guardian: the people class-only work is for.
   */
  sharesHub: boolean;
}

/** May this viewer (null: the public) read a work with these facts? */
export function canRead(viewer: Viewer | null, facts: ReadFacts): boolean {
  if (viewer && viewer.id === facts.ownerId) return true;
  switch (facts.visibility) {
    case 'public':
    case 'unlisted':
      return true;
    case 'members':
      return viewer !== null && facts.sharesHub;
    case 'private':
      return false;
  }
}

/** May it be listed (index pages, feeds, sitemap, public hub river) for the public? Only public work. */
export function isListedPublicly(visibility: Visibility): boolean {
  return visibility === 'public';
}

/** May it be listed for a signed-in viewer who shares a hub (members-only views)? */
export function isListedForMembers(visibility: Visibility): boolean {
  return visibility === 'public' || visibility === 'members';
}

/** Only the owner edits or deletes their work — not teachers, not admins (DESIGN.md principle 1). */
export function canEdit(viewer: Viewer | null, ownerId: string): boolean {
  return viewer !== null && viewer.id === ownerId;
}

/** Pages of work that is not public are never indexed. */
export function shouldNoindex(visibility: Visibility, portfolioNoindex: boolean): boolean {
  return portfolioNoindex || visibility !== 'public';
}

/** How a viewer stands to the owner of a portfolio: the one fact that decides what is listed for them. */
export type Relation = 'owner' | 'member' | 'public';

/**
 * The visibilities listed (index, tags, archive, showcases) for a viewer with this relation: the owner sees all of
 * their work; hub-mates see public and members work; everyone else only public work. Unlisted work is reachable by
 * its address but listed only for its owner.
 */
export function listedVisibilities(relation: Relation): Visibility[] {
  if (relation === 'owner') return [...VISIBILITIES];
  return VISIBILITIES.filter((v) => (relation === 'member' ? isListedForMembers(v) : isListedPublicly(v)));
}
