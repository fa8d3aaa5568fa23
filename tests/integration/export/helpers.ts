import { runCliProcess } from '../../helpers/cli.ts';
/**
 * Helpers for the static-export tests: a generated portfolio, running `potluck site` as a shell would, a link checker
 * that walks an export on disk the way a browser opening it from file:// would, and page text extraction.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Element, Root, RootContent } from 'hast';
import { toText } from 'hast-util-to-text';
import rehypeParse from 'rehype-parse';
import sharp from 'sharp';
import { unified } from 'unified';
import { uploadMedia } from '../../../src/commands/mediaUploader.ts';
import { saveShowcase } from '../../../src/commands/showcaseSaver.ts';
import { parseSrcset } from '../../../src/core/html/urlAttributes.ts';
import type { AppContext } from '../../../src/server/context.ts';
import type { Media, User } from '../../../src/server/db/schema.ts';
import { markdownFor } from '../../../src/server/media/urls.ts';
import { fixture } from '../../fixtures/media/generate.ts';
import { makeArtifact, makeUser } from '../../helpers/factories.ts';
import type { TestServer } from '../../helpers/server.ts';


/** Runs `potluck site …` in a child process against a test server's data folder (the CLI renders in-process). */
export function runSiteCli(server: TestServer, args: string[], env: Record<string, string> = {}) {
  return runCliProcess(server, ['site', ...args], env);
}

/** A flat-colour picture with a label-like stripe (real pixels, made fast). */
export async function picture(seed: number, width = 900, height = 600): Promise<Buffer> {
  const colour = { r: (seed * 67) % 256, g: (seed * 131) % 256, b: (seed * 199) % 256 };
  return sharp({ create: { width, height, channels: 3, background: colour } })
    .composite([{ input: { create: { width, height: Math.max(1, height >> 3), channels: 3, background: '#ffffff' } }, top: 0, left: 0 }])
    .png()
    .toBuffer();
}

/** Uploads a picture for a user. */
export function uploadPicture(app: AppContext, owner: User, seed: number, alt: string): Promise<Media> {
  return picture(seed).then((bytes) => uploadMedia(app, { ownerId: owner.id, file: { name: `picture-${seed}.png`, bytes }, alt }));
}

/** What the generated portfolio holds, for assertions. */
export interface Portfolio {
  owner: User;
  publicSlugs: string[];
  publicTitles: string[];
  publicMedia: Media[];
  pdf: Media;
}

/**
 * Maya's portfolio: public posts with pictures (body and cover), an attachment, tags (one with an accent), a public
 * showcase, enough work for a second page; plus a private, a members-only and an unlisted piece with pictures.
 */
export async function makePortfolio(app: AppContext, handle = 'maya'): Promise<Portfolio> {
  const owner = await makeUser(app, { handle, name: 'Maya López' });
  const publicMedia: Media[] = [];
  const pdf = await uploadMedia(app, { ownerId: owner.id, file: { name: 'lab report.pdf', bytes: fixture('tiny.pdf') } });
  const publicSlugs: string[] = [];
  const publicTitles: string[] = [];
  const day = 86_400_000;
  for (let i = 0; i < 24; i++) {
    const withPicture = i % 4 === 0;
    const img = withPicture ? await uploadPicture(app, owner, i + 1, `Picture ${i}`) : null;
    if (img) publicMedia.push(img);
    const cover = i === 8 ? await uploadPicture(app, owner, 100, 'A cover') : null;
    if (cover) publicMedia.push(cover);
    const body = [
      `Entry number ${i} about rivers. #week-${i % 3}`,
      img ? markdownFor(img) : '',
      i === 1 ? `The lab report: ${markdownFor(pdf)}` : '',
      i > 0 ? `Follows [the one before](/@${handle}/entry-${i - 1}/).` : '',
    ].join('\n\n');
    const artifact = await makeArtifact(app, owner, {
      title: `Entry ${i}`,
      slug: `entry-${i}`,
      visibility: 'public',
      kind: i % 5 === 0 ? 'project' : 'post',
      body,
      tags: i % 2 === 0 ? ['café', 'rivers'] : ['rivers'],
      coverMediaId: cover?.id ?? null,
      date: new Date(Date.UTC(2024, 0, 1) + i * day * 20),
    });
    publicSlugs.push(artifact.slug);
    publicTitles.push(artifact.title);
  }
  const first = await makeArtifact(app, owner, { title: 'Best of', slug: 'best-of-essay', visibility: 'public', body: 'Best.' });
  publicSlugs.push(first.slug);
  publicTitles.push(first.title);
  await saveShowcase(app, {
    ownerId: owner.id,
    input: { title: 'Grade 10 highlights', slug: 'grade-10', visibility: 'public', intro: 'My **best** work.', items: [first.id] },
  });
  return { owner, publicSlugs, publicTitles, publicMedia, pdf };
}

/** Every file under a folder, as '/'-separated relative paths, sorted. */
export function listFiles(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }) as string[])
    .filter((p) => fs.statSync(path.join(dir, p)).isFile())
    .map((p) => p.split(path.sep).join('/'))
    .sort();
}

const parser = unified().use(rehypeParse);

/** Parses an HTML document. */
export function parseHtml(html: string): Root {
  return parser.parse(html) as Root;
}

/** All elements of a tree, in document order. */
export function elements(tree: Root | Element): Element[] {
  const out: Element[] = [];
  const walk = (node: Root | RootContent) => {
    if (node.type === 'element') out.push(node);
    if ('children' in node) node.children.forEach(walk);
  };
  walk(tree);
  return out;
}

/** The text of the page's `<main>`, whitespace collapsed. */
export function mainText(html: string): string {
  const main = elements(parseHtml(html)).find((e) => e.tagName === 'main');
  if (!main) throw new Error('page has no <main>');
  return toText(main).replace(/\s+/g, ' ').trim();
}

/** The URLs of a document's href/src/srcset/poster attributes. */
export function documentUrls(html: string): { tag: string; attribute: string; url: string; rel: string }[] {
  const found: { tag: string; attribute: string; url: string; rel: string }[] = [];
  for (const e of elements(parseHtml(html))) {
    const rel = Array.isArray(e.properties.rel) ? e.properties.rel.join(' ') : String(e.properties.rel ?? '');
    for (const attribute of ['href', 'src', 'poster'] as const) {
      const value = e.properties[attribute];
      if (typeof value === 'string') found.push({ tag: e.tagName, attribute, url: value, rel });
    }
    const srcset = e.properties.srcSet;
    const list = Array.isArray(srcset) ? srcset.map(String) : typeof srcset === 'string' ? srcset.split(',') : [];
    for (const candidate of list) found.push({ tag: e.tagName, attribute: 'srcset', url: candidate.trim().split(/\s+/)[0], rel });
  }
  return found;
}

/** A problem the link checker found. */
export interface BrokenLink {
  from: string;
  url: string;
  why: string;
}

/**
 * Walks an export from index.html as a browser from disk would: every relative href/src/srcset must name an existing
 * file (a folder does not count: from disk it opens a listing). Follows links to other HTML files. Returns the
 * pages reached and the broken links.
 */
export function checkLinks(dir: string): { pages: Set<string>; files: Set<string>; broken: BrokenLink[] } {
  const pages = new Set<string>();
  const files = new Set<string>();
  const broken: BrokenLink[] = [];
  const queue = ['index.html'];
  while (queue.length) {
    const page = queue.shift()!;
    if (pages.has(page)) continue;
    pages.add(page);
    const html = fs.readFileSync(path.join(dir, page), 'utf8');
    for (const { url } of documentUrls(html)) {
      if (url === '' || url.startsWith('#') || /^[a-z][a-z0-9+.-]*:/i.test(url) || url.startsWith('//')) continue;
      if (url.startsWith('/')) {
        broken.push({ from: page, url, why: 'root-relative: breaks from disk and under a sub-path' });
        continue;
      }
      const target = new URL(url, `file:///site/${page.split('/').map(encodeURIComponent).join('/')}`);
      const relative = decodeURIComponent(target.pathname).replace(/^\/site\//, '');
      if (!target.pathname.startsWith('/site/')) {
        broken.push({ from: page, url, why: 'leaves the export folder' });
        continue;
      }
      const full = path.join(dir, ...relative.split('/'));
      const stat = fs.statSync(full, { throwIfNoEntry: false });
      if (!stat) broken.push({ from: page, url, why: 'missing' });
      else if (stat.isDirectory()) broken.push({ from: page, url, why: 'a folder (opens a listing from disk)' });
      else {
        files.add(relative);
        if (relative.endsWith('.html')) queue.push(relative);
      }
    }
  }
  return { pages, files, broken };
}

const verboseParser = unified().use(rehypeParse, { verbose: true });
/** hast property -> [attribute, elements it counts on (null: any)], the exporter's list of URL attributes. */
const REFERENCE_URL_PROPERTIES: Record<string, [string, string[] | null]> = {
  href: ['href', null],
  src: ['src', null],
  poster: ['poster', null],
  cite: ['cite', null],
  longDesc: ['longdesc', null],
  xLinkHref: ['xlink:href', null],
  action: ['action', ['form']],
  formAction: ['formaction', ['button', 'input']],
  data: ['data', ['object']],
  srcSet: ['srcset', null],
};

/**
 * The URL attributes of a page as a full HTML parser (parse5, through rehype-parse with source positions) sees
 * them: the reference the exporter's tokenizer is checked against.
 */
export function referenceUrlAttributes(html: string): { start: number; end: number; urls: string[] }[] {
  const found: { start: number; end: number; urls: string[] }[] = [];
  const visit = (node: Root | RootContent) => {
    if (node.type === 'element') {
      const positions = (node.data as { position?: { properties?: Record<string, { start: { offset?: number }; end: { offset?: number } } | undefined> } } | undefined)?.position?.properties ?? {};
      for (const [property, [, only]] of Object.entries(REFERENCE_URL_PROPERTIES)) {
        const value = node.properties[property];
        const where = positions[property];
        if (value === undefined || value === null || !where || (only && !only.includes(node.tagName))) continue;
        const start = where.start.offset!;
        const end = where.end.offset!;
        if (!html.slice(start, end).includes('=')) continue;
        const text = Array.isArray(value) ? value.join(', ') : String(value);
        if (text === '') continue;
        found.push({ start, end, urls: property === 'srcSet' ? parseSrcset(text).map((c) => c.url) : [text] });
      }
    }
    if ('children' in node) node.children.forEach(visit);
    if (node.type === 'element' && node.tagName === 'template' && node.content) visit(node.content);
  };
  visit(verboseParser.parse(html) as Root);
  return found.sort((a, b) => a.start - b.start);
}
