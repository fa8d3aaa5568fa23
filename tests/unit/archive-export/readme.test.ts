import { describe, expect, it } from 'vitest';
import { archiveReadme, type ArchiveReadmeFacts } from '../../../src/core/archive/readme.ts';

const facts: ArchiveReadmeFacts = {
  name: 'Maya <script>alert(1)</script> & co',
  handle: 'maya',
  exportedAt: new Date('2025-06-01T12:00:00Z'),
  instanceUrl: 'https://potluck.school.example',
  artifacts: { total: 7, public: 4, unlisted: 1, members: 1, private: 1 },
  revisions: 12,
  files: 6,
  showcases: 1,
  hubs: 1,
  site: { pages: 20, base: 'https://maya.example.org/' },
};

describe('README.html', () => {
  it('is one self-contained page: no scripts, no external stylesheets, fonts or images, nothing fetched', () => {
    const html = archiveReadme(facts);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(|src=/i);
    expect(html).not.toMatch(/href="https?:/);
    expect(html.startsWith('<!doctype html>')).toBe(true);
  });

  it('escapes the student\'s name', () => {
    const html = archiveReadme(facts);
    expect(html).toContain('Maya &lt;script&gt;alert(1)&lt;/script&gt; &amp; co');
  });

  it('tells a reader what is inside and how to use it: open the site, import, rebuild, keep it private', () => {
    const html = archiveReadme(facts);
    for (const text of ['7 pieces', '12 saved versions', 'site/', 'index.html', 'potluck import archive.zip', 'potluck build archive.zip --out my-site', 'Keep this archive private', 'revisions/', 'collections/', 'hubs.json', 'feed.json']) {
      expect(html).toContain(text);
    }
  });

  it('says how to make the site when the archive has none', () => {
    expect(archiveReadme({ ...facts, site: null })).toContain('was made without the <code>site</code> folder');
  });
});
