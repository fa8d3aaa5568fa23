/**
 * "Export everything" as a job (src/server/jobs/): the button makes a job row this node holds and writes the archive
 * to a file beside the student's media; the student follows its progress and then downloads the file, as often as
 * they need for a day (a download cut off on a school network is started again, and resumed where the browser
 * can). A node that dies while writing leaves a lease that ends, and another node writes the archive again from the
 * start; the file appears under its final name only once it is whole.
 *
 * The files live in `<media>/<owner>/.exports/` (the shared media volume, so any node can serve the download; the
 * owner's folder, so deleting the account deletes them) and are removed a day after they were made.
 */
import fs from 'node:fs';
import path from 'node:path';
import { and, desc, eq, inArray, lt } from 'drizzle-orm';
import { exportArchive, type ArchiveProgress } from './archiveExporter.ts';
import { PotluckError } from '../core/errors.ts';
import { reserveAttempt } from '../server/auth/rateLimit.ts';
import type { AppContext } from '../server/context.ts';
import { makePrivateDirAsync } from '../server/dataFolder.ts';
import { jobs, users } from '../server/db/schema.ts';
import { inTransaction } from '../server/db/tx.ts';
import { DOWNLOAD_RULE } from '../server/http/downloadLimits.ts';
import { createLeasedJob, failJob, finishJob, jobProgressWriter, type JobRow } from '../server/jobs/queue.ts';
import { runHeld, type JobHandler } from '../server/jobs/runner.ts';
import { logger } from '../server/logger.ts';
import { mediaItemDir } from '../server/media/storage.ts';

/** The kind of an archive export job. */
export const ARCHIVE_JOB = 'archive-export';
/** How long a finished archive stays to be downloaded. */
export const ARCHIVE_KEEP_MS = 24 * 60 * 60 * 1000;

/** What a finished archive job records. */
export interface ArchiveJobResult {
  handle: string;
  /** The download's file name. */
  fileName: string;
  /** Size of the zip file. */
  bytes: number;
  entries: number;
  warnings: string[];
  /** When the file is removed. */
  keptUntil: string;
  /** Set once the file was removed. */
  removed?: boolean;
}

/** The folder of an owner's finished archives. */
function exportsDir(app: AppContext, ownerId: string): string {
  return path.join(path.dirname(mediaItemDir(app.config, ownerId, 'x')), '.exports');
}

/** The file of a finished archive job. */
export function archiveJobFile(app: AppContext, job: Pick<JobRow, 'id' | 'userId'>): string {
  return path.join(exportsDir(app, job.userId!), `${job.id}.zip`);
}

/**
 * Starts an archive export for `userId`: refused (429, with what to do) while another of theirs is being written,
 * or when the hour's exports are used up. The job runs on this node at once.
 */
export function startArchiveExport(app: AppContext, userId: string): JobRow {
  sweepArchiveExports(app, userId);
  const job = inTransaction(app, () => {
    const running = app.db
      .select({ id: jobs.id })
      .from(jobs)
      .where(and(eq(jobs.userId, userId), eq(jobs.kind, ARCHIVE_JOB), inArray(jobs.status, ['queued', 'running'])))
      .get();
    if (running) {
      throw new PotluckError('RATE_LIMITED', 'Your archive is already being prepared. Follow its progress on this page; it is ready in a moment.');
    }
    if (!reserveAttempt(app, `download:archive:${userId}`, DOWNLOAD_RULE)) {
      throw new PotluckError(
        'RATE_LIMITED',
        `You have started ${DOWNLOAD_RULE.limit} archive exports in the last hour, the most allowed. Try again in an hour; what you downloaded already is complete.`,
      );
    }
    return createLeasedJob(app, { userId, kind: ARCHIVE_JOB, input: {}, progress: { step: 'queued', message: 'Starting…' } });
  });
  void runHeld(app, job, archiveJobHandler);
  return job;
}

/** Writes the archive of a job's owner to its file; any node can run it, and run it again. */
export const archiveJobHandler: JobHandler = async (app, job) => {
  const owner = job.userId ? app.db.select({ id: users.id, handle: users.handle }).from(users).where(eq(users.id, job.userId)).get() : undefined;
  if (!owner) {
    failJob(app, job.id, 'That account no longer exists.');
    return;
  }
  const write = jobProgressWriter(app, job.id);
  const report = (p: ArchiveProgress) =>
    write({
      step: p.phase,
      done: p.done,
      total: p.total,
      message: p.phase === 'site' ? `Making your website: ${p.done} of ${p.total} pages and files` : `Writing the archive: ${p.done} of ${p.total} files`,
    });
  const final = archiveJobFile(app, job);
  try {
    await makePrivateDirAsync(path.dirname(final));
    write({ step: 'site', message: 'Making your website…' });
    // The zip is written under a temporary name of its own and renamed into place once whole (atomicOutput.ts), so
    // each attempt writes its own file and the final name only ever holds a whole archive.
    const result = await exportArchive(app, { handle: owner.handle, out: { kind: 'zip', path: final, force: true }, onProgress: report });
    const bytes = (await fs.promises.stat(final)).size;
    const day = app.now().toISOString().slice(0, 10);
    const done: ArchiveJobResult = {
      handle: result.handle,
      fileName: `${result.handle}-potluck-archive-${day}.zip`,
      bytes,
      entries: result.entries,
      warnings: result.warnings,
      keptUntil: new Date(app.now().getTime() + ARCHIVE_KEEP_MS).toISOString(),
    };
    if (!finishJob(app, job.id, { ...done }, { step: 'done', message: 'Your archive is ready.' })) {
      logger.warn('An archive was written after its job had passed to another node', { component: 'export', jobId: job.id });
    }
  } catch (error) {
    const message =
      error instanceof PotluckError
        ? error.message
        : `Your archive could not be made because of an unexpected problem (${error instanceof Error ? error.message : String(error)}). Export again; if it keeps happening, tell your Potluck admin.`;
    failJob(app, job.id, message);
    logger.warn('An archive export failed', { component: 'export', jobId: job.id, error });
  }
};

/** One of a user's archive jobs (null when it is not theirs, so ids cannot be probed). */
export function getArchiveJob(app: AppContext, userId: string, id: string): JobRow | null {
  return app.db.select().from(jobs).where(and(eq(jobs.id, id), eq(jobs.userId, userId), eq(jobs.kind, ARCHIVE_JOB))).get() ?? null;
}

/** A user's latest archive jobs, newest first. */
export function listArchiveJobs(app: AppContext, userId: string, limit = 5): JobRow[] {
  return app.db
    .select()
    .from(jobs)
    .where(and(eq(jobs.userId, userId), eq(jobs.kind, ARCHIVE_JOB)))
    .orderBy(desc(jobs.createdAt))
    .limit(limit)
    .all();
}

/** Whether a finished archive's file can still be downloaded. */
export function archiveAvailable(app: AppContext, job: JobRow): boolean {
  const result = job.result as Partial<ArchiveJobResult> | null;
  return job.status === 'succeeded' && !result?.removed && Boolean(result?.keptUntil) && Date.parse(result!.keptUntil!) > app.now().getTime();
}

/**
 * Removes a user's archives (or everyone's, without `userId`) kept past their day, and files of attempts that died
 * while writing; their jobs say they were removed.
 */
export function sweepArchiveExports(app: AppContext, userId?: string): number {
  const cutoff = new Date(app.now().getTime() - ARCHIVE_KEEP_MS);
  const old = app.db
    .select()
    .from(jobs)
    .where(and(eq(jobs.kind, ARCHIVE_JOB), eq(jobs.status, 'succeeded'), lt(jobs.updatedAt, cutoff), ...(userId ? [eq(jobs.userId, userId)] : [])))
    .all()
    .filter((job) => !(job.result as Partial<ArchiveJobResult> | null)?.removed);
  for (const job of old) {
    fs.rmSync(archiveJobFile(app, job), { force: true });
    app.db.update(jobs).set({ result: { ...job.result, removed: true } }).where(eq(jobs.id, job.id)).run();
  }
  if (userId) {
    const dir = exportsDir(app, userId);
    for (const name of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
      const file = path.join(dir, name);
      // A temporary file of an attempt whose node died while writing.
      if (name.startsWith('.') && fs.statSync(file).mtimeMs < cutoff.getTime()) fs.rmSync(file, { force: true });
    }
  }
  return old.length;
}
