/**
 * Course hashtags on Mastodon-compatible servers. Pure: what a teacher pastes to follow a tag becomes a server and a
 * tag (and the address of the server's public tag feed, `https://SERVER/tags/TAG.rss`), and a post's link names the
 * account that wrote it, so the hub can tell its members' posts from anyone else's.
 */

/** A tag on a server, as Potluck follows it. */
export interface FediverseTag {
  /** The server's origin: `https://mastodon.social` (plain http only when pasted so, for servers on a school network). */
  origin: string;
  /** The server's host, as people write it after an `@`. */
  server: string;
  /** The tag without '#', as the teacher wrote it (Mastodon matches tags without regard to case). */
  tag: string;
  /** The public tag feed. */
  feedUrl: string;
}

/** Why an input is not a tag on a server, in words for the teacher. */
export class FediverseInputError extends Error {
  readonly field: 'server' | 'tag';
  constructor(message: string, field: 'server' | 'tag') {
    super(message);
    this.field = field;
  }
}

// Mastodon's hashtags: letters, digits, underscores and the joiners it allows inside (·, ZWNJ); at least one non-digit.
const TAG = /^[\p{L}\p{M}\p{N}_\u00B7\u200C]{1,100}$/u;
const HOST = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$|^(?:\d{1,3}\.){3}\d{1,3}$|^localhost$/;

function cleanTag(raw: string): string {
  const tag = raw.trim().replace(/^#+/, '').replace(/\.rss$/i, '');
  if (tag === '') throw new FediverseInputError('Write the hashtag, for example #t509massive.', 'tag');
  if (!TAG.test(tag)) throw new FediverseInputError(`“${raw.trim()}” is not a hashtag: use letters, digits and _ only (no spaces or dashes).`, 'tag');
  if (/^\d+$/.test(tag)) throw new FediverseInputError('A hashtag needs at least one letter; Mastodon does not link tags of digits only.', 'tag');
  return tag;
}

/** The origin of a server as written: `mastodon.social`, `@mastodon.social`, `@me@mastodon.social`, `https://mastodon.social/`. */
function cleanServer(raw: string): { origin: string; server: string } {
  let text = raw.trim();
  if (text === '') throw new FediverseInputError('Write the server, for example mastodon.social.', 'server');
  // An account (@someone@server) names its server after the last @.
  if (!/^https?:\/\//i.test(text) && text.includes('@')) text = text.slice(text.lastIndexOf('@') + 1);
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `https://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new FediverseInputError(`“${raw.trim()}” is not a server’s address; write its name, for example mastodon.social.`, 'server');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new FediverseInputError('The server’s address must start with https://.', 'server');
  if (url.username || url.password) throw new FediverseInputError('The server’s address must not carry a user name or password.', 'server');
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  if (!HOST.test(host)) throw new FediverseInputError(`“${raw.trim()}” is not a server’s name; write it like mastodon.social.`, 'server');
  const server = url.port ? `${host}:${url.port}` : host;
  return { origin: `${url.protocol}//${server}`, server };
}

function build(server: { origin: string; server: string }, tag: string): FediverseTag {
  return { ...server, tag, feedUrl: `${server.origin}/tags/${encodeURIComponent(tag)}.rss` };
}

/**
 * What a teacher pasted or typed: a tag page (`https://SERVER/tags/TAG`, with or without `.rss`), `#TAG@SERVER`,
 * `TAG@SERVER`, `SERVER/tags/TAG`, or a server and a tag in two fields (the server as a name, a URL or an account
 * `@someone@SERVER`; the tag with or without '#'). Throws FediverseInputError saying what is wrong.
 */
export function parseFediverseTag(input: { server?: string | null; tag?: string | null }): FediverseTag {
  const server = (input.server ?? '').trim();
  const tag = (input.tag ?? '').trim();
  // A whole address pasted in either field.
  const pasted = [tag, server].find((t) => /\/tags\//i.test(t));
  if (pasted) {
    const at = pasted.search(/\/tags\//i);
    const rest = pasted.slice(at + '/tags/'.length).split(/[/?#]/)[0] ?? '';
    let decoded = rest;
    try {
      decoded = decodeURIComponent(rest);
    } catch {
      /* kept as written; cleanTag explains */
    }
    return build(cleanServer(pasted.slice(0, at)), cleanTag(decoded));
  }
  // #tag@server in the tag field (the server field empty or saying the same).
  const atForm = /^#?([^@\s]+)@([^@\s]+)$/u.exec(tag);
  if (atForm && !server) return build(cleanServer(atForm[2]!), cleanTag(atForm[1]!));
  if (!server && !tag) throw new FediverseInputError('Write the server and the hashtag, or paste the tag’s address (https://mastodon.social/tags/example).', 'tag');
  if (!server) throw new FediverseInputError('Which server? Write its name (for example mastodon.social), or paste the tag’s address from it.', 'server');
  return build(cleanServer(server), cleanTag(tag));
}

/** How a tag source is named for people: `#tag on server`. */
export function fediverseTagTitle(tag: Pick<FediverseTag, 'tag' | 'server'>): string {
  return `#${tag.tag} on ${tag.server}`;
}

/** A fediverse account as Potluck keys it: `user@server`, lower case. */
export interface FediverseAccount {
  acct: string;
  /** The profile page, when known (from a post's link). */
  profileUrl: string | null;
}

/**
 * The account that wrote a post, from the post's link: Mastodon's `https://SERVER/@user/123` and
 * `https://SERVER/users/user/statuses/123` (its ActivityPub id). Null for other shapes: such posts are simply
 * held for a teacher, never guessed at.
 */
export function accountOfPost(link: string | null | undefined): FediverseAccount | null {
  if (!link) return null;
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    return null;
  }
  const host = url.host.toLowerCase();
  const short = /^\/@([A-Za-z0-9_.-]+)(?:@[^/]+)?\/\d+\/?$/.exec(url.pathname);
  if (short) return { acct: `${short[1]!.toLowerCase()}@${host}`, profileUrl: `${url.protocol}//${host}/@${short[1]}` };
  const long = /^\/users\/([A-Za-z0-9_.-]+)\/statuses\/\d+\/?$/.exec(url.pathname);
  if (long) return { acct: `${long[1]!.toLowerCase()}@${host}`, profileUrl: `${url.protocol}//${host}/@${long[1]}` };
  return null;
}

/**
 * An account as a teacher writes it: `@user@server`, `user@server`, or a profile address (`https://SERVER/@user`,
 * `https://SERVER/users/user`). Returns the key, or null when it is none of these.
 */
export function parseFediverseAccount(input: string): string | null {
  const text = input.trim();
  const acct = /^@?([A-Za-z0-9_.-]+)@([A-Za-z0-9.-]+(?::\d+)?)$/.exec(text);
  if (acct) return `${acct[1]!.toLowerCase()}@${acct[2]!.toLowerCase()}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  const profile = /^\/(?:@|users\/)([A-Za-z0-9_.-]+)\/?$/.exec(url.pathname);
  return profile ? `${profile[1]!.toLowerCase()}@${url.host.toLowerCase()}` : null;
}
