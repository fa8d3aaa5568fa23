// Addresses in feeds: stored HTML says `/media/ID/` and `/@maya/other/`; a feed reader needs absolute URLs, pointing
// at the right place for the rendering (this instance, the student's canonical home, or the static export).
import { describe, expect, it } from 'vitest';
import { absolutizeHtml } from '../../../src/core/feeds/absoluteUrls.ts';
import { portfolioAddresses } from '../../../src/core/feeds/addresses.ts';
import { renderArtifactBody } from '../../../src/core/markdown/render.ts';
import { addResponsiveImages } from '../../../src/core/markdown/responsiveImages.ts';

const live = portfolioAddresses({
  siteUrl: 'https://school.example',
  handle: 'maya',
  canonicalBaseUrl: null,
  staticBase: null,
});
const home = portfolioAddresses({
  siteUrl: 'https://school.example',
  handle: 'maya',
  canonicalBaseUrl: 'https://maya.example.io/',
  staticBase: null,
});
const exported = portfolioAddresses({
  siteUrl: 'https://school.example',
  handle: 'maya',
  canonicalBaseUrl: 'https://maya.example.io',
  staticBase: 'https://maya.github.example/site',
});

function rendered(markdown: string): string {
  const result = renderArtifactBody({ source: markdown, format: 'markdown' });
  if (!result.ok) throw new Error('did not render');
  return result.html;
}

describe('portfolioAddresses', () => {
  it('puts pages on this instance, or under the canonical home the student chose', () => {
    expect(live.page('/@maya/poem/')).toBe('https://school.example/@maya/poem/');
    expect(home.page('/@maya/poem/')).toBe('https://maya.example.io/poem/');
    expect(home.page('/@maya/')).toBe('https://maya.example.io/');
  });

  it('serves feeds where this rendering serves them: the instance live, the export base when exporting', () => {
    expect(home.served('/@maya/feed.json')).toBe('https://school.example/@maya/feed.json');
    expect(exported.served('/@maya/tags/poetry/feed.xml')).toBe(
      'https://maya.github.example/site/tags/poetry/feed.xml',
    );
    expect(exported.page('/@maya/poem/')).toBe('https://maya.github.example/site/poem/');
  });

  it('keeps media on this instance live and beside the pages in an export', () => {
    expect(home.site('/media/abc/')).toBe('https://school.example/media/abc/');
    expect(exported.site('/media/abc/')).toBe('https://maya.github.example/site/media/abc/');
    expect(exported.site('/@someone-else/')).toBe('https://school.example/@someone-else/');
  });
});

describe('absolutizeHtml', () => {
  it('leaves no site-relative address in rendered Markdown: links, images, footnotes', () => {
    const html = rendered(
      [
        'See [my other poem](/@maya/other/) and [a page](notes/).',
        '',
        '![A drawing](media:pic1)',
        '',
        'A claim.[^1]',
        '',
        '[^1]: A source.',
      ].join('\n'),
    );
    const out = absolutizeHtml(html, live.resolverFor('/@maya/poem/'));
    expect(out).toContain('href="https://school.example/@maya/other/"');
    expect(out).toContain('href="https://school.example/@maya/poem/notes/"');
    expect(out).toContain('src="https://school.example/media/pic1/"');
    expect(out).toMatch(/href="https:\/\/school\.example\/@maya\/poem\/#user-content-fn-1"/);
    expect(out).not.toMatch(/(?:href|src)="(?!https?:|mailto:)/);
  });

  it('resolves every srcset candidate and keeps its width descriptor', () => {
    const html = addResponsiveImages(
      rendered('![x](media:pic1)'),
      new Map([
        [
          'pic1',
          {
            width: 1600,
            height: 900,
            variants: [
              { width: 480, height: 270, file: 'w480.webp' },
              { width: 960, height: 540, file: 'w960.webp' },
            ],
          },
        ],
      ]),
    );
    expect(html).toContain('srcset="/media/pic1/w480.webp 480w');
    const out = absolutizeHtml(html, exported.resolverFor('/@maya/poem/'));
    expect(out).toContain(
      'srcset="https://maya.github.example/site/media/pic1/w480.webp 480w, https://maya.github.example/site/media/pic1/w960.webp 960w"',
    );
    expect(out).not.toMatch(/(?:src|srcset)="\//);
  });

  it('leaves absolute addresses alone and gives protocol-relative ones the site’s scheme', () => {
    const out = absolutizeHtml(
      '<p><a href="https://example.org/x">a</a> <a href="mailto:t@example.org">m</a> <a href="//cdn.example.org/y">c</a></p>',
      live.resolverFor('/@maya/poem/'),
    );
    expect(out).toContain('href="https://example.org/x"');
    expect(out).toContain('href="mailto:t@example.org"');
    expect(out).toContain('href="https://cdn.example.org/y"');
  });

  it('points links within the portfolio at the canonical home when the student set one', () => {
    const out = absolutizeHtml(
      '<a href="/@maya/other/?v=2#top">o</a><img src="/media/p/" alt="">',
      home.resolverFor('/@maya/poem/'),
    );
    expect(out).toContain('href="https://maya.example.io/other/?v=2#top"');
    expect(out).toContain('src="https://school.example/media/p/"');
  });

  it('returns text without markup unchanged', () => {
    expect(absolutizeHtml('just words', live.resolverFor('/@maya/poem/'))).toBe('just words');
  });
});
