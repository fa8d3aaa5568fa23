// Reading a Webmention's source: whether it links to the target (an <a href> a reader can follow, resolved against
// the page and its <base>; the exact URL in other types), which kind it is (reply before like before repost...),
// its author (an h-card, or a plain name or URL), and its content made safe with no pictures.
import { describe, expect, it } from 'vitest';
import { interpretSource, mentionContent, sourceLinksTo } from '../../../src/core/webmentions/interpret.ts';

const target = 'https://potluck.example/@maya/rain/';
const src = 'https://blog.example/posts/1';

describe('sourceLinksTo', () => {
  it('finds an <a href>, relative or absolute, with or without the trailing slash, ignoring fragments', () => {
    expect(sourceLinksTo(`<a href="${target}">x</a>`, 'text/html', src, target)).toBe(true);
    expect(sourceLinksTo(`<a href="https://potluck.example/@maya/rain#top">x</a>`, 'text/html', src, target)).toBe(true);
    expect(sourceLinksTo(`<base href="https://potluck.example/"><a href="@maya/rain/">x</a>`, 'text/html', src, target)).toBe(true);
  });

  it('ignores a <base> that is not an address, as browsers do, instead of failing', () => {
    expect(() => sourceLinksTo(`<base href="http://["><a href="${target}">x</a>`, 'text/html', src, target)).not.toThrow();
    expect(sourceLinksTo(`<base href="http://["><a href="${target}">x</a>`, 'text/html', src, target)).toBe(true);
  });

  it('does not count a URL in text, in an <img>, in a <link> or in a comment', () => {
    for (const html of [`<p>${target}</p>`, `<img src="${target}">`, `<link rel="x" href="${target}">`, `<!-- <a href="${target}">x</a> -->`]) {
      expect(sourceLinksTo(html, 'text/html', src, target), html).toBe(false);
    }
    expect(sourceLinksTo('<a href="https://potluck.example/@maya/rain-2/">x</a>', 'text/html', src, target)).toBe(false);
  });

  it('needs the exact URL in a document that is not HTML', () => {
    expect(sourceLinksTo(`see ${target}`, 'text/plain', src, target)).toBe(true);
    expect(sourceLinksTo('see https://potluck.example/@maya/', 'application/json', src, target)).toBe(false);
  });
});

describe('interpretSource', () => {
  const entry = (inner: string) => `<div class="h-entry">${inner}</div>`;

  it('prefers reply over like over repost over bookmark, by the property that names the target', () => {
    const both = entry(`<a class="u-like-of u-in-reply-to" href="${target}">x</a>`);
    expect(interpretSource(both, src, target).kind).toBe('reply');
    expect(interpretSource(entry(`<a class="u-repost-of" href="${target}">x</a>`), src, target).kind).toBe('repost');
    expect(interpretSource(entry(`<a class="u-bookmark-of" href="${target}">x</a>`), src, target).kind).toBe('bookmark');
    // A like of another page, with a plain link to the target, is a mention of the target.
    expect(interpretSource(entry(`<a class="u-like-of" href="https://else.example/">x</a> <a href="${target}">y</a>`), src, target).kind).toBe('mention');
  });

  it('reads an in-reply-to that is an h-cite, and the author from an h-card or a plain name', () => {
    const cite = entry(`<div class="u-in-reply-to h-cite"><a class="u-url" href="${target}">Rain</a></div><span class="p-author">Sam</span>`);
    expect(interpretSource(cite, src, target)).toMatchObject({ kind: 'reply', authorName: 'Sam', authorUrl: null });
    const card = entry(`<a class="p-author h-card" href="/about">Ana</a><a class="u-like-of" href="${target}">x</a>`);
    expect(interpretSource(card, src, target)).toMatchObject({ kind: 'like', authorName: 'Ana', authorUrl: 'https://blog.example/about' });
  });

  it('keeps the text of replies only, sanitized, without pictures', () => {
    const reply = entry(`<a class="u-in-reply-to" href="${target}">x</a><div class="e-content">Hi <img src="https://blog.example/a.png" alt="a dog"><script>alert(1)</script><a href="/more" onclick="x()">more</a></div>`);
    const read = interpretSource(reply, src, target);
    expect(read.contentHtml).toContain('[a dog]');
    expect(read.contentHtml).not.toMatch(/img|script|onclick|alert/);
    expect(read.contentHtml).toContain('href="https://blog.example/more"');
    const like = entry(`<a class="u-like-of" href="${target}">x</a><div class="e-content">Liked</div>`);
    expect(interpretSource(like, src, target).contentHtml).toBeNull();
  });

  it('a page without microformats is a plain mention with nobody named', () => {
    expect(interpretSource(`<p><a href="${target}">rain</a></p>`, src, target)).toMatchObject({ kind: 'mention', authorName: null, contentHtml: null });
  });

  it('cuts a very long reply and leaves valid HTML', () => {
    const html = mentionContent(`<p>${'word '.repeat(3000)}</p>`, src)!;
    expect(html.length).toBeLessThan(5_100);
    expect(html.endsWith('</p>')).toBe(true);
  });
});
