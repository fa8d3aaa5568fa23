/**
 * What may go into a student's static site, decided from the database before anything is rendered: where the crawl
 * starts (every public page and feed of the portfolio), which addresses it must never fetch (work that is not
 * public), and which media files it may copy (only what an anonymous visitor may load).
 */
import fs from 'node:fs';
import { eq, sql } from 'drizzle-orm';
import { sitePaths } from '../../core/urls.ts';
import { isListedPublicly } from '../../core/visibility.ts';
import { canReadMedia } from '../access.ts';
import type { AppContext } from '../context.ts';
import { prepared } from '../db/prepared.ts';
import { artifactMedia, artifacts, media, showcases, type Media, type User } from '../db/schema.ts';
import { originalFileName } from '../media/names.ts';
import { mediaFilePath } from '../media/storage.ts';
import { largestVariant } from '../media/urls.ts';

/** The portfolio as the export sees it. */
export interface ExportScope {
  owner: User;
  /** Live paths the crawl starts from (decoded). */
  seeds: string[];
  /** Live path prefixes never fetched: pages of work that is private, members-only or unlisted. */
  denied: string[];
  /** When each public page last changed, by lower-case live path (the sitemap's lastmod). */
  lastModified: Map<string, Date>;
  /** Counts for "what will be included". */
  counts: { artifacts: number; showcases: number; tags: number; images: number; attachments: number; leftOut: number };
}

/** Collects the seeds and the denied prefixes of one portfolio. */
export function exportScope(app: AppContext, owner: User): ExportScope {
  const handle = owner.handle;
  const rows = app.db
    .select({ slug: artifacts.slug, visibility: artifacts.visibility, tags: artifacts.tags, date: artifacts.date, updatedAt: artifacts.updatedAt })
    .from(artifacts)
    .where(eq(artifacts.ownerId, owner.id))
    .all();
  const shows = app.db
    .select({ slug: showcases.slug, visibility: showcases.visibility, updatedAt: showcases.updatedAt })
    .from(showcases)
    .where(eq(showcases.ownerId, owner.id))
    .all();
  const listed = rows.filter((a) => isListedPublicly(a.visibility));
  const listedShows = shows.filter((s) => isListedPublicly(s.visibility));
  const tags = [...new Set(listed.flatMap((a) => a.tags))].sort();
  const used = listed.length
    ? app.db
        .select({ id: media.id, kind: media.kind, visibility: artifacts.visibility })
        .from(artifactMedia)
        .innerJoin(artifacts, eq(artifacts.id, artifactMedia.artifactId))
        .innerJoin(media, eq(media.id, artifactMedia.mediaId))
        .where(eq(artifacts.ownerId, owner.id))
        .all()
        .filter((m) => isListedPublicly(m.visibility))
    : [];
  const usedKinds = new Map(used.map((m) => [m.id, m.kind]));
  const years = [...new Set(listed.map((a) => a.date.getUTCFullYear()))].sort();

  const seeds = [
    sitePaths.portfolio(handle),
    sitePaths.feed(handle, 'xml'),
    sitePaths.feed(handle, 'json'),
    sitePaths.archive(handle),
    ...years.map((y) => sitePaths.year(handle, y)),
    ...listed.map((a) => sitePaths.artifact(handle, a.slug)),
    ...(listedShows.length ? [sitePaths.showcases(handle)] : []),
    ...listedShows.map((s) => sitePaths.showcase(handle, s.slug)),
    ...tags.flatMap((t) => [sitePaths.tag(handle, t), sitePaths.tagFeed(handle, t, 'xml'), sitePaths.tagFeed(handle, t, 'json')]),
  ].map((p) => decodeURIComponent(p));

  // Only public work is copied out of the instance: a public page may link to unlisted or members-only work, and
  // that link keeps pointing at the live site, where the visibility rule still applies (and can still change).
  const denied = [
    ...rows.filter((a) => !isListedPublicly(a.visibility)).map((a) => sitePaths.artifact(handle, a.slug)),
    ...shows.filter((s) => !isListedPublicly(s.visibility)).map((s) => sitePaths.showcase(handle, s.slug)),
  ].map((p) => p.toLowerCase());

  const lastModified = new Map<string, Date>();
  const note = (path: string, at: Date) => {
    const key = decodeURIComponent(path).toLowerCase();
    const known = lastModified.get(key);
    if (!known || known < at) lastModified.set(key, at);
  };
  for (const a of listed) {
    note(sitePaths.artifact(handle, a.slug), a.updatedAt);
    note(sitePaths.portfolio(handle), a.updatedAt);
    for (const t of a.tags) note(sitePaths.tag(handle, t), a.updatedAt);
  }
  for (const s of listedShows) {
    note(sitePaths.showcase(handle, s.slug), s.updatedAt);
    note(sitePaths.portfolio(handle), s.updatedAt);
  }

  return {
    owner,
    seeds,
    denied,
    lastModified,
    counts: {
      artifacts: listed.length,
      showcases: listedShows.length,
      tags: tags.length,
      images: [...usedKinds.values()].filter((k) => k === 'image').length,
      attachments: [...usedKinds.values()].filter((k) => k === 'attachment').length,
      leftOut: rows.length - listed.length + shows.length - listedShows.length,
    },
  };
}

/** Whether a decoded live path is work that must not be exported. */
export function isDenied(scope: ExportScope, decodedPath: string): boolean {
  const lower = decodedPath.toLowerCase();
  return scope.denied.some((prefix) => lower === prefix || lower === prefix.slice(0, -1) || lower.startsWith(prefix));
}

/** A stored media file an anonymous visitor may load, with where it is on disk. */
export interface ExportableMedia {
  id: string;
  /** The stored file name (`w960.webp`, `original.pdf`). */
  file: string;
  source: string;
  bytes: number;
}

/**
 * Looks up stored media files an anonymous visitor may load — the same rule (canReadMedia) and the same names the
 * media route uses — remembering each item, since a page names one item several times (`src`, every `srcset` width).
 */
export function mediaCatalog(app: AppContext): (id: string, file: string | null) => ExportableMedia | null {
  const items = new Map<string, Media | null>();
  const byId = prepared(app.db, 'export.mediaById', (db) => db.select().from(media).where(eq(media.id, sql.placeholder('id'))).prepare());
  return (id, file) => {
    let row = items.get(id);
    if (row === undefined) {
      const found = byId.get({ id });
      row = found && canReadMedia(app, null, found.id) ? found : null;
      items.set(id, row);
    }
    if (!row) return null;
    const original = originalFileName(row.mime);
    let name: string | undefined;
    // `/media/<id>/` serves a picture's widest variant, or the file itself for an attachment.
    if (file === null) name = (row.kind === 'image' ? largestVariant(row.variants)?.file : undefined) ?? original;
    else if (file === original || row.variants.some((v) => v.file === file)) name = file;
    if (!name) return null;
    const source = mediaFilePath(app.config, row, name);
    const stat = fs.statSync(source, { throwIfNoEntry: false });
    if (!stat?.isFile()) return null;
    return { id: row.id, file: name, source, bytes: stat.size };
  };
}
