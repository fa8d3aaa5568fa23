/** Line diff between two revisions, for the history page. */
import { diffLines } from 'diff';

export interface DiffLine {
  type: 'same' | 'added' | 'removed';
  text: string;
}

/** The lines of `after` compared with `before`. */
export function diffText(before: string, after: string): DiffLine[] {
  const out: DiffLine[] = [];
  for (const part of diffLines(before, after)) {
    const type = part.added ? 'added' : part.removed ? 'removed' : 'same';
    const lines = part.value.replace(/\n$/, '').split('\n');
    for (const text of lines) out.push({ type, text });
  }
  return out;
}
