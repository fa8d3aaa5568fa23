/**
 * Imports from the workspace Import page run in the background, so a long one neither holds a request open nor
 * needs JavaScript: the page starts a job and sends the student to its status page, which reloads itself until the
 * job is done. A job first checks its source (a dry run), then, when the student presses "Import", imports exactly
 * that source.
 *
 * A job is a row of the jobs table (src/server/jobs/queue.ts), so every node of a district answers its page and any
 * node runs its "Import": the node that starts a step holds the job's lease while it works, and when that node dies
 * another node's job runner takes the step over and runs it again (the import itself is one transaction, and
 * matches what is already there, so a step run twice imports once). The upload (or the fetched feed) and what is
 * unpacked from it stay in a private folder beside the student's media, `<media>/<owner>/.imports/<id>/` (the shared
 * volume, so every node reads it; the owner's folder, so deleting the account deletes it), for at most an hour.
 *
 * Another account's job id answers exactly as one that does not exist.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { and, asc, desc, eq, getTableColumns, inArray, isNull, lt, or } from 'drizzle-orm';
import type { ImportReport } from '../../commands/archiveImporter.ts';
import type { PublishImportedResult } from '../../commands/importedPublisher.ts';
import { PotluckError, type FieldIssue } from '../../core/errors.ts';
import type { AppContext } from '../context.ts';
import { makePrivateDir } from '../dataFolder.ts';
import { jobs, users } from '../db/schema.ts';
import { inTransaction } from '../db/tx.ts';
import { createLeasedJob, failJob, finishJob, jobProgressWriter, resumeJob, type JobProgress, type JobRow } from '../jobs/queue.ts';
import { runHeld, type JobHandler } from '../jobs/runner.ts';
import { logger } from '../logger.ts';
import { mediaItemDir } from '../media/storage.ts';
import { isSourceKind, type SourceKind } from './detect.ts';
import type { AnywhereProgress, PreparedSource } from './index.ts';

/** The kind of an import job. */
export const IMPORT_JOB = 'import';
/** How long a job and its files are kept. */
export const IMPORT_JOB_LIFETIME_MS = 60 * 60 * 1000;
/** At most this many jobs per account at once (each holds an upload on disk). */
const MAX_JOBS_PER_ACCOUNT = 5;

export type ImportJobState = 'checking' | 'checked' | 'importing' | 'imported' | 'failed';

/** An import job as its page shows it. */
export interface ImportJob {
  id: string;
  ownerId: string;
  label: string;
  format?: SourceKind;
  createdAt: number;
  /** The job's private folder: the source and what is unpacked from it. */
  dir: string;
  state: ImportJobState;
  progress: AnywhereProgress | null;
  /** Set while the job waits for a node to take it over. */
  waiting?: string;
  /** The dry run's report (state checked and after). */
  check?: ImportReport;
  /** The import's report (state imported). */
  result?: ImportReport;
  /** Why it stopped (state failed), in words for the student, and in which step. */
  error?: { message: string; issues: FieldIssue[]; step: 'check' | 'import' };
  /** The last "Make these public". */
  published?: PublishImportedResult;
}

/** What any node needs to run a step (`jobs.input`). Paths are relative to the job's folder. */
interface ImportInput {
  phase: 'check' | 'import';
  /** A file or folder inside the job's folder, or a feed address. */
  source: string;
  label: string;
  format?: SourceKind;
}

/** What a finished step records (`jobs.result`). */
interface ImportOutcome {
  phase: 'check' | 'import';
  check?: ImportReport;
  result?: ImportReport;
  /** What the check found to import, with paths relative to the job's folder. */
  prepared?: PreparedSource;
  published?: PublishImportedResult;
  /** The problems a failed step found. */
  issues?: FieldIssue[];
}

const outcomeOf = (row: JobRow) => (row.result ?? {}) as Partial<ImportOutcome>;
const STEPS = new Set<string>(['download', 'unpack', 'convert', 'fetch', 'check', 'media', 'save']);
const SAFE_ID = /^[A-Za-z0-9-]{1,64}$/;
const isUrl = (source: string) => /^https?:\/\//i.test(source);

/** The folder of an owner's import jobs. */
function importsDir(app: AppContext, ownerId: string): string {
  return path.join(path.dirname(mediaItemDir(app.config, ownerId, 'x')), '.imports');
}

/** The private folder of one job. */
function jobDir(app: AppContext, ownerId: string, id: string): string {
  if (!SAFE_ID.test(id)) throw new Error(`Unsafe import job id: ${JSON.stringify(id)}`);
  return path.join(importsDir(app, ownerId), id);
}

/** A path inside `dir` as stored, relative to it; refuses one outside. */
function inside(dir: string, file: string): string {
  const relative = path.relative(dir, file);
  if (!relative || relative.startsWith('..') || path.isAbsolute(relative)) throw new Error(`${file} is not inside the import's folder`);
  return relative;
}

/** A stored relative path back inside `dir`. */
function resolveInside(dir: string, relative: string): string {
  const full = path.resolve(dir, relative);
  inside(dir, full);
  return full;
}

function storePrepared(dir: string, prepared: PreparedSource): PreparedSource {
  return { ...prepared, path: inside(dir, prepared.path), ...(prepared.potluckZip ? { potluckZip: inside(dir, prepared.potluckZip) } : {}) };
}

function loadPrepared(dir: string, prepared: PreparedSource): PreparedSource {
  return { ...prepared, path: resolveInside(dir, prepared.path), ...(prepared.potluckZip ? { potluckZip: resolveInside(dir, prepared.potluckZip) } : {}) };
}

/** A job row as its page shows it. */
function toImportJob(app: AppContext, row: JobRow): ImportJob {
  const input = (row.input ?? {}) as Partial<ImportInput>;
  const outcome = outcomeOf(row);
  const running = row.status === 'queued' || row.status === 'running';
  // The step the job is on, or ended on (resumeJob writes the import step's input): the reports are not needed.
  const phase = input.phase;
  const state: ImportJobState =
    row.status === 'failed' ? 'failed' : running ? (phase === 'import' ? 'importing' : 'checking') : phase === 'import' ? 'imported' : 'checked';
  const p = row.progress;
  const progress = running && p && STEPS.has(p.step) ? { step: p.step as AnywhereProgress['step'], done: p.done ?? 0, total: p.total ?? 1, item: p.message } : null;
  return {
    id: row.id,
    ownerId: row.userId!,
    label: input.label ?? 'the import',
    format: input.format,
    createdAt: row.createdAt.getTime(),
    dir: jobDir(app, row.userId!, row.id),
    state,
    progress,
    ...(running && p?.step === 'queued' && row.status === 'queued' ? { waiting: (p.message ?? 'Waiting for a server to take it over').replace(/…$/, '') } : {}),
    ...(outcome.check ? { check: outcome.check } : {}),
    ...(outcome.result && state === 'imported' ? { result: outcome.result } : {}),
    ...(row.status === 'failed' ? { error: { message: row.error ?? 'The import stopped.', issues: outcome.issues ?? [], step: phase === 'import' ? 'import' : 'check' } } : {}),
    ...(outcome.published ? { published: outcome.published } : {}),
  };
}

/** A fresh private folder for a new job of `ownerId`; `startImportJob` takes it over (or the caller removes it). */
export function newImportJobDir(app: AppContext, ownerId: string): { id: string; dir: string } {
  sweepImportJobs(app, { userId: ownerId });
  const id = app.newId();
  const dir = jobDir(app, ownerId, id);
  makePrivateDir(dir);
  return { id, dir };
}

/** Removes a job's folder; a folder that cannot be removed now (a busy network volume) is swept later. */
function removeFolder(app: AppContext, row: Pick<JobRow, 'id' | 'userId'>) {
  if (!row.userId || !SAFE_ID.test(row.id)) return;
  try {
    fs.rmSync(jobDir(app, row.userId, row.id), { recursive: true, force: true });
  } catch (error) {
    logger.warn('An import’s folder could not be removed yet; it is swept later', { component: 'import', jobId: row.id, error });
  }
}

/**
 * Removes jobs older than an hour (unless a live node is running them) with their folders: everyone's, or one
 * account's. For one account it also removes folders no job owns once they are an hour old (a node that died
 * between receiving an upload and making the job).
 */
export function sweepImportJobs(app: AppContext, options: { now?: number; userId?: string } = {}): number {
  const now = options.now ?? app.now().getTime();
  const cutoff = new Date(now - IMPORT_JOB_LIFETIME_MS);
  // Untouched for an hour (a step's progress, its end or the press of Import touch it), and not running under a
  // live lease: a finished job, or one whose node died and that no node took over within the hour.
  const expired = and(
    eq(jobs.kind, IMPORT_JOB),
    lt(jobs.updatedAt, cutoff),
    or(inArray(jobs.status, ['succeeded', 'failed']), isNull(jobs.leaseUntil), lt(jobs.leaseUntil, new Date(now))),
    ...(options.userId ? [eq(jobs.userId, options.userId)] : []),
  );
  let removed = 0;
  for (const row of app.db.select({ id: jobs.id, userId: jobs.userId }).from(jobs).where(expired).all()) {
    // Deleted under the same conditions: a job another node resumed a moment ago stays, with its folder.
    if (app.db.delete(jobs).where(and(eq(jobs.id, row.id), expired)).run().changes !== 1) continue;
    removeFolder(app, row);
    removed++;
  }
  if (options.userId) {
    const root = importsDir(app, options.userId);
    const names = fs.existsSync(root) ? fs.readdirSync(root) : [];
    if (names.length > 0) {
      const known = new Set(
        app.db
          .select({ id: jobs.id })
          .from(jobs)
          .where(and(eq(jobs.kind, IMPORT_JOB), eq(jobs.userId, options.userId)))
          .all()
          .map((r) => r.id),
      );
      for (const name of names) {
        if (known.has(name)) continue;
        const full = path.join(root, name);
        const stat = fs.statSync(full, { throwIfNoEntry: false });
        if (stat && now - stat.mtimeMs > IMPORT_JOB_LIFETIME_MS) fs.rmSync(full, { recursive: true, force: true });
      }
    }
  } else {
    // Where imports were kept before they were jobs rows.
    fs.rmSync(path.join(app.config.dataDir, '.import-jobs'), { recursive: true, force: true });
  }
  return removed;
}

export interface StartImportJobProps {
  id: string;
  dir: string;
  ownerId: string;
  /** A file or folder inside `dir`, or a feed address. */
  source: string;
  label: string;
  format?: SourceKind;
}

/** Starts a job's dry run on this node and returns the job at once. */
export function startImportJob(app: AppContext, props: StartImportJobProps): ImportJob {
  if (path.resolve(props.dir) !== jobDir(app, props.ownerId, props.id)) throw new Error('An import job runs in the folder newImportJobDir made for it');
  const input: ImportInput = {
    phase: 'check',
    source: isUrl(props.source) ? props.source : inside(props.dir, props.source),
    label: props.label,
    ...(props.format ? { format: props.format } : {}),
  };
  const made = (() => {
    try {
      return inTransaction(app, () => {
        const mine = app.db
          .select({ id: jobs.id, userId: jobs.userId, status: jobs.status })
          .from(jobs)
          .where(and(eq(jobs.kind, IMPORT_JOB), eq(jobs.userId, props.ownerId)))
          .orderBy(asc(jobs.createdAt))
          .all();
        // An account keeps a handful of imports; the oldest finished ones make room.
        const removed: typeof mine = [];
        for (const row of mine) {
          if (mine.length - removed.length < MAX_JOBS_PER_ACCOUNT) break;
          if (row.status === 'succeeded' || row.status === 'failed') removed.push(row);
        }
        if (mine.length - removed.length >= MAX_JOBS_PER_ACCOUNT) {
          throw new PotluckError('RATE_LIMITED', 'You have several imports running already. Wait until one is done, then try again.');
        }
        for (const row of removed) app.db.delete(jobs).where(eq(jobs.id, row.id)).run();
        const job = createLeasedJob(app, {
          id: props.id,
          userId: props.ownerId,
          kind: IMPORT_JOB,
          input: { ...input },
          progress: { step: 'check', done: 0, total: 1 },
        });
        return { job, removed };
      });
    } catch (error) {
      fs.rmSync(props.dir, { recursive: true, force: true });
      throw error;
    }
  })();
  for (const row of made.removed) removeFolder(app, row);
  void runHeld(app, made.job, importJobHandler);
  return toImportJob(app, made.job);
}

/** The job `id` of `ownerId`, or undefined (also for someone else's job, and for an id that is no job). */
export function getImportJob(app: AppContext, ownerId: string, id: string): ImportJob | undefined {
  if (!SAFE_ID.test(id)) return undefined;
  sweepImportJobs(app, { userId: ownerId });
  const mine = and(eq(jobs.id, id), eq(jobs.userId, ownerId), eq(jobs.kind, IMPORT_JOB));
  // The reports (megabytes for a large import) are read only once a step has ended: the page that follows a
  // running step reloads every second and shows its progress alone.
  const row = app.db.select(withoutReports).from(jobs).where(mine).get();
  if (!row) return undefined;
  const running = row.status === 'queued' || row.status === 'running';
  const result = running ? null : (app.db.select({ result: jobs.result }).from(jobs).where(mine).get()?.result ?? null);
  return toImportJob(app, { ...row, result });
}

/** A jobs row's columns but its result (the reports). */
const { result: _reports, ...withoutReports } = getTableColumns(jobs);

/** An account's imports of the last hour, newest first (at most five are kept). */
export function listImportJobs(app: AppContext, ownerId: string): ImportJob[] {
  sweepImportJobs(app, { userId: ownerId });
  // Without the reports: the list shows each one's name and where it is.
  return app.db
    .select(withoutReports)
    .from(jobs)
    .where(and(eq(jobs.userId, ownerId), eq(jobs.kind, IMPORT_JOB)))
    .orderBy(desc(jobs.createdAt))
    .limit(MAX_JOBS_PER_ACCOUNT)
    .all()
    .map((row) => toImportJob(app, { ...row, result: null }));
}

/** Imports what the job's dry run checked, on this node in the background. */
export function runImportJob(app: AppContext, job: ImportJob): void {
  const row = app.db.select(withoutReports).from(jobs).where(and(eq(jobs.id, job.id), eq(jobs.userId, job.ownerId), eq(jobs.kind, IMPORT_JOB))).get();
  const current = row ? toImportJob(app, { ...row, result: null }) : undefined;
  const notReady = (state: ImportJobState | undefined) =>
    new PotluckError(
      'CONFLICT',
      state === 'imported' || state === 'importing' ? 'This import is done already, or under way.' : 'This import is not ready to import yet. Wait for the check to finish.',
    );
  if (!row || current?.state !== 'checked') throw notReady(current?.state);
  const input: ImportInput = { ...(row.input as unknown as ImportInput), phase: 'import' };
  // Only the job as read here, checked: a second press on another node a moment ago has resumed it already.
  const taken = resumeJob(app, row.id, { ...input }, { step: 'check', done: 0, total: 1 }, { seen: row.updatedAt });
  if (!taken) throw notReady('importing');
  void runHeld(app, taken, importJobHandler);
}

/** Records the last "Make these public" of an imported job. */
export function recordImportPublished(app: AppContext, job: ImportJob, published: PublishImportedResult): void {
  const row = app.db.select({ result: jobs.result }).from(jobs).where(and(eq(jobs.id, job.id), eq(jobs.userId, job.ownerId), eq(jobs.kind, IMPORT_JOB))).get();
  if (!row) return;
  app.db
    .update(jobs)
    .set({ result: { ...row.result, published } })
    .where(eq(jobs.id, job.id))
    .run();
}

const UNEXPECTED = 'Something went wrong while importing, and nothing was imported. Try again; if it happens again, tell the admin.';

/** Runs the step a job's input names: the check (a dry run), or the import of what the check found. Any node runs it. */
export const importJobHandler: JobHandler = async (app, row, lease) => {
  const input = row.input as unknown as ImportInput;
  const owner = row.userId ? app.db.select({ handle: users.handle }).from(users).where(eq(users.id, row.userId)).get() : undefined;
  if (!owner || (input.format !== undefined && !isSourceKind(input.format))) {
    failJob(app, row.id, owner ? 'This import names a format Potluck does not know.' : 'That account no longer exists.');
    return;
  }
  // The importers load when a job runs, not when a server that might run one starts.
  const { importPrepared, prepareSource } = await import('./index.ts');
  const dir = jobDir(app, row.userId!, row.id);
  // Once a second, as often as the page that shows it reloads (each write rewrites the row, reports included).
  const write = jobProgressWriter(app, row.id, 1000);
  const onProgress = (p: AnywhereProgress) => write({ step: p.step, done: p.done, total: p.total, ...(p.item ? { message: p.item } : {}) } satisfies JobProgress);
  const outDir = () => path.join(dir, `archive-${randomBytes(4).toString('hex')}`);
  try {
    if (input.phase === 'check') {
      // A node that died while checking left what it unpacked: this attempt unpacks again from the source.
      const workDir = path.join(dir, 'work');
      await fsp.rm(workDir, { recursive: true, force: true });
      const prepared = await prepareSource(app, {
        source: isUrl(input.source) ? input.source : resolveInside(dir, input.source),
        format: input.format,
        label: input.label,
        workDir,
        signal: lease.signal,
        onProgress,
      });
      const check = await importPrepared(app, prepared, { handle: owner.handle, dryRun: true, outDir: outDir(), onProgress, signal: lease.signal });
      const outcome: ImportOutcome = { phase: 'check', check, prepared: storePrepared(dir, prepared) };
      finishJob(app, row.id, { ...outcome }, { step: 'done' });
    } else {
      const before = outcomeOf(row);
      if (!before.prepared) throw new PotluckError('CONFLICT', 'This import was not checked; start it again from the Import page.');
      const result = await importPrepared(app, loadPrepared(dir, before.prepared), {
        handle: owner.handle,
        dryRun: false,
        outDir: outDir(),
        onProgress,
        signal: lease.signal,
      });
      const outcome: ImportOutcome = { ...before, phase: 'import', result };
      if (finishJob(app, row.id, { ...outcome }, { step: 'done' })) {
        // The source is not needed any more: only the report is kept, for "Make these public".
        await fsp.rm(path.join(dir, 'work'), { recursive: true, force: true });
        await fsp.rm(path.join(dir, 'upload'), { recursive: true, force: true });
      }
    }
  } catch (error) {
    // A node that lost the job leaves its folder to the node that took it over.
    if (lease.signal.aborted) return;
    const known = error instanceof PotluckError;
    const outcome: ImportOutcome = { ...(outcomeOf(row)), phase: input.phase, issues: known ? error.issues : [] };
    if (failJob(app, row.id, known ? error.message : UNEXPECTED, { ...outcome })) {
      // What failed is not kept: nothing more can be done with it.
      await fsp.rm(dir, { recursive: true, force: true });
    }
    if (!known) logger.error('An import job failed', { component: 'import', jobId: row.id, error });
  }
};
