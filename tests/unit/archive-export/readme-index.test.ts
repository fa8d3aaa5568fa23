import { describe, expect, it } from 'vitest';
import { archiveReadme, type ArchiveReadmeFacts } from '../../../src/core/archive/readme.ts';

const facts: ArchiveReadmeFacts = {
  name: 'Maya',
  handle: 'maya',
  exportedAt: new Date('2025-06-01T12:00:00Z'),
  instanceUrl: 'https://potluck.school.example',
  artifacts: { total: 3, public: 1, unlisted: 0, members: 1, private: 1 },
  revisions: 5,
  files: 1,
  showcases: 0,
  hubs: 1,
  site: { pages: 4, base: 'https://maya.example.org/' },
  pieces: [
    { title: 'Old <b>notes</b>', date: new Date('2023-05-02T00:00:00Z'), visibility: 'private', tags: ['science'], href: 'view/notes/index.html', versions: 1, feedback: 0 },
    { title: 'Rain', date: new Date('2025-03-21T00:00:00Z'), visibility: 'public', tags: ['science', 'rain'], href: 'view/rain/index.html', versions: 3, feedback: 2 },
    { title: 'For class', date: new Date('2024-01-05T00:00:00Z'), visibility: 'members', tags: [], href: 'view/for-class/index.html', versions: 1, feedback: 0 },
  ],
};

describe('README.html as the table of contents', () => {
  it('links to the website in site/ and to every piece, newest first, grouped by year, each marked', () => {
    const html = archiveReadme(facts);
    expect(html).toContain('<a href="site/index.html">');
    const byDate = html.slice(html.indexOf('id="by-date"'), html.indexOf('id="by-tag"'));
    const order = ['view/rain/', 'view/for-class/', 'view/notes/'].map((h) => byDate.indexOf(h));
    expect(order.every((i) => i > 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(byDate).toContain('<h3 id="year-2024">2024</h3>');
    expect(byDate).toMatch(/Old &lt;b&gt;notes&lt;\/b&gt;<\/a>[^]*?Private<\/span>/);
    expect(byDate).toMatch(/For class<\/a>[^]*?Class only<\/span>/);
    expect(byDate).toContain('(3 saved versions, 2 feedback messages)');
  });

  it('lists the pieces under each tag, with a link to each tag from the top of the list', () => {
    const html = archiveReadme(facts);
    const byTag = html.slice(html.indexOf('id="by-tag"'));
    expect(byTag).toContain('<a href="#tag-science">#science</a>');
    const science = byTag.slice(byTag.indexOf('<h3 id="tag-science">'), byTag.indexOf('</ul>', byTag.indexOf('<h3 id="tag-science">')));
    expect(science).toContain('view/rain/index.html');
    expect(science).toContain('view/notes/index.html');
    expect(science).not.toContain('view/for-class/');
  });

  it('has no link to anything outside the archive and loads nothing', () => {
    const html = archiveReadme(facts);
    expect(html).not.toMatch(/(href|src)="(https?:)?\/\//);
    expect(html).not.toMatch(/<script|<link|<img|url\(/i);
  });
});
