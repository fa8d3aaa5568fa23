/**
 * Publishing a student's static site to their own GitHub Pages, as one commit through the Git Data API:
 *
 *   check the repository and the branch -> export the site to a temporary folder (the same files as `potluck site`,
 *   `.nojekyll` and `CNAME` among them)
 *   -> refuse files over 100 MB before anything is uploaded -> hash every file as git does -> upload blobs for the
 *   files GitHub does not have yet -> one tree (on top of the branch's tree) -> one commit -> move the branch
 *   -> record the result -> turn on GitHub Pages -> watch the Pages build for a little while.
 *
 * Nothing visible changes on GitHub until the branch moves, and the branch moves only once every object exists: a
 * publish that fails half-way leaves the previous site, and the previous record here, as they were, and publishing
 * again simply starts over (objects GitHub already has are not sent twice). A branch that someone else moved since
 * the last publish is not overwritten unless the student says so (`force`).
 *
 * A publish is a fixed point: what it records (the GitHub Pages address of each piece, the canonical home) never
 * changes the pages it publishes (a copy does not list itself among the places a piece was published), so
 * publishing again with nothing changed makes no commit and uploads nothing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { and, eq, inArray } from 'drizzle-orm';
import { PotluckError, notFound } from '../core/errors.ts';
import { isListedPublicly } from '../core/visibility.ts';
import type { AppContext } from '../server/context.ts';
import { artifacts, media, publishTargets, syndications, users, type User } from '../server/db/schema.ts';
import { inTransaction } from '../server/db/tx.ts';
import { createGitHubClient, isNotFound, type GitHubClient, type GitHubTuning, type GitHubWait } from '../server/github/client.ts';
import { openGitHubToken } from '../server/github/connections.ts';
import { GitHubError } from '../server/github/errors.ts';
import { gitBlobSha, gitBlobShaOfFile, listFolder } from '../server/github/gitObjects.ts';
import {
  createPublishJob,
  failJob,
  finishJob,
  jobProgressWriter,
  runningPublishJob,
  type JobRow,
  type PublishJobInput,
} from '../server/github/publishJobs.ts';
import { writeJobProgress } from '../server/jobs/queue.ts';
import { holdLease, runHeld, type JobHandler } from '../server/jobs/runner.ts';
import { pagesAddressOf, pagesSiteUrl } from '../server/github/targets.ts';
import { bumpContentVersion } from '../server/repositories/portfolio.ts';
import { exportSite, type ExportSiteProps } from './siteExporter.ts';
import { recordAudit } from '../server/audit/auditLog.ts';
import { logger } from '../server/logger.ts';
import { currentAuditScope } from '../server/audit/scope.ts';

/** GitHub refuses files larger than this (100 MiB). */
export const MAX_FILE_BYTES = 100 * 1024 * 1024;
/** The name shown for a GitHub Pages copy in an artifact's "Also published on": `GitHub Pages (maya.github.io/portfolio)`. */
export function syndicationName(siteUrl: string): string {
  return `GitHub Pages (${siteUrl.replace(/^https?:\/\//, '').replace(/\/+$/, '')})`;
}
/** A line in every commit Potluck makes, so a commit whose recording failed is recognised as ours next time. */
export const COMMIT_TRAILER = 'Potluck-Target:';

/** Where a publish is. */
export type PublishStep = 'check' | 'export' | 'hash' | 'upload' | 'tree' | 'commit' | 'ref' | 'pages' | 'build' | 'done';

/** Progress of a publish, for the job row, the page and the CLI. */
export interface PublishProgress {
  step: PublishStep;
  done?: number;
  total?: number;
  message: string;
}

export interface PublishSiteProps {
  userId: string;
  targetId: string;
  /** The GitHub token to publish with (the stored connection's, or GITHUB_TOKEN in the CLI). */
  token: string;
  /** Replace the branch even if someone else moved it since the last publish. */
  force?: boolean;
  /** How pages are rendered (see exportSite); default: the running web server. */
  renderer?: ExportSiteProps['renderer'];
  onProgress?: (progress: PublishProgress) => void;
  /** Waiting and retrying (tests shorten it). */
  tuning?: Partial<GitHubTuning>;
  /** How often and how long to look at the GitHub Pages build after the commit. */
  pagesBuild?: { polls: number; intervalMs: number };
  /** Blob uploads in flight at once. */
  uploadConcurrency?: number;
}

/** What a publish did. */
export interface PublishResult {
  targetId: string;
  owner: string;
  repo: string;
  branch: string;
  /** The commit the branch points to now. */
  commitSha: string;
  /** False when the site was already up to date (no commit was made). */
  committed: boolean;
  siteUrl: string;
  publishedAt: string;
  files: number;
  bytes: number;
  /** Files added, changed or removed by this publish. */
  filesChanged: number;
  filesRemoved: number;
  /** Blobs uploaded (files GitHub did not have yet). */
  blobsUploaded: number;
  /** Artifacts whose GitHub Pages address was recorded as a syndication. */
  syndicated: number;
  /** The Pages build status when Potluck stopped watching: built, building, queued, errored, or unknown. */
  pagesStatus: string;
  /** Something the student should know or do (Pages could not be turned on, the build failed). */
  warnings: string[];
}

interface SiteEntry {
  path: string;
  bytes: number;
  sha: string;
  /** The file of the export. */
  file: string;
}

interface PagesInfo {
  cname: string | null;
  build_type?: string | null;
  source?: { branch: string; path: string } | null;
  html_url?: string;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function loadTarget(app: AppContext, userId: string, targetId: string) {
  const target = app.db
    .select()
    .from(publishTargets)
    .where(and(eq(publishTargets.id, targetId), eq(publishTargets.userId, userId)))
    .get();
  if (!target) throw notFound('That publishing target');
  return target;
}

function formatBytes(bytes: number): string {
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Names the files over GitHub's limit the way the student knows them (the attachment's own file name). */
function tooLargeError(app: AppContext, files: { path: string; bytes: number }[]): PotluckError {
  const names = files.map((f) => {
    const id = /^media\/([^/]+)\//.exec(f.path)?.[1];
    const row = id ? app.db.select({ filename: media.filename }).from(media).where(eq(media.id, id)).get() : undefined;
    return row ? `“${row.filename}” (${f.path}, ${formatBytes(f.bytes)})` : `${f.path} (${formatBytes(f.bytes)})`;
  });
  return new PotluckError(
    'TOO_LARGE',
    `GitHub does not accept files over 100 MB, and your public site has ${names.length === 1 ? 'one' : names.length}: ${names.join(', ')}. ` +
      'Nothing was uploaded. Make the file smaller, link to it elsewhere, or make the work that uses it non-public, then publish again.',
  );
}

/** The commit the branch points to; null when it does not exist; 'empty' for a repository without any commit. */
async function branchHead(gh: GitHubClient, o: { owner: string; repo: string }, branch: string): Promise<string | null | 'empty'> {
  try {
    const { data } = await gh.rest.git.getRef({ ...o, ref: `heads/${branch}` });
    return data.object.sha;
  } catch (error) {
    if (isNotFound(error)) return null;
    if (error instanceof GitHubError && error.reason === 'empty-repository') return 'empty';
    throw error;
  }
}

async function readPages(gh: GitHubClient, o: { owner: string; repo: string }): Promise<{ pages: PagesInfo | null; problem: GitHubError | null }> {
  try {
    const { data } = await gh.rest.repos.getPages(o);
    return { pages: data as PagesInfo, problem: null };
  } catch (error) {
    if (isNotFound(error)) return { pages: null, problem: null };
    if (error instanceof GitHubError && error.reason === 'missing-permission') return { pages: null, problem: error };
    throw error;
  }
}

/** Runs `work` over `items` with at most `limit` at once; stops starting new work after a failure. */
async function eachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const lane = async () => {
    while (next < items.length && !failed) {
      const item = items[next++];
      try {
        await work(item);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const lanes = await Promise.allSettled(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
  const failure = lanes.find((l) => l.status === 'rejected');
  if (failure) throw (failure as PromiseRejectedResult).reason;
}

/**
 * Whether a syndication URL is an artifact page of the site at `base` (`<base><slug>/`): one segment below it, so a
 * user site (`https://maya.github.io/`) never claims the pages of a project site (`https://maya.github.io/notes/x/`).
 */
function isPageOf(base: string, url: string): boolean {
  return url.startsWith(base) && /^[^/]+\/$/.test(url.slice(base.length));
}

/**
 * Records a successful publish in one transaction: the target's last commit, tree and time; the GitHub Pages address
 * of every public artifact on the site as a syndication (and none for work that left it); and, when GitHub Pages is
 * the canonical home, the account's canonical base URL.
 */
function recordPublish(
  app: AppContext,
  props: { owner: User; targetId: string; canonical: boolean; siteUrl: string; commitSha: string; tree: Map<string, string>; changed: number; at: Date },
): number {
  return inTransaction(app, () => {
    // The address this target had before (a new custom domain, or GitHub Enterprise's own): its records go too.
    const previous = app.db.select({ siteUrl: publishTargets.siteUrl }).from(publishTargets).where(eq(publishTargets.id, props.targetId)).get()?.siteUrl;
    app.db
      .update(publishTargets)
      .set({
        lastCommitSha: props.commitSha,
        lastTree: Object.fromEntries(props.tree),
        lastPublishedAt: props.at,
        lastFilesChanged: props.changed,
        siteUrl: props.siteUrl,
      })
      .where(eq(publishTargets.id, props.targetId))
      .run();

    const own = app.db
      .select({ id: artifacts.id, slug: artifacts.slug, visibility: artifacts.visibility })
      .from(artifacts)
      .where(eq(artifacts.ownerId, props.owner.id))
      .all();
    const wanted = new Map<string, string>();
    for (const a of own) {
      if (isListedPublicly(a.visibility) && props.tree.has(`${a.slug}/index.html`)) {
        wanted.set(a.id, `${props.siteUrl}${encodeURIComponent(a.slug)}/`);
      }
    }
    const ids = own.map((a) => a.id);
    const existing = ids.length
      ? app.db
          .select({ artifactId: syndications.artifactId, url: syndications.url })
          .from(syndications)
          .where(inArray(syndications.artifactId, ids))
          .all()
          .filter((s) => [props.siteUrl, previous].some((base) => base && isPageOf(base, s.url)))
      : [];
    let changes = 0;
    for (const s of existing) {
      if (wanted.get(s.artifactId) === s.url) continue;
      app.db.delete(syndications).where(and(eq(syndications.artifactId, s.artifactId), eq(syndications.url, s.url))).run();
      changes++;
    }
    const have = new Set(existing.map((s) => `${s.artifactId} ${s.url}`));
    for (const [artifactId, url] of wanted) {
      if (have.has(`${artifactId} ${url}`)) continue;
      app.db.insert(syndications).values({ artifactId, url, name: syndicationName(props.siteUrl), createdAt: props.at }).onConflictDoNothing().run();
      changes++;
    }
    if (props.canonical) {
      const home = props.siteUrl.replace(/\/+$/, '');
      if (props.owner.canonicalBaseUrl !== home) {
        app.db.update(users).set({ canonicalBaseUrl: home }).where(eq(users.id, props.owner.id)).run();
        changes++;
      }
    }
    if (changes) bumpContentVersion(app, props.owner.id);
    return wanted.size;
  });
}

/** Publishes the student's public site to a publish target; see the module comment for the steps. */
export async function publishSite(app: AppContext, props: PublishSiteProps): Promise<PublishResult> {
  const target = loadTarget(app, props.userId, props.targetId);
  const owner = app.db.select().from(users).where(eq(users.id, props.userId)).get();
  if (!owner || owner.disabledAt) throw notFound('That account');
  const o = { owner: target.owner, repo: target.repo };
  const branch = target.branch;
  const full = `${target.owner}/${target.repo}`;
  let step: PublishStep = 'check';
  const report = (progress: Omit<PublishProgress, 'step'> & { step?: PublishStep }) => {
    if (progress.step) step = progress.step;
    props.onProgress?.({ ...progress, step });
  };
  const gh = createGitHubClient({
    baseUrl: app.config.githubApiUrl,
    token: props.token,
    tuning: props.tuning,
    onWait: (wait: GitHubWait) => report({ message: wait.message }),
  });
  const warnings: string[] = [];

  // 1. The repository, its Pages settings and the branch: cheap checks before the slow export.
  report({ step: 'check', message: `Checking ${full} on GitHub…` });
  const repository = (await gh.rest.repos.get(o)).data;
  const pagesRead = await readPages(gh, o);
  let pages = pagesRead.pages;
  // A custom domain set on GitHub (not here) is kept: dropping its CNAME file would take the domain away.
  const domain = target.domain ?? pages?.cname ?? null;
  if (!target.domain && domain) warnings.push(`GitHub Pages uses the custom domain ${domain} (set on GitHub); Potluck kept it.`);
  // Where GitHub says the site is, when Pages is already on (on GitHub Enterprise it is not github.io); else the
  // github.io address, which a new Pages site on github.com gets.
  const siteUrl = (!domain && pagesAddressOf(pages)) || pagesSiteUrl({ owner: target.owner, repo: target.repo, domain });

  let head = await branchHead(gh, o, branch);
  let adopted = false;
  let initialTree: Map<string, string> | null = null;
  if (head === 'empty') {
    // The Git Data API cannot write to a repository without any commit; a first file through the contents API
    // starts it. Only the default branch can be started this way.
    report({ message: `${full} is empty; starting it with a first commit…` });
    const { data } = await gh.rest.repos.createOrUpdateFileContents({
      ...o,
      path: '.nojekyll',
      message: 'Start the GitHub Pages site (Potluck)',
      content: '',
    });
    const started = data.commit.sha ?? null;
    head = branch === repository.default_branch ? started : await branchHead(gh, o, branch).then((h) => (h === 'empty' ? null : h));
    if (head && head === started) {
      adopted = true;
      initialTree = new Map([['.nojekyll', gitBlobSha(new Uint8Array())]]);
    }
  }

  let headCommit: { tree: string; message: string; parents: string[] } | null = null;
  if (head) {
    const { data } = await gh.rest.git.getCommit({ ...o, commit_sha: head });
    headCommit = { tree: data.tree.sha, message: data.message, parents: data.parents.map((p) => p.sha) };
    // Our own commit whose recording here failed (the answer to "move the branch" was lost) is not someone else's.
    const ours =
      headCommit.message.includes(`${COMMIT_TRAILER} ${target.id}`) &&
      (target.lastCommitSha === null || headCommit.parents.includes(target.lastCommitSha));
    if (head !== target.lastCommitSha && ours) adopted = true;
  }
  const moved = head !== null && head !== target.lastCommitSha && !adopted;
  if (moved && !props.force) {
    const short = head!.slice(0, 7);
    throw new PotluckError(
      'CONFLICT',
      target.lastCommitSha
        ? `The branch ${branch} of ${full} has changed since Potluck last published (it is now at commit ${short}, not ${target.lastCommitSha.slice(0, 7)}): someone pushed to it. ` +
            'Publishing would replace those changes, so nothing was done. Look at the branch on GitHub; to replace it with your site anyway, publish again with “Replace what is on the branch” (--force).'
        : `The branch ${branch} of ${full} already has commits that Potluck did not make (it is at ${short}). ` +
            'Publishing would replace its files with your site, so nothing was done. Choose another branch, or publish again with “Replace what is on the branch” (--force).',
    );
  }

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'potluck-publish-'));
  try {
    // 2. The static site, built for its address on GitHub Pages when that is the canonical home.
    const siteDir = path.join(work, 'site');
    report({ step: 'export', message: 'Building your site…' });
    // The copy's own addresses (now and before a change of domain), when its canonical home is elsewhere.
    const previous = target.siteUrl && target.siteUrl !== siteUrl ? [target.siteUrl] : [];
    await exportSite(app, {
      handle: owner.handle,
      audit: false,
      base: target.canonical ? siteUrl : undefined,
      domain,
      servedAt: [siteUrl, ...previous],
      out: { kind: 'dir', path: siteDir },
      renderer: props.renderer,
      onProgress: (p) =>
        report({
          step: 'export',
          done: p.done,
          total: p.total,
          message: p.phase === 'render' ? `Building your site: ${p.done} of ${p.total} pages and files` : `Writing your site: ${p.done} of ${p.total} files`,
        }),
    });

    // 3. Every file, refused before anything is uploaded when one is over GitHub's limit, then hashed as git does.
    const listing = listFolder(siteDir);
    const tooLarge = listing.filter((f) => f.bytes > MAX_FILE_BYTES);
    if (tooLarge.length) throw tooLargeError(app, tooLarge);
    const entries: SiteEntry[] = [];
    let hashed = 0;
    for (const f of listing) {
      const file = path.join(siteDir, ...f.path.split('/'));
      const { sha, bytes } = await gitBlobShaOfFile(file);
      entries.push({ path: f.path, bytes, sha, file });
      report({ step: 'hash', done: ++hashed, total: listing.length, message: `Checking files: ${hashed} of ${listing.length}` });
    }

    // 4. What GitHub has: the last published tree when the branch is where we left it, else the branch's own tree.
    let known = new Map<string, string>();
    let baseTree: string | null = null;
    if (head && headCommit) {
      if (!moved && !adopted && target.lastTree && head === target.lastCommitSha) {
        known = new Map(Object.entries(target.lastTree));
        baseTree = headCommit.tree;
      } else if (initialTree) {
        known = initialTree;
        baseTree = headCommit.tree;
      } else {
        report({ message: `Reading the files on ${branch}…` });
        const { data } = await gh.rest.git.getTree({ ...o, tree_sha: headCommit.tree, recursive: '1' });
        for (const item of data.tree) if (item.type === 'blob' && item.path && item.sha) known.set(item.path, item.sha);
        // A listing GitHub cut short cannot tell what to delete: then the new tree lists every file itself.
        baseTree = data.truncated ? null : headCommit.tree;
      }
    }
    const wanted = new Map(entries.map((e) => [e.path, e.sha]));
    const changed = entries.filter((e) => known.get(e.path) !== e.sha);
    const removed = baseTree ? [...known.keys()].filter((p) => !wanted.has(p)) : [];
    const present = new Set(known.values());
    const uploads = [...new Map(changed.filter((e) => !present.has(e.sha)).map((e) => [e.sha, e])).values()];

    let commitSha = head ?? '';
    let committed = false;
    let uploaded = 0;
    if (!head || changed.length > 0 || removed.length > 0 || !baseTree) {
      // 5. Blobs GitHub does not have yet; each answer must name the same object we computed.
      report({ step: 'upload', done: 0, total: uploads.length, message: `Uploading changed files: 0 of ${uploads.length}` });
      await eachLimited(uploads, props.uploadConcurrency ?? 4, async (entry) => {
        const bytes = await fs.promises.readFile(entry.file);
        const { data } = await gh.rest.git.createBlob({ ...o, content: bytes.toString('base64'), encoding: 'base64' });
        if (data.sha !== entry.sha) {
          throw new PotluckError('CONFLICT', `GitHub stored ${entry.path} as ${data.sha}, not ${entry.sha} as expected, so nothing was published. Try again.`);
        }
        uploaded++;
        report({ step: 'upload', done: uploaded, total: uploads.length, message: `Uploading changed files: ${uploaded} of ${uploads.length}` });
      });

      // 6. One tree on top of the branch's tree: changed files, and removed ones (sha null).
      report({ step: 'tree', message: `Building the folder tree (${changed.length} changed, ${removed.length} removed)…` });
      const treeEntries = (baseTree ? changed : entries).map((e) => ({ path: e.path, mode: '100644' as const, type: 'blob' as const, sha: e.sha }));
      const deletions = removed.map((p) => ({ path: p, mode: '100644' as const, type: 'blob' as const, sha: null }));
      const tree = (await gh.rest.git.createTree({ ...o, tree: [...treeEntries, ...deletions], ...(baseTree ? { base_tree: baseTree } : {}) })).data;

      if (headCommit && tree.sha === headCommit.tree) {
        // Same files as the branch already has (e.g. the branch was our own unrecorded commit): nothing to commit.
        commitSha = head!;
      } else {
        // 7. The commit, then the branch: the only step that changes what GitHub Pages serves.
        report({ step: 'commit', message: 'Making the commit…' });
        const message = `Publish portfolio from Potluck\n\n${changed.length} file(s) changed, ${removed.length} removed.\n\n${COMMIT_TRAILER} ${target.id}\n`;
        const commit = (await gh.rest.git.createCommit({ ...o, message, tree: tree.sha, parents: head ? [head] : [] })).data;
        report({ step: 'ref', message: `Moving ${branch} to the new commit…` });
        try {
          if (head) await gh.rest.git.updateRef({ ...o, ref: `heads/${branch}`, sha: commit.sha, force: false });
          else await gh.rest.git.createRef({ ...o, ref: `refs/heads/${branch}`, sha: commit.sha });
        } catch (error) {
          if (error instanceof GitHubError && error.reason === 'refused') {
            throw new PotluckError(
              'CONFLICT',
              `Someone changed the branch ${branch} of ${full} while Potluck was publishing, so it was left as they made it. Publish again.`,
              { cause: error },
            );
          }
          if (error instanceof GitHubError && error.reason === 'network') {
            throw new PotluckError(
              'CONFLICT',
              `The connection to GitHub failed while moving ${branch} to the new commit, so it is not known whether your site already shows the new version. Publish again: Potluck recognises its own commit and finishes the job.`,
              { cause: error },
            );
          }
          throw error;
        }
        commitSha = commit.sha;
        committed = true;
      }
    }

    // 8. The record: from here on the new site is the published one.
    const at = app.now();
    const syndicated = recordPublish(app, {
      owner,
      targetId: target.id,
      canonical: target.canonical,
      siteUrl,
      commitSha,
      tree: wanted,
      changed: committed ? changed.length + removed.length : 0,
      at,
    });

    // 9. GitHub Pages on the branch (and the custom domain), then a look at the build. Problems here are warnings:
    // the commit is on GitHub, and Pages can also be switched on by hand.
    let pagesStatus = 'unknown';
    report({ step: 'pages', message: 'Turning on GitHub Pages…' });
    try {
      if (pagesRead.problem) throw pagesRead.problem;
      if (!pages) {
        try {
          pages = (await gh.rest.repos.createPagesSite({ ...o, build_type: 'legacy', source: { branch, path: '/' } })).data as PagesInfo;
        } catch (error) {
          // 409: Pages was switched on meanwhile; read it again.
          if (!(error instanceof GitHubError && error.githubStatus === 409)) throw error;
          pages = (await gh.rest.repos.getPages(o)).data as PagesInfo;
        }
      }
      if (pages.build_type === 'workflow' || pages.source?.branch !== branch || pages.source?.path !== '/') {
        await gh.rest.repos.updateInformationAboutPagesSite({ ...o, build_type: 'legacy', source: { branch, path: '/' } });
        const before = pages.build_type === 'workflow' ? 'a GitHub Actions workflow' : `${pages.source?.branch ?? 'another branch'} (${pages.source?.path ?? '/'})`;
        warnings.push(`GitHub Pages was publishing from ${before}; Potluck switched it to the branch ${branch}.`);
      }
      if (domain && pages.cname !== domain) await gh.rest.repos.updateInformationAboutPagesSite({ ...o, cname: domain });
      const served = pagesAddressOf(pages);
      if (!domain && served && served !== siteUrl) {
        warnings.push(`GitHub Pages serves this site at ${served}, not ${siteUrl}. Publish again, so that its links and feeds use that address.`);
      }
      const polls = props.pagesBuild?.polls ?? 6;
      const interval = props.pagesBuild?.intervalMs ?? 5_000;
      for (let i = 0; i < polls; i++) {
        try {
          const { data } = await gh.rest.repos.getLatestPagesBuild(o);
          const ours = !data.commit || data.commit === commitSha;
          pagesStatus = ours ? data.status ?? 'unknown' : 'queued';
          if (ours && data.status === 'errored') {
            warnings.push(`GitHub Pages could not build the site: ${data.error?.message ?? 'no reason given'}. Look at the repository's Settings → Pages.`);
          }
        } catch (error) {
          if (!isNotFound(error)) throw error;
          pagesStatus = 'queued';
        }
        report({ step: 'build', message: `GitHub Pages build: ${pagesStatus}` });
        if (pagesStatus === 'built' || pagesStatus === 'errored') break;
        if (i < polls - 1) await sleep(interval);
      }
    } catch (error) {
      if (!(error instanceof GitHubError)) throw error;
      warnings.push(
        `Your site is on the branch ${branch}, but Potluck could not finish setting up GitHub Pages: ${error.message} ` +
          `You can also turn it on in the repository's Settings → Pages (branch ${branch}, folder / (root)).`,
      );
    }

    const result: PublishResult = {
      targetId: target.id,
      owner: target.owner,
      repo: target.repo,
      branch,
      commitSha,
      committed,
      siteUrl,
      publishedAt: at.toISOString(),
      files: entries.length,
      bytes: entries.reduce((sum, e) => sum + e.bytes, 0),
      filesChanged: committed ? changed.length + removed.length : 0,
      filesRemoved: committed ? removed.length : 0,
      blobsUploaded: uploaded,
      syndicated,
      pagesStatus,
      warnings,
    };
    report({
      step: 'done',
      message: committed ? `Published ${result.filesChanged} changed file(s) to ${siteUrl}` : `Your site on ${siteUrl} was already up to date.`,
    });
    return result;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** Who publishes, for the audit log: on the web only the student themselves; at the shell the operator. */
function publishActor(userId: string): { id: string } | null {
  return currentAuditScope()?.address === 'cli' ? null : { id: userId };
}

/** The sentence a failed publish leaves in its job. */
export function publishFailureMessage(error: unknown): string {
  if (error instanceof PotluckError) return error.message;
  return `Publishing stopped because of an unexpected problem (${error instanceof Error ? error.message : String(error)}). Publish again; if it keeps happening, tell your Potluck admin.`;
}

/** Runs a publish as a job row this node holds (progress, result or error); rethrows a failure after recording it. */
export async function runPublishJob(app: AppContext, jobId: string, props: PublishSiteProps): Promise<PublishResult> {
  const write = jobProgressWriter(app, jobId);
  const lease = holdLease(app, jobId);
  try {
    const result = await publishSite(app, {
      ...props,
      onProgress: (p) => {
        write(p);
        props.onProgress?.(p);
      },
    });
    finishJob(app, jobId, { ...result }, { step: 'done', message: 'Done' });
    recordAudit(app, { action: 'publish.github', actor: publishActor(props.userId), subject: { type: 'publishTarget', id: result.targetId }, subjectUser: { id: props.userId }, details: { repository: `${result.owner}/${result.repo}`, branch: result.branch, commit: result.commitSha, committed: result.committed, filesChanged: result.filesChanged } });
    return result;
  } catch (error) {
    failJob(app, jobId, publishFailureMessage(error));
    recordAudit(app, { action: 'publish.github', outcome: 'failed', actor: publishActor(props.userId), subject: { type: 'publishTarget', id: props.targetId }, subjectUser: { id: props.userId }, details: { reason: publishFailureMessage(error) } });
    throw error;
  } finally {
    lease.end();
  }
}

/**
 * Starts a job row for a publish, held by this node, refusing while another publish of the same student runs.
 * `token` says where the token comes from: the stored connection (any node can take the publish over) or the
 * command's environment (only that command can run it).
 */
export function beginPublishJob(app: AppContext, props: { userId: string; targetId: string; force?: boolean; token?: PublishJobInput['token'] }): JobRow {
  const target = loadTarget(app, props.userId, props.targetId);
  return inTransaction(app, () => {
    if (runningPublishJob(app, props.userId)) {
      throw new PotluckError('CONFLICT', 'A publish is already running. Wait for it to finish (its progress is on the Publish page), then publish again.');
    }
    return createPublishJob(
      app,
      props.userId,
      { targetId: target.id, force: Boolean(props.force), token: props.token ?? 'environment' },
      { targetId: target.id, owner: target.owner, repo: target.repo, branch: target.branch },
    );
  });
}

/**
 * A publish another node started and did not finish (its lease ended): run again from the start with the student's
 * stored token. Publishing again is safe at any point: the objects GitHub has are not sent twice, and a commit the
 * first node made and moved the branch to is recognised as this target's own, so the second run makes none.
 */
export const publishJobHandler: JobHandler = async (app, job) => {
  const input = job.input as Partial<PublishJobInput> | null;
  if (!job.userId || !input?.targetId) {
    failJob(app, job.id, 'This publish has no target to publish to. Publish again from the Publish page.');
    return;
  }
  if (input.token !== 'connection') {
    failJob(app, job.id, 'This publish was started from the command line, and that command stopped before it ended. Run it again.');
    return;
  }
  let token: string;
  try {
    token = openGitHubToken(app, job.userId).token;
  } catch (error) {
    failJob(app, job.id, publishFailureMessage(error));
    return;
  }
  writeJobProgress(app, job.id, { step: 'queued', message: `The server publishing this stopped; another server is publishing it again (attempt ${job.attempts})…` });
  await runPublishJob(app, job.id, { userId: job.userId, targetId: input.targetId, force: Boolean(input.force), token }).catch((error: unknown) =>
    logger.warn('A publish to GitHub Pages failed', { component: 'publish', jobId: job.id, reason: publishFailureMessage(error) }),
  );
};

/**
 * The Publish button: starts a publish with the student's stored GitHub token in the background of this server and
 * returns its job at once; the page follows the job's progress. If this server dies before the publish ends,
 * another node takes it over when its lease ends (src/server/jobs/runner.ts).
 */
export function startPublish(
  app: AppContext,
  props: Omit<PublishSiteProps, 'token' | 'onProgress'>,
): JobRow {
  const { token } = openGitHubToken(app, props.userId);
  const job = beginPublishJob(app, { ...props, token: 'connection' });
  // The failure is in the job row (the student sees it) and in the server's log; nothing waits for this promise.
  void runHeld(app, job, () =>
    runPublishJob(app, job.id, { ...props, token }).catch((error: unknown) =>
      logger.warn('A publish to GitHub Pages failed', { component: 'publish', jobId: job.id, reason: publishFailureMessage(error) }),
    ),
  );
  return job;
}
