/**
 * Where things live in the static export. Pure (no file system), so the crawler, the link rewriter, the writers and
 * the tests agree on one layout:
 *
 *   /@handle/            -> index.html            (a page: `<path>/index.html`)
 *   /@handle/poem/       -> poem/index.html
 *   /@handle/feed.xml    -> feed.xml              (a file keeps its name)
 *   /media/ID/w960.webp  -> media/ID/w960.webp    (root assets keep their path)
 *   /styles/potluck.css  -> styles/potluck.css
 *
 * Internal links become relative and name the file (`../poem/index.html`, never `../poem/`): a folder link opens a
 * directory listing from disk (file://), while a link to the file works from disk, at a domain root and under any
 * sub-path alike.
 */
import { createHash } from 'node:crypto';
import path from 'node:path/posix';

/** Root paths of the instance that belong in the export when a page uses them (besides the portfolio itself). */
export const ASSET_PREFIXES = ['/media/', '/styles/', '/_astro/'] as const;
/** Single root files that belong in the export when a page uses them. */
export const ASSET_FILES = ['/favicon.svg'] as const;

/** What a live path is, for the export. */
export type SiteTarget =
  | { kind: 'portfolio'; key: string }
  | { kind: 'media'; key: string; id: string; file: string | null }
  | { kind: 'asset'; key: string }
  | { kind: 'outside' };

/** Decodes each segment of a URL path (NFC), leaving a malformed escape as it was. */
export function decodePath(pathname: string): string {
  return pathname
    .split('/')
    .map((segment) => {
      try {
        return decodeURIComponent(segment).normalize('NFC');
      } catch {
        return segment;
      }
    })
    .join('/');
}

/** Encodes a decoded path for a request or a link: every segment percent-encoded, `@` kept readable. */
export function encodePath(decoded: string): string {
  return decoded
    .split('/')
    .map((segment) => encodeURIComponent(segment).replace(/%40/g, '@'))
    .join('/');
}

/**
 * Classifies a decoded live path (no query, no fragment). Keys are decoded paths, so `/@m/tags/caf%C3%A9/` and
 * `/@m/tags/café/` are one page.
 */
export function classifyPath(handle: string, decoded: string): SiteTarget {
  const root = `/@${handle.toLowerCase()}`;
  const lower = decoded.toLowerCase();
  if (lower === root || lower.startsWith(root + '/')) {
    let rest = decoded.slice(root.length);
    // `/@m/poem` and `/@m/poem/` are one page (pages end in '/'; only files such as feed.xml have an extension).
    if (!rest.endsWith('/') && !/\.[A-Za-z0-9]+$/.test(rest)) rest += '/';
    return { kind: 'portfolio', key: root + rest };
  }
  const media = /^\/media\/([A-Za-z0-9_-]{1,128})\/([^/]*)$/.exec(decoded);
  if (media) return { kind: 'media', key: decoded, id: media[1], file: media[2] === '' ? null : media[2] };
  if (decoded.startsWith('/media/')) return { kind: 'outside' };
  if (ASSET_PREFIXES.some((p) => decoded.startsWith(p)) || (ASSET_FILES as readonly string[]).includes(decoded)) {
    if (decoded.split('/').some((s) => s === '..' || s === '.')) return { kind: 'outside' };
    return { kind: 'asset', key: decoded };
  }
  return { kind: 'outside' };
}

/** The live path of a path relative to the export's root (`poem/` -> `/@m/poem/`, `media/x/a.webp` -> `/media/x/a.webp`). */
export function livePathOfExportPath(handle: string, relative: string): string {
  const clean = relative.replace(/^\/+/, '');
  const asRoot = '/' + clean;
  if (ASSET_PREFIXES.some((p) => asRoot.startsWith(p)) || (ASSET_FILES as readonly string[]).includes(asRoot)) return asRoot;
  return `/@${handle.toLowerCase()}/${clean}`;
}

/** File extension for a response with no name of its own (a folder URL that is not a page). */
function extensionForType(contentType: string): string {
  const type = contentType.split(';')[0].trim().toLowerCase();
  if (type === 'application/rss+xml' || type === 'application/atom+xml' || type.endsWith('/xml')) return 'xml';
  if (type === 'application/feed+json' || type === 'application/json') return 'json';
  if (type === 'text/css') return 'css';
  if (type === 'text/plain') return 'txt';
  return 'html';
}

/**
 * The export path (relative, '/'-separated, decoded) of a portfolio or asset key, given what the server answered:
 * HTML at a folder address becomes `<folder>/index.html`.
 */
export function exportPathFor(handle: string, key: string, contentType: string): string {
  const root = `/@${handle.toLowerCase()}/`;
  let relative = key.toLowerCase().startsWith(root) ? key.slice(root.length) : key.replace(/^\/+/, '');
  const isHtml = /^text\/html\b/i.test(contentType);
  if (relative === '' || relative.endsWith('/')) relative += `index.${extensionForType(contentType)}`;
  else if (isHtml && !/\.html?$/i.test(relative)) relative += '/index.html';
  return relative;
}

const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;
const MAX_SEGMENT_BYTES = 200;

/**
 * One path segment made safe as a file or folder name on Windows, macOS and Linux: no reserved characters, no
 * trailing dot or space, no device names (CON, NUL…), not too long. Names that are already safe (every slug, tag
 * and generated media name) are kept as they are, so the export's addresses match the live site's.
 */
export function safeSegment(segment: string): string {
  let name = segment.normalize('NFC').replace(/[<>:"\\|?*\u0000-\u001f\u007f]/g, '_');
  if (name === '' || name === '.' || name === '..') name = name.replace(/\./g, '_') || '_';
  name = name.replace(/[. ]+$/, (m) => '_'.repeat(m.length));
  if (WINDOWS_RESERVED.test(name)) name = name.replace(/^([^.]*)/, '$1_');
  if (Buffer.byteLength(name) > MAX_SEGMENT_BYTES) {
    const hash = createHash('sha256').update(segment).digest('hex').slice(0, 10);
    const ext = /\.[A-Za-z0-9]{1,8}$/.exec(name)?.[0] ?? '';
    let base = name.slice(0, name.length - ext.length);
    while (Buffer.byteLength(base) > MAX_SEGMENT_BYTES - 12 - ext.length) base = [...base].slice(0, -1).join('');
    name = `${base}-${hash}${ext}`;
  }
  return name;
}

/** A relative export path with every segment made safe. */
export function safeExportPath(relative: string): string {
  return relative.split('/').map(safeSegment).join('/');
}

/**
 * Export paths handed out once each: two keys that would land on the same file (also on case-insensitive file
 * systems) get distinct names instead of overwriting each other.
 */
export class ExportPaths {
  private readonly taken = new Map<string, string>();

  /** Reserves a safe path for `wanted`; returns the path to write (the same for the same owner). */
  claim(wanted: string, owner: string): string {
    let candidate = safeExportPath(wanted);
    for (let n = 2; ; n++) {
      const holder = this.taken.get(candidate.toLowerCase());
      if (holder === undefined || holder === owner) break;
      const dot = candidate.lastIndexOf('.');
      const slash = candidate.lastIndexOf('/');
      candidate =
        dot > slash ? `${safeExportPath(wanted).slice(0, dot)}-${n}${safeExportPath(wanted).slice(dot)}` : `${safeExportPath(wanted)}-${n}`;
    }
    this.taken.set(candidate.toLowerCase(), owner);
    return candidate;
  }
}

const isPlainSegment = (segment: string) => segment !== '' && segment !== '.' && segment !== '..';

/** A relative link from one export file to another, percent-encoded, ready for an href. */
export function relativeLink(fromFile: string, toFile: string): string {
  // Export paths are plain segments ('/'-separated, no '.', '..' or empty ones): the link is the climb out of the
  // folders the two do not share, then the rest of the target, as path.relative would say it, without its work.
  const from = fromFile.split('/');
  const name = from.pop()!;
  const to = toFile.split('/');
  if (isPlainSegment(name) && from.every(isPlainSegment) && to.every(isPlainSegment)) {
    let common = 0;
    while (common < from.length && common < to.length && from[common] === to[common]) common++;
    const parts: string[] = [];
    for (let i = common; i < from.length; i++) parts.push('..');
    for (let i = common; i < to.length; i++) parts.push(encodeURIComponent(to[i]));
    return parts.length ? parts.join('/') : encodeURIComponent(to[to.length - 1]);
  }
  const fromDir = path.dirname('/' + fromFile);
  let relative = path.relative(fromDir, '/' + toFile);
  if (relative === '') relative = path.basename(toFile);
  return relative
    .split('/')
    .map((segment) => (segment === '..' ? segment : encodeURIComponent(segment)))
    .join('/');
}
