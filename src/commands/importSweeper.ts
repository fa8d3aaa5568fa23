/**
 * Finishing or removing what imports that died left behind (archiveImporter.ts stages media, archiveZipImporter.ts
 * unpacks zips): run before every import and when the server starts. Its own module, importing nothing an import
 * needs (sharp, the Markdown pipeline, the archive reader), so that `potluck serve` can sweep without loading them.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import type { AppContext } from '../server/context.ts';
import { media } from '../server/db/schema.ts';
import { processIsAlive, sweepImportStaging } from '../server/media/storage.ts';

/** The folder a zip was unpacked into (archiveZipImporter.ts), named after the process that unpacked it. */
const UNPACKED = /^\.import-(\d{1,10})-[0-9a-f]{16}$/;

/**
 * Finishes or removes what imports that died left in the media staging area (server/media/storage.ts) and the zips
 * they had unpacked in the data folder. With nothing left behind it reads two folders and nothing else.
 */
export async function sweepDeadImports(app: AppContext): Promise<{ finished: number; removed: number }> {
  const swept = await sweepImportStaging(
    app.config,
    (ownerId, mediaId) => app.db.select({ id: media.id }).from(media).where(and(eq(media.id, mediaId), eq(media.ownerId, ownerId))).get() !== undefined,
  );
  for (const entry of await fs.readdir(app.config.dataDir).catch(() => [] as string[])) {
    const pid = UNPACKED.exec(entry)?.[1];
    if (!pid || Number(pid) === process.pid || processIsAlive(Number(pid))) continue;
    await fs.rm(path.join(app.config.dataDir, entry), { recursive: true, force: true }).catch(() => {});
    swept.removed++;
  }
  return swept;
}
