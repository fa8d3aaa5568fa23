/**
 * Slugs: the last part of an artifact's or showcase's address (`/@maya/my-first-poem/`) and its folder name in an
 * archive. ASCII only so that they survive every file system, zip tool and URL bar a student's work will meet.
 */

/** Longest slug, in characters. */
export const maxSlugLength = 80;

/** Words that are paths under `/@handle/`, so never an artifact or showcase slug. */
export const reservedSlugs: ReadonlySet<string> = new Set([
  'tags', 'feed', 'media', 'showcases', 'collections', 'archive', 'page', 'site', 'revisions',
  // Top-level folders of the static export, beside the pages.
  'styles', 'favicon',
]);

// Letters that NFKD does not split into a base letter plus a mark, folded the way people spell them in ASCII.
const foldings: Record<string, string> = {
  ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', đ: 'd', ð: 'd', þ: 'th', ł: 'l', ı: 'i', ŀ: 'l', ħ: 'h', ŧ: 't',
};

/** Turns a title into a slug: lowercase ASCII, diacritics folded, words joined by '-', at most 80 characters. */
export function slugify(title: string): string {
  const folded = title
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[ßæœøđðþłıŀħŧ]/g, (c) => foldings[c] ?? c)
    .replace(/['’]/g, '');
  let slug = folded.replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  if (slug.length > maxSlugLength) {
    slug = slug.slice(0, maxSlugLength);
    // Cut at a word boundary when there is one, so a long title does not end in half a word.
    const lastHyphen = slug.lastIndexOf('-');
    if (lastHyphen > maxSlugLength / 2) slug = slug.slice(0, lastHyphen);
    slug = slug.replace(/-+$/, '');
  }
  // A title of only symbols or non-Latin script leaves nothing: the student can rename it; the address still works.
  if (slug === '') return 'untitled';
  return reservedSlugs.has(slug) ? `${slug}-1` : slug;
}

/** Whether a string may be used as a slug as it is (what an archive folder name must be). */
export function isSafeSlug(slug: string): boolean {
  return (
    slug.length > 0 &&
    slug.length <= maxSlugLength &&
    /^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(slug) &&
    !reservedSlugs.has(slug)
  );
}
