/**
 * Reads a `potluck-archive/1` archive from a listing of its files and the text of the files it owns, and checks
 * everything that can be checked without a database: the manifest, every frontmatter, every body, every file a
 * body or cover refers to; and what an export adds that import reads too: the history in revisions/, media.json,
 * the media library in media/ and the profile picture. Pure, so that a folder, a zip or a test can feed it the same
 * way. Every problem is collected, never just the first, because a student fixing an archive by hand should see the
 * whole list.
 */
import { MAX_BODY_CHARS, artifactInputSchema } from '../artifacts.ts';
import { PotluckError, type FieldIssue } from '../errors.ts';
import { renderArtifactBody } from '../markdown/render.ts';
import { showcaseInputSchema } from '../showcases.ts';
import { FEEDBACK_DIR, parseFeedbackThread, type ArchiveFeedbackThread } from './feedback.ts';
import { MENTIONS_DIR, parseMentions, type ArchiveMention } from './mentions.ts';
import { parseFrontmatter } from './frontmatter.ts';
import { checkRelativePath, findFileReferences, type FileReference } from './references.ts';
import {
  MEDIA_LIST_FILE,
  archiveManifestSchema,
  artifactFrontmatterSchema,
  checkArchiveData,
  collectionFrontmatterSchema,
  isSafeRelativeFile,
  mediaListSchema,
  revisionFrontmatterSchema,
  type ArchiveManifest,
  type ArtifactFrontmatter,
  type CollectionFrontmatter,
  type MediaList,
  type RevisionFrontmatter,
} from './schema.ts';
import { isSafeSlug, slugify } from './slug.ts';
import { lenientArtifact, lenientCollection, lenientManifest, lenientRevision, newLeniency, tagChangeWarnings, type Leniency } from './lenient.ts';

/** What a reader needs: every regular file (relative, "/"-separated) and the text of the files it owns. */
export interface ArchiveListing {
  files: readonly string[];
  texts: ReadonlyMap<string, string>;
}

/** A file an artifact uses, resolved to its path in the archive. */
export interface ArtifactFile {
  /** Path in the archive, e.g. `artifacts/poem/photo.jpg`. */
  path: string;
  /** Alt text from the first image reference to it ('' for links and covers). */
  alt: string;
}

/** One save of an artifact from `revisions/<folder>/<n>.md`, checked. */
export interface ArchiveRevision {
  number: number;
  file: string;
  frontmatter: RevisionFrontmatter;
  body: string;
  /** References in the body, resolved against the artifact's folder (where the files are). */
  references: (FileReference & { path: string })[];
  /** Archive path of the cover image then. */
  cover?: string;
}

/** One artifact as the archive describes it, checked. */
export interface ArchiveArtifact {
  /** The address: the folder name, or the frontmatter's `slug` when the folder had to be named otherwise. */
  slug: string;
  /** The folder under artifacts/ (and revisions/). */
  folder: string;
  /** `artifacts/<folder>/index.md` (or `.mdx`). */
  file: string;
  format: 'markdown' | 'mdx';
  frontmatter: ArtifactFrontmatter;
  body: string;
  /** References in the body, each with the archive path of its file. */
  references: (FileReference & { path: string })[];
  /** Archive path of the cover image. */
  cover?: string;
  /** Every file this artifact uses (body and cover, now and in its revisions), once each. */
  files: ArtifactFile[];
  /** Its history from revisions/, by number; empty when the archive has none. */
  revisions: ArchiveRevision[];
}

/** One collection (showcase) as the archive describes it, checked. */
export interface ArchiveCollection {
  slug: string;
  file: string;
  frontmatter: CollectionFrontmatter;
  intro: string;
}

/** One feedback thread from `feedback/<folder>.md`, checked, with the piece of the archive it is on. */
export interface ArchiveFeedback {
  file: string;
  /** The slug of the artifact (in `artifacts`) the thread belongs to. */
  artifactSlug: string;
  thread: ArchiveFeedbackThread;
}

/** The approved Webmentions of one piece, from `mentions/<folder>.json`. */
export interface ArchiveMentions {
  file: string;
  artifactSlug: string;
  mentions: ArchiveMention[];
}

/** The archive, checked: `issues` empty means it can be imported; `warnings` are things skipped or assumed. */
export interface ArchiveContents {
  manifest?: ArchiveManifest;
  artifacts: ArchiveArtifact[];
  collections: ArchiveCollection[];
  /** Uploads no artifact uses, from media/ (the media library), including the profile picture. */
  library: ArtifactFile[];
  /** Archive path of the profile picture (in media/). */
  avatar?: string;
  /** media.json, when the archive has one: descriptions, names and ready-made sizes by SHA-256. */
  mediaList?: MediaList;
  /** Feedback threads from feedback/, each on an artifact of the archive. */
  feedback: ArchiveFeedback[];
  /** Approved Webmentions from mentions/, each on an artifact of the archive. */
  mentions: ArchiveMentions[];
  /** Artifact slugs that were found but had problems (listed in `issues`). */
  rejected: string[];
  issues: FieldIssue[];
  warnings: string[];
}

export const MANIFEST_FILE = 'potluck.json';

const imageExtensions = /\.(?:jpe?g|png|gif|webp|avif)$/i;

/** Files every operating system scatters into folders; never part of the work. */
export function isIgnorableFile(path: string): boolean {
  const name = path.split('/').at(-1) ?? '';
  return name.startsWith('.') || name === 'Thumbs.db' || name === 'desktop.ini' || path.split('/').some((p) => p === '__MACOSX');
}

/** The files whose text `readArchive` needs (the rest are read as bytes, by the importer, when used). */
export function textFilesOf(files: readonly string[]): string[] {
  return files.filter(
    (f) =>
      f === MANIFEST_FILE ||
      f === MEDIA_LIST_FILE ||
      /^artifacts\/[^/]+\/index\.mdx?$/.test(f) ||
      /^collections\/[^/]+\.md$/.test(f) ||
      /^revisions\/[^/]+\/[^/]+\.md$/.test(f) ||
      /^feedback\/[^/]+\.md$/.test(f) ||
      /^mentions\/[^/]+\.json$/.test(f),
  );
}

function issue(field: string, message: string): FieldIssue {
  return { field, message };
}

/** Checks a listing and returns what it holds plus every problem found. */
export function readArchive(listing: ArchiveListing): ArchiveContents {
  const issues: FieldIssue[] = [];
  const warnings: string[] = [];
  // Odd fields another tool wrote are read safely, with a warning each (core/archive/lenient.ts).
  const ctx = newLeniency();
  const files = listing.files.filter((f) => !isIgnorableFile(f));
  const fileSet = new Set(files);

  let manifest: ArchiveManifest | undefined;
  const manifestText = listing.texts.get(MANIFEST_FILE);
  if (manifestText === undefined) {
    issues.push(issue(MANIFEST_FILE, 'is missing: an archive has potluck.json at its top (format, profile, site). Did you pass the folder that contains it?'));
  } else {
    let json: unknown;
    try {
      json = JSON.parse(manifestText);
    } catch (error) {
      issues.push(issue(MANIFEST_FILE, `is not valid JSON (${(error as Error).message})`));
    }
    if (json !== undefined) {
      const checked = checkArchiveData(archiveManifestSchema, lenientManifest(json, MANIFEST_FILE, ctx), MANIFEST_FILE);
      if (checked.ok) manifest = checked.value;
      else issues.push(...checked.issues);
    }
  }

  // Group the files under artifacts/ by folder.
  const folders = new Map<string, string[]>();
  for (const f of files) {
    const m = /^artifacts\/([^/]+)\/(.+)$/.exec(f);
    if (m) {
      const list = folders.get(m[1]) ?? [];
      list.push(m[2]);
      folders.set(m[1], list);
    } else if (f.startsWith('artifacts/')) {
      warnings.push(`${f}: not inside an artifact folder (artifacts/<name>/index.md); skipped.`);
    }
  }

  const artifacts: ArchiveArtifact[] = [];
  const rejected: string[] = [];
  const ids = new Map<string, string>();
  const slugs = new Map<string, string>();
  const unusedCandidates: { path: string; file: string; artifact: ArchiveArtifact }[] = [];
  for (const [folder, inside] of [...folders].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const dir = `artifacts/${folder}`;
    // The folder name is the address of the work; one that cannot be (spaces, capitals, a reserved word) gives the
    // address it spells.
    const address = isSafeSlug(folder) ? folder : slugify(folder);
    if (address !== folder) {
      if (!isSafeSlug(address)) {
        issues.push(issue(dir, `the folder name is also the address of the work, so it may use only a–z, 0–9 and single hyphens; rename it.`));
        continue;
      }
      warnings.push(`${dir}: the folder name is not an address (a–z, 0–9 and single hyphens), so the piece is at ${address}.`);
    }
    const hasMd = inside.includes('index.md');
    const hasMdx = inside.includes('index.mdx');
    if (hasMd && hasMdx) {
      issues.push(issue(dir, 'has both index.md and index.mdx; keep one.'));
      rejected.push(folder);
      continue;
    }
    if (!hasMd && !hasMdx) {
      issues.push(issue(dir, 'has no index.md; every artifact folder needs one (frontmatter + text).'));
      rejected.push(folder);
      continue;
    }
    const file = `${dir}/${hasMdx ? 'index.mdx' : 'index.md'}`;
    const { artifact, id, slug } = readArtifact(folder, address, file, hasMdx, listing.texts.get(file) ?? '', fileSet, issues, ctx);
    if (id !== undefined) {
      const other = ids.get(id);
      if (other) issues.push(issue(`${file}: id`, `id ${id} is also used by ${other}; every artifact needs its own id (delete the line to get a new one).`));
      else ids.set(id, file);
    }
    const sameSlug = slugs.get(slug);
    if (sameSlug) {
      issues.push(issue(`${file}: slug`, `the address ${slug} is also used by ${sameSlug}; give each artifact its own folder name (or slug).`));
    } else slugs.set(slug, file);
    if (!artifact) {
      rejected.push(folder);
      if (slug !== folder) rejected.push(slug);
      continue;
    }
    for (const name of inside) {
      const path = `${dir}/${name}`;
      if (path !== file) unusedCandidates.push({ path, file, artifact });
    }
    artifacts.push(artifact);
  }

  readRevisions(listing, files, fileSet, artifacts, rejected, issues, warnings, ctx);

  for (const { path, file, artifact } of unusedCandidates) {
    if (!artifact.files.some((f) => f.path === path) && !/^artifacts\/[^/]+\/index\.mdx?$/.test(path)) {
      warnings.push(`${path}: not used by ${file} (no link, image or cover refers to it); skipped.`);
    }
  }

  const collections: ArchiveCollection[] = [];
  for (const f of files.filter((x) => x.startsWith('collections/')).sort()) {
    const m = /^collections\/([^/]+)\.md$/.exec(f);
    if (!m) {
      warnings.push(`${f}: collections/ holds one <name>.md per showcase; skipped.`);
      continue;
    }
    if (!isSafeSlug(m[1])) {
      issues.push(issue(f, `the file name is also the showcase's address, so it may use only a–z, 0–9 and single hyphens; rename it to "${slugify(m[1])}.md".`));
      continue;
    }
    const parsed = parseFile(listing.texts.get(f) ?? '', f, issues);
    if (!parsed) continue;
    const slug = slugOf(parsed.data, m[1], f, issues);
    const checked = checkArchiveData(collectionFrontmatterSchema, lenientCollection(parsed.data, f, m[1], ctx), f);
    if (!checked.ok || slug === undefined) {
      if (!checked.ok) issues.push(...checked.issues);
      continue;
    }
    const saver = showcaseInputSchema.safeParse({ ...checked.value, intro: parsed.body, slug });
    if (!saver.success) {
      issues.push(...saverIssues(saver.error, f));
      continue;
    }
    collections.push({ slug, file: f, frontmatter: checked.value, intro: parsed.body });
  }

  const { mediaList, library, avatar } = readMediaFiles(listing, files, fileSet, manifest, issues, warnings);
  const feedback = readFeedback(listing, files, artifacts, rejected, issues, warnings);
  const mentions = readMentions(listing, files, artifacts, rejected, issues, warnings);
  warnings.push(...ctx.warnings, ...tagChangeWarnings(ctx));

  return { manifest, artifacts, collections, library, avatar, mediaList, feedback, mentions, rejected, issues, warnings };
}

/** The frontmatter's `slug` when it has one (a folder renamed for Windows), else the folder or file name. */
function slugOf(data: Record<string, unknown>, name: string, file: string, issues: FieldIssue[]): string | undefined {
  if (data.slug === undefined || data.slug === null) return name;
  if (typeof data.slug === 'string' && isSafeSlug(data.slug)) return data.slug;
  issues.push(issue(`${file}: slug`, 'slug must use only a–z, 0–9 and single hyphens, like my-first-poem (or leave it out to use the folder name).'));
  return undefined;
}

/**
 * Reads `revisions/<folder>/<n>.md`: every save of an artifact, oldest first. Files they refer to are looked for in
 * the artifact's folder (artifacts/<folder>/), where the export puts every file any revision used.
 */
function readRevisions(
  listing: ArchiveListing,
  files: readonly string[],
  fileSet: ReadonlySet<string>,
  artifacts: ArchiveArtifact[],
  rejected: string[],
  issues: FieldIssue[],
  warnings: string[],
  ctx: Leniency,
): void {
  const byFolder = new Map(artifacts.map((a) => [a.folder, a]));
  for (const f of files.filter((x) => x.startsWith('revisions/')).sort()) {
    const m = /^revisions\/([^/]+)\/([^/]+)\.md$/.exec(f);
    if (!m || !/^[1-9][0-9]{0,8}$/.test(m[2])) {
      warnings.push(`${f}: revisions/ holds revisions/<artifact folder>/<number>.md; skipped.`);
      continue;
    }
    const artifact = byFolder.get(m[1]);
    if (!artifact) {
      if (!rejected.includes(m[1])) warnings.push(`${f}: there is no artifacts/${m[1]}/ for this revision; skipped.`);
      continue;
    }
    const parsed = parseFile(listing.texts.get(f) ?? '', f, issues);
    if (!parsed) continue;
    const checked = checkArchiveData(revisionFrontmatterSchema, lenientRevision(parsed.data, f, ctx), f);
    if (!checked.ok) {
      issues.push(...checked.issues);
      continue;
    }
    const fm = checked.value;
    if (fm.number !== Number(m[2])) {
      issues.push(issue(`${f}: number`, `number is ${fm.number} but the file is ${m[2]}.md; make them the same.`));
      continue;
    }
    if (parsed.body.length > MAX_BODY_CHARS) {
      issues.push(issue(`${f}: body`, `the text is longer than ${MAX_BODY_CHARS.toLocaleString('en')} characters.`));
      continue;
    }
    const dir = `artifacts/${artifact.folder}`;
    const where = (line: number) => `line ${parsed.bodyLine + line - 1}`;
    const before = issues.length;
    const references: ArchiveRevision['references'] = [];
    const used = (path: string, alt: string) => {
      const seen = artifact.files.find((x) => x.path === path);
      if (!seen) artifact.files.push({ path, alt });
      else if (!seen.alt && alt) seen.alt = alt;
    };
    for (const ref of findFileReferences(parsed.body, fm.format)) {
      const resolved = checkRelativePath(ref.url);
      const path = resolved.ok ? `${dir}/${resolved.path}` : '';
      if (!resolved.ok) issues.push(issue(`${f}: ${where(ref.line)}`, `${where(ref.line)}: ${resolved.message}.`));
      else if (!fileSet.has(path) || /^index\.mdx?$/.test(resolved.path)) {
        issues.push(issue(`${f}: ${where(ref.line)}`, `${where(ref.line)}: refers to "${ref.url}", which is not in ${dir}/; put the file there or fix the name.`));
      } else {
        references.push({ ...ref, path });
        used(path, ref.as === 'link' ? '' : ref.alt);
      }
    }
    let cover: string | undefined;
    if (fm.cover !== undefined) {
      const path = `${dir}/${fm.cover}`;
      if (!fileSet.has(path)) issues.push(issue(`${f}: cover`, `cover is "${fm.cover}", which is not in ${dir}/; put the image there or fix the name.`));
      else if (!imageExtensions.test(fm.cover)) issues.push(issue(`${f}: cover`, `cover must be an image (.jpg, .png, .gif, .webp or .avif); "${fm.cover}" is not.`));
      else {
        cover = path;
        used(path, '');
      }
    }
    if (issues.length > before) continue;
    artifact.revisions.push({ number: fm.number, file: f, frontmatter: fm, body: parsed.body, references, cover });
  }
  for (const a of artifacts) a.revisions.sort((x, y) => x.number - y.number);
}

/**
 * Reads `feedback/<folder>.md` (core/archive/feedback.ts): each thread belongs to the artifact with its `artifact`
 * id, else to the one at its slug or folder name. A thread for a piece the archive does not hold is skipped with a
 * warning (it cannot be put anywhere); one for a piece with problems says nothing more (the piece's problems are
 * listed already).
 */
function readFeedback(
  listing: ArchiveListing,
  files: readonly string[],
  artifacts: ArchiveArtifact[],
  rejected: string[],
  issues: FieldIssue[],
  warnings: string[],
): ArchiveFeedback[] {
  const byId = new Map(artifacts.filter((a) => a.frontmatter.id !== undefined).map((a) => [a.frontmatter.id!, a]));
  const bySlug = new Map(artifacts.flatMap((a) => [[a.folder, a] as const, [a.slug, a] as const]));
  const out: ArchiveFeedback[] = [];
  const claimed = new Map<string, string>();
  const messageIds = new Map<string, string>();
  for (const f of files.filter((x) => x.startsWith(`${FEEDBACK_DIR}/`)).sort()) {
    const m = /^feedback\/([^/]+)\.md$/.exec(f);
    if (!m) {
      warnings.push(`${f}: feedback/ holds one <piece>.md per piece of work; skipped.`);
      continue;
    }
    const checked = parseFeedbackThread(listing.texts.get(f) ?? '', f, m[1]);
    if (!checked.ok) {
      issues.push(...checked.issues);
      continue;
    }
    const thread = checked.thread;
    const artifact = byId.get(thread.artifact) ?? bySlug.get(thread.slug) ?? bySlug.get(m[1]);
    if (!artifact) {
      if (![thread.slug, m[1]].some((s) => rejected.includes(s))) {
        warnings.push(`${f}: there is no piece with id ${thread.artifact} or at artifacts/${thread.slug}/ for this feedback; skipped.`);
      }
      continue;
    }
    const other = claimed.get(artifact.slug);
    if (other) {
      issues.push({ field: f, message: `is feedback on the same piece as ${other} (${artifact.file}); keep one file per piece.` });
      continue;
    }
    claimed.set(artifact.slug, f);
    const before = issues.length;
    for (const message of thread.messages) {
      const seen = messageIds.get(message.id);
      if (seen) issues.push({ field: `${f}: messages`, message: `message id ${message.id} is also used in ${seen}; every message needs its own id.` });
      else messageIds.set(message.id, f);
      const rendered = renderArtifactBody({ source: message.body, format: 'markdown' });
      if (!rendered.ok) for (const e of rendered.errors) issues.push({ field: `${f}: messages`, message: `message ${message.id}: ${e.message}` });
    }
    if (issues.length === before) out.push({ file: f, artifactSlug: artifact.slug, thread });
  }
  return out;
}

/** media.json, the media library (media/) and the profile picture. */
function readMediaFiles(
  listing: ArchiveListing,
  files: readonly string[],
  fileSet: ReadonlySet<string>,
  manifest: ArchiveManifest | undefined,
  issues: FieldIssue[],
  warnings: string[],
): { mediaList?: MediaList; library: ArtifactFile[]; avatar?: string } {
  let mediaList: MediaList | undefined;
  const text = listing.texts.get(MEDIA_LIST_FILE);
  if (text !== undefined) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      issues.push(issue(MEDIA_LIST_FILE, `is not valid JSON (${(error as Error).message}); fix it or delete it.`));
    }
    if (json !== undefined) {
      const checked = checkArchiveData(mediaListSchema, json, MEDIA_LIST_FILE);
      if (checked.ok) mediaList = checked.value;
      else issues.push(...checked.issues);
    }
  }
  const library: ArtifactFile[] = [];
  for (const f of files.filter((x) => x.startsWith('media/')).sort()) {
    if (!isSafeRelativeFile(f) || f.split('/').length !== 2) {
      warnings.push(`${f}: media/ holds files directly (no folders inside); skipped.`);
      continue;
    }
    library.push({ path: f, alt: '' });
  }
  let avatar: string | undefined;
  const wanted = manifest?.profile.avatar;
  if (wanted !== undefined) {
    // The profile picture is not work: one that is missing or not a picture is left out, and the account keeps its own.
    if (!fileSet.has(wanted)) warnings.push(`${MANIFEST_FILE}: profile.avatar is "${wanted}", which is not in the archive, so it was left out.`);
    else if (!imageExtensions.test(wanted)) warnings.push(`${MANIFEST_FILE}: profile.avatar "${wanted}" is not a picture (.jpg, .png, .gif, .webp or .avif), so it was left out.`);
    else avatar = wanted;
  }
  return { mediaList, library, avatar };
}

function saverIssues(error: { issues: { path: PropertyKey[]; message: string }[] }, file: string): FieldIssue[] {
  return error.issues.map((i) => {
    const field = i.path.map(String).join('.') || 'frontmatter';
    return issue(`${file}: ${field}`, `${field}: ${i.message}`);
  });
}

function parseFile(text: string, file: string, issues: FieldIssue[]) {
  try {
    return parseFrontmatter(text, file);
  } catch (error) {
    if (!(error instanceof PotluckError)) throw error;
    issues.push(...error.issues);
    return undefined;
  }
}

function readArtifact(
  folder: string,
  address: string,
  file: string,
  isMdx: boolean,
  text: string,
  fileSet: ReadonlySet<string>,
  issues: FieldIssue[],
  ctx: Leniency,
): { artifact?: ArchiveArtifact; id?: string; slug: string } {
  const parsed = parseFile(text, file, issues);
  if (!parsed) return { slug: address };
  const before = issues.length;
  const data = lenientArtifact(parsed.data, file, folder, ctx);
  const slug = slugOf(data, address, file, issues) ?? address;
  const rawId = data.id;
  const id = typeof rawId === 'string' || typeof rawId === 'number' ? String(rawId) : undefined;
  const checked = checkArchiveData(artifactFrontmatterSchema, data, file);
  if (!checked.ok) issues.push(...checked.issues);
  // Checked here as well as in the schema: zod skips object refinements once a field has failed, and the student
  // should see this one in the same round.
  const linkReported = !checked.ok && checked.issues.some((i) => i.field === `${file}: link`);
  if (data.kind === 'link' && !data.link && !linkReported) {
    issues.push(issue(`${file}: link`, 'link is required when kind is link (the web address it points to)'));
  }
  const declared = typeof data.format === 'string' ? data.format : undefined;
  if (isMdx && declared === 'markdown') {
    issues.push(issue(`${file}: format`, 'format says markdown but the file is index.mdx; rename it to index.md or remove the format line.'));
  }
  const format: 'markdown' | 'mdx' = isMdx || declared === 'mdx' ? 'mdx' : 'markdown';
  const dir = file.slice(0, file.lastIndexOf('/'));
  const where = (line: number) => `line ${parsed.bodyLine + line - 1}`;

  if (parsed.body.length > MAX_BODY_CHARS) {
    issues.push(issue(`${file}: body`, `the text is longer than ${MAX_BODY_CHARS.toLocaleString('en')} characters; split it into several artifacts.`));
  } else {
    const rendered = renderArtifactBody({ source: parsed.body, format });
    if (!rendered.ok) {
      for (const e of rendered.errors) issues.push(issue(`${file}: ${where(e.line)}`, `${where(e.line)}, column ${e.column}: ${e.message}`));
    }
  }

  const files = new Map<string, ArtifactFile>();
  const references: (FileReference & { path: string })[] = [];
  for (const ref of findFileReferences(parsed.body, format)) {
    const resolved = checkRelativePath(ref.url);
    if (!resolved.ok) {
      issues.push(issue(`${file}: ${where(ref.line)}`, `${where(ref.line)}: ${resolved.message}.`));
      continue;
    }
    const path = `${dir}/${resolved.path}`;
    if (!fileSet.has(path)) {
      issues.push(
        issue(
          `${file}: ${where(ref.line)}`,
          `${where(ref.line)}: refers to "${ref.url}", which is not in ${dir}/; put the file beside index.md, fix the name, or write a full https:// address for a web page.`,
        ),
      );
      continue;
    }
    if (/^index\.mdx?$/.test(resolved.path)) {
      issues.push(issue(`${file}: ${where(ref.line)}`, `${where(ref.line)}: refers to index.md itself; link to a file or a web address instead.`));
      continue;
    }
    references.push({ ...ref, path });
    const seen = files.get(path);
    if (!seen) files.set(path, { path, alt: ref.as === 'link' ? '' : ref.alt });
    else if (!seen.alt && ref.as !== 'link') seen.alt = ref.alt;
  }

  let cover: string | undefined;
  const coverName = checked.ok ? checked.value.cover : undefined;
  if (coverName !== undefined) {
    const path = `${dir}/${coverName}`;
    if (!fileSet.has(path)) {
      issues.push(issue(`${file}: cover`, `cover is "${coverName}", which is not in ${dir}/; put the image beside index.md or fix the name.`));
    } else if (!imageExtensions.test(coverName)) {
      issues.push(issue(`${file}: cover`, `cover must be an image (.jpg, .png, .gif, .webp or .avif); "${coverName}" is not.`));
    } else {
      cover = path;
      if (!files.has(path)) files.set(path, { path, alt: '' });
    }
  }

  if (checked.ok) {
    // The rules of the saver itself, so that nothing the archive schema let through is refused halfway through
    // the import's transaction.
    const fm = checked.value;
    const saver = artifactInputSchema.safeParse({
      title: fm.title,
      summary: fm.summary,
      kind: fm.kind,
      visibility: fm.visibility,
      format,
      body: parsed.body,
      tags: fm.tags,
      date: fm.date,
      linkUrl: fm.kind === 'link' ? fm.link : null,
      canonical: fm.canonical ?? null,
      slug,
    });
    if (!saver.success) issues.push(...saverIssues(saver.error, file));
  }
  if (!checked.ok || issues.length > before) return { id, slug };
  return {
    id,
    slug,
    artifact: { slug, folder, file, format, frontmatter: checked.value, body: parsed.body, references, cover, files: [...files.values()], revisions: [] },
  };
}

/**
 * Reads `mentions/<folder>.json` (core/archive/mentions.ts): each file belongs to the artifact with its `artifact`
 * id, else to the one at its slug or folder name; one for a piece the archive does not hold is skipped with a warning.
 */
function readMentions(
  listing: ArchiveListing,
  files: readonly string[],
  artifacts: ArchiveArtifact[],
  rejected: string[],
  issues: FieldIssue[],
  warnings: string[],
): ArchiveMentions[] {
  const byId = new Map(artifacts.filter((a) => a.frontmatter.id !== undefined).map((a) => [a.frontmatter.id!, a]));
  const bySlug = new Map(artifacts.flatMap((a) => [[a.folder, a] as const, [a.slug, a] as const]));
  const out: ArchiveMentions[] = [];
  for (const f of files.filter((x) => x.startsWith(`${MENTIONS_DIR}/`)).sort()) {
    const m = /^mentions\/([^/]+)\.json$/.exec(f);
    if (!m) {
      warnings.push(`${f}: mentions/ holds one <piece>.json per piece of work; skipped.`);
      continue;
    }
    const checked = parseMentions(listing.texts.get(f) ?? '', f);
    if (!checked.ok) {
      issues.push(...checked.issues);
      continue;
    }
    const artifact = byId.get(checked.value.artifact) ?? bySlug.get(checked.value.slug) ?? bySlug.get(m[1]!);
    if (!artifact) {
      if (![checked.value.slug, m[1]!].some((s) => rejected.includes(s))) {
        warnings.push(`${f}: there is no piece with id ${checked.value.artifact} or at artifacts/${checked.value.slug}/ for these mentions; skipped.`);
      }
      continue;
    }
    out.push({ file: f, artifactSlug: artifact.slug, mentions: checked.value.mentions });
  }
  return out;
}
