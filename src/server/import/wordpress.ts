/**
 * WordPress exports (WXR, the "Tools → Export" file): posts and pages become pieces, with their dates (in UTC),
 * categories and tags (both as tags), excerpts (as summaries) and the author's display name as the profile's.
 * WordPress stores a post as it was typed, not as the page showed it, so the body is first made into the HTML
 * WordPress would have shown: block-editor comments removed, the shortcodes an export commonly holds (`[caption]`,
 * `[gallery]`, `[embed]`, `[audio]`, `[video]`, `[code]`) turned into what they show, and the blank lines between
 * paragraphs into paragraphs (WordPress's `wpautop`). Then it becomes Markdown (html.ts).
 *
 * Pictures and attachments on the old site's uploads are brought along through safeFetch (remoteFiles.ts); what
 * cannot be stays a link, named in the report. Comments, revisions, menus and trashed posts are not pieces.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { PotluckError } from '../../core/errors.ts';
import { htmlToMarkdown, htmlToPlainText } from './htmlMarkdown.ts';
import { fileNameOf, isKeepableFile, isPictureName } from './fileKinds.ts';
import { RemoteFiles, localFileName } from './remoteFiles.ts';
import { StagedArchive } from './stagedArchive.ts';
import { importableTags, tagWarnings } from './tags.ts';
import { foreignId } from './types.ts';
import type { ConvertInput, ConvertReport } from './types.ts';
import { attr, child, childText, children, parseSafeXml, readXmlFile, textOf } from './xml.ts';
import type { XmlNode } from './xml.ts';

/** Most items (posts, pages, attachments, menu entries together) read from one export. */
export const MAX_WXR_ITEMS = 20_000;

/** Post types that are a student's writing. Everything else an export holds is site machinery. */
const PIECE_TYPES = new Set(['post', 'page', 'jetpack-portfolio', 'portfolio', 'project']);
/** Post types that are parts of other posts or of the site, left out without a word. */
const SILENT_TYPES = new Set(['attachment', 'revision', 'nav_menu_item', 'custom_css', 'customize_changeset', 'oembed_cache', 'user_request', 'wp_block', 'wp_template', 'wp_template_part', 'wp_global_styles', 'wp_navigation', 'wp_font_family', 'wp_font_face', 'feedback']);
const DRAFT_STATUSES = new Set(['draft', 'pending', 'private', 'future']);
const LEFT_OUT_STATUSES = new Set(['trash', 'auto-draft']);

/** Shortcodes turned into what they show; any other `[name …]…[/name]` is left as text with a warning. */
const HANDLED_SHORTCODES = new Set(['caption', 'wp_caption', 'gallery', 'embed', 'audio', 'video', 'code', 'sourcecode']);

/** Whether the start of a file is a WordPress export (cheap: for format detection before parsing). */
export function isWordpressExport(firstBytes: string): boolean {
  const head = firstBytes.slice(0, 8192);
  return /<rss[\s>]/.test(head) && /xmlns:wp="https?:\/\/(?:wordpress\.org|wordpress\.com)\/export\//.test(head);
}

interface Attachment {
  id: string;
  url: string;
  title: string;
  parent: string;
  alt: string;
}

function escapeAttr(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The attributes of a shortcode's opening tag (`id="1" align=center caption='A'`). */
export function shortcodeAttributes(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const match of text.matchAll(/([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"']+))/g)) {
    out[match[1].toLowerCase()] = match[2] ?? match[3] ?? match[4] ?? '';
  }
  return out;
}

/** Parses a WordPress "YYYY-MM-DD HH:MM:SS" (UTC for `_gmt` fields); undefined for WordPress's "never" zeros. */
function wpDate(text: string): Date | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?/.exec(text.trim());
  if (!match || match[1] === '0000') return undefined;
  const date = new Date(Date.UTC(+match[1], +match[2] - 1, +match[3], +(match[4] ?? 0), +(match[5] ?? 0), +(match[6] ?? 0)));
  return Number.isNaN(date.getTime()) || date.getUTCFullYear() < 1970 ? undefined : date;
}

function rfcDate(text: string): Date | undefined {
  if (!text.trim()) return undefined;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) || date.getUTCFullYear() < 1970 ? undefined : date;
}

const BLOCK_START = /^<(?:table|thead|tfoot|caption|colgroup|tbody|tr|td|th|div|dl|dd|dt|ul|ol|li|pre|form|blockquote|address|math|style|p|h[1-6]|hr|fieldset|section|article|aside|hgroup|header|footer|nav|figure|figcaption|details|menu|summary|iframe|video|audio|object|script)[\s>/]/i;

/**
 * WordPress's `wpautop`, in the part that matters for reading a post: text separated by blank lines becomes
 * paragraphs, a single line break inside one becomes `<br>`, and chunks that already are block HTML stay as they
 * are. `<pre>` blocks are left alone.
 */
export function wpautop(text: string): string {
  const pres: string[] = [];
  const protectedText = text.replace(/\r\n?/g, '\n').replace(/<pre[\s\S]*?<\/pre>/gi, (pre) => {
    pres.push(pre);
    return `\n\n\u0000${pres.length - 1}\u0000\n\n`;
  });
  const chunks = protectedText.split(/\n\s*\n/).map((chunk) => chunk.trim()).filter(Boolean);
  return chunks
    .map((chunk) => {
      const pre = /^\u0000(\d+)\u0000$/.exec(chunk);
      if (pre) return pres[Number(pre[1])];
      if (BLOCK_START.test(chunk)) return chunk;
      return `<p>${chunk.replace(/\n/g, '<br />\n')}</p>`;
    })
    .join('\n');
}

interface ShortcodeContext {
  postId: string;
  attachments: Map<string, Attachment>;
  children: Map<string, Attachment[]>;
  unknown: Set<string>;
  galleriesWithoutPictures: number;
}

function figure(attachment: Attachment, size?: string): string {
  void size;
  const alt = attachment.alt || attachment.title;
  return `<figure><img src="${escapeAttr(attachment.url)}" alt="${escapeAttr(alt)}"></figure>`;
}

/** Turns the shortcodes an export commonly holds into the HTML they show; notes the ones it does not know. */
export function expandShortcodes(content: string, context: ShortcodeContext): string {
  const escapes: string[] = [];
  let text = content.replace(/\[\[([^[\]]*)\]\]/g, (_, inner: string) => {
    escapes.push(`[${inner}]`);
    return `\u0001${escapes.length - 1}\u0001`;
  });

  text = text.replace(/\[(caption|wp_caption)([^\]]*)\]([\s\S]*?)\[\/\1\]/gi, (_, _name: string, attrs: string, inner: string) => {
    const attributes = shortcodeAttributes(attrs);
    const markup = (inner.match(/^\s*(?:<a\b[^>]*>\s*)?<img\b[^>]*>(?:\s*<\/a>)?/i) ?? [''])[0];
    const caption = (attributes.caption ?? inner.slice(markup.length)).trim();
    return `\n\n<figure>${markup.trim()}${caption ? `<figcaption>${caption}</figcaption>` : ''}</figure>\n\n`;
  });

  text = text.replace(/\[gallery([^\]]*)\]/gi, (_, attrs: string) => {
    const attributes = shortcodeAttributes(attrs);
    const ids = (attributes.ids ?? attributes.include ?? '').split(',').map((id) => id.trim()).filter(Boolean);
    const pictures = (ids.length ? ids.map((id) => context.attachments.get(id)) : (context.children.get(context.postId) ?? []))
      .filter((a): a is Attachment => a !== undefined && isPictureName(a.url));
    if (pictures.length === 0) {
      context.galleriesWithoutPictures++;
      return '';
    }
    return `\n\n${pictures.map((picture) => figure(picture, attributes.size)).join('\n\n')}\n\n`;
  });

  text = text.replace(/\[embed([^\]]*)\]([\s\S]*?)\[\/embed\]/gi, (_, _attrs: string, inner: string) => {
    const url = inner.trim();
    return `\n\n<p><a href="${escapeAttr(url)}">${escapeText(url)}</a></p>\n\n`;
  });

  text = text.replace(/\[(audio|video)([^\]]*)\](?:([\s\S]*?)\[\/\1\])?/gi, (_, name: string, attrs: string, inner: string | undefined) => {
    const attributes = shortcodeAttributes(attrs);
    const keys = name.toLowerCase() === 'audio' ? ['src', 'mp3', 'm4a', 'ogg', 'wav', 'wma'] : ['src', 'mp4', 'm4v', 'webm', 'ogv', 'wmv', 'flv'];
    const url = keys.map((key) => attributes[key]).find(Boolean) ?? (inner ?? '').replace(/<[^>]*>/g, '').trim();
    if (!url) return '';
    const label = `${name.toLowerCase() === 'audio' ? 'Audio' : 'Video'}: ${fileNameOf(url)}`;
    return `\n\n<p><a href="${escapeAttr(url)}">${escapeText(label)}</a></p>\n\n`;
  });

  text = text.replace(/\[(code|sourcecode)([^\]]*)\]([\s\S]*?)\[\/\1\]/gi, (_, _name: string, _attrs: string, inner: string) => {
    return `\n\n<pre><code>${escapeText(inner.replace(/^\n+|\n+$/g, ''))}</code></pre>\n\n`;
  });

  for (const match of text.matchAll(/\[([a-zA-Z][\w-]*)([^\]\n]*)\]/g)) {
    const name = match[1].toLowerCase();
    if (HANDLED_SHORTCODES.has(name)) continue;
    const closed = new RegExp(`\\[\\/${match[1]}\\]`, 'i').test(text);
    if (closed || /=/.test(match[2]) || match[2].trim() === '/') context.unknown.add(name);
  }
  return text.replace(/\u0001(\d+)\u0001/g, (_, n: string) => escapes[Number(n)]);
}

/** Removes the block editor's `<!-- wp:name {…} -->` and `<!-- /wp:name -->` comments. */
export function removeBlockComments(content: string): string {
  return content.replace(/<!--\s*\/?wp:[\s\S]*?-->/g, '');
}

/** Converts a WordPress export file (or a folder holding one .xml export) into an archive folder. */
export async function convertWordpress(input: ConvertInput): Promise<ConvertReport> {
  const file = await findExportFile(input.source, input.label);
  const text = await readXmlFile(file, input.label);
  if (!isWordpressExport(text)) {
    throw new PotluckError('BAD_ARCHIVE', `${input.label} is not a WordPress export: it has no WordPress (WXR) namespace. Export it from WordPress with Tools → Export → All content.`);
  }
  const tree = parseSafeXml(text, input.label);
  const channel = child(child(tree, 'rss'), 'channel');
  if (!channel) throw new PotluckError('BAD_ARCHIVE', `${input.label} has no <channel>; export it again from WordPress (Tools → Export).`);
  const items = children(channel, 'item');
  if (items.length > MAX_WXR_ITEMS) {
    throw new PotluckError('BAD_ARCHIVE', `${input.label} holds ${items.length} items; at most ${MAX_WXR_ITEMS} are read at once. Export one year or one category at a time (Tools → Export → Posts, with a date range).`);
  }

  const warnings: string[] = [];
  const drafts: string[] = [];
  const siteHosts = new Set(
    [childText(channel, 'base_site_url'), childText(channel, 'base_blog_url'), childText(channel, 'link')]
      .map((url) => {
        try {
          return new URL(url).host.toLowerCase();
        } catch {
          return '';
        }
      })
      .filter(Boolean),
  );
  const isUpload = (url: string): boolean => {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return false;
    }
    const host = parsed.host.toLowerCase();
    if (host.endsWith('.files.wordpress.com')) return true;
    return siteHosts.has(host) && (parsed.pathname.includes('/wp-content/uploads/') || parsed.pathname.includes('/files/'));
  };

  const blogUrl = childText(channel, 'base_blog_url') || childText(channel, 'link');
  const authors = new Map<string, string>();
  for (const author of children(channel, 'author')) {
    const login = childText(author, 'author_login');
    const name = childText(author, 'author_display_name') || [childText(author, 'author_first_name'), childText(author, 'author_last_name')].filter(Boolean).join(' ');
    if (login) authors.set(login, name || login);
  }

  const attachments = new Map<string, Attachment>();
  const byParent = new Map<string, Attachment[]>();
  for (const item of items) {
    if (childText(item, 'post_type') !== 'attachment') continue;
    const url = childText(item, 'attachment_url') || childText(item, 'guid');
    if (!url) continue;
    const meta = postmeta(item);
    const attachment: Attachment = { id: childText(item, 'post_id'), url, title: childText(item, 'title'), parent: childText(item, 'post_parent'), alt: meta.get('_wp_attachment_image_alt') ?? '' };
    attachments.set(attachment.id, attachment);
    const siblings = byParent.get(attachment.parent) ?? [];
    siblings.push(attachment);
    byParent.set(attachment.parent, siblings);
  }

  const remote = new RemoteFiles(input.app, { dryRun: input.dryRun, warnings, signal: input.signal });
  const creators = new Map<string, number>();
  const otherTypes = new Map<string, number>();
  const leftOut: string[] = [];
  let comments = 0;
  const pieces = items.filter((item) => {
    const type = childText(item, 'post_type') || 'post';
    if (PIECE_TYPES.has(type)) return true;
    if (!SILENT_TYPES.has(type)) otherTypes.set(type, (otherTypes.get(type) ?? 0) + 1);
    return false;
  });

  // The profile's name is the display name of whoever wrote most of the posts.
  for (const item of pieces) {
    const creator = childText(item, 'creator');
    if (creator) creators.set(creator, (creators.get(creator) ?? 0) + 1);
  }
  const mainAuthor = [...creators.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  const staged = new StagedArchive(input.out, {
    handle: input.handle,
    name: mainAuthor ? (authors.get(mainAuthor) ?? mainAuthor) : undefined,
    siteTitle: childText(channel, 'title') || undefined,
  });
  let done = 0;
  for (const item of pieces) {
    if (input.signal?.aborted) throw input.signal.reason ?? new Error('The import was stopped.');
    input.onProgress?.({ step: 'convert', done, total: pieces.length, item: childText(item, 'title') });
    done++;
    const postId = childText(item, 'post_id');
    const title = childText(item, 'title');
    const status = childText(item, 'status') || 'publish';
    const name = title || `post ${postId}`;
    if (LEFT_OUT_STATUSES.has(status)) {
      leftOut.push(`"${name}" (${status === 'trash' ? 'in the trash' : 'an automatic draft'})`);
      continue;
    }
    comments += children(item, 'comment').length;

    const date =
      wpDate(childText(item, 'post_date_gmt')) ?? wpDate(childText(item, 'post_date')) ?? rfcDate(childText(item, 'pubDate')) ?? input.app.now();
    const updated = wpDate(childText(item, 'post_modified_gmt')) ?? wpDate(childText(item, 'post_modified'));
    const tags: string[] = [];
    for (const category of children(item, 'category')) {
      const domain = attr(category, 'domain') ?? 'category';
      const term = textOf(category).trim();
      if ((domain === 'category' || domain === 'post_tag') && term && !(domain === 'category' && term === 'Uncategorized') && !tags.includes(term)) tags.push(term);
    }

    const tagResult = importableTags(tags);
    warnings.push(...tagWarnings(`"${name}"`, tagResult));
    const context: ShortcodeContext = { postId, attachments, children: byParent, unknown: new Set(), galleriesWithoutPictures: 0 };
    const raw = childText(item, 'content:encoded');
    const html = wpautop(expandShortcodes(removeBlockComments(raw), context));
    let body = htmlToMarkdown(html);
    if (context.unknown.size) {
      const names = [...context.unknown].map((n) => `[${n}]`).join(', ');
      warnings.push(`"${name}": the shortcode${context.unknown.size === 1 ? '' : 's'} ${names} ${context.unknown.size === 1 ? 'has' : 'have'} no meaning outside WordPress and ${context.unknown.size === 1 ? 'is' : 'are'} left as text.`);
    }
    if (context.galleriesWithoutPictures) warnings.push(`"${name}": a gallery whose pictures are not in the export was left out.`);

    const meta = postmeta(item);
    const thumbnail = attachments.get(meta.get('_thumbnail_id') ?? '');
    const attachedFiles = (byParent.get(postId) ?? []).filter((a) => !isPictureName(a.url) && isKeepableFile(a.url) && !body.includes(a.url));
    if (attachedFiles.length) {
      body += `${body ? '\n' : ''}${attachedFiles.map((a) => `- [${(a.title || a.url.split('/').pop() || a.url).replace(/[[\]\\]/g, '\\$&')}](${a.url})`).join('\n')}\n`;
    }
    const brought = await remote.bring(name, body, isUpload, thumbnail && isUpload(thumbnail.url) ? [thumbnail.url] : []);
    const cover = thumbnail ? brought.files.find((f) => f.name === localFileName(thumbnail.url))?.name : undefined;

    // The post id within the blog identifies a post for good (exports repeat a guid when a post was copied).
    const id = foreignId('wordpress', input.handle, postId ? `${blogUrl}?p=${postId}` : childText(item, 'guid') || `${blogUrl}#${title}`);
    const excerpt = htmlToPlainText(childText(item, 'excerpt:encoded'));
    const added = await staged.add({
      id,
      slug: childText(item, 'post_name') || undefined,
      title,
      date,
      updated: updated && updated > date ? updated : undefined,
      summary: excerpt || undefined,
      tags: tagResult.tags,
      body: brought.body,
      canonical: status === 'publish' ? childText(item, 'link') || undefined : undefined,
      files: brought.files,
      cover,
    });
    if (added && (DRAFT_STATUSES.has(status) || childText(item, 'post_password'))) drafts.push(id);
  }
  input.onProgress?.({ step: 'convert', done, total: pieces.length });

  if (leftOut.length) warnings.push(`${leftOut.length === 1 ? 'One post was' : `${leftOut.length} posts were`} left out: ${leftOut.join(', ')}.`);
  if (comments) warnings.push(`${comments === 1 ? 'One comment was' : `${comments} comments were`} left out: Potluck keeps feedback from your class and teachers, not a blog's comments.`);
  for (const [type, count] of otherTypes) warnings.push(`${count} ${count === 1 ? 'item' : 'items'} of type "${type}" ${count === 1 ? 'was' : 'were'} left out: only posts and pages become pieces.`);
  const note = remote.dryRunNote();
  if (note) warnings.push(note);

  await staged.finish(input.app.now());
  return { kind: 'wordpress', platform: 'WordPress', warnings, drafts };
}

function postmeta(item: XmlNode): Map<string, string> {
  const out = new Map<string, string>();
  for (const meta of children(item, 'postmeta')) out.set(childText(meta, 'meta_key'), childText(meta, 'meta_value'));
  return out;
}

async function findExportFile(source: string, label: string): Promise<string> {
  const stat = await fs.stat(source).catch(() => undefined);
  if (!stat) throw new PotluckError('BAD_ARCHIVE', `${label} was not found.`);
  if (stat.isFile()) return source;
  const xml = (await fs.readdir(source)).filter((name) => name.toLowerCase().endsWith('.xml'));
  if (xml.length !== 1) {
    throw new PotluckError('BAD_ARCHIVE', `${label} should hold one WordPress export (.xml file); it holds ${xml.length}. Import each export on its own.`);
  }
  return path.join(source, xml[0]);
}
