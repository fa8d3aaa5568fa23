/** WordPress exports become archives the importer takes: WordPress's own theme test data, and a small site on loopback. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importArchiveFolder } from '../../../src/commands/archiveImporter.ts';
import type { AppContext } from '../../../src/server/context.ts';
import { foreignId } from '../../../src/server/import/types.ts';
import { convertWordpress, isWordpressExport } from '../../../src/server/import/wordpress.ts';
import { createTestApp } from '../../helpers/server.ts';
import { startFileServer } from './fileServer.ts';
import type { FileServer } from './fileServer.ts';

const FIXTURES = path.join(import.meta.dirname, '../../fixtures/wordpress');
const THEME_TEST = path.join(FIXTURES, 'themeunittestdata.wordpress.xml');

let app: AppContext;
let work: string;
let out: string;
beforeEach(() => {
  app = createTestApp({ POTLUCK_ALLOW_PRIVATE_NETWORKS: '1' });
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'potluck-wxr-'));
  out = path.join(work, 'out');
  fs.mkdirSync(out);
});
afterEach(() => {
  app.db.$client.close();
  fs.rmSync(app.config.dataDir, { recursive: true, force: true });
  fs.rmSync(work, { recursive: true, force: true });
});

type Row = { id: string; title: string; slug: string; body: string; summary: string; tags: string; date: number; visibility: string; cover_media_id: string | null };
const rows = (): Row[] => app.db.$client.prepare('select id, title, slug, body, summary, tags, date, visibility, cover_media_id from artifacts order by slug').all() as Row[];
const bySlug = (slug: string): Row => {
  const row = rows().find((r) => r.slug === slug);
  if (!row) throw new Error(`no piece ${slug}`);
  return row;
};

describe('convertWordpress on WordPress theme test data', () => {
  it('converts every post and page, which the archive importer takes', async () => {
    const head = fs.readFileSync(THEME_TEST, 'utf8').slice(0, 4096);
    expect(isWordpressExport(head)).toBe(true);
    const report = await convertWordpress({ app, source: THEME_TEST, out, handle: 'lena', label: 'theme.xml', dryRun: true });
    expect(report.kind).toBe('wordpress');
    expect(report.warnings).toContain("33 comments were left out: Potluck keeps feedback from your class and teachers, not a blog's comments.");
    expect(report.warnings.some((w) => /^A dry run fetches nothing: \d+ files would be fetched from wpthemetestdata\.files\.wordpress\.com\.$/.test(w))).toBe(true);
    // 58 posts + 21 pages; attachments, menu entries and revisions are not pieces.
    expect(fs.readdirSync(path.join(out, 'artifacts'))).toHaveLength(79);

    const imported = await importArchiveFolder(app, { dir: out, handle: 'lena' });
    expect(imported.artifacts.created).toBe(79);
    expect(rows().every((r) => r.visibility === 'private')).toBe(true);

    // Categories and tags both become tags; dates are the export's GMT dates.
    const many = bySlug('edge-case-many-categories');
    expect(new Date(many.date).toISOString()).toBe('2009-07-02T09:00:03.000Z');
    const tagged = bySlug('markup-html-tags-and-formatting');
    expect(JSON.parse(tagged.tags)).toEqual(expect.arrayContaining(['css', 'formatting', 'html', 'markup']));
    expect(new Date(tagged.date).toISOString()).toBe('2013-01-12T03:22:19.000Z');
    expect(tagged.body).toContain('# Header one');
    expect(tagged.body).toContain('> Stay hungry. Stay foolish.');

    // A draft, a scheduled post and a password-protected one are drafts; the import keeps them private.
    const draft = bySlug('draft');
    expect(report.drafts).toContain(draft.id);
    expect(report.drafts).toContain(bySlug('scheduled').id);
    expect(report.drafts).toHaveLength(3);
    expect(report.warnings).toContain('"Edge Case: Many Categories": 13 of its tags were left out, because a piece carries at most 50 (the first 50 were kept).');
    expect(report.warnings).toContain('"Edge Case: Many Tags": the tag "8BIT" was left out, because a tag must start with a letter.');
    expect(draft.body).toContain('This post is drafted and not published yet.');

    // [caption] became the picture and its caption; [gallery] the pictures attached to the post (links in a dry run).
    const caption = bySlug('post-format-image-caption');
    expect(caption.body).toContain('*Bell on wharf in San Francisco*');
    expect(caption.body).not.toContain('[caption');
    const gallery = bySlug('post-format-gallery');
    expect(gallery.body).not.toContain('[gallery');
    expect(gallery.body).toContain('(https://wpthemetestdata.files.wordpress.com/2008/06/canola2.jpg)');
    // Block editor comments are gone, except where a post shows one as code; the excerpt is the summary.
    expect(rows().filter((r) => r.body.includes('<!-- wp:')).map((r) => r.slug)).toEqual(['blocks-formatting']);
    expect(bySlug('blocks-formatting').body).toContain("```\nThe code block starts with\n<!-- wp:code -->");
    expect(bySlug('template-excerpt-defined').summary).toMatch(/^This is a user-defined post excerpt\. It should be displayed/);
  });
});

describe('convertWordpress with a site on loopback', () => {
  let site: FileServer;
  let source: string;
  let pixel: Buffer;
  beforeEach(async () => {
    site = await startFileServer();
    pixel = await sharp({ create: { width: 16, height: 12, channels: 3, background: '#3a6' } }).jpeg().toBuffer();
    site.files.set('/wp-content/uploads/2020/05/pond.jpg', { bytes: pixel, type: 'image/jpeg' });
    site.files.set('/wp-content/uploads/2020/05/survey-notes.pdf', { bytes: Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n'), type: 'application/pdf' });
    source = path.join(work, 'site.xml');
    fs.writeFileSync(source, fs.readFileSync(path.join(FIXTURES, 'attachments.wxr.xml'), 'utf8').replaceAll('http://SITE', site.base));
  });
  afterEach(() => site.close());

  it('fetches the pictures and files on the site, keeps an unreachable one as a link and names it', async () => {
    const report = await convertWordpress({ app, source, out, handle: 'lena', label: 'site.xml', dryRun: false });
    expect(site.seen).toEqual(expect.arrayContaining(['/wp-content/uploads/2020/05/pond.jpg', '/wp-content/uploads/2020/05/missing.jpg', '/wp-content/uploads/2020/05/survey-notes.pdf']));
    // Each file is fetched once, however often the post shows it.
    expect(site.seen.filter((p) => p.endsWith('pond.jpg'))).toHaveLength(1);
    expect(report.warnings.find((w) => w.includes('missing.jpg'))).toMatch(
      /^"Pond life in May": http:\/\/127\.0\.0\.1:\d+\/wp-content\/uploads\/2020\/05\/missing\.jpg could not be fetched \(.+\); it is kept as a link to where it was\.$/,
    );
    expect(report.warnings).toContain('"Pond life in May": the shortcode [contact-form-7] has no meaning outside WordPress and is left as text.');
    expect(report.warnings).toContain('One post was left out: "Deleted rant" (in the trash).');
    expect(report.warnings).toContain("One comment was left out: Potluck keeps feedback from your class and teachers, not a blog's comments.");

    const index = fs.readFileSync(path.join(out, 'artifacts', 'pond-life', 'index.md'), 'utf8');
    expect(index).toContain('![A pond with reeds](pond.jpg)');
    expect(index).toContain('cover: pond.jpg');
    expect(index).toContain('*The pond at dawn*');
    expect(index).toContain(`[Missing heron](${site.base}/wp-content/uploads/2020/05/missing.jpg)`);
    expect(index).not.toContain('![Missing heron]');
    expect(index).toContain('- [Survey notes](survey-notes.pdf)');
    expect(index).toContain('The frogs came back this week.\\\nThree of them, by the reeds.');
    expect(index).toContain('\\[contact-form-7 id="3" title="Contact"\\]');
    expect(fs.readFileSync(path.join(out, 'artifacts', 'pond-life', 'pond.jpg'))).toEqual(pixel);

    const imported = await importArchiveFolder(app, { dir: out, handle: 'lena' });
    expect(imported.artifacts.created).toBe(2);
    expect(imported.media.stored).toBe(2);
    const pond = bySlug('pond-life');
    expect(pond.id).toBe(foreignId('wordpress', 'lena', `${site.base}?p=1`));
    expect(pond.title).toBe('Pond life in May');
    expect(pond.summary).toBe('Frogs, reeds and a heron.');
    expect(JSON.parse(pond.tags)).toEqual(['biology', 'frogs']);
    expect(new Date(pond.date).toISOString()).toBe('2020-05-02T08:30:00.000Z');
    expect(pond.cover_media_id).not.toBeNull();
    expect(pond.body).toMatch(/!\[A pond with reeds\]\(media:[\w-]+\)/);
    const profile = app.db.$client.prepare('select name from users where handle = ?').get('lena') as { name: string } | undefined;
    expect(profile?.name).toBe('Lena Berg');

    // A draft without a GMT date keeps its local date; it is on the drafts list.
    const essay = bySlug('half-finished-essay');
    expect(new Date(essay.date).toISOString()).toBe('2021-03-04T15:00:00.000Z');
    expect(report.drafts).toEqual([essay.id]);

    // Importing the same export again merges.
    const again = path.join(work, 'again');
    fs.mkdirSync(again);
    await convertWordpress({ app, source, out: again, handle: 'lena', label: 'site.xml', dryRun: false });
    const second = await importArchiveFolder(app, { dir: again, handle: 'lena' });
    expect(second.artifacts.created).toBe(0);
    expect(rows()).toHaveLength(2);
  });

  it('fetches nothing in a dry run and says what it would fetch', async () => {
    const report = await convertWordpress({ app, source, out, handle: 'lena', label: 'site.xml', dryRun: true });
    expect(site.seen).toEqual([]);
    expect(report.warnings).toContain('A dry run fetches nothing: 3 files would be fetched from ' + new URL(site.base).host + '.');
  });
});

describe('convertWordpress refuses', () => {
  it('an export that declares entities (XXE), and a file that is not a WordPress export, writing nothing', async () => {
    const evil = path.join(work, 'evil.xml');
    fs.writeFileSync(evil, '<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/"><channel><item><title>&x;</title></item></channel></rss>');
    await expect(convertWordpress({ app, source: evil, out, handle: 'lena', label: 'evil.xml', dryRun: true })).rejects.toThrow(/^evil\.xml declares XML entities/);
    const rss = path.join(work, 'rss.xml');
    fs.writeFileSync(rss, '<rss version="2.0"><channel><item><title>x</title></item></channel></rss>');
    await expect(convertWordpress({ app, source: rss, out, handle: 'lena', label: 'rss.xml', dryRun: true })).rejects.toThrow(/^rss\.xml is not a WordPress export/);
    const broken = path.join(work, 'broken.xml');
    fs.writeFileSync(broken, '<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/"><channel><item></channel></rss>');
    await expect(convertWordpress({ app, source: broken, out, handle: 'lena', label: 'broken.xml', dryRun: true })).rejects.toThrow(/^broken\.xml is not well-formed XML/);
    expect(fs.readdirSync(out)).toEqual([]);
  });
});
