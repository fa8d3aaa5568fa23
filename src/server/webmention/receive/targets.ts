/**
 * Which addresses on this site may receive a Webmention: the page of a public piece (`/@handle/<slug>/`) of an
 * active account, named with one of the site's own origins. Private, class-only and unlisted work never receives
 * one, so a mention can never tell the world that such a piece exists.
 */
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { remembered } from '../../db/changes.ts';
import { prepared } from '../../db/prepared.ts';
import { artifacts, users, type Artifact, type User } from '../../db/schema.ts';

/** Path segments below a portfolio that are lists, not pieces. */
const RESERVED = new Set(['page', 'tags', 'archive', 'showcases', 'feed.xml', 'feed.json']);

/** The handle and slug a live path names, or null for any other path. */
export function pieceOfPath(pathname: string): { handle: string; slug: string } | null {
  const m = /^\/@([^/]+)\/([^/]+)\/?$/.exec(pathname);
  if (!m || RESERVED.has(m[2]!)) return null;
  try {
    return { handle: decodeURIComponent(m[1]!), slug: decodeURIComponent(m[2]!) };
  } catch {
    return null;
  }
}

/** The public piece at `handle`/`slug` and its owner, or null (missing, not public, or the account is disabled). */
export function publicPiece(app: AppContext, handle: string, slug: string): { artifact: Artifact; owner: User } | null {
  const statement = prepared(app.db, 'webmentions.publicPiece', (db) =>
    db
      .select({ artifact: artifacts, owner: users })
      .from(artifacts)
      .innerJoin(users, eq(users.id, artifacts.ownerId))
      .where(and(eq(users.handle, sql.placeholder('handle')), eq(artifacts.slug, sql.placeholder('slug')), isNull(users.disabledAt)))
      .prepare(),
  );
  const row = statement.get({ handle, slug });
  if (!row || row.artifact.visibility !== 'public') return null;
  return row;
}

/**
 * Whether `handle`/`slug` names a public piece of an active account: publicPiece's answer without reading the
 * piece (every public page asks, for its discovery links: the layout's `<link>` elements and the middleware's Link
 * header). Remembered until the database changes (db/changes.ts), so a page asks the database once.
 */
export function isPublicPiece(app: AppContext, handle: string, slug: string): boolean {
  const statement = prepared(app.db, 'webmentions.isPublicPiece', (db) =>
    db
      .select({ one: sql<number>`1` })
      .from(artifacts)
      .innerJoin(users, eq(users.id, artifacts.ownerId))
      .where(
        and(
          eq(users.handle, sql.placeholder('handle')),
          eq(artifacts.slug, sql.placeholder('slug')),
          eq(artifacts.visibility, 'public'),
          isNull(users.disabledAt),
        ),
      )
      .prepare(),
  );
  return remembered(app.db, `webmentions.isPublicPiece\u0000${handle}\u0000${slug}`, () => statement.get({ handle, slug }) !== undefined);
}

/** The public piece a target URL names on this site (`origins`: the site's own origins), or null. */
export function pieceOfTarget(app: AppContext, target: URL, origins: readonly string[]): { artifact: Artifact; owner: User } | null {
  if (!origins.includes(target.origin.toLowerCase())) return null;
  const piece = pieceOfPath(target.pathname);
  return piece ? publicPiece(app, piece.handle, piece.slug) : null;
}
