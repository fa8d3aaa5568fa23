/**
 * The work anyone may see listed: what feeds, the sitemap and shared caches are built from. Which visibilities
 * that is comes from core/visibility (`listedVisibilities('public')`), the one place that decides; these queries only
 * apply it. Each function is a fixed number of queries, whatever the size of the portfolio or the instance.
 */
import { and, asc, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import { listedVisibilities } from '../../core/visibility.ts';
import type { AppContext } from '../context.ts';
import { remembered } from '../db/changes.ts';
import { prepared } from '../db/prepared.ts';
import { artifactMedia, artifactTags, artifacts, media, showcases, users, type Artifact, type Media, type User } from '../db/schema.ts';

const PUBLIC = listedVisibilities('public');

/** A picture's facts a feed needs: its id (for the address) and whether it is a picture at all. */
export interface PublicCover {
  id: string;
  alt: string;
}

/** A piece of public work with what a feed shows beside its HTML. */
export interface PublicWork {
  artifact: Artifact;
  cover: PublicCover | null;
  /** Attachments the work uses (kind `attachment`), oldest upload first. */
  attachments: Pick<Media, 'id' | 'filename' | 'mime' | 'bytes'>[];
}

/** The newest public work of `owner` (only one tag's, when given), newest first, at most `limit`. Two queries. */
export function listPublicWork(app: AppContext, owner: Pick<User, 'id'>, options: { tag?: string; limit: number }): PublicWork[] {
  // Prepared once: a static export builds a feed for every tag of a portfolio.
  const tagged = options.tag !== undefined;
  const works = prepared(app.db, `publicWork.list.${tagged ? 'tag' : 'all'}`, (db) =>
    db
      .select({ artifact: artifacts, coverId: media.id, coverAlt: media.alt, coverKind: media.kind })
      .from(artifacts)
      .leftJoin(media, eq(media.id, artifacts.coverMediaId))
      .where(
        and(
          eq(artifacts.ownerId, sql.placeholder('owner')),
          inArray(artifacts.visibility, PUBLIC),
          tagged ? inArray(artifacts.id, sql`(select ${artifactTags.artifactId} from ${artifactTags} where ${artifactTags.tag} = ${sql.placeholder('tag')})`) : undefined,
        ),
      )
      .orderBy(desc(artifacts.date), desc(artifacts.id))
      .limit(sql.placeholder('limit'))
      .prepare(),
  );
  const rows = works.all({ owner: owner.id, tag: options.tag, limit: options.limit });
  const files = new Map<string, PublicWork['attachments']>();
  if (rows.length) {
    // The ids go in as one JSON array, so one statement serves any number of them.
    const attachments = prepared(app.db, 'publicWork.attachments', (db) =>
      db
        .select({ artifactId: artifactMedia.artifactId, id: media.id, filename: media.filename, mime: media.mime, bytes: media.bytes })
        .from(artifactMedia)
        .innerJoin(media, eq(media.id, artifactMedia.mediaId))
        .where(and(sql`${artifactMedia.artifactId} in (select value from json_each(${sql.placeholder('ids')}))`, eq(media.kind, 'attachment')))
        .orderBy(asc(media.createdAt), asc(media.id))
        .prepare(),
    );
    const found = attachments.all({ ids: JSON.stringify(rows.map((r) => r.artifact.id)) });
    for (const { artifactId, ...file } of found) files.set(artifactId, [...(files.get(artifactId) ?? []), file]);
  }
  return rows.map((r) => ({
    artifact: r.artifact,
    cover: r.coverId && r.coverKind === 'image' ? { id: r.coverId, alt: r.coverAlt ?? '' } : null,
    attachments: files.get(r.artifact.id) ?? [],
  }));
}

/**
 * A cheap summary of everything public on a portfolio: it changes whenever what the public sees may have changed
 * (work added, removed, edited, made public or private; a showcase changed). Cache validators use it beside
 * `contentVersion`, so a write path that forgets to bump the version still never leaves a stale page cached.
 * One query.
 */
export interface PublicFingerprint {
  works: number;
  /** Sum of revision numbers: every edit of a public piece raises it. */
  revisions: number;
  showcases: number;
  /** When public work or a public showcase last changed; null for an empty portfolio. */
  lastModified: Date | null;
}

interface FingerprintRow {
  works: number;
  revisions: number;
  worksAt: number | null;
  showcases: number;
  showcasesAt: number | null;
}

/**
 * The public fingerprint of a portfolio, worked out once until the next write (any write anywhere gives a new one):
 * every page and feed of a portfolio asks for it, a static export dozens of times.
 */
export function publicFingerprint(app: AppContext, owner: Pick<User, 'id'>): PublicFingerprint {
  return remembered(app.db, `publicWork.fingerprint\u0000${owner.id}`, () => Object.freeze(publicFingerprintNow(app, owner)));
}

function publicFingerprintNow(app: AppContext, owner: Pick<User, 'id'>): PublicFingerprint {
  // Prepared once: this runs on every anonymous public request (ETags are computed before rendering).
  const statement = prepared(app.db, 'publicWork.fingerprint', (db) => {
    // The listed visibilities are constants of the schema's enum, so they can stand in the SQL text.
    const visible = PUBLIC.map((v) => `'${v}'`).join(', ');
    return db.$client.prepare<{ owner: string }, FingerprintRow>(`
      select a.works, a.revisions, a.worksAt, s.showcases, s.showcasesAt
      from (select count(*) as works, coalesce(sum(revision), 0) as revisions, max(updated_at) as worksAt
            from artifacts where owner_id = @owner and visibility in (${visible})) as a,
           (select count(*) as showcases, max(updated_at) as showcasesAt
            from showcases where owner_id = @owner and visibility in (${visible})) as s`);
  });
  const row = statement.get({ owner: owner.id })!;
  const latest = Math.max(row.worksAt ?? -Infinity, row.showcasesAt ?? -Infinity);
  return {
    works: row.works,
    revisions: row.revisions,
    showcases: row.showcases,
    lastModified: Number.isFinite(latest) ? new Date(latest) : null,
  };
}

/** What the sitemap lists of one portfolio. */
export interface SitemapPortfolio {
  owner: Pick<User, 'id' | 'handle' | 'canonicalBaseUrl'>;
  works: { slug: string; updatedAt: Date }[];
  tags: { tag: string; updatedAt: Date }[];
  showcases: { slug: string; updatedAt: Date }[];
}

/**
 * Every active portfolio that may be indexed (not disabled, not noindex) with its public work, tags and showcases.
 * Portfolios with nothing public are left out: a page with only a name is not worth announcing. Four queries.
 */
export function listSitemapPortfolios(app: AppContext): SitemapPortfolio[] {
  const indexable = and(isNull(users.disabledAt), eq(users.noindex, false));
  const owners = app.db
    .select({ id: users.id, handle: users.handle, canonicalBaseUrl: users.canonicalBaseUrl })
    .from(users)
    .where(indexable)
    .orderBy(asc(users.handle))
    .all();
  const works = app.db
    .select({ ownerId: artifacts.ownerId, slug: artifacts.slug, updatedAt: artifacts.updatedAt })
    .from(artifacts)
    .innerJoin(users, eq(users.id, artifacts.ownerId))
    .where(and(indexable, inArray(artifacts.visibility, PUBLIC)))
    .orderBy(desc(artifacts.date), desc(artifacts.id))
    .all();
  const lastChange = sql<number>`max(${artifacts.updatedAt})`;
  const tags = app.db
    .select({ ownerId: artifacts.ownerId, tag: artifactTags.tag, updatedAt: lastChange })
    .from(artifactTags)
    .innerJoin(artifacts, eq(artifacts.id, artifactTags.artifactId))
    .innerJoin(users, eq(users.id, artifacts.ownerId))
    .where(and(indexable, inArray(artifacts.visibility, PUBLIC)))
    .groupBy(artifacts.ownerId, artifactTags.tag)
    .orderBy(asc(artifactTags.tag))
    .all();
  const shows = app.db
    .select({ ownerId: showcases.ownerId, slug: showcases.slug, updatedAt: showcases.updatedAt })
    .from(showcases)
    .innerJoin(users, eq(users.id, showcases.ownerId))
    .where(and(indexable, inArray(showcases.visibility, PUBLIC)))
    .orderBy(asc(showcases.slug))
    .all();
  const byOwner = new Map<string, SitemapPortfolio>(owners.map((owner) => [owner.id, { owner, works: [], tags: [], showcases: [] }]));
  for (const { ownerId, ...w } of works) byOwner.get(ownerId)?.works.push(w);
  for (const { ownerId, tag, updatedAt } of tags) byOwner.get(ownerId)?.tags.push({ tag, updatedAt: new Date(updatedAt) });
  for (const { ownerId, ...s } of shows) byOwner.get(ownerId)?.showcases.push(s);
  return [...byOwner.values()].filter((p) => p.works.length > 0 || p.showcases.length > 0);
}
