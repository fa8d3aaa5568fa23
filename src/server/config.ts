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
});

export interface Config {
  dataDir: string;
  databaseFile: string;
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
  const siteUrl = (e.POTLUCK_SITE_URL ?? `http://${e.HOST === '0.0.0.0' ? 'localhost' : e.HOST}:${e.PORT}`).replace(
    /\/+$/,
    '',
  );
  return {
    dataDir,
    databaseFile: path.join(dataDir, 'potluck.db'),
    mediaDir: path.join(dataDir, 'media'),
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
  };
}
