/** The scopes an app may ask for, each with the sentence the consent page shows a student. Pure. */

export const SCOPES = {
  profile: 'See your name and portfolio address.',
  create: 'Write new pieces in your portfolio, with pictures from addresses the app names (they go in your Media library). They get your school’s usual visibility (Class members, unless your school chose otherwise), never Public unless you can publish publicly and the app asks for it.',
  update: 'Read and change the pieces in your portfolio (title, text, tags), drafts included. It can make a piece more private, never more widely seen. Every change is kept as a revision you can restore.',
  delete: 'Delete pieces from your portfolio. An app that can also undelete can bring them back.',
  undelete: 'Bring back pieces it deleted.',
  media: 'Upload pictures and files to your Media library (pictures lose their location and camera details).',
} as const;

export type Scope = keyof typeof SCOPES;
export const SCOPE_NAMES = Object.keys(SCOPES) as Scope[];

/** The scopes of a space-separated list Potluck knows, without repeats (unknown ones are dropped, as OAuth allows). */
export function parseScopes(text: string | null | undefined): Scope[] {
  const out: Scope[] = [];
  for (const word of (text ?? '').split(/\s+/)) {
    // `post` is the old Micropub name of `create`.
    const name = word === 'post' ? 'create' : word;
    if ((SCOPE_NAMES as string[]).includes(name) && !out.includes(name as Scope)) out.push(name as Scope);
  }
  return out;
}

/** Whether a granted scope list allows `needed`. */
export function hasScope(granted: string, needed: Scope): boolean {
  return parseScopes(granted).includes(needed);
}
