// The feed parser measured on expectations nobody on this team wrote (../shared/corpora, see its README):
// gofeed's format-independent translator fixtures and feedparser's `wellformed` expectations. Every case is run;
// the tests assert the pass counts we actually reached, so a regression fails, and print the counts. The reasons
// for the cases that do not pass are in CORPUS-RESULTS.md beside this file. Set CORPUS_VERBOSE=1 to list them.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFeed } from '../../../src/core/feeds/parse.ts';
import type { ParsedFeed, ParsedPerson } from '../../../src/core/feeds/parse.ts';
import { htmlToText } from '../../../src/core/feeds/parseHtml.ts';

const corpora = path.resolve(process.cwd(), '../shared/corpora');
const verbose = process.env.CORPUS_VERBOSE === '1';

// ------------------------------------------------------------------------------------------------------------
// Comparisons shared by both corpora

function normText(value: unknown): string {
  return String(value ?? '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Our titles are plain text; the expectation may be plain text or the HTML of the same text. */
function sameText(ours: string | undefined, expected: unknown): boolean {
  const want = normText(expected);
  const got = normText(ours);
  return got === want || got === normText(htmlToText(want));
}

function urlsIn(html: string): string[] {
  return [...html.matchAll(/\s(?:href|src)\s*=\s*"([^"]*)"/gi)]
    .map((m) => String(canonicalUrl(m[1]!.replace(/&amp;/g, '&'))))
    .sort();
}

/** Our content is HTML sanitized by another allowlist: the same text and the same link targets count as equal. */
function sameHtml(ours: string | undefined, expected: unknown): boolean {
  const want = String(expected ?? '');
  const got = ours ?? '';
  // feedparser returns text/plain content as it is, not as HTML, so its literal text counts too.
  const text = normText(htmlToText(got));
  if (text !== normText(htmlToText(want)) && text !== normText(want)) return false;
  return JSON.stringify(urlsIn(got)) === JSON.stringify(urlsIn(want));
}

/** URLs are compared as the WHATWG parser reads them ("http://x.org" is "http://x.org/", hosts are lowercase). */
function canonicalUrl(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return new URL(value).href;
  } catch {
    return value;
  }
}

function sameUrl(ours: unknown, expected: unknown): boolean {
  return ours !== undefined && canonicalUrl(ours) === canonicalUrl(expected);
}

/** Categories have no order in any feed format. */
function sameSet(ours: string[], expected: string[]): boolean {
  return JSON.stringify([...ours].sort()) === JSON.stringify([...expected].sort());
}

function sameInstant(ours: Date | undefined, expected: unknown): boolean {
  if (!ours || typeof expected !== 'string') return false;
  return ours.getTime() === new Date(expected).getTime();
}

// ------------------------------------------------------------------------------------------------------------
// gofeed translator fixtures: X.xml|json + X.json (json/: X.json + X_expected.json)

interface GofeedPerson {
  name?: string;
  email?: string;
}
interface GofeedItem {
  guid?: string;
  title?: string;
  link?: string;
  description?: string;
  content?: string;
  image?: { url?: string };
  enclosures?: Array<{ url?: string; type?: string; length?: string }>;
  publishedParsed?: string;
  updatedParsed?: string;
  authors?: GofeedPerson[];
  categories?: string[];
}
interface GofeedFeed extends GofeedItem {
  feedLink?: string;
  language?: string;
  items?: GofeedItem[];
}

type Check = { field: string; ok: boolean; ours: unknown; expected: unknown };

function samePeople(ours: ParsedPerson[], expected: GofeedPerson[]): boolean {
  if (ours.length !== expected.length) return false;
  return expected.every((person, i) => {
    const mine = ours[i]!;
    return (
      (person.name === undefined || mine.name === person.name) &&
      (person.email === undefined || mine.email === person.email)
    );
  });
}

function gofeedChecks(feed: ParsedFeed, expected: GofeedFeed): Check[] {
  const checks: Check[] = [];
  const add = (field: string, present: boolean, ok: () => boolean, ours: unknown, want: unknown) => {
    if (present) checks.push({ field, ok: ok(), ours, expected: want });
  };
  add('title', expected.title !== undefined, () => sameText(feed.title, expected.title), feed.title, expected.title);
  add('link', expected.link !== undefined, () => sameUrl(feed.link, expected.link), feed.link, expected.link);
  add(
    'feedLink',
    expected.feedLink !== undefined,
    () => sameUrl(feed.feedUrl, expected.feedLink),
    feed.feedUrl,
    expected.feedLink,
  );
  add(
    'published',
    expected.publishedParsed !== undefined,
    () => sameInstant(feed.published, expected.publishedParsed),
    feed.published,
    expected.publishedParsed,
  );
  add(
    'updated',
    expected.updatedParsed !== undefined,
    () => sameInstant(feed.updated, expected.updatedParsed),
    feed.updated,
    expected.updatedParsed,
  );
  add(
    'authors',
    expected.authors !== undefined,
    () => samePeople(feed.authors, expected.authors!),
    feed.authors,
    expected.authors,
  );
  add(
    'categories',
    expected.categories !== undefined,
    () => sameSet(feed.categories, expected.categories!),
    feed.categories,
    expected.categories,
  );
  add(
    'description',
    expected.description !== undefined,
    () => sameText(feed.description, expected.description),
    feed.description,
    expected.description,
  );
  add(
    'language',
    expected.language !== undefined,
    () => feed.language === expected.language,
    feed.language,
    expected.language,
  );
  add(
    'image',
    expected.image?.url !== undefined,
    () => sameUrl(feed.image, expected.image?.url),
    feed.image,
    expected.image?.url,
  );
  (expected.items ?? []).forEach((want, i) => {
    const item = feed.items[i];
    const at = `items[${i}].`;
    if (!item) {
      checks.push({ field: `${at}missing`, ok: false, ours: undefined, expected: want });
      return;
    }
    add(`${at}guid`, want.guid !== undefined, () => item.id === want.guid, item.id, want.guid);
    add(`${at}title`, want.title !== undefined, () => sameText(item.title, want.title), item.title, want.title);
    add(`${at}link`, want.link !== undefined, () => sameUrl(item.url, want.link), item.url, want.link);
    add(
      `${at}published`,
      want.publishedParsed !== undefined,
      () => sameInstant(item.published, want.publishedParsed),
      item.published,
      want.publishedParsed,
    );
    add(
      `${at}updated`,
      want.updatedParsed !== undefined,
      () => sameInstant(item.updated, want.updatedParsed),
      item.updated,
      want.updatedParsed,
    );
    add(
      `${at}authors`,
      want.authors !== undefined,
      () => samePeople(item.authors, want.authors!),
      item.authors,
      want.authors,
    );
    add(
      `${at}categories`,
      want.categories !== undefined,
      () => sameSet(item.categories, want.categories!),
      item.categories,
      want.categories,
    );
    // gofeed's description is the summary (RSS description, Atom summary); ours is separate only when the feed
    // also has full content, otherwise it is the content.
    const summary = item.summary ?? item.contentHtml;
    add(
      `${at}description`,
      want.description !== undefined,
      () => sameHtml(summary, want.description),
      summary,
      want.description,
    );
    add(
      `${at}content`,
      want.content !== undefined,
      () => sameHtml(item.contentHtml, want.content),
      item.contentHtml,
      want.content,
    );
    add(
      `${at}image`,
      want.image?.url !== undefined,
      () => sameUrl(item.image, want.image?.url),
      item.image,
      want.image?.url,
    );
    add(
      `${at}enclosures`,
      want.enclosures !== undefined,
      () =>
        JSON.stringify(
          item.enclosures.map((e) => [
            canonicalUrl(e.url),
            e.type,
            e.length === undefined ? undefined : String(e.length),
          ]),
        ) === JSON.stringify(want.enclosures!.map((e) => [canonicalUrl(e.url), e.type, e.length])),
      item.enclosures,
      want.enclosures,
    );
  });
  return checks;
}

interface Tally {
  fields: number;
  fieldsMatching: number;
  pass: number;
  fail: number;
  notCompared: number;
  failures: string[];
  skipped: string[];
}

function runGofeed(format: 'rss' | 'atom' | 'json'): Tally {
  const dir = path.join(corpora, 'gofeed/testdata/translator', format);
  const tally: Tally = { fields: 0, fieldsMatching: 0, pass: 0, fail: 0, notCompared: 0, failures: [], skipped: [] };
  const files = readdirSync(dir).sort();
  const pairs =
    format === 'json'
      ? files.filter((f) => f.endsWith('_expected.json')).map((f) => [f.replace('_expected.json', '.json'), f] as const)
      : files.filter((f) => f.endsWith('.xml')).map((f) => [f, f.replace(/\.xml$/, '.json')] as const);
  for (const [input, expectedFile] of pairs) {
    const expected = JSON.parse(readFileSync(path.join(dir, expectedFile), 'utf8')) as GofeedFeed;
    const result = parseFeed(readFileSync(path.join(dir, input)));
    if (!result.ok) {
      tally.fail++;
      tally.failures.push(`${input}: ${result.reason}`);
      continue;
    }
    const checks = gofeedChecks(result.feed, expected);
    tally.fields += checks.length;
    tally.fieldsMatching += checks.filter((c) => c.ok).length;
    if (checks.length === 0) {
      tally.notCompared++;
      tally.skipped.push(`${input}: checks only fields outside Potluck's model`);
    } else if (checks.every((c) => c.ok)) tally.pass++;
    else {
      tally.fail++;
      const bad = checks.filter((c) => !c.ok);
      tally.failures.push(
        `${input}: ${bad.map((c) => `${c.field} ours=${JSON.stringify(c.ours)} expected=${JSON.stringify(c.expected)}`).join('; ')}`,
      );
    }
  }
  return tally;
}

// ------------------------------------------------------------------------------------------------------------
// feedparser wellformed expectations: {file, checks:[{path, equals}]}

interface Expectation {
  file: string;
  description: string;
  bozo: boolean;
  checks: Array<{ path: Array<string | number>; equals: unknown }>;
}

type Mapped = { mapped: false } | { mapped: true; ok: boolean; ours: unknown };
type Kind = 'text' | 'html' | 'exact' | 'url' | 'tuple' | 'encoding';

const FEEDPARSER_VERSIONS: Record<string, string> = {
  'rss:0.90': 'rss090',
  'rdf:0.90': 'rss090',
  'rdf:1.0': 'rss10',
  'rss:0.91': 'rss091u',
  'rss:0.92': 'rss092',
  'rss:0.93': 'rss093',
  'rss:0.94': 'rss094',
  'rss:2.0': 'rss20',
  'rss:2.01': 'rss20',
  'rss:2.1': 'rss20',
  'atom:0.3': 'atom03',
  'atom:1.0': 'atom10',
};

function feedparserVersion(feed: ParsedFeed, text: string): string {
  if (feed.format === 'rss' && feed.version === '0.91' && /netscape\.com\/publish\/formats\/rss-0\.91/i.test(text))
    return 'rss091n';
  if (feed.format === 'rss' && !feed.version) return 'rss';
  return FEEDPARSER_VERSIONS[`${feed.format}:${feed.version}`] ?? `${feed.format}${feed.version}`;
}

function authorString(person: ParsedPerson | undefined): string | undefined {
  if (!person) return undefined;
  return person.email && person.email !== person.name ? `${person.name} (${person.email})` : person.name;
}

function timeTuple(date: Date | undefined): number[] | undefined {
  if (!date) return undefined;
  return [
    date.getUTCFullYear(),
    date.getUTCMonth() + 1,
    date.getUTCDate(),
    date.getUTCHours(),
    date.getUTCMinutes(),
    date.getUTCSeconds(),
  ];
}

function personField(person: ParsedPerson | undefined, key: string | number | undefined): Mapped {
  if (key === 'name') return { mapped: true, ok: false, ours: person?.name };
  if (key === 'email') return { mapped: true, ok: false, ours: person?.email };
  if (key === 'href' || key === 'url') return { mapped: true, ok: false, ours: person?.url };
  return { mapped: false };
}

const TEXT_KEYS = new Set(['title', 'subtitle', 'tagline', 'description']);

/** Maps one feedparser path onto our model; the comparison is filled in by `evaluate`. */
function mapPath(
  feed: ParsedFeed,
  fullPath: Array<string | number>,
  text: string,
): { mapped: false } | { mapped: true; ours: unknown; kind: Kind } {
  const [root, ...rest] = fullPath;
  if (root === 'version') return { mapped: true, ours: feedparserVersion(feed, text), kind: 'exact' };
  if (root === 'encoding') return { mapped: true, ours: feed.encoding, kind: 'encoding' };
  let target: 'feed' | 'item';
  let item = undefined as ParsedFeed['items'][number] | undefined;
  let keys: Array<string | number>;
  if (root === 'feed') {
    target = 'feed';
    keys = rest;
  } else if (root === 'entries') {
    target = 'item';
    item = feed.items[rest[0] as number];
    keys = rest.slice(1);
    if (!item) {
      // The entry is missing: the check fails if its path maps at all.
      const probe = mapPath(PROBE, ['entries', 0, ...keys], text);
      return probe.mapped ? { ...probe, ours: undefined } : probe;
    }
  } else return { mapped: false };

  const [key, second, third] = keys;
  const subject = target === 'feed' ? feed : item!;
  const title = subject.title;
  const detail = typeof key === 'string' && key.endsWith('_detail') ? key.slice(0, -'_detail'.length) : undefined;

  if (target === 'feed') {
    if ((TEXT_KEYS.has(String(key)) && keys.length === 1) || (detail && TEXT_KEYS.has(detail) && second === 'value')) {
      const name = detail ?? String(key);
      return { mapped: true, ours: name === 'title' ? title : feed.description, kind: 'text' };
    }
    if (key === 'link' && keys.length === 1) return { mapped: true, ours: feed.link, kind: 'url' };
    if (key === 'links' && second === 0 && third === 'href') return { mapped: true, ours: feed.link, kind: 'url' };
    if (key === 'language' && keys.length === 1) return { mapped: true, ours: feed.language, kind: 'exact' };
    if ((key === 'image' && (second === 'url' || second === 'href')) || key === 'logo')
      return { mapped: true, ours: feed.image, kind: 'url' };
    if (key === 'updated_parsed') return { mapped: true, ours: timeTuple(feed.updated), kind: 'tuple' };
    if (key === 'published_parsed') return { mapped: true, ours: timeTuple(feed.published), kind: 'tuple' };
    if (key === 'tags' && typeof second === 'number' && third === 'term')
      return { mapped: true, ours: feed.categories[second], kind: 'exact' };
    if (key === 'category' && keys.length === 1) return { mapped: true, ours: feed.categories[0], kind: 'exact' };
  } else {
    if ((key === 'title' && keys.length === 1) || (detail === 'title' && second === 'value'))
      return { mapped: true, ours: title, kind: 'text' };
    if ((key === 'summary' || key === 'description') && keys.length === 1)
      return { mapped: true, ours: item!.summary ?? item!.contentHtml, kind: 'html' };
    if (detail === 'summary' && second === 'value')
      return { mapped: true, ours: item!.summary ?? item!.contentHtml, kind: 'html' };
    if (key === 'content' && second === 0 && third === 'value')
      return { mapped: true, ours: item!.contentHtml, kind: 'html' };
    if (key === 'link' && keys.length === 1) return { mapped: true, ours: item!.url, kind: 'url' };
    if (key === 'links' && second === 0 && third === 'href') return { mapped: true, ours: item!.url, kind: 'url' };
    if ((key === 'id' || key === 'guid') && keys.length === 1) return { mapped: true, ours: item!.id, kind: 'exact' };
    if (key === 'updated_parsed')
      return { mapped: true, ours: timeTuple(item!.updated ?? item!.published), kind: 'tuple' };
    if (key === 'published_parsed') return { mapped: true, ours: timeTuple(item!.published), kind: 'tuple' };
    if (key === 'tags' && typeof second === 'number' && third === 'term')
      return { mapped: true, ours: item!.categories[second], kind: 'exact' };
    if (key === 'category' && keys.length === 1) return { mapped: true, ours: item!.categories[0], kind: 'exact' };
    if (key === 'enclosures' && typeof second === 'number') {
      const enclosure = item!.enclosures[second];
      if (third === 'href' || third === 'url') return { mapped: true, ours: enclosure?.url, kind: 'url' };
      if (third === 'type') return { mapped: true, ours: enclosure?.type, kind: 'exact' };
      if (third === 'length')
        return {
          mapped: true,
          ours: enclosure?.length === undefined ? undefined : String(enclosure.length),
          kind: 'exact',
        };
    }
  }
  const authors = subject.authors;
  if (key === 'author' && keys.length === 1) return { mapped: true, ours: authorString(authors[0]), kind: 'exact' };
  if (key === 'author_detail') {
    const field = personField(authors[0], second);
    if (field.mapped)
      return { mapped: true, ours: field.ours, kind: second === 'email' || second === 'name' ? 'exact' : 'url' };
  }
  if (key === 'authors' && typeof second === 'number') {
    const field = personField(authors[second], third);
    if (field.mapped)
      return { mapped: true, ours: field.ours, kind: third === 'email' || third === 'name' ? 'exact' : 'url' };
  }
  return { mapped: false };
}

function evaluate(kind: Kind, ours: unknown, expected: unknown): boolean {
  switch (kind) {
    case 'text':
      return sameText(ours as string | undefined, expected);
    case 'html':
      return sameHtml(ours as string | undefined, expected);
    case 'url':
      return sameUrl(ours, expected);
    case 'tuple':
      return Array.isArray(expected) && JSON.stringify(ours) === JSON.stringify(expected.slice(0, 6));
    case 'encoding':
      return (
        typeof ours === 'string' &&
        typeof expected === 'string' &&
        ours.toLowerCase() === new TextDecoder(expected).encoding
      );
    default:
      return ours === expected || (typeof expected === 'number' && ours === String(expected));
  }
}

/** feedparser's test files carry HTTP headers in their opening comment ("Header: Content-Location: ..."). */
function headersOf(text: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const match of text.matchAll(/^Header:\s*([\w-]+):\s*(.*)$/gm))
    headers[match[1]!.toLowerCase()] = match[2]!.trim();
  return headers;
}

interface FeedparserTally {
  total: number;
  mapped: number;
  pass: number;
  fail: number;
  notMapped: number;
  byFolder: Record<string, { mapped: number; pass: number }>;
  /** Expectations that check nothing in Potluck's model, by the key they check (`entries.#.rights`). */
  unmapped: Record<string, number>;
  failures: string[];
}

// A feed with one of everything, used to ask "does this path map?" independently of what a file contains.
const PROBE: ParsedFeed = {
  format: 'rss',
  encoding: 'utf-8',
  title: '',
  description: '',
  authors: [],
  categories: [],
  items: [{ id: '', title: '', contentHtml: '', authors: [], categories: [], enclosures: [] }],
};

function runFeedparser(): FeedparserTally {
  const expectations = JSON.parse(
    readFileSync(path.join(corpora, 'feedparser/expectations.json'), 'utf8'),
  ) as Expectation[];
  const tally: FeedparserTally = {
    total: 0,
    mapped: 0,
    pass: 0,
    fail: 0,
    notMapped: 0,
    byFolder: {},
    unmapped: {},
    failures: [],
  };
  for (const expectation of expectations) {
    if (!expectation.file.startsWith('tests/wellformed/')) continue;
    tally.total++;
    const folder = expectation.file.split('/')[2]!;
    const bytes = readFileSync(path.join(corpora, 'feedparser', expectation.file));
    const latin = new TextDecoder('latin1').decode(bytes.subarray(0, 2000));
    const headers = headersOf(latin);
    // feedparser's own harness serves each file from this address; Content-Location, when given, overrides it.
    const documentUrl = `http://127.0.0.1:8097/${expectation.file}`;
    const url = headers['content-location'] ? new URL(headers['content-location'], documentUrl).href : documentUrl;
    const result = parseFeed(bytes, {
      url,
      ...(headers['content-type'] ? { contentType: headers['content-type'] } : {}),
    });
    const counts = (tally.byFolder[folder] ??= { mapped: 0, pass: 0 });
    const outcomes: Array<{ ok: boolean; path: string; ours: unknown; expected: unknown }> = [];
    for (const check of expectation.checks) {
      // Whether a path maps depends on the path alone, so a parse failure only counts against mapped checks.
      if (!mapPath(PROBE, check.path, '').mapped) continue;
      if (!result.ok) {
        outcomes.push({ ok: false, path: check.path.join('.'), ours: `${result.reason}`, expected: check.equals });
        continue;
      }
      const mapped = mapPath(result.feed, check.path, latin);
      if (!mapped.mapped) continue;
      outcomes.push({
        ok: evaluate(mapped.kind, mapped.ours, check.equals),
        path: check.path.join('.'),
        ours: mapped.ours,
        expected: check.equals,
      });
    }
    if (outcomes.length === 0) {
      tally.notMapped++;
      const key = expectation.checks[0]!.path.map((part) => (typeof part === 'number' ? '#' : part)).join('.');
      tally.unmapped[key] = (tally.unmapped[key] ?? 0) + 1;
      continue;
    }
    tally.mapped++;
    counts.mapped++;
    if (outcomes.every((o) => o.ok)) {
      tally.pass++;
      counts.pass++;
    } else {
      tally.fail++;
      const bad = outcomes.filter((o) => !o.ok);
      tally.failures.push(
        `${expectation.file.replace('tests/wellformed/', '')} (${expectation.description}): ${bad
          .map((o) => `${o.path} ours=${JSON.stringify(o.ours)} expected=${JSON.stringify(o.expected)}`)
          .join('; ')}`,
      );
    }
  }
  return tally;
}

// ------------------------------------------------------------------------------------------------------------

describe('gofeed translator corpus', () => {
  // The floors are the counts reached when this was written; raise them when the parser gets better.
  const floors = {
    rss: { pass: 46, fields: 75 },
    atom: { pass: 34, fields: 35 },
    json: { pass: 1, fields: 39 },
  } as const;
  for (const format of ['rss', 'atom', 'json'] as const) {
    it(`${format}: at least ${floors[format].pass} fixtures match on every compared field`, () => {
      const tally = runGofeed(format);
      console.log(
        `gofeed ${format}: ${tally.pass} pass, ${tally.fail} fail, ${tally.notCompared} with no compared field; ${tally.fieldsMatching}/${tally.fields} compared fields match`,
      );
      if (verbose) {
        for (const line of tally.failures) console.log(`  FAIL ${line}`);
        for (const line of tally.skipped) console.log(`  SKIP ${line}`);
      }
      expect(tally.pass).toBeGreaterThanOrEqual(floors[format].pass);
      expect(tally.fieldsMatching).toBeGreaterThanOrEqual(floors[format].fields);
    });
  }
});

describe('feedparser wellformed corpus', () => {
  it('passes at least the measured number of mapped expectations', () => {
    const tally = runFeedparser();
    console.log(
      `feedparser wellformed: ${tally.total} expectations, ${tally.mapped} map onto Potluck's model, ${tally.pass} pass, ${tally.fail} fail, ${tally.notMapped} not mapped`,
    );
    for (const [folder, counts] of Object.entries(tally.byFolder))
      console.log(`  ${folder}: ${counts.pass}/${counts.mapped}`);
    if (verbose) {
      for (const line of tally.failures) console.log(`  FAIL ${line}`);
      const unmapped = Object.entries(tally.unmapped).sort((a, b) => b[1] - a[1]);
      for (const [key, count] of unmapped) console.log(`  UNMAPPED ${count} ${key}`);
    }
    expect(tally.total).toBe(842);
    expect(tally.pass).toBeGreaterThanOrEqual(389);
  });
});
