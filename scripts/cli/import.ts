import { importArchiveFolder, type ImportProgress, type ImportReport } from '../../src/commands/archiveImporter.ts';
import { importArchiveZip } from '../../src/commands/archiveZipImporter.ts';
import fs from 'node:fs';
import path from 'node:path';
import { PotluckError } from '../../src/core/errors.ts';
import { loadConfig } from '../../src/server/config.ts';
import { createAppContext } from '../../src/server/context.ts';
import { UsageError, parseOptions, println, progressReporter, type CliCommand } from './io.ts';

const stepNames: Record<ImportProgress['step'], string> = {
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
  if (report.warnings.length) {
    lines.push('', 'Notes:');
    for (const w of report.warnings) lines.push(`  - ${w}`);
  }
  if (report.dryRun) lines.push('', 'Dry run: nothing was written. Run again without --dry-run to import.');
  return lines;
}

const command: CliCommand = {
  summary: 'import an archive (zip or folder) into an account',
  help: `Usage: potluck import ARCHIVE.zip|FOLDER --handle HANDLE [--dry-run] [--json]

Imports a potluck-archive/1 archive into the account HANDLE, in the database in POTLUCK_DATA (default
./data): the zip that "potluck export" (or "Export everything") made, or a folder holding potluck.json,
artifacts/ and collections/ (and revisions/, feedback/, media/ when the archive has them).

  --handle    the account to import into. If it does not exist it is created as a student from the
              archive's profile, without a password: nobody can sign in to it until one is
              set with "potluck user password --handle HANDLE".
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
      { handle: { type: 'string' }, 'dry-run': { type: 'boolean' }, json: { type: 'boolean' } },
      true,
    );
    if (positionals.length === 0) throw new UsageError('give the ARCHIVE to import (a .zip file or a folder).');
    if (positionals.length > 1) throw new UsageError(`give one ARCHIVE (got ${positionals.length}: ${positionals.join(' ')}).`);
    if (!values.handle) throw new UsageError('missing --handle (the account to import into).');
    const source = path.resolve(io.cwd, positionals[0]);
    const isZip = fs.statSync(source, { throwIfNoEntry: false })?.isFile() ?? source.toLowerCase().endsWith('.zip');
    const json = Boolean(values.json);
    const stream = (json ? io.stderr : io.stdout) as NodeJS.WritableStream & { isTTY?: boolean };
    const progress = progressReporter(stream);
    // On a terminal the line is rewritten in place; in a log, one line per tenth of each step is enough.
    let lastLine = '';
    const report = (p: ImportProgress) => {
      const tenth = p.total ? Math.floor((p.done / p.total) * 10) : 0;
      const line = `${stepNames[p.step]}…${p.step === 'check' ? '' : ` ${p.done}/${p.total}`}`;
      const key = `${p.step}:${tenth}`;
      if (stream.isTTY || key !== lastLine) progress.update(line);
      lastLine = key;
    };

    const app = createAppContext(loadConfig(io.env, io.cwd), { migrate: true });
    try {
      const options = { handle: values.handle, dryRun: Boolean(values['dry-run']), onProgress: report };
      const result = isZip
        ? await importArchiveZip(app, { zip: source, ...options })
        : await importArchiveFolder(app, { dir: source, ...options });
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
