/**
 * A blog's feed (RSS, Atom, JSON Feed) as an archive: each item a piece with its full content, dates, categories
 * as tags, and its pictures and enclosures. Micro.blog's export is a JSON Feed in a folder (or zip) with the
 * pictures beside it in `uploads/`; those are taken from the folder, and everything else the items point at is
 * fetched through safeFetch (remoteFiles.ts) or kept as a link.
 *
 * Reading is the hub's feed parser (core/feeds/parse.ts): it decides what a feed means by an item's id, content
 * (content:encoded before content before description; content_html before content_text), dates and people, and it
 * sanitizes. An item without a title gets none here: StagedArchive names it by its first words.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { PotluckError } from '../../core/errors.ts';
import { parseFeed } from '../../core/feeds/parse.ts';
import type { ParsedItem } from '../../core/feeds/parse.ts';
import { htmlToMarkdown, markdownTargets, markdownUrl } from './htmlMarkdown.ts';
import { fileNameOf, isKeepableFile, isPictureName } from './fileKinds.ts';
import { RemoteFiles, localFileName } from './remoteFiles.ts';
import { bringFromFolder } from './localFiles.ts';
import { StagedArchive } from './stagedArchive.ts';
import type { StagedFile } from './stagedArchive.ts';
import { importableTags, tagWarnings } from './tags.ts';
import { foreignId } from './types.ts';
import type { ConvertInput, ConvertReport } from './types.ts';
import { MAX_XML_BYTES, refuseEntityDeclarations } from './xml.ts';

/** Most items read from one feed. */
export const MAX_FEED_ITEMS = 20_000;

/** File names a feed is looked for under in a folder (Micro.blog's export names it feed.json). */
const FEED_NAMES = ['feed.json', 'feed.xml', 'atom.xml', 'rss.xml', 'index.xml', 'feed.atom', 'feed.rss'];

/**
 * Whether the start of a file is a feed (RSS, RDF, Atom or JSON Feed) and not a WordPress export or a Leap2A
 * file, which are feeds too but have their own converters.
 */
export function isFeed(firstBytes: string): boolean {
  const head = firstBytes.replace(/^\uFEFF/, '').trimStart().slice(0, 8192);
  if (head.startsWith('{')) return /"version"\s*:\s*"https?:\/\/jsonfeed\.org\/version\//.test(head) || /"items"\s*:/.test(head);
  if (/xmlns:wp="https?:\/\/wordpress\.(?:org|com)\/export\//.test(head) || /leapspecs\.org/.test(head)) return false;
  const root = /<(?!\?|!)(?:[\w.-]+:)?([\w.-]+)/.exec(head.replace(/<!--[\s\S]*?(?:-->|$)/g, ''));
  return root !== null && ['rss', 'feed', 'rdf'].includes(root[1].toLowerCase());
}

async function findFeed(source: string, label: string): Promise<{ file: string; folder?: string }> {
  const stat = await fs.stat(source).catch(() => undefined);
  if (!stat) throw new PotluckError('BAD_ARCHIVE', `${label} was not found.`);
  if (stat.isFile()) return { file: source };
  const names = await fs.readdir(source);
  const lower = new Map(names.map((name) => [name.toLowerCase(), name]));
  for (const wanted of FEED_NAMES) {
    const name = lower.get(wanted);
    if (name) return { file: path.join(source, name), folder: source };
  }
  const candidates = names.filter((name) => /\.(?:json|xml|rss|atom)$/i.test(name));
  if (candidates.length === 1) return { file: path.join(source, candidates[0]), folder: source };
  throw new PotluckError(
    'BAD_ARCHIVE',
    `${label} has no feed.json or feed.xml at its top level${candidates.length ? ` and ${candidates.length} other feed-like files` : ''}; put the feed there (a Micro.blog export has feed.json beside uploads/).`,
  );
}

function hostOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).host.toLowerCase();
  } catch {
    return undefined;
  }
}

/** Converts a feed file, or a folder (a Micro.blog export) holding one, into an archive folder. */
export async function convertFeed(input: ConvertInput): Promise<ConvertReport> {
  const { file, folder } = await findFeed(input.source, input.label);
  const stat = await fs.stat(file);
  if (stat.size > MAX_XML_BYTES) {
    throw new PotluckError('BAD_ARCHIVE', `${input.label} is ${Math.round(stat.size / 1024 / 1024)} MB; at most ${MAX_XML_BYTES / 1024 / 1024} MB of feed is read.`);
  }
  const bytes = await fs.readFile(file);
  const head = bytes.subarray(0, 4 * 1024 * 1024).toString('utf8');
  if (!head.trimStart().startsWith('{')) refuseEntityDeclarations(head, input.label);
  const parsed = parseFeed(bytes, { maxItems: MAX_FEED_ITEMS + 1 });
  if (!parsed.ok) throw new PotluckError('BAD_ARCHIVE', `${input.label} could not be read as a feed: ${parsed.message}`);
  const feed = parsed.feed;
  if (feed.items.length > MAX_FEED_ITEMS) {
    throw new PotluckError('BAD_ARCHIVE', `${input.label} has more than ${MAX_FEED_ITEMS} items; split it and import each part.`);
  }

  const siteHosts = new Set([hostOf(feed.link), hostOf(feed.feedUrl)].filter((h): h is string => h !== undefined));
  const microblog = (folder !== undefined && feed.format === 'json') || [...siteHosts].some((h) => h === 'micro.blog' || h.endsWith('.micro.blog'));
  const warnings: string[] = [];
  const remote = new RemoteFiles(input.app, { dryRun: input.dryRun, warnings, signal: input.signal });
  const staged = new StagedArchive(input.out, {
    handle: input.handle,
    name: feed.authors[0]?.name,
    bio: feed.description || undefined,
    siteTitle: feed.title || undefined,
  });

  let undated = 0;
  let done = 0;
  for (const item of feed.items) {
    if (input.signal?.aborted) throw input.signal.reason ?? new Error('The import was stopped.');
    input.onProgress?.({ step: 'convert', done, total: feed.items.length, item: item.title || item.url });
    done++;
    const name = item.title || item.url || item.id;
    const date = item.published ?? item.updated;
    if (!date) undated++;
    const tagResult = importableTags(item.categories);
    warnings.push(...tagWarnings(`"${name}"`, tagResult));

    let body = htmlToMarkdown(item.contentHtml);
    body = appendEnclosures(body, item);
    const files: StagedFile[] = [];
    // Files of the export folder first (Micro.blog's uploads/), then the rest from the web.
    const coverAddress = item.image && !markdownTargets(body).some((t) => t.url === item.image) ? item.image : undefined;
    let cover: string | undefined;
    if (folder) {
      const local = await bringFromFolder(folder, body, { siteHosts, extra: coverAddress ? [coverAddress] : [] });
      body = local.body;
      files.push(...local.files);
      cover = coverAddress ? local.names.get(coverAddress) : undefined;
    }
    const brought = await remote.bring(name, body, isKeepableFile, coverAddress && !cover && /^https?:/i.test(coverAddress) ? [coverAddress] : []);
    files.push(...brought.files);
    if (!cover && coverAddress) cover = brought.files.find((f) => /^https?:/i.test(coverAddress) && f.name === localFileName(coverAddress))?.name;

    await staged.add({
      id: foreignId('feed', input.handle, item.id || item.url || name),
      title: item.title,
      date: date ?? input.app.now(),
      updated: item.updated && date && item.updated > date ? item.updated : undefined,
      summary: item.summary,
      tags: tagResult.tags,
      body: brought.body,
      canonical: item.url,
      files,
      cover,
    });
  }
  input.onProgress?.({ step: 'convert', done, total: feed.items.length });
  if (undated) warnings.push(`${undated === 1 ? 'One item has' : `${undated} items have`} no date in the feed and ${undated === 1 ? 'was' : 'were'} dated today.`);
  const note = remote.dryRunNote();
  if (note) warnings.push(note);
  await staged.finish(input.app.now());
  return { kind: 'feed', platform: microblog ? 'Micro.blog' : 'a feed', warnings, drafts: [] };
}

/** Adds the item's enclosures that its content does not already show: pictures as pictures, other files as links. */
function appendEnclosures(body: string, item: ParsedItem): string {
  const shown = new Set(markdownTargets(body).map((t) => t.url));
  const lines: string[] = [];
  for (const enclosure of item.enclosures) {
    if (shown.has(enclosure.url)) continue;
    shown.add(enclosure.url);
    const label = (enclosure.title || fileNameOf(enclosure.url)).replace(/[[\]\\]/g, '\\$&');
    const picture = enclosure.type?.startsWith('image/') || isPictureName(enclosure.url);
    lines.push(picture ? `![${label}](${markdownUrl(enclosure.url)})` : `[${label}](${markdownUrl(enclosure.url)})`);
  }
  if (lines.length === 0) return body;
  return `${body}${body ? '\n' : ''}${lines.join('\n\n')}\n`;
}

