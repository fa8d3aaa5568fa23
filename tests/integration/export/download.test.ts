/**
 * The "Download my site" page: a signed-in student sees what the site will hold, and the form streams it as a zip
 * rendered by the running server itself.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { clearRateLimit, reserveAttempt } from '../../../src/server/auth/rateLimit.ts';
import { users } from '../../../src/server/db/schema.ts';
import { DOWNLOAD_RULE } from '../../../src/server/http/downloadLimits.ts';
import { markdownFor } from '../../../src/server/media/urls.ts';
import { Browser, exportArchiveOnTheWeb } from '../../helpers/http.ts';
import { makeArtifact, makeUser, signedIn } from '../../helpers/factories.ts';
import { startServer, tempDataDir, type TestServer } from '../../helpers/server.ts';
import { uploadPicture } from './helpers.ts';

let server: TestServer;
let work: string;
let browser: Browser;
let pictureId: string;

beforeAll(async () => {
  server = await startServer();
  const maya = await makeUser(server.app, { handle: 'maya', name: 'Maya' });
  const picture = await uploadPicture(server.app, maya, 3, 'River');
  pictureId = picture.id;
  await makeArtifact(server.app, maya, { title: 'River walk', slug: 'river-walk', visibility: 'public', body: markdownFor(picture), tags: ['field'] });
  await makeArtifact(server.app, maya, { title: 'Diary', slug: 'diary', visibility: 'private', body: 'mine' });
  browser = signedIn(server.url, server.app, maya);
  work = tempDataDir('potluck-download-');
}, 120_000);

afterAll(async () => {
  await server?.stop();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe('/workspace/site', () => {
  it('needs a signed-in person', async () => {
    const r = await new Browser(server.url).get('/workspace/site');
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toContain('/signin');
  });

  it('shows what the site will hold before the download', async () => {
    const r = await browser.get('/workspace/site');
    expect(r.status).toBe(200);
    const html = await r.text();
    expect(html).toContain('1 public piece of work');
    expect(html).toContain('1 picture');
    expect(html).toContain('1 tag page');
    expect(html).toMatch(/Left out:.*private/s);
    expect(html).toContain('(1 piece of work and showcases right now)');
  });

  it('streams the public site as a zip that unzips to pages that work from disk', async () => {
    const r = await browser.postForm('/workspace/site', { base: '' });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/zip');
    expect(r.headers.get('content-disposition')).toBe('attachment; filename="maya-site.zip"');
    const zip = path.join(work, 'download.zip');
    fs.writeFileSync(zip, Buffer.from(await r.arrayBuffer()));
    execFileSync('unzip', ['-tq', zip]);
    const names = execFileSync('unzip', ['-Z1', zip], { encoding: 'utf8' }).trim().split('\n');
    expect(names).toContain('index.html');
    expect(names).toContain('river-walk/index.html');
    expect(names).toContain('tags/field/index.html');
    expect(names).toContain('feed.xml');
    expect(names.some((n) => n.startsWith(`media/${pictureId}/`))).toBe(true);
    expect(names.some((n) => n.includes('diary'))).toBe(false);
    const page = execFileSync('unzip', ['-p', zip, 'river-walk/index.html'], { encoding: 'utf8' });
    expect(page).toContain('href="../index.html"');
    expect(page).not.toContain('Sign in');
  });

  it('lets the next download start once one has arrived, and refuses more than the hour allows, saying when to retry', async () => {
    for (let i = 0; i < 2; i++) {
      const r = await browser.postForm('/workspace/site', { base: '' });
      expect(r.status).toBe(200);
      await r.arrayBuffer();
    }
    const maya = server.app.db.select().from(users).where(eq(users.handle, 'maya')).get()!;
    while (reserveAttempt(server.app, `download:site:${maya.id}`, DOWNLOAD_RULE));
    const refused = await browser.postForm('/workspace/site', { base: '' });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('content-type')).toContain('text/html');
    expect(await refused.text()).toMatch(/in the last hour.*Try again in an hour/s);
    // The archive export has a budget of its own.
    const { download: archive } = await exportArchiveOnTheWeb(browser);
    expect(archive.status).toBe(200);
    await archive.arrayBuffer();
    clearRateLimit(server.app, `download:site:${maya.id}`);
  });

  it('a base that is not a web address is refused on the form, with the student\'s text kept', async () => {
    const r = await browser.postForm('/workspace/site', { base: 'my-site' });
    expect(r.status).toBe(400);
    const html = await r.text();
    expect(html).toContain('aria-invalid="true"');
    expect(html).toContain('value="my-site"');
    expect(html).toContain('https://');
  });
});
