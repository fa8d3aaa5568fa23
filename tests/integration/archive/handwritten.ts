/** Archives written by hand (as another tool or a person would), folder by folder, for the import tests. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface HandwrittenArchive {
  /** potluck.json as an object (written as JSON) or as raw text. */
  manifest?: Record<string, unknown> | string;
  /** Path inside the archive -> text or bytes. */
  files: Record<string, string | Uint8Array>;
}

export const minimalManifest = {
  format: 'potluck-archive/1',
  exportedAt: '2025-06-01T12:00:00Z',
  profile: { handle: 'sam', name: 'Sam Example' },
  site: { title: 'Sam’s work' },
};

/** A piece's index.md: frontmatter lines, then the body. */
export function piece(frontmatter: string, body = 'Some text.\n'): string {
  return `---\n${frontmatter.trim()}\n---\n\n${body}`;
}

/** Writes the archive into a new temporary folder and returns it. */
export function writeArchive(archive: HandwrittenArchive, into?: string): string {
  const dir = into ?? fs.mkdtempSync(path.join(os.tmpdir(), 'potluck-handwritten-'));
  const manifest = archive.manifest ?? minimalManifest;
  fs.writeFileSync(path.join(dir, 'potluck.json'), typeof manifest === 'string' ? manifest : JSON.stringify(manifest, null, 2));
  for (const [rel, content] of Object.entries(archive.files)) {
    const full = path.join(dir, ...rel.split('/'));
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, content);
  }
  return dir;
}
