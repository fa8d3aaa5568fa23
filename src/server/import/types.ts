/**
 * Importing work from other platforms. Each foreign format has a converter that turns its source (a file, or a
 * folder: one named on the command line or an unpacked zip) into a `potluck-archive/1` folder; the archive importer
 * then does the rest, as it does for Potluck's own archives: check everything, a dry run, one transaction, merging by
 * id. Converters therefore never write to the database or the media folder.
 *
 * A converter's archive follows DESIGN.md's archive format: potluck.json (profile.handle = the handle it is given),
 * artifacts/<slug>/index.md with frontmatter and the files it refers to beside it. Every artifact carries a stable
 * `id` from `foreignId`, so importing the same source again finds the same pieces. Visibility is decided by the
 * importer (everything from another platform arrives private), so converters may leave it out.
 */
import { createHash } from 'node:crypto';
import type { AppContext } from '../context.ts';

export type ForeignKind = 'wordpress' | 'markdown' | 'documents' | 'feed' | 'leap2a';

export interface ConvertProgress {
  step: 'convert' | 'fetch';
  done: number;
  total: number;
  /** The entry or file being worked on. */
  item?: string;
}

export interface ConvertInput {
  app: AppContext;
  /** The source: a file, or a folder (named by the user, or a zip unpacked safely into a temporary folder). */
  source: string;
  /** An empty folder to write the potluck-archive/1 into. */
  out: string;
  /** The account the work goes into; written as potluck.json's profile.handle. */
  handle: string;
  /** What to call the source in messages ("blog.wordpress.2024-05-01.xml"). */
  label: string;
  /** A dry run: nothing is fetched from the network; what would be fetched is reported. */
  dryRun: boolean;
  onProgress?: (progress: ConvertProgress) => void;
  signal?: AbortSignal;
}

export interface ConvertReport {
  kind: ForeignKind;
  /** The platform for messages: "WordPress", "Jekyll", "Hugo", "Micro.blog", "Mahara", "a feed", "documents". */
  platform: string;
  /** What was left out, changed or could not be brought along, one sentence each, naming the piece it concerns. */
  warnings: string[];
  /** Ids of pieces that were drafts (unpublished) at the source: not offered for "make these public" by default. */
  drafts: string[];
}

export type Converter = (input: ConvertInput) => Promise<ConvertReport>;

/**
 * The id of a piece that came from another platform: the same source item imported into the same account gets the
 * same id every time (so a second import merges), and two accounts importing one shared source get different ids.
 * `key` is what identifies the item in its source: a WordPress guid or post id, a feed item's id or link, a file's
 * path inside the folder.
 */
export function foreignId(kind: ForeignKind, handle: string, key: string): string {
  const digest = createHash('sha256').update(`${kind}\0${handle}\0${key}`).digest('hex').slice(0, 32);
  return `${kind}-${digest}`;
}
