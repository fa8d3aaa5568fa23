/**
 * Webmention endpoint discovery (W3C Webmention, section 3.1.2): fetch the target page (through safeFetch, so a
 * link to a private address is never followed unless the instance allows it), then take the first endpoint from
 * the HTTP `Link` header, else the first `<link>` or `<a>` with rel=webmention in document order. Relative
 * addresses resolve against the page's final URL after redirects; an empty href means the page itself; query
 * strings are kept. The HTML is parsed by a real parser, so a `<link>` inside a comment or shown as escaped text
 * does not count.
 */
import { rehypeParseHtml } from '../../core/html/parse.ts';
import { unified } from 'unified';
import { visit } from 'unist-util-visit';
import type { Element, Root } from 'hast';
import { safeFetch, type FetchFailure, type SafeFetchOptions } from '../net/safeFetch.ts';

/** What discovery found: an endpoint, none, or a fetch failure (with safeFetch's reason and status). */
export type DiscoveryResult =
  | { ok: true; endpoint: string | null; pageUrl: string }
  | { ok: false; failure: FetchFailure };

/** Whether a rel attribute's value names webmention (space-separated tokens, any case). */
function relNamesWebmention(rel: string): boolean {
  return rel
    .split(/\s+/)
    .some((token) => token.toLowerCase() === 'webmention');
}

/**
 * The first rel=webmention target of a `Link` header value (one header, or several joined with ", "), resolved
 * against `base`; null when there is none.
 */
export function endpointFromLinkHeader(value: string | undefined, base: string): string | null {
  if (!value) return null;
  for (const link of splitOutside(value, ',')) {
    const match = /^\s*<([^>]*)>(.*)$/s.exec(link);
    if (!match) continue;
    for (const param of splitOutside(match[2]!, ';')) {
      const eq = param.indexOf('=');
      if (eq < 0 || param.slice(0, eq).trim().toLowerCase() !== 'rel') continue;
      const rel = param.slice(eq + 1).trim().replace(/^"(.*)"$/s, '$1');
      if (!relNamesWebmention(rel)) continue;
      const resolved = resolve(match[1]!.trim(), base);
      if (resolved) return resolved;
    }
  }
  return null;
}

/** Splits on `separator` where it is outside double quotes and angle brackets (a Link header's grammar). */
function splitOutside(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  let bracketed = false;
  for (const char of text) {
    if (char === '"' && !bracketed) quoted = !quoted;
    else if (char === '<' && !quoted) bracketed = true;
    else if (char === '>' && !quoted) bracketed = false;
    if (char === separator && !quoted && !bracketed) {
      parts.push(current);
      current = '';
    } else current += char;
  }
  parts.push(current);
  return parts;
}

/** The first `<link>` or `<a>` with rel=webmention and an href in `html`, resolved against `base`; null when none. */
export function endpointFromHtml(html: string, base: string): string | null {
  const tree = unified().use(rehypeParseHtml).parse(html) as Root;
  let found: string | null = null;
  visit(tree, 'element', (node: Element) => {
    if (found !== null) return false;
    if (node.tagName !== 'link' && node.tagName !== 'a') return undefined;
    const href = node.properties.href;
    if (typeof href !== 'string') return undefined;
    const rel = node.properties.rel;
    const tokens = Array.isArray(rel) ? rel.map(String).join(' ') : typeof rel === 'string' ? rel : '';
    if (!relNamesWebmention(tokens)) return undefined;
    found = resolve(href.trim(), base);
    return found === null ? undefined : false;
  });
  return found;
}

function resolve(reference: string, base: string): string | null {
  try {
    const url = new URL(reference, base);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    return url.href;
  } catch {
    return null;
  }
}

const HTML_TYPES = /^(text\/html|application\/xhtml\+xml)\b/i;

/** Fetches `target` and discovers its Webmention endpoint. Never throws for network outcomes. */
export async function discoverEndpoint(target: string, fetchOptions: SafeFetchOptions = {}): Promise<DiscoveryResult> {
  const response = await safeFetch(target, {
    accept: 'text/html, application/xhtml+xml;q=0.9, */*;q=0.5',
    maxBytes: 2 * 1024 * 1024,
    timeoutMs: 15_000,
    ...fetchOptions,
  });
  if (!response.ok) return { ok: false, failure: response };
  const fromHeader = endpointFromLinkHeader(response.headers.link, response.url);
  if (fromHeader) return { ok: true, endpoint: fromHeader, pageUrl: response.url };
  const type = response.headers['content-type'] ?? 'text/html';
  if (!HTML_TYPES.test(type.trim())) return { ok: true, endpoint: null, pageUrl: response.url };
  return { ok: true, endpoint: endpointFromHtml(response.body.toString('utf8'), response.url), pageUrl: response.url };
}
