/** Rules for accounts: handles, names, emails and passwords, as zod schemas shared by forms, CLI and imports. */
import { z } from 'zod';

export const ROLES = ['student', 'teacher', 'admin', 'guardian'] as const;
export type Role = (typeof ROLES)[number];

/** Words that are paths of the site, so never a handle. */
const RESERVED = new Set([
  'admin', 'api', 'account', 'workspace', 'hubs', 'hub', 'media', 'signin', 'signup', 'signout', 'styles', 'static',
  'healthz', 'readyz', 'robots', 'sitemap', 'feed', 'potluck', 'root', 'system', 'help', 'about', 'settings', 'new', 'edit',
]);

export const handleSchema = z
  .string({ error: 'Enter a handle.' })
  .trim()
  .toLowerCase()
  .min(3, 'A handle needs at least 3 characters.')
  .max(30, 'A handle can have at most 30 characters.')
  .regex(/^[a-z][a-z0-9_-]*$/, 'A handle starts with a letter and uses only a–z, 0–9, "-" and "_".')
  .refine((h) => !RESERVED.has(h), 'That handle is reserved; choose another.');

export const nameSchema = z.string().trim().min(1, 'Enter a name.').max(100, 'Keep the name under 100 characters.');

export const emailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(254, 'That email address is too long.')
  .pipe(z.email({ error: 'Enter an email address like name@school.org.' }));

/** At least 8 characters (NIST SP 800-63B, ASVS V6: length over composition rules), at most 200; server/auth/passwordStrength.ts adds the dictionary checks. */
export const passwordSchema = z
  .string({ error: 'Enter a password.' })
  .min(8, 'Use at least 8 characters for the password (a short sentence works well).')
  .max(200, 'Passwords can have at most 200 characters.');

export const roleSchema = z.enum(ROLES, { error: 'Role must be student, teacher, admin or guardian.' });

/**
 * Join codes are read aloud and copied from a board: Crockford's base32 alphabet (no I, L, O, U), three groups of
 * four, 12 × 5 = 60 random bits. Typed input is forgiving: case, spaces, dashes, and O/I/L for 0/1/1.
 */
export const JOIN_CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const JOIN_CODE_LENGTH = 12;

/** Formats 12 alphabet characters as XXXX-XXXX-XXXX (the stored and printed form). */
export function formatJoinCode(chars: string): string {
  return [0, 4, 8].map((i) => chars.slice(i, i + 4)).join('-');
}

/** Canonical form of a typed join code, or null when it cannot be one. */
export function normalizeJoinCode(input: string): string | null {
  const chars = input
    .toUpperCase()
    .replace(/[\s-]+/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
  if (chars.length !== JOIN_CODE_LENGTH) return null;
  for (const c of chars) if (!JOIN_CODE_ALPHABET.includes(c)) return null;
  return formatJoinCode(chars);
}

export const joinCodeInputSchema = z
  .string({ error: 'Enter the join code your teacher gave you.' })
  .trim()
  .min(1, 'Enter the join code your teacher gave you.')
  .transform((value, ctx) => {
    const code = normalizeJoinCode(value);
    if (!code) {
      ctx.addIssue({ code: 'custom', message: 'A join code looks like ABCD-EFGH-JKMN (12 letters and digits). Check it and try again.' });
      return z.NEVER;
    }
    return code;
  });

/** Sign-in identifies a person by handle or email, typed in any case. */
export const loginSchema = z
  .string({ error: 'Enter your handle or email.' })
  .trim()
  .toLowerCase()
  .min(1, 'Enter your handle or email.')
  .max(254, 'That is too long to be a handle or email.');

/** Where someone lands after signing in when no `next` says otherwise: teachers on their hubs, guardians on /family, others their workspace. */
export function landingPath(role: Role): string {
  if (role === 'teacher') return '/workspace/teaching';
  return role === 'guardian' ? '/family' : '/workspace';
}

/**
 * Where to go after signing in: only a path on this site. `//evil.example`, `/\evil.example`, absolute URLs and
 * anything with control characters fall back, so a link to the sign-in page cannot send someone elsewhere.
 */
export function safeNextPath(next: string | null | undefined, fallback = '/workspace'): string {
  if (!next || next.length > 2000) return fallback;
  if (!next.startsWith('/') || next.startsWith('//') || next.includes('\\')) return fallback;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(next)) return fallback;
  try {
    const base = 'http://potluck.invalid';
    const url = new URL(next, base);
    if (url.origin !== base) return fallback;
    return url.pathname + url.search + url.hash;
  } catch {
    return fallback;
  }
}

export type JoinCodeState = 'active' | 'revoked' | 'expired' | 'used-up';

/** Whether a join code can still be used at `now`, and if not, why. */
export function joinCodeState(
  code: { revokedAt: Date | null; expiresAt: Date | null; maxUses: number | null; uses: number },
  now: Date,
): JoinCodeState {
  if (code.revokedAt) return 'revoked';
  if (code.expiresAt && code.expiresAt.getTime() <= now.getTime()) return 'expired';
  if (code.maxUses !== null && code.uses >= code.maxUses) return 'used-up';
  return 'active';
}
