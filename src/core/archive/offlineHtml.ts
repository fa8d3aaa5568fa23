/**
 * Stored, sanitized HTML (a piece of work, a revision, a feedback message, a Webmention) made readable from the
 * archive folder on disk: pictures and attachments point at the files in the archive, links to the student's own
 * pieces point at their offline pages, and nothing makes the browser fetch anything from the network. What the HTML
 * says is left alone: it was rendered and sanitized on save by the one Markdown pipeline (core/markdown), and this
 * step only rewrites addresses. Pure.
 *
 *   <img src="/media/ID/">, srcset "/media/ID/w480.webp 480w"   -> the original beside the piece, the variants/ files
 *   <a href="/media/ID/#page=2">                               -> the file in the archive, fragment kept
 *   <a href="/@handle/other-piece/#part">                      -> that piece's page in view/
 *   <a href="/hubs/…">, <a href="notes/">                        -> a plain link to the live instance
 *   <img src="https://…"> or any picture not in the archive    -> no address at all (its alt text stays)
 */
import { applyEdits, findUrlAttributes, formatSrcset, parseSrcset, type Edit } from '../html/urlAttributes.ts';
import { mediaIdOf } from '../markdown/conventions.ts';

/** Where one stored file is in the archive (paths from the archive's root folder). */
export interface ArchivedFile {
  /** The original, byte for byte (`artifacts/<folder>/<name>` or `media/<name>`). */
  original: string;
  /** Variant file name (`w480.webp`) -> its path (`variants/<sha256>/w480.webp`). */
  variants: ReadonlyMap<string, string>;
}

/** What the rewriting needs to know about the archive. */
export interface OfflineLinks {
  /** Media id -> where its file is in the archive. */
  files: ReadonlyMap<string, ArchivedFile>;
  /** Piece slug (its address on the site) -> the path of its offline page from the archive root. */
  pieces: ReadonlyMap<string, string>;
  handle: string;
  /** The address the HTML was served at (relative links on the live page resolve against it). */
  liveUrl: string;
  /** `../` repeated up to the archive root from the page that shows the HTML. */
  root: string;
}

/** A path inside the archive written as a relative URL: each segment percent-encoded (names may hold spaces). */
export function archiveHref(root: string, archivePath: string): string {
  return root + archivePath.split('/').map(encodeURIComponent).join('/');
}

/** Splits `/x/y#frag` into the part before the fragment and the fragment (with its `#`). */
function splitFragment(url: string): [string, string] {
  const hash = url.indexOf('#');
  return hash < 0 ? [url, ''] : [url.slice(0, hash), url.slice(hash)];
}

/** The archive path of a `/media/ID/…` address, or undefined when the file is not in the archive. */
function mediaPath(url: string, links: OfflineLinks): string | undefined {
  const id = mediaIdOf(url);
  const file = id === undefined ? undefined : links.files.get(id);
  if (!file) return undefined;
  const [path] = splitFragment(url.split('?')[0]);
  const name = decodeURIComponentSafe(path.replace(/^\/media\/[^/]+\/?/, ''));
  return file.variants.get(name) ?? file.original;
}

function decodeURIComponentSafe(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Where a link (`<a href>`) goes when read from disk. */
function linkHref(href: string, links: OfflineLinks): string {
  const value = href.trim();
  if (value === '' || value.startsWith('#') || /^mailto:/i.test(value)) return value;
  if (/^https?:\/\//i.test(value)) return value;
  const [path, fragment] = splitFragment(value);
  if (/^\/media\//.test(path)) {
    const archived = mediaPath(value, links);
    if (archived) return archiveHref(links.root, archived) + fragment;
  }
  const own = new RegExp(`^/@${links.handle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/([^/?#]+)/?$`).exec(path);
  const page = own ? links.pieces.get(decodeURIComponentSafe(own[1])) : undefined;
  if (page) return archiveHref(links.root, page) + fragment;
  // Anything else (a hub, another portfolio, a relative link) is a plain link to where it lives online.
  try {
    return new URL(value, links.liveUrl).href;
  } catch {
    return '#';
  }
}

const escapeAttribute = (value: string) => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;');

/**
 * The HTML with every address pointing into the archive (or, for links, to the live site); see the file comment.
 * The input is sanitized HTML (core/markdown/sanitize.ts), where only `<a>` has an `href` and only `<img>` a `src`
 * or `srcset`, so each attribute's rule follows from its name; the tokenizer (core/html/urlAttributes.ts) finds them
 * without building a tree, and only those bytes change.
 */
export function offlineHtml(html: string, links: OfflineLinks): string {
  const edits: Edit[] = [];
  for (const attribute of findUrlAttributes(html)) {
    const name = attribute.name.toLowerCase();
    const replace = (value: string | null) =>
      edits.push({ start: attribute.start, end: attribute.end, text: value === null ? '' : `${attribute.name}="${escapeAttribute(value)}"` });
    if (name === 'href') {
      const href = linkHref(attribute.value, links);
      if (href !== attribute.value) replace(href);
    } else if (name === 'src') {
      const archived = mediaPath(attribute.value, links);
      replace(archived ? archiveHref(links.root, archived) : null);
    } else if (attribute.kind === 'srcset') {
      // A list with one candidate outside the archive would fetch it: keep the list only when every one is local.
      const candidates = parseSrcset(attribute.value).map((c) => ({ ...c, url: mediaPath(c.url, links) }));
      const local = candidates.length > 0 && candidates.every((c) => c.url !== undefined);
      replace(local ? formatSrcset(candidates.map((c) => ({ ...c, url: archiveHref(links.root, c.url!) }))) : null);
    } else if (name !== 'cite') {
      // The sanitizer lets no other address through; should one ever get through, it loads nothing offline.
      replace(null);
    }
  }
  return applyEdits(html, edits);
}
