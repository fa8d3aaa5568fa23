/**
 * Rendered public pages, kept in memory and served again while the portfolio has not changed. The key is the path;
 * an entry is valid only for the ETag it was rendered under (which folds in the owner's `contentVersion` and a
 * fingerprint of their public work), so any change a student makes makes every cached page of their portfolio
 * stale at once, with no invalidation lists to keep.
 * Only anonymous views are cached: a signed-in reader may see members work.
 */

export interface CachedPage {
  /** What the page was rendered for: the portfolio's ETag (which folds in its contentVersion). */
  version: string;
  status: number;
  headers: [string, string][];
  body: Uint8Array<ArrayBuffer>;
}

/** A least-recently-used map bounded by total bytes. */
export class PageCache {
  private entries = new Map<string, CachedPage>();
  private bytes = 0;
  readonly maxBytes: number;

  constructor(maxBytes = 64 * 1024 * 1024) {
    this.maxBytes = maxBytes;
  }

  /** The page for `key` rendered at `version`, or undefined (a stale entry is dropped). */
  get(key: string, version: string): CachedPage | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.version !== version) {
      this.bytes -= entry.body.byteLength;
      return undefined;
    }
    this.entries.set(key, entry); // most recently used last
    return entry;
  }

  /** Whether anything is cached under `key` (current or not). */
  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** Stores a page, evicting the least recently used ones beyond the byte budget. */
  set(key: string, entry: CachedPage): void {
    if (entry.body.byteLength > this.maxBytes / 16) return;
    const old = this.entries.get(key);
    if (old) {
      this.bytes -= old.body.byteLength;
      this.entries.delete(key);
    }
    this.entries.set(key, entry);
    this.bytes += entry.body.byteLength;
    for (const [k, v] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.bytes -= v.body.byteLength;
    }
  }

  get size(): number {
    return this.entries.size;
  }
}

/** The handle a public portfolio path belongs to (`/@maya/poem/` -> `maya`), or null. */
export function handleOfPath(pathname: string): string | null {
  const match = /^\/@([a-z][a-z0-9_-]{2,29})(?:\/|$)/.exec(pathname);
  return match ? match[1] : null;
}

const SHARED = Symbol.for('potluck.pageCache');

/**
 * The process's one page cache. The bundled site (which fills it) and the server front (which answers from it before
 * the site runs) are separate module graphs in one process, so the instance lives on globalThis.
 */
export function sharedPageCache(): PageCache {
  const holder = globalThis as typeof globalThis & { [SHARED]?: PageCache };
  holder[SHARED] ??= new PageCache();
  return holder[SHARED];
}
