/**
 * A folder of Markdown from Jekyll or Hugo becomes an archive the archive importer takes: Jekyll's and Hugo's own
 * sample posts come in with their dates, tags, drafts and pictures; nothing outside the folder is ever read.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importArchiveFolder } from '../../../src/commands/archiveImporter.ts';
import { PotluckError } from '../../../src/core/errors.ts';
import type { AppContext } from '../../../src/server/context.ts';
import { convertMarkdownFolder, looksLikeMarkdownSite } from '../../../src/server/import/markdown.ts';
import { foreignId } from '../../../src/server/import/types.ts';
import { makeUser } from '../../helpers/factories.ts';
import { createTestApp } from '../../helpers/server.ts';

const fixtures = path.resolve('tests/fixtures');
let app: AppContext;
let out: string;
let scratch: string;
beforeEach(() => {
  app = createTestApp();
  out = fs.mkdtempSync(path.join(os.tmpdir(), 'potluck-md-out-'));
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'potluck-md-src-'));
});
afterEach(() => {
  app.db.$client.close();
  for (const dir of [app.config.dataDir, out, scratch]) fs.rmSync(dir, { recursive: true, force: true });
});

type Row = { id: string; slug: string; title: string; tags: string; date: number; visibility: string; body: string; summary: string; kind: string };
function rows(): Row[] {
  return app.db.$client.prepare('select id, slug, title, tags, date, visibility, body, summary, kind from artifacts order by slug').all() as Row[];
}
const convert = (source: string, handle = 'lena') => convertMarkdownFolder({ app, source, out, handle, label: path.basename(source), dryRun: false });

describe('convertMarkdownFolder', () => {
  it("brings Jekyll's test posts in with dates from front matter or file names, tags, categories and drafts", async () => {
    await makeUser(app, { handle: 'lena' });
    const source = path.join(fixtures, 'jekyll/site');
    expect(await looksLikeMarkdownSite(source)).toBe(true);
    const report = await convert(source);
    expect(report.platform).toBe('Jekyll');
    const id = (rel: string) => foreignId('markdown', 'lena', rel);
    expect(report.drafts).toContain(id('_posts/2008-02-02-not-published.markdown'));
    expect(report.drafts).toContain(id('_drafts/draft-properties.text'));
    expect(report.drafts).not.toContain(id('_posts/2008-02-02-published.markdown'));
    expect(report.warnings).toContain('_posts/2008-10-18-foo-bar.markdown: has Liquid template tags ({% … %} or {{ … }}), kept as plain text; edit them by hand.');
    expect(report.warnings).toContain('_posts/2013-03-19-not-a-post/dubious.markdown: not named YYYY-MM-DD-title, so Jekyll never published it as a post; left out.');
    expect(report.warnings.some((w) => w.startsWith('_posts/2008-02-03-wrong-extension.yml: not a Markdown file'))).toBe(true);

    const imported = await importArchiveFolder(app, { dir: out, handle: 'lena' });
    expect(imported.artifacts.created).toBe(56);
    const all = rows();
    const by = (rel: string) => all.find((r) => r.id === id(rel))!;
    expect(all.every((r) => r.visibility === 'private')).toBe(true);
    expect(JSON.parse(by('_posts/2009-01-27-array-categories.markdown').tags)).toEqual(['foo', 'bar', 'baz']);
    expect(JSON.parse(by('_posts/2009-01-27-categories.markdown').tags)).toEqual(['foo', 'bar', 'baz']);
    expect(JSON.parse(by('_posts/2009-05-18-tags.markdown').tags)).toEqual(['food', 'cooking', 'pizza']);
    expect(JSON.parse(by('_posts/2013-05-10-number-category.markdown').tags)).toEqual([]);
    expect(report.warnings).toContain('_posts/2013-05-10-number-category.markdown: the tag "2013" was left out, because a tag must start with a letter.');
    expect(new Date(by('_posts/2010-01-09-timezone-override.markdown').date).toISOString()).toBe('2010-01-10T13:07:09.000Z');
    expect(new Date(by('_posts/2009-01-27-category.markdown').date).toISOString()).toBe('2009-01-27T00:00:00.000Z');
    expect(new Date(by('_posts/2017-2-5-i-dont-like-zeroes.md').date).toISOString()).toBe('2017-02-05T00:00:00.000Z');
    expect(by('_posts/2013-04-11-custom-excerpt.markdown').summary).toBe('I can set a custom excerpt');
    expect(by('_posts/2008-10-18-foo-bar.markdown').body).toContain('# {{ page.title }}');
    expect(by('_posts/2008-10-18-foo-bar.markdown').title).toBe('Foo Bar');
    // The permalink /%2e%2e/%2e%2e/%2e%2e/baddie.html is only ever an address, never a path.
    expect(by('_posts/2014-01-06-permalink-traversal.md').slug).toBe('baddie');
    const draft = by('_drafts/draft-properties.text');
    expect(draft.title).toBe('Properties Draft');
    expect(JSON.parse(draft.tags)).toEqual(['ay', 'bee', 'cee', 'foo', 'bar', 'baz']);
  });

  it("brings Hugo's content in: TOML front matter, a page bundle's picture, shortcodes named in the report", async () => {
    await makeUser(app, { handle: 'lena' });
    const report = await convert(path.join(fixtures, 'hugo/site'));
    expect(report.platform).toBe('Hugo');
    expect(report.warnings).toContain('content/image-processing/index.md: has Hugo shortcodes ({{< … >}} or {{% … %}}), kept as plain text; edit them by hand.');
    const imported = await importArchiveFolder(app, { dir: out, handle: 'lena' });
    expect(imported.media.stored).toBe(1);
    const post3 = rows().find((r) => r.id === foreignId('markdown', 'lena', 'content/posts/post-3/index.md'))!;
    expect(post3.title).toBe('Post 3');
    expect(JSON.parse(post3.tags)).toEqual(['red', 'green', 'blue']);
    expect(new Date(post3.date).toISOString()).toBe('2023-03-15T18:00:00.000Z');
    expect(post3.body).toMatch(/!\[Bryce Canyon National Park\]\(media:[A-Za-z0-9_-]+\)/);
    expect(rows().map((r) => r.title)).toEqual(expect.arrayContaining(['Post 1', 'Post 2', 'Features', 'Security model', 'Image processing']));
  });

  it('re-importing the same folder merges instead of duplicating', async () => {
    await makeUser(app, { handle: 'lena' });
    await convert(path.join(fixtures, 'hugo/site'));
    await importArchiveFolder(app, { dir: out, handle: 'lena' });
    const first = rows().length;
    fs.rmSync(out, { recursive: true, force: true });
    fs.mkdirSync(out);
    await convert(path.join(fixtures, 'hugo/site'));
    const again = await importArchiveFolder(app, { dir: out, handle: 'lena' });
    expect(again.artifacts.created).toBe(0);
    expect(rows().length).toBe(first);
  });

  it('never reads outside the folder: ../ references, site-root escapes and symbolic links are left behind', async () => {
    const site = path.join(scratch, 'blog');
    const outside = path.join(scratch, 'secret.png');
    const png = await sharp({ create: { width: 6, height: 6, channels: 3, background: '#36c' } }).png().toBuffer();
    fs.writeFileSync(outside, png);
    fs.mkdirSync(path.join(site, '_posts'), { recursive: true });
    fs.mkdirSync(path.join(site, 'assets'));
    fs.writeFileSync(path.join(site, 'assets/ok.png'), png);
    fs.symlinkSync(outside, path.join(site, 'assets/linked.png'));
    fs.symlinkSync('/etc/passwd', path.join(site, '_posts/2020-01-03-passwd.md'));
    const up = '../'.repeat(12);
    fs.writeFileSync(
      path.join(site, '_posts/2020-01-02-walk.md'),
      `---\ntitle: Walk\n---\n\n![ok](/assets/ok.png)\n\n![a](${up}etc/passwd)\n\n![b](/../../secret.png)\n\n![c](../../secret.png)\n\n![d](/assets/linked.png)\n\n![e](/assets/gone.png)\n\n[![thumb](/assets/ok.png)](../assets/ok.png) [![gone](gone.png)](2020-01-01-other.md)\n`,
    );
    const report = await convert(site);
    const staged = fs.readdirSync(path.join(out, 'artifacts/walk'));
    expect(staged.sort()).toEqual(['index.md', 'ok.png']);
    expect(fs.readdirSync(path.join(out, 'artifacts'))).toEqual(['walk']);
    expect(report.warnings).toContain('_posts/2020-01-03-passwd.md: a link to somewhere else, not a file; left out.');
    expect(report.warnings).toContain(`_posts/2020-01-02-walk.md: ${up}etc/passwd points outside the folder; it was not brought along.`);
    expect(report.warnings).toContain('_posts/2020-01-02-walk.md: ../../secret.png points outside the folder; it was not brought along.');
    expect(report.warnings).toContain('_posts/2020-01-02-walk.md: /assets/linked.png is a link to somewhere else; it was not brought along.');
    expect(report.warnings).toContain('_posts/2020-01-02-walk.md: /assets/gone.png is not in the folder; it was not brought along.');
    const body = fs.readFileSync(path.join(out, 'artifacts/walk/index.md'), 'utf8');
    expect(body).toContain('![ok](ok.png)');
    expect(body).toContain('[![thumb](ok.png)](ok.png) *gone*\n');
    expect(report.warnings).toContain('_posts/2020-01-02-walk.md: 1 link to other pages of the old site became plain text.');
    expect(body).not.toContain('root:');
    await makeUser(app, { handle: 'lena' });
    const imported = await importArchiveFolder(app, { dir: out, handle: 'lena' });
    expect(imported.media.stored).toBe(1);
  });

  it('refuses a post whose front matter is a YAML bomb, writing no piece', async () => {
    const site = path.join(scratch, 'bomb');
    fs.mkdirSync(path.join(site, '_posts'), { recursive: true });
    fs.writeFileSync(path.join(site, '_posts/2020-01-01-fine.md'), '---\ntitle: Fine\n---\nFine.\n');
    const lol = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (const [name, prev] of [['b', 'a'], ['c', 'b'], ['d', 'c'], ['e', 'd'], ['f', 'e'], ['g', 'f']]) lol.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    fs.writeFileSync(path.join(site, '_posts/2020-01-02-lol.md'), `---\n${lol.join('\n')}\n---\nboom\n`);
    const error = await convert(site).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PotluckError);
    expect((error as PotluckError).code).toBe('BAD_ARCHIVE');
    expect((error as PotluckError).message).toMatch(/2020-01-02-lol\.md: .*YAML aliases/);
    expect(fs.existsSync(path.join(out, 'potluck.json'))).toBe(false);
  });

  it('tells a folder of Markdown from other folders', async () => {
    fs.writeFileSync(path.join(scratch, 'notes.txt'), 'plain');
    expect(await looksLikeMarkdownSite(scratch)).toBe(false);
    fs.writeFileSync(path.join(scratch, 'essay.md'), '---\ntitle: Essay\n---\nText');
    expect(await looksLikeMarkdownSite(scratch)).toBe(true);
    await expect(convert(path.join(scratch, 'notes.txt'))).rejects.toThrow(/is not a folder/);
  });
});

describe('which files of a site are pieces', () => {
  it('takes Jekyll pages with front matter and text, not layouts, READMEs or an empty home page; reports progress and stops when asked', async () => {
    const site = path.join(scratch, 'site');
    for (const dir of ['_posts', '_layouts', '_includes', 'about']) fs.mkdirSync(path.join(site, dir), { recursive: true });
    fs.writeFileSync(path.join(site, '_config.yml'), 'title: My site\n');
    fs.writeFileSync(path.join(site, '_posts/2021-03-04-first.md'), '---\ntitle: First\n---\nHello.\n');
    fs.writeFileSync(path.join(site, '_layouts/default.md'), '---\n---\n{{ content }}\n');
    fs.writeFileSync(path.join(site, '_includes/footer.md'), 'footer');
    fs.writeFileSync(path.join(site, 'README.md'), '# How to build this site\n');
    fs.writeFileSync(path.join(site, 'index.md'), '---\nlayout: home\n---\n');
    fs.writeFileSync(path.join(site, 'notes.md'), 'No front matter: Jekyll copies it as it is.\n');
    fs.writeFileSync(path.join(site, 'about/index.md'), '---\ntitle: About me\npermalink: /about/\n---\nI write.\n');
    const steps: string[] = [];
    const report = await convertMarkdownFolder({ app, source: site, out, handle: 'lena', label: 'site', dryRun: true, onProgress: (p) => steps.push(`${p.done}/${p.total} ${p.item ?? ''}`.trim()) });
    expect(report.platform).toBe('Jekyll');
    expect(fs.readdirSync(path.join(out, 'artifacts')).sort()).toEqual(['about', 'first']);
    expect(steps).toEqual(['0/4 _posts/2021-03-04-first.md', '1/4 about/index.md', '2/4 index.md', '3/4 notes.md', '4/4']);

    const controller = new AbortController();
    controller.abort(new Error('stopped by the user'));
    fs.rmSync(out, { recursive: true });
    fs.mkdirSync(out);
    await expect(convertMarkdownFolder({ app, source: site, out, handle: 'lena', label: 'site', dryRun: false, signal: controller.signal })).rejects.toThrow('stopped by the user');
    expect(fs.existsSync(path.join(out, 'potluck.json'))).toBe(false);
  });

  it('takes every Markdown file of an Eleventy folder, without front matter too', async () => {
    const site = path.join(scratch, 'eleventy');
    fs.mkdirSync(path.join(site, 'posts'), { recursive: true });
    fs.mkdirSync(path.join(site, '_includes'));
    fs.writeFileSync(path.join(site, 'eleventy.config.js'), 'export default {};\n');
    fs.writeFileSync(path.join(site, 'posts/walk.md'), '# A walk in the rain\n\nWet.\n');
    fs.writeFileSync(path.join(site, 'posts/json.md'), '{\n  "title": "Kept in JSON",\n  "tags": "one, two"\n}\nBody.\n');
    fs.writeFileSync(path.join(site, '_includes/base.md'), 'layout');
    const report = await convert(site);
    expect(report.platform).toBe('Eleventy');
    await makeUser(app, { handle: 'lena' });
    await importArchiveFolder(app, { dir: out, handle: 'lena' });
    expect(rows().map((r) => [r.title, JSON.parse(r.tags)])).toEqual([
      ['Kept in JSON', ['one', 'two']],
      ['A walk in the rain', []],
    ]);
  });
});
