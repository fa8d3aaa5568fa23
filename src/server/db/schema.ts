/** Drizzle schema: the one description of Potluck's SQLite database. Migrations in drizzle/ are generated from it. */
import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

const createdAt = () => integer('created_at', { mode: 'timestamp_ms' }).notNull();

export const users = sqliteTable(
  'users',
  {
    id: text('id').primaryKey(),
    handle: text('handle').notNull(),
    email: text('email'),
    name: text('name').notNull(),
    role: text('role', { enum: ['student', 'teacher', 'admin', 'guardian'] }).notNull(),
    passwordHash: text('password_hash'),
    bio: text('bio').notNull().default(''),
    /** JSON array of {label, url}: rendered with rel=me on the portfolio. */
    links: text('links', { mode: 'json' }).$type<{ label: string; url: string }[]>().notNull().default(sql`'[]'`),
    avatarMediaId: text('avatar_media_id'),
    siteTitle: text('site_title'),
    siteLicense: text('site_license'),
    /** Where the student's canonical copy lives when it is not this instance (static host, GitHub Pages). */
    canonicalBaseUrl: text('canonical_base_url'),
    noindex: integer('noindex', { mode: 'boolean' }).notNull().default(false),
    /** When the student (or guardian) recorded consent to publish publicly; required by some instance policies. */
    publicConsentAt: integer('public_consent_at', { mode: 'timestamp_ms' }),
    disabledAt: integer('disabled_at', { mode: 'timestamp_ms' }),
    /**
     * The year a student was born, when the school records it: students under the school's age setting get email as a
     * daily digest only. Unknown counts as under age (minor-safe).
     */
    birthYear: integer('birth_year'),
    /** Bumped by every change to what the portfolio shows: cached public pages of older versions are stale. */
    contentVersion: integer('content_version').notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('users_handle_unique').on(t.handle), uniqueIndex('users_email_unique').on(t.email)],
);

export const sessions = sqliteTable(
  'sessions',
  {
    /** SHA-256 (hex) of the token in the cookie; the token itself is never stored. */
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
    userAgent: text('user_agent').notNull().default(''),
    /** Last request made with it (updated at most once a minute): the sessions list on /account shows it. */
    lastUsedAt: integer('last_used_at', { mode: 'timestamp_ms' }),
    /** When the person last proved who they are on it (sign-in, or re-entering the password for an admin action). */
    reauthenticatedAt: integer('reauthenticated_at', { mode: 'timestamp_ms' }),
  },
  (t) => [index('sessions_user').on(t.userId)],
);

export const joinCodes = sqliteTable('join_codes', {
  code: text('code').primaryKey(),
  role: text('role', { enum: ['student', 'teacher', 'admin', 'guardian'] }).notNull(),
  /** A hub the new member joins on sign-up (course hubs). */
  hubId: text('hub_id'),
  /** For a guardian code: the student the new guardian is linked to on sign-up. */
  studentId: text('student_id').references(() => users.id, { onDelete: 'cascade' }),
  createdBy: text('created_by').references(() => users.id, { onDelete: 'set null' }),
  createdAt: createdAt(),
  expiresAt: integer('expires_at', { mode: 'timestamp_ms' }),
  maxUses: integer('max_uses'),
  uses: integer('uses').notNull().default(0),
  revokedAt: integer('revoked_at', { mode: 'timestamp_ms' }),
});

/** Fixed-window counters for sign-in throttling, per account and per address. */
export const rateLimits = sqliteTable('rate_limits', {
  key: text('key').primaryKey(),
  count: integer('count').notNull(),
  windowStart: integer('window_start', { mode: 'timestamp_ms' }).notNull(),
});

/** Instance policy and settings, one JSON value per key. */
export const settings = sqliteTable('settings', {
  key: text('key').primaryKey(),
  value: text('value', { mode: 'json' }).notNull(),
});

export const media = sqliteTable(
  'media',
  {
    id: text('id').primaryKey(),
    ownerId: text('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: ['image', 'attachment'] }).notNull(),
    /** The student's file name, made safe; used for downloads and archive export. */
    filename: text('filename').notNull(),
    mime: text('mime').notNull(),
    bytes: integer('bytes').notNull(),
    sha256: text('sha256').notNull(),
    /** SHA-256 of the bytes as uploaded (before metadata stripping), to recognise the same file on re-import. */
    sourceSha256: text('source_sha256'),
    width: integer('width'),
    height: integer('height'),
    alt: text('alt').notNull().default(''),
    /** JSON array of responsive variants: {width, height, bytes, file}. */
    variants: text('variants', { mode: 'json' })
      .$type<{ width: number; height: number; bytes: number; file: string }[]>()
      .notNull()
      .default(sql`'[]'`),
    createdAt: createdAt(),
  },
  (t) => [index('media_owner').on(t.ownerId)],
);

export const artifacts = sqliteTable(
  'artifacts',
  {
    /** Stable across export and re-import. */
    id: text('id').primaryKey(),
    ownerId: text('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    slug: text('slug').notNull(),
    title: text('title').notNull(),
    summary: text('summary').notNull().default(''),
    kind: text('kind', { enum: ['post', 'project', 'reflection', 'media', 'link'] }).notNull(),
    visibility: text('visibility', { enum: ['private', 'members', 'unlisted', 'public'] }).notNull(),
    format: text('format', { enum: ['markdown', 'mdx'] }).notNull().default('markdown'),
    body: text('body').notNull(),
    /** Sanitized HTML rendered once, on save. */
    html: text('html').notNull(),
    /**
     * Plain-text opening of `html` for feeds and hub rivers (core/feeds/excerpt.ts), made on save. Null on rows saved
     * before it was stored: readers make it from the HTML then (storedExcerpt).
     */
    excerpt: text('excerpt'),
    /** Tags as the student typed them (normalised); artifact_tags is the index. */
    tags: text('tags', { mode: 'json' }).$type<string[]>().notNull().default(sql`'[]'`),
    coverMediaId: text('cover_media_id').references(() => media.id, { onDelete: 'set null' }),
    /** For kind=link: the thing linked to. */
    linkUrl: text('link_url'),
    canonical: text('canonical'),
    date: integer('date', { mode: 'timestamp_ms' }).notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
    createdAt: createdAt(),
    revision: integer('revision').notNull().default(1),
  },
  (t) => [
    uniqueIndex('artifacts_owner_slug').on(t.ownerId, t.slug),
    // The columns a list of pieces shows, so lists never read the body and HTML before them (migration 0019).
    index('artifacts_owner_cards').on(t.ownerId, t.date, t.createdAt, t.visibility, t.kind, t.id, t.slug, t.title, t.summary, t.tags),
    index('artifacts_visibility_date').on(t.visibility, t.date),
  ],
);

export const artifactTags = sqliteTable(
  'artifact_tags',
  {
    artifactId: text('artifact_id')
      .notNull()
      .references(() => artifacts.id, { onDelete: 'cascade' }),
    tag: text('tag').notNull(),
  },
  (t) => [primaryKey({ columns: [t.artifactId, t.tag] }), index('artifact_tags_tag').on(t.tag)],
);

/** Which media an artifact uses (body and cover): decides who may load a media file. */
export const artifactMedia = sqliteTable(
  'artifact_media',
  {
    artifactId: text('artifact_id')
      .notNull()
      .references(() => artifacts.id, { onDelete: 'cascade' }),
    mediaId: text('media_id')
      .notNull()
      .references(() => media.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.artifactId, t.mediaId] }), index('artifact_media_media').on(t.mediaId)],
);

/** Every save of an artifact: a full snapshot of what the student wrote. */
export const revisions = sqliteTable(
  'revisions',
  {
    id: text('id').primaryKey(),
    artifactId: text('artifact_id')
      .notNull()
      .references(() => artifacts.id, { onDelete: 'cascade' }),
    number: integer('number').notNull(),
    title: text('title').notNull(),
    summary: text('summary').notNull(),
    kind: text('kind').notNull(),
    visibility: text('visibility').notNull(),
    format: text('format').notNull(),
    tags: text('tags', { mode: 'json' }).$type<string[]>().notNull(),
    coverMediaId: text('cover_media_id'),
    linkUrl: text('link_url'),
    date: integer('date', { mode: 'timestamp_ms' }).notNull(),
    body: text('body').notNull(),
    /** The HTML this version was rendered to when it was saved; null for versions saved before it was kept. */
    html: text('html'),
    /** Why this revision exists: a save, a restore of revision N, an import. */
    note: text('note').notNull().default(''),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('revisions_artifact_number').on(t.artifactId, t.number)],
);

/** Places an artifact was syndicated to (u-syndication): a hub, GitHub Pages, a static site. */
export const syndications = sqliteTable(
  'syndications',
  {
    artifactId: text('artifact_id')
      .notNull()
      .references(() => artifacts.id, { onDelete: 'cascade' }),
    url: text('url').notNull(),
    name: text('name').notNull().default(''),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.artifactId, t.url] })],
);

/** Showcases: ordered collections with an intro ("my best work of grade 10"). */
export const showcases = sqliteTable(
  'showcases',
  {
    id: text('id').primaryKey(),
    ownerId: text('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    slug: text('slug').notNull(),
    title: text('title').notNull(),
    intro: text('intro').notNull().default(''),
    introHtml: text('intro_html').notNull().default(''),
    visibility: text('visibility', { enum: ['private', 'members', 'unlisted', 'public'] }).notNull(),
    createdAt: createdAt(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [uniqueIndex('showcases_owner_slug').on(t.ownerId, t.slug)],
);

export const showcaseItems = sqliteTable(
  'showcase_items',
  {
    showcaseId: text('showcase_id')
      .notNull()
      .references(() => showcases.id, { onDelete: 'cascade' }),
    artifactId: text('artifact_id')
      .notNull()
      .references(() => artifacts.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
  },
  (t) => [primaryKey({ columns: [t.showcaseId, t.artifactId] })],
);

export type User = typeof users.$inferSelect;
export type Artifact = typeof artifacts.$inferSelect;
export type Revision = typeof revisions.$inferSelect;
export type Media = typeof media.$inferSelect;
export type Showcase = typeof showcases.$inferSelect;
export type Role = User['role'];
export type Visibility = Artifact['visibility'];
export type ArtifactKind = Artifact['kind'];

/** Course hubs. Membership is what makes a teacher "the student's teacher" for members-visibility work. */
export const hubs = sqliteTable(
  'hubs',
  {
    id: text('id').primaryKey(),
    slug: text('slug').notNull(),
    title: text('title').notNull(),
    description: text('description').notNull().default(''),
    /** Hashtags that bring an item into the hub (normalised, without '#'). */
    tags: text('tags', { mode: 'json' }).$type<string[]>().notNull().default(sql`'[]'`),
    visibility: text('visibility', { enum: ['public', 'members'] }).notNull().default('members'),
    ownerId: text('owner_id').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    /** The course's term: the contributions chart spans it; both optional. */
    termStart: integer('term_start', { mode: 'timestamp_ms' }),
    termEnd: integer('term_end', { mode: 'timestamp_ms' }),
    /** How often the hub's external feeds are polled. */
    pollIntervalMinutes: integer('poll_interval_minutes').notNull().default(30),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }),
  },
  (t) => [uniqueIndex('hubs_slug').on(t.slug)],
);

export const hubMembers = sqliteTable(
  'hub_members',
  {
    hubId: text('hub_id')
      .notNull()
      .references(() => hubs.id, { onDelete: 'cascade' }),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: text('role', { enum: ['teacher', 'student'] }).notNull(),
    joinedAt: integer('joined_at', { mode: 'timestamp_ms' }).notNull(),
    /**
     * How the membership was made (consented enrolment): by the person (`join_code`, `invitation_accepted`), by an
     * admin's roster (`admin`), by creating the hub (`owner`), or a teacher's invitation not yet accepted
     * (`invited`), which gives no access at all. See HUB_ENROLMENTS.
     */
    enrolment: text('enrolment', { enum: ['owner', 'join_code', 'admin', 'invitation_accepted', 'invited'] })
      .notNull()
      .default('invited'),
  },
  (t) => [primaryKey({ columns: [t.hubId, t.userId] }), index('hub_members_user').on(t.userId)],
);

export type Hub = typeof hubs.$inferSelect;

/** An assignment of a hub: an extra tag, with a title and a due date, that members add to the hub's tag. */
export const hubAssignments = sqliteTable(
  'hub_assignments',
  {
    id: text('id').primaryKey(),
    hubId: text('hub_id')
      .notNull()
      .references(() => hubs.id, { onDelete: 'cascade' }),
    title: text('title').notNull(),
    /** Normalised like every tag (lowercase, NFC, no '#'). */
    tag: text('tag').notNull(),
    dueAt: integer('due_at', { mode: 'timestamp_ms' }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('hub_assignments_hub_tag').on(t.hubId, t.tag)],
);

/**
 * An external feed a hub polls (a member's WordPress, Blogger, Mastodon ...). Members' Potluck portfolios are not
 * sources: their work is read live from artifacts, so nothing here is polled for them.
 */
export const hubSources = sqliteTable(
  'hub_sources',
  {
    id: text('id').primaryKey(),
    hubId: text('hub_id')
      .notNull()
      .references(() => hubs.id, { onDelete: 'cascade' }),
    /**
     * The member whose blog this is (their items count as theirs); null for a course-wide feed. Deleting the
     * account deletes their feeds (and items) from every hub, rather than leaving them as nobody's.
     */
    memberId: text('member_id').references(() => users.id, { onDelete: 'cascade' }),
    addedBy: text('added_by').references(() => users.id, { onDelete: 'set null' }),
    /** The feed's address; a permanent redirect (301/308) replaces it. */
    url: text('url').notNull(),
    /** `normaliseUrlKey(url)`: one source per feed, whatever its http/https or trailing-slash spelling. */
    urlKey: text('url_key').notNull(),
    /** The page address someone pasted, when the feed was discovered from it. */
    pageUrl: text('page_url'),
    /** The site the feed belongs to (its `link`). */
    siteUrl: text('site_url'),
    title: text('title').notNull().default(''),
    /** Every item belongs to the hub, tagged or not ("everything it posts"). */
    matchAll: integer('match_all', { mode: 'boolean' }).notNull().default(false),
    etag: text('etag'),
    lastModified: text('last_modified'),
    /** When the scheduler next fetches it (the hub's interval, or back-off after errors). */
    nextFetchAt: integer('next_fetch_at', { mode: 'timestamp_ms' }).notNull(),
    /** A server's Retry-After: not fetched before this, even by "poll now". */
    holdUntil: integer('hold_until', { mode: 'timestamp_ms' }),
    /** Claimed by a poller until then, so two pollers (server, CLI) never fetch it at once. */
    leaseUntil: integer('lease_until', { mode: 'timestamp_ms' }),
    lastFetchAt: integer('last_fetch_at', { mode: 'timestamp_ms' }),
    lastSuccessAt: integer('last_success_at', { mode: 'timestamp_ms' }),
    /** HTTP status of the last answer (null when none came: timeout, refused address ...). */
    lastStatus: integer('last_status'),
    lastOutcome: text('last_outcome', { enum: ['updated', 'unchanged', 'not-modified', 'failed'] }),
    /** What went wrong last, in words for the teacher; null after a success. */
    lastError: text('last_error'),
    /** Stable code of the last failure (safeFetch reasons, 'parse', 'gone'). */
    lastErrorCode: text('last_error_code'),
    consecutiveFailures: integer('consecutive_failures').notNull().default(0),
    /** Set when it keeps failing; shown to the teacher until a fetch succeeds. */
    flaggedAt: integer('flagged_at', { mode: 'timestamp_ms' }),
    /** Polling stopped (410 Gone): the teacher is told and decides. */
    stoppedAt: integer('stopped_at', { mode: 'timestamp_ms' }),
    stoppedReason: text('stopped_reason'),
    /** The previous address after a permanent redirect, for the teacher to see. */
    movedFrom: text('moved_from'),
    movedAt: integer('moved_at', { mode: 'timestamp_ms' }),
    /** Items in the feed at the last successful fetch (all of them, matching or not). */
    itemsFound: integer('items_found'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('hub_sources_hub_url').on(t.hubId, t.urlKey), index('hub_sources_due').on(t.nextFetchAt)],
);

/** An item of an external feed that belongs to a hub (matched its tags, or its source takes everything). */
export const hubItems = sqliteTable(
  'hub_items',
  {
    id: text('id').primaryKey(),
    hubId: text('hub_id')
      .notNull()
      .references(() => hubs.id, { onDelete: 'cascade' }),
    sourceId: text('source_id')
      .notNull()
      .references(() => hubSources.id, { onDelete: 'cascade' }),
    /** `itemKey()`: guid, else link, else content hash, with URL spellings merged. */
    key: text('key').notNull(),
    /** The link, normalised: the same post reached through two feeds of a hub is kept once. */
    urlKey: text('url_key'),
    url: text('url'),
    title: text('title').notNull(),
    /** Sanitized HTML with absolute URLs (core/feeds/parse.ts). */
    contentHtml: text('content_html').notNull(),
    /** Plain text shown in the river. */
    excerpt: text('excerpt').notNull().default(''),
    image: text('image'),
    /**
     * A small copy of `image` made when the feed was polled (server/hubs/thumbnails.ts), so the river shows it without
     * readers' browsers calling the blog's host. `file` is null when it could not be made from that image.
     */
    thumbnail: text('thumbnail', { mode: 'json' }).$type<HubThumbnail>(),
    authorName: text('author_name'),
    published: integer('published', { mode: 'timestamp_ms' }),
    updated: integer('updated', { mode: 'timestamp_ms' }),
    /** published, else updated, else when first seen: the river's order. */
    sortDate: integer('sort_date', { mode: 'timestamp_ms' }).notNull(),
    /** Every tag of the item, folded (categories and #hashtags), for tag and assignment filters. */
    tags: text('tags', { mode: 'json' }).$type<string[]>().notNull().default(sql`'[]'`),
    /** Hash of what the river shows: an edit changes it, and only then is the row rewritten. */
    fingerprint: text('fingerprint').notNull(),
    firstSeenAt: integer('first_seen_at', { mode: 'timestamp_ms' }).notNull(),
    changedAt: integer('changed_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [
    uniqueIndex('hub_items_source_key').on(t.sourceId, t.key),
    index('hub_items_hub_date').on(t.hubId, t.sortDate),
    index('hub_items_hub_url').on(t.hubId, t.urlKey),
  ],
);

/**
 * A teacher hid something from a hub, with a reason. Points at an artifact (portfolio work) or at an external item
 * by source and key, so the hide survives the item leaving and coming back. Nothing of the student's is changed.
 */
export const hubHides = sqliteTable(
  'hub_hides',
  {
    id: text('id').primaryKey(),
    hubId: text('hub_id')
      .notNull()
      .references(() => hubs.id, { onDelete: 'cascade' }),
    artifactId: text('artifact_id').references(() => artifacts.id, { onDelete: 'cascade' }),
    sourceId: text('source_id').references(() => hubSources.id, { onDelete: 'cascade' }),
    itemKey: text('item_key'),
    /** The title when it was hidden, for the list of hidden items. */
    title: text('title').notNull().default(''),
    reason: text('reason').notNull(),
    hiddenBy: text('hidden_by').references(() => users.id, { onDelete: 'set null' }),
    hiddenAt: integer('hidden_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [
    uniqueIndex('hub_hides_artifact').on(t.hubId, t.artifactId),
    uniqueIndex('hub_hides_item').on(t.hubId, t.sourceId, t.itemKey),
  ],
);

export type HubAssignment = typeof hubAssignments.$inferSelect;
export type HubSource = typeof hubSources.$inferSelect;
export type HubItem = typeof hubItems.$inferSelect;
/**
 * A hub item's thumbnail: made from the image at `image`, stored as `file` in the thumbnails folder; `file` null when
 * it could not be made, with `retryAt` (ms) when it may work later.
 */
export interface HubThumbnail {
  image: string;
  file: string | null;
  width: number;
  height: number;
  retryAt?: number;
}
export type HubHide = typeof hubHides.$inferSelect;

/** Long work (publishing, exports, polling runs) with progress the UI and CLI can show. */
export const jobs = sqliteTable(
  'jobs',
  {
    id: text('id').primaryKey(),
    userId: text('user_id').references(() => users.id, { onDelete: 'cascade' }),
    kind: text('kind').notNull(),
    status: text('status', { enum: ['queued', 'running', 'succeeded', 'failed'] }).notNull(),
    /** {step, done, total, message}: what the job is doing now. */
    progress: text('progress', { mode: 'json' }).$type<{ step: string; done?: number; total?: number; message?: string }>(),
    result: text('result', { mode: 'json' }).$type<Record<string, unknown>>(),
    error: text('error'),
    /** What the job needs to run, so that any node can run it (never a secret: tokens are read when it starts). */
    input: text('input', { mode: 'json' }).$type<Record<string, unknown>>(),
    /** Until when the node in `leasedBy` holds the job; it renews the lease while it works. A lease that ended
     * belongs to a node that stopped: another node takes the job over. */
    leaseUntil: integer('lease_until', { mode: 'timestamp_ms' }),
    leasedBy: text('leased_by'),
    /** How many times a node started it. */
    attempts: integer('attempts').notNull().default(0),
    createdAt: createdAt(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('jobs_user').on(t.userId, t.createdAt), index('jobs_waiting').on(t.status, t.kind, t.createdAt)],
);

/** A student's connection to GitHub: the token is stored encrypted (AES-256-GCM), never in plain text. */
export const githubConnections = sqliteTable('github_connections', {
  userId: text('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  login: text('login').notNull(),
  /** base64(iv | ciphertext | tag), sealed with the instance key. */
  tokenSealed: text('token_sealed').notNull(),
  tokenKind: text('token_kind', { enum: ['pat', 'oauth'] }).notNull(),
  checkedAt: integer('checked_at', { mode: 'timestamp_ms' }).notNull(),
  createdAt: createdAt(),
});

/** Where a student publishes their static site on GitHub Pages, and what was published last. */
export const publishTargets = sqliteTable(
  'publish_targets',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    owner: text('owner').notNull(),
    repo: text('repo').notNull(),
    branch: text('branch').notNull().default('gh-pages'),
    domain: text('domain'),
    /** Whether GitHub Pages is the canonical home of the student's work. */
    canonical: integer('canonical', { mode: 'boolean' }).notNull().default(false),
    lastCommitSha: text('last_commit_sha'),
    /** JSON map path -> git blob sha of the last published tree, to upload changed files only. */
    lastTree: text('last_tree', { mode: 'json' }).$type<Record<string, string>>(),
    lastPublishedAt: integer('last_published_at', { mode: 'timestamp_ms' }),
    lastFilesChanged: integer('last_files_changed'),
    siteUrl: text('site_url'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('publish_targets_user_repo').on(t.userId, t.owner, t.repo)],
);

/** The editor's fields as strings, as the student typed them: what a draft or a kept save holds. */
export type EditorFields = Record<string, string>;

/**
 * Autosaved editor text: not a revision, seen by nobody but its owner, changing nothing public until the student
 * saves. `key` is the artifact's id, or `new-<random>` for a piece not saved yet (one per editor tab).
 */
export const drafts = sqliteTable(
  'drafts',
  {
    ownerId: text('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    artifactId: text('artifact_id').references(() => artifacts.id, { onDelete: 'cascade' }),
    /** The revision the student was editing when the draft was typed (null for a new piece). */
    baseRevision: integer('base_revision'),
    fields: text('fields', { mode: 'json' }).$type<EditorFields>().notNull(),
    bytes: integer('bytes').notNull(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.ownerId, t.key] }), index('drafts_artifact').on(t.artifactId)],
);

/**
 * A save or draft that arrived after the session had ended, kept for an hour so that signing in again brings it
 * back. Bound to the browser by a random cookie (only its SHA-256 is stored) and to the account the form was
 * opened by; never published, never shown to anyone else.
 */
export const keptSaves = sqliteTable(
  'kept_saves',
  {
    tokenHash: text('token_hash').notNull(),
    /** The editor address the form was sent to: `/workspace/artifacts/new` or `/workspace/artifacts/<id>`. */
    path: text('path').notNull(),
    /** The account the editor was opened by (the form's `editor` field); others never see it. */
    userId: text('user_id').notNull(),
    fields: text('fields', { mode: 'json' }).$type<EditorFields>().notNull(),
    bytes: integer('bytes').notNull(),
    createdAt: createdAt(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.tokenHash, t.path] }), index('kept_saves_expires').on(t.expiresAt)],
);

export type Draft = typeof drafts.$inferSelect;
export type KeptSave = typeof keptSaves.$inferSelect;

/**
 * The audit log: who did what to whom, when and from where (sign-ins, failures, lockouts, password and two-factor
 * changes, role changes, enrolments, consents, admin actions, exports, publishes, deletions, refused access).
 * `details` never holds a password, token or code (server/audit/auditLog.ts redacts them). When an account is
 * deleted its events stay, with the handle and details dropped.
 */
export const auditEvents = sqliteTable(
  'audit_events',
  {
    id: text('id').primaryKey(),
    at: integer('at', { mode: 'timestamp_ms' }).notNull(),
    /** A permanent event name, e.g. `signin.succeeded`, `hub.member.invited`, `account.deleted`. */
    action: text('action').notNull(),
    outcome: text('outcome', { enum: ['ok', 'refused', 'failed'] }).notNull().default('ok'),
    /** Who did it (null: someone not signed in, or the operator at the CLI). */
    actorId: text('actor_id'),
    actorHandle: text('actor_handle'),
    /** What it was done to: `user`, `artifact`, `hub`, `joincode`, `policy`, ... and its id. */
    subjectType: text('subject_type'),
    subjectId: text('subject_id'),
    /** The person the event is about, when there is one (for `--handle` and for deletion). */
    subjectUserId: text('subject_user_id'),
    subjectHandle: text('subject_handle'),
    /** Where from: the client's address, or `cli`. */
    address: text('address'),
    details: text('details', { mode: 'json' }).$type<Record<string, unknown>>().notNull().default(sql`'{}'`),
  },
  (t) => [
    index('audit_events_at').on(t.at),
    index('audit_events_actor').on(t.actorId, t.at),
    index('audit_events_subject_user').on(t.subjectUserId, t.at),
  ],
);
export type AuditEvent = typeof auditEvents.$inferSelect;

/*
 * Sign-in security: two-factor sign-in (TOTP, RFC 6238) with recovery codes, and the half-finished sign-in between
 * the password and the code. Device cookies need no table: they are signed, and their counters live in rate_limits.
 */

/** A person's TOTP key, sealed with the instance key for that person; `enabledAt` is null until a first code confirms it. */
export const twoFactor = sqliteTable('two_factor', {
  userId: text('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  sealedSecret: text('sealed_secret').notNull(),
  enabledAt: integer('enabled_at', { mode: 'timestamp_ms' }),
  /** The 30-second step of the last accepted code: that code and older ones are refused (no replay). */
  lastStep: integer('last_step').notNull().default(0),
  createdAt: createdAt(),
});

/** One-time recovery codes (SHA-256 of each; the codes are shown once). */
export const recoveryCodes = sqliteTable(
  'recovery_codes',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    codeHash: text('code_hash').notNull(),
    usedAt: integer('used_at', { mode: 'timestamp_ms' }),
    createdAt: createdAt(),
  },
  (t) => [index('recovery_codes_user').on(t.userId)],
);

/**
 * A sign-in whose password was right but that still needs a code (`code`) or a two-factor set-up the school requires
 * (`enrol`). It is not a session: its cookie opens only the second step, for ten minutes.
 */
export const pendingSignIns = sqliteTable(
  'pending_sign_ins',
  {
    /** SHA-256 (hex) of the token in the cookie. */
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    needs: text('needs', { enum: ['code', 'enrol'] }).notNull(),
    /** Where to go once signed in (a path on this site). */
    next: text('next').notNull().default('/workspace'),
    attempts: integer('attempts').notNull().default(0),
    createdAt: createdAt(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('pending_sign_ins_user').on(t.userId)],
);
export type TwoFactor = typeof twoFactor.$inferSelect;
export type PendingSignIn = typeof pendingSignIns.$inferSelect;

/*
 * What comes back to the student: feedback threads, review statuses, notifications, and families.
 */

/** A guardian (parent, carer) linked to a student by an admin, or by a teacher of the student, through a join code. */
export const guardianLinks = sqliteTable(
  'guardian_links',
  {
    guardianId: text('guardian_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    studentId: text('student_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** Who made the link (the join code's creator); null when that account is gone or for the operator. */
    linkedBy: text('linked_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.guardianId, t.studentId] }), index('guardian_links_student').on(t.studentId)],
);
export type GuardianLink = typeof guardianLinks.$inferSelect;

/**
 * One message of the feedback thread on a piece of work. Markdown, rendered and sanitized like artifacts. It records
 * the revision it was written on; it is the student's (in their archive, deleted with their account) and is never
 * shown on any public page, feed, hub feed, static site or search of anyone else.
 */
export const feedbackMessages = sqliteTable(
  'feedback_messages',
  {
    id: text('id').primaryKey(),
    artifactId: text('artifact_id')
      .notNull()
      .references(() => artifacts.id, { onDelete: 'cascade' }),
    /** Who wrote it; null once their account is deleted (the message stays in the student's thread). */
    authorId: text('author_id').references(() => users.id, { onDelete: 'set null' }),
    /** The author's name when written, shown after their account is gone and kept in the archive. */
    authorName: text('author_name').notNull(),
    authorRole: text('author_role', { enum: ['owner', 'teacher', 'reviewer'] }).notNull(),
    /** The hub the teacher wrote as (null for the owner and reviewers). */
    hubId: text('hub_id').references(() => hubs.id, { onDelete: 'set null' }),
    body: text('body').notNull(),
    html: text('html').notNull(),
    /** The artifact's revision when the message was written ("on revision 3"). */
    revision: integer('revision').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('feedback_messages_artifact').on(t.artifactId, t.createdAt), index('feedback_messages_author').on(t.authorId)],
);
export type FeedbackMessage = typeof feedbackMessages.$inferSelect;

/** Hub-mates a student invited to review a piece (only where the school allows peer review). */
export const feedbackReviewers = sqliteTable(
  'feedback_reviewers',
  {
    artifactId: text('artifact_id')
      .notNull()
      .references(() => artifacts.id, { onDelete: 'cascade' }),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    invitedAt: integer('invited_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.artifactId, t.userId] }), index('feedback_reviewers_user').on(t.userId)],
);

/**
 * A teacher's review status of a contribution to a hub: `reviewed`, `needs_revision`, or `resubmitted` (set by the
 * student's next save of a piece that needed revision).
 */
export const contributionStatuses = sqliteTable(
  'contribution_statuses',
  {
    hubId: text('hub_id')
      .notNull()
      .references(() => hubs.id, { onDelete: 'cascade' }),
    artifactId: text('artifact_id')
      .notNull()
      .references(() => artifacts.id, { onDelete: 'cascade' }),
    status: text('status', { enum: ['reviewed', 'needs_revision', 'resubmitted'] }).notNull(),
    /** The revision the status was set on. */
    revision: integer('revision').notNull(),
    setBy: text('set_by').references(() => users.id, { onDelete: 'set null' }),
    setAt: integer('set_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.hubId, t.artifactId] }), index('contribution_statuses_artifact').on(t.artifactId)],
);
export type ContributionStatus = typeof contributionStatuses.$inferSelect;

/**
 * One notification for one person. `kind` is a permanent name (core/notifications.ts); `title` and `url` say what
 * happened and where to look, written for that person only: never anyone else's private content. `aboutUserId` is
 * the child a guardian's copy is about. `key` deduplicates reminders ("due in 2 days" once per assignment).
 */
export const notifications = sqliteTable(
  'notifications',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    kind: text('kind').notNull(),
    title: text('title').notNull(),
    /** A path on this site. */
    url: text('url').notNull(),
    actorId: text('actor_id').references(() => users.id, { onDelete: 'set null' }),
    aboutUserId: text('about_user_id').references(() => users.id, { onDelete: 'cascade' }),
    artifactId: text('artifact_id').references(() => artifacts.id, { onDelete: 'cascade' }),
    hubId: text('hub_id').references(() => hubs.id, { onDelete: 'cascade' }),
    key: text('key'),
    createdAt: createdAt(),
    readAt: integer('read_at', { mode: 'timestamp_ms' }),
    /** When it went out by email (alone or in a digest); null while waiting or when email is off. */
    emailedAt: integer('emailed_at', { mode: 'timestamp_ms' }),
    /** Until when a node sending it by email holds it: no other node sends it until then, and after then (the node
     * died mid-send) another node does. */
    emailClaimedUntil: integer('email_claimed_until', { mode: 'timestamp_ms' }),
  },
  (t) => [
    index('notifications_user_created').on(t.userId, t.createdAt),
    index('notifications_user_unread').on(t.userId, t.readAt),
    uniqueIndex('notifications_user_key').on(t.userId, t.key),
  ],
);
export type Notification = typeof notifications.$inferSelect;

/** How a person wants to hear about notifications: email mode, quiet hours, their private feed, a guardian's choices. */
export const notificationPrefs = sqliteTable('notification_prefs', {
  userId: text('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  email: text('email', { enum: ['immediate', 'digest', 'off'] }).notNull().default('digest'),
  /** Quiet hours (0–23, the instance's time zone): no immediate email between them; null for none. */
  quietStart: integer('quiet_start'),
  quietEnd: integer('quiet_end'),
  /** SHA-256 (hex) of the secret in the private feed's address; null until made. Resetting replaces it. */
  feedTokenHash: text('feed_token_hash'),
  /** The notification kinds a guardian receives about their children (JSON array); ignored for others. */
  guardianKinds: text('guardian_kinds', { mode: 'json' }).$type<string[]>().notNull().default(sql`'["feedback.new","status.changed","item.hidden"]'`),
  lastDigestAt: integer('last_digest_at', { mode: 'timestamp_ms' }),
});
export type NotificationPrefs = typeof notificationPrefs.$inferSelect;

/** When a teacher last opened a hub's page: "new since your last visit" on their landing page. */
export const hubVisits = sqliteTable(
  'hub_visits',
  {
    hubId: text('hub_id')
      .notNull()
      .references(() => hubs.id, { onDelete: 'cascade' }),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    visitedAt: integer('visited_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.hubId, t.userId] })],
);

// ---- Webmention: sending (issue #13) ----

/**
 * One Webmention Potluck sends (or sent) from one of its pages to a page it links to: a public piece to each
 * http(s) page its text links to, or a public hub's item page to the external post it copies. The row outlives
 * the piece (no foreign key on it), so that deleting the piece can still tell the pages it linked to.
 */
export const webmentionSends = sqliteTable(
  'webmention_sends',
  {
    id: text('id').primaryKey(),
    /** The piece whose page is the source (null for a hub item page). */
    artifactId: text('artifact_id'),
    /** Whose piece: the row goes with the account. */
    ownerId: text('owner_id').references(() => users.id, { onDelete: 'cascade' }),
    /** The hub item whose page is the source (external feed items); the row goes with the hub or the item. */
    hubItemId: text('hub_item_id').references(() => hubItems.id, { onDelete: 'cascade' }),
    source: text('source').notNull(),
    target: text('target').notNull(),
    /** The source still links to the target (a later edit or deletion sends once more to it). */
    linked: integer('linked', { mode: 'boolean' }).notNull().default(true),
    /** queued (waiting, retries included), sent, no-endpoint, failed (final). */
    status: text('status', { enum: ['queued', 'sent', 'no-endpoint', 'failed'] }).notNull(),
    /** The endpoint discovery found (null: none, or not looked for yet). */
    endpoint: text('endpoint'),
    /** The endpoint's (or the target's) HTTP status of the last attempt. */
    httpStatus: integer('http_status'),
    attempts: integer('attempts').notNull().default(0),
    /** When the worker next takes it; pushed ahead while it is being sent, so two workers never send it twice. */
    nextAttemptAt: integer('next_attempt_at', { mode: 'timestamp_ms' }),
    lastAttemptAt: integer('last_attempt_at', { mode: 'timestamp_ms' }),
    lastError: text('last_error'),
    createdAt: createdAt(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [
    uniqueIndex('webmention_sends_source_target').on(t.source, t.target),
    index('webmention_sends_artifact').on(t.artifactId),
    index('webmention_sends_due').on(t.status, t.nextAttemptAt),
  ],
);
export type WebmentionSend = typeof webmentionSends.$inferSelect;

/**
 * A hub that includes a member's piece, recorded directly (no HTTP to itself): "Featured in English 10" in the
 * owner's editor, and on the public page when both the piece and the hub are public.
 */
export const hubFeatures = sqliteTable(
  'hub_features',
  {
    artifactId: text('artifact_id')
      .notNull()
      .references(() => artifacts.id, { onDelete: 'cascade' }),
    hubId: text('hub_id')
      .notNull()
      .references(() => hubs.id, { onDelete: 'cascade' }),
    firstSeenAt: integer('first_seen_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.artifactId, t.hubId] }), index('hub_features_hub').on(t.hubId)],
);

// ---------------------------------------------------------------------------------------------------------------
// IndieAuth and Micropub (issue #13): authorization codes, access tokens for apps and scripts, and the pieces
// deleted through Micropub, kept so that an app can undelete them.
// ---------------------------------------------------------------------------------------------------------------

/** A code the authorization endpoint gave an app: single-use, ten minutes, only its SHA-256 stored. */
export const indieauthCodes = sqliteTable(
  'indieauth_codes',
  {
    id: text('id').primaryKey(),
    codeHash: text('code_hash').notNull(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    clientId: text('client_id').notNull(),
    clientName: text('client_name').notNull().default(''),
    redirectUri: text('redirect_uri').notNull(),
    /** Space-separated; empty for an authentication-only request. */
    scope: text('scope').notNull().default(''),
    /** The S256 PKCE challenge (base64url SHA-256 of the verifier). */
    codeChallenge: text('code_challenge').notNull(),
    createdAt: createdAt(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
    usedAt: integer('used_at', { mode: 'timestamp_ms' }),
  },
  (t) => [uniqueIndex('indieauth_codes_hash').on(t.codeHash)],
);
export type IndieauthCode = typeof indieauthCodes.$inferSelect;

/** An access token an app (or `potluck token create`) holds: only its SHA-256 stored, with scope, client and expiry. */
export const accessTokens = sqliteTable(
  'access_tokens',
  {
    id: text('id').primaryKey(),
    tokenHash: text('token_hash').notNull(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** The app's client_id URL; `cli` for a token made by `potluck token create`. */
    clientId: text('client_id').notNull(),
    clientName: text('client_name').notNull().default(''),
    scope: text('scope').notNull(),
    /** The authorization code it was exchanged for (null for CLI tokens): a second use of that code revokes it. */
    codeId: text('code_id'),
    createdAt: createdAt(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
    lastUsedAt: integer('last_used_at', { mode: 'timestamp_ms' }),
    revokedAt: integer('revoked_at', { mode: 'timestamp_ms' }),
  },
  (t) => [uniqueIndex('access_tokens_hash').on(t.tokenHash), index('access_tokens_user').on(t.userId, t.createdAt)],
);
export type AccessToken = typeof accessTokens.$inferSelect;

/** A piece deleted through Micropub: what it was, so that `action=undelete` can bring it back under its address. */
export const micropubDeleted = sqliteTable(
  'micropub_deleted',
  {
    /** The deleted artifact's id, which an undeleted piece keeps. */
    artifactId: text('artifact_id').primaryKey(),
    ownerId: text('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    slug: text('slug').notNull(),
    /** The ArtifactInput the piece had (title, body, tags, visibility…), as JSON. */
    snapshot: text('snapshot', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    deletedAt: integer('deleted_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('micropub_deleted_owner_slug').on(t.ownerId, t.slug)],
);
// ——— Course hashtags from the fediverse (issue #13): tag sources, members' accounts, posts held for approval ———

/** A hub source that is a hashtag's public feed on a Mastodon-compatible server (`https://SERVER/tags/TAG.rss`). */
export const hubTagSources = sqliteTable('hub_tag_sources', {
  sourceId: text('source_id')
    .primaryKey()
    .references(() => hubSources.id, { onDelete: 'cascade' }),
  hubId: text('hub_id')
    .notNull()
    .references(() => hubs.id, { onDelete: 'cascade' }),
  /** The server's host (with a port when it has one), as written after an `@`. */
  server: text('server').notNull(),
  /** The tag without '#'. */
  tag: text('tag').notNull(),
});
export type HubTagSource = typeof hubTagSources.$inferSelect;

/** A fediverse account a teacher marked as a member's: its posts on the hub's tags come in without approval. */
export const hubFediverseAccounts = sqliteTable(
  'hub_fediverse_accounts',
  {
    id: text('id').primaryKey(),
    hubId: text('hub_id')
      .notNull()
      .references(() => hubs.id, { onDelete: 'cascade' }),
    /** `user@server`, lower case (core/hubs/fediverse.ts). */
    acct: text('acct').notNull(),
    memberId: text('member_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    addedBy: text('added_by').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('hub_fediverse_accounts_acct').on(t.hubId, t.acct)],
);
export type HubFediverseAccount = typeof hubFediverseAccounts.$inferSelect;

/**
 * A post of a tag source by someone who is not known as a member: waiting for a teacher (status `held`), or refused
 * (`rejected`, kept so the next poll does not bring it back). Approving moves it into hub_items. `dedupeKey` (the
 * link normalised, else the item key) keeps one row for a post seen on several servers.
 */
export const hubHeldItems = sqliteTable(
  'hub_held_items',
  {
    id: text('id').primaryKey(),
    hubId: text('hub_id')
      .notNull()
      .references(() => hubs.id, { onDelete: 'cascade' }),
    sourceId: text('source_id')
      .notNull()
      .references(() => hubSources.id, { onDelete: 'cascade' }),
    dedupeKey: text('dedupe_key').notNull(),
    /** `user@server`, when the post's link names it. */
    acct: text('acct'),
    profileUrl: text('profile_url'),
    url: text('url'),
    /** Plain text, for the queue (no remote HTML or pictures are shown there). */
    excerpt: text('excerpt').notNull().default(''),
    /** The hub item it becomes when approved (poller's row, dates as ms). */
    item: text('item', { mode: 'json' }).$type<HeldItemRow>().notNull(),
    status: text('status', { enum: ['held', 'rejected'] }).notNull().default('held'),
    heldAt: integer('held_at', { mode: 'timestamp_ms' }).notNull(),
    decidedBy: text('decided_by').references(() => users.id, { onDelete: 'set null' }),
    decidedAt: integer('decided_at', { mode: 'timestamp_ms' }),
  },
  (t) => [uniqueIndex('hub_held_items_post').on(t.hubId, t.dedupeKey), index('hub_held_items_queue').on(t.hubId, t.status, t.heldAt)],
);
export type HubHeldItem = typeof hubHeldItems.$inferSelect;
/** What a held post's hub item will hold. */
export interface HeldItemRow {
  key: string;
  urlKey: string | null;
  url: string | null;
  title: string;
  contentHtml: string;
  excerpt: string;
  image: string | null;
  authorName: string | null;
  published: number | null;
  updated: number | null;
  tags: string[];
  fingerprint: string;
}
// ---------------------------------------------------------------------------------------------------------------
// Receiving Webmentions (issue #13): what other sites say about a student's public work, held for moderation.
// ---------------------------------------------------------------------------------------------------------------

/**
 * One Webmention: a `source` page that says it links to a public piece (`target`). One row per source and target: a
 * later mention from the same source updates it. It shows under the piece only once verified, approved by the
 * student (and by a teacher when the school asks), and while the piece is public.
 */
export const webmentions = sqliteTable(
  'webmentions',
  {
    id: text('id').primaryKey(),
    artifactId: text('artifact_id')
      .notNull()
      .references(() => artifacts.id, { onDelete: 'cascade' }),
    ownerId: text('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    source: text('source').notNull(),
    target: text('target').notNull(),
    /** The source's host name, lower case: what rate limits and blocks are counted by. */
    sourceHost: text('source_host').notNull(),
    /** queued (waiting for verification), verified, rejected (see `reason`), deleted (410 or the link was removed). */
    status: text('status', { enum: ['queued', 'verified', 'rejected', 'deleted'] }).notNull(),
    reason: text('reason'),
    kind: text('kind', { enum: ['reply', 'like', 'repost', 'bookmark', 'mention'] }),
    /** The student's decision: pending until they approve or reject it. */
    decision: text('decision', { enum: ['pending', 'approved', 'rejected'] }).notNull().default('pending'),
    /** When a teacher approved it (needed only while the school policy asks for a teacher's approval). */
    teacherApprovedAt: integer('teacher_approved_at', { mode: 'timestamp_ms' }),
    teacherApprovedBy: text('teacher_approved_by').references(() => users.id, { onDelete: 'set null' }),
    authorName: text('author_name'),
    authorUrl: text('author_url'),
    /** The author's picture as a local, shrunk copy (a file made like hub thumbnails), never the remote address. */
    authorPhoto: text('author_photo'),
    /** The entry's own address (u-url), when it names one. */
    url: text('url'),
    published: integer('published', { mode: 'timestamp_ms' }),
    /** Sanitized HTML of a reply's content (the project's sanitizer), or null. */
    contentHtml: text('content_html'),
    receivedAt: integer('received_at', { mode: 'timestamp_ms' }).notNull(),
    verifiedAt: integer('verified_at', { mode: 'timestamp_ms' }),
    /** Until when a node verifying it holds it: no other node fetches the source until then, and after then (the
     * node died mid-verification) another node does. */
    claimedUntil: integer('claimed_until', { mode: 'timestamp_ms' }),
  },
  (t) => [
    uniqueIndex('webmentions_source_target').on(t.source, t.target),
    index('webmentions_artifact').on(t.artifactId, t.status, t.decision),
    index('webmentions_owner').on(t.ownerId, t.receivedAt),
    index('webmentions_status').on(t.status, t.receivedAt),
  ],
);
export type Webmention = typeof webmentions.$inferSelect;

/** Domains a student blocked: their Webmentions are refused (403) and earlier ones from there are removed. */
export const webmentionBlocks = sqliteTable(
  'webmention_blocks',
  {
    ownerId: text('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    domain: text('domain').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.ownerId, t.domain] })],
);
// ---------------------------------------------------------------------------------------------------------------
// WebSub (issue #13): Potluck as the hub of its own feeds, and course hubs subscribing to other hubs.
// ---------------------------------------------------------------------------------------------------------------

/** A subscriber's request that the hub has yet to verify (GET to the callback, challenge echoed). */
export const websubVerifications = sqliteTable(
  'websub_verifications',
  {
    id: text('id').primaryKey(),
    mode: text('mode', { enum: ['subscribe', 'unsubscribe'] }).notNull(),
    topic: text('topic').notNull(),
    callback: text('callback').notNull(),
    /** The subscriber's hub.secret (signs deliveries); null when none was given. */
    secret: text('secret'),
    leaseSeconds: integer('lease_seconds').notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: integer('next_attempt_at', { mode: 'timestamp_ms' }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('websub_verifications_due').on(t.nextAttemptAt)],
);

/** A verified subscription to one of this site's feeds: delivered to until its lease ends. */
export const websubSubscriptions = sqliteTable(
  'websub_subscriptions',
  {
    id: text('id').primaryKey(),
    topic: text('topic').notNull(),
    callback: text('callback').notNull(),
    secret: text('secret'),
    leaseSeconds: integer('lease_seconds').notNull(),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }).notNull(),
    createdAt: createdAt(),
    verifiedAt: integer('verified_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [uniqueIndex('websub_subscriptions_topic_callback').on(t.topic, t.callback), index('websub_subscriptions_expiry').on(t.expiresAt)],
);
export type WebSubSubscription = typeof websubSubscriptions.$inferSelect;

/** What each subscribed feed said when its subscribers were last told (a hash of the body): a change is a new hash. */
export const websubTopics = sqliteTable('websub_topics', {
  topic: text('topic').primaryKey(),
  bodyHash: text('body_hash').notNull(),
  changedAt: integer('changed_at', { mode: 'timestamp_ms' }).notNull(),
});

/** A content delivery owed to a subscriber: sent at once, retried with back-off while the subscriber fails. */
export const websubDeliveries = sqliteTable(
  'websub_deliveries',
  {
    subscriptionId: text('subscription_id')
      .primaryKey()
      .references(() => websubSubscriptions.id, { onDelete: 'cascade' }),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: integer('next_attempt_at', { mode: 'timestamp_ms' }).notNull(),
    lastError: text('last_error'),
    createdAt: createdAt(),
  },
  (t) => [index('websub_deliveries_due').on(t.nextAttemptAt)],
);

/**
 * A course hub's subscription to the WebSub hub of one of its external feeds. The id is the secret-free part of the
 * callback address (`/websub/callback/<id>`); `secret` signs what the hub delivers.
 */
export const websubSourceSubscriptions = sqliteTable(
  'websub_source_subscriptions',
  {
    id: text('id').primaryKey(),
    sourceId: text('source_id')
      .notNull()
      .references(() => hubSources.id, { onDelete: 'cascade' }),
    hubUrl: text('hub_url').notNull(),
    topic: text('topic').notNull(),
    secret: text('secret').notNull(),
    /** requested: asked, not yet verified; active: verified, lease running; unsubscribing; failed: the hub refused or is gone. */
    state: text('state', { enum: ['requested', 'active', 'unsubscribing', 'failed'] }).notNull(),
    leaseSeconds: integer('lease_seconds'),
    expiresAt: integer('expires_at', { mode: 'timestamp_ms' }),
    requestedAt: integer('requested_at', { mode: 'timestamp_ms' }).notNull(),
    verifiedAt: integer('verified_at', { mode: 'timestamp_ms' }),
    lastDeliveryAt: integer('last_delivery_at', { mode: 'timestamp_ms' }),
    /** Why the last request failed, in words for the teacher. */
    lastError: text('last_error'),
    /** No new subscription request before then (after a failure or a silent hub). */
    retryAfter: integer('retry_after', { mode: 'timestamp_ms' }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('websub_source_subscriptions_source').on(t.sourceId)],
);
export type WebSubSourceSubscription = typeof websubSourceSubscriptions.$inferSelect;

/**
 * Addresses a piece had before its slug changed: `/@handle/<slug>/` answers with a permanent redirect to the piece's
 * current address, for readers allowed to see it. Unique per owner, like live slugs; a new piece that takes one of
 * these slugs wins over the redirect.
 */
export const artifactOldSlugs = sqliteTable(
  'artifact_old_slugs',
  {
    ownerId: text('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    slug: text('slug').notNull(),
    artifactId: text('artifact_id')
      .notNull()
      .references(() => artifacts.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.ownerId, t.slug] }), index('artifact_old_slugs_artifact').on(t.artifactId)],
);
export type ArtifactOldSlug = typeof artifactOldSlugs.$inferSelect;

/**
 * When what the public sees of a portfolio last changed, as a digest of everything its validators hash: profile
 * edits (name, bio, picture, site title) change no piece's `updated_at`, yet must move Last-Modified with the ETag.
 */
export const portfolioPublicChanges = sqliteTable('portfolio_public_changes', {
  ownerId: text('owner_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  digest: text('digest').notNull(),
  changedAt: integer('changed_at', { mode: 'timestamp_ms' }).notNull(),
});
