import { eq } from 'drizzle-orm';
import { beginPublishJob, runPublishJob, type PublishProgress, type PublishResult } from '../../src/commands/sitePublisher.ts';
import { savePublishTarget } from '../../src/commands/publishTargetSaver.ts';
import { PotluckError } from '../../src/core/errors.ts';
import { loadConfig } from '../../src/server/config.ts';
import { createAppContext } from '../../src/server/context.ts';
import { publishTargets, users } from '../../src/server/db/schema.ts';
import { parseRepository } from '../../src/server/github/targets.ts';
import { UsageError, parseOptions, println, progressReporter, type CliCommand } from './io.ts';
import { startCliRenderer } from './siteRenderer.ts';

function summary(result: PublishResult): string[] {
  const lines = result.committed
    ? [
        `Published the site of this account to ${result.owner}/${result.repo} (branch ${result.branch}, commit ${result.commitSha.slice(0, 7)}):`,
        `  ${result.filesChanged} file(s) changed (${result.filesRemoved} removed), ${result.blobsUploaded} uploaded, ${result.files} in all`,
      ]
    : [`The site on ${result.owner}/${result.repo} (branch ${result.branch}) was already up to date: nothing to commit.`];
  lines.push(`  address: ${result.siteUrl}`, `  GitHub Pages build: ${result.pagesStatus}`);
  if (result.syndicated) lines.push(`  ${result.syndicated} public artifact(s) now list their GitHub Pages address`);
  for (const w of result.warnings) lines.push('', `Note: ${w}`);
  return lines;
}

const command: CliCommand = {
  summary: "publish a student's public site to their GitHub Pages",
  help: `Usage: potluck publish --handle HANDLE --github OWNER/REPO [--branch BRANCH] [--domain DOMAIN]
                       [--canonical | --not-canonical] [--create] [--force] [--json]

Publishes the PUBLIC site of @HANDLE (the same files as "potluck site") to a GitHub repository as one
commit, and turns on GitHub Pages for the branch. Only files that changed since the last publish are
uploaded. The token comes from the environment:

  GITHUB_TOKEN     a fine-grained personal access token with, for the repository:
                   Contents: Read and write, Pages: Read and write (and Administration: Read and write
                   with --create). Make one at https://github.com/settings/personal-access-tokens/new
  GITHUB_API_URL   GitHub's API (default https://api.github.com; set it for GitHub Enterprise)

  --github         the repository, OWNER/NAME (NAME = OWNER.github.io publishes the user site)
  --branch         the branch GitHub Pages serves (default gh-pages, or the one used last time)
  --domain         a custom domain for the site (written to CNAME); "none" removes it
  --canonical      make GitHub Pages the canonical home: pages here point to it (rel=canonical)
  --not-canonical  stop doing that
  --create         create the repository in the token owner's account first
  --force          replace the branch even if someone else pushed to it since the last publish
  --json           print the result as JSON

Options left out keep what was used for this repository last time. Nothing on GitHub changes until
every file is uploaded: a publish that fails leaves the previous site, and can simply be run again.`,
  async run(args, io) {
    const { values } = parseOptions(args, {
      handle: { type: 'string' },
      github: { type: 'string' },
      branch: { type: 'string' },
      domain: { type: 'string' },
      canonical: { type: 'boolean' },
      'not-canonical': { type: 'boolean' },
      create: { type: 'boolean' },
      force: { type: 'boolean' },
      json: { type: 'boolean' },
    });
    if (!values.handle) throw new UsageError('missing --handle (whose site to publish).');
    if (!values.github) throw new UsageError('missing --github OWNER/REPO (where to publish).');
    if (values.canonical && values['not-canonical']) throw new UsageError('choose --canonical or --not-canonical, not both.');
    const repository = parseRepository(values.github);
    if ('error' in repository) throw new UsageError(`--github: ${repository.error}`);
    const token = io.env.GITHUB_TOKEN?.trim();
    if (!token) {
      throw new UsageError(
        'set GITHUB_TOKEN to a GitHub token (fine-grained: Contents and Pages, Read and write). Make one at https://github.com/settings/personal-access-tokens/new',
      );
    }

    const json = Boolean(values.json);
    const stream = (json ? io.stderr : io.stdout) as NodeJS.WritableStream & { isTTY?: boolean };
    const progress = progressReporter(stream);
    let lastStep = '';
    const onProgress = (p: PublishProgress) => {
      // On a terminal the line is rewritten in place; in a log, one line per step, and every wait (rate limits).
      const waiting = /waiting|trying again/i.test(p.message);
      if (stream.isTTY || p.step !== lastStep || waiting) progress.update(p.message);
      lastStep = p.step;
    };

    const app = createAppContext(loadConfig(io.env, io.cwd), { migrate: true });
    try {
      const handle = values.handle.replace(/^@/, '').toLowerCase();
      const user = app.db.select().from(users).where(eq(users.handle, handle)).get();
      if (!user || user.disabledAt) {
        throw new PotluckError('NOT_FOUND', `There is no active account @${handle} on this Potluck. Check the handle ("potluck user list" shows them).`);
      }
      const previous = app.db
        .select()
        .from(publishTargets)
        .where(eq(publishTargets.userId, user.id))
        .all()
        .find((t) => t.owner.toLowerCase() === repository.owner.toLowerCase() && t.repo.toLowerCase() === repository.repo.toLowerCase());
      const domain = values.domain === undefined ? previous?.domain ?? null : values.domain.toLowerCase() === 'none' ? null : values.domain;
      const canonical = values.canonical ? true : values['not-canonical'] ? false : previous?.canonical ?? false;
      progress.update(`Checking ${repository.owner}/${repository.repo} on GitHub…`);
      const { target, createdRepository } = await savePublishTarget(app, {
        userId: user.id,
        token,
        input: { ...repository, branch: values.branch ?? previous?.branch, domain, canonical, create: Boolean(values.create) },
      });
      if (createdRepository) progress.update(`Created the repository ${target.owner}/${target.repo}.`);
      const job = beginPublishJob(app, { userId: user.id, targetId: target.id, force: Boolean(values.force), token: 'environment' });
      let result: PublishResult;
      try {
        result = await runPublishJob(app, job.id, {
          userId: user.id,
          targetId: target.id,
          token,
          force: Boolean(values.force),
          renderer: () => startCliRenderer(io, (line) => println(stream, line)),
          onProgress,
        });
      } finally {
        progress.done();
      }
      if (json) println(io.stdout, JSON.stringify(result, null, 2));
      else println(io.stdout, summary(result).join('\n'));
      return 0;
    } finally {
      app.db.$client.close();
    }
  },
};
export default command;
