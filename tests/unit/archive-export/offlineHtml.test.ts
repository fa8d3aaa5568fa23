import { describe, expect, it } from 'vitest';
import { offlineHtml, type OfflineLinks } from '../../../src/core/archive/offlineHtml.ts';
import { renderArtifactBody } from '../../../src/core/markdown/render.ts';
import { sanitizeHtml } from '../../../src/core/markdown/sanitize.ts';

const links: OfflineLinks = {
  files: new Map([
    ['pic1', { original: 'artifacts/rain/chart.png', variants: new Map([['w480.webp', 'variants/abc/w480.webp']]) }],
    ['doc1', { original: 'artifacts/rain/lab report.pdf', variants: new Map() }],
  ]),
  pieces: new Map([['notes', 'view/notes/index.html']]),
  handle: 'maya',
  liveUrl: 'https://potluck.school.example/@maya/rain/',
  root: '../../',
};

const render = (source: string) => {
  const r = renderArtifactBody({ source, format: 'markdown' });
  if (!r.ok) throw new Error('did not render');
  return r.html;
};

describe('offlineHtml', () => {
  it('points pictures and files at the archive, with fragments kept and names percent-encoded', () => {
    const html = offlineHtml(render('![A chart](media:pic1)\n\n[the report](media:doc1#page=2)'), links);
    expect(html).toContain('src="../../artifacts/rain/chart.png"');
    expect(html).toContain('href="../../artifacts/rain/lab%20report.pdf#page=2"');
  });

  it('keeps a srcset only when every candidate is in the archive', () => {
    const local = offlineHtml('<img src="/media/pic1/" srcset="/media/pic1/w480.webp 480w" sizes="44rem" alt="x">', links);
    expect(local).toContain('srcset="../../variants/abc/w480.webp 480w"');
    const mixed = offlineHtml('<img src="/media/pic1/" srcset="/media/pic1/w480.webp 480w, https://cdn.example/w960.webp 960w" sizes="44rem" alt="x">', links);
    expect(mixed).not.toContain('cdn.example');
    expect(mixed).not.toContain('srcset');
    expect(mixed).toContain('src="../../artifacts/rain/chart.png"');
  });

  it('loads no picture from elsewhere: a remote image, another person’s upload or a relative path keeps no address', () => {
    // A Webmention's content, sanitized on arrival, may still name a remote picture.
    const html = offlineHtml(sanitizeHtml('<p>Hi <img src="https://tracker.example/p.gif" alt="pixel"> <img src="/media/someone-else/" alt="theirs"> <img src="x.png" alt="rel"></p>'), links);
    expect(html).not.toMatch(/src=/);
    expect(html).toContain('alt="pixel"');
  });

  it('links the student’s own pieces to their offline pages, and everything else to where it lives online', () => {
    const html = offlineHtml(render('[notes](/@maya/notes/#plan) [hub](/hubs/science/) [other](/@noor/poem/) [rel](draft/) [web](https://example.org/) [top](#top)'), links);
    expect(html).toContain('href="../../view/notes/index.html#plan"');
    expect(html).toContain('href="https://potluck.school.example/hubs/science/"');
    expect(html).toContain('href="https://potluck.school.example/@noor/poem/"');
    expect(html).toContain('href="https://potluck.school.example/@maya/rain/draft/"');
    expect(html).toContain('href="https://example.org/"');
    expect(html).toContain('href="#top"');
  });

  it('leaves HTML without addresses byte for byte', () => {
    const html = '<p>Just <strong>words</strong> &amp; more.</p>';
    expect(offlineHtml(html, links)).toBe(html);
  });
});
