/**
 * Writing an output (a folder or a file) so that it appears whole or not at all: build it under a hidden name
 * beside the target, then rename it into place. Used by the static site export and the archive export.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';

/** A hidden, unique name in the target's folder (same file system, so a rename is atomic). */
export function temporaryBeside(target: string, suffix = ''): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.potluck-${randomBytes(6).toString('hex')}${suffix}`);
}

/**
 * Moves a finished `staging` folder to `target`. An existing target is set aside first and put back if the move
 * fails, so at every moment either the old or the new output is there.
 */
export async function swapIntoPlace(staging: string, target: string): Promise<void> {
  if (!fs.statSync(target, { throwIfNoEntry: false })) {
    await fsp.rename(staging, target);
    return;
  }
  const old = temporaryBeside(target, '-old');
  await fsp.rename(target, old);
  try {
    await fsp.rename(staging, target);
  } catch (error) {
    await fsp.rename(old, target).catch(() => {});
    throw error;
  }
  await fsp.rm(old, { recursive: true, force: true });
}
