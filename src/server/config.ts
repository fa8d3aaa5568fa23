/** Configuration from the environment, read and validated in one place (DESIGN.md "Interfaces"). */
import path from 'node:path';
import { z } from 'zod';
import { PotluckError } from '../core/errors.ts';
import { parseTrustedProxies, type TrustedProxies } from './net/clientAddress.ts';

const flag = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', ''])
  .optional()
  .transform((v) => v === '1' || v === 'true' || v === 'yes');

const envSchema = z.object({
  POTLUCK_DATA: z.string().min(1).default('./data'),
  POTLUCK_MEDIA_DIR: z.string().trim().optional(),
  DATABASE_URL: z
    .string()
    .trim()
    .refine((v) => v === '' || /^postgres(ql)?:\/\/./.test(v), 'DATABASE_URL must be a postgres:// URL (leave it unset or empty for SQLite in the data folder)')
    .optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(4321),
  HOST: z.string().min(1).default('localhost'),
  POTLUCK_SITE_URL: z.url({ protocol: /^https?$/, error: 'POTLUCK_SITE_URL must be an http(s) URL' }).optional(),
  POTLUCK_ALLOW_PRIVATE_NETWORKS: flag,
  GITHUB_API_URL: z.url().default('https://api.github.com'),
  POTLUCK_SECRET: z.string().min(32, 'POTLUCK_SECRET must be at least 32 characters').optional(),
  POTLUCK_DEMO: z.enum(['auto', 'off']).default('auto'),
  POTLUCK_GITHUB_CLIENT_ID: z.string().min(1).optional(),
  POTLUCK_GITHUB_CLIENT_SECRET: z.string().min(1).optional(),
  POTLUCK_GITHUB_OAUTH_URL: z.url({ protocol: /^https?$/ }).default('https://github.com'),
  POTLUCK_TRUSTED_PROXIES: z
    .string()
    .optional()
    .superRefine((value, ctx) => {
      try {
        parseTrustedProxies(value);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
      }
    }),
  POTLUCK_HOST_ALIASES: z
    .string()
    .optional()
    .superRefine((value, ctx) => {
      try {
        parseHostAliases(value);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
      }
    }),
  POTLUCK_HSTS: z
    .enum(['auto', 'off', 'on', 'preload'], { error: 'POTLUCK_HSTS must be auto, off, on or preload' })
    .default('auto'),
  POTLUCK_SMTP_URL: z
    .url({ protocol: /^smtps?$/, error: 'POTLUCK_SMTP_URL must be an smtp:// or smtps:// URL, like smtp://user:password@mail.school.example:587' })
    .optional()
    .or(z.literal('').transform(() => undefined)),
  POTLUCK_WEBMENTIONS: z.string().optional(),
  POTLUCK_WEBSUB: z.string().optional(),
  POTLUCK_MAIL_FROM: z.string().trim().min(3).optional().or(z.literal('').transform(() => undefined)),
  POTLUCK_PAGE_CACHE_MB: z.coerce
    .number({ error: 'POTLUCK_PAGE_CACHE_MB must be a number of megabytes, like 32 (0 keeps no pages)' })
    .int('POTLUCK_PAGE_CACHE_MB must be a whole number of megabytes')
    .min(0)
    .max(4096, 'POTLUCK_PAGE_CACHE_MB may be at most 4096')
    .default(32),
  POTLUCK_PAGE_CACHE_ENTRIES: z.coerce
    .number({ error: 'POTLUCK_PAGE_CACHE_ENTRIES must be a number of pages, like 2000 (0 keeps none)' })
    .int('POTLUCK_PAGE_CACHE_ENTRIES must be a whole number')
    .min(0)
    .max(1_000_000, 'POTLUCK_PAGE_CACHE_ENTRIES may be at most 1000000')
    .default(2000),
  POTLUCK_DRAIN_SECONDS: z.coerce
    .number({ error: 'POTLUCK_DRAIN_SECONDS must be a number of seconds, like 5 (0 stops taking connections at once)' })
    .min(0, 'POTLUCK_DRAIN_SECONDS may not be negative')
    .max(300, 'POTLUCK_DRAIN_SECONDS may be at most 300')
    .default(0),
  POTLUCK_SHUTDOWN_TIMEOUT_SECONDS: z.coerce
    .number({ error: 'POTLUCK_SHUTDOWN_TIMEOUT_SECONDS must be a number of seconds, like 10' })
    .min(0, 'POTLUCK_SHUTDOWN_TIMEOUT_SECONDS may not be negative')
    .max(3600, 'POTLUCK_SHUTDOWN_TIMEOUT_SECONDS may be at most 3600')
    .default(10),
});

export interface Config {
  dataDir: string;
  databaseFile: string;
  /**
   * PostgreSQL instead of the data folder's SQLite file, when DATABASE_URL is set. A database name containing
   * `{data}` names one database per data folder (created on first use): one PostgreSQL server for many data
   * folders, as the test suite runs it.
   */
  databaseUrl: string | undefined;
  /** Whether a missing PostgreSQL database is created (DATABASE_URL named one per data folder). */
  createDatabase: boolean;
  mediaDir: string;
  port: number;
  host: string;
  /** The public base URL, without a trailing slash. */
  siteUrl: string;
  secureCookies: boolean;
  allowPrivateNetworks: boolean;
  githubApiUrl: string;
  secret: string | undefined;
  loadDemo: boolean;
  /** "Sign in with GitHub" to connect publishing: set when the instance has a GitHub OAuth app. */
  githubOAuth: { clientId: string; clientSecret: string; baseUrl: string } | null;
  /** Reverse proxies whose X-Forwarded-For names the client (net/clientAddress.ts). */
  trustedProxies: TrustedProxies;
  /**
   * Other names the site answers to (POTLUCK_HOST_ALIASES): `host[:port]` entries, each with the origin a browser
   * there sends, and `loopback` (localhost, 127.0.0.1 and [::1] on the port the server listens on).
   */
  hostAliases: HostAliases;
  /** The Strict-Transport-Security value to send, or null (http sites, or POTLUCK_HSTS=off). */
  hsts: string | null;
  /** The SMTP server notifications are sent through (POTLUCK_SMTP_URL); null means no email at all. */
  smtpUrl: string | null;
  /** The From of notification emails (POTLUCK_MAIL_FROM; default potluck@ the site's host). */
  mailFrom: string;
  /** Webmentions received and sent (POTLUCK_WEBMENTIONS=off: none advertised, accepted or sent). */
  webmentions: boolean;
  /** Potluck's WebSub hub and course hubs' subscriptions (POTLUCK_WEBSUB=off: none advertised, accepted or made). */
  websub: boolean;
  /** How much the in-memory cache of public pages may hold (POTLUCK_PAGE_CACHE_MB, POTLUCK_PAGE_CACHE_ENTRIES). */
  pageCache: { maxBytes: number; maxEntries: number };
  /**
   * Stopping on SIGTERM (scripts/cli/serve.ts): for `drainMs` the server goes on answering while /readyz says 503, so
   * that a load balancer sends new requests elsewhere (POTLUCK_DRAIN_SECONDS, default 0); then it takes no new
   * connections and gives what is under way (requests, background jobs) up to `timeoutMs` to finish
   * (POTLUCK_SHUTDOWN_TIMEOUT_SECONDS, default 10).
   */
  shutdown: { drainMs: number; timeoutMs: number };
}

/** The names besides the site URL's own host that requests may carry in `Host`. */
export interface HostAliases {
  /** Lower-case `host[:port]` values as browsers send them (no default port). */
  hosts: string[];
  /** The origins a browser on those hosts sends (`https://alias.example`). */
  origins: string[];
  /** Whether loopback names on the listening port count too. */
  loopback: boolean;
}

/**
 * Parses POTLUCK_HOST_ALIASES: comma-separated `host[:port]`, `http(s)://host[:port]` or `loopback`. A bare host
 * takes the site URL's scheme for its origin. Throws a message that names the entry to fix.
 */
export function parseHostAliases(value: string | undefined, siteScheme: 'http:' | 'https:' = 'https:'): HostAliases {
  const aliases: HostAliases = { hosts: [], origins: [], loopback: false };
  for (const raw of (value ?? '').split(',')) {
    const entry = raw.trim();
    if (!entry) continue;
    if (entry.toLowerCase() === 'loopback') {
      aliases.loopback = true;
      continue;
    }
    const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(entry) ? entry : `${siteScheme}//${entry}`;
    let url: URL;
    try {
      url = new URL(withScheme);
    } catch {
      throw new Error(`POTLUCK_HOST_ALIASES: "${entry}" is not a host name; write names like potluck.school.example or potluck.local:8080, separated by commas.`);
    }
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password || url.pathname !== '/' || url.search || url.hash) {
      throw new Error(`POTLUCK_HOST_ALIASES: "${entry}" must be only a host name and port (or http(s)://host:port), with no path.`);
    }
    aliases.hosts.push(url.host.toLowerCase());
    aliases.origins.push(url.origin.toLowerCase());
  }
  return aliases;
}

/** The HSTS header for a site URL and the POTLUCK_HSTS setting: on by default for https, never for http. */
function hstsFor(siteUrl: string, setting: 'auto' | 'off' | 'on' | 'preload'): string | null {
  if (setting === 'off' || !siteUrl.startsWith('https:')) return null;
  return setting === 'preload' ? 'max-age=63072000; includeSubDomains; preload' : 'max-age=31536000; includeSubDomains';
}

/** Reads the environment; throws one message naming every bad variable (the CLI prints it, without a stack). */
export function loadConfig(env: Record<string, string | undefined> = process.env, cwd = process.cwd()): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new PotluckError('VALIDATION', `Potluck's configuration has a problem:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(cwd, e.POTLUCK_DATA);
  const chosenUrl = env.DATABASE_URL === undefined ? processDatabaseUrl() : e.DATABASE_URL;
  const siteUrl = (e.POTLUCK_SITE_URL ?? `http://${e.HOST === '0.0.0.0' ? 'localhost' : e.HOST}:${e.PORT}`).replace(
    /\/+$/,
    '',
  );
  return {
    dataDir,
    databaseFile: path.join(dataDir, 'potluck.db'),
    databaseUrl: databaseUrlFor(chosenUrl, dataDir),
    createDatabase: Boolean(chosenUrl?.includes('{data}')),
    // A folder of its own (a volume every app node mounts) or the data folder's media/.
    mediaDir: e.POTLUCK_MEDIA_DIR ? path.resolve(cwd, e.POTLUCK_MEDIA_DIR) : path.join(dataDir, 'media'),
    port: e.PORT,
    host: e.HOST,
    siteUrl,
    secureCookies: siteUrl.startsWith('https:'),
    allowPrivateNetworks: e.POTLUCK_ALLOW_PRIVATE_NETWORKS,
    githubApiUrl: e.GITHUB_API_URL.replace(/\/+$/, ''),
    secret: e.POTLUCK_SECRET,
    loadDemo: e.POTLUCK_DEMO === 'auto',
    githubOAuth:
      e.POTLUCK_GITHUB_CLIENT_ID && e.POTLUCK_GITHUB_CLIENT_SECRET
        ? {
            clientId: e.POTLUCK_GITHUB_CLIENT_ID,
            clientSecret: e.POTLUCK_GITHUB_CLIENT_SECRET,
            baseUrl: e.POTLUCK_GITHUB_OAUTH_URL.replace(/\/+$/, ''),
          }
        : null,
    trustedProxies: parseTrustedProxies(e.POTLUCK_TRUSTED_PROXIES),
    hostAliases: parseHostAliases(e.POTLUCK_HOST_ALIASES, siteUrl.startsWith('https:') ? 'https:' : 'http:'),
    hsts: hstsFor(siteUrl, e.POTLUCK_HSTS),
    smtpUrl: e.POTLUCK_SMTP_URL ?? null,
    mailFrom: e.POTLUCK_MAIL_FROM ?? `Potluck <potluck@${new URL(siteUrl).hostname}>`,
    webmentions: (e.POTLUCK_WEBMENTIONS ?? '').trim().toLowerCase() !== 'off',
    websub: (e.POTLUCK_WEBSUB ?? '').trim().toLowerCase() !== 'off',
    pageCache: { maxBytes: e.POTLUCK_PAGE_CACHE_MB * 1024 * 1024, maxEntries: e.POTLUCK_PAGE_CACHE_ENTRIES },
    shutdown: { drainMs: Math.round(e.POTLUCK_DRAIN_SECONDS * 1000), timeoutMs: Math.round(e.POTLUCK_SHUTDOWN_TIMEOUT_SECONDS * 1000) },
  };
}

/**
 * DATABASE_URL of the process when a caller's own environment does not name one (a context built for a data folder
 * inside a process that runs on PostgreSQL), or undefined. An empty value means SQLite.
 */
function processDatabaseUrl(): string | undefined {
  const url = process.env.DATABASE_URL?.trim();
  if (url && !/^postgres(ql)?:\/\/./.test(url)) throw new PotluckError('VALIDATION', "Potluck's configuration has a problem:\n  DATABASE_URL: DATABASE_URL must be a postgres:// URL (leave it unset or empty for SQLite in the data folder)");
  return url ? url : undefined;
}

/** The URL with `{data}` in its database name replaced by a name made from the data folder's path. */
function databaseUrlFor(url: string | undefined, dataDir: string): string | undefined {
  if (!url || !url.includes('{data}')) return url || undefined;
  let hash = 0x811c9dc5;
  for (let i = 0; i < dataDir.length; i++) hash = Math.imul(hash ^ dataDir.charCodeAt(i), 0x01000193) >>> 0;
  return url.replace('{data}', `${path.basename(dataDir).replace(/[^A-Za-z0-9_]/g, '_').slice(0, 40)}_${hash.toString(16)}`.toLowerCase());
}
