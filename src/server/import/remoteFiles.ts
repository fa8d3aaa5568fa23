/**
 * Pictures and attachments an imported piece points at on its old site, brought along through safeFetch (the SSRF
 * rules, size caps and timeouts of every outbound request). Each file is capped by the media limits of its type,
 * all files of one import by a total, and a dry run fetches nothing: it counts what would be fetched. A file that
 * cannot be brought along stays a link to where it was, and the report says so, naming the piece.
 */
import type { AppContext } from '../context.ts';
import { formatBytes } from '../media/limits.ts';
import { potluckUserAgent, safeFetch } from '../net/safeFetch.ts';
import type { SafeFetchOptions } from '../net/safeFetch.ts';
import { isKeepableFile, maxFileBytes } from './fileKinds.ts';
import { markdownTargets, picturesToLinks, pointMarkdownAt } from './htmlMarkdown.ts';
import type { StagedFile } from './stagedArchive.ts';

/** Most bytes fetched for one import, all files together. */
export const MAX_REMOTE_TOTAL_BYTES = 2 * 1024 * 1024 * 1024;
/** Most files fetched for one import. */
export const MAX_REMOTE_FILES = 5000;

/**
 * The name a fetched file is staged under: its path on the old site, relative (`wp-content/uploads/2020/05/a.jpg`),
 * which StagedArchive turns into a safe name beside index.md and points the body at.
 */
export function localFileName(url: string): string {
  const { pathname } = new URL(url);
  let decoded = pathname;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    // Kept as written.
  }
  return decoded.replace(/^\/+/, '').replace(/\.\.(?=\/|$)/g, '_') || 'file';
}

export class RemoteFiles {
  readonly #app: AppContext;
  readonly #dryRun: boolean;
  readonly #warnings: string[];
  readonly #fetch: Partial<SafeFetchOptions>;
  readonly #wouldFetch = new Set<string>();
  #totalBytes = 0;
  #count = 0;
  readonly #cache = new Map<string, Uint8Array | string>();
  signal?: AbortSignal;

  constructor(app: AppContext, options: { dryRun: boolean; warnings: string[]; fetch?: Partial<SafeFetchOptions>; signal?: AbortSignal }) {
    this.#app = app;
    this.#dryRun = options.dryRun;
    this.#warnings = options.warnings;
    this.#fetch = options.fetch ?? {};
    this.signal = options.signal;
  }

  /** How many distinct files a dry run would have fetched. */
  get wouldFetch(): number {
    return this.#wouldFetch.size;
  }

  /**
   * Brings along every address in `body` that `wanted` selects: returns the files to stage beside the piece (named
   * by their address, so StagedArchive points the body at them) and the body, in which pictures that could not be
   * fetched became links.
   */
  async bring(piece: string, body: string, wanted: (url: string) => boolean, extra: string[] = []): Promise<{ body: string; files: StagedFile[] }> {
    const urls = [...new Set([...markdownTargets(body).map((t) => t.url), ...extra])].filter((url) => /^https?:\/\//i.test(url) && wanted(url));
    const files: StagedFile[] = [];
    let out = body;
    for (const url of urls) {
      if (this.signal?.aborted) throw this.signal.reason ?? new Error('The import was stopped.');
      const result = await this.#get(url);
      if (typeof result === 'string') {
        if (result) this.#warnings.push(`"${piece}": ${url} ${result}; it is kept as a link to where it was.`);
        out = picturesToLinks(out, url);
      } else {
        const name = localFileName(url);
        files.push({ name, bytes: result });
        out = pointMarkdownAt(out, url, name);
      }
    }
    return { body: out, files };
  }

  /** The bytes of one address, or why not ('' for a dry run, which is reported once at the end). */
  async #get(url: string): Promise<Uint8Array | string> {
    const cached = this.#cache.get(url);
    if (cached !== undefined) return cached;
    let result: Uint8Array | string;
    if (!isKeepableFile(url)) result = 'is not a kind of file Potluck keeps';
    else if (this.#dryRun) {
      this.#wouldFetch.add(url);
      result = '';
    } else if (this.#count >= MAX_REMOTE_FILES || this.#totalBytes >= MAX_REMOTE_TOTAL_BYTES) {
      result = `was not fetched because this import already fetched ${this.#count} files (${formatBytes(this.#totalBytes)})`;
    } else {
      const cap = maxFileBytes(url);
      const fetched = await safeFetch(url, {
        allowPrivateNetworks: this.#app.config.allowPrivateNetworks,
        userAgent: potluckUserAgent(this.#app.config.siteUrl),
        maxBytes: Math.min(cap, MAX_REMOTE_TOTAL_BYTES - this.#totalBytes),
        timeoutMs: 60_000,
        now: this.#app.now,
        ...this.#fetch,
      });
      if (fetched.ok && fetched.status === 200) {
        this.#count++;
        this.#totalBytes += fetched.body.length;
        result = new Uint8Array(fetched.body);
      } else if (fetched.ok) result = `answered ${fetched.status} with no file`;
      else result = `could not be fetched (${fetched.message.replace(/\.$/, '')})`;
    }
    this.#cache.set(url, result);
    return result;
  }

  /** The dry run's one sentence about what it did not fetch (undefined when there was nothing to fetch). */
  dryRunNote(): string | undefined {
    if (!this.#dryRun || this.#wouldFetch.size === 0) return undefined;
    const hosts = [...new Set([...this.#wouldFetch].map((u) => new URL(u).host))].join(', ');
    return `A dry run fetches nothing: ${this.#wouldFetch.size} ${this.#wouldFetch.size === 1 ? 'file' : 'files'} would be fetched from ${hosts}.`;
  }
}
