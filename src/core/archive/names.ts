/**
 * Names inside an archive, so that it unpacks on every computer a graduate will meet: Windows refuses `<>:"/\|?*`,
 * names ending in a dot or a space and device names (CON, NUL, COM1…, with any extension); macOS and Windows
 * fold case, so two names differing only in case are one file there; old tools cut long paths. Pure.
 */

/** Windows device names: a file or folder may not be called this, whatever its extension. */
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;
/** Characters Windows refuses in a name, and the control characters no file system wants. */
const FORBIDDEN_CHARS = /[<>:"/\\|?*\u0000-\u001f\u007f]/;

/** Longest name written for a media file, in characters (extension included). */
export const MAX_FILE_NAME_CHARS = 80;
/** Longest path inside an archive, in bytes: well under Windows' 260 once unpacked into a folder. */
export const MAX_ENTRY_PATH_BYTES = 200;

/** Whether one path segment can be a file or folder name on Windows, macOS and Linux alike. */
export function isPortableSegment(segment: string): boolean {
  return (
    segment !== '' &&
    segment !== '.' &&
    segment !== '..' &&
    !FORBIDDEN_CHARS.test(segment) &&
    !/[. ]$/.test(segment) &&
    !WINDOWS_DEVICE.test(segment) &&
    new TextEncoder().encode(segment).length <= 255
  );
}

/** Whether a relative, '/'-separated path is portable: every segment portable, not too long. */
export function isPortablePath(path: string): boolean {
  return (
    new TextEncoder().encode(path).length <= MAX_ENTRY_PATH_BYTES && path.split('/').every((segment) => isPortableSegment(segment))
  );
}

/** The key two names collide under on a case-insensitive, normalising file system (macOS, Windows). */
export function foldedName(path: string): string {
  return path.normalize('NFC').toLowerCase();
}

/** ASCII words of a name: accents folded, anything else a hyphen. */
function asciiWords(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/**
 * A portable file name for a media file: lowercase ASCII words of the student's name for it, the given extension,
 * and `-2`, `-3`… when `taken` (folded names already used in the same folder) has it. `taken` is updated. Plain
 * ASCII also means the name needs no escaping in a Markdown link.
 */
export function portableFileName(displayName: string, extension: string, taken: Set<string>): string {
  const ext = asciiWords(extension).replace(/-/g, '') || 'bin';
  const withoutExt = displayName.replace(/\.[A-Za-z0-9]{1,8}$/, '');
  let base = asciiWords(withoutExt).slice(0, MAX_FILE_NAME_CHARS - ext.length - 4).replace(/-+$/, '') || 'file';
  // `index` would sit beside index.md and confuse a person reading the folder; device names are refused by Windows.
  if (base === 'index' || WINDOWS_DEVICE.test(base)) base = `${base}-file`;
  let name = `${base}.${ext}`;
  for (let n = 2; taken.has(foldedName(name)); n++) name = `${base}-${n}.${ext}`;
  taken.add(foldedName(name));
  return name;
}

/**
 * The folder (or file stem) each artifact or showcase gets in the archive: its slug, or, for the rare slug Windows
 * cannot use as a name (`con`, `aux`…), the slug with `-item` added — the real slug then goes in the frontmatter.
 */
export function portableFolderNames(slugs: readonly string[]): Map<string, string> {
  const names = new Map<string, string>();
  const taken = new Set(slugs.filter(isPortableSegment).map(foldedName));
  for (const slug of slugs) {
    if (isPortableSegment(slug)) {
      names.set(slug, slug);
      continue;
    }
    let name = `${slug}-item`;
    for (let n = 2; taken.has(foldedName(name)); n++) name = `${slug}-item-${n}`;
    taken.add(foldedName(name));
    names.set(slug, name);
  }
  return names;
}
