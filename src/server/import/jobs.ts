/**
 * Imports from the workspace Import page run in the background, so a long one neither holds a request open nor
 * needs JavaScript: the page starts a job and sends the student to its status page, which reloads itself until the
 * job is done. A job first checks its source (a dry run), then, when the student presses "Import", imports exactly
 * that source: the upload (or the fetched feed) and its unpacked folder stay on disk in a private folder of the data
 * folder, `.import-jobs/<id>/`, for at most an hour, then are swept.
 *
 * Jobs live in the server's memory: a job belongs to one running server and one account. Another account's job id
 * answers exactly as one that does not exist. A restarted server forgets its jobs and sweeps their folders.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { ImportReport } from '../../commands/archiveImporter.ts';
import type { PublishImportedResult } from '../../commands/importedPublisher.ts';
import { PotluckError, type FieldIssue } from '../../core/errors.ts';
import type { AppContext } from '../context.ts';
import { makePrivateDir } from '../dataFolder.ts';
import type { SourceKind } from './detect.ts';
import { importPrepared, prepareSource, type AnywhereProgress, type PreparedSource } from './index.ts';

/** How long a job and its files are kept. */
export const IMPORT_JOB_LIFETIME_MS = 60 * 60 * 1000;
/** At most this many jobs per account at once (each holds an upload on disk). */
const MAX_JOBS_PER_ACCOUNT = 5;

export type ImportJobState = 'checking' | 'checked' | 'importing' | 'imported' | 'failed';

export interface ImportJob {
  id: string;
  ownerId: string;
  handle: string;
  label: string;
  format?: SourceKind;
  createdAt: number;
  /** The job's private folder: the source and what is unpacked from it. */
  dir: string;
  state: ImportJobState;
  progress: AnywhereProgress | null;
  /** The dry run's report (state checked and after). */
  check?: ImportReport;
  /** The import's report (state imported). */
  result?: ImportReport;
  /** Why it stopped (state failed), in words for the student. */
  error?: { message: string; issues: FieldIssue[] };
  /** The last "Make these public". */
  published?: PublishImportedResult;
  prepared?: PreparedSource;
  source: string;
}

const jobs = new Map<string, ImportJob>();
const JOB_ID = /^[a-f0-9]{24}$/;

function jobsRoot(app: AppContext): string {
  return path.join(app.config.dataDir, '.import-jobs');
}

/** A fresh private folder for a new job's source; `startImportJob` takes it over (or the caller removes it). */
export function newImportJobDir(app: AppContext): { id: string; dir: string } {
  sweepImportJobs(app);
  const id = randomBytes(12).toString('hex');
  const root = jobsRoot(app);
  makePrivateDir(root);
  const dir = path.join(root, id);
  makePrivateDir(dir);
  return { id, dir };
}

function removeJob(job: ImportJob) {
  jobs.delete(job.id);
  fs.rmSync(job.dir, { recursive: true, force: true });
}

/** Forgets jobs older than an hour (unless still running) and removes folders no job owns (left by a restart). */
export function sweepImportJobs(app: AppContext, now = Date.now()): void {
  for (const job of jobs.values()) {
    const running = job.state === 'checking' || job.state === 'importing';
    if (!running && now - job.createdAt > IMPORT_JOB_LIFETIME_MS) removeJob(job);
  }
  const root = jobsRoot(app);
  let names: string[] = [];
  try {
    names = fs.readdirSync(root);
  } catch {
    return;
  }
  for (const name of names) {
    if (jobs.has(name)) continue;
    const full = path.join(root, name);
    const stat = fs.statSync(full, { throwIfNoEntry: false });
    if (stat && now - stat.mtimeMs > IMPORT_JOB_LIFETIME_MS) fs.rmSync(full, { recursive: true, force: true });
  }
}

function failed(job: ImportJob, error: unknown) {
  job.state = 'failed';
  job.progress = null;
  if (error instanceof PotluckError) job.error = { message: error.message, issues: error.issues };
  else job.error = { message: 'Something went wrong while importing, and nothing was imported. Try again; if it happens again, tell the admin.', issues: [] };
  // What failed is not kept: nothing more can be done with it.
  fs.rmSync(path.join(job.dir), { recursive: true, force: true });
  if (!(error instanceof PotluckError)) console.error(JSON.stringify({ level: 'error', msg: 'import job failed', error: String((error as Error)?.stack ?? error) }));
}

export interface StartImportJobProps {
  id: string;
  dir: string;
  ownerId: string;
  handle: string;
  /** A file or folder inside `dir`, or a feed address. */
  source: string;
  label: string;
  format?: SourceKind;
}

/** Starts a job's dry run in the background and returns the job at once. */
export function startImportJob(app: AppContext, props: StartImportJobProps): ImportJob {
  const mine = [...jobs.values()].filter((j) => j.ownerId === props.ownerId).sort((a, b) => a.createdAt - b.createdAt);
  // An account keeps a handful of imports; the oldest finished one makes room.
  while (mine.length >= MAX_JOBS_PER_ACCOUNT) {
    const oldest = mine.find((j) => j.state !== 'checking' && j.state !== 'importing');
    if (!oldest) {
      fs.rmSync(props.dir, { recursive: true, force: true });
      throw new PotluckError('RATE_LIMITED', 'You have several imports running already. Wait until one is done, then try again.');
    }
    removeJob(oldest);
    mine.splice(mine.indexOf(oldest), 1);
  }
  const job: ImportJob = {
    id: props.id,
    ownerId: props.ownerId,
    handle: props.handle,
    label: props.label,
    format: props.format,
    createdAt: Date.now(),
    dir: props.dir,
    state: 'checking',
    progress: { step: 'check', done: 0, total: 1 },
    source: props.source,
  };
  jobs.set(job.id, job);
  setTimeout(() => sweepImportJobs(app), IMPORT_JOB_LIFETIME_MS + 1000).unref();
  void (async () => {
    try {
      job.prepared = await prepareSource(app, {
        source: job.source,
        format: job.format,
        label: job.label,
        workDir: path.join(job.dir, 'work'),
        onProgress: (p) => (job.progress = p),
      });
      job.check = await importPrepared(app, job.prepared, {
        handle: job.handle,
        dryRun: true,
        outDir: path.join(job.dir, `archive-${randomBytes(4).toString('hex')}`),
        onProgress: (p) => (job.progress = p),
      });
      job.state = 'checked';
      job.progress = null;
    } catch (error) {
      failed(job, error);
    }
  })();
  return job;
}

/** The job `id` of `ownerId`, or undefined (also for someone else's job, and for a malformed id). */
export function getImportJob(app: AppContext, ownerId: string, id: string): ImportJob | undefined {
  sweepImportJobs(app);
  if (!JOB_ID.test(id)) return undefined;
  const job = jobs.get(id);
  if (!job || job.ownerId !== ownerId || !job.dir.startsWith(jobsRoot(app) + path.sep)) return undefined;
  return job;
}

/** Imports what the job's dry run checked, in the background. */
export function runImportJob(app: AppContext, job: ImportJob): void {
  if (job.state !== 'checked' || !job.prepared) {
    throw new PotluckError('CONFLICT', job.state === 'imported' ? 'This import is done already.' : 'This import is not ready to import yet. Wait for the check to finish.');
  }
  const prepared = job.prepared;
  job.state = 'importing';
  job.progress = { step: 'check', done: 0, total: 1 };
  void (async () => {
    try {
      job.result = await importPrepared(app, prepared, {
        handle: job.handle,
        dryRun: false,
        outDir: path.join(job.dir, `archive-${randomBytes(4).toString('hex')}`),
        onProgress: (p) => (job.progress = p),
      });
      job.state = 'imported';
      job.progress = null;
      // The source is not needed any more: only the report is kept, for "Make these public".
      await fsp.rm(path.join(job.dir, 'work'), { recursive: true, force: true });
      await fsp.rm(path.join(job.dir, 'upload'), { recursive: true, force: true });
    } catch (error) {
      failed(job, error);
    }
  })();
}
