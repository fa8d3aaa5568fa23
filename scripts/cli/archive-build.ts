import path from 'node:path';
import { buildSiteFromArchive } from '../../src/commands/archiveSiteBuilder.ts';
import type { SiteOutput } from '../../src/commands/siteExporter.ts';
import { formatSize } from '../../src/core/archive/zipRules.ts';
import { UsageError, parseOptions, println, progressReporter, type CliCommand } from './io.ts';
import { startCliRenderer } from './siteRenderer.ts';

const command: CliCommand = {
  summary: 'build the static site from an archive, with no server and no database',
  help: `Usage: potluck build ARCHIVE.zip|DIR --out DIR|FILE.zip [--base URL] [--force] [--json]

Makes the public website of an archive ("potluck export", or "Export everything" in the workspace):
every public page and feed, with the pictures they use, as static files with relative links. Needs no
running server and no existing database: the archive is imported into a temporary database in a
temporary folder, the site is written, and the temporary folder is deleted. Your data folder
(POTLUCK_DATA) is never touched.

  --out       the folder to write the site to (created; must be empty or new), or a name ending in .zip
  --base      the address where you will publish the site, e.g. https://maya.example.org/ (canonical and
              feed links are absolute under it). Default: the archive's site.baseUrl, if it has one.
  --force     replace a non-empty folder or an existing zip file
  --json      print the result as JSON

The archive is checked first like any import: a broken or unsafe archive is refused with every problem
listed, and nothing is written.`,
  async run(args, io) {
    const { values, positionals } = parseOptions(
      args,
      { out: { type: 'string' }, base: { type: 'string' }, force: { type: 'boolean' }, json: { type: 'boolean' } },
      true,
    );
    if (positionals.length !== 1) throw new UsageError('give one ARCHIVE (a .zip file or the folder that holds potluck.json).');
    if (!values.out) throw new UsageError('missing --out (the folder to write the site to).');
    const outPath = path.resolve(io.cwd, values.out);
    const force = Boolean(values.force);
    const out: Extract<SiteOutput, { kind: 'dir' | 'zip' }> = outPath.toLowerCase().endsWith('.zip')
      ? { kind: 'zip', path: outPath, force }
      : { kind: 'dir', path: outPath, force };
    const json = Boolean(values.json);
    const stream = (json ? io.stderr : io.stdout) as NodeJS.WritableStream & { isTTY?: boolean };
    const progress = progressReporter(stream);
    let lastKey = '';
    try {
      const result = await buildSiteFromArchive({
        source: path.resolve(io.cwd, positionals[0]),
        out,
        base: values.base,
        renderer: (config) => startCliRenderer(io, (line) => println(stream, line), config.dataDir),
        onProgress: (p) => {
          const line =
            p.stage === 'import'
              ? `Importing the archive (${p.step.step})…`
              : `${p.step.phase === 'render' ? 'Rendering pages' : 'Writing files'}… ${p.step.done}/${p.step.total}`;
          const key = p.stage === 'import' ? `import:${p.step.step}` : `site:${p.step.phase}`;
          if (stream.isTTY || key !== lastKey) progress.update(line);
          lastKey = key;
        },
      });
      progress.done();
      if (json) println(io.stdout, JSON.stringify(result, null, 2));
      else {
        const s = result.site;
        println(io.stdout, [
          `Built the public site of @${result.handle} in ${outPath}:`,
          `  ${s.pages} pages, ${s.files} files, ${formatSize(s.bytes)}; links under ${s.base}`,
          out.kind === 'dir' ? `  open ${path.join(outPath, 'index.html')} in a browser, or upload the folder to any web host` : '',
        ].filter(Boolean).join('\n'));
      }
      return 0;
    } catch (error) {
      progress.done();
      throw error;
    }
  },
};
export default command;
