/**
 * Exports a student's public site as static files (a folder, a zip file, or a zip streamed to a download): every
 * public page and feed, the stylesheets, and the pictures and attachments those pages use, with relative links so
 * that the folder works from disk, at a domain root and under a sub-path, plus what a web host reads (404.html,
 * sitemap.xml, robots.txt, .nojekyll, CNAME: server/export/hosting.ts). Pages come from the real templates through
 * a renderer (server/export/renderer.ts); what may be included is decided in server/export/scope.ts. Publishing to
 * GitHub Pages uploads exactly these files.
 */
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { PotluckError, invalid } from '../core/errors.ts';
import { joinUrl, sitePaths } from '../core/urls.ts';
import { recordAudit } from '../server/audit/auditLog.ts';
import { currentAuditScope } from '../server/audit/scope.ts';
import type { AppContext } from '../server/context.ts';
import { users, type User } from '../server/db/schema.ts';
import { crawlSite, type CrawlOptions, type ExportProgress, type SiteFile, type SitePlan } from '../server/export/crawler.ts';
import { hostingFiles, parseSiteDomain } from '../server/export/hosting.ts';
import { oldSlugsOf } from '../server/repositories/portfolio.ts';
import { internalRenderer, type Renderer } from '../server/export/renderer.ts';
import { exportScope, type ExportScope } from '../server/export/scope.ts';
import { checkOutput, createWriter, type SiteOutput, type SiteWriter } from '../server/export/writers.ts';

export type { ExportProgress, SiteOutput };

export interface ExportSiteProps {
  handle: string;
  /** Where the site will be published; canonical, feed and u-url links are absolute under it. */
  base?: string;
  /** A custom domain the site is served at (`maya.example.org`): written to `CNAME`. */
  domain?: string | null;
  /**
   * Other addresses this copy is served at besides `base` (absolute, ending in '/'): a GitHub Pages copy whose
   * canonical home is elsewhere. Its pages do not list those addresses among the places the work was published.
   */
  servedAt?: string[];
  out: SiteOutput;
  onProgress?: (progress: ExportProgress) => void;
  /**
   * How pages are rendered: a renderer (kept open), or a function that starts one once the handle and the target
   * have been checked (closed at the end). Default: the running web server (POTLUCK_INTERNAL_URL).
   */
  renderer?: Renderer | (() => Promise<Renderer>);
  /** Pages rendered at once. */
  concurrency?: number;
  /** Cancels the export (a download whose reader went away). */
  signal?: AbortSignal;
  /** False when the export is one step of a job that records its own audit event (publishing). */
  audit?: boolean;
}

export interface ExportSiteResult {
  handle: string;
  base: string;
  pages: number;
  files: number;
  bytes: number;
  ms: number;
  /** Every file, in path order. */
  listing: { path: string; kind: SiteFile['kind']; bytes: number }[];
  /** Starting points the site does not have (routes that answered 404). */
  skipped: string[];
  /** Links on exported pages to addresses that answered 404; they point at the live instance. */
  broken: SitePlan['broken'];
}

const baseSchema = z
  .url({ protocol: /^https?$/, error: 'The base must be a full web address starting with https:// (or http://).' })
  .transform((value) => {
    const url = new URL(value);
    url.search = '';
    url.hash = '';
    return url.href.endsWith('/') ? url.href : `${url.href}/`;
  });

/** The account whose site is exported: active accounts only. */
function ownerOf(app: AppContext, handle: string): User {
  const owner = app.db.select().from(users).where(eq(users.handle, handle.replace(/^@/, '').toLowerCase())).get();
  if (!owner || owner.disabledAt) {
    throw new PotluckError('NOT_FOUND', `There is no active account @${handle.replace(/^@/, '')} on this Potluck. Check the handle ("potluck user list" shows them).`);
  }
  return owner;
}

/**
 * The base URL of an export: the one asked for, else the student's chosen canonical home (so canonical and feed
 * links agree), else this instance's address of the portfolio.
 */
export function exportBase(app: AppContext, owner: User, base?: string): string {
  const chosen = base ?? owner.canonicalBaseUrl ?? joinUrl(app.config.siteUrl, sitePaths.portfolio(owner.handle));
  const parsed = baseSchema.safeParse(chosen);
  if (!parsed.success) throw invalid([{ field: 'base', message: parsed.error.issues[0].message }]);
  return parsed.data;
}

/** What an export of this account's site will hold, from the database (no rendering): for the download page. */
export function describeSiteExport(app: AppContext, ownerId: string): ExportScope['counts'] & { base: string; handle: string } {
  const owner = app.db.select().from(users).where(eq(users.id, ownerId)).get();
  if (!owner) throw new PotluckError('NOT_FOUND', 'That account was not found.');
  return { ...exportScope(app, owner).counts, base: exportBase(app, owner), handle: owner.handle };
}

/** A rendered, linked site that has not been written yet (the download page renders first, then streams). */
export interface PreparedSite {
  handle: string;
  base: string;
  plan: SitePlan;
  /** Writes the site; the result counts what was written. */
  write(out: SiteOutput, onProgress?: (progress: ExportProgress) => void): Promise<ExportSiteResult>;
  /** What the export holds, with the time taken so far. */
  result(): ExportSiteResult;
}

/**
 * Renders and links the site of `handle`; files whose contents need no linking may be handed to `onFile` early, and
 * the folders of rendered files to `onFolder`.
 */
export async function prepareSiteExport(
  app: AppContext,
  props: Omit<ExportSiteProps, 'out'> & Pick<CrawlOptions, 'onFile' | 'onFolder'>,
): Promise<PreparedSite> {
  const started = performance.now();
  const owner = ownerOf(app, props.handle);
  const base = exportBase(app, owner, props.base);
  const domain = props.domain ? parseSiteDomain(props.domain) : null;
  const owned = typeof props.renderer !== 'object';
  const renderer = typeof props.renderer === 'object' ? props.renderer : props.renderer ? await props.renderer() : internalRenderer();
  let plan: SitePlan;
  try {
    const scope = exportScope(app, owner);
    plan = await crawlSite(app, {
      scope,
      base,
      servedAt: props.servedAt,
      renderer,
      concurrency: props.concurrency,
      onProgress: props.onProgress,
      onFile: props.onFile,
      onFolder: props.onFolder,
      signal: props.signal,
    });
    const moved = oldSlugsOf(app, owner.id).map((m) => ({ from: m.oldSlug, to: m.slug }));
    plan.files.push(...hostingFiles({ scope, base, files: plan.files, domain, moved }));
    plan.files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  } finally {
    if (owned) await renderer.close();
  }
  const result = (): ExportSiteResult => ({
    handle: owner.handle,
    base,
    pages: plan.files.filter((f) => f.kind === 'page').length,
    files: plan.files.length,
    bytes: plan.files.reduce((sum, f) => sum + f.bytes, 0),
    ms: Math.round(performance.now() - started),
    listing: plan.files.map((f) => ({ path: f.path, kind: f.kind, bytes: f.bytes })),
    skipped: plan.skipped,
    broken: plan.broken,
  });
  return {
    handle: owner.handle,
    base,
    plan,
    async write(out, onProgress) {
      checkOutput(out);
      const writer = createWriter(out, app.now());
      try {
        await writeAll(writer, plan.files, out, onProgress);
        await writer.commit();
        recordSiteExport(app, owner, plan);
      } catch (error) {
        await writer.abort();
        throw error;
      }
      return result();
    },
    result,
  };
}

/**
 * Writes files with several writes in flight (a folder keeps the disk busy; a zip queues them in order). Every
 * write settles before a failure is reported, so nothing is written after the cleanup.
 */
async function writeAll(writer: SiteWriter, files: SiteFile[], out: SiteOutput, onProgress?: (progress: ExportProgress) => void): Promise<void> {
  const total = files.length;
  let next = 0;
  let done = 0;
  let failed = false;
  const lane = async () => {
    while (next < total && !failed) {
      try {
        await writer.write(files[next++]);
      } catch (error) {
        failed = true;
        throw error;
      }
      onProgress?.({ phase: 'write', done: ++done, total });
    }
  };
  const lanes = await Promise.allSettled(Array.from({ length: out.kind === 'dir' ? 16 : 1 }, lane));
  const failure = lanes.find((l) => l.status === 'rejected');
  if (failure) throw failure.reason;
}

/**
 * Who an export is by, for the audit log: on the web only the owner can download their own site or archive, so it
 * is them; at the shell it is the operator (no account).
 */
export function exportActor(owner: User): User | null {
  return currentAuditScope()?.address === 'cli' ? null : owner;
}

function recordSiteExport(app: AppContext, owner: User, plan: SitePlan): void {
  recordAudit(app, { action: 'export.site', actor: exportActor(owner), subject: { type: 'user', id: owner.id }, subjectUser: owner, details: { files: plan.files.length } });
}

/** Exports the public site of `handle` to a folder, a zip file or a stream; refuses a target that would lose data. */
export async function exportSite(app: AppContext, props: ExportSiteProps): Promise<ExportSiteResult> {
  // Refuse a bad target before rendering anything.
  checkOutput(props.out);
  exportBase(app, ownerOf(app, props.handle), props.base);
  if (props.domain) parseSiteDomain(props.domain);
  const writer = createWriter(props.out, app.now());
  // Pictures and attachments are copied, and folders made, while pages still render: the disk works while the
  // renderer does.
  const early = new Set<string>();
  const copies: Promise<unknown>[] = [];
  try {
    const prepared = await prepareSiteExport(app, {
      ...props,
      onFile: (file) => {
        early.add(file.path);
        copies.push(writer.write(file));
      },
      // Folders too: on a disk where every new name is slow, most of the folder work is then done by the end.
      onFolder: (folder) => copies.push(writer.prepare(folder)),
    });
    const settled = await Promise.allSettled(copies);
    const failure = settled.find((c) => c.status === 'rejected');
    if (failure) throw failure.reason;
    await writeAll(writer, prepared.plan.files.filter((f) => !early.has(f.path)), props.out, props.onProgress);
    await writer.commit();
    if (props.audit !== false) recordSiteExport(app, ownerOf(app, props.handle), prepared.plan);
    return prepared.result();
  } catch (error) {
    await Promise.allSettled(copies);
    await writer.abort();
    throw error;
  }
}
