import path from 'node:path';
import { exportArchive, type ArchiveOutput, type ArchiveProgress, type ExportArchiveResult } from '../../src/commands/archiveExporter.ts';
import { formatSize } from '../../src/core/archive/zipRules.ts';
import { loadConfig } from '../../src/server/config.ts';
import { createAppContext } from '../../src/server/context.ts';
import { UsageError, parseOptions, println, progressReporter, type CliCommand } from './io.ts';
import { startCliRenderer } from './siteRenderer.ts';

function summary(result: ExportArchiveResult, where: string): string[] {
  const c = result.counts;
  const a = c.artifacts;
  const lines = [
    `Exported everything of @${result.handle} to ${where}:`,
    `  artifacts:  ${a.total} (${a.public} public, ${a.unlisted} unlisted, ${a.members} members, ${a.private} private)`,
    `  revisions:  ${c.revisions}`,
    `  files:      ${c.files} (${formatSize(c.fileBytes)})`,
    `  showcases:  ${c.showcases}; hubs: ${c.hubs}`,
    `  feedback:   ${c.feedback.messages} messages on ${c.feedback.threads} pieces`,
    `  site/:      ${result.site ? `${result.site.pages} pages, links under ${result.site.base}` : 'left out'}`,
    `  ${result.entries} entries, ${formatSize(result.bytes)} in ${(result.ms / 1000).toFixed(1)} s`,
  ];
  if (result.warnings.length) {
    lines.push('', 'Notes:');
    for (const w of result.warnings) lines.push(`  - ${w}`);
  }
  lines.push('', 'README.html inside explains what is there and how to use it.');
  return lines;
}

const command: CliCommand = {
  summary: 'export everything of an account as one archive (zip or folder)',
  help: `Usage: potluck export --handle HANDLE --out FILE.zip|DIR [--base URL] [--no-site] [--force] [--json]

Writes everything of @HANDLE as one potluck-archive/1 archive: every artifact of every visibility with its
pictures and files at full size, every revision, the feedback threads on them (feedback/), showcases, hub
memberships and syndications, the JSON feed of the public work, the static public site in site/, and a
README.html for a person to read. The archive
imports into any Potluck ("potluck import") and rebuilds into a website without a server ("potluck build").

  --out       a file name ending in .zip, or a folder (created; must be empty or new)
  --base      the address where the site in site/ will be published (as for "potluck site")
  --no-site   leave site/ out
  --force     replace an existing zip file or a non-empty folder
  --json      print the result as JSON

The archive holds private work: keep it private. It is written under a temporary name and renamed at the
end, so a failed export leaves nothing behind.`,
  async run(args, io) {
    const { values } = parseOptions(args, {
      handle: { type: 'string' },
      out: { type: 'string' },
      base: { type: 'string' },
      'no-site': { type: 'boolean' },
      force: { type: 'boolean' },
      json: { type: 'boolean' },
    });
    if (!values.handle) throw new UsageError('missing --handle (whose work to export).');
    if (!values.out) throw new UsageError('missing --out (a file name ending in .zip, or a folder).');
    const target = path.resolve(io.cwd, values.out);
    const force = Boolean(values.force);
    const out: ArchiveOutput = target.toLowerCase().endsWith('.zip') ? { kind: 'zip', path: target, force } : { kind: 'dir', path: target, force };

    const json = Boolean(values.json);
    const stream = (json ? io.stderr : io.stdout) as NodeJS.WritableStream & { isTTY?: boolean };
    const progress = progressReporter(stream);
    let lastKey = '';
    const onProgress = (p: ArchiveProgress) => {
      // On a terminal the line is rewritten in place; in a log, one line per tenth of each phase.
      const key = `${p.phase}:${p.total ? Math.floor((p.done / p.total) * 10) : 0}`;
      if (stream.isTTY || key !== lastKey) progress.update(`${p.phase === 'site' ? 'Rendering the site' : 'Writing the archive'}… ${p.done}/${p.total}`);
      lastKey = key;
    };

    const app = createAppContext(loadConfig(io.env, io.cwd), { migrate: true });
    try {
      const result = await exportArchive(app, {
        handle: values.handle,
        out,
        onProgress,
        site: values['no-site'] ? false : { base: values.base, renderer: () => startCliRenderer(io, (line) => println(stream, line)) },
      });
      progress.done();
      if (json) println(io.stdout, JSON.stringify(result, null, 2));
      else println(io.stdout, summary(result, target).join('\n'));
      return 0;
    } catch (error) {
      progress.done();
      throw error;
    } finally {
      app.db.$client.close();
    }
  },
};
export default command;
