/**
 * Importing a `potluck-archive/1` folder into an account (the CLI's `potluck import`, the demo loader, later the
 * import page). All or nothing, in three phases:
 *
 * 1. Check everything, writing nothing: the folder (no links, nothing outside it), potluck.json, every
 *    frontmatter, every body, every file a body or cover refers to, showcase items, ids. Every problem is
 *    collected and thrown together as BAD_ARCHIVE.
 * 2. Media: pictures are re-encoded by sharp (async), so they are stored before the database transaction. A file
 *    already stored for this account (same SHA-256) is reused, so importing twice stores nothing twice.
 * 3. One transaction for every database write (artifacts with their revisions, syndications, showcases,
 *    profile). If it fails, the media stored in phase 2 (and an account created for the import) are removed.
 *
 * Artifacts are matched by their `id`: an existing one is updated through saveArtifact, which stores no new
 * revision when nothing changed; a new one is created with the archive's id, so it survives the next round trip.
 *
 * History (revisions/<folder>/<n>.md) is merged into the artifact's revisions keeping numbers, dates and notes: a
 * revision already there (same number and time, or same time and content) is skipped, so importing twice adds
 * nothing; one whose number is taken by a different revision (the two copies were edited apart) is added after the
 * last one, so nothing is lost.
 * Feedback (feedback/<folder>.md) comes in with its piece, in the same transaction: a message keeps its id, so
 * importing twice adds it once; an id another piece here already uses gets a stable new one. The student's own
 * messages are theirs; anyone else's keeps its author's name and handle as written, linked to no account here (authorId
 * null, as a deleted author's): an archive is the student's file, so it cannot make a message from a local teacher.
 * Approved Webmentions (mentions/<folder>.json) come back on their pieces, approved, their HTML sanitized again.
 * Pictures as Potluck stores them (no metadata, nothing after their end, within the limits) are kept byte for byte,
 * with the archive's ready-made sizes when they check out (server/archive/keptPicture.ts), so export -> import ->
 * export gives the same bytes; every other file goes through the normal upload pipeline. media.json restores each
 * file's name, description and date.
 */
import { rowsWritten } from '../server/db/changes.ts';
import { createHash, createHmac, hkdfSync } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { and, eq, inArray, isNull, or } from 'drizzle-orm';
import { handleSchema } from '../core/accounts.ts';
import { readArchive, textFilesOf, type ArchiveArtifact, type ArchiveContents, type ArchiveRevision } from '../core/archive/reader.ts';
import { replaceFileReferences } from '../core/archive/references.ts';
import { PotluckError, type FieldIssue } from '../core/errors.ts';
import type { AppContext } from '../server/context.ts';
import {
  artifacts,
  feedbackMessages,
  hubs,
  media,
  revisions,
  showcaseItems,
  showcases,
  syndications,
  users,
  type Artifact,
  type User,
} from '../server/db/schema.ts';
import { renderArtifactBody } from '../core/markdown/render.ts';
import { stageKeptPicture, type OfferedVariant } from '../server/archive/keptPicture.ts';
import { processImage } from '../server/media/images.ts';
import { ATTACHMENT_TYPES, IMAGE_TYPES, MAX_ALT_CHARS, MAX_ATTACHMENT_BYTES, MAX_IMAGE_BYTES } from '../server/media/limits.ts';
import { sniff } from '../server/media/sniff.ts';
import { beginImportStaging, type ImportStaging } from '../server/media/storage.ts';
import { sweepDeadImports } from './importSweeper.ts';
import { can } from '../core/policy.ts';
import { publicSharingSubject } from '../server/policyFacts.ts';
import { inTransaction } from '../server/db/tx.ts';
import { sealingKey } from '../server/github/secretBox.ts';
import { storeArtifact } from './artifactSaver.ts';
import { bumpContentVersion } from '../server/repositories/portfolio.ts';
import { sanitizeFilename, stageUpload } from './mediaUploader.ts';
import { storeShowcase } from './showcaseSaver.ts';
import { importArchiveMentions } from '../server/webmention/receive/archiveMentions.ts';
import { insertUser, prepareNewUser } from './userCreator.ts';
import type { ForeignKind } from '../server/import/types.ts';
import type { Visibility } from '../core/visibility.ts';

/** A step of a long import, for progress lines. */
export interface ImportProgress {
  step: 'unpack' | 'check' | 'media' | 'save';
  done: number;
  total: number;
  /** The file or artifact being worked on. */
  item?: string;
}

export interface ImportArchiveProps {
  /** The archive folder (the one holding potluck.json). */
  dir: string;
  /** The account to import into; created from the archive's profile when it does not exist. */
  handle: string;
  /** Check everything and report what would happen, writing nothing. */
  dryRun?: boolean;
  /** What to call the archive in messages ("maya.zip"), when `dir` is a temporary folder it was unpacked into. */
  label?: string;
  /**
   * `dir` is a temporary copy that is deleted afterwards (an unpacked zip): pictures kept as they are may be moved
   * out of it into storage instead of copied. Never set for a folder a person gave.
   */
  consumeFiles?: boolean;
  onProgress?: (progress: ImportProgress) => void;
  /** Set when the archive was converted from another platform's export (see ImportOrigin). */
  origin?: ImportOrigin;
}

/**
 * Where a converted archive came from. Work from another platform arrives private (the student makes it public
 * after review), and a re-import never overwrites what the student edited here since.
 */
export interface ImportOrigin {
  kind: ForeignKind;
  /** The platform for messages ("WordPress", "Jekyll", ...). */
  platform: string;
  /** The converter's warnings, added to the report's. */
  warnings: string[];
  /** Ids of the pieces that were drafts on the other platform. */
  drafts?: string[];
}

/** One piece of the archive, as the import leaves it (the dry run lists exactly what an import would do). */
export interface ImportedPiece {
  id: string;
  slug: string;
  title: string;
  action: 'create' | 'update' | 'unchanged';
  /** The visibility it has after the import. */
  visibility: Visibility;
  /** Its tags after normalising. */
  tags: string[];
  /** Its date, ISO 8601. */
  date: string;
  /** It was a draft on the platform it came from. */
  draft: boolean;
}

export interface ImportReport {
  user: { handle: string; created: boolean };
  artifacts: { created: number; updated: number; unchanged: number };
  /** Revisions from revisions/: added to the history, or already there. */
  revisions: { added: number; alreadyHere: number };
  /** Feedback messages from feedback/: added to their threads, or already there. */
  feedback: { added: number; alreadyHere: number };
  media: { stored: number; reused: number };
  showcases: number;
  /** Every artifact of the archive, in the archive's order. */
  pieces: ImportedPiece[];
  /** Where the work came from, for an archive converted from another platform. */
  origin?: { kind: ForeignKind; platform: string };
  warnings: string[];
  dryRun: boolean;
}

/** A media row as the import inserts it, in its transaction. */
type MediaRow = typeof media.$inferInsert;

/** Largest text file (index.md, collection, potluck.json) read: a body is at most 500,000 characters. */
const MAX_TEXT_BYTES = 4 * 1024 * 1024;
/** Most files looked at in one archive: far beyond a school career of work, small enough to list quickly. */
const MAX_FILES = 50_000;
/** Folders deeper than this are not an archive Potluck wrote, and are not walked. */
const MAX_DEPTH = 12;

const pictureExtensions = new Set(['jpg', 'jpeg', ...Object.values(IMAGE_TYPES)]);

function badArchive(issues: FieldIssue[], dir: string): PotluckError {
  const lines = issues.map((i) => `  - ${i.field.split(': ')[0]}: ${i.message}`);
  const count = issues.length === 1 ? 'a problem' : `${issues.length} problems`;
  return new PotluckError(
    'BAD_ARCHIVE',
    `The archive ${dir} has ${count}; nothing was imported. Fix ${issues.length === 1 ? 'it' : 'them'} and import again:\n${lines.join('\n')}`,
    { issues },
  );
}

/** Imports an archive folder into account `handle`; see the file comment for the phases. */
export async function importArchiveFolder(app: AppContext, props: ImportArchiveProps): Promise<ImportReport> {
  const progress = props.onProgress ?? (() => {});
  const root = path.resolve(props.dir);
  await checkRoot(root);

  // Phase 1: check everything.
  const issues: FieldIssue[] = [];
  const handle = handleSchema.safeParse(props.handle);
  if (!handle.success) issues.push({ field: 'handle', message: handle.error.issues[0].message });
  const listing = await listArchive(root, issues);
  const texts = await readTexts(root, listing, issues);
  progress({ step: 'check', done: 0, total: 1 });
  const contents = readArchive({ files: [...listing.keys()], texts });
  issues.push(...contents.issues);
  const warnings = [...(props.origin?.warnings ?? []), ...contents.warnings];
  checkMediaFiles(contents, listing, issues);
  if (!handle.success) throw badArchive(issues, props.label ?? props.dir);

  const existingUser = app.db.select().from(users).where(eq(users.handle, handle.data)).get();
  // A guardian account reads its children's work; it holds none of its own.
  if (existingUser?.role === 'guardian') throw new PotluckError('FORBIDDEN', `@${handle.data} is a guardian account: guardians have no portfolio to import into.`);
  const ids = assignIds(app, contents, handle.data, existingUser, warnings);
  const showcaseItemsBySlug = resolveShowcaseItems(app, contents, ids, existingUser, warnings);
  const feedbackIds = assignFeedbackIds(app, contents, ids, handle.data);
  if (issues.length > 0 || !contents.manifest) throw badArchive(issues, props.label ?? props.dir);
  progress({ step: 'check', done: 1, total: 1 });

  const manifest = contents.manifest;
  if (manifest.profile.handle && manifest.profile.handle !== handle.data) {
    warnings.push(`The archive belongs to @${manifest.profile.handle}; it was imported into @${handle.data}.`);
  }
  // Work from another platform arrives private whatever its source said; the student chooses what to show later.
  const visibilityOf = props.origin ? () => 'private' as const : publicPolicy(app, contents, existingUser, warnings);

  if (props.dryRun) {
    return dryRun(app, { contents, ids, feedbackIds, handle: handle.data, existingUser, listing, root, visibilityOf, showcaseItemsBySlug, warnings, progress, origin: props.origin });
  }

  // Phase 2: media, staged outside the transaction (sharp is asynchronous): nothing is in the student's library or in
  // place on disk until phase 3 commits. What a dead import staged is cleaned up first.
  await sweepDeadImports(app);
  const ownerId = existingUser?.id ?? app.newId();
  const prepared = existingUser
    ? undefined
    : await prepareNewUser({ id: ownerId, handle: handle.data, name: manifest.profile.name, role: 'student', bio: manifest.profile.bio, links: manifest.profile.links });
  const staging = await beginImportStaging(app.config);
  const staged: MediaRow[] = [];
  let mediaIds: Map<string, string>;
  let reused = 0;
  try {
    const result = await storeMedia(app, { root, contents, ownerId, staged, staging, progress, consumeFiles: props.consumeFiles === true });
    mediaIds = result.ids;
    reused = result.reused;
    if (result.issues.length) throw badArchive(result.issues, props.label ?? props.dir);
  } catch (error) {
    await staging.discard();
    throw error;
  }

  // Phase 3: every database write in one transaction (the account, the media rows, the pieces), then the staged
  // files are moved into place.
  let result: { owner: User; counts: ReturnType<typeof writeAll> };
  try {
    result = inTransaction(app, () => {
      const owner = existingUser ?? insertUser(app, prepared!);
      for (const row of staged) app.db.insert(media).values(row).run();
      const counts = writeAll(app, { contents, ids, feedbackIds, owner, createdUser: !existingUser, mediaIds, visibilityOf, showcaseItemsBySlug, warnings, progress, origin: props.origin });
      return { owner, counts };
    });
  } catch (error) {
    await staging.discard();
    if (error instanceof PotluckError && error.code !== 'BAD_ARCHIVE') {
      throw new PotluckError('BAD_ARCHIVE', `Nothing was imported: ${error.message}`, { issues: error.issues, cause: error });
    }
    throw error;
  }
  try {
    await staging.finish();
  } catch {
    // The rows are committed; the next import or server start moves the rest into place (sweepDeadImports).
    warnings.push('Some stored files could not be moved into place yet; Potluck finishes that the next time it starts or imports.');
  }
  const { owner, counts } = result;
  if (!existingUser) {
    warnings.push(
      `@${owner.handle} was created from the archive without a password: nobody can sign in to it until a password is set for it (potluck user password --handle ${owner.handle}).`,
    );
  }
  return {
    user: { handle: owner.handle, created: !existingUser },
    artifacts: counts.artifacts,
    revisions: counts.revisions,
    feedback: counts.feedback,
    media: { stored: staged.length, reused },
    showcases: counts.showcases,
    pieces: counts.pieces,
    ...(props.origin ? { origin: { kind: props.origin.kind, platform: props.origin.platform } } : {}),
    warnings,
    dryRun: false,
  };
}

async function checkRoot(root: string): Promise<void> {
  const stat = await fs.stat(root).catch(() => undefined);
  if (!stat) {
    throw new PotluckError('BAD_ARCHIVE', `There is no folder at ${root}. Pass the folder that holds potluck.json.`);
  }
  if (stat.isFile() && root.toLowerCase().endsWith('.zip')) {
    throw new PotluckError('BAD_ARCHIVE', `${root} is a zip file; import it with "potluck import ${path.basename(root)} --handle HANDLE" or the Import page, which check and unpack it safely.`);
  }
  if (!stat.isDirectory()) {
    throw new PotluckError('BAD_ARCHIVE', `${root} is a file, not a folder. Pass the folder that holds potluck.json.`);
  }
}

/**
 * Lists the regular files of the parts of the archive import owns (potluck.json, artifacts/, collections/),
 * with their sizes. Links are refused rather than followed: a link could point anywhere on this machine.
 */
async function listArchive(root: string, issues: FieldIssue[]): Promise<Map<string, number>> {
  const files = new Map<string, number>();
  let tooMany = false;
  const visit = async (rel: string, depth: number): Promise<void> => {
    const full = path.join(root, ...rel.split('/'));
    const stat = await fs.lstat(full).catch(() => undefined);
    if (!stat) return;
    if (stat.isSymbolicLink()) {
      issues.push({
        field: rel,
        message: 'is a symbolic link; an archive must hold the files themselves (replace the link with a copy of the file).',
      });
      return;
    }
    if (stat.isFile()) {
      if (files.size === MAX_FILES) {
        tooMany = true;
        return;
      }
      files.set(rel, stat.size);
      return;
    }
    if (!stat.isDirectory()) {
      issues.push({ field: rel, message: 'is not a regular file or folder.' });
      return;
    }
    if (depth > MAX_DEPTH) {
      issues.push({ field: rel, message: `is nested more than ${MAX_DEPTH} folders deep.` });
      return;
    }
    const names = await fs.readdir(full);
    for (const name of names.sort()) await visit(`${rel}/${name}`, depth + 1);
  };
  for (const top of ['potluck.json', 'media.json', 'artifacts', 'collections', 'revisions', 'feedback', 'mentions', 'media']) await visit(top, 0);
  if (tooMany) issues.push({ field: 'artifacts', message: `the archive has more than ${MAX_FILES.toLocaleString('en')} files; split it into several archives.` });
  return files;
}

async function readTexts(root: string, listing: Map<string, number>, issues: FieldIssue[]): Promise<Map<string, string>> {
  const texts = new Map<string, string>();
  const decoder = new TextDecoder('utf-8', { fatal: true });
  for (const rel of textFilesOf([...listing.keys()])) {
    if ((listing.get(rel) ?? 0) > MAX_TEXT_BYTES) {
      issues.push({ field: rel, message: `is larger than ${MAX_TEXT_BYTES / 1024 / 1024} MB; split the text into several artifacts.` });
      continue;
    }
    const bytes = await fs.readFile(path.join(root, ...rel.split('/')));
    try {
      texts.set(rel, decoder.decode(bytes));
    } catch {
      issues.push({ field: rel, message: 'is not UTF-8 text; save it again as UTF-8 (every modern editor can).' });
    }
  }
  return texts;
}

/** Early, cheap refusals of files uploadMedia would refuse later (by extension and size). */
function checkMediaFiles(contents: ArchiveContents, listing: Map<string, number>, issues: FieldIssue[]): void {
  for (const artifact of [...contents.artifacts, { files: contents.library }]) {
    for (const f of artifact.files) {
      const name = f.path.slice(f.path.lastIndexOf('/') + 1);
      const ext = name.includes('.') ? name.slice(name.lastIndexOf('.') + 1).toLowerCase() : '';
      const size = listing.get(f.path) ?? 0;
      const isPicture = pictureExtensions.has(ext);
      if (!isPicture && !(ext in ATTACHMENT_TYPES)) {
        issues.push({
          field: f.path,
          message: `Potluck cannot store ${ext ? `.${ext} files` : 'files without an extension (like .pdf)'}; use a picture (JPEG, PNG, WebP, GIF, AVIF) or a PDF, sound, video, office or text file.`,
        });
      } else if (size === 0) {
        issues.push({ field: f.path, message: 'the file is empty.' });
      } else if (size > (isPicture ? MAX_IMAGE_BYTES : MAX_ATTACHMENT_BYTES)) {
        const limit = (isPicture ? MAX_IMAGE_BYTES : MAX_ATTACHMENT_BYTES) / 1024 / 1024;
        issues.push({ field: f.path, message: `is larger than ${limit} MB, the most Potluck stores for one file.` });
      }
    }
  }
}

/**
 * The id each artifact gets: its own, or (no id, or an id already in use by another account here) one derived from
 * handle and slug, so importing the same folder again finds the same artifact. The report says an id was replaced
 * but never whose it was: an import must not tell one student anything about another's work.
 */
function assignIds(
  app: AppContext,
  contents: ArchiveContents,
  handle: string,
  owner: User | undefined,
  warnings: string[],
): Map<string, string> {
  const given = contents.artifacts.map((a) => a.frontmatter.id).filter((id): id is string => id !== undefined);
  // The instance key (made on first use) is needed only when some piece comes without an id.
  let key: Buffer | undefined;
  const keyed = (slug: string) => derivedArtifactId((key ??= idKey(app)), handle, slug);
  const unnamed = contents.artifacts.filter((a) => a.frontmatter.id === undefined);
  const derivedIds = [...unnamed.map((a) => keyed(a.slug)), ...contents.artifacts.map((a) => legacyDerivedArtifactId(handle, a.slug))];
  const owners = new Map<string, string>();
  const wanted = [...given, ...derivedIds];
  for (let i = 0; i < wanted.length; i += 500) {
    const rows = app.db
      .select({ id: artifacts.id, ownerId: artifacts.ownerId })
      .from(artifacts)
      .where(inArray(artifacts.id, wanted.slice(i, i + 500)))
      .all();
    for (const r of rows) owners.set(r.id, r.ownerId);
  }
  const takenByOther = (id: string) => owners.has(id) && owners.get(id) !== owner?.id;
  const ids = new Map<string, string>();
  for (const a of contents.artifacts) {
    const id = a.frontmatter.id;
    if (id !== undefined && !takenByOther(id)) {
      ids.set(a.slug, id);
      continue;
    }
    // A derived id someone else's archive claimed first is derived again, with a counter: still stable per account.
    // This account's own piece from an import by an earlier version keeps its id; nobody else's is ever looked at.
    const legacy = legacyDerivedArtifactId(handle, a.slug);
    let derived = owner && owners.get(legacy) === owner.id ? legacy : keyed(a.slug);
    for (let n = 2; takenByOther(derived); n++) derived = keyed(`${a.slug}\0${n}`);
    ids.set(a.slug, derived);
    warnings.push(
      id !== undefined
        ? `${a.file}: its id cannot be used on this Potluck, so this piece got a new id (${derived}); importing this archive again finds it by that id.`
        : `${a.file}: has no id, so it got ${derived}; add "id: ${derived}" to its frontmatter to keep it if you rename the folder.`,
    );
  }
  return ids;
}

/**
 * A stable artifact id for a piece imported without one (or with one it may not keep), shaped like the UUIDs Potluck
 * makes (version 8: custom). Keyed with this instance's secret: anyone could compute an id made from handle and slug
 * alone, and an import that finds such an id taken would tell a student that another account has a piece with that
 * slug, private ones included.
 */
export function derivedArtifactId(key: Buffer, handle: string, slug: string): string {
  return uuidShaped(createHmac('sha256', key).update(`potluck-archive/1\0${handle}\0${slug}`).digest('hex'));
}

/**
 * The unkeyed id earlier versions derived from handle and slug. Used only to find the importing account's own pieces
 * from such imports again (so re-importing duplicates nothing); never to probe anyone else's.
 */
export function legacyDerivedArtifactId(handle: string, slug: string): string {
  return uuidShaped(createHash('sha256').update(`potluck-archive/1\0${handle}\0${slug}`).digest('hex'));
}

function uuidShaped(digestHex: string): string {
  const hex = digestHex.slice(0, 32).split('');
  hex[12] = '8';
  hex[16] = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The key artifact ids are derived with: this instance's own, apart from the one that seals tokens. */
function idKey(app: AppContext): Buffer {
  return Buffer.from(hkdfSync('sha256', sealingKey(app.config), 'potluck', 'archive-ids/v1', 32));
}

/**
 * The id each feedback message gets (archive id -> id here): its own, unless a message on another piece (of any
 * account) has it; then one derived from the handle and its id, the same on every import, so importing again finds
 * it. Which piece holds a taken id is never reported.
 */
function assignFeedbackIds(app: AppContext, contents: ArchiveContents, ids: Map<string, string>, handle: string): Map<string, string> {
  const result = new Map<string, string>();
  if (contents.feedback.length === 0) return result;
  let key: Buffer | undefined;
  const keyed = (id: string, n: number) => derivedArtifactId((key ??= idKey(app)), handle, `feedback\0${id}${n > 1 ? `\0${n}` : ''}`);
  const wanted = contents.feedback.flatMap((f) => f.thread.messages.map((m) => m.id));
  const onArtifact = new Map<string, string>();
  const look = (list: string[]) => {
    for (let i = 0; i < list.length; i += 500) {
      for (const r of app.db
        .select({ id: feedbackMessages.id, artifactId: feedbackMessages.artifactId })
        .from(feedbackMessages)
        .where(inArray(feedbackMessages.id, list.slice(i, i + 500)))
        .all()) {
        onArtifact.set(r.id, r.artifactId);
      }
    }
  };
  look(wanted);
  for (const f of contents.feedback) {
    const artifactId = ids.get(f.artifactSlug)!;
    const takenElsewhere = (id: string) => onArtifact.has(id) && onArtifact.get(id) !== artifactId;
    for (const m of f.thread.messages) {
      if (!takenElsewhere(m.id)) {
        result.set(m.id, m.id);
        continue;
      }
      let n = 1;
      let id = keyed(m.id, n);
      look([id]);
      while (takenElsewhere(id)) {
        id = keyed(m.id, ++n);
        look([id]);
      }
      result.set(m.id, id);
    }
  }
  return result;
}

/**
 * Writes the archive's feedback into the threads of the pieces just saved (inside the import's transaction). A
 * message already in its thread is left as it is: nobody edits another's message, an import included.
 */
function writeFeedback(app: AppContext, props: WriteProps): { added: number; alreadyHere: number } {
  const { contents, owner } = props;
  let added = 0;
  let alreadyHere = 0;
  if (contents.feedback.length === 0) return { added, alreadyHere };
  const hubIds = new Map<string, string | null>();
  const hubBySlug = (slug: string | undefined): string | null => {
    if (!slug) return null;
    if (!hubIds.has(slug)) hubIds.set(slug, app.db.select({ id: hubs.id }).from(hubs).where(eq(hubs.slug, slug)).get()?.id ?? null);
    return hubIds.get(slug)!;
  };
  for (const f of contents.feedback) {
    const artifactId = props.ids.get(f.artifactSlug)!;
    const present = new Set(
      app.db.select({ id: feedbackMessages.id }).from(feedbackMessages).where(eq(feedbackMessages.artifactId, artifactId)).all().map((r) => r.id),
    );
    for (const m of f.thread.messages) {
      const id = props.feedbackIds.get(m.id)!;
      if (present.has(id)) {
        alreadyHere++;
        continue;
      }
      const rendered = renderArtifactBody({ source: m.body, format: 'markdown' });
      if (!rendered.ok) throw new PotluckError('BAD_ARCHIVE', `${f.file}: message ${m.id} could not be rendered.`);
      app.db
        .insert(feedbackMessages)
        .values({
          id,
          artifactId,
          // The student's own messages are the student's, whatever account they are imported into; nobody else's is
          // tied to an account here on the archive's word (a crafted file could name any teacher's handle).
          authorId: m.role === 'owner' ? owner.id : null,
          authorName: m.author,
          authorRole: m.role,
          hubId: m.role === 'teacher' ? hubBySlug(m.hub) : null,
          body: m.body,
          html: rendered.html,
          revision: m.revision,
          createdAt: m.date,
        })
        .run();
      present.add(id);
      added++;
    }
  }
  return { added, alreadyHere };
}

/**
 * Showcase slug -> artifact ids in order; an item is in the archive or already in the account. One that is in
 * neither is left out of the showcase with a warning: a showcase is a list, and nothing of the work is lost.
 */
function resolveShowcaseItems(
  app: AppContext,
  contents: ArchiveContents,
  ids: Map<string, string>,
  owner: User | undefined,
  warnings: string[],
): Map<string, string[]> {
  const existing = new Map<string, string>();
  if (owner) {
    for (const row of app.db.select({ id: artifacts.id, slug: artifacts.slug }).from(artifacts).where(eq(artifacts.ownerId, owner.id)).all()) {
      existing.set(row.slug, row.id);
    }
  }
  const result = new Map<string, string[]>();
  for (const c of contents.collections) {
    const items: string[] = [];
    for (const slug of c.frontmatter.items) {
      const id = ids.get(slug) ?? existing.get(slug);
      if (id) items.push(id);
      else if (!contents.rejected.includes(slug)) {
        warnings.push(
          `${c.file}: items lists "${slug}", but there is no artifacts/${slug}/ in the archive${owner ? ` and no such artifact in @${owner.handle}` : ''}, so the showcase goes without it.`,
        );
      }
    }
    result.set(c.slug, items);
  }
  return result;
}

/**
 * When instance policy asks for recorded consent before work is public and the account has none, public work is
 * imported as `members` (the minor-safe default) with a warning, rather than refusing the whole archive.
 */
function publicPolicy(
  app: AppContext,
  contents: ArchiveContents,
  owner: User | undefined,
  warnings: string[],
): (v: ArchiveArtifact['frontmatter']['visibility']) => ArchiveArtifact['frontmatter']['visibility'] {
  // The import acts for the owner; an account it creates has recorded no consent yet.
  const subject = publicSharingSubject(app, owner ?? { id: 'account-to-create', publicConsentAt: null });
  const needsConsent = !can({ id: subject.ownerId, role: owner?.role ?? 'student' }, 'publish', subject);
  if (!needsConsent) return (v) => v;
  const count = contents.artifacts.filter((a) => a.frontmatter.visibility === 'public').length;
  if (count > 0) {
    warnings.push(
      `This Potluck asks for recorded consent before work is public, so ${count} public artifact${count === 1 ? ' was' : 's were'} imported as "members". Record consent on the Account page, then make them public again (or import again).`,
    );
  }
  return (v) => (v === 'public' ? 'members' : v);
}

/** Files to store, once each: the same bytes under two names or in two artifacts are one media item. */
function plannedFiles(contents: ArchiveContents): { path: string; alt: string }[] {
  const seen = new Map<string, { path: string; alt: string }>();
  for (const a of [...contents.artifacts, { files: contents.library }]) {
    for (const f of a.files) {
      const prior = seen.get(f.path);
      if (!prior) seen.set(f.path, { path: f.path, alt: f.alt });
      else if (!prior.alt) prior.alt = f.alt;
    }
  }
  return [...seen.values()];
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Finds an existing media row of the owner for these bytes: the same SHA-256 as a stored file (attachments, and
 * pictures exported by Potluck, whose stored original is what the archive holds) or as an upload before it was
 * stripped (`source_sha256`), or, for pictures stored before that column existed, the SHA-256 that storing the
 * picture would produce (pictures are re-encoded on upload, deterministically).
 */
async function findExisting(app: AppContext, ownerId: string, bytes: Uint8Array, known: Map<string, string>, hash?: string): Promise<string | undefined> {
  const direct = hash ?? sha256(bytes);
  const lookup = (hash: string) =>
    known.get(hash) ??
    app.db
      .select({ id: media.id })
      .from(media)
      .where(and(eq(media.ownerId, ownerId), or(eq(media.sha256, hash), eq(media.sourceSha256, hash))))
      .get()?.id;
  const hit = lookup(direct);
  if (hit) return hit;
  const sniffed = sniff(bytes);
  if (sniffed.kind !== 'image') return undefined;
  const legacyImages = app.db
    .select({ id: media.id })
    .from(media)
    .where(and(eq(media.ownerId, ownerId), eq(media.kind, 'image'), isNull(media.sourceSha256)))
    .get();
  if (!legacyImages) return undefined;
  try {
    const processed = await processImage(bytes, sniffed.mime);
    return lookup(sha256(processed.original));
  } catch {
    return undefined;
  }
}

/** The ready-made sizes media.json lists for a picture, read from variants/<sha256>/ (undefined if any is missing). */
async function offeredVariants(root: string, hash: string, listed: { file: string; width: number; height: number }[]): Promise<OfferedVariant[] | undefined> {
  if (listed.length === 0) return undefined;
  const out: OfferedVariant[] = [];
  for (const v of listed) {
    const full = path.join(root, 'variants', hash, v.file);
    const stat = await fs.lstat(full).catch(() => undefined);
    if (!stat?.isFile() || stat.size > MAX_IMAGE_BYTES) return undefined;
    out.push({ ...v, data: await fs.readFile(full), path: full });
  }
  return out;
}

/** Pictures checked and stored at once: one decodes while another is read or written. */
const MEDIA_CONCURRENCY = 2;

async function storeMedia(
  app: AppContext,
  props: {
    root: string;
    contents: ArchiveContents;
    ownerId: string;
    /** Rows of the files staged, inserted by the import's transaction. */
    staged: MediaRow[];
    staging: ImportStaging;
    progress: (p: ImportProgress) => void;
    consumeFiles: boolean;
  },
): Promise<{ ids: Map<string, string>; reused: number; issues: FieldIssue[] }> {
  const files = plannedFiles(props.contents);
  const ids = new Map<string, string>();
  const byHash = new Map<string, string>();
  // The same bytes under two names are stored once, also when both are being worked on at the same time.
  const pending = new Map<string, Promise<string | undefined>>();
  const listed = new Map((props.contents.mediaList?.items ?? []).map((item) => [item.sha256, item]));
  const issues: FieldIssue[] = [];
  let reused = 0;
  let done = 0;
  let next = 0;

  const storeOne = async (f: { path: string; alt: string }, bytes: Buffer, hash: string): Promise<string | undefined> => {
    const existing = await findExisting(app, props.ownerId, bytes, byHash, hash);
    if (existing) {
      if (!props.staged.some((m) => m.id === existing)) reused++;
      return existing;
    }
    const meta = listed.get(hash);
    const archiveName = f.path.slice(f.path.lastIndexOf('/') + 1);
    const alt = (meta?.alt || f.alt).slice(0, MAX_ALT_CHARS);
    try {
      const open = () => props.staging.item(props.ownerId);
      let row = await stageKeptPicture(app, {
        ownerId: props.ownerId,
        filename: sanitizeFilename(meta?.filename ?? archiveName),
        bytes,
        sha256: hash,
        alt: alt.replace(/\s+/g, ' ').trim(),
        createdAt: meta?.createdAt,
        offeredVariants: meta ? () => offeredVariants(props.root, hash, meta.variants) : undefined,
        // A temporary copy of the archive (an unpacked zip) gives its files up instead of having them copied.
        moveFrom: props.consumeFiles ? path.join(props.root, ...f.path.split('/')) : undefined,
      }, open);
      if (!row) {
        row = await stageUpload(app, { ownerId: props.ownerId, file: { name: archiveName, bytes }, alt }, open);
        if (meta) {
          // The name the student gave the file and when they uploaded it, as media.json remembers them.
          const ext = /\.([a-z0-9]+)$/.exec(row.filename)?.[1];
          row = { ...row, filename: sanitizeFilename(meta.filename, ext), createdAt: meta.createdAt ?? row.createdAt };
        }
      }
      props.staged.push(row);
      byHash.set(hash, row.id!);
      return row.id!;
    } catch (error) {
      if (!(error instanceof PotluckError)) throw error;
      issues.push({ field: f.path, message: error.message });
      return undefined;
    }
  };

  const worker = async () => {
    while (next < files.length) {
      const f = files[next++];
      const bytes = await fs.readFile(path.join(props.root, ...f.path.split('/')));
      const hash = sha256(bytes);
      let job = pending.get(hash);
      if (job) {
        const id = await job;
        if (id) ids.set(f.path, id);
      } else {
        job = storeOne(f, bytes, hash);
        pending.set(hash, job);
        const id = await job;
        if (id) ids.set(f.path, id);
      }
      props.progress({ step: 'media', done: ++done, total: files.length, item: f.path });
    }
  };
  props.progress({ step: 'media', done: 0, total: files.length });
  await Promise.all(Array.from({ length: Math.min(MEDIA_CONCURRENCY, files.length) }, worker));
  issues.sort((a, b) => (a.field < b.field ? -1 : 1));
  return { ids, reused, issues };
}

interface WriteProps {
  contents: ArchiveContents;
  ids: Map<string, string>;
  /** Feedback message id in the archive -> id here. */
  feedbackIds: Map<string, string>;
  owner: User;
  createdUser: boolean;
  mediaIds: Map<string, string>;
  visibilityOf: (v: ArchiveArtifact['frontmatter']['visibility']) => ArchiveArtifact['frontmatter']['visibility'];
  showcaseItemsBySlug: Map<string, string[]>;
  warnings: string[];
  progress: (p: ImportProgress) => void;
  origin?: ImportOrigin;
}

/** Rows this connection has written so far (SQLite's total_changes()): tells a write from a no-op. */
function totalChanges(app: AppContext): number {
  return rowsWritten(app.db);
}

/**
 * Whether a piece from another platform is one the account already has: its incoming title and body equal its
 * current text or any revision in its history. The student may have edited it here since it first came in; the same
 * source imported again must not overwrite that.
 */
function alreadyImported(app: AppContext, current: Artifact, title: string, body: string): boolean {
  const wanted = title.trim();
  if (current.title === wanted && current.body === body) return true;
  return app.db
    .select({ title: revisions.title, body: revisions.body })
    .from(revisions)
    .where(eq(revisions.artifactId, current.id))
    .all()
    .some((r) => r.title === wanted && r.body === body);
}

function writeAll(app: AppContext, props: WriteProps) {
  const { contents, owner } = props;
  const changesBefore = totalChanges(app);
  const manifest = contents.manifest!;
  // The account's profile: fill what is blank, never overwrite what the student already set here.
  const patch: Partial<User> = {};
  if (!owner.bio && manifest.profile.bio) patch.bio = manifest.profile.bio;
  if (owner.links.length === 0 && manifest.profile.links.length) patch.links = manifest.profile.links;
  if (!owner.siteTitle && manifest.site.title) patch.siteTitle = manifest.site.title;
  if (!owner.siteLicense && manifest.site.license) patch.siteLicense = manifest.site.license;
  if (!owner.canonicalBaseUrl && manifest.site.baseUrl) patch.canonicalBaseUrl = manifest.site.baseUrl;
  // Asking search engines to stay away is kept when the work moves; never switched off by an import.
  if (!owner.noindex && manifest.site.noindex) patch.noindex = true;
  const avatar = contents.avatar ? props.mediaIds.get(contents.avatar) : undefined;
  if (!owner.avatarMediaId && avatar) patch.avatarMediaId = avatar;
  if (Object.keys(patch).length) app.db.update(users).set(patch).where(eq(users.id, owner.id)).run();

  const counts = { created: 0, updated: 0, unchanged: 0 };
  const history = { added: 0, alreadyHere: 0 };
  const drafts = new Set(props.origin?.drafts ?? []);
  const pieceBySlug = new Map<string, ImportedPiece>();
  // Existing artifacts first, so that a renamed folder frees its old address before a new artifact asks for it.
  const existing = new Map(app.db.select().from(artifacts).where(eq(artifacts.ownerId, owner.id)).all().map((r) => [r.id, r]));
  const existingIds = new Set(existing.keys());
  const ordered = [...contents.artifacts].sort(
    (a, b) => Number(!existingIds.has(props.ids.get(a.slug)!)) - Number(!existingIds.has(props.ids.get(b.slug)!)),
  );
  for (const [i, a] of ordered.entries()) {
    props.progress({ step: 'save', done: i, total: ordered.length + contents.collections.length, item: a.file });
    const fm = a.frontmatter;
    const body = replaceFileReferences(a.body, a.references, (ref) => {
      const id = props.mediaIds.get(ref.path);
      return id ? `media:${id}${ref.fragment}` : undefined;
    });
    const id = props.ids.get(a.slug)!;
    const current = existing.get(id);
    let visibility = props.visibilityOf(fm.visibility);
    let slug = a.slug;
    if (props.origin && current) {
      // A piece imported before keeps who may see it and its address, as the student has them now.
      visibility = current.visibility;
      slug = current.slug;
      if (alreadyImported(app, current, fm.title, body)) {
        counts.unchanged++;
        pieceBySlug.set(a.slug, pieceOf(current, 'unchanged', drafts));
        continue;
      }
    }
    const result = named(a.file, () =>
      storeArtifact(app, {
        ownerId: owner.id,
        artifactId: id,
        note: 'Imported from an archive',
        updatedAt: fm.updated ?? fm.date,
        input: {
          title: fm.title,
          summary: fm.summary,
          kind: fm.kind,
          visibility,
          format: a.format,
          body,
          tags: fm.tags,
          date: fm.date,
          coverMediaId: a.cover ? (props.mediaIds.get(a.cover) ?? null) : null,
          linkUrl: fm.link ?? null,
          canonical: fm.canonical ?? null,
          slug,
        },
      }),
    );
    if (a.revisions.length) {
      const merged = mergeHistory(app, result, a.revisions, props.mediaIds);
      history.added += merged.added;
      history.alreadyHere += merged.alreadyHere;
    }
    const action = result.created ? 'create' : result.revision ? 'update' : 'unchanged';
    if (action === 'create') counts.created++;
    else if (action === 'update') counts.updated++;
    else counts.unchanged++;
    pieceBySlug.set(a.slug, pieceOf(result.artifact, action, drafts));
    if (props.origin && action === 'update') {
      props.warnings.push(
        `${a.file}: "${result.artifact.title}" is not the same on ${props.origin.platform} as when it was imported; the text from ${props.origin.platform} is now its latest revision, and its earlier revisions are kept in its history.`,
      );
    }
    if (result.artifact.slug !== slug) {
      props.warnings.push(`${a.file}: the address ${a.slug} is taken by other work in @${owner.handle}, so this artifact is at ${result.artifact.slug}.`);
    }
    if (a.references.some((r) => r.start === undefined)) {
      props.warnings.push(`${a.file}: a file reference written with escapes could not be pointed at its upload; check its links and pictures.`);
    }
    for (const url of fm.syndication) {
      app.db
        .insert(syndications)
        .values({ artifactId: result.artifact.id, url, name: new URL(url).hostname, createdAt: app.now() })
        .onConflictDoNothing()
        .run();
    }
  }

  let showcaseCount = 0;
  for (const [i, c] of contents.collections.entries()) {
    // From another platform: a new showcase is private, one imported before keeps its visibility.
    const showcaseVisibility = (existing: { visibility: Visibility } | undefined) =>
      props.origin ? (existing?.visibility ?? 'private') : props.visibilityOf(c.frontmatter.visibility);
    props.progress({ step: 'save', done: ordered.length + i, total: ordered.length + contents.collections.length, item: c.file });
    const items = props.showcaseItemsBySlug.get(c.slug) ?? [];
    const existing = app.db
      .select()
      .from(showcases)
      .where(and(eq(showcases.ownerId, owner.id), eq(showcases.slug, c.slug)))
      .get();
    if (existing) {
      const current = app.db
        .select({ id: showcaseItems.artifactId, position: showcaseItems.position })
        .from(showcaseItems)
        .where(eq(showcaseItems.showcaseId, existing.id))
        .all()
        .sort((x, y) => x.position - y.position)
        .map((r) => r.id);
      const same =
        existing.title === c.frontmatter.title &&
        existing.intro === c.intro &&
        existing.visibility === showcaseVisibility(existing) &&
        JSON.stringify(current) === JSON.stringify(items);
      showcaseCount++;
      if (same) continue;
    } else {
      showcaseCount++;
    }
    named(c.file, () =>
      storeShowcase(app, {
        ownerId: owner.id,
        showcaseId: existing?.id,
        // A public showcase needs the same consent as public work: without it, it comes in for class members.
        input: { title: c.frontmatter.title, intro: c.intro, visibility: showcaseVisibility(existing), items, slug: c.slug },
      }),
    );
  }
  const feedback = writeFeedback(app, props);
  // Approved Webmentions (mentions/) go back on their pieces (server/webmention/receive/archiveMentions.ts).
  importArchiveMentions(app, { mentions: contents.mentions, ids: props.ids, owner });
  props.progress({ step: 'save', done: ordered.length + contents.collections.length, total: ordered.length + contents.collections.length });
  // The profile and syndication links changed without going through a saver: cached public pages are stale. An
  // import that wrote nothing (the same source again) leaves them as they are.
  if (totalChanges(app) !== changesBefore) bumpContentVersion(app, owner.id);
  const pieces = contents.artifacts.map((a) => pieceBySlug.get(a.slug)!);
  return { artifacts: counts, revisions: history, feedback, showcases: showcaseCount, pieces };
}

function pieceOf(a: Artifact, action: ImportedPiece['action'], drafts: Set<string>): ImportedPiece {
  return { id: a.id, slug: a.slug, title: a.title, action, visibility: a.visibility, tags: a.tags, date: a.date.toISOString(), draft: drafts.has(a.id) };
}

/** The fields a revision snapshots, as one comparable string (the artifact saver's notion of "the same"). */
function snapshotKey(
  r: Pick<Artifact, 'title' | 'summary' | 'tags' | 'coverMediaId' | 'linkUrl' | 'date' | 'body'> & { kind: string; visibility: string; format: string },
): string {
  return JSON.stringify([r.title, r.summary, r.kind, r.visibility, r.format, r.tags, r.coverMediaId, r.linkUrl, r.date.getTime(), r.body]);
}

/**
 * Merges the archive's history into the artifact's revisions (see the file comment). The revision the save just
 * recorded for the import is replaced by the archive's own history; one "Imported" revision is added only when the
 * artifact as imported is not already the latest revision.
 */
function mergeHistory(
  app: AppContext,
  result: ReturnType<typeof storeArtifact>,
  archived: ArchiveRevision[],
  mediaIds: Map<string, string>,
): { added: number; alreadyHere: number } {
  const artifact = result.artifact;
  if (result.revision) app.db.delete(revisions).where(eq(revisions.id, result.revision.id)).run();
  const current = app.db.select().from(revisions).where(eq(revisions.artifactId, artifact.id)).all();
  // A revision is the same one when its number and time (to the millisecond) match: how the archive spells its
  // file references (`/media/ID/` becomes `media:ID`) does not make it another. One that was added after the
  // others (its number was taken) is recognised by its time and content.
  const known = new Set(current.flatMap((r) => [`#${r.number}@${r.createdAt.getTime()}`, `${r.createdAt.getTime()}|${snapshotKey(r)}`]));
  const numbers = new Set(current.map((r) => r.number));
  let highest = Math.max(0, ...numbers);
  let added = 0;
  let alreadyHere = 0;
  for (const r of archived) {
    const fm = r.frontmatter;
    const row = {
      title: fm.title,
      summary: fm.summary,
      kind: fm.kind,
      visibility: fm.visibility,
      format: fm.format,
      tags: fm.tags,
      coverMediaId: r.cover ? (mediaIds.get(r.cover) ?? null) : null,
      linkUrl: fm.link ?? null,
      date: fm.date,
      body: replaceFileReferences(r.body, r.references, (ref) => {
        const id = mediaIds.get(ref.path);
        return id ? `media:${id}${ref.fragment}` : undefined;
      }),
    };
    const key = `${fm.createdAt.getTime()}|${snapshotKey(row)}`;
    if (known.has(key) || known.has(`#${fm.number}@${fm.createdAt.getTime()}`)) {
      alreadyHere++;
      continue;
    }
    // A number already taken by a different revision: both copies were edited apart. Keep both, this one last.
    const number = numbers.has(fm.number) ? highest + 1 : fm.number;
    const note = number === fm.number ? fm.note : `${fm.note ? `${fm.note}; ` : ''}revision ${fm.number} of an imported copy`;
    app.db.insert(revisions).values({ id: app.newId(), artifactId: artifact.id, number, note, createdAt: fm.createdAt, ...row }).run();
    known.add(key);
    numbers.add(number);
    highest = Math.max(highest, number);
    added++;
  }
  const latest = app.db
    .select()
    .from(revisions)
    .where(eq(revisions.artifactId, artifact.id))
    .all()
    .sort((x, y) => y.number - x.number)[0];
  if (!latest || snapshotKey(latest) !== snapshotKey(artifact)) {
    highest += 1;
    app.db
      .insert(revisions)
      .values({
        id: app.newId(),
        artifactId: artifact.id,
        number: highest,
        title: artifact.title,
        summary: artifact.summary,
        kind: artifact.kind,
        visibility: artifact.visibility,
        format: artifact.format,
        tags: artifact.tags,
        coverMediaId: artifact.coverMediaId,
        linkUrl: artifact.linkUrl,
        date: artifact.date,
        body: artifact.body,
        note: 'Imported from an archive',
        createdAt: app.now(),
      })
      .run();
  }
  const first = Math.min(...archived.map((r) => r.frontmatter.createdAt.getTime()));
  app.db
    .update(artifacts)
    .set({ revision: highest, ...(result.created ? { createdAt: new Date(Math.min(first, artifact.createdAt.getTime())) } : {}) })
    .where(eq(artifacts.id, artifact.id))
    .run();
  return { added, alreadyHere };
}

/** Runs a save; a refusal names the archive file it came from, so the student knows where to look. */
function named<T>(file: string, save: () => T): T {
  try {
    return save();
  } catch (error) {
    if (!(error instanceof PotluckError)) throw error;
    const issues = error.issues.length
      ? error.issues.map((i) => ({ field: `${file}: ${i.field}`, message: i.message }))
      : [{ field: file, message: error.message }];
    throw new PotluckError(error.code, `${file}: ${error.message}`, { issues, cause: error });
  }
}

/** Thrown to roll back a dry run. */
class DryRunDone extends Error {}

/**
 * A dry run does the real writes with stand-in media rows inside a transaction that is always rolled back, so its
 * counts (created / updated / unchanged) are exactly what an import would do, and nothing is left behind.
 */
async function dryRun(
  app: AppContext,
  props: {
    contents: ArchiveContents;
    ids: Map<string, string>;
    feedbackIds: Map<string, string>;
    handle: string;
    existingUser: User | undefined;
    listing: Map<string, number>;
    root: string;
    visibilityOf: WriteProps['visibilityOf'];
    showcaseItemsBySlug: Map<string, string[]>;
    warnings: string[];
    progress: (p: ImportProgress) => void;
    origin?: ImportOrigin;
  },
): Promise<ImportReport> {
  const manifest = props.contents.manifest!;
  let report: ImportReport | undefined;
  // Media first, outside the transaction: matching a picture may run sharp.
  const files = plannedFiles(props.contents);
  const known = new Map<string, string>();
  const planned: { path: string; existing?: string; alt: string }[] = [];
  for (const [i, f] of files.entries()) {
    props.progress({ step: 'media', done: i, total: files.length, item: f.path });
    const bytes = await fs.readFile(path.join(props.root, ...f.path.split('/')));
    const existing = props.existingUser ? await findExisting(app, props.existingUser.id, bytes, known) : undefined;
    planned.push({ path: f.path, existing, alt: f.alt });
  }
  props.progress({ step: 'media', done: files.length, total: files.length });
  try {
    const prepared = props.existingUser
      ? undefined
      : await prepareNewUser({ handle: props.handle, name: manifest.profile.name, role: 'student', bio: manifest.profile.bio, links: manifest.profile.links });
    inTransaction(app, () => {
      const owner = props.existingUser ?? insertUser(app, prepared!);
      const mediaIds = new Map<string, string>();
      for (const p of planned) {
        const id = p.existing ?? app.newId();
        if (!p.existing) {
          app.db
            .insert(media)
            .values({ id, ownerId: owner.id, kind: 'attachment', filename: 'dry-run', mime: 'application/octet-stream', bytes: 0, sha256: '', createdAt: app.now() })
            .run();
        }
        mediaIds.set(p.path, id);
      }
      const counts = writeAll(app, {
        contents: props.contents,
        ids: props.ids,
        feedbackIds: props.feedbackIds,
        owner,
        createdUser: !props.existingUser,
        mediaIds,
        visibilityOf: props.visibilityOf,
        showcaseItemsBySlug: props.showcaseItemsBySlug,
        warnings: props.warnings,
        progress: props.progress,
        origin: props.origin,
      });
      report = {
        user: { handle: owner.handle, created: !props.existingUser },
        artifacts: counts.artifacts,
        revisions: counts.revisions,
        feedback: counts.feedback,
        media: { stored: planned.filter((p) => !p.existing).length, reused: planned.filter((p) => p.existing).length },
        showcases: counts.showcases,
        pieces: counts.pieces,
        ...(props.origin ? { origin: { kind: props.origin.kind, platform: props.origin.platform } } : {}),
        warnings: props.warnings,
        dryRun: true,
      };
      throw new DryRunDone();
    });
  } catch (error) {
    if (!(error instanceof DryRunDone)) {
      if (error instanceof PotluckError && error.code !== 'BAD_ARCHIVE') {
        throw new PotluckError('BAD_ARCHIVE', `The import would fail: ${error.message}`, { issues: error.issues, cause: error });
      }
      throw error;
    }
  }
  if (!props.existingUser) {
    props.warnings.push(`@${props.handle} would be created from the archive without a password: nobody could sign in to it until a password is set for it.`);
  }
  return report!;
}
