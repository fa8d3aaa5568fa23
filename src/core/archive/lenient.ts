/**
 * Reading archives that another tool or a person wrote. Before the schemas (schema.ts) check a file, its data is
 * read the way other tools write the same things: profile links as plain addresses, tags in any case and with
 * spaces, a Jekyll date with a space before its offset. A field that is odd but has a safe reading gets that reading
 * and a warning naming the file and the field, so one odd field never turns away a whole portfolio. A safe reading
 * never widens who sees work: an unknown visibility is private, an unclear `noindex` keeps search engines away.
 * What has no safe reading (an unsafe path, a cover that is not there, a body that does not render) is left for the
 * schemas and the reader to refuse.
 */
import { z } from 'zod';
import { ARTIFACT_KINDS } from '../artifacts.ts';
import { normalizeTag, type TagResult } from '../markdown/hashtags.ts';
import { VISIBILITIES } from '../visibility.ts';
import { isSafeRelativeFile, parseArchiveDate } from './schema.ts';
import { isSafeSlug, slugify } from './slug.ts';

/** What lenient reading found across one archive: warnings, and each distinct tag it changed. */
export interface Leniency {
  warnings: string[];
  /** Tag as written -> the tag it became, and the files it was written in. */
  tagChanges: Map<string, { tag: string; files: string[] }>;
  /** When the archive was made (potluck.json), the date of last resort for a piece without a readable one. */
  exportedAt?: Date;
}

export function newLeniency(): Leniency {
  return { warnings: [], tagChanges: new Map() };
}

/** One warning per distinct tag change, e.g. `Tag "Ünïcode Tag" became "ünïcode-tag" (in artifacts/a/index.md).` */
export function tagChangeWarnings(ctx: Leniency): string[] {
  return [...ctx.tagChanges].map(([from, { tag, files }]) => {
    const where = files.length === 1 ? files[0] : `${files[0]} and ${files.length - 1} more`;
    return `Tag "${from}" became "${tag}" (in ${where}).`;
  });
}

type Data = Record<string, unknown>;

const isObject = (v: unknown): v is Data => typeof v === 'object' && v !== null && !Array.isArray(v);
const webUrl = z.url({ protocol: /^https?$/ });
const isWebUrl = (v: unknown): v is string => typeof v === 'string' && webUrl.safeParse(v.trim()).success;
const idPattern = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;
const shown = (v: unknown) => (typeof v === 'string' ? `"${v.length > 60 ? `${v.slice(0, 60)}…` : v}"` : JSON.stringify(v) ?? String(v));

function cut(text: string, max: number): string {
  return [...text].length > max ? `${[...text].slice(0, max - 1).join('').trimEnd()}…` : text;
}

/** Text a field may hold: numbers and booleans as text (YAML reads `title: 1984` as a number). */
function asText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

/** A title from a folder or file name: `my-first-poem` -> "My first poem". */
function titleFromName(name: string): string {
  const words = name.replace(/[-_]+/g, ' ').trim();
  return words ? words[0].toUpperCase() + words.slice(1) : 'Untitled';
}

const jekyllDate = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)\s+(Z|UTC|GMT|[+-]\d{2}:?\d{2})$/;
const rfc2822 = /^(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s+\d{2}:\d{2}(?::\d{2})?\s*(?:[+-]\d{4}|GMT|UTC|Z)$/;

/** A date as Potluck writes it, or as Jekyll (`2024-09-12 14:30:00 +0100`) and feeds (RFC 2822) write it. */
export function readLenientDate(value: unknown): Date | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  const direct = parseArchiveDate(text);
  if (direct) return direct;
  const j = jekyllDate.exec(text);
  if (j) return parseArchiveDate(`${j[1]}T${j[2]}${/^(UTC|GMT)$/.test(j[3]) ? 'Z' : j[3]}`);
  if (rfc2822.test(text)) {
    const date = new Date(text);
    return Number.isNaN(date.getTime()) ? undefined : date;
  }
  return undefined;
}

/** A tag as Potluck stores it, from a tag written any way: lowercased, spaces and other separators as hyphens. */
export function readLenientTag(text: string): TagResult {
  const direct = normalizeTag(text);
  if (direct.ok) return direct;
  const cleaned = text
    .trim()
    .replace(/^#/, '')
    .normalize('NFC')
    .toLowerCase()
    .normalize('NFC')
    .replace(/[^\p{L}\p{M}\p{N}_-]+/gu, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[-_]+|[-_]+$/g, '');
  const second = cleaned ? normalizeTag(cleaned) : direct;
  return second.ok ? second : direct;
}

/** Tags as a list, a comma-separated string or a space-separated one (Jekyll's `tags: travel food`). */
function lenientTags(value: unknown, file: string, ctx: Leniency): string[] {
  let raw: unknown[];
  if (typeof value === 'string') raw = value.includes(',') ? value.split(',') : value.split(/\s+/u);
  else if (typeof value === 'number') raw = [String(value)];
  else if (Array.isArray(value)) raw = value;
  else {
    ctx.warnings.push(`${file}: tags must be a list, like [poetry, eng10]; ${shown(value)} was left out.`);
    return [];
  }
  const tags: string[] = [];
  for (const item of raw) {
    const text = asText(item);
    if (text === undefined) {
      ctx.warnings.push(`${file}: tags: ${shown(item)} is not a tag; it was left out.`);
      continue;
    }
    if (text.trim() === '' || text.trim() === '#') continue;
    const result = readLenientTag(text);
    if (!result.ok) {
      ctx.warnings.push(`${file}: tags: ${result.message} It was left out.`);
      continue;
    }
    const written = text.trim().replace(/^#/, '');
    if (written !== result.tag) {
      const change = ctx.tagChanges.get(written) ?? { tag: result.tag, files: [] };
      if (!change.files.includes(file)) change.files.push(file);
      ctx.tagChanges.set(written, change);
    }
    if (!tags.includes(result.tag)) tags.push(result.tag);
  }
  if (tags.length > 50) {
    ctx.warnings.push(`${file}: tags: a piece has at most 50 tags; the last ${tags.length - 50} were left out.`);
    return tags.slice(0, 50);
  }
  return tags;
}

/** Shared by pieces, revisions and collections: who may see it, never wider than written. */
function lenientVisibility(out: Data, file: string, what: string, ctx: Leniency): void {
  if (out.visibility === undefined || out.visibility === null) return;
  const v = typeof out.visibility === 'string' ? out.visibility.trim().toLowerCase() : undefined;
  if (v !== undefined && (VISIBILITIES as readonly string[]).includes(v)) {
    out.visibility = v;
    return;
  }
  ctx.warnings.push(
    `${file}: visibility ${shown(out.visibility)} is not one of ${VISIBILITIES.join(', ')}, so ${what} comes in private; choose who sees it after the import.`,
  );
  out.visibility = 'private';
}

function lenientKind(out: Data, file: string, ctx: Leniency): void {
  if (out.kind === undefined || out.kind === null) return;
  const k = typeof out.kind === 'string' ? out.kind.trim().toLowerCase() : undefined;
  if (k !== undefined && (ARTIFACT_KINDS as readonly string[]).includes(k)) {
    out.kind = k;
    return;
  }
  ctx.warnings.push(`${file}: kind ${shown(out.kind)} is not one of ${ARTIFACT_KINDS.join(', ')}, so the piece comes in as a post.`);
  out.kind = 'post';
}

function lenientTitle(out: Data, file: string, name: string, ctx: Leniency, max = 200): void {
  const text = asText(out.title)?.trim();
  if (!text) {
    const title = titleFromName(name);
    ctx.warnings.push(`${file}: title is ${out.title === undefined || out.title === null ? 'missing' : `${shown(out.title)}, not text`}, so it is called "${title}"; give it a title of its own after the import.`);
    out.title = title;
  } else if ([...text].length > max) {
    out.title = cut(text, max);
    ctx.warnings.push(`${file}: title is longer than ${max} characters, so it was shortened to "${out.title}".`);
  }
}

function lenientShortText(out: Data, key: string, file: string, max: number, ctx: Leniency): void {
  const value = out[key];
  if (value === undefined || value === null) return;
  const text = asText(value);
  if (text === undefined) {
    ctx.warnings.push(`${file}: ${key} must be text; ${shown(value)} was left out.`);
    delete out[key];
  } else if ([...text.trim()].length > max) {
    out[key] = cut(text.trim(), max);
    ctx.warnings.push(`${file}: ${key} is longer than ${max} characters, so it was shortened.`);
  }
}

function lenientUrl(out: Data, key: string, file: string, ctx: Leniency): void {
  const value = out[key];
  if (value === undefined || value === null || value === '') {
    delete out[key];
    return;
  }
  if (isWebUrl(value)) {
    out[key] = value.trim();
    return;
  }
  ctx.warnings.push(`${file}: ${key} ${shown(value)} is not a web address starting with https://, so it was left out.`);
  delete out[key];
}

/** The frontmatter of `artifacts/<folder>/index.md`, read leniently (see the file comment). */
export function lenientArtifact(data: Data, file: string, folder: string, ctx: Leniency): Data {
  const out: Data = { ...data };
  if (out.id !== undefined && out.id !== null) {
    const id = typeof out.id === 'number' ? String(out.id) : out.id;
    if (typeof id !== 'string' || !idPattern.test(id)) {
      ctx.warnings.push(`${file}: id ${shown(out.id)} is not an id Potluck can keep (letters, digits, "-", "_", "." or ":"), so the piece gets one of its own.`);
      delete out.id;
    }
  }
  if (out.slug !== undefined && out.slug !== null && !(typeof out.slug === 'string' && isSafeSlug(out.slug))) {
    const text = asText(out.slug);
    const slug = text ? slugify(text) : undefined;
    if (slug && isSafeSlug(slug)) {
      ctx.warnings.push(`${file}: slug ${shown(out.slug)} is not an address (a–z, 0–9 and single hyphens), so the piece is at ${slug}.`);
      out.slug = slug;
    } else {
      ctx.warnings.push(`${file}: slug ${shown(out.slug)} is not an address, so the piece is at its folder's name.`);
      delete out.slug;
    }
  }
  lenientTitle(out, file, folder, ctx);
  const updated = out.updated === undefined || out.updated === null || out.updated === '' ? undefined : readLenientDate(out.updated);
  if (out.updated !== undefined && out.updated !== null && out.updated !== '' && !updated) {
    ctx.warnings.push(`${file}: updated ${shown(out.updated)} is not a date Potluck can read, so it was left out.`);
  }
  if (updated) out.updated = updated;
  else delete out.updated;
  const date = readLenientDate(out.date);
  if (date) out.date = date;
  else {
    const fallback = updated ?? ctx.exportedAt;
    if (fallback) {
      const from = updated ? 'its "updated" date' : 'when the archive was made';
      const what = out.date === undefined || out.date === null ? 'date is missing' : `date ${shown(out.date)} is not a date Potluck can read`;
      ctx.warnings.push(`${file}: ${what}, so the piece is dated ${fallback.toISOString().slice(0, 10)} (${from}); write its date like 2024-09-12.`);
      out.date = fallback;
    }
  }
  lenientShortText(out, 'summary', file, 500, ctx);
  if (out.tags !== undefined && out.tags !== null) out.tags = lenientTags(out.tags, file, ctx);
  lenientVisibility(out, file, 'the piece', ctx);
  lenientKind(out, file, ctx);
  if (out.cover !== undefined && out.cover !== null && typeof out.cover !== 'string') {
    ctx.warnings.push(`${file}: cover ${shown(out.cover)} is not the name of a picture, so the piece has no cover.`);
    delete out.cover;
  }
  if (out.cover === '' || out.cover === null) delete out.cover;
  lenientUrl(out, 'canonical', file, ctx);
  lenientUrl(out, 'link', file, ctx);
  if (out.kind === 'link' && !out.link) {
    ctx.warnings.push(`${file}: kind is link but there is no web address to link to, so the piece comes in as a post.`);
    out.kind = 'post';
  }
  if (out.syndication !== undefined && out.syndication !== null) {
    const list = typeof out.syndication === 'string' ? [out.syndication] : Array.isArray(out.syndication) ? out.syndication : undefined;
    if (!list) {
      ctx.warnings.push(`${file}: syndication must be a list of web addresses; ${shown(out.syndication)} was left out.`);
      out.syndication = [];
    } else {
      const good = list.filter((u): u is string => isWebUrl(u)).map((u) => u.trim());
      for (const u of list.filter((x) => !isWebUrl(x))) ctx.warnings.push(`${file}: syndication ${shown(u)} is not a web address starting with https://, so it was left out.`);
      if (good.length > 100) ctx.warnings.push(`${file}: syndication lists more than 100 places; the first 100 were kept.`);
      out.syndication = [...new Set(good)].slice(0, 100);
    }
  }
  if (out.format !== undefined && out.format !== null && out.format !== 'markdown' && out.format !== 'mdx') {
    ctx.warnings.push(`${file}: format ${shown(out.format)} is not markdown or mdx, so the file's name decides.`);
    delete out.format;
  }
  return out;
}

/** The frontmatter of `revisions/<folder>/<n>.md`: as a piece's, for who sees it, its kind and its tags. */
export function lenientRevision(data: Data, file: string, ctx: Leniency): Data {
  const out: Data = { ...data };
  lenientVisibility(out, file, 'this revision', ctx);
  lenientKind(out, file, ctx);
  if (out.tags !== undefined && out.tags !== null) out.tags = lenientTags(out.tags, file, ctx);
  return out;
}

/** The frontmatter of `collections/<name>.md`. */
export function lenientCollection(data: Data, file: string, name: string, ctx: Leniency): Data {
  const out: Data = { ...data };
  lenientTitle(out, file, name, ctx);
  lenientVisibility(out, file, 'the showcase', ctx);
  if (out.items !== undefined && out.items !== null) {
    const list = typeof out.items === 'string' ? out.items.split(/[\s,]+/u).filter(Boolean) : Array.isArray(out.items) ? out.items : undefined;
    if (!list) {
      ctx.warnings.push(`${file}: items must be a list of artifact folder names; ${shown(out.items)} was left out.`);
      out.items = [];
    } else {
      const items: string[] = [];
      for (const item of list) {
        const text = asText(item);
        const slug = text === undefined ? undefined : isSafeSlug(text) ? text : slugify(text);
        if (!slug || !isSafeSlug(slug)) {
          ctx.warnings.push(`${file}: items: ${shown(item)} is not an artifact folder name; it was left out.`);
          continue;
        }
        if (items.includes(slug)) {
          ctx.warnings.push(`${file}: items lists "${slug}" more than once; it is shown once.`);
          continue;
        }
        items.push(slug);
      }
      if (items.length > 200) ctx.warnings.push(`${file}: items lists more than 200 pieces; the first 200 were kept.`);
      out.items = items.slice(0, 200);
    }
  }
  return out;
}

/** Profile links as other tools write them: `{label, url}`, `{title|name|text, href|link}`, or a plain address. */
function lenientLinks(value: unknown, file: string, ctx: Leniency): { label: string; url: string }[] {
  const list = Array.isArray(value) ? value : typeof value === 'string' || isObject(value) ? [value] : undefined;
  if (!list) {
    ctx.warnings.push(`${file}: profile.links must be a list of links; ${shown(value)} was left out.`);
    return [];
  }
  const links: { label: string; url: string }[] = [];
  for (const [i, item] of list.entries()) {
    const url = typeof item === 'string' ? item : isObject(item) ? (item.url ?? item.href ?? item.link) : undefined;
    if (!isWebUrl(url)) {
      ctx.warnings.push(`${file}: profile.links.${i} ${shown(url ?? item)} is not a web address starting with https://, so it was left out.`);
      continue;
    }
    const given = isObject(item) ? asText(item.label ?? item.title ?? item.name ?? item.text)?.trim() : undefined;
    const label = given ? cut(given, 100) : new URL(url.trim()).hostname;
    links.push({ label, url: url.trim() });
  }
  if (links.length > 20) ctx.warnings.push(`${file}: profile.links has more than 20 links; the first 20 were kept.`);
  return links.slice(0, 20);
}

/** `potluck.json`, read leniently; a `format` other than potluck-archive/1 is left for the schema to refuse. */
export function lenientManifest(json: unknown, file: string, ctx: Leniency): unknown {
  if (!isObject(json)) return json;
  const out: Data = { ...json };
  if (out.format === undefined) {
    ctx.warnings.push(`${file}: format is missing; the archive is read as potluck-archive/1.`);
    out.format = 'potluck-archive/1';
  }
  const exportedAt = readLenientDate(out.exportedAt);
  if (exportedAt) out.exportedAt = exportedAt.toISOString();
  else {
    if (out.exportedAt !== undefined) ctx.warnings.push(`${file}: exportedAt ${shown(out.exportedAt)} is not a date; it was left out.`);
    delete out.exportedAt;
  }
  ctx.exportedAt = exportedAt;

  const profile: Data = isObject(out.profile) ? { ...out.profile } : {};
  if (!isObject(out.profile)) ctx.warnings.push(`${file}: profile is ${out.profile === undefined ? 'missing' : 'not {handle, name, bio, links}'}; the account's details are left as they are.`);
  const handle = asText(profile.handle)?.trim();
  if (profile.handle !== undefined && (!handle || handle.length > 30)) {
    ctx.warnings.push(`${file}: profile.handle ${shown(profile.handle)} is not a handle; it was left out.`);
    delete profile.handle;
  } else if (handle) profile.handle = handle;
  if (!asText(profile.name)?.trim()) {
    const name = (profile.handle as string | undefined) ?? 'Student';
    if (isObject(out.profile)) ctx.warnings.push(`${file}: profile.name is missing, so the account is called "${name}"; change it on the Account page.`);
    profile.name = name;
  } else if ([...asText(profile.name)!.trim()].length > 100) {
    profile.name = cut(asText(profile.name)!.trim(), 100);
    ctx.warnings.push(`${file}: profile.name is longer than 100 characters, so it was shortened.`);
  }
  lenientShortText(profile, 'bio', file, 2000, ctx);
  if (profile.links !== undefined && profile.links !== null) profile.links = lenientLinks(profile.links, file, ctx);
  if (profile.avatar !== undefined && profile.avatar !== null) {
    const avatar = profile.avatar;
    if (typeof avatar !== 'string' || !avatar.startsWith('media/') || !isSafeRelativeFile(avatar)) {
      ctx.warnings.push(`${file}: profile.avatar ${shown(avatar)} is not a picture in media/, so the account keeps its own picture.`);
      delete profile.avatar;
    }
  }
  out.profile = profile;

  const site: Data = isObject(out.site) ? { ...out.site } : {};
  if (!asText(site.title)?.trim()) {
    site.title = profile.name;
    ctx.warnings.push(`${file}: site.title is missing, so the site is called "${String(site.title)}".`);
  } else if ([...asText(site.title)!.trim()].length > 200) {
    site.title = cut(asText(site.title)!.trim(), 200);
    ctx.warnings.push(`${file}: site.title is longer than 200 characters, so it was shortened.`);
  }
  lenientUrl(site, 'baseUrl', file, ctx);
  if (site.license !== undefined && site.license !== null) {
    const license = asText(site.license)?.trim();
    if (!license || license.length > 200) {
      ctx.warnings.push(`${file}: site.license ${shown(site.license)} is not a licence name; it was left out.`);
      delete site.license;
    } else site.license = license;
  }
  if (site.noindex !== undefined && site.noindex !== null && typeof site.noindex !== 'boolean') {
    const said = String(site.noindex).trim().toLowerCase();
    if (['false', 'no', '0', 'off'].includes(said)) site.noindex = false;
    else {
      if (!['true', 'yes', '1', 'on'].includes(said)) {
        ctx.warnings.push(`${file}: site.noindex ${shown(site.noindex)} is not true or false, so search engines are asked to stay away (change it on the Account page).`);
      }
      site.noindex = true;
    }
  }
  out.site = site;
  return out;
}
