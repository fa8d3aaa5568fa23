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
import { toHtml } from 'hast-util-to-html';
import rehypeParse from 'rehype-parse';
import { unified } from 'unified';
import { mediaIdOf } from '../markdown/conventions.ts';
import type { Element, Root } from 'hast';

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

const parser = unified().use(rehypeParse, { fragment: true }).freeze();

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

/** Rewrites a picture's addresses to the archive's files; a picture not in the archive is left with none (it loads nothing). */
function offlineImage(node: Element, links: OfflineLinks): void {
  const props = node.properties;
  const src = typeof props.src === 'string' ? mediaPath(props.src, links) : undefined;
  const raw: unknown = props.srcSet;
  const srcset: string = Array.isArray(raw) ? raw.join(', ') : typeof raw === 'string' ? raw : '';
  const candidates = srcset
    .split(/,\s+/)
    .map((c: string) => c.trim().split(/\s+/))
    .filter((parts: string[]) => parts[0])
    .map(([url, ...descriptor]) => {
      const archived = mediaPath(url, links);
      return archived ? [archiveHref(links.root, archived), ...descriptor].join(' ') : undefined;
    });
  delete props.src;
  delete props.srcSet;
  if (src) props.src = archiveHref(links.root, src);
  // A list with one candidate outside the archive would fetch it: keep the list only when every candidate is local.
  if (src && candidates.length > 0 && candidates.every((c) => c !== undefined)) props.srcSet = candidates.join(', ');
  else delete props.sizes;
}

/** The HTML with every address pointing into the archive (or, for links, to the live site); see the file comment. */
export function offlineHtml(html: string, links: OfflineLinks): string {
  if (!/\b(?:href|src|srcset|poster)\s*=/i.test(html)) return html;
  const tree = parser.parse(html) as Root;
  const walk = (parent: Root | Element): void => {
    for (const node of parent.children) {
      if (node.type !== 'element') continue;
      const props = node.properties;
      if (node.tagName === 'a' && typeof props.href === 'string') props.href = linkHref(props.href, links);
      else if (node.tagName === 'img') offlineImage(node, links);
      else {
        // The sanitizer allows no other element with an address that loads; should one ever get through, it
        // loads nothing offline.
        for (const key of ['src', 'srcSet', 'poster', 'data', 'href', 'action', 'formAction']) delete props[key];
      }
      walk(node);
    }
  };
  walk(tree);
  return toHtml(tree);
}
