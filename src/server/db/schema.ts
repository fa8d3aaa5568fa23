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
    role: text('role', { enum: ['student', 'teacher', 'admin'] }).notNull(),
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
  },
  (t) => [index('sessions_user').on(t.userId)],
);

export const joinCodes = sqliteTable('join_codes', {
  code: text('code').primaryKey(),
  role: text('role', { enum: ['student', 'teacher', 'admin'] }).notNull(),
  /** A hub the new member joins on sign-up (course hubs). */
  hubId: text('hub_id'),
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
    index('artifacts_owner_date').on(t.ownerId, t.date),
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
  },
  (t) => [primaryKey({ columns: [t.hubId, t.userId] }), index('hub_members_user').on(t.userId)],
);

export type Hub = typeof hubs.$inferSelect;

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
    createdAt: createdAt(),
    updatedAt: integer('updated_at', { mode: 'timestamp_ms' }).notNull(),
  },
  (t) => [index('jobs_user').on(t.userId, t.createdAt)],
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
