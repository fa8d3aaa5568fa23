/**
 * Choosing where a site is published on GitHub: an existing repository, or a new one created in the student's
 * account (`<login>.github.io` for a user site, or a name they choose), a branch, an optional custom domain, and
 * whether GitHub Pages becomes the canonical home of their work. The repository is checked with GitHub before the
 * target is kept; with `check`, so are the token's permissions on it (Contents write, Pages read), each named.
 */
import { and, eq, ne } from 'drizzle-orm';
import { z } from 'zod';
import { PotluckError, invalid, issuesFromZod } from '../core/errors.ts';
import type { AppContext } from '../server/context.ts';
import { publishTargets, users } from '../server/db/schema.ts';
import { inTransaction } from '../server/db/tx.ts';
import { createGitHubClient, isNotFound, type GitHubTuning } from '../server/github/client.ts';
import { GitHubError } from '../server/github/errors.ts';
import { branchSchema, domainSchema, ownerSchema, pagesSiteUrl, repoSchema } from '../server/github/targets.ts';
import { bumpContentVersion } from '../server/repositories/portfolio.ts';

/** The branch GitHub Pages sites are usually published from. */
export const DEFAULT_BRANCH = 'gh-pages';

export const publishTargetInputSchema = z.object({
  owner: ownerSchema,
  repo: repoSchema,
  branch: branchSchema.optional(),
  domain: domainSchema.nullish(),
  canonical: z.boolean().default(false),
  /** Create the repository (in the token owner's account) instead of using an existing one. */
  create: z.boolean().default(false),
});
export type PublishTargetInput = z.input<typeof publishTargetInputSchema>;

export type PublishTarget = typeof publishTargets.$inferSelect;

export interface SavePublishTargetProps {
  userId: string;
  input: PublishTargetInput;
  token: string;
  /** Also check the token's permissions on the repository (the page does; the CLI lets the publish report them). */
  check?: boolean;
  tuning?: Partial<GitHubTuning>;
}

export interface SavePublishTargetResult {
  target: PublishTarget;
  /** True when Potluck created the repository. */
  createdRepository: boolean;
  /** Things that will not stop a publish but that the student should fix (Pages permission). */
  warnings: string[];
}

/** Checks a target with GitHub (creating the repository when asked) and keeps it for the student. */
export async function savePublishTarget(app: AppContext, props: SavePublishTargetProps): Promise<SavePublishTargetResult> {
  const parsed = publishTargetInputSchema.safeParse(props.input);
  if (!parsed.success) throw invalid(issuesFromZod(parsed.error));
  const input = parsed.data;
  const branch = input.branch ?? DEFAULT_BRANCH;
  const domain = input.domain ?? null;
  const o = { owner: input.owner, repo: input.repo };
  const gh = createGitHubClient({ baseUrl: app.config.githubApiUrl, token: props.token, tuning: props.tuning });
  const warnings: string[] = [];

  let createdRepository = false;
  if (input.create) {
    const login = (await gh.rest.users.getAuthenticated()).data.login;
    if (login.toLowerCase() !== input.owner.toLowerCase()) {
      throw invalid([
        {
          field: 'repo',
          message: `Potluck can create repositories only in your own account (${login}). Create ${input.owner}/${input.repo} on GitHub first, then choose it as an existing repository.`,
        },
      ]);
    }
    let exists = false;
    try {
      await gh.rest.repos.get(o);
      exists = true;
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    if (exists) {
      throw new PotluckError('CONFLICT', `You already have a repository called “${input.repo}”. Choose it as an existing repository instead of creating a new one.`);
    }
    await gh.rest.repos.createForAuthenticatedUser({
      name: input.repo,
      description: 'My portfolio, published from Potluck',
      homepage: pagesSiteUrl({ ...o, domain }),
      // GitHub Pages is free for public repositories.
      private: false,
      // A repository without any commit cannot take Git Data API writes; GitHub's README start avoids that.
      auto_init: true,
      has_issues: false,
      has_projects: false,
      has_wiki: false,
    });
    createdRepository = true;
  } else {
    await gh.rest.repos.get(o);
  }

  if (props.check) {
    try {
      await gh.rest.repos.getPages(o);
    } catch (error) {
      if (error instanceof GitHubError && error.reason === 'missing-permission') warnings.push(error.message);
      else if (!isNotFound(error)) throw error;
    }
    try {
      // The empty blob: harmless to write (every repository may hold it), and it proves "Contents: Read and write".
      await gh.rest.git.createBlob({ ...o, content: '', encoding: 'utf-8' });
    } catch (error) {
      if (!(error instanceof GitHubError && error.reason === 'empty-repository')) throw error;
    }
  }

  const target = inTransaction(app, () => {
    const mine = app.db.select().from(publishTargets).where(eq(publishTargets.userId, props.userId)).all();
    const existing = mine.find((t) => t.owner.toLowerCase() === input.owner.toLowerCase() && t.repo.toLowerCase() === input.repo.toLowerCase());
    let id: string;
    if (existing) {
      id = existing.id;
      // Another branch is another history: what was published on the old one says nothing about the new one.
      const sameBranch = existing.branch === branch;
      app.db
        .update(publishTargets)
        .set({
          owner: input.owner,
          repo: input.repo,
          branch,
          domain,
          canonical: input.canonical,
          ...(sameBranch ? {} : { lastCommitSha: null, lastTree: null }),
        })
        .where(eq(publishTargets.id, id))
        .run();
    } else {
      id = app.newId();
      app.db
        .insert(publishTargets)
        .values({ id, userId: props.userId, owner: input.owner, repo: input.repo, branch, domain, canonical: input.canonical, createdAt: app.now() })
        .run();
    }
    if (input.canonical) {
      app.db
        .update(publishTargets)
        .set({ canonical: false })
        .where(and(eq(publishTargets.userId, props.userId), ne(publishTargets.id, id)))
        .run();
    } else if (existing?.siteUrl) {
      // No longer the canonical home: hosted pages point back at this instance (or the profile's own choice).
      const user = app.db.select({ canonicalBaseUrl: users.canonicalBaseUrl }).from(users).where(eq(users.id, props.userId)).get();
      if (user?.canonicalBaseUrl === existing.siteUrl.replace(/\/+$/, '')) {
        app.db.update(users).set({ canonicalBaseUrl: null }).where(eq(users.id, props.userId)).run();
        bumpContentVersion(app, props.userId);
      }
    }
    return app.db.select().from(publishTargets).where(eq(publishTargets.id, id)).get()!;
  });
  return { target, createdRepository, warnings };
}

/** A student's publish targets, the canonical one first. */
export function listPublishTargets(app: AppContext, userId: string): PublishTarget[] {
  return app.db
    .select()
    .from(publishTargets)
    .where(eq(publishTargets.userId, userId))
    .all()
    .sort((a, b) => Number(b.canonical) - Number(a.canonical) || a.createdAt.getTime() - b.createdAt.getTime());
}
