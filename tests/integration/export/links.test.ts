/**
 * The pieces of the exporter that decide names and links, on their own: where a live address lands on disk, what a
 * relative link from one file to another looks like, and rewriting only the URL attributes of a page.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { applyEdits, decodeAttribute, findCssUrls, findUrlAttributes, parseSrcset, rewriteAttributes, rewriteCssUrls, urlsOf } from '../../../src/core/html/urlAttributes.ts';
import { ExportPaths, classifyPath, exportPathFor, livePathOfExportPath, relativeLink, safeSegment } from '../../../src/server/export/paths.ts';
import { tempDataDir } from '../../helpers/server.ts';
import { checkLinks, referenceUrlAttributes } from './helpers.ts';

describe('export paths', () => {
  it('maps live addresses to files: pages end in index.html, files keep their names, root assets keep their path', () => {
    expect(exportPathFor('maya', '/@maya/', 'text/html; charset=utf-8')).toBe('index.html');
    expect(exportPathFor('maya', '/@maya/poem/', 'text/html')).toBe('poem/index.html');
    expect(exportPathFor('maya', '/@maya/page/2/', 'text/html')).toBe('page/2/index.html');
    expect(exportPathFor('maya', '/@maya/poem', 'text/html')).toBe('poem/index.html');
    expect(exportPathFor('maya', '/@maya/feed.xml', 'application/rss+xml')).toBe('feed.xml');
    expect(exportPathFor('maya', '/@maya/tags/café/feed.json', 'application/feed+json')).toBe('tags/café/feed.json');
    expect(exportPathFor('maya', '/styles/potluck.css', 'text/css')).toBe('styles/potluck.css');
    expect(livePathOfExportPath('maya', 'tags/café/')).toBe('/@maya/tags/café/');
    expect(livePathOfExportPath('maya', 'media/abc/w480.webp')).toBe('/media/abc/w480.webp');
  });

  it('classifies what belongs to the export: the portfolio (any case of the handle) and root assets, nothing else', () => {
    expect(classifyPath('maya', '/@Maya/poem/')).toEqual({ kind: 'portfolio', key: '/@maya/poem/' });
    expect(classifyPath('maya', '/@maya')).toEqual({ kind: 'portfolio', key: '/@maya/' });
    expect(classifyPath('maya', '/@maya/poem')).toEqual({ kind: 'portfolio', key: '/@maya/poem/' });
    expect(classifyPath('maya', '/@maya/feed.xml')).toEqual({ kind: 'portfolio', key: '/@maya/feed.xml' });
    expect(classifyPath('maya', '/media/abc/')).toMatchObject({ kind: 'media', id: 'abc', file: null });
    expect(classifyPath('maya', '/media/abc/w480.webp')).toMatchObject({ kind: 'media', id: 'abc', file: 'w480.webp' });
    expect(classifyPath('maya', '/_astro/page.Ab1-_x.css').kind).toBe('asset');
    for (const outside of ['/', '/signin', '/@mayab/', '/@omar/poem/', '/hubs/eng10/', '/media/a/b/c', '/styles/../secret']) {
      expect(classifyPath('maya', outside).kind, outside).toBe('outside');
    }
  });

  it('makes names safe on Windows and macOS while keeping every ordinary slug and tag as it is', () => {
    for (const ok of ['poem', 'week-3', 'café', '日本語', 'w480.webp', 'index.html']) expect(safeSegment(ok)).toBe(ok);
    expect(safeSegment('con')).toBe('con_');
    expect(safeSegment('NUL.txt')).toBe('NUL_.txt');
    expect(safeSegment('a:b?c')).toBe('a_b_c');
    expect(safeSegment('trailing.')).toBe('trailing_');
    expect(safeSegment('cafe\u0301')).toBe('café');
    expect(Buffer.byteLength(safeSegment('é'.repeat(150)))).toBeLessThanOrEqual(200);
    const paths = new ExportPaths();
    expect(paths.claim('tags/Poem/index.html', 'a')).toBe('tags/Poem/index.html');
    expect(paths.claim('tags/poem/index.html', 'b')).toBe('tags/poem/index-2.html');
    expect(paths.claim('tags/Poem/index.html', 'a')).toBe('tags/Poem/index.html');
  });

  it('writes relative links to files, percent-encoded', () => {
    expect(relativeLink('index.html', 'poem/index.html')).toBe('poem/index.html');
    expect(relativeLink('poem/index.html', 'index.html')).toBe('../index.html');
    expect(relativeLink('poem/index.html', 'poem/index.html')).toBe('index.html');
    expect(relativeLink('tags/café/index.html', 'media/x/w480.webp')).toBe('../../media/x/w480.webp');
    expect(relativeLink('index.html', 'tags/café/index.html')).toBe('tags/caf%C3%A9/index.html');
  });
});

describe('rewriting documents', () => {
  it('changes only the URL attributes of a page, byte for byte elsewhere', () => {
    const html =
      '<!DOCTYPE html><html><head><link rel=stylesheet href=/styles/potluck.css></head><body>\n' +
      '<a HREF="/@maya/poem/#top" title="/@maya/poem/">/@maya/poem/</a><img src="/media/a/" srcset="/media/a/w480.webp 480w,/media/a/w960.webp 960w">\n' +
      '<a href="https://example.org/?a=1&amp;b=2">x</a><a href="#main">skip</a><script>const s = "<a href=\'/x\'>";</script></body></html>';
    const attributes = findUrlAttributes(html);
    expect(attributes.map((a) => a.value)).toEqual([
      '/styles/potluck.css',
      '/@maya/poem/#top',
      '/media/a/',
      '/media/a/w480.webp 480w,/media/a/w960.webp 960w',
      'https://example.org/?a=1&b=2',
      '#main',
    ]);
    const out = applyEdits(html, rewriteAttributes(attributes, (u) => (u.startsWith('/') ? `X${u}&"` : null)));
    expect(out).toBe(
      '<!DOCTYPE html><html><head><link rel=stylesheet href="X/styles/potluck.css&amp;&quot;"></head><body>\n' +
        '<a HREF="X/@maya/poem/#top&amp;&quot;" title="/@maya/poem/">/@maya/poem/</a><img src="X/media/a/&amp;&quot;" srcset="X/media/a/w480.webp&amp;&quot; 480w, X/media/a/w960.webp&amp;&quot; 960w">\n' +
        '<a href="https://example.org/?a=1&amp;b=2">x</a><a href="#main">skip</a><script>const s = "<a href=\'/x\'>";</script></body></html>',
    );
  });

  it('finds the same URL attributes as a full HTML parser, in the corners of HTML too', () => {
    const fixtures = [
      '<!-- <a href="/in-comment"> --><a href="/after-comment">x</a>',
      '<!--> <a href="/after-abrupt-comment">x</a><!---> <a href=/after-abrupt-2>',
      '<!-- ends --!> <a href=/after-bang-end>',
      '<!DOCTYPE html><?php echo "<a href=/in-bogus>" ?><a href=/after-bogus>',
      '<script>document.write("<a href=\'/in-script\'>")</script><a href="/after-script">',
      '<script><!--<script>x("</script>")</script><a href=/inside-double-escape></script>--></script><a href=/after-escapes>',
      '<style>a { content: "<a href=/in-style>" }</style><title><a href=/in-title></title><textarea><a href=/in-textarea></textarea>',
      '<noscript><a href=/in-noscript></noscript><xmp><a href=/in-xmp></xmp><iframe><a href=/in-iframe></iframe><a href=/ok>',
      '<a href="/a"title="t"><a HREF=/b href=/b-dup><a =href="/c"><a href = \'/d\' ><a href><a href=>x',
      '<a href="/e?x=1&amp;y=2&#x2F;&#47;&copy;&ampz=&amp">e</a><a href="/f&notin;&notit;">f</a>',
      '<img src=/img.webp srcset="/a.webp 480w,/b.webp 960w , /c.webp"><video poster=/poster.jpg src=/v.mp4></video>',
      '<form action="/send"><button formaction=/other>b</button></form><object data=/obj.svg></object><div data=/not-a-url></div>',
      '<svg><style><a href=/svg-style-child></a></style><title><a href=/svg-title-child></a></title><![CDATA[<a href=/in-cdata>]]><use href=#icon xlink:href=/sprite.svg#i /></svg>',
      '<svg><foreignObject><style><a href=/raw-in-fo></style></foreignObject><p><style><a href=/raw-after-breakout></style></svg><a href=/end>',
      '<math><mi><textarea><a href=/raw-in-mi></textarea></mi></math><blockquote cite=/quote>q</blockquote>',
      '<a href="/gt>inside">x</a>< a href=/not-a-tag><a href=/unterminated',
      '<template><a href=/in-template></a></template><plaintext><a href=/in-plaintext>',
    ];
    for (const html of fixtures) {
      const mine = findUrlAttributes(html).map((a) => ({ start: a.start, end: a.end, urls: urlsOf(a) }));
      expect(mine, html).toEqual(referenceUrlAttributes(html));
    }
  });

  it('decodes character references in attribute values as a browser does', () => {
    expect(decodeAttribute('/a?x=1&amp;y=2')).toBe('/a?x=1&y=2');
    expect(decodeAttribute('&#x2F;&#47;&#128;&#0;')).toBe('//€\uFFFD');
    // `&not` before a letter stays as written in an attribute (the spec's historical rule).
    expect(decodeAttribute('&copy; &notin; &notit; &ampz=&amp')).toBe('© ∉ &notit; &ampz=&');
  });

  it('parses srcset like a browser', () => {
    expect(parseSrcset(' a.webp 480w,b.webp  960w , c.webp')).toEqual([
      { url: 'a.webp', descriptor: '480w' },
      { url: 'b.webp', descriptor: '960w' },
      { url: 'c.webp', descriptor: '' },
    ]);
    expect(parseSrcset('a.webp, b.webp 2x')).toEqual([
      { url: 'a.webp', descriptor: '' },
      { url: 'b.webp', descriptor: '2x' },
    ]);
  });

  it('finds stylesheet URLs but not ones in comments or strings', () => {
    const css = '/* url(/no.png) */ a{background:url( "/a.png" )} @import "/b.css"; b{src:url(/c.woff2)} d{content:"url(/x)"}';
    expect(findCssUrls(css).map((u) => u.value)).toEqual(['/a.png', '/b.css', '/c.woff2']);
    expect(applyEdits(css, rewriteCssUrls(findCssUrls(css), (u) => `..${u}`))).toBe(
      '/* url(/no.png) */ a{background:url( "../a.png" )} @import "../b.css"; b{src:url(../c.woff2)} d{content:"url(/x)"}',
    );
  });
});

describe('the link checker used by these tests', () => {
  const dir = tempDataDir('potluck-linkcheck-');
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reports missing files, folder links, root-relative links and links out of the folder', () => {
    fs.mkdirSync(path.join(dir, 'poem'));
    fs.writeFileSync(path.join(dir, 'poem', 'index.html'), '<a href="../index.html">home</a><img src="../missing.webp">');
    fs.writeFileSync(
      path.join(dir, 'index.html'),
      '<a href="poem/index.html">ok</a><a href="poem/">folder</a><a href="/poem/index.html">root</a><a href="../../etc/passwd">out</a><a href="https://example.org/">external</a>',
    );
    const { pages, broken } = checkLinks(dir);
    expect([...pages].sort()).toEqual(['index.html', 'poem/index.html']);
    expect(broken.map((b) => `${b.from} ${b.url} ${b.why.split(' ')[0]}`)).toEqual([
      'index.html poem/ a',
      'index.html /poem/index.html root-relative:',
      'index.html ../../etc/passwd leaves',
      'poem/index.html ../missing.webp missing',
    ]);
  });
});
