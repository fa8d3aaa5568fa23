/**
 * Password rules that need no dictionary (OWASP ASVS V6): a password must not contain the person's own handle,
 * name, email name or the school's name — the first words anyone who knows them would try.
 */

/** What a password may not contain; empty or missing ones are skipped. */
export interface PersonalWords {
  handle?: string | null;
  name?: string | null;
  email?: string | null;
  schoolName?: string | null;
}

/** Lower case, accents and everything but letters and digits dropped: "Maya-Okafor!" and "mayaokafor" compare equal. */
export function foldForComparison(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '');
}

// Shorter parts ("Li", "Al") are too common inside good passphrases to refuse them.
const MIN_PART = 3;

function parts(text: string | null | undefined): string[] {
  if (!text) return [];
  const words = text.split(/[\s._@-]+/).map(foldForComparison).filter((w) => w.length >= MIN_PART);
  const whole = foldForComparison(text);
  return [...new Set(whole.length >= MIN_PART ? [whole, ...words] : words)];
}

/** Which personal word the password contains, as "your handle" / "your name" / …, or null. */
export function personalWordIn(password: string, words: PersonalWords): string | null {
  const folded = foldForComparison(password);
  if (!folded) return null;
  const checks: [string, string[]][] = [
    ['your handle', parts(words.handle)],
    ['your name', parts(words.name)],
    ['your email address', parts(words.email?.split('@')[0])],
    ["your school's name", parts(words.schoolName).filter((w) => w.length >= 4)],
  ];
  for (const [label, list] of checks) if (list.some((w) => folded.includes(w))) return label;
  return null;
}
