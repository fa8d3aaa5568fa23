/**
 * `potluck build ARCHIVE --out DIR`: the static site made from an archive alone, with no running server and no
 * existing database, so a graduate with this project and their archive can always make their site again. A
 * temporary data folder gets a fresh database, the archive is imported into it (checked like any import), the site is
 * exported from it through the real templates (siteExporter), and the temporary folder is deleted. This command
 * builds its own context on purpose: it must never touch the data folder of an instance.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { handleSchema } from '../core/accounts.ts';
import { MANIFEST_FILE } from '../core/archive/reader.ts';
import { archiveManifestSchema } from '../core/archive/schema.ts';
import { PotluckError } from '../core/errors.ts';
import { loadConfig, type Config } from '../server/config.ts';
import { createAppContext } from '../server/context.ts';
import type { Renderer } from '../server/export/renderer.ts';
import { checkOutput, type SiteOutput } from '../server/export/writers.ts';
import { extractArchiveZip } from '../server/archive/zipReader.ts';
import { importArchiveFolder, type ImportProgress, type ImportReport } from './archiveImporter.ts';
import { isImportedEntry } from './archiveZipImporter.ts';
import { exportSite, type ExportProgress, type ExportSiteResult } from './siteExporter.ts';

export interface BuildSiteProps {
  /** The archive: a .zip file or the folder holding potluck.json. */
  source: string;
  out: Extract<SiteOutput, { kind: 'dir' | 'zip' }>;
  /** Where the site will be published; default the archive's site.baseUrl. */
  base?: string;
  /**
   * Starts a renderer reading the temporary data folder (the CLI mounts the built server on it). Called once the
   * archive is imported.
   */
  renderer: (config: Config) => Promise<Renderer>;
  /** Where the temporary data folder is made; default the system's temporary folder. */
  tempRoot?: string;
  onProgress?: (progress: { stage: 'import'; step: ImportProgress } | { stage: 'site'; step: ExportProgress }) => void;
}

export interface BuildSiteResult {
  handle: string;
  imported: ImportReport;
  site: ExportSiteResult;
}

async function readHandle(folder: string, label: string): Promise<{ handle: string; baseUrl?: string }> {
  const text = await fsp.readFile(path.join(folder, MANIFEST_FILE), 'utf8').catch(() => undefined);
  if (text === undefined) throw new PotluckError('BAD_ARCHIVE', `${label} has no potluck.json at its top; pass the archive zip, or the folder that holds potluck.json.`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new PotluckError('BAD_ARCHIVE', `${label}: potluck.json is not valid JSON (${(error as Error).message}).`);
  }
  const parsed = archiveManifestSchema.safeParse(json);
  // The importer reports every problem of the archive, potluck.json's included; this only needs the handle.
  const handle = handleSchema.safeParse(parsed.success ? parsed.data.profile.handle : undefined);
  return { handle: handle.success ? handle.data : 'student', baseUrl: parsed.success ? parsed.data.site.baseUrl : undefined };
}

/** Builds the static site of an archive (see the file comment). */
export async function buildSiteFromArchive(props: BuildSiteProps): Promise<BuildSiteResult> {
  const source = path.resolve(props.source);
  const label = path.basename(source);
  const stat = fs.statSync(source, { throwIfNoEntry: false });
  if (!stat) throw new PotluckError('NOT_FOUND', `There is no file or folder at ${source}. Pass the archive .zip or its folder.`);
  // A target that would lose something is refused before the (slower) import.
  checkOutput(props.out);
  const temp = await fsp.mkdtemp(path.join(props.tempRoot ?? os.tmpdir(), 'potluck-build-'));
  try {
    let folder = source;
    if (stat.isFile()) {
      folder = path.join(temp, 'archive');
      await extractArchiveZip(source, folder, { wanted: isImportedEntry });
    }
    const { handle, baseUrl } = await readHandle(folder, label);
    const config = loadConfig({ POTLUCK_DATA: path.join(temp, 'data'), POTLUCK_DEMO: 'off' });
    const app = createAppContext(config, { migrate: true });
    try {
      const imported = await importArchiveFolder(app, {
        dir: folder,
        label,
        handle,
        consumeFiles: folder !== source,
        onProgress: (step) => props.onProgress?.({ stage: 'import', step }),
      });
      const site = await exportSite(app, {
        handle,
        base: props.base ?? baseUrl,
        out: props.out,
        renderer: () => props.renderer(config),
        onProgress: (step) => props.onProgress?.({ stage: 'site', step }),
      });
      return { handle, imported, site };
    } finally {
      app.db.$client.close();
    }
  } finally {
    await fsp.rm(temp, { recursive: true, force: true });
  }
}
