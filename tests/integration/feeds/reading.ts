/** How the feed tests read what the server sends: with independent parsers and the JSON Feed schema from the corpora. */
import fs from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { parseRssFeed } from 'feedsmith';
import { expect } from 'vitest';
import type { Browser } from '../../helpers/http.ts';

const schemaFile = path.resolve(process.cwd(), '..', 'shared', 'corpora', 'jsonfeed', 'schema-v1.1.json');
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const validateJsonFeed = ajv.compile(JSON.parse(fs.readFileSync(schemaFile, 'utf8')));

/** The public base the test servers run with (POTLUCK_SITE_URL), so feeds name a stable host. */
export const SITE = 'https://school.example';

/** Items as both formats must agree on them. */
export interface ComparableItem {
  title: string;
  link: string;
  date: number;
  categories: string[];
}

/** GETs a JSON Feed, checks its type and schema, and returns it. */
export async function getJsonFeed(browser: Browser, pathname: string): Promise<{ response: Response; text: string; feed: any }> {
  const response = await browser.get(pathname);
  expect(response.status, `${pathname} status`).toBe(200);
  expect(response.headers.get('content-type')).toBe('application/feed+json; charset=utf-8');
  const text = await response.text();
  const feed = JSON.parse(text);
  expect(validateJsonFeed(feed), `${pathname}: ${JSON.stringify(validateJsonFeed.errors)}`).toBe(true);
  return { response, text, feed };
}

/** GETs an RSS feed, checks its type, and parses it with feedsmith. */
export async function getRssFeed(browser: Browser, pathname: string) {
  const response = await browser.get(pathname);
  expect(response.status, `${pathname} status`).toBe(200);
  expect(response.headers.get('content-type')).toBe('application/rss+xml; charset=utf-8');
  const text = await response.text();
  return { response, text, feed: parseRssFeed(text) };
}

/** The JSON Feed's items as comparable facts. */
export function jsonItems(feed: any): ComparableItem[] {
  return feed.items.map((i: any) => ({ title: i.title, link: i.url, date: Date.parse(i.date_published), categories: i.tags ?? [] }));
}

/** The RSS feed's items (as feedsmith read them) as comparable facts. */
export function rssItems(feed: {
  items?: { title?: string; link?: string; pubDate?: string; categories?: { name?: string }[] }[];
}): ComparableItem[] {
  return (feed.items ?? []).map((i) => ({
    title: i.title ?? '',
    link: i.link ?? '',
    date: Date.parse(i.pubDate ?? ''),
    categories: (i.categories ?? []).map((c) => c.name ?? ''),
  }));
}

/** Every absolute http(s) URL in a text (XML, JSON or HTML), decoded from JSON/XML escapes. */
export function urlsIn(text: string): string[] {
  const unescaped = text.replace(/\\\//g, '/').replace(/&amp;/g, '&').replace(/\\u0026/g, '&');
  return [...new Set(unescaped.match(/https?:\/\/[^\s"'<>\\\])]+/g) ?? [])];
}

/** Addresses inside HTML that are not absolute (`/media/…`, `#x`, `page/`): none may remain in a feed. */
export function relativeAddresses(html: string): string[] {
  const found: string[] = [];
  for (const m of html.matchAll(/\s(?:href|src|cite|poster)="([^"]*)"/g)) if (!/^[a-z][a-z0-9+.-]*:/i.test(m[1]!)) found.push(m[0]);
  for (const m of html.matchAll(/\ssrcset="([^"]*)"/g)) {
    for (const candidate of m[1]!.split(/,\s+/)) if (!/^https?:\/\//.test(candidate.trim())) found.push(candidate);
  }
  return found;
}

/** The path and query of a feed URL on the test site, to fetch it from the real server. */
export function onServer(url: string): string {
  expect(url.startsWith(`${SITE}/`), url).toBe(true);
  return url.slice(SITE.length);
}
