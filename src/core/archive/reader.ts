/**
 * Reads a `potluck-archive/1` archive from a listing of its files and the text of the files it owns, and checks
 * everything that can be checked without a database: the manifest, every frontmatter, every body, every file a
 * body or cover refers to. Pure, so that a folder, a zip or a test can feed it the same way. Every problem is
 * collected, never just the first, because a student fixing an archive by hand should see the whole list.
 */
import { MAX_BODY_CHARS, artifactInputSchema } from '../artifacts.ts';
import { PotluckError, type FieldIssue } from '../errors.ts';
import { renderArtifactBody } from '../markdown/render.ts';
import { showcaseInputSchema } from '../showcases.ts';
import { parseFrontmatter } from './frontmatter.ts';
import { checkRelativePath, findFileReferences, type FileReference } from './references.ts';
import {
  archiveManifestSchema,
  artifactFrontmatterSchema,
  checkArchiveData,
  collectionFrontmatterSchema,
  type ArchiveManifest,
  type ArtifactFrontmatter,
  type CollectionFrontmatter,
} from './schema.ts';
import { isSafeSlug, slugify } from './slug.ts';

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

/** One artifact as the archive describes it, checked. */
export interface ArchiveArtifact {
  slug: string;
  /** `artifacts/<slug>/index.md` (or `.mdx`). */
  file: string;
  format: 'markdown' | 'mdx';
  frontmatter: ArtifactFrontmatter;
  body: string;
  /** References in the body, each with the archive path of its file. */
  references: (FileReference & { path: string })[];
  /** Archive path of the cover image. */
  cover?: string;
  /** Every file this artifact uses (body and cover), once each. */
  files: ArtifactFile[];
}

/** One collection (showcase) as the archive describes it, checked. */
export interface ArchiveCollection {
  slug: string;
  file: string;
  frontmatter: CollectionFrontmatter;
  intro: string;
}

/** The archive, checked: `issues` empty means it can be imported; `warnings` are things skipped or assumed. */
export interface ArchiveContents {
  manifest?: ArchiveManifest;
  artifacts: ArchiveArtifact[];
  collections: ArchiveCollection[];
  /** Artifact folders that were found but had problems (listed in `issues`). */
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
      /^artifacts\/[^/]+\/index\.mdx?$/.test(f) ||
      /^collections\/[^/]+\.md$/.test(f),
  );
}

function issue(field: string, message: string): FieldIssue {
  return { field, message };
}

/** Checks a listing and returns what it holds plus every problem found. */
export function readArchive(listing: ArchiveListing): ArchiveContents {
  const issues: FieldIssue[] = [];
  const warnings: string[] = [];
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
      const checked = checkArchiveData(archiveManifestSchema, json, MANIFEST_FILE);
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
  for (const [folder, inside] of [...folders].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const dir = `artifacts/${folder}`;
    if (!isSafeSlug(folder)) {
      issues.push(
        issue(dir, `the folder name is also the address of the work, so it may use only a–z, 0–9 and single hyphens; rename it to "${slugify(folder)}".`),
      );
      continue;
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
    const { artifact, id } = readArtifact(folder, file, hasMdx, listing.texts.get(file) ?? '', fileSet, issues);
    if (id !== undefined) {
      const other = ids.get(id);
      if (other) issues.push(issue(`${file}: id`, `id ${id} is also used by ${other}; every artifact needs its own id (delete the line to get a new one).`));
      else ids.set(id, file);
    }
    if (!artifact) {
      rejected.push(folder);
      continue;
    }
    const used = new Set(artifact.files.map((f) => f.path));
    for (const name of inside) {
      const path = `${dir}/${name}`;
      if (path !== file && !used.has(path)) {
        warnings.push(`${path}: not used by ${file} (no link, image or cover refers to it); skipped.`);
      }
    }
    artifacts.push(artifact);
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
    const checked = checkArchiveData(collectionFrontmatterSchema, parsed.data, f);
    if (!checked.ok) {
      issues.push(...checked.issues);
      continue;
    }
    const saver = showcaseInputSchema.safeParse({ ...checked.value, intro: parsed.body, slug: m[1] });
    if (!saver.success) {
      issues.push(...saverIssues(saver.error, f));
      continue;
    }
    collections.push({ slug: m[1], file: f, frontmatter: checked.value, intro: parsed.body });
  }

  return { manifest, artifacts, collections, rejected, issues, warnings };
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
  slug: string,
  file: string,
  isMdx: boolean,
  text: string,
  fileSet: ReadonlySet<string>,
  issues: FieldIssue[],
): { artifact?: ArchiveArtifact; id?: string } {
  const parsed = parseFile(text, file, issues);
  if (!parsed) return {};
  const rawId = parsed.data.id;
  const id = typeof rawId === 'string' || typeof rawId === 'number' ? String(rawId) : undefined;
  const checked = checkArchiveData(artifactFrontmatterSchema, parsed.data, file);
  const before = issues.length;
  if (!checked.ok) issues.push(...checked.issues);
  // Checked here as well as in the schema: zod skips object refinements once a field has failed, and the student
  // should see this one in the same round.
  const linkReported = !checked.ok && checked.issues.some((i) => i.field === `${file}: link`);
  if (parsed.data.kind === 'link' && !parsed.data.link && !linkReported) {
    issues.push(issue(`${file}: link`, 'link is required when kind is link (the web address it points to)'));
  }
  const declared = typeof parsed.data.format === 'string' ? parsed.data.format : undefined;
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
  if (!checked.ok || issues.length > before) return { id };
  return { id, artifact: { slug, file, format, frontmatter: checked.value, body: parsed.body, references, cover, files: [...files.values()] } };
}
