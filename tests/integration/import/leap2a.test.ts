/** Mahara's Leap2A exports become archives the importer takes: Mahara's own test export, and attachments. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importArchiveFolder } from '../../../src/commands/archiveImporter.ts';
import type { AppContext } from '../../../src/server/context.ts';
import { convertLeap2a, isLeap2a } from '../../../src/server/import/leap2a.ts';
import { foreignId } from '../../../src/server/import/types.ts';
import { createTestApp } from '../../helpers/server.ts';

const FIXTURES = path.join(import.meta.dirname, '../../fixtures/leap2a');

let app: AppContext;
let work: string;
let source: string;
let out: string;
beforeEach(() => {
  app = createTestApp();
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'potluck-leap-'));
  source = path.join(work, 'export');
  out = path.join(work, 'out');
  fs.mkdirSync(path.join(source, 'files'), { recursive: true });
  fs.mkdirSync(out);
});
afterEach(() => {
  app.db.$client.close();
  fs.rmSync(app.config.dataDir, { recursive: true, force: true });
  fs.rmSync(work, { recursive: true, force: true });
});

type Row = { id: string; title: string; slug: string; body: string; tags: string; date: number; kind: string };
const rows = (): Row[] => app.db.$client.prepare('select id, title, slug, body, tags, date, kind from artifacts order by slug').all() as Row[];

describe('convertLeap2a', () => {
  it("converts Mahara's own test export: pages, journal entries, plans and files, with tags and dates", async () => {
    fs.copyFileSync(path.join(FIXTURES, 'leap2a.xml'), path.join(source, 'leap2a.xml'));
    const picture = await sharp(fs.readFileSync(path.join(FIXTURES, 'Image2.png'))).flatten({ background: '#fff' }).jpeg().toBuffer();
    fs.writeFileSync(path.join(source, 'files', '1-215x194images 15.jpg'), picture);
    expect(isLeap2a(fs.readFileSync(path.join(source, 'leap2a.xml'), 'utf8'))).toBe(true);

    const report = await convertLeap2a({ app, source, out, handle: 'alice', label: 'alice.zip', dryRun: false });
    expect(report).toMatchObject({ kind: 'leap2a', platform: 'Mahara', drafts: [] });
    expect(report.warnings).toEqual([
      '"dummy document3.odt": the file files/0-dummy document3.odt is not in the export; it was left out.',
      `Mahara's own pages "Profile page", "Dashboard page" were left out: every Mahara account has them.`,
    ]);

    const imported = await importArchiveFolder(app, { dir: out, handle: 'alice' });
    expect(imported.artifacts.created).toBe(4);
    expect(imported.media.stored).toBe(1);
    expect(rows().map((r) => r.title)).toEqual(['215x194images 15.jpg', 'Alice Plan', 'Journal entry Alice 1', 'Portfolio page Alice 1']);
    const [file, plan, journal, page] = rows();
    expect(journal!.id).toBe(foreignId('leap2a', 'alice', 'http://mahara.site.url|portfolio:artefact183'));
    expect(journal!.body).toMatch(/^Journal entry Alice 1 - Cras non dolor\./);
    expect(JSON.parse(journal!.tags)).toEqual(['alice']);
    expect(new Date(journal!.date).toISOString()).toBe('2018-07-25T01:34:54.000Z');
    expect(page!.body).toContain('Ut tincidunt tincidunt erat.');
    expect(new Date(page!.date).toISOString()).toBe('2018-07-25T01:35:53.000Z');
    expect(plan!.body).toBe('Alice Plan Description\n');
    expect(file!.kind).toBe('media');
    // The file name has a space, so the address is written in angle brackets.
    expect(file!.body).toMatch(/^!\[215x194images 15\.jpg\]\(<media:[\w-]+>\)\n$/);
    const user = app.db.$client.prepare('select name from users where handle = ?').get('alice') as { name: string };
    expect(user.name).toBe('Alice User1');
  });

  it('brings attachments along with the entry that names them, and reports the missing ones', async () => {
    fs.writeFileSync(path.join(source, 'files', '0-report.pdf'), '%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
    fs.writeFileSync(
      path.join(source, 'leap2a.xml'),
      `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:leap2="http://terms.leapspecs.org/" xmlns:categories="http://wiki.leapspecs.org/2A/categories">
  <leap2:version>http://www.leapspecs.org/2010-07/2A/</leap2:version>
  <id>https://mahara.school.example/export/3/1700000000</id>
  <title>Mahara Leap2A Export for Sam Lee</title>
  <updated>2023-11-14T22:13:20Z</updated>
  <author><name>Sam Lee</name></author>
  <entry>
    <title>Field trip report</title>
    <id>portfolio:artefact10</id>
    <updated>2023-10-02T09:00:00Z</updated>
    <published>2023-10-01T08:00:00+02:00</published>
    <content type="html">&lt;p&gt;We measured the stream &amp;amp; counted &lt;strong&gt;caddisflies&lt;/strong&gt;.&lt;/p&gt;</content>
    <rdf:type rdf:resource="leap2:entry"/>
    <link rel="leap2:has_attachment" href="portfolio:artefact11"/>
    <link rel="leap2:has_attachment" href="portfolio:artefact12"/>
    <link rel="leap2:has_attachment" href="portfolio:artefact99"/>
    <category term="Science"/>
    <category term="field work"/>
    <category term="Blog" scheme="categories:selection_type#"/>
  </entry>
  <entry>
    <title>Report (PDF)</title>
    <id>portfolio:artefact11</id>
    <updated>2023-10-01T08:00:00Z</updated>
    <content type="text">The written report</content>
    <rdf:type rdf:resource="leap2:resource"/>
    <link rel="enclosure" type="application/pdf" href="files/0-report.pdf"/>
  </entry>
  <entry>
    <title>Photos</title>
    <id>portfolio:artefact12</id>
    <updated>2023-10-01T08:00:00Z</updated>
    <content/>
    <rdf:type rdf:resource="leap2:resource"/>
    <link rel="enclosure" type="image/jpeg" href="files/1-photos.jpg"/>
  </entry>
  <entry>
    <title>Escape</title>
    <id>portfolio:artefact13</id>
    <updated>2023-10-01T08:00:00Z</updated>
    <content type="text">Not mine</content>
    <rdf:type rdf:resource="leap2:resource"/>
    <link rel="enclosure" type="text/plain" href="../../../etc/passwd"/>
  </entry>
</feed>`,
    );
    const report = await convertLeap2a({ app, source, out, handle: 'sam', label: 'sam.zip', dryRun: false });
    expect(report.warnings).toEqual([
      '"Field trip report": an attachment (portfolio:artefact99) is not in the export; it was left out.',
      '"Field trip report": the file files/1-photos.jpg is not in the export; it was left out.',
      '"Escape": the file ../../../etc/passwd is not in the export; it was left out.',
    ]);
    const index = fs.readFileSync(path.join(out, 'artifacts', 'field-trip-report', 'index.md'), 'utf8');
    expect(index).toContain('We measured the stream & counted **caddisflies**.');
    expect(index).toContain('[Report (PDF)](0-report.pdf)');
    expect(fs.readdirSync(path.join(out, 'artifacts'))).toEqual(['field-trip-report']);

    const imported = await importArchiveFolder(app, { dir: out, handle: 'sam' });
    expect(imported.artifacts.created).toBe(1);
    expect(imported.media.stored).toBe(1);
    const [entry] = rows();
    expect(JSON.parse(entry!.tags)).toEqual(['science', 'field-work']);
    expect(new Date(entry!.date).toISOString()).toBe('2023-10-01T06:00:00.000Z');
    expect(entry!.body).toMatch(/\[Report \(PDF\)\]\(media:[\w-]+\)/);
  });

  it('refuses a Leap2A file that declares entities, and a folder without leap2a.xml', async () => {
    fs.writeFileSync(path.join(source, 'leap2a.xml'), '<?xml version="1.0"?><!DOCTYPE feed [<!ENTITY x SYSTEM "file:///etc/passwd">]><feed xmlns="http://www.w3.org/2005/Atom" xmlns:leap2="http://terms.leapspecs.org/"><entry><title>&x;</title></entry></feed>');
    await expect(convertLeap2a({ app, source, out, handle: 'sam', label: 'sam.zip', dryRun: false })).rejects.toThrow(/^sam\.zip declares XML entities/);
    await expect(convertLeap2a({ app, source: path.join(source, 'files'), out, handle: 'sam', label: 'files', dryRun: false })).rejects.toThrow(/has no leap2a\.xml/);
    expect(fs.readdirSync(out)).toEqual([]);
  });
});
