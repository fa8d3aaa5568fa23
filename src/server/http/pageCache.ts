/**
 * Rendered public pages, kept in memory and served again while the portfolio has not changed. The key is the path
 * (pageKeyOf);
 * an entry is valid only for the ETag it was rendered under (which folds in the owner's `contentVersion` and a
 * fingerprint of their public work), so any change a student makes makes every cached page of their portfolio
 * stale at once, with no invalidation lists to keep.
 * Only anonymous views are cached: a signed-in reader may see members work.
 */
import { loadConfig } from '../config.ts';

export interface CachedPage {
  /** What the page was rendered for: the portfolio's ETag (which folds in its contentVersion). */
  version: string;
  status: number;
  headers: [string, string][];
  body: Uint8Array<ArrayBuffer>;
}

/** How much the page cache may hold: both bounds apply (POTLUCK_PAGE_CACHE_MB, POTLUCK_PAGE_CACHE_ENTRIES). */
export interface PageCacheLimits {
  maxBytes: number;
  maxEntries: number;
}

export const DEFAULT_PAGE_CACHE_LIMITS: PageCacheLimits = { maxBytes: 32 * 1024 * 1024, maxEntries: 2000 };

/**
 * A least-recently-used map bounded by total bytes and by number of entries. A page counts its body, its headers
 * and a fixed overhead, so that many small pages cannot outgrow the budget either.
 */
export class PageCache {
  private entries = new Map<string, CachedPage>();
  private bytes = 0;
  readonly maxBytes: number;
  readonly maxEntries: number;

  constructor(limits: Partial<PageCacheLimits> = {}) {
    this.maxBytes = limits.maxBytes ?? DEFAULT_PAGE_CACHE_LIMITS.maxBytes;
    this.maxEntries = limits.maxEntries ?? DEFAULT_PAGE_CACHE_LIMITS.maxEntries;
  }

  /** The page for `key` rendered at `version`, or undefined (a stale entry is dropped). */
  get(key: string, version: string): CachedPage | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.version !== version) {
      this.bytes -= weigh(key, entry);
      return undefined;
    }
    this.entries.set(key, entry); // most recently used last
    return entry;
  }

  /** The entry under `key` whatever version it is for, without touching its place in the order. */
  peek(key: string): CachedPage | undefined {
    return this.entries.get(key);
  }

  /** Whether anything is cached under `key` (current or not). */
  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** Stores a page, evicting the least recently used ones beyond the byte and entry budgets. */
  set(key: string, entry: CachedPage): void {
    const weight = weigh(key, entry);
    const old = this.entries.get(key);
    if (old) {
      this.bytes -= weigh(key, old);
      this.entries.delete(key);
    }
    if (weight > this.maxBytes / 16 || this.maxEntries === 0) return;
    this.entries.set(key, entry);
    this.bytes += weight;
    for (const [k, v] of this.entries) {
      if (this.bytes <= this.maxBytes && this.entries.size <= this.maxEntries) break;
      this.entries.delete(k);
      this.bytes -= weigh(k, v);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  /** What the entries weigh in all, in bytes. */
  get weight(): number {
    return this.bytes;
  }
}

/** What an entry costs the cache: its body, its key and headers, and the map's own overhead. */
function weigh(key: string, entry: CachedPage): number {
  let bytes = 256 + entry.body.byteLength + key.length * 2;
  for (const [name, value] of entry.headers) bytes += (name.length + value.length) * 2 + 32;
  return bytes;
}

/**
 * The cache key of a public portfolio page: its path alone. No portfolio page reads its query string, so
 * `?utm_source=…` or `?fbclid=…` names the same page (and the same ETag), and made-up query strings cannot fill
 * the cache with copies. A page that comes to read a parameter lists it here.
 */
export function pageKeyOf(url: URL): string {
  const known = PAGE_PARAMETERS.filter((name) => url.searchParams.has(name));
  if (known.length === 0) return url.pathname;
  const kept = new URLSearchParams();
  for (const name of known) for (const value of url.searchParams.getAll(name)) kept.append(name, value);
  return `${url.pathname}?${kept}`;
}

/** Query parameters a public portfolio page reads (none today: pages are numbered in the path, /page/2/). */
const PAGE_PARAMETERS: readonly string[] = [];

/** The handle a public portfolio path belongs to (`/@maya/poem/` -> `maya`), or null. */
export function handleOfPath(pathname: string): string | null {
  const match = /^\/@([a-z][a-z0-9_-]{2,29})(?:\/|$)/.exec(pathname);
  return match ? match[1] : null;
}

const SHARED = Symbol.for('potluck.pageCache');

/**
 * The process's one page cache. The bundled site (which fills it) and the server front (which answers from it before
 * the site runs) are separate module graphs in one process, so the instance lives on globalThis; made with the
 * configured limits (POTLUCK_PAGE_CACHE_MB, POTLUCK_PAGE_CACHE_ENTRIES) unless the first caller names others.
 */
export function sharedPageCache(limits?: Partial<PageCacheLimits>): PageCache {
  const holder = globalThis as typeof globalThis & { [SHARED]?: PageCache };
  holder[SHARED] ??= new PageCache(limits ?? loadConfig().pageCache);
  return holder[SHARED];
}
