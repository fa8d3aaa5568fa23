/**
 * A picture written without alt text (`![](media:ID)`) says what the picture's description in Media says; words
 * written in the snippet, and a Figure's deliberate `alt=""`, are the student's and stay.
 */
import type { Element } from 'hast';
import rehypeParse from 'rehype-parse';
import { unified } from 'unified';
import { describe, expect, it } from 'vitest';
import { renderArtifactBody, type BodyFormat } from '../../../src/core/markdown/render.ts';
import { addResponsiveImages, type ResponsiveImage } from '../../../src/core/markdown/responsiveImages.ts';

const picture = (alt: string): ResponsiveImage => ({
  width: 1200,
  height: 800,
  variants: [{ width: 480, height: 320, file: 'w480.webp' }],
  alt,
});

function stored(source: string, images: Record<string, ResponsiveImage>, format: BodyFormat = 'markdown'): string {
  const rendered = renderArtifactBody({ source, format });
  if (!rendered.ok) throw new Error(rendered.errors.map((e) => e.message).join('; '));
  return addResponsiveImages(rendered.html, new Map(Object.entries(images)));
}

const alts = (html: string) => [...html.matchAll(/<img\b[^>]*\salt="([^"]*)"/g)].map((m) => m[1]);

describe('alt text that follows the picture', () => {
  it('gives a picture written without alt text the description from Media', () => {
    const html = stored('Look:\n\n![](media:fog)', { fog: picture('Fog over the harbour at dawn') });
    expect(alts(html)).toEqual(['Fog over the harbour at dawn']);
    // Still sized as before.
    expect(html).toContain('srcset="/media/fog/w480.webp 480w"');
  });

  it('keeps alt text written in the snippet, whatever the description says', () => {
    const html = stored('![My own words](media:fog)\n\n![](media:fog)', { fog: picture('The description') });
    expect(alts(html)).toEqual(['My own words', 'The description']);
  });

  it('treats alt text of only spaces as none, and leaves an undescribed picture with alt=""', () => {
    const html = stored('![   ](media:fog)\n\n![](media:bare)', { fog: picture('Fog'), bare: picture('') });
    expect(alts(html)).toEqual(['Fog', '']);
  });

  it('describes a picture that points at one of its stored files, without sizing it', () => {
    const html = addResponsiveImages('<p><img src="/media/fog/original.jpg" alt=""></p>', new Map([['fog', picture('Fog')]]));
    expect(html).toBe('<p><img src="/media/fog/original.jpg" alt="Fog"></p>');
  });

  it('keeps a Figure’s alt="" (the student chose decoration) and its written alt', () => {
    const html = stored('<Figure src="media:fog" alt="" caption="Harbour" />\n\n<Figure src="media:fog" alt="Boats" />', { fog: picture('Fog') }, 'mdx');
    expect(alts(html)).toEqual(['', 'Boats']);
  });

  it('never lends a description to another picture or to an image that is not in the map', () => {
    const html = stored('![](media:other)', { fog: picture('Fog') });
    expect(alts(html)).toEqual(['']);
  });

  it('keeps a description that looks like markup inside the alt attribute, as text', () => {
    const description = '"><script>alert(1)</script>';
    const html = stored('![](media:fog)', { fog: picture(description) });
    const tree = unified().use(rehypeParse, { fragment: true }).parse(html);
    const elements: Element[] = [];
    const walk = (node: { children?: unknown[] }) => {
      for (const child of (node.children ?? []) as Element[]) {
        if (child.type === 'element') elements.push(child);
        walk(child);
      }
    };
    walk(tree);
    expect(elements.map((e) => e.tagName)).toEqual(['p', 'img']);
    expect(elements[1].properties.alt).toBe(description);
  });
});
