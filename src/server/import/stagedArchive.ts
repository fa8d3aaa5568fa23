/**
 * The one way a converter writes its `potluck-archive/1` folder (see ./types.ts): pieces with their files, and
 * potluck.json last. It keeps every name an archive requires safe (slugs unique and ASCII, file names relative and
 * unique within a piece, titles and summaries within the archive's lengths), so a converter only decides what a piece
 * is. The archive importer still checks all of it again: this writer is a convenience, not the boundary.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { ArtifactKind } from '../../core/artifacts.ts';
import { stringifyFrontmatter } from '../../core/archive/frontmatter.ts';
import { findFileReferences, replaceFileReferences } from '../../core/archive/references.ts';
import { ARCHIVE_FORMAT, isSafeRelativeFile } from '../../core/archive/schema.ts';
import { isSafeSlug, slugify } from '../../core/archive/slug.ts';
import { itemDisplayTitle } from '../../core/hubs/itemTitle.ts';

/** A file that goes beside a piece's index.md: bytes in memory, or a file on disk to copy. */
export type StagedFile = { name: string; bytes: Uint8Array } | { name: string; from: string };

export interface StagedPiece {
  /** From `foreignId`: stable across imports of the same source. */
  id: string;
  /** A wished-for address; made safe and unique. Default: from the title. */
  slug?: string;
  /** The piece's own title; empty means "name it by its first words" (never "untitled"). */
  title: string;
  date: Date;
  updated?: Date;
  summary?: string;
  /** As the source spells them: the importer normalises and reports changes. */
  tags?: string[];
  kind?: ArtifactKind;
  /**
   * Markdown. A link or image whose address is the `name` of one of `files` (as `![](../uploads/photo.jpg)`) is
   * pointed at the file's name beside index.md.
   */
  body: string;
  canonical?: string;
  syndication?: string[];
  /** For kind `link`: the address it points to. */
  link?: string;
  files?: StagedFile[];
  /** The name (in `files`) of the cover picture. */
  cover?: string;
}

export interface StagedProfile {
  handle: string;
  /** The author's name as the source gives it; default the handle. */
  name?: string;
  bio?: string;
  siteTitle?: string;
  baseUrl?: string;
}

const MAX_TITLE = 200;
const MAX_SUMMARY = 500;

function clip(text: string, max: number): string {
  const clean = text.replace(/\s+/g, ' ').trim();
  return clean.length <= max ? clean : `${clean.slice(0, max - 1).trimEnd()}…`;
}

/** A file name safe to keep beside index.md: its last path part, without characters file systems refuse. */
export function safeFileName(name: string): string {
  const last = name.split(/[\\/]/).pop() ?? '';
  const cleaned = last.replace(/[\0-\x1f<>:"|?*]/g, '-').replace(/^\.+/, '').slice(-120);
  return cleaned === '' || cleaned === 'index.md' || cleaned === 'index.mdx' ? 'file' : cleaned;
}

/** A safe file name not yet in `taken` (lower-cased names, which it adds to): `photo.jpg`, then `photo-2.jpg`. */
export function uniqueFileName(wanted: string, taken: Set<string>): string {
  let name = safeFileName(wanted);
  const dot = name.lastIndexOf('.');
  for (let n = 2; taken.has(name.toLowerCase()); n++) name = dot > 0 ? `${name.slice(0, dot)}-${n}${name.slice(dot)}` : `${name}-${n}`;
  taken.add(name.toLowerCase());
  return name;
}

/** Points references to files by their source names at the names they were given beside index.md. */
function pointAtFiles(body: string, fileNames: Map<string, string>): string {
  if (fileNames.size === 0) return body;
  const bySource = new Map<string, string>();
  for (const [source, name] of fileNames) {
    bySource.set(source, name);
    try {
      bySource.set(decodeURI(source), name);
    } catch {
      // A name that is not valid percent-encoding is matched only as written.
    }
  }
  return replaceFileReferences(body, findFileReferences(body, 'markdown'), (ref) => {
    const address = ref.url.split(/[?#]/, 1)[0];
    let decoded = address;
    try {
      decoded = decodeURI(address);
    } catch {
      // Matched as written.
    }
    const name = bySource.get(address) ?? bySource.get(decoded);
    return name === undefined ? undefined : `${encodeURI(name)}${ref.fragment}`;
  });
}

export class StagedArchive {
  readonly #out: string;
  readonly #profile: StagedProfile;
  readonly #slugs = new Set<string>();
  readonly #ids = new Set<string>();
  #count = 0;

  constructor(out: string, profile: StagedProfile) {
    this.#out = out;
    this.#profile = profile;
  }

  /** How many pieces were added. */
  get size(): number {
    return this.#count;
  }

  /**
   * Writes one piece; returns its folder name and the names its files were given (a name can change when two
   * files share one), so a converter can point its body at them. A piece whose id was added before is skipped
   * (the same item twice in one source) and `undefined` comes back.
   */
  async add(piece: StagedPiece): Promise<{ slug: string; fileNames: Map<string, string> } | undefined> {
    if (this.#ids.has(piece.id)) return undefined;
    this.#ids.add(piece.id);
    const title = clip(piece.title, MAX_TITLE) || clip(itemDisplayTitle('', piece.body.replace(/[#*_`>[\]()!]/g, ' ')), MAX_TITLE);
    const slug = this.#uniqueSlug(piece.slug && isSafeSlug(piece.slug) ? piece.slug : slugify(piece.slug || title));
    const dir = path.join(this.#out, 'artifacts', slug);
    await fs.mkdir(dir, { recursive: true });

    const fileNames = new Map<string, string>();
    const taken = new Set<string>();
    for (const file of piece.files ?? []) {
      let name = safeFileName(file.name);
      const dot = name.lastIndexOf('.');
      const stem = dot > 0 ? name.slice(0, dot) : name;
      const ext = dot > 0 ? name.slice(dot) : '';
      for (let n = 2; taken.has(name.toLowerCase()) || !isSafeRelativeFile(name); n++) name = `${stem}-${n}${ext}`;
      taken.add(name.toLowerCase());
      fileNames.set(file.name, name);
      const target = path.join(dir, name);
      if ('bytes' in file) await fs.writeFile(target, file.bytes);
      else await fs.copyFile(file.from, target);
    }

    const frontmatter: Record<string, unknown> = {
      id: piece.id,
      title,
      date: piece.date,
      updated: piece.updated && piece.updated.getTime() !== piece.date.getTime() ? piece.updated : undefined,
      summary: piece.summary ? clip(piece.summary, MAX_SUMMARY) : undefined,
      tags: piece.tags?.length ? piece.tags : undefined,
      visibility: 'private',
      kind: piece.kind ?? 'post',
      cover: piece.cover ? fileNames.get(piece.cover) : undefined,
      canonical: piece.canonical,
      syndication: piece.syndication?.length ? piece.syndication : undefined,
      link: piece.link,
    };
    await fs.writeFile(path.join(dir, 'index.md'), stringifyFrontmatter(frontmatter, pointAtFiles(piece.body, fileNames)));
    this.#count++;
    return { slug, fileNames };
  }

  /** Writes potluck.json; call once, after the last piece. */
  async finish(now: Date): Promise<void> {
    const profile = this.#profile;
    const manifest = {
      format: ARCHIVE_FORMAT,
      exportedAt: now.toISOString(),
      profile: { handle: profile.handle, name: clip(profile.name || profile.handle, 100), bio: clip(profile.bio ?? '', 2000), links: [] },
      site: { title: clip(profile.siteTitle || profile.name || profile.handle, 200), ...(profile.baseUrl ? { baseUrl: profile.baseUrl } : {}) },
    };
    await fs.mkdir(this.#out, { recursive: true });
    await fs.writeFile(path.join(this.#out, 'potluck.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  }

  #uniqueSlug(base: string): string {
    let slug = base;
    for (let n = 2; this.#slugs.has(slug); n++) {
      const suffix = `-${n}`;
      slug = `${base.slice(0, 80 - suffix.length).replace(/-+$/, '')}${suffix}`;
    }
    this.#slugs.add(slug);
    return slug;
  }
}
