/**
 * WebSub discovery (W3C WebSub §4): the hub and self URLs a fetched feed advertises. HTTP `Link` headers come first
 * (the spec's priority); then the document itself: `<atom:link rel="hub">`/`<link rel="hub">` in RSS and Atom,
 * `hubs` and `feed_url` in JSON Feed, `<link rel="hub">` in an HTML page's head. Pure.
 */

/** Where to subscribe (`hub`) and to what (`self`, the topic). */
export interface WebSubAdvert {
  hub: string;
  self: string;
}

function absolute(href: string, base: string): string | null {
  try {
    const url = new URL(href, base);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

/** The first href for each rel in a `Link` header value (RFC 8288), resolved against `base`. */
export function linkHeaderRels(value: string | undefined, base: string): Map<string, string> {
  const rels = new Map<string, string>();
  if (!value) return rels;
  for (const match of value.matchAll(/<([^>]*)>([^<]*)/g)) {
    const params = match[2]!;
    const rel = /(?:^|;)\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i.exec(params);
    if (!rel) continue;
    const href = absolute(match[1]!.trim(), base);
    if (!href) continue;
    for (const name of (rel[1] ?? rel[2] ?? '').toLowerCase().split(/\s+/)) {
      if (name && !rels.has(name)) rels.set(name, href);
    }
  }
  return rels;
}

function attribute(tag: string, name: string): string | null {
  const m = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`, 'i').exec(tag);
  if (!m) return null;
  return (m[1] ?? m[2] ?? '').replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'");
}

function xmlRels(text: string, base: string): Map<string, string> {
  const rels = new Map<string, string>();
  // Only the head of the document: a link inside an item's content is not the feed's, nor one in an HTML page's body.
  const end = text.search(/<(?:item|entry|body)[\s>]/i);
  const head = end < 0 ? text : text.slice(0, end);
  for (const match of head.matchAll(/<(?:[a-z0-9]+:)?link\b[^>]*>/gi)) {
    const tag = match[0];
    const rel = attribute(tag, 'rel');
    const href = attribute(tag, 'href');
    if (!rel || !href) continue;
    const url = absolute(href.trim(), base);
    if (!url) continue;
    for (const name of rel.toLowerCase().split(/\s+/)) if (name && !rels.has(name)) rels.set(name, url);
  }
  return rels;
}

function jsonAdvert(text: string, base: string): { hub?: string; self?: string } {
  try {
    const doc = JSON.parse(text) as { hubs?: { type?: string; url?: string }[]; feed_url?: string };
    const hub = Array.isArray(doc.hubs) ? doc.hubs.find((h) => typeof h?.url === 'string' && (!h.type || /^websub$/i.test(h.type))) : undefined;
    return {
      hub: hub?.url ? (absolute(hub.url, base) ?? undefined) : undefined,
      self: typeof doc.feed_url === 'string' ? (absolute(doc.feed_url, base) ?? undefined) : undefined,
    };
  } catch {
    return {};
  }
}

/**
 * The hub and topic a fetched feed advertises, or null when it names no hub. `url` is where it was fetched from
 * (after redirects): the topic when the feed names no `self`.
 */
export function discoverWebSub(props: { url: string; linkHeader?: string; body: string; contentType?: string }): WebSubAdvert | null {
  const headers = linkHeaderRels(props.linkHeader, props.url);
  if (headers.has('hub')) return { hub: headers.get('hub')!, self: headers.get('self') ?? props.url };
  const text = props.body.slice(0, 512 * 1024).trimStart();
  const fromBody = text.startsWith('{') || /json/i.test(props.contentType ?? '') ? jsonAdvert(text, props.url) : (() => {
    const rels = xmlRels(text, props.url);
    return { hub: rels.get('hub'), self: rels.get('self') };
  })();
  if (!fromBody.hub) return null;
  return { hub: fromBody.hub, self: headers.get('self') ?? fromBody.self ?? props.url };
}
