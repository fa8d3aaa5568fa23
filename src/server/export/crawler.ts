/**
 * The crawl behind the static export. Two passes:
 *
 * 1. Render: starting from the portfolio's public pages and feeds, ask the renderer for each address, and follow
 *    every `href`/`src`/`srcset` (and stylesheet `url()`) that stays inside the portfolio or names a root asset
 *    (`/media/`, `/styles/`, `/_astro/`, `/favicon.svg`). Media files are not rendered: they are copied from disk,
 *    and only when an anonymous visitor may load them. Work that is not public is never fetched.
 * 2. Link: once every address has an answer, give each file its place and rewrite the internal links of every page
 *    and stylesheet to relative links to files. A link to something that is not in the export (a sign-in page, a
 *    hub, unlisted work, a page that answered 404) points at the live instance instead. A link that is also a
 *    microformats URL keeps the page's clean address as its identity (identity.ts). Feeds keep absolute addresses,
 *    and a media address in them names the file the export holds (`<base>media/ID/w960.webp`).
 *
 * Nothing is written here; the plan goes to a writer (folder, zip, listing).
 */
import { PotluckError } from '../../core/errors.ts';
import type { AppContext } from '../context.ts';
import { applyEdits, findCssUrls, findUrlAttributes, rewriteAttributes, rewriteCssUrls, urlsOf, type CssUrl, type UrlAttribute } from '../../core/html/urlAttributes.ts';
import { identityEdits } from './identity.ts';
import { ExportPaths, classifyPath, decodePath, encodePath, exportPathFor, livePathOfExportPath, relativeLink, safeExportPath } from './paths.ts';
import type { Renderer } from './renderer.ts';
import { isDenied, mediaCatalog, type ExportScope } from './scope.ts';

/** Progress of an export, for the CLI's progress line and the web page. */
export interface ExportProgress {
  phase: 'render' | 'write';
  done: number;
  total: number;
}

/** One file of the static site. */
export interface SiteFile {
  /** Relative path inside the export, '/'-separated. */
  path: string;
  kind: 'page' | 'feed' | 'asset' | 'media';
  /** Contents to write, or… */
  data?: Buffer;
  /** …a stored file to copy (media). */
  source?: string;
  bytes: number;
}

/** Everything the export will write, and what it could not include. */
export interface SitePlan {
  files: SiteFile[];
  /** Starting points that the site does not have (a route that answers 404, e.g. an empty archive). */
  skipped: string[];
  /** Links on exported pages to portfolio addresses or assets that answered 404, with the page they are on. */
  broken: { path: string; from: string }[];
}

export interface CrawlOptions {
  scope: ExportScope;
  /** Absolute base URL of the exported site, ending in '/'. */
  base: string;
  /** Other addresses this copy is served at (see ExportSiteProps.servedAt). */
  servedAt?: string[];
  renderer: Renderer;
  concurrency?: number;
  onProgress?: (progress: ExportProgress) => void;
  /** Called once for each file that is final as soon as it is found (media copies), so it can be written early. */
  onFile?: (file: SiteFile) => void;
  /**
   * Called once for each folder (relative, '/'-separated) that will hold a rendered file, as soon as the page has
   * rendered: a writer can make the folders while the rest renders. A de-duplicated name stays in its folder.
   */
  onFolder?: (folder: string) => void;
  /** Stops the crawl (a download whose reader went away): no further page is rendered. */
  signal?: AbortSignal;
}

type Document =
  | { type: 'html'; text: string; attributes: UrlAttribute[] }
  | { type: 'css'; text: string; urls: CssUrl[] }
  | { type: 'raw'; data: Buffer };

interface Node {
  key: string;
  target: ReturnType<typeof classifyPath>;
  seed: boolean;
  from: string | null;
  state: 'pending' | 'ok' | 'redirect' | 'missing' | 'denied';
  contentType?: string;
  doc?: Document;
  redirectTo?: string;
  media?: { source: string; bytes: number; file: string };
  path?: string;
}

// Relative URLs in a page are resolved against this origin: it can never be a real address, so an absolute URL in a
// page (canonical links, u-url, the student's own links) is never mistaken for an internal one.
const INTERNAL = 'http://potluck.internal';

/** A URL found in a document, resolved: null when it leaves this instance (another origin, `mailto:`…). */
interface Resolved {
  pathname: string;
  search: string;
  hash: string;
  /** The decoded path: the key the crawl uses. */
  decoded: string;
}

/**
 * Resolves a URL from a page at `pageUrl` (encoded, under INTERNAL). Pages repeat the same URLs (navigation, every
 * srcset width), so answers are remembered per page folder.
 */
function resolver() {
  const cache = new Map<string, Resolved | null>();
  return (raw: string, pageUrl: string): Resolved | null => {
    // Root-relative URLs resolve the same from every page.
    const key = raw.startsWith('/') && !raw.startsWith('//') ? raw : `${pageUrl.slice(0, pageUrl.lastIndexOf('/') + 1)}\u0000${raw}`;
    let answer = cache.get(key);
    if (answer !== undefined) return answer;
    answer = null;
    try {
      const url = new URL(raw, pageUrl);
      if (url.origin === INTERNAL) answer = { pathname: url.pathname, search: url.search, hash: url.hash, decoded: decodePath(url.pathname) };
    } catch {
      // Not a URL a browser could follow: left as it is.
    }
    cache.set(key, answer);
    return answer;
  };
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_ADDRESSES = 100_000;
const MISSING = new Set([401, 403, 404, 410]);

/** Renders and links a portfolio's public site; returns the plan of files to write. */
export async function crawlSite(app: AppContext, options: CrawlOptions): Promise<SitePlan> {
  const { scope, base, renderer } = options;
  const handle = scope.owner.handle.toLowerCase();
  const nodes = new Map<string, Node>();
  const lookupMedia = mediaCatalog(app);
  const paths = new ExportPaths();
  const announced = new Set<string>();
  let done = 0;
  const report = () => options.onProgress?.({ phase: 'render', done, total: nodes.size });

  // Pages repeat the same addresses (navigation, tags, every srcset width), so what each one is and each relative
  // link between two places are worked out once.
  const targets = new Map<string, ReturnType<typeof classifyPath>>();
  const classify = (decoded: string) => {
    let target = targets.get(decoded);
    if (!target) targets.set(decoded, (target = classifyPath(handle, decoded)));
    return target;
  };
  // By the folder of the page, then by the file linked to.
  const links = new Map<string, Map<string, string>>();
  const linkBetween = (fromFile: string, toFile: string) => {
    const folder = fromFile.slice(0, fromFile.lastIndexOf('/') + 1);
    let from = links.get(folder);
    if (!from) links.set(folder, (from = new Map()));
    let link = from.get(toFile);
    if (link === undefined) from.set(toFile, (link = relativeLink(fromFile, toFile)));
    return link;
  };

  const queue: Node[] = [];
  const enqueue = (decoded: string, from: string | null, seed = false): string | null => {
    const target = classify(decoded);
    if (target.kind === 'outside') return null;
    const existing = nodes.get(target.key);
    if (existing) return existing.key;
    // A template that links to ever new addresses (a calendar, a page N+1 that is always there) must not run forever.
    if (nodes.size >= MAX_ADDRESSES) {
      throw new PotluckError('TOO_LARGE', `The site has more than ${MAX_ADDRESSES.toLocaleString('en')} addresses, so the export stopped (last one found: ${decoded}, linked from ${from}).`);
    }
    const node: Node = { key: target.key, target, seed, from, state: 'pending' };
    nodes.set(node.key, node);
    queue.push(node);
    return node.key;
  };

  const folders = new Set<string>();
  const announceFolder = (file: string) => {
    const folder = file.slice(0, Math.max(0, file.lastIndexOf('/')));
    if (folder === '' || folders.has(folder)) return;
    folders.add(folder);
    options.onFolder?.(folder);
  };

  const resolve = resolver();
  const pageUrls = new Map<string, string>();
  const pageUrlOf = (key: string) => {
    let url = pageUrls.get(key);
    if (!url) pageUrls.set(key, (url = INTERNAL + encodePath(key)));
    return url;
  };

  /** The live path behind a URL found in a document, if it belongs to the export; discovery only. */
  const liveTarget = (raw: string, pageKey: string): string | null => {
    const trimmed = raw.trim();
    if (!trimmed || trimmed.startsWith('#')) return null;
    if (trimmed.startsWith(base)) return underBase(trimmed);
    const url = resolve(trimmed, pageUrlOf(pageKey));
    if (!url) return null;
    if (url.search && classify(url.decoded).kind === 'portfolio') return null;
    return url.decoded;
  };

  // Absolute URLs under the base (canonical, feeds, u-url) name pages of the export: render those too. Feeds repeat
  // the same addresses, so each is worked out once.
  const livePaths = new Map<string, string | null>();
  const underBase = (absolute: string): string | null => {
    let live = livePaths.get(absolute);
    if (live === undefined) livePaths.set(absolute, (live = livePathUnderBase(absolute)));
    return live;
  };
  const livePathUnderBase = (absolute: string): string | null => {
    let rest = absolute.slice(base.length).split(/[?#]/)[0];
    rest = rest.replace(/(^|\/)index\.html$/, '$1');
    if (rest.split('/').some((s) => s === '..')) return null;
    return livePathOfExportPath(handle, decodePath(rest));
  };

  const visit = async (node: Node) => {
    try {
      if (options.signal?.aborted) throw new PotluckError('CONFLICT', 'The export stopped: it was cancelled.');
      if (node.target.kind === 'portfolio' && isDenied(scope, node.key)) {
        node.state = 'denied';
        return;
      }
      if (node.target.kind === 'media') {
        const item = lookupMedia(node.target.id, node.target.file);
        if (!item) node.state = 'missing';
        else {
          node.state = 'ok';
          node.media = { source: item.source, bytes: item.bytes, file: item.file };
          // Media paths are generated names (`media/<id>/w960.webp`), placed before any page: final now.
          const wanted = mediaPath(item.id, item.file);
          const path = paths.claim(wanted, wanted);
          node.path = path;
          if (!announced.has(path)) {
            announced.add(path);
            options.onFile?.({ path, kind: 'media', source: item.source, bytes: item.bytes });
          }
        }
        return;
      }
      const response = await renderer.get(pageUrlOf(node.key).slice(INTERNAL.length), base, options.servedAt);
      if (REDIRECTS.has(response.status)) {
        const location = response.headers.location;
        const next = location ? liveTarget(location, node.key) : null;
        if (next === null) node.state = 'missing';
        else {
          node.state = 'redirect';
          node.redirectTo = enqueue(next, node.key) ?? undefined;
          if (!node.redirectTo) node.state = 'missing';
        }
        return;
      }
      if (MISSING.has(response.status)) {
        node.state = 'missing';
        return;
      }
      if (response.status !== 200) {
        const detail = response.body.toString('utf8', 0, 300);
        const where = node.from ? ` (linked from ${node.from})` : '';
        throw new PotluckError('CONFLICT', `The page ${node.key}${where} did not render (HTTP ${response.status}), so the export stopped and nothing was written. ${detail}`);
      }
      const contentType = response.headers['content-type'] ?? 'application/octet-stream';
      node.contentType = contentType;
      announceFolder(safeExportPath(exportPathFor(handle, node.key, contentType)));
      const data = response.body;
      node.state = 'ok';
      if (/^text\/html\b/i.test(contentType)) {
        const text = data.toString('utf8');
        const attributes = findUrlAttributes(text);
        node.doc = { type: 'html', text, attributes };
        for (const attribute of attributes) {
          for (const url of urlsOf(attribute)) {
            const live = liveTarget(url, node.key);
            if (live) enqueue(live, node.key);
          }
        }
      } else if (/^text\/css\b/i.test(contentType)) {
        const text = data.toString('utf8');
        const urls = findCssUrls(text);
        node.doc = { type: 'css', text, urls };
        for (const u of urls) {
          const live = liveTarget(u.value, node.key);
          if (live) enqueue(live, node.key);
        }
      } else {
        node.doc = { type: 'raw', data };
        if (/xml|json/i.test(contentType)) {
          for (const absolute of urlsUnderBase(data.toString('utf8'), base)) {
            const live = underBase(absolute);
            if (live) enqueue(live, node.key);
          }
        }
      }
    } finally {
      done++;
      report();
    }
  };

  for (const seed of scope.seeds) enqueue(seed, null, true);
  report();
  await runPool(queue, visit, options.concurrency ?? 6);

  // Pass 2: places, then links. Sorted, so that names (and any de-duplicated name) are the same on every run.
  // Media have their places already (`/media/ID/` and `/media/ID/w960.webp` share one file).
  const ordered = [...nodes.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const node of ordered) {
    if (node.state === 'ok' && !node.media) node.path = paths.claim(exportPathFor(handle, node.key, node.contentType ?? ''), node.key);
  }

  const fileOf = (key: string): string | null => {
    let node = nodes.get(key);
    for (let hops = 0; node?.state === 'redirect' && node.redirectTo && hops < 10; hops++) node = nodes.get(node.redirectTo);
    return node?.state === 'ok' && node.path ? node.path : null;
  };

  const siteUrl = app.config.siteUrl;
  const broken: SitePlan['broken'] = [];
  const brokenSeen = new Set<string>();
  const rewrite = (node: Node) => (raw: string): string | null => {
    const trimmed = raw.trim();
    if (!trimmed || trimmed.startsWith('#')) return null;
    const url = resolve(trimmed, pageUrlOf(node.key));
    if (!url) return null;
    const live = siteUrl + url.pathname + url.search + url.hash;
    const target = classify(url.decoded);
    if (target.kind === 'outside' || (target.kind === 'portfolio' && url.search)) return live;
    const file = fileOf(target.key);
    if (file) return linkBetween(node.path!, file) + url.hash;
    const missing = nodes.get(target.key);
    if (missing?.state === 'missing' && !brokenSeen.has(`${target.key} ${node.key}`)) {
      brokenSeen.add(`${target.key} ${node.key}`);
      broken.push({ path: target.key, from: node.key });
    }
    return live;
  };

  /** The clean address under the base of the export page an href names (`…/poem/`), for microformats. */
  const cleanUrl = (node: Node) => (attribute: UrlAttribute): string | null => {
    const url = resolve(attribute.value.trim(), pageUrlOf(node.key));
    if (!url || url.search) return null;
    const target = classify(url.decoded);
    if (target.kind !== 'portfolio') return null;
    const file = fileOf(target.key);
    return file && /\.html$/.test(file) ? cleanAddress(base, file) : null;
  };

  // Feeds are read elsewhere, so their addresses stay absolute; a media address names the file the export holds
  // (`<base>media/ID/` is a folder on a static host, the picture is `<base>media/ID/w960.webp`).
  const mediaFileUrls = new Map<string, string | null>();
  const mediaFileUrl = (absolute: string): string | null => {
    let url = mediaFileUrls.get(absolute);
    if (url === undefined) mediaFileUrls.set(absolute, (url = mediaFileUrlNow(absolute)));
    return url;
  };
  const mediaFileUrlNow = (absolute: string): string | null => {
    const live = underBase(absolute);
    if (!live) return null;
    const target = classify(live);
    if (target.kind !== 'media') return null;
    const file = fileOf(target.key);
    return file ? base + encodePath(file) : null;
  };

  const files: SiteFile[] = [];
  const copied = new Set<string>();
  for (const node of ordered) {
    if (node.state !== 'ok' || !node.path) continue;
    if (node.media) {
      if (copied.has(node.path)) continue;
      copied.add(node.path);
      files.push({ path: node.path, kind: 'media', source: node.media.source, bytes: node.media.bytes });
      continue;
    }
    const doc = node.doc!;
    let data: Buffer;
    if (doc.type === 'html') {
      const edits = [...rewriteAttributes(doc.attributes, rewrite(node)), ...identityEdits(doc.text, doc.attributes, cleanUrl(node))];
      data = Buffer.from(applyEdits(doc.text, edits));
    } else if (doc.type === 'css') data = Buffer.from(applyEdits(doc.text, rewriteCssUrls(doc.urls, rewrite(node))));
    else if (node.target.kind === 'portfolio' && /xml|json/i.test(node.contentType ?? '')) {
      data = Buffer.from(rewriteUrlsUnderBase(doc.data.toString('utf8'), base, mediaFileUrl));
    } else data = doc.data;
    node.doc = undefined;
    const kind = doc.type === 'html' ? 'page' : node.target.kind === 'portfolio' ? 'feed' : 'asset';
    files.push({ path: node.path, kind, data, bytes: data.byteLength });
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));

  const skipped = ordered.filter((n) => n.seed && n.state === 'missing').map((n) => n.key);
  return { files, skipped, broken };
}

/** Where a stored media file goes in the export. */
function mediaPath(id: string, file: string): string {
  return safeExportPath(`media/${id}/${file}`);
}

/** A character that ends an absolute URL in a feed or other text. */
const URL_END = /["'<>\s\\)&?#]/;

/** Where each absolute URL under `base` sits inside a feed or other text (XML escapes and JSON strings end them). */
function spansUnderBase(text: string, base: string): { start: number; end: number }[] {
  const found: { start: number; end: number }[] = [];
  const stop = new RegExp(URL_END.source, 'g');
  for (let at = text.indexOf(base); at >= 0; at = text.indexOf(base, at + base.length)) {
    stop.lastIndex = at + base.length;
    const end = stop.exec(text)?.index ?? text.length;
    found.push({ start: at, end });
  }
  return found;
}

/** Absolute URLs under `base` inside a feed or other text. */
function urlsUnderBase(text: string, base: string): string[] {
  return spansUnderBase(text, base).map((s) => text.slice(s.start, s.end));
}

/** Replaces the absolute URLs under `base` in a text for which `map` answers another URL. */
function rewriteUrlsUnderBase(text: string, base: string, map: (url: string) => string | null): string {
  const edits = spansUnderBase(text, base).flatMap((span) => {
    const url = map(text.slice(span.start, span.end));
    return url === null ? [] : [{ ...span, text: url }];
  });
  return applyEdits(text, edits);
}

/** The clean address of an export file under the base: `poem/index.html` -> `<base>poem/`, `index.html` -> `<base>`. */
export function cleanAddress(base: string, file: string): string {
  return base + encodePath(file.replace(/(^|\/)index\.html$/, '$1'));
}

/** Runs `worker` over a queue that grows while it runs, at most `concurrency` at a time; the first error wins. */
function runPool<T>(queue: T[], worker: (item: T) => Promise<void>, concurrency: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let active = 0;
    let failed = false;
    const pump = () => {
      if (failed) return;
      if (queue.length === 0 && active === 0) {
        resolve();
        return;
      }
      while (active < concurrency && queue.length > 0) {
        const item = queue.shift()!;
        active++;
        worker(item).then(
          () => {
            active--;
            pump();
          },
          (error) => {
            failed = true;
            reject(error);
          },
        );
      }
    };
    pump();
  });
}
