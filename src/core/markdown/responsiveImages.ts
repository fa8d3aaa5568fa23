// Pictures in stored artifact HTML load the right size on a phone and on a projector, and never move the text
// around while they load: every `<img src="/media/ID/">` of an uploaded picture gets `srcset` (its WebP variants),
// `sizes` (how wide the reading column is) and `width`/`height` (so the browser reserves the space). A picture written
// without alt text (`![](media:ID)`) gets the picture's own description, so a student describes a picture once, in
// Media, and every piece that shows it says the same; words written in the snippet always win. This runs on save
// (and again when a description changes), after rendering: the renderer finds which media a body uses, the saver
// looks those rows up, and this step writes what it learned into the HTML. Pure: the caller supplies the media facts.
import { toHtml } from 'hast-util-to-html';
import { rehypeParseHtml } from '../html/parse.ts';
import { unified } from 'unified';
import { mediaIdOf } from './conventions.ts';
import type { Element, Root } from 'hast';

/** What the HTML needs to know about an uploaded picture. */
export interface ResponsiveImage {
  /** Size of the stored original, used when the picture has no variants. */
  width: number | null;
  height: number | null;
  /** WebP variants, as stored on the media row; `/media/ID/` serves the widest. */
  variants: { width: number; height: number; file: string }[];
  /** The picture's description (alt text) from Media, used where the Markdown gives none. */
  alt?: string;
}

/**
 * How wide a picture in the body of a piece of work is shown: the reading column (44rem) on wide
 * screens, the screen minus the page margins on phones. Matches `.entry` in public/styles/potluck.css.
 */
export const BODY_IMAGE_SIZES = '(min-width: 46rem) 44rem, calc(100vw - 2rem)';

const parser = unified().use(rehypeParseHtml, { fragment: true }).freeze();

// The same address scheme as mediaUrl() in server/media/urls.ts (core imports nothing from server); a unit test
// holds the two together.
function variantUrl(id: string, file: string): string {
  return `/media/${encodeURIComponent(id)}/${encodeURIComponent(file)}`;
}

/** The `srcset` of a picture's variants, narrowest first ("/media/ID/w480.webp 480w, …"); empty without variants. */
export function variantSrcset(id: string, variants: ResponsiveImage['variants']): string {
  return [...variants]
    .sort((a, b) => a.width - b.width)
    .map((v) => `${variantUrl(id, v.file)} ${v.width}w`)
    .join(', ');
}

/** The size `/media/ID/` is served at (its widest variant, else the original), or null when unknown. */
export function intrinsicSize(image: ResponsiveImage): { width: number; height: number } | null {
  const widest = image.variants.reduce<ResponsiveImage['variants'][number] | undefined>(
    (best, v) => (best && best.width >= v.width ? best : v),
    undefined,
  );
  if (widest) return { width: widest.width, height: widest.height };
  return image.width && image.height ? { width: image.width, height: image.height } : null;
}

/**
 * Adds `srcset`, `sizes`, `width` and `height` to the `<img>` elements of `html` whose `src` is the default address
 * of a Potluck picture (`/media/ID/`) with an entry in `images`, and the picture's description as `alt` to any of
 * its `<img>` elements whose alt is empty (except a Figure's, where `alt=""` is the student's word for decoration).
 * Other images, and pictures not in the map (another person's, a deleted one), are left as they are. HTML without
 * such images comes back unchanged, byte for byte.
 */
export function addResponsiveImages(html: string, images: ReadonlyMap<string, ResponsiveImage>, sizes = BODY_IMAGE_SIZES): string {
  if (images.size === 0 || !html.includes('<img')) return html;
  const tree = parser.parse(html) as Root;
  let changed = false;
  const walk = (parent: Root | Element): void => {
    for (const node of parent.children) {
      if (node.type !== 'element') continue;
      if (node.tagName === 'img' && typeof node.properties.src === 'string') {
        const id = mediaIdOf(node.properties.src);
        const image = id === undefined ? undefined : images.get(id);
        if (id !== undefined && image) {
          if (!isFigure(parent)) changed = describe(node, image) || changed;
          // Only the default address is sized: a student who points at one stored file (`/media/ID/original.png`)
          // gets that file.
          if (node.properties.src === `/media/${id}/`) changed = enrich(node, id, image, sizes) || changed;
        }
      }
      walk(node);
    }
  };
  walk(tree);
  return changed ? toHtml(tree) : html;
}

// A Figure demands alt="…" and says to write alt="" only for decoration, so there an empty alt was chosen; Markdown
// `![](…)` cannot say "decoration" and reads as "no words given".
function isFigure(parent: Root | Element): boolean {
  if (parent.type !== 'element' || parent.tagName !== 'figure') return false;
  const classes = parent.properties.className;
  return Array.isArray(classes) && classes.includes('pl-figure');
}

function describe(img: Element, image: ResponsiveImage): boolean {
  const description = image.alt?.trim();
  const written = img.properties.alt;
  if (!description || (typeof written === 'string' && written.trim() !== '')) return false;
  img.properties.alt = description;
  return true;
}

function enrich(img: Element, id: string, image: ResponsiveImage, sizes: string): boolean {
  const size = intrinsicSize(image);
  const srcset = variantSrcset(id, image.variants);
  if (!size && !srcset) return false;
  if (size) {
    img.properties.width = size.width;
    img.properties.height = size.height;
  }
  if (srcset) {
    img.properties.srcSet = srcset;
    img.properties.sizes = sizes;
  }
  return true;
}
