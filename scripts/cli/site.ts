import path from 'node:path';
import { exportSite, type ExportProgress, type ExportSiteResult, type SiteOutput } from '../../src/commands/siteExporter.ts';
import { loadConfig } from '../../src/server/config.ts';
import { createAppContext } from '../../src/server/context.ts';
import { siteDomainSchema } from '../../src/server/export/hosting.ts';
import { startCliRenderer } from './siteRenderer.ts';
import { UsageError, parseOptions, println, progressReporter, type CliCommand, type CliIo } from './io.ts';

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
}

function summary(result: ExportSiteResult, out: SiteOutput): string[] {
  const where = out.kind === 'dir' || out.kind === 'zip' ? path.resolve(out.path) : '';
  const verb = out.kind === 'list' ? 'Would write' : 'Wrote';
  const lines = [
    `${verb} the public site of @${result.handle}${where ? ` to ${where}` : ''}:`,
    `  ${result.pages} pages, ${result.files} files, ${formatBytes(result.bytes)} in ${result.ms} ms`,
    `  canonical and feed links under ${result.base}`,
  ];
  if (out.kind === 'dir') lines.push(`  open ${path.join(where, 'index.html')} in a browser, or upload the folder to any web host`);
  if (result.broken.length) {
    lines.push('', `${result.broken.length} link(s) on exported pages lead to pages that do not exist; they point at this Potluck:`);
    for (const b of result.broken.slice(0, 10)) lines.push(`  - ${b.path} (on ${b.from})`);
    if (result.broken.length > 10) lines.push(`  - … and ${result.broken.length - 10} more (--json lists them)`);
  }
  if (out.kind === 'list') {
    lines.push('', 'Files:');
    for (const f of result.listing) lines.push(`  ${f.path}  (${formatBytes(f.bytes)})`);
    lines.push('', 'Dry run: nothing was written.');
  }
  return lines;
}

function startRenderer(io: CliIo, log: (line: string) => void) {
  return () => startCliRenderer(io, log);
}

const command: CliCommand = {
  summary: 'export a student\'s public site as static files',
  help: `Usage: potluck site --handle HANDLE --out DIR|FILE.zip [--base URL] [--domain HOST] [--force] [--json]
       potluck site --handle HANDLE --dry-run [--json]

Writes the PUBLIC site of @HANDLE as static files: every public page (portfolio, artifacts, tags,
showcases, archive), both feeds and every tag feed, the stylesheets, and the pictures and attachments
those pages use, plus what a web host reads: 404.html, sitemap.xml, robots.txt and .nojekyll.
Private, members-only and unlisted work is never included. Publishing to GitHub Pages uploads exactly
these files.

  --out       a folder (created; must be empty or new) or a file name ending in .zip
  --base      the address where you will publish the site, e.g. https://maya.example.org/portfolio/
              (canonical, feed, sitemap and permalink URLs are absolute under it). Default:
              https://HOST/ with --domain, else the canonical home set in the account, else this
              Potluck's address of the portfolio.
  --domain    a custom domain the site is served at, e.g. maya.example.org: written to CNAME
  --force     replace a non-empty folder or an existing zip file
  --dry-run   render everything and list the files, without writing
  --json      print the result (files, counts, links that lead nowhere) as JSON

Links between pages are relative and name the file ("../poem/index.html"), so the folder works when
opened from disk, at the root of a domain and under any sub-path. The folder (or zip) is written under a
temporary name and renamed at the end: a failed export leaves nothing behind.`,
  async run(args, io) {
    const { values } = parseOptions(args, {
      handle: { type: 'string' },
      out: { type: 'string' },
      base: { type: 'string' },
      domain: { type: 'string' },
      force: { type: 'boolean' },
      'dry-run': { type: 'boolean' },
      json: { type: 'boolean' },
    });
    if (!values.handle) throw new UsageError('missing --handle (whose site to export).');
    const dryRun = Boolean(values['dry-run']);
    if (!values.out && !dryRun) throw new UsageError('missing --out (a folder, or a file name ending in .zip).');
    if (values.out && dryRun) throw new UsageError('--dry-run writes nothing; leave out --out.');
    let domain: string | undefined;
    if (values.domain !== undefined) {
      const parsed = siteDomainSchema.safeParse(values.domain);
      if (!parsed.success) throw new UsageError(`--domain ${JSON.stringify(values.domain)}: ${parsed.error.issues[0].message}`);
      domain = parsed.data;
    }
    const base = values.base ?? (domain ? `https://${domain}/` : undefined);
    const outPath = values.out ? path.resolve(io.cwd, values.out) : '';
    const out: SiteOutput = dryRun
      ? { kind: 'list' }
      : outPath.toLowerCase().endsWith('.zip')
        ? { kind: 'zip', path: outPath, force: Boolean(values.force) }
        : { kind: 'dir', path: outPath, force: Boolean(values.force) };

    const json = Boolean(values.json);
    const stream = (json ? io.stderr : io.stdout) as NodeJS.WritableStream & { isTTY?: boolean };
    const progress = progressReporter(stream);
    let lastKey = '';
    const onProgress = (p: ExportProgress) => {
      const label = p.phase === 'render' ? 'Rendering pages' : 'Writing files';
      // On a terminal the line counts up in place; in a log, one line per phase is enough.
      if (stream.isTTY) progress.update(`${label}… ${p.done}/${p.total}`);
      else if (lastKey !== p.phase) progress.update(`${label}…`);
      lastKey = p.phase;
    };

    const app = createAppContext(loadConfig(io.env, io.cwd), { migrate: true });
    try {
      const result = await exportSite(app, {
        handle: values.handle,
        base,
        domain,
        out,
        onProgress,
        renderer: startRenderer(io, (line) => println(stream, line)),
      });
      progress.done();
      if (json) println(io.stdout, JSON.stringify(result, null, 2));
      else println(io.stdout, summary(result, out).join('\n'));
      return 0;
    } finally {
      app.db.$client.close();
    }
  },
};
export default command;
