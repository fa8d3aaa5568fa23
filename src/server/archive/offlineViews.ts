/**
 * The archive's offline pages (core/archive/views.ts) made from what the exporter planned: for each piece, its page
 * and one page per saved version, produced one at a time as the archive is written, so that only the page being
 * written is ever built in memory. The piece as it is now shows its stored HTML (what the site shows); an older
 * version is rendered from its Markdown by the one Markdown pipeline (the exporter passes the renderer, which may
 * have rendered it ahead on another thread) and sized like a save would, then every address is pointed into the
 * archive (core/archive/offlineHtml.ts).
 */
import type { ArchiveFeedbackMessage } from '../../core/archive/feedback.ts';
import { offlineHtml, type ArchivedFile, type OfflineLinks } from '../../core/archive/offlineHtml.ts';
import type { ReadmePiece } from '../../core/archive/readme.ts';
import {
  escapeHtml,
  pieceView,
  pieceViewPath,
  revisionView,
  revisionViewPath,
  VIEW_ROOT,
  type ViewFile,
  type ViewStatus,
  type Visibility,
} from '../../core/archive/views.ts';
import { findMediaReferences, mediaReferenceId } from '../../core/archive/references.ts';
import type { BodyFormat, RenderResult } from '../../core/markdown/render.ts';
import { addResponsiveImages, type ResponsiveImage } from '../../core/markdown/responsiveImages.ts';
import { joinUrl, sitePaths } from '../../core/urls.ts';
import type { Artifact, Media, Revision, Webmention } from '../db/schema.ts';
import type { ArchiveEntry } from './archiveWriter.ts';
import type { BodyRenderer } from './bodyRenderer.ts';

/**
 * A saved version as the exporter plans it: every column but the HTML it kept when it was saved, which is read only
 * when the piece's pages are written (OfflineViewContext.keptHtml); `hasHtml` says whether there is any.
 */
export type PlannedRevision = Omit<Revision, 'html'> & { hasHtml: boolean };

/** The text of a saved version, which is all that rendering it needs. */
export type VersionText = Pick<Revision, 'id' | 'body' | 'format'>;

/** What the pages of one piece are made from (the exporter's plan of that piece). */
export interface ViewedPiece {
  artifact: Artifact;
  folder: string;
  history: PlannedRevision[];
  /** Stored files beside index.md, by file name. */
  files: Map<string, Media>;
  /** Media id -> file name in the folder. */
  names: Map<string, string>;
  feedback: ArchiveFeedbackMessage[];
  /** Feedback message id -> its stored, sanitized HTML. */
  feedbackHtml: Map<string, string>;
  statuses: ViewStatus[];
  mentions: Webmention[];
}

/** What is the same for every page of one archive. */
export interface OfflineViewContext {
  owner: { name: string; handle: string };
  /** This instance's address (live links point there). */
  siteUrl: string;
  /** Pictures whose variants the archive holds (variants/<sha256>/), by SHA-256. */
  variantsBySha: ReadonlyMap<string, Media>;
  /** Slug -> folder of every piece, for links between pieces. */
  folders: ReadonlyMap<string, string>;
  /** Revision id -> the HTML it kept when it was saved, for the versions of one piece that kept any. */
  keptHtml(artifactId: string): ReadonlyMap<string, string>;
}

/** How many entries the pages of a piece are. */
export function viewEntryCount(p: ViewedPiece): number {
  return 1 + p.history.length;
}

/** Where each of the piece's files is in the archive, by media id. */
function archivedFiles(ctx: OfflineViewContext, p: ViewedPiece): Map<string, ArchivedFile> {
  const out = new Map<string, ArchivedFile>();
  for (const [id, name] of p.names) {
    const item = p.files.get(name);
    const withVariants = item ? ctx.variantsBySha.get(item.sha256) : undefined;
    const variants = new Map((withVariants?.variants ?? []).map((v) => [v.file, `variants/${withVariants!.sha256}/${v.file}`]));
    out.set(id, { original: `artifacts/${p.folder}/${name}`, variants });
  }
  return out;
}

/** The pictures of the piece as a save sizes them (the same facts as artifactSaver's sizeImages). */
function responsiveImages(p: ViewedPiece): Map<string, ResponsiveImage> {
  const images = new Map<string, ResponsiveImage>();
  for (const [id, name] of p.names) {
    const item = p.files.get(name);
    if (item?.kind === 'image') images.set(id, { width: item.width, height: item.height, variants: item.variants, alt: item.alt });
  }
  return images;
}

/** Renders a saved version's Markdown (bodyRenderer.ts: on a worker thread where one runs). */
export type RenderVersion = (r: VersionText) => Promise<RenderResult>;

/**
 * The saved versions of a piece whose pages need their Markdown rendered: those whose text differs from the piece as
 * it is now (the newest version usually is the same, and its stored HTML is what the site shows) and that kept no HTML
 * of their own when they were saved.
 */
export function versionsToRender(p: ViewedPiece): PlannedRevision[] {
  return p.history.filter((r) => !r.hasHtml && !sameTextAsNow(p, r));
}

/** Whether a version's text is the piece's text now (whose stored HTML is what the site shows). */
function sameTextAsNow(p: ViewedPiece, r: VersionText): boolean {
  return r.body === p.artifact.body && r.format === p.artifact.format;
}

/**
 * Renders the given versions in the order their pages are written, working ahead on a renderer that can (a worker
 * thread) by up to `budget` characters of Markdown not yet asked for, so that rendering overlaps the rest of the
 * export while what waits in memory stays bounded; any other version is rendered when asked for.
 */
export function renderAhead(renderer: BodyRenderer, order: VersionText[], budget = 16_000_000): RenderVersion {
  const early = new Map<string, { promise: Promise<RenderResult>; size: number }>();
  // Versions saved with the same text (a new title, a new tag) are rendered once.
  const byText = new Map<string, Promise<RenderResult>>();
  let next = 0;
  let waiting = 0;
  const topUp = () => {
    if (!renderer.ahead) return;
    while (next < order.length && (waiting === 0 || waiting + order[next].body.length <= budget)) {
      const r = order[next++];
      const key = `${versionFormat(r)}\n${r.body}`;
      const promise = byText.get(key) ?? renderer.render(r.body, versionFormat(r));
      byText.set(key, promise);
      // Versions of one piece are next to each other: remembering the last few texts is enough.
      if (byText.size > 64) byText.delete(byText.keys().next().value!);
      early.set(r.id, { promise, size: r.body.length });
      waiting += r.body.length;
    }
  };
  topUp();
  return (r) => {
    const job = early.get(r.id);
    if (!job) return renderer.render(r.body, versionFormat(r));
    early.delete(r.id);
    waiting -= job.size;
    topUp();
    return job.promise;
  };
}

/** How a saved version's body is given to the renderer. */
export function versionFormat(r: VersionText): BodyFormat {
  return r.format === 'mdx' ? 'mdx' : 'markdown';
}

/** A saved version's HTML, rendered from its Markdown like a save renders it and sized like a save sizes it. */
async function revisionHtml(
  p: ViewedPiece,
  r: PlannedRevision,
  kept: ReadonlyMap<string, string>,
  images: Map<string, ResponsiveImage>,
  render: RenderVersion,
): Promise<string> {
  if (sameTextAsNow(p, r)) return p.artifact.html;
  // Kept when it was saved: already sized.
  const html = r.hasHtml ? kept.get(r.id) : undefined;
  if (html !== undefined) return html;
  const rendered = await render(r);
  if (!rendered.ok) {
    return `<p>This version could not be shown as a page (${escapeHtml(rendered.errors[0]?.message ?? 'it does not render')}); here is its text as written:</p>\n<pre>${escapeHtml(r.body)}</pre>`;
  }
  return addResponsiveImages(rendered.html, images);
}

/** The media ids a body shows or links to. */
function idsIn(body: string, format: string): Set<string> {
  const ids = new Set<string>();
  for (const ref of findMediaReferences(body, format === 'mdx' ? 'mdx' : 'markdown')) {
    const id = mediaReferenceId(ref.url);
    if (id) ids.add(id);
  }
  return ids;
}

/** The offline pages of one piece: its page, then one page per saved version. */
export async function* pieceViewEntries(
  ctx: OfflineViewContext,
  p: ViewedPiece,
  sitePages: ReadonlySet<string>,
  render: RenderVersion,
): AsyncGenerator<ArchiveEntry> {
  const a = p.artifact;
  const livePath = sitePaths.artifact(ctx.owner.handle, a.slug);
  const liveUrl = joinUrl(ctx.siteUrl, livePath);
  const pieces = new Map([...ctx.folders].map(([slug, folder]) => [slug, pieceViewPath(folder)]));
  const links: OfflineLinks = { files: archivedFiles(ctx, p), pieces, handle: ctx.owner.handle, liveUrl, root: VIEW_ROOT };
  const used = idsIn(a.body, a.format);
  if (a.coverMediaId) used.add(a.coverMediaId);
  const shownNow = new Set([...p.names].filter(([id]) => used.has(id)).map(([, name]) => name));
  const files: ViewFile[] = [...p.files].map(([name, item]) => ({
    name,
    path: `artifacts/${p.folder}/${name}`,
    kind: item.kind,
    alt: item.alt,
    current: shownNow.has(name),
  }));
  const coverName = a.coverMediaId ? p.names.get(a.coverMediaId) : undefined;
  const sitePage = `${a.slug}/index.html`;
  yield {
    path: pieceViewPath(p.folder),
    data: pieceView({
      owner: ctx.owner.name,
      folder: p.folder,
      title: a.title,
      visibility: a.visibility as Visibility,
      kind: a.kind,
      date: a.date,
      updated: a.updatedAt.getTime() !== a.date.getTime() ? a.updatedAt : null,
      summary: a.summary,
      tags: a.tags,
      linkUrl: a.linkUrl,
      cover: coverName ? { path: `artifacts/${p.folder}/${coverName}`, alt: p.files.get(coverName)?.alt ?? '' } : null,
      html: offlineHtml(a.html, links),
      files,
      revisions: p.history.map((r) => ({ number: r.number, createdAt: r.createdAt, note: r.note, title: r.title })),
      feedback: p.feedback.map((m) => ({
        author: m.author,
        role: m.role,
        hub: m.hub,
        revision: m.revision,
        date: m.date,
        html: offlineHtml(p.feedbackHtml.get(m.id) ?? `<p>${escapeHtml(m.body)}</p>`, links),
      })),
      statuses: p.statuses,
      mentions: p.mentions.map((m) => ({
        kind: m.kind ?? 'mention',
        author: m.authorName,
        authorUrl: m.authorUrl && /^https?:\/\//i.test(m.authorUrl) ? m.authorUrl : null,
        url: m.url && /^https?:\/\//i.test(m.url) ? m.url : m.source,
        date: m.published ?? m.verifiedAt ?? m.receivedAt,
        html: m.contentHtml ? offlineHtml(m.contentHtml, { ...links, liveUrl: m.source }) : null,
      })),
      sitePage: a.visibility === 'public' && sitePages.has(sitePage) ? `site/${sitePage}` : null,
      liveUrl,
    }),
  };
  const images = responsiveImages(p);
  // Read only when a version page needs it, and only for this piece.
  const kept = p.history.some((r) => r.hasHtml && !sameTextAsNow(p, r)) ? ctx.keptHtml(a.id) : new Map<string, string>();
  const latest = p.history.length ? p.history[p.history.length - 1].number : 0;
  for (const [i, r] of p.history.entries()) {
    yield {
      path: revisionViewPath(p.folder, r.number),
      data: revisionView({
        owner: ctx.owner.name,
        folder: p.folder,
        pieceTitle: a.title,
        number: r.number,
        latest,
        previous: i > 0 ? p.history[i - 1].number : null,
        next: i < p.history.length - 1 ? p.history[i + 1].number : null,
        createdAt: r.createdAt,
        note: r.note,
        title: r.title,
        date: r.date,
        summary: r.summary,
        tags: r.tags,
        visibility: r.visibility as Visibility,
        html: offlineHtml(await revisionHtml(p, r, kept, images, render), links),
      }),
    };
  }
}

/** The piece as README.html lists it. */
export function readmePiece(p: ViewedPiece): ReadmePiece {
  return {
    title: p.artifact.title,
    date: p.artifact.date,
    visibility: p.artifact.visibility as Visibility,
    tags: p.artifact.tags,
    href: pieceViewPath(p.folder).split('/').map(encodeURIComponent).join('/'),
    versions: p.history.length,
    feedback: p.feedback.length,
  };
}
