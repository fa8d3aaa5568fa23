/** Shared pieces of the public portfolio tests: pictures, syndications, and reading links out of pages. */
import { uploadMedia } from '../../../src/commands/mediaUploader.ts';
import type { AppContext } from '../../../src/server/context.ts';
import { syndications, type Media, type User } from '../../../src/server/db/schema.ts';
import { picture } from '../../fixtures/media/generate.ts';

/** A real uploaded JPEG of the owner (variants and all), through the upload command. */
export async function makePicture(app: AppContext, owner: User, props: { width?: number; height?: number; alt?: string } = {}): Promise<Media> {
  const bytes = await picture(props.width ?? 1200, props.height ?? 800, 'jpeg');
  return uploadMedia(app, { ownerId: owner.id, file: { name: 'photo.jpg', bytes }, alt: props.alt ?? 'A photo' });
}

/** Records that an artifact was syndicated to `url` (what hubs and publishing will do). */
export function syndicate(app: AppContext, artifactId: string, url: string, name: string): void {
  app.db.insert(syndications).values({ artifactId, url, name, createdAt: app.now() }).run();
}

/** Every href in a page (links and link elements), as written. */
export function hrefsOf(html: string): string[] {
  return [...html.matchAll(/\shref="([^"]*)"/g)].map((m) => decodeEntities(m[1]));
}

/** The value of `<link rel="…">` (first one), or undefined. */
export function linkRel(html: string, rel: string): string | undefined {
  for (const m of html.matchAll(/<link\b[^>]*>/g)) {
    const tag = m[0];
    if (new RegExp(`\\srel="${rel}"`).test(tag)) return decodeEntities(/\shref="([^"]*)"/.exec(tag)?.[1] ?? '');
  }
  return undefined;
}

/** All `<link rel="alternate">` elements as {type, href}. */
export function alternates(html: string): { type: string; href: string }[] {
  return [...html.matchAll(/<link\b[^>]*\srel="alternate"[^>]*>/g)].map((m) => ({
    type: /\stype="([^"]*)"/.exec(m[0])?.[1] ?? '',
    href: decodeEntities(/\shref="([^"]*)"/.exec(m[0])?.[1] ?? ''),
  }));
}

/** Whether the page asks robots not to index it. */
export function robotsNoindex(html: string): boolean {
  return /<meta name="robots" content="[^"]*noindex/.test(html);
}

function decodeEntities(text: string): string {
  return text
    .replace(/&#(\d+);/g, (_, n) => String.fromCodePoint(Number(n)))
    .replace(/&#x([0-9a-f]+);/gi, (_, n) => String.fromCodePoint(parseInt(n, 16)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
