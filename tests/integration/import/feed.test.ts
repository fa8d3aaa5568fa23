/** Feeds (RSS, Atom, JSON Feed, a Micro.blog export) become archives the importer takes. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importArchiveFolder } from '../../../src/commands/archiveImporter.ts';
import type { AppContext } from '../../../src/server/context.ts';
import { convertFeed, isFeed } from '../../../src/server/import/feed.ts';
import { foreignId } from '../../../src/server/import/types.ts';
import { isWordpressExport } from '../../../src/server/import/wordpress.ts';
import { createTestApp } from '../../helpers/server.ts';
import { startFileServer } from './fileServer.ts';

const ROOT = path.join(import.meta.dirname, '../../..');
const CORPORA = path.join(ROOT, '../shared/corpora');
const GOFEED = path.join(CORPORA, 'gofeed/testdata');
const MICROBLOG = path.join(ROOT, 'tests/fixtures/feed/microblog-export');

let app: AppContext;
let work: string;
let out: string;
beforeEach(() => {
  app = createTestApp({ POTLUCK_ALLOW_PRIVATE_NETWORKS: '1' });
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'potluck-feed-'));
  out = path.join(work, 'out');
  fs.mkdirSync(out);
});
afterEach(() => {
  app.db.$client.close();
  fs.rmSync(app.config.dataDir, { recursive: true, force: true });
  fs.rmSync(work, { recursive: true, force: true });
});

type Row = { id: string; title: string; slug: string; body: string; summary: string; tags: string; date: number; canonical: string | null };
const rows = (): Row[] => app.db.$client.prepare('select id, title, slug, body, summary, tags, date, canonical from artifacts order by date').all() as Row[];
const convert = (source: string, dryRun = true) => convertFeed({ app, source, out, handle: 'lena', label: path.basename(source), dryRun });

describe('convertFeed', () => {
  it('reads a JSON Feed 1.1 with its title, summary, tags, dates and attachment', async () => {
    const source = path.join(GOFEED, 'parser/universal/json11_feed.json');
    expect(isFeed(fs.readFileSync(source, 'utf8'))).toBe(true);
    const report = await convert(source);
    expect(report).toMatchObject({ kind: 'feed', platform: 'a feed', drafts: [] });
    expect(report.warnings).toContain('A dry run fetches nothing: 1 file would be fetched from sample-json-feed.com.');
    await importArchiveFolder(app, { dir: out, handle: 'lena' });
    const [item] = rows();
    expect(item).toMatchObject({ id: foreignId('feed', 'lena', 'id'), title: 'title', summary: 'summary', canonical: 'https://sample-json-feed.com/id' });
    expect(JSON.parse(item!.tags)).toEqual(['tag1', 'tag2']);
    expect(new Date(item!.date).toISOString()).toBe('2019-10-12T07:20:50.520Z');
    // content_html wins over content_text; the attachment is kept as a link in a dry run.
    expect(item!.body).toContain('content_html');
    expect(item!.body).not.toContain('content_text');
    expect(item!.body).toContain('(https://sample-json-feed.com/attachment)');
  });

  it('gives an item without a title none (it is named by its first words)', async () => {
    await convert(path.join(CORPORA, 'jsonfeed/examples-v1.1/microblog.json'));
    await importArchiveFolder(app, { dir: out, handle: 'lena' });
    const [item] = rows();
    expect(item!.title).toBe('Cats are neat. https://example.org/cats');
    expect(item!.body).toContain('Cats are neat.');
    expect(new Date(item!.date).toISOString()).toBe('2016-02-09T21:22:00.000Z');
  });

  it('reads RSS content:encoded, categories and enclosures, and Atom entries', async () => {
    await convert(path.join(GOFEED, 'parser/rss/rss_channel_item_content_encoded.xml'));
    const rss = fs.readdirSync(path.join(out, 'artifacts'));
    expect(fs.readFileSync(path.join(out, 'artifacts', rss[0]!, 'index.md'), 'utf8')).toContain('Item Description');

    const categories = path.join(work, 'cat');
    fs.mkdirSync(categories);
    await convertFeed({ app, source: path.join(GOFEED, 'translator/atom/feed_item_category_-_atom10_feed_entry_category.xml'), out: categories, handle: 'lena', label: 'atom.xml', dryRun: true });
    const [atom] = fs.readdirSync(path.join(categories, 'artifacts'));
    expect(fs.readFileSync(path.join(categories, 'artifacts', atom!, 'index.md'), 'utf8')).toMatch(/tags:\n {2}- atom10\n/);

    const enclosures = path.join(work, 'enc');
    fs.mkdirSync(enclosures);
    const report = await convertFeed({ app, source: path.join(GOFEED, 'translator/rss/feed_item_enclosures_-_rss_channel_item_enclosures.xml'), out: enclosures, handle: 'lena', label: 'rss.xml', dryRun: true });
    const [enc] = fs.readdirSync(path.join(enclosures, 'artifacts'));
    const body = fs.readFileSync(path.join(enclosures, 'artifacts', enc!, 'index.md'), 'utf8');
    expect(body).toMatch(/\[podcast\.mp3\]\(http:\/\/example\.org\/podcast\.mp3\)/);
    // RSS 2.0 has one enclosure an item; the parser keeps the first.
    expect(report.warnings).toEqual(['One item has no date in the feed and was dated today.', 'A dry run fetches nothing: 1 file would be fetched from example.org.']);
  });

  it('takes a Micro.blog export folder with its pictures in uploads/', async () => {
    const report = await convert(MICROBLOG, false);
    expect(report.platform).toBe('Micro.blog');
    const missing = report.warnings.find((w) => w.includes('not-in-export.jpg'));
    expect(missing).toMatch(/^"Why ponds matter": https:\/\/lena\.micro\.blog\/uploads\/2024\/not-in-export\.jpg could not be fetched \(.+\); it is kept as a link to where it was\.$/);
    const imported = await importArchiveFolder(app, { dir: out, handle: 'lena' });
    expect(imported.artifacts.created).toBe(3);
    expect(imported.media.reused + imported.media.stored).toBeGreaterThanOrEqual(1);
    const [heron, essay, note] = rows();
    expect(heron!.title).toMatch(/^Saw the heron again by the pond this morning\./);
    expect(heron!.body).toMatch(/!\[A grey heron\]\(media:[\w-]+\)/);
    expect(JSON.parse(heron!.tags)).toEqual(['birds', 'pond']);
    expect(new Date(heron!.date).toISOString()).toBe('2024-03-02T06:15:00.000Z');
    // The blog's own address of a file in uploads/ is the file of the export.
    expect(essay!.body).toMatch(/!\[The same heron\]\(media:[\w-]+\)/);
    expect(essay!.body).toContain('[Gone](https://lena.micro.blog/uploads/2024/not-in-export.jpg)');
    expect(note!.body).toBe('Short note: frogspawn is in.\n\nSee you at the pond.\n');
    const user = app.db.$client.prepare('select name from users where handle = ?').get('lena') as { name: string };
    expect(user.name).toBe('Lena Berg');
  });

  it('fetches enclosures from the web through safeFetch', async () => {
    const site = await startFileServer();
    try {
      const pixel = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#a33' } }).png().toBuffer();
      site.files.set('/media/sketch.png', { bytes: pixel, type: 'image/png' });
      const source = path.join(work, 'feed.xml');
      fs.writeFileSync(source, `<?xml version="1.0"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Sketches</title><link>${site.base}/</link>
<item><title>Week 3 sketch</title><guid isPermaLink="false">sketch-3</guid><pubDate>Tue, 10 Sep 2024 09:30:00 -0400</pubDate>
<category>Art class</category><description>Short</description><content:encoded><![CDATA[<p>The <em>long</em> version.</p>]]></content:encoded>
<enclosure url="${site.base}/media/sketch.png" length="${pixel.length}" type="image/png"/></item></channel></rss>`);
      await convert(source, false);
      expect(site.seen).toEqual(['/media/sketch.png']);
      const imported = await importArchiveFolder(app, { dir: out, handle: 'lena' });
      expect(imported.media.stored).toBe(1);
      const [item] = rows();
      expect(item).toMatchObject({ id: foreignId('feed', 'lena', 'sketch-3'), title: 'Week 3 sketch' });
      expect(item!.body).toMatch(/^The \*long\* version\.\n\n!\[sketch\.png\]\(media:[\w-]+\)\n$/);
      expect(JSON.parse(item!.tags)).toEqual(['art-class']);
      expect(new Date(item!.date).toISOString()).toBe('2024-09-10T13:30:00.000Z');
    } finally {
      await site.close();
    }
  });

  it('refuses a feed that declares entities, and a file that is not a feed', async () => {
    const evil = path.join(work, 'evil.xml');
    fs.writeFileSync(evil, '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]><rss version="2.0"><channel><item><title>&x;</title></item></channel></rss>');
    await expect(convert(evil)).rejects.toThrow(/declares XML entities/);
    const notFeed = path.join(work, 'page.html');
    fs.writeFileSync(notFeed, '<!doctype html><html><body>hi</body></html>');
    await expect(convert(notFeed)).rejects.toThrow(/could not be read as a feed/);
    expect(fs.readdirSync(out)).toEqual([]);
    expect(isFeed(fs.readFileSync(path.join(ROOT, 'tests/fixtures/wordpress/themeunittestdata.wordpress.xml'), 'utf8').slice(0, 4096))).toBe(false);
    expect(isWordpressExport('<rss version="2.0"><channel>')).toBe(false);
  });
});
