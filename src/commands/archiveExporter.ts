/**
 * Exporting everything a student has as one `potluck-archive/1` archive (DESIGN.md "The archive format"): the
 * graduate's copy, which opens offline, imports into any Potluck and rebuilds into a website.
 *
 *   README.html                     the front door, for a non-technical reader: what is inside and how to use it,
 *                                   a link to site/, and every piece by date and by tag (core/archive/readme.ts)
 *   view/<folder>/index.html        each piece's offline page, of every visibility (marked): its text, pictures and
 *                                   files, feedback and review statuses, approved Webmentions (core/archive/views.ts)
 *   view/<folder>/<n>.html          each saved version, rendered from its Markdown (server/archive/offlineViews.ts)
 *   potluck.json                    format, exportedAt, profile (+ avatar), site (title, baseUrl, license, noindex)
 *   media.json                      per stored file (by SHA-256): the student's name for it, description, date, sizes
 *   hubs.json                       hub memberships, and where each artifact was syndicated
 *   feed.json                       JSON Feed 1.1 of the public work (the same feed as /@handle/feed.json)
 *   artifacts/<slug>/index.md       every artifact of every visibility; `media:ID` references become the file names
 *                                   of the stored originals copied beside index.md (also those old revisions used)
 *   revisions/<slug>/<n>.md         every revision: frontmatter {number, createdAt, note, title, date, ...} + body
 *   collections/<slug>.md           showcases: frontmatter {title, items, visibility}, intro as the body
 *   feedback/<folder>.md            the feedback thread on each piece that has one (core/archive/feedback.ts):
 *                                   frontmatter {artifact, slug, messages: [{id, author, handle, role, hub,
 *                                   revision, date}]}, each message's text in the body after its marker line
 *   mentions/<folder>.json          the Webmentions the student approved on each piece that has any
 *                                   (core/archive/mentions.ts): source, kind, author, date, sanitized text
 *   media/<name>                    uploads no artifact uses (the library), and the profile picture
 *   variants/<sha256>/w<n>.webp     the responsive sizes already made, so an import need not make them again
 *   site/                           the static public site (siteExporter), relative links, opens from disk
 *
 * The stored originals are written byte for byte, and the importer keeps such files as they are, so export ->
 * import -> export gives identical artifacts/, collections/, revisions/ and media. The archive is written entry by
 * entry (server/archive/archiveWriter.ts), streaming files from disk; the offline pages are made one at a time as
 * they are written, older versions rendered ahead on a worker thread where one runs. Import reads none of view/.
 */
import { and, asc, eq, getTableColumns, inArray, isNotNull, sql } from 'drizzle-orm';
import { FEEDBACK_DIR, stringifyFeedbackThread, type ArchiveFeedbackMessage } from '../core/archive/feedback.ts';
import { MENTIONS_DIR, stringifyMentions } from '../core/archive/mentions.ts';
import { approvedMentionsByArtifact } from '../server/webmention/receive/mentions.ts';
import type { Webmention } from '../server/db/schema.ts';
import { formatArchiveDate, stringifyFrontmatter } from '../core/archive/frontmatter.ts';
import { foldedName, isPortablePath, portableFileName, portableFolderNames } from '../core/archive/names.ts';
import { archiveReadme } from '../core/archive/readme.ts';
import { findMediaReferences, mediaReferenceId, replaceFileReferences } from '../core/archive/references.ts';
import { ARCHIVE_FORMAT, MEDIA_LIST_FILE, MEDIA_LIST_FORMAT, type MediaList } from '../core/archive/schema.ts';
import { PotluckError } from '../core/errors.ts';
import { toJsonFeed } from '../core/feeds/jsonFeed.ts';
import { joinUrl } from '../core/urls.ts';
import type { AppContext } from '../server/context.ts';
import type { ViewStatus } from '../core/archive/views.ts';
import { inThreadBodyRenderer, workerBodyRenderer } from '../server/archive/bodyRenderer.ts';
import { pieceViewEntries, readmePiece, renderAhead, versionsToRender, viewEntryCount, type OfflineViewContext, type PlannedRevision } from '../server/archive/offlineViews.ts';
import {
  artifacts,
  contributionStatuses,
  feedbackMessages,
  hubMembers,
  hubs,
  media,
  revisions,
  showcaseItems,
  showcases,
  syndications,
  users,
  type Artifact,
  type Media,
  type Revision,
  type User,
} from '../server/db/schema.ts';
import { checkArchiveOutput, createArchiveWriter, type ArchiveEntry, type ArchiveOutput } from '../server/archive/archiveWriter.ts';
import type { Renderer } from '../server/export/renderer.ts';
import { buildPortfolioFeed } from '../server/feeds.ts';
import { extensionForMime, originalFileName } from '../server/media/names.ts';
import { mediaFilePath } from '../server/media/storage.ts';
import { consentedMembership } from '../server/hubs/enrolment.ts';
import { exportActor, exportBase, prepareSiteExport, type PreparedSite } from './siteExporter.ts';
import { recordAudit } from '../server/audit/auditLog.ts';

export type { ArchiveOutput };

/** Progress of an export: rendering the site, then writing entries. */
export interface ArchiveProgress {
  phase: 'site' | 'write';
  done: number;
  total: number;
  /** The entry being written. */
  item?: string;
}

export interface ExportArchiveProps {
  handle: string;
  out: ArchiveOutput;
  onProgress?: (progress: ArchiveProgress) => void;
  /**
   * The static site in site/: how to render it (as for exportSite: default the running web server) and its base URL.
   * `false` leaves site/ out (tests and tools that only need the data).
   */
  site?: false | { renderer?: Renderer | (() => Promise<Renderer>); base?: string };
  /** Cancels the export (a download whose reader went away). */
  signal?: AbortSignal;
}

/** What an archive holds, by count; for the export page, the CLI and README.html. */
export interface ArchiveCounts {
  artifacts: { total: number; public: number; unlisted: number; members: number; private: number };
  revisions: number;
  /** Stored files (pictures and attachments), each counted once. */
  files: number;
  /** Bytes of those files, as copied into the archive (a file used by two artifacts is in both folders). */
  fileBytes: number;
  showcases: number;
  hubs: number;
  syndications: number;
  /** Feedback messages, and the pieces they are on (one file each in feedback/). */
  feedback: { messages: number; threads: number };
}

export interface ExportArchiveResult {
  handle: string;
  /** Entries written. */
  entries: number;
  /** Bytes of those entries before compression. */
  bytes: number;
  ms: number;
  counts: ArchiveCounts;
  site: { pages: number; files: number; base: string } | null;
  /** Things the student may want to know (references that could not be rewritten, site files left out). */
  warnings: string[];
}

/** A revision's columns but its HTML, and whether it kept any (see planArchive). */
const { html: keptHtmlColumn, ...revisionColumns } = getTableColumns(revisions);
const plannedRevisionColumns = { ...revisionColumns, hasHtml: sql<boolean>`${keptHtmlColumn} is not null`.mapWith((v) => v === 1 || v === true) };

/** One artifact's folder in the archive. */
interface PlannedArtifact {
  artifact: Artifact;
  folder: string;
  history: PlannedRevision[];
  /** Stored files copied beside index.md, by file name. */
  files: Map<string, Media>;
  /** Media id -> file name in the folder. */
  names: Map<string, string>;
  syndication: string[];
  /** Its feedback thread, oldest message first (empty: no feedback/ file). */
  feedback: ArchiveFeedbackMessage[];
  /** The Webmentions the student approved on it (empty: no mentions/ file). */
  mentions: Webmention[];
  /** Feedback message id -> its stored, sanitized HTML (for the offline page). */
  feedbackHtml: Map<string, string>;
  /** Its teachers' review statuses, one per hub. */
  statuses: ViewStatus[];
}

/** Everything decided before the first byte is written. */
export interface ArchivePlan {
  owner: User;
  base: string;
  artifacts: PlannedArtifact[];
  showcases: { slug: string; folder: string; title: string; intro: string; visibility: string; items: string[] }[];
  /** media/<name> -> item. */
  library: Map<string, Media>;
  avatar?: string;
  /** One item per distinct stored file, by SHA-256. */
  mediaList: MediaList;
  /** Pictures whose variants go in variants/<sha256>/. */
  variantSources: Media[];
  hubsJson: unknown;
  counts: ArchiveCounts;
  /** Approximate size of the archive in bytes, before compression and without site/. */
  approximateBytes: number;
  warnings: string[];
}

function findOwner(app: AppContext, handle: string): User {
  const clean = handle.replace(/^@/, '').trim().toLowerCase();
  const owner = app.db.select().from(users).where(eq(users.handle, clean)).get();
  if (!owner) {
    throw new PotluckError('NOT_FOUND', `There is no account @${clean} on this Potluck. Check the handle ("potluck user list" shows them).`);
  }
  return owner;
}

/** The media ids a body refers to, in order of first use. */
function mediaIdsIn(body: string, format: string): string[] {
  const ids: string[] = [];
  for (const ref of findMediaReferences(body, format === 'mdx' ? 'mdx' : 'markdown')) {
    const id = mediaReferenceId(ref.url);
    if (id && !ids.includes(id)) ids.push(id);
  }
  return ids;
}

/** Gathers the account's rows and decides every name in the archive. Reads the database only. */
export function planArchive(app: AppContext, owner: User, options: { base?: string } = {}): ArchivePlan {
  const warnings: string[] = [];
  const base = exportBase(app, owner, options.base);
  const rows = app.db.select().from(artifacts).where(eq(artifacts.ownerId, owner.id)).orderBy(asc(artifacts.slug)).all();
  const ids = rows.map((a) => a.id);
  const history = new Map<string, PlannedRevision[]>();
  const syndicated = new Map<string, { url: string; name: string; createdAt: Date }[]>();
  const threads = new Map<string, ArchiveFeedbackMessage[]>();
  const threadHtml = new Map<string, string>();
  const statuses = new Map<string, ViewStatus[]>();
  const mentions = approvedMentionsByArtifact(app, owner.id);
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    // Without the HTML each version kept: the offline pages read it piece by piece as they are written (keptHtml),
    // so the whole history's HTML is never in memory at once.
    for (const r of app.db.select(plannedRevisionColumns).from(revisions).where(inArray(revisions.artifactId, chunk)).orderBy(asc(revisions.number)).all()) {
      history.set(r.artifactId, [...(history.get(r.artifactId) ?? []), r]);
    }
    for (const s of app.db.select().from(syndications).where(inArray(syndications.artifactId, chunk)).all()) {
      syndicated.set(s.artifactId, [...(syndicated.get(s.artifactId) ?? []), s]);
    }
    // The threads on the student's own pieces: theirs, whoever wrote each message (a teacher's account may be gone).
    const messages = app.db
      .select({ message: feedbackMessages, handle: users.handle, hub: hubs.slug })
      .from(feedbackMessages)
      .leftJoin(users, eq(users.id, feedbackMessages.authorId))
      .leftJoin(hubs, eq(hubs.id, feedbackMessages.hubId))
      .where(inArray(feedbackMessages.artifactId, chunk))
      .orderBy(asc(feedbackMessages.createdAt), asc(feedbackMessages.id))
      .all();
    for (const { message: m, handle, hub } of messages) {
      const list = threads.get(m.artifactId) ?? [];
      list.push({ id: m.id, author: m.authorName, handle: handle ?? undefined, role: m.authorRole, hub: hub ?? undefined, revision: m.revision, date: m.createdAt, body: m.body });
      threads.set(m.artifactId, list);
      threadHtml.set(m.id, m.html);
    }
    const reviewed = app.db
      .select({ status: contributionStatuses, hub: hubs.title })
      .from(contributionStatuses)
      .innerJoin(hubs, eq(hubs.id, contributionStatuses.hubId))
      .where(inArray(contributionStatuses.artifactId, chunk))
      .orderBy(asc(contributionStatuses.setAt))
      .all();
    for (const { status: s, hub } of reviewed) {
      statuses.set(s.artifactId, [...(statuses.get(s.artifactId) ?? []), { hub, status: s.status, revision: s.revision, setAt: s.setAt }]);
    }
  }
  const allMedia = app.db.select().from(media).where(eq(media.ownerId, owner.id)).orderBy(asc(media.createdAt), asc(media.id)).all();
  const mediaById = new Map(allMedia.map((m) => [m.id, m]));
  const folders = portableFolderNames(rows.map((a) => a.slug));
  const placed = new Set<string>();

  const planned: PlannedArtifact[] = rows.map((artifact) => {
    const revs = history.get(artifact.id) ?? [];
    // Files are named in order of first use: the text now, its cover, then older and older revisions. The same
    // content gets the same names on every export, wherever it was imported in between.
    const order: string[] = [...mediaIdsIn(artifact.body, artifact.format)];
    if (artifact.coverMediaId) order.push(artifact.coverMediaId);
    for (const r of [...revs].reverse()) {
      order.push(...mediaIdsIn(r.body, r.format));
      if (r.coverMediaId) order.push(r.coverMediaId);
    }
    const taken = new Set(['index.md', 'index.mdx']);
    const names = new Map<string, string>();
    const bySha = new Map<string, string>();
    const files = new Map<string, Media>();
    for (const id of order) {
      if (names.has(id)) continue;
      const item = mediaById.get(id);
      if (!item) continue;
      // The same bytes uploaded twice are one file in the folder, so that an import (which stores them once) and
      // the next export agree.
      const existing = bySha.get(item.sha256);
      if (existing) {
        names.set(id, existing);
        continue;
      }
      const name = portableFileName(item.filename, fileExtension(item), taken);
      names.set(id, name);
      bySha.set(item.sha256, name);
      files.set(name, item);
      placed.add(item.id);
    }
    const syndication = [...new Set((syndicated.get(artifact.id) ?? []).map((s) => s.url))].sort();
    const feedback = threads.get(artifact.id) ?? [];
    return {
      artifact,
      folder: folders.get(artifact.slug)!,
      history: revs,
      files,
      names,
      syndication,
      feedback,
      mentions: mentions.get(artifact.id) ?? [],
      feedbackHtml: new Map(feedback.map((m) => [m.id, threadHtml.get(m.id) ?? ''])),
      statuses: statuses.get(artifact.id) ?? [],
    };
  });

  const showcaseRows = app.db.select().from(showcases).where(eq(showcases.ownerId, owner.id)).orderBy(asc(showcases.slug)).all();
  const slugById = new Map(rows.map((a) => [a.id, a.slug]));
  const showcaseFolders = portableFolderNames(showcaseRows.map((s) => s.slug));
  const plannedShowcases = showcaseRows.map((s) => {
    const items = app.db
      .select({ artifactId: showcaseItems.artifactId })
      .from(showcaseItems)
      .where(eq(showcaseItems.showcaseId, s.id))
      .orderBy(asc(showcaseItems.position))
      .all()
      .map((i) => slugById.get(i.artifactId))
      .filter((slug): slug is string => slug !== undefined);
    return { slug: s.slug, folder: showcaseFolders.get(s.slug)!, title: s.title, intro: s.intro, visibility: s.visibility, items };
  });

  // The library: uploads no artifact (now or in its history) uses, and the profile picture.
  // Bytes already in an artifact folder are not copied again: an import stores the same bytes once anyway.
  const library = new Map<string, Media>();
  const libraryTaken = new Set<string>();
  const librarySha = new Map<string, string>();
  const placedSha = new Set(allMedia.filter((m) => placed.has(m.id)).map((m) => m.sha256));
  let avatar: string | undefined;
  const avatarItem = owner.avatarMediaId ? mediaById.get(owner.avatarMediaId) : undefined;
  for (const item of allMedia) {
    if (placedSha.has(item.sha256) && item !== avatarItem) continue;
    const existing = librarySha.get(item.sha256);
    const name = existing ?? portableFileName(item.filename, fileExtension(item), libraryTaken);
    if (!existing) {
      library.set(name, item);
      librarySha.set(item.sha256, name);
    }
    if (item === avatarItem) avatar = `media/${name}`;
  }

  // media.json: one item per distinct stored file.
  const listed = new Map<string, MediaList['items'][number]>();
  const variantSources: Media[] = [];
  const everyPlaced = [...planned.flatMap((p) => [...p.files.values()]), ...library.values()];
  for (const item of everyPlaced) {
    if (listed.has(item.sha256)) continue;
    listed.set(item.sha256, {
      sha256: item.sha256,
      filename: item.filename,
      alt: item.alt,
      createdAt: item.createdAt,
      width: item.width ?? undefined,
      height: item.height ?? undefined,
      variants: item.variants.map((v) => ({ file: v.file, width: v.width, height: v.height })),
    });
    if (item.kind === 'image' && item.variants.length) variantSources.push(item);
  }
  const mediaList: MediaList = { format: MEDIA_LIST_FORMAT, items: [...listed.values()].sort((a, b) => (a.sha256 < b.sha256 ? -1 : 1)) };

  const memberships = app.db
    .select({ hub: hubs, role: hubMembers.role, joinedAt: hubMembers.joinedAt })
    .from(hubMembers)
    .innerJoin(hubs, eq(hubs.id, hubMembers.hubId))
    // Open invitations are not memberships the student has: they stay out of the archive.
    .where(and(eq(hubMembers.userId, owner.id), consentedMembership()))
    .orderBy(asc(hubs.slug))
    .all();
  const hubsJson = {
    format: 'potluck-hubs/1',
    handle: owner.handle,
    memberships: memberships.map((m) => ({
      hub: m.hub.slug,
      title: m.hub.title,
      description: m.hub.description,
      tags: m.hub.tags,
      url: joinUrl(app.config.siteUrl, `/hubs/${m.hub.slug}/`),
      role: m.role,
      joinedAt: m.joinedAt.toISOString(),
      // The student's work that carries one of the hub's hashtags and that the hub's members could see.
      tagged: rows.filter((a) => a.visibility !== 'private' && a.tags.some((t) => m.hub.tags.includes(t))).map((a) => a.slug),
    })),
    syndications: planned
      .filter((p) => (syndicated.get(p.artifact.id) ?? []).length > 0)
      .map((p) => ({
        artifact: p.artifact.slug,
        id: p.artifact.id,
        title: p.artifact.title,
        places: (syndicated.get(p.artifact.id) ?? [])
          .sort((x, y) => x.createdAt.getTime() - y.createdAt.getTime() || (x.url < y.url ? -1 : 1))
          .map((s) => ({ url: s.url, name: s.name, syndicatedAt: s.createdAt.toISOString() })),
      })),
  };

  const count = (v: string) => rows.filter((a) => a.visibility === v).length;
  const copies = [...planned.flatMap((p) => [...p.files.values()]), ...library.values()];
  const fileBytes = copies.reduce((sum, m) => sum + m.bytes, 0);
  const variantBytes = variantSources.reduce((sum, m) => sum + m.variants.reduce((s, v) => s + v.bytes, 0), 0);
  const textBytes =
    rows.reduce((sum, a) => sum + a.body.length + 400, 0) +
    [...history.values()].flat().reduce((sum, r) => sum + r.body.length + 300, 0) +
    [...threads.values()].flat().reduce((sum, m) => sum + m.body.length + 300, 0);
  return {
    owner,
    base,
    artifacts: planned,
    showcases: plannedShowcases,
    library,
    avatar,
    mediaList,
    variantSources,
    hubsJson,
    counts: {
      artifacts: { total: rows.length, public: count('public'), unlisted: count('unlisted'), members: count('members'), private: count('private') },
      revisions: [...history.values()].reduce((sum, list) => sum + list.length, 0),
      files: listed.size,
      fileBytes,
      showcases: plannedShowcases.length,
      hubs: memberships.length,
      syndications: [...syndicated.values()].reduce((sum, list) => sum + list.length, 0),
      feedback: { messages: [...threads.values()].reduce((sum, list) => sum + list.length, 0), threads: threads.size },
    },
    approximateBytes: fileBytes + variantBytes + textBytes,
    warnings,
  };
}

/** The extension of the stored original (what the bytes are), falling back to the student's name for it. */
function fileExtension(item: Media): string {
  const ext = extensionForMime(item.mime);
  return ext !== 'bin' ? ext : (/\.([A-Za-z0-9]{1,8})$/.exec(item.filename)?.[1] ?? 'bin');
}

/** A body with its `media:ID` references turned into the file names beside index.md. */
function bodyForArchive(body: string, format: string, names: Map<string, string>, where: string, warnings: string[]): string {
  const refs = findMediaReferences(body, format === 'mdx' ? 'mdx' : 'markdown');
  if (refs.some((r) => r.start === undefined)) {
    warnings.push(`${where}: a picture or file reference written with escapes was left as it is (media:…); check it after an import.`);
  }
  return replaceFileReferences(body, refs, (ref) => {
    const id = mediaReferenceId(ref.url);
    const name = id ? names.get(id) : undefined;
    return name ? `${name}${ref.fragment}` : undefined;
  });
}

/** `artifacts/<folder>/index.md`. */
function artifactFile(p: PlannedArtifact, warnings: string[]): string {
  const a = p.artifact;
  const data = {
    id: a.id,
    slug: p.folder !== a.slug ? a.slug : undefined,
    title: a.title,
    date: a.date,
    updated: a.updatedAt.getTime() !== a.date.getTime() ? a.updatedAt : undefined,
    summary: a.summary || undefined,
    tags: a.tags.length ? a.tags : undefined,
    visibility: a.visibility,
    kind: a.kind,
    cover: a.coverMediaId ? p.names.get(a.coverMediaId) : undefined,
    canonical: a.canonical ?? undefined,
    syndication: p.syndication.length ? p.syndication : undefined,
    link: a.linkUrl ?? undefined,
    format: a.format === 'mdx' ? 'mdx' : undefined,
  };
  return stringifyFrontmatter(data, bodyForArchive(a.body, a.format, p.names, `artifacts/${p.folder}/index.md`, warnings));
}

/** `revisions/<folder>/<n>.md`. */
function revisionFile(p: PlannedArtifact, r: PlannedRevision, warnings: string[]): string {
  const data = {
    number: r.number,
    createdAt: r.createdAt,
    note: r.note || undefined,
    title: r.title,
    date: r.date,
    summary: r.summary || undefined,
    tags: r.tags.length ? r.tags : undefined,
    visibility: r.visibility,
    kind: r.kind,
    cover: r.coverMediaId ? p.names.get(r.coverMediaId) : undefined,
    link: r.linkUrl ?? undefined,
    format: r.format === 'mdx' ? 'mdx' : undefined,
  };
  return stringifyFrontmatter(data, bodyForArchive(r.body, r.format, p.names, `revisions/${p.folder}/${r.number}.md`, warnings));
}

function manifest(plan: ArchivePlan, exportedAt: Date): string {
  const o = plan.owner;
  return `${JSON.stringify(
    {
      format: ARCHIVE_FORMAT,
      exportedAt: exportedAt.toISOString(),
      generator: 'Potluck',
      profile: { handle: o.handle, name: o.name, bio: o.bio, links: o.links, avatar: plan.avatar },
      site: {
        title: o.siteTitle || o.name,
        baseUrl: o.canonicalBaseUrl ?? undefined,
        license: o.siteLicense ?? undefined,
        noindex: o.noindex || undefined,
      },
    },
    null,
    2,
  )}\n`;
}

function mediaJson(list: MediaList): string {
  const items = list.items.map((i) => ({ ...i, createdAt: i.createdAt ? formatArchiveDate(i.createdAt) : undefined }));
  return `${JSON.stringify({ format: list.format, items }, null, 2)}\n`;
}

/** What the export page shows before the download: counts and an approximate size. */
export function describeArchiveExport(app: AppContext, ownerId: string): ArchiveCounts & { handle: string; approximateBytes: number } {
  const owner = app.db.select().from(users).where(eq(users.id, ownerId)).get();
  if (!owner) throw new PotluckError('NOT_FOUND', 'That account was not found.');
  const plan = planArchive(app, owner);
  return { ...plan.counts, handle: owner.handle, approximateBytes: plan.approximateBytes };
}

/** An archive planned and its site rendered, not written yet (the download page prepares, then streams). */
export interface PreparedArchive {
  handle: string;
  plan: ArchivePlan;
  site: PreparedSite | null;
  write(out: ArchiveOutput, onProgress?: (progress: ArchiveProgress) => void): Promise<ExportArchiveResult>;
}

/** Plans the archive and starts rendering its site; the promise settles when the site is rendered (or left out). */
function startArchive(app: AppContext, props: Omit<ExportArchiveProps, 'out'>) {
  const started = performance.now();
  const owner = findOwner(app, props.handle);
  const siteOptions = props.site === false ? null : (props.site ?? {});
  const plan = planArchive(app, owner, { base: siteOptions?.base });
  let site: Promise<PreparedSite | null> = Promise.resolve(null);
  if (siteOptions && owner.disabledAt) {
    plan.warnings.push('The account is disabled, so its public site is not online and site/ was left out; "potluck build" makes it from this archive.');
  } else if (siteOptions) {
    site = prepareSiteExport(app, {
      handle: owner.handle,
      base: siteOptions.base,
      renderer: siteOptions.renderer,
      onProgress: (p) => props.onProgress?.({ phase: 'site', done: p.done, total: p.total }),
      signal: props.signal,
    });
  }
  site.catch(() => {});
  return { owner, plan, site, started };
}

/**
 * Plans the archive of `handle` and renders its site, nothing written yet: a page can then answer with an error
 * (no renderer, say) before it starts a download.
 */
export async function prepareArchiveExport(app: AppContext, props: Omit<ExportArchiveProps, 'out'>): Promise<PreparedArchive> {
  const { owner, plan, site, started } = startArchive(app, props);
  const rendered = await site;
  return {
    handle: owner.handle,
    plan,
    site: rendered,
    write: (out, onProgress) => writeArchive(app, { plan, site: Promise.resolve(rendered), out, onProgress: onProgress ?? props.onProgress, started }),
  };
}

/**
 * Exports everything of `handle` (see the file comment) to a zip file, a folder or a stream. The site is rendered
 * while the rest is written (rendering is work for the processor, writing mostly waits for the disk).
 */
export async function exportArchive(app: AppContext, props: ExportArchiveProps): Promise<ExportArchiveResult> {
  checkArchiveOutput(props.out);
  const { plan, site, started } = startArchive(app, props);
  return writeArchive(app, { plan, site, out: props.out, onProgress: props.onProgress, started });
}

async function writeArchive(
  app: AppContext,
  props: { plan: ArchivePlan; site: Promise<PreparedSite | null>; out: ArchiveOutput; onProgress?: (p: ArchiveProgress) => void; started: number },
): Promise<ExportArchiveResult> {
  const { plan } = props;
  checkArchiveOutput(props.out);
  const exportedAt = app.now();
  const warnings = [...plan.warnings];
  // Filled in once the site is rendered (it may still be rendering while the rest is written).
  const rendered: { site: PreparedSite | null; pages: number } = { site: null, pages: 0 };
  const readme = () => archiveReadme({
    name: plan.owner.name,
    handle: plan.owner.handle,
    exportedAt,
    instanceUrl: app.config.siteUrl,
    artifacts: plan.counts.artifacts,
    revisions: plan.counts.revisions,
    files: plan.counts.files,
    showcases: plan.counts.showcases,
    hubs: plan.counts.hubs,
    feedback: plan.artifacts
      .filter((p) => p.feedback.length > 0)
      .map((p) => ({ title: p.artifact.title, file: `${FEEDBACK_DIR}/${p.folder}.md`, messages: p.feedback, href: readmePiece(p).href })),
    pieces: plan.artifacts.map(readmePiece),
    mentions: plan.artifacts.reduce((sum, p) => sum + p.mentions.length, 0),
    site: rendered.site ? { pages: rendered.pages, base: rendered.site.base } : null,
  });
  const feed = toJsonFeed(buildPortfolioFeed(app, { owner: plan.owner, target: { siteUrl: app.config.siteUrl, staticBase: plan.base.replace(/\/+$/, '') } }));
  const original = (item: Media) => mediaFilePath(app.config, item, originalFileName(item.mime));

  // Entries are produced one at a time while writing, so only the current one is ever built in memory. The site
  // comes last (it may still be rendering), then README.html, which counts its pages.
  async function* entries(): AsyncGenerator<ArchiveEntry> {
    yield { path: 'potluck.json', data: manifest(plan, exportedAt) };
    yield { path: MEDIA_LIST_FILE, data: mediaJson(plan.mediaList) };
    yield { path: 'hubs.json', data: `${JSON.stringify(plan.hubsJson, null, 2)}\n` };
    yield { path: 'feed.json', data: feed };
    for (const p of plan.artifacts) {
      yield { path: `artifacts/${p.folder}/index.md`, data: artifactFile(p, warnings) };
      for (const [name, item] of p.files) yield { path: `artifacts/${p.folder}/${name}`, source: original(item) };
    }
    for (const p of plan.artifacts) {
      for (const r of p.history) yield { path: `revisions/${p.folder}/${r.number}.md`, data: revisionFile(p, r, warnings) };
    }
    for (const p of plan.artifacts) {
      if (p.feedback.length === 0) continue;
      yield { path: `${FEEDBACK_DIR}/${p.folder}.md`, data: stringifyFeedbackThread({ artifact: p.artifact.id, slug: p.artifact.slug, messages: p.feedback }) };
    }
    for (const p of plan.artifacts) {
      if (p.mentions.length === 0) continue;
      yield { path: `${MENTIONS_DIR}/${p.folder}.json`, data: mentionsFile(p) };
    }
    for (const s of plan.showcases) {
      const data = { slug: s.folder !== s.slug ? s.slug : undefined, title: s.title, items: s.items.length ? s.items : undefined, visibility: s.visibility };
      yield { path: `collections/${s.folder}.md`, data: stringifyFrontmatter(data, s.intro) };
    }
    for (const [name, item] of plan.library) yield { path: `media/${name}`, source: original(item) };
    for (const item of plan.variantSources) {
      for (const v of item.variants) yield { path: `variants/${item.sha256}/${v.file}`, source: mediaFilePath(app.config, item, v.file) };
    }
    const site = (rendered.site = await props.site);
    if (site) {
      rendered.pages = site.plan.files.filter((f) => f.kind === 'page').length;
      total += site.plan.files.length;
      for (const f of site.plan.files) yield f.source ? { path: `site/${f.path}`, source: f.source } : { path: `site/${f.path}`, data: f.data };
    }
    // The offline pages README.html links to, after the site so that a public piece can link to its page there.
    const sitePages = new Set(site ? site.plan.files.filter((f) => f.kind === 'page').map((f) => f.path) : []);
    for (const p of plan.artifacts) yield* pieceViewEntries(views, p, sitePages, renderVersion);
    yield { path: 'README.html', data: readme() };
  }

  const views: OfflineViewContext = {
    owner: { name: plan.owner.name, handle: plan.owner.handle },
    siteUrl: app.config.siteUrl,
    variantsBySha: new Map(plan.variantSources.map((m) => [m.sha256, m])),
    folders: new Map(plan.artifacts.map((p) => [p.artifact.slug, p.folder])),
    keptHtml: (artifactId) =>
      new Map(
        app.db
          .select({ id: revisions.id, html: revisions.html })
          .from(revisions)
          .where(and(eq(revisions.artifactId, artifactId), isNotNull(revisions.html)))
          .all()
          .map((r) => [r.id, r.html!]),
      ),
  };
  let total =
    5 +
    plan.artifacts.reduce((sum, p) => sum + viewEntryCount(p), 0) +
    plan.artifacts.reduce((sum, p) => sum + 1 + p.files.size + p.history.length, 0) +
    plan.showcases.length +
    plan.counts.feedback.threads +
    plan.artifacts.filter((p) => p.mentions.length > 0).length +
    plan.library.size +
    plan.variantSources.reduce((sum, m) => sum + m.variants.length, 0);
  // Older saved versions are rendered for their offline pages: on a worker thread, which starts on them now while
  // the main thread writes the files and renders the site; else each when its page is written. Versions saved since
  // migration 0018 kept their HTML, so usually there is nothing to render, and then no thread is started (each one
  // loads the whole Markdown pipeline: over a second of processor time and tens of megabytes).
  const toRender = plan.artifacts.flatMap(versionsToRender);
  const bodies = toRender.length > 0 ? workerBodyRenderer() : inThreadBodyRenderer;
  const renderVersion = renderAhead(bodies, toRender);
  const writer = createArchiveWriter(props.out, exportedAt);
  // A site that cannot be rendered (no renderer, a page that fails) stops the export at once, not at the end.
  let siteFailure: unknown;
  props.site.catch((error: unknown) => (siteFailure = error));
  const seen = new Set<string>();
  let done = 0;
  let bytes = 0;
  try {
    for await (const entry of entries()) {
      if (siteFailure !== undefined) throw siteFailure;
      // Every name is generated to be unique; a collision would silently lose a file on Windows or macOS.
      const key = foldedName(entry.path);
      if (seen.has(key)) throw new Error(`Two archive entries would have the same name: ${entry.path}`);
      seen.add(key);
      if (!isPortablePath(entry.path)) warnings.push(`${entry.path}: this name may not unpack on Windows (too long, or a name Windows reserves).`);
      bytes += await writer.add(entry);
      done++;
      props.onProgress?.({ phase: 'write', done, total, item: entry.path });
    }
    await writer.commit();
    recordAudit(app, { action: 'export.archive', actor: exportActor(plan.owner), subject: { type: 'user', id: plan.owner.id }, subjectUser: plan.owner, details: { entries: done, bytes } });
  } catch (error) {
    await writer.abort();
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') {
      throw new PotluckError('CONFLICT', `A stored file is missing from the data folder (${(error as Error & { path?: string }).path ?? 'unknown'}), so the archive was not written. Ask the admin to check the media folder.`, { cause: error });
    }
    throw error;
  } finally {
    await bodies.close();
  }
  return {
    handle: plan.owner.handle,
    entries: done,
    bytes,
    ms: Math.round(performance.now() - props.started),
    counts: plan.counts,
    site: rendered.site ? { pages: rendered.pages, files: rendered.site.plan.files.length, base: rendered.site.base } : null,
    warnings: [...new Set(warnings)],
  };
}

/** `mentions/<folder>.json` of one piece (core/archive/mentions.ts). */
function mentionsFile(p: PlannedArtifact): string {
  return stringifyMentions({
    artifact: p.artifact.id,
    slug: p.artifact.slug,
    mentions: p.mentions.map((m) => ({
      source: m.source,
      kind: m.kind ?? 'mention',
      author: { name: m.authorName, url: m.authorUrl },
      url: m.url,
      published: m.published?.toISOString() ?? null,
      content: m.contentHtml,
      receivedAt: m.receivedAt.toISOString(),
      verifiedAt: (m.verifiedAt ?? m.receivedAt).toISOString(),
      teacherApproved: m.teacherApprovedAt !== null,
    })),
  });
}
