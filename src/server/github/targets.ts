/**
 * Where a site goes on GitHub Pages: the rules for repository, branch and custom-domain names (checked before any
 * request, with messages a student can act on), and the address GitHub Pages serves a repository at.
 */
import { z } from 'zod';

const OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const REPO = /^[A-Za-z0-9._-]{1,100}$/;

export const ownerSchema = z
  .string()
  .trim()
  .regex(OWNER, 'Enter a GitHub account name: letters, digits and dashes, like “maya-lopez”.');

export const repoSchema = z
  .string()
  .trim()
  .transform((v) => v.replace(/\.git$/i, ''))
  .pipe(
    z
      .string()
      .regex(REPO, 'A repository name has letters, digits, “.”, “-” and “_” only (at most 100), like “portfolio”.')
      .refine((v) => v !== '.' && v !== '..', 'Choose a repository name other than “.” or “..”.'),
  );

export const branchSchema = z
  .string()
  .trim()
  .max(100, 'Keep the branch name under 100 characters.')
  .refine(
    (v) =>
      /^[A-Za-z0-9._/-]+$/.test(v) &&
      !v.startsWith('-') &&
      !v.startsWith('/') &&
      !v.endsWith('/') &&
      !v.endsWith('.') &&
      !v.endsWith('.lock') &&
      !v.includes('..') &&
      !v.includes('//') &&
      !v.split('/').some((part) => part.startsWith('.')),
    'Enter a branch name like “gh-pages” (letters, digits, “-”, “_”, “.” and “/”).',
  );

/** A host name: labels of letters, digits and dashes between dots, ending in a top-level name. */
export const domainPattern = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/;

/** A custom domain as typed ("https://Maya.Example.org/" is accepted as "maya.example.org"), or null for none. */
export const domainSchema = z
  .string()
  .trim()
  .transform((v) => v.replace(/^https?:\/\//i, '').replace(/\/+$/, '').toLowerCase())
  .pipe(
    z.union([
      z.literal('').transform(() => null),
      z
        .string()
        .max(253, 'That domain is too long.')
        .regex(
          domainPattern,
          'Enter a domain name only, like “maya.example.org” (no https://, no path).',
        )
        .refine((v) => !/(^|\.)github\.io$/.test(v), 'A github.io address is not a custom domain; leave the domain empty.'),
    ]),
  );

/** "owner/repo" as the CLI and the form take it. */
export function parseRepository(value: string): { owner: string; repo: string } | { error: string } {
  const cleaned = value
    .trim()
    .replace(/^https?:\/\/github\.com\//i, '')
    .replace(/\/+$/, '');
  const [owner, repo, ...rest] = cleaned.split('/');
  if (!owner || !repo || rest.length) return { error: 'Give the repository as OWNER/NAME, like “maya/portfolio”.' };
  const o = ownerSchema.safeParse(owner);
  if (!o.success) return { error: o.error.issues[0].message };
  const r = repoSchema.safeParse(repo);
  if (!r.success) return { error: r.error.issues[0].message };
  return { owner: o.data, repo: r.data };
}

/** Whether a repository is the account's user site (`<owner>.github.io`), served at the root of that host. */
export function isUserSiteRepo(owner: string, repo: string): boolean {
  return repo.toLowerCase() === `${owner.toLowerCase()}.github.io`;
}

/**
 * The address GitHub Pages gave a site (`html_url` of its Pages settings), ending in '/'; null when there is none or it
 * is not a web address. On GitHub Enterprise Server it is not on github.io (`https://pages.school.example/owner/repo/`).
 */
export function pagesAddressOf(pages: { html_url?: string | null } | null): string | null {
  if (!pages?.html_url) return null;
  try {
    const url = new URL(pages.html_url);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
    url.search = '';
    url.hash = '';
    return url.href.endsWith('/') ? url.href : `${url.href}/`;
  } catch {
    return null;
  }
}

/**
 * The address GitHub Pages serves a repository at, ending in '/', when GitHub has not said: the custom domain, the user site
 * (`https://<owner>.github.io/`), or a project site (`https://<owner>.github.io/<repo>/`).
 */
export function pagesSiteUrl(target: { owner: string; repo: string; domain?: string | null }): string {
  if (target.domain) return `https://${target.domain}/`;
  const host = `${target.owner.toLowerCase()}.github.io`;
  return isUserSiteRepo(target.owner, target.repo) ? `https://${host}/` : `https://${host}/${target.repo}/`;
}
