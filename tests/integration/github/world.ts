/**
 * What the publishing tests share: a real Potluck server (pages are rendered by it), the local GitHub held to
 * GitHub's description, a context whose GITHUB_API_URL points at that GitHub, a small portfolio, and the static
 * export of the same portfolio to compare the published branch with.
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { exportSite } from '../../../src/commands/siteExporter.ts';
import { uploadMedia } from '../../../src/commands/mediaUploader.ts';
import type { AppContext } from '../../../src/server/context.ts';
import type { Artifact, Media, User } from '../../../src/server/db/schema.ts';
import { loopbackRenderer, type Renderer } from '../../../src/server/export/renderer.ts';
import type { GitHubTuning } from '../../../src/server/github/client.ts';
import { listFolder } from '../../../src/server/github/gitObjects.ts';
import { staticRenderToken } from '../../../src/server/http/renderMode.ts';
import { markdownFor } from '../../../src/server/media/urls.ts';
import { fixture } from '../../fixtures/media/generate.ts';
import { makeArtifact, makeUser } from '../../helpers/factories.ts';
import { startGitHubServer, type GitHubTestServer } from '../../helpers/githubServer.ts';
import { startServer, tempDataDir, type TestServer } from '../../helpers/server.ts';

/** Short pauses, so that retries are tested without long waits. */
export const FAST: Partial<GitHubTuning> = { networkBackoffMs: [20, 20], secondaryWaitMs: 200 };
/** Look at the Pages build once. */
export const ONE_LOOK = { polls: 1, intervalMs: 10 };

export interface World {
  server: TestServer;
  gh: GitHubTestServer;
  /** A context on the server's database that talks to the local GitHub. */
  app: AppContext;
  renderer: Renderer;
  work: string;
  stop(): Promise<void>;
}

/** Starts Potluck and the local GitHub; the Potluck server also talks to that GitHub. */
export async function startWorld(): Promise<World> {
  // The server process inherits the static render token, so this process can render through it.
  staticRenderToken();
  const gh = await startGitHubServer();
  const server = await startServer({ env: { GITHUB_API_URL: gh.url } });
  const app: AppContext = { ...server.app, config: { ...server.app.config, githubApiUrl: gh.url } };
  const work = tempDataDir('potluck-publish-test-');
  return {
    server,
    gh,
    app,
    renderer: loopbackRenderer(server.url),
    work,
    async stop() {
      await server.stop();
      await gh.close();
      fs.rmSync(work, { recursive: true, force: true });
    },
  };
}

export interface Portfolio {
  owner: User;
  picture: Media;
  pdf: Media;
  publicWork: Artifact[];
  privateWork: Artifact[];
}

/** A small portfolio: four public pieces (a picture, an attachment, tags), one private and one members-only. */
export async function makePortfolio(app: AppContext, handle: string): Promise<Portfolio> {
  const owner = await makeUser(app, { handle, name: `${handle} López` });
  const png = await sharp({ create: { width: 640, height: 400, channels: 3, background: { r: 30, g: 120, b: 200 } } }).png().toBuffer();
  const picture = await uploadMedia(app, { ownerId: owner.id, file: { name: 'river.png', bytes: png }, alt: 'The river at dawn' });
  const pdf = await uploadMedia(app, { ownerId: owner.id, file: { name: 'lab report.pdf', bytes: fixture('tiny.pdf') } });
  const day = 86_400_000;
  const at = (n: number) => new Date(Date.UTC(2024, 2, 1) + n * day);
  const publicWork = [
    await makeArtifact(app, owner, { title: 'River walk', slug: 'river-walk', visibility: 'public', body: `We walked. #field\n\n${markdownFor(picture)}`, tags: ['field'], date: at(1) }),
    await makeArtifact(app, owner, { title: 'Lab report', slug: 'lab-report', visibility: 'public', body: `The report: ${markdownFor(pdf)}`, tags: ['science'], date: at(2) }),
    await makeArtifact(app, owner, { title: 'A poem', slug: 'poem', visibility: 'public', body: 'Water remembers\nthe shape of stones.', date: at(3) }),
    await makeArtifact(app, owner, { title: 'Notes', slug: 'notes', visibility: 'public', body: 'Things I noticed. #field', tags: ['field'], date: at(4) }),
  ];
  const privateWork = [
    await makeArtifact(app, owner, { title: 'Diary', slug: 'diary', visibility: 'private', body: 'Mine alone.', date: at(5) }),
    await makeArtifact(app, owner, { title: 'Draft', slug: 'draft', visibility: 'members', body: 'For my class.', date: at(6) }),
  ];
  return { owner, picture, pdf, publicWork, privateWork };
}

/**
 * The static export of a portfolio as it should appear on the branch: every file of the export for the same base
 * and domain (`.nojekyll` and `CNAME` among them), nothing added.
 */
export async function expectedBranch(
  world: World,
  handle: string,
  options: { base?: string; domain?: string; servedAt?: string[] } = {},
): Promise<Map<string, Buffer>> {
  const dir = fs.mkdtempSync(path.join(world.work, 'export-'));
  const site = path.join(dir, 'site');
  await exportSite(world.app, { handle, base: options.base, domain: options.domain, servedAt: options.servedAt, out: { kind: 'dir', path: site }, renderer: world.renderer });
  const files = new Map(listFolder(site).map((f) => [f.path, fs.readFileSync(path.join(site, ...f.path.split('/')))]));
  fs.rmSync(dir, { recursive: true, force: true });
  return files;
}

/** Paths whose bytes differ between two trees (added, changed or removed), sorted. */
export function changedPaths(before: Map<string, Buffer>, after: Map<string, Buffer>): string[] {
  const out = new Set<string>();
  for (const [p, bytes] of after) if (!before.get(p)?.equals(bytes)) out.add(p);
  for (const p of before.keys()) if (!after.has(p)) out.add(p);
  return [...out].sort();
}
