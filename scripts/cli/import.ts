import type { ImportReport } from '../../src/commands/archiveImporter.ts';
import path from 'node:path';
import { PotluckError } from '../../src/core/errors.ts';
import { loadConfig } from '../../src/server/config.ts';
import { createAppContext } from '../../src/server/context.ts';
import { importFromAnywhere, type AnywhereProgress } from '../../src/server/import/index.ts';
import { isSourceKind, isUrl, SOURCE_KINDS, SOURCE_KIND_NAMES } from '../../src/server/import/detect.ts';
import { UsageError, parseOptions, println, progressReporter, type CliCommand } from './io.ts';

const stepNames: Record<AnywhereProgress['step'], string> = {
  download: 'Fetching the feed',
  convert: 'Converting',
  fetch: 'Fetching attachments',
  unpack: 'Checking and unpacking the zip',
  check: 'Checking the archive',
  media: 'Storing pictures and files',
  save: 'Saving artifacts and showcases',
};

function summary(report: ImportReport): string[] {
  const a = report.artifacts;
  const verb = report.dryRun ? 'Would import' : 'Imported';
  const lines = [
    `${verb} into @${report.user.handle}${report.user.created ? ` (${report.dryRun ? 'would be ' : ''}a new account)` : ''}:`,
    `  artifacts:  ${a.created} new, ${a.updated} updated, ${a.unchanged} unchanged`,
    // Only archives with a history (revisions/) have something to say here.
    ...(report.revisions.added + report.revisions.alreadyHere > 0
      ? [`  revisions:  ${report.revisions.added} added to the history, ${report.revisions.alreadyHere} already here`]
      : []),
    ...(report.feedback.added + report.feedback.alreadyHere > 0
      ? [`  feedback:   ${report.feedback.added} messages added, ${report.feedback.alreadyHere} already here`]
      : []),
    `  media:      ${report.media.stored} stored, ${report.media.reused} already here`,
    `  showcases:  ${report.showcases}`,
  ];
  if (report.origin) {
    lines.push('', `Pieces (from ${report.origin.platform}):`);
    const actions = { create: report.dryRun ? 'new' : 'created', update: report.dryRun ? 'would update' : 'updated', unchanged: 'unchanged' };
    for (const p of report.pieces) {
      const tags = p.tags.length ? `  #${p.tags.join(' #')}` : '';
      lines.push(`  ${actions[p.action].padEnd(12)} ${p.date.slice(0, 10)}  ${p.title}${p.draft ? ' (a draft there)' : ''}${tags}`);
    }
  }
  if (report.warnings.length) {
    lines.push('', 'Notes:');
    for (const w of report.warnings) lines.push(`  - ${w}`);
  }
  if (report.origin) {
    lines.push(
      '',
      `Everything from ${report.origin.platform} ${report.dryRun ? 'would arrive' : 'arrived'} private: only you can see it. Look it over, then make`,
      'the pieces you choose public in the editor, or all at once on the Import page (/workspace/import) after importing there.',
    );
  }
  if (report.dryRun) lines.push('', 'Dry run: nothing was written. Run again without --dry-run to import.');
  return lines;
}

const command: CliCommand = {
  summary: 'import an archive, or work from another platform (WordPress, a blog, a feed, Mahara, documents)',
  help: `Usage: potluck import ARCHIVE.zip|FOLDER --handle HANDLE [--dry-run] [--json]
       potluck import SOURCE --handle HANDLE [--format KIND] [--dry-run] [--json]

SOURCE is a file, a folder, a .zip or an https:// feed address. What it is, is detected; --format KIND
names it instead. The kinds:
${SOURCE_KINDS.map((k) => `  ${k.padEnd(10)}  ${SOURCE_KIND_NAMES[k]}`).join('\n')}

Work from another platform arrives private: only the student sees it until they make pieces public
(in the editor, or with "Make these public" on the Import page). Importing the same source again merges:
pieces already here are updated or left unchanged, never duplicated. In a dry run nothing is fetched
(attachments a WordPress export names are counted instead). A zip is checked with the archive rules below.

Imports a potluck-archive/1 archive into the account HANDLE, in the database in POTLUCK_DATA (default
./data): the zip that "potluck export" (or "Export everything") made, or a folder holding potluck.json,
artifacts/ and collections/ (and revisions/, feedback/, media/ when the archive has them).

  --handle    the account to import into. If it does not exist it is created as a student from the
              archive's profile, without a password: nobody can sign in to it until one is
              set with "potluck user password --handle HANDLE".
  --format    what SOURCE is (one of ${SOURCE_KINDS.join(', ')}), when detection guesses wrong
  --dry-run   check everything and show what would change, without writing anything
  --json      print the report (or the problems) as JSON

Artifacts are matched by the id in their frontmatter: importing the same folder twice changes nothing the
second time, and a revision already in the history is not added again. The whole archive is checked first;
if anything is wrong, every problem is listed and nothing is imported (exit code 1). A zip is checked entry
by entry before anything is unpacked: names that leave the folder, links, duplicate names, more than
20,000 entries, more than 2 GB unpacked or a "zip bomb" compression ratio are refused.`,
  async run(args, io) {
    const { values, positionals } = parseOptions(
      args,
      { handle: { type: 'string' }, 'dry-run': { type: 'boolean' }, json: { type: 'boolean' }, format: { type: 'string' } },
      true,
    );
    if (positionals.length === 0) throw new UsageError('give the ARCHIVE or SOURCE to import (a file, a folder, a .zip or an https:// feed address).');
    if (positionals.length > 1) throw new UsageError(`give one ARCHIVE (got ${positionals.length}: ${positionals.join(' ')}).`);
    if (!values.handle) throw new UsageError('missing --handle (the account to import into).');
    const format = values.format;
    if (format !== undefined && !isSourceKind(format)) throw new UsageError(`--format must be one of ${SOURCE_KINDS.join(', ')} (got "${format}").`);
    const source = isUrl(positionals[0]) ? positionals[0] : path.resolve(io.cwd, positionals[0]);
    const json = Boolean(values.json);
    const stream = (json ? io.stderr : io.stdout) as NodeJS.WritableStream & { isTTY?: boolean };
    const progress = progressReporter(stream);
    // On a terminal the line is rewritten in place; in a log, one line per tenth of each step is enough.
    let lastLine = '';
    const report = (p: AnywhereProgress) => {
      const tenth = p.total ? Math.floor((p.done / p.total) * 10) : 0;
      const line = `${stepNames[p.step]}…${p.step === 'check' || p.step === 'download' ? '' : ` ${p.done}/${p.total}`}`;
      const key = `${p.step}:${tenth}`;
      if (stream.isTTY || key !== lastLine) progress.update(line);
      lastLine = key;
    };

    const app = createAppContext(loadConfig(io.env, io.cwd), { migrate: true });
    try {
      const result: ImportReport = await importFromAnywhere(app, {
        source,
        format,
        handle: values.handle,
        dryRun: Boolean(values['dry-run']),
        onProgress: report,
      });
      progress.done();
      if (json) println(io.stdout, JSON.stringify(result, null, 2));
      else for (const line of summary(result)) println(io.stdout, line);
      return 0;
    } catch (error) {
      progress.done();
      if (json && error instanceof PotluckError) {
        println(io.stdout, JSON.stringify({ error: { code: error.code, message: error.message, issues: error.issues } }, null, 2));
        return 1;
      }
      throw error;
    } finally {
      app.db.$client.close();
    }
  },
};
export default command;
