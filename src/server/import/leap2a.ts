/**
 * Mahara's Leap2A export (an Atom feed, leap2a.xml, with the files in files/): journal entries, pages and other
 * entries with content become pieces, with their tags (categories without a scheme; the ones with a scheme are
 * Mahara's own types), dates and attachments. A file is an entry of its own (`leap2:resource`, with an
 * `enclosure` link into files/): when another entry names it with `leap2:has_attachment` it goes along with that
 * entry, otherwise it becomes a piece of its own. Containers (a journal, a collection) and Mahara's own pages
 * (profile page, dashboard) are not pieces.
 *
 * Mahara has bound the `leap2:` prefix to more than one namespace URI over the years, so types and relations are
 * matched by their local names.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { PotluckError } from '../../core/errors.ts';
import { textToHtml } from '../../core/feeds/parseHtml.ts';
import { parseFeedDate } from '../../core/feeds/parseDate.ts';
import { htmlToMarkdown, markdownUrl } from './htmlMarkdown.ts';
import { isPictureName } from './fileKinds.ts';
import { bringFromFolder, fileInFolder } from './localFiles.ts';
import { StagedArchive } from './stagedArchive.ts';
import type { StagedFile } from './stagedArchive.ts';
import { importableTags, tagWarnings } from './tags.ts';
import { foreignId } from './types.ts';
import type { ConvertInput, ConvertReport } from './types.ts';
import { attr, child, childText, children, decodeXmlText, localName, parseSafeXml, rawOf, readXmlFile } from './xml.ts';
import type { XmlNode } from './xml.ts';

/** Most entries read from one export. */
export const MAX_LEAP2A_ENTRIES = 20_000;

/** Mahara's own pages, which every account has and nobody wrote. */
const SYSTEM_VIEWS = new Set(['profile', 'dashboard', 'grouphomepage']);

/** Whether the start of a file is a Leap2A export. */
export function isLeap2a(firstBytes: string): boolean {
  const head = firstBytes.slice(0, 8192);
  return /<feed[\s>]/.test(head) && /leapspecs\.org/.test(head);
}

interface Entry {
  node: XmlNode;
  id: string;
  title: string;
  type: string;
  /** Relations as `rel` local name -> targets. */
  links: Array<{ rel: string; href: string; type?: string; title?: string }>;
}

function entryType(node: XmlNode): string {
  const resource = attr(child(node, 'type'), 'resource') ?? '';
  return localName(resource.replace(/[#/]$/, '').split(/[#/]/).pop() ?? resource);
}

function relName(rel: string): string {
  return localName(rel.split(/[#/]/).pop() ?? rel);
}

/** An entry's content as HTML, whatever its Atom type. */
function contentHtml(node: XmlNode): string {
  const content = child(node, 'content');
  if (!content) return '';
  const type = (attr(content, 'type') ?? 'text').toLowerCase();
  const raw = rawOf(content);
  if (type === 'xhtml') return raw;
  if (type === 'html' || type === 'text/html') return decodeXmlText(raw);
  const text = decodeXmlText(raw).trim();
  return text ? textToHtml(text) : '';
}

async function findLeapFile(source: string, label: string): Promise<{ file: string; folder: string }> {
  const stat = await fs.stat(source).catch(() => undefined);
  if (!stat) throw new PotluckError('BAD_ARCHIVE', `${label} was not found.`);
  if (stat.isFile()) return { file: source, folder: path.dirname(source) };
  const names = await fs.readdir(source);
  const name = names.find((n) => n.toLowerCase() === 'leap2a.xml');
  if (!name) throw new PotluckError('BAD_ARCHIVE', `${label} has no leap2a.xml at its top level: give the zip Mahara exported (Portfolio → Export → Leap2A), unchanged.`);
  return { file: path.join(source, name), folder: source };
}

/** Converts a Leap2A export (the unpacked zip, or leap2a.xml beside its files/ folder) into an archive folder. */
export async function convertLeap2a(input: ConvertInput): Promise<ConvertReport> {
  const { file, folder } = await findLeapFile(input.source, input.label);
  const text = await readXmlFile(file, input.label);
  if (!isLeap2a(text)) {
    throw new PotluckError('BAD_ARCHIVE', `${input.label} is not a Leap2A export: its feed names no leapspecs.org vocabulary. Export it from Mahara with Portfolio → Export → Leap2A.`);
  }
  const feed = child(parseSafeXml(text, input.label, { stopNodes: ['*.content'] }), 'feed');
  if (!feed) throw new PotluckError('BAD_ARCHIVE', `${input.label} has no Atom <feed> at its top; export it again from Mahara.`);
  const nodes = children(feed, 'entry');
  if (nodes.length > MAX_LEAP2A_ENTRIES) {
    throw new PotluckError('BAD_ARCHIVE', `${input.label} has ${nodes.length} entries; at most ${MAX_LEAP2A_ENTRIES} are read at once.`);
  }

  const entries: Entry[] = nodes.map((node) => ({
    node,
    id: childText(node, 'id'),
    title: childText(node, 'title'),
    type: entryType(node),
    links: children(node, 'link').map((link) => ({ rel: relName(attr(link, 'rel') ?? 'alternate'), href: attr(link, 'href') ?? '', type: attr(link, 'type'), title: attr(link, 'title') })),
  }));
  const byId = new Map(entries.map((entry) => [entry.id, entry]));
  const attached = new Set(entries.flatMap((entry) => entry.links.filter((l) => l.rel === 'has_attachment').map((l) => l.href)));

  // Keys are the site's own ids of entries (stable across exports of one site), under the site's address.
  const feedId = childText(feed, 'id');
  let site = feedId;
  try {
    site = new URL(feedId).origin;
  } catch {
    // Not a URL: the id as written.
  }
  const author = child(feed, 'author');
  const person = entries.find((entry) => entry.type === 'person');
  const warnings: string[] = [];
  const staged = new StagedArchive(input.out, { handle: input.handle, name: childText(author, 'name') || person?.title || undefined });

  const leftOutViews: string[] = [];
  const withoutContent: string[] = [];
  let done = 0;
  for (const entry of entries) {
    if (input.signal?.aborted) throw input.signal.reason ?? new Error('The import was stopped.');
    input.onProgress?.({ step: 'convert', done, total: entries.length, item: entry.title });
    done++;
    if (entry.type === 'person') continue;
    const viewType = attr(child(entry.node, 'view'), 'type');
    if (viewType && SYSTEM_VIEWS.has(viewType)) {
      leftOutViews.push(`"${entry.title}"`);
      continue;
    }
    const isResource = entry.type === 'resource';
    if (isResource && attached.has(entry.id)) continue;

    const name = entry.title || entry.id;
    const files: StagedFile[] = [];
    let body = htmlToMarkdown(contentHtml(entry.node));
    // Files the content shows, from the export's folder.
    const shown = await bringFromFolder(folder, body);
    body = shown.body;
    files.push(...shown.files);
    // The entry's own file (a resource), then the files attached to it.
    const enclosures = [
      ...entry.links.filter((l) => l.rel === 'enclosure').map((l) => ({ href: l.href, title: entry.title, type: l.type })),
      ...entry.links
        .filter((l) => l.rel === 'has_attachment')
        .flatMap((l) => {
          const target = byId.get(l.href);
          if (!target) {
            warnings.push(`"${name}": an attachment (${l.href}) is not in the export; it was left out.`);
            return [];
          }
          return target.links.filter((t) => t.rel === 'enclosure').map((t) => ({ href: t.href, title: target.title, type: t.type }));
        }),
    ];
    const lines: string[] = [];
    for (const enclosure of enclosures) {
      const local = await fileInFolder(folder, enclosure.href, new Set());
      if (!local) {
        warnings.push(`"${name}": the file ${enclosure.href} is not in the export; it was left out.`);
        continue;
      }
      const relative = path.relative(folder, local).split(path.sep).join('/');
      if (files.some((f) => f.name === relative)) continue;
      files.push({ name: relative, from: local });
      const label = (enclosure.title || path.basename(relative)).replace(/[[\]\\]/g, '\\$&');
      const picture = enclosure.type?.startsWith('image/') || isPictureName(relative);
      lines.push(picture ? `![${label}](${markdownUrl(relative)})` : `[${label}](${markdownUrl(relative)})`);
    }
    if (lines.length) body = `${body}${body ? '\n' : ''}${lines.join('\n\n')}\n`;
    if (isResource && files.length === 0) continue;
    if (!body.trim()) {
      if (entry.type !== 'selection') withoutContent.push(`"${name}"`);
      continue;
    }

    const tags = children(entry.node, 'category')
      .filter((category) => !attr(category, 'scheme') || /#tags?$/i.test(attr(category, 'scheme') ?? ''))
      .map((category) => attr(category, 'term') ?? '')
      .filter(Boolean);
    const tagResult = importableTags(tags);
    warnings.push(...tagWarnings(`"${name}"`, tagResult));
    const published = parseFeedDate(childText(entry.node, 'published'));
    const updated = parseFeedDate(childText(entry.node, 'updated'));
    const date = published ?? updated ?? input.app.now();
    await staged.add({
      id: foreignId('leap2a', input.handle, `${site}|${entry.id}`),
      title: entry.title,
      date,
      updated: updated && updated > date ? updated : undefined,
      summary: childText(entry.node, 'summary') || undefined,
      tags: tagResult.tags,
      kind: isResource ? 'media' : 'post',
      body,
      files,
    });
  }
  input.onProgress?.({ step: 'convert', done, total: entries.length });
  if (leftOutViews.length) warnings.push(`Mahara's own ${leftOutViews.length === 1 ? 'page' : 'pages'} ${leftOutViews.join(', ')} ${leftOutViews.length === 1 ? 'was' : 'were'} left out: every Mahara account has them.`);
  if (withoutContent.length) warnings.push(`${withoutContent.join(', ')} ${withoutContent.length === 1 ? 'has' : 'have'} no content and ${withoutContent.length === 1 ? 'was' : 'were'} left out.`);
  await staged.finish(input.app.now());
  return { kind: 'leap2a', platform: 'Mahara', warnings, drafts: [] };
}

