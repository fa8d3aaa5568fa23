/**
 * The attacker's view of a static export: a student whose portfolio is mostly private, members-only and unlisted
 * work (with pictures, tags and showcases) exports their site. Nothing of that work may appear anywhere in the
 * export: not as a file, not as a URL, not as a word.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveShowcase } from '../../../src/commands/showcaseSaver.ts';
import { findCssUrls, findUrlAttributes, urlsOf } from '../../../src/core/html/urlAttributes.ts';
import { markdownFor } from '../../../src/server/media/urls.ts';
import { makeArtifact, makeHub, makeUser } from '../../helpers/factories.ts';
import { startServer, tempDataDir, type TestServer } from '../../helpers/server.ts';
import { checkLinks, documentUrls, listFiles, runSiteCli, uploadPicture } from './helpers.ts';

let server: TestServer;
let work: string;
const secrets: string[] = [];
const publicMediaIds: string[] = [];

beforeAll(async () => {
  server = await startServer();
  const app = server.app;
  const noor = await makeUser(app, { handle: 'noor', name: 'Noor Haddad' });
  const teacher = await makeUser(app, { handle: 'teach', role: 'teacher' });
  makeHub(app, { teacher, students: [noor] });

  const shown = await uploadPicture(app, noor, 1, 'A public picture');
  publicMediaIds.push(shown.id);
  const hello = await makeArtifact(app, noor, {
    title: 'Hello world',
    slug: 'hello-world',
    visibility: 'public',
    tags: ['open'],
    body: `My public page. ${markdownFor(shown)} #open`,
  });

  let n = 0;
  for (const visibility of ['private', 'members', 'unlisted'] as const) {
    for (let i = 0; i < 3; i++) {
      n++;
      const picture = await uploadPicture(app, noor, 10 + n, `Hidden picture ${n}`);
      const cover = await uploadPicture(app, noor, 50 + n, `Hidden cover ${n}`);
      const slug = `hidden-${visibility}-${i}-qx${n}`;
      const title = `Zebrafish ${visibility} diary ${n}`;
      const tag = `secret${visibility}${n}`;
      const artifact = await makeArtifact(app, noor, {
        title,
        slug,
        visibility,
        tags: [tag],
        summary: `Summary kumquat ${n}`,
        body: `Body of kumquat ${n}. ${markdownFor(picture)} #${tag}`,
        coverMediaId: cover.id,
      });
      secrets.push(slug, title, tag, `kumquat ${n}`, picture.id, cover.id, artifact.id);
    }
  }
  // A picture used nowhere, and showcases that are not public (one holds the public piece).
  const loose = await uploadPicture(app, noor, 99, 'Loose upload');
  secrets.push(loose.id);
  for (const visibility of ['private', 'members', 'unlisted'] as const) {
    const slug = `shelf-${visibility}-qz`;
    const title = `Marmalade shelf ${visibility}`;
    await saveShowcase(app, { ownerId: noor.id, input: { title, slug, visibility, intro: `Intro persimmon ${visibility}`, items: [hello.id] } });
    secrets.push(slug, title, `persimmon ${visibility}`);
  }
  work = tempDataDir('potluck-export-privacy-');
}, 120_000);

afterAll(async () => {
  await server?.stop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

/** Every URL a file of the export mentions: attributes of pages, url() of stylesheets, anything URL-like in feeds. */
function urlsIn(file: string, text: string): string[] {
  if (file.endsWith('.html')) return findUrlAttributes(text).flatMap(urlsOf);
  if (file.endsWith('.css')) return findCssUrls(text).map((u) => u.value);
  return [...text.matchAll(/(?:https?:\/\/|\/)[^\s"'<>]+/g)].map((m) => m[0]);
}

describe('the static export of a mostly private portfolio', () => {
  it('holds only the public work: no file, URL or word of anything else', async () => {
    const out = path.join(work, 'site');
    const result = await runSiteCli(server, ['--handle', 'noor', '--out', out, '--json']);
    expect(result, result.err).toMatchObject({ code: 0 });
    const report = JSON.parse(result.out) as { pages: number; files: number };
    expect(report.pages).toBeGreaterThan(1);

    const files = listFiles(out);
    expect(files).toContain('hello-world/index.html');
    expect(files).toContain('tags/open/index.html');
    // Pictures: exactly the public one.
    expect([...new Set(files.filter((f) => f.startsWith('media/')).map((f) => f.split('/')[1]))]).toEqual(publicMediaIds);

    const haystack: string[] = [];
    for (const file of files) {
      haystack.push(file);
      if (file.startsWith('media/')) continue;
      const text = fs.readFileSync(path.join(out, file), 'utf8');
      haystack.push(...urlsIn(file, text), text);
    }
    const everything = haystack.join('\n').toLowerCase();
    const leaks = secrets.filter((s) => everything.includes(s.toLowerCase()));
    expect(leaks).toEqual([]);
    expect(checkLinks(out).broken).toEqual([]);
  });

  it('a public page that links to unlisted work keeps that link pointing at the live site and copies nothing of it', async () => {
    const app = server.app;
    const lena = await makeUser(app, { handle: 'lena' });
    const hidden = await uploadPicture(app, lena, 200, 'Unlisted picture');
    await makeArtifact(app, lena, { title: 'Draft for friends', slug: 'for-friends', visibility: 'unlisted', body: markdownFor(hidden) });
    await makeArtifact(app, lena, { title: 'Open letter', slug: 'open-letter', visibility: 'public', body: 'Read [my draft](/@lena/for-friends/).' });

    const out = path.join(work, 'lena');
    const result = await runSiteCli(server, ['--handle', 'lena', '--out', out]);
    expect(result, result.err).toMatchObject({ code: 0 });
    const files = listFiles(out);
    expect(files).toContain('open-letter/index.html');
    expect(files.filter((f) => f.includes('for-friends') || f.includes(hidden.id))).toEqual([]);
    const links = documentUrls(fs.readFileSync(path.join(out, 'open-letter', 'index.html'), 'utf8')).map((u) => u.url);
    expect(links).toContain(`${server.url}/@lena/for-friends/`);
  });
});
