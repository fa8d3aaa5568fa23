/**
 * Three-way merge of texts by lines, for edit conflicts: what the student changed since the revision they started
 * from, and what was saved meanwhile, applied together. Where both changed the same lines, both versions are kept
 * between marker lines for the student to choose. Pure.
 */
import { diffArrays } from 'diff';

/** A replacement of base lines [start, end) by `lines`. */
interface Hunk {
  start: number;
  end: number;
  lines: string[];
}

export interface MergeLabels {
  mine: string;
  theirs: string;
}

export interface MergeResult {
  text: string;
  /** How many places both versions changed differently (each kept between markers). */
  conflicts: number;
}

/** The marker lines that surround the two versions of one conflicting place. */
export function conflictMarkers(labels: MergeLabels) {
  return {
    mine: `<<<<<<< ${labels.mine}`,
    between: '=======',
    theirs: `>>>>>>> ${labels.theirs}`,
  };
}

function splitLines(text: string): string[] {
  const normalized = text.replace(/\r\n?/g, '\n');
  if (normalized === '') return [];
  const lines = normalized.split('\n');
  // A final newline does not make an empty last line: "a\n" and "a" merge alike.
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

function hunksOf(base: string[], other: string[]): Hunk[] {
  const hunks: Hunk[] = [];
  let at = 0;
  let open: Hunk | null = null;
  for (const part of diffArrays(base, other)) {
    if (!part.added && !part.removed) {
      if (open) hunks.push(open);
      open = null;
      at += part.value.length;
      continue;
    }
    open ??= { start: at, end: at, lines: [] };
    if (part.removed) {
      at += part.value.length;
      open.end = at;
    } else {
      open.lines.push(...part.value);
    }
  }
  if (open) hunks.push(open);
  return hunks;
}

function overlaps(a: Hunk, b: Hunk): boolean {
  // Two insertions at the same place, or ranges that share a line, touch the same text.
  if (a.start === b.start) return true;
  return a.start < b.end && b.start < a.end;
}

function sameChange(a: Hunk[], b: Hunk[]): boolean {
  return (
    a.length === b.length &&
    a.every((h, i) => h.start === b[i].start && h.end === b[i].end && h.lines.join('\n') === b[i].lines.join('\n'))
  );
}

/** Replays `hunks` (sorted, non-overlapping) over base lines [from, to). */
function applyRange(base: string[], from: number, to: number, hunks: Hunk[]): string[] {
  const out: string[] = [];
  let at = from;
  for (const h of hunks) {
    out.push(...base.slice(at, h.start), ...h.lines);
    at = h.end;
  }
  out.push(...base.slice(at, to));
  return out;
}

/** Merges `mine` and `theirs`, both edited from `base`. */
export function mergeTexts(base: string, mine: string, theirs: string, labels: MergeLabels): MergeResult {
  const baseLines = splitLines(base);
  const mineHunks = hunksOf(baseLines, splitLines(mine));
  const theirHunks = hunksOf(baseLines, splitLines(theirs));
  const markers = conflictMarkers(labels);
  const out: string[] = [];
  let conflicts = 0;
  let at = 0;
  let i = 0;
  let j = 0;
  while (i < mineHunks.length || j < theirHunks.length) {
    const nextMine = mineHunks[i];
    const nextTheirs = theirHunks[j];
    // The earliest hunk starts a group; the group grows while a hunk of either side overlaps it.
    const first = !nextTheirs || (nextMine && nextMine.start <= nextTheirs.start) ? 'mine' : 'theirs';
    const group = { mine: [] as Hunk[], theirs: [] as Hunk[] };
    let start: number;
    let end: number;
    if (first === 'mine') {
      group.mine.push(nextMine);
      start = nextMine.start;
      end = nextMine.end;
      i++;
    } else {
      group.theirs.push(nextTheirs);
      start = nextTheirs.start;
      end = nextTheirs.end;
      j++;
    }
    let grew = true;
    while (grew) {
      grew = false;
      const span = { start, end, lines: [] };
      if (i < mineHunks.length && overlaps(span, mineHunks[i])) {
        group.mine.push(mineHunks[i]);
        end = Math.max(end, mineHunks[i].end);
        i++;
        grew = true;
      }
      if (j < theirHunks.length && overlaps(span, theirHunks[j])) {
        group.theirs.push(theirHunks[j]);
        end = Math.max(end, theirHunks[j].end);
        j++;
        grew = true;
      }
    }
    out.push(...baseLines.slice(at, start));
    if (group.theirs.length === 0) out.push(...applyRange(baseLines, start, end, group.mine));
    else if (group.mine.length === 0) out.push(...applyRange(baseLines, start, end, group.theirs));
    else if (sameChange(group.mine, group.theirs)) out.push(...applyRange(baseLines, start, end, group.mine));
    else {
      conflicts++;
      out.push(
        markers.mine,
        ...applyRange(baseLines, start, end, group.mine),
        markers.between,
        ...applyRange(baseLines, start, end, group.theirs),
        markers.theirs,
      );
    }
    at = end;
  }
  out.push(...baseLines.slice(at));
  const text = out.join('\n');
  return { text: text && /\n$/.test(mine.replace(/\r\n?/g, '\n')) ? `${text}\n` : text, conflicts };
}
