// The sitemap and robots.txt as a crawler reads them.
import { describe, expect, it } from 'vitest';
import { SITEMAP_URL_LIMIT, toRobotsTxt, toSitemap } from '../../../src/core/feeds/discovery.ts';

describe('toSitemap', () => {
  it('lists each address with its last change, escaped for XML', () => {
    const xml = toSitemap([
      { loc: 'https://school.example/@maya/', lastmod: new Date('2024-09-14T10:00:00Z') },
      { loc: 'https://school.example/@maya/tags/r%26d/?a=1&b=2' },
    ]);
    expect(xml).toContain('<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">');
    expect(xml).toContain(
      '<url><loc>https://school.example/@maya/</loc><lastmod>2024-09-14T10:00:00.000Z</lastmod></url>',
    );
    expect(xml).toContain('<loc>https://school.example/@maya/tags/r%26d/?a=1&amp;b=2</loc></url>');
  });

  it('stops at the protocol’s limit of 50,000 addresses', () => {
    const entries = Array.from({ length: SITEMAP_URL_LIMIT + 5 }, (_, i) => ({ loc: `https://s.example/${i}` }));
    expect(toSitemap(entries).match(/<url>/g)).toHaveLength(SITEMAP_URL_LIMIT);
  });
});

describe('toRobotsTxt', () => {
  it('allows portfolios, keeps crawlers out of private areas and names the sitemap', () => {
    const lines = toRobotsTxt({ sitemapUrl: 'https://school.example/sitemap.xml' }).split('\n');
    expect(lines[0]).toBe('User-agent: *');
    expect(lines).toContain('Allow: /@');
    for (const path of ['/workspace', '/account', '/admin', '/api', '/signin', '/signup'])
      expect(lines).toContain(`Disallow: ${path}`);
    expect(lines).toContain('Sitemap: https://school.example/sitemap.xml');
  });
});
