/**
 * What saving does for the public pages, against a real database: pictures sized on save (srcset, sizes, width,
 * height), every change to what a portfolio shows bumps its content version (the page cache key), and public lists
 * cost the same number of queries however much work there is.
 */
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { deleteArtifact } from '../../../src/commands/artifactDeleter.ts';
import { saveArtifact } from '../../../src/commands/artifactSaver.ts';
import { deleteMedia, updateMediaAlt } from '../../../src/commands/mediaUploader.ts';
import { updateProfile } from '../../../src/commands/profileUpdater.ts';
import { deleteShowcase, saveShowcase } from '../../../src/commands/showcaseSaver.ts';
import { renderArtifactBody } from '../../../src/core/markdown/render.ts';
import { addResponsiveImages, BODY_IMAGE_SIZES, variantSrcset } from '../../../src/core/markdown/responsiveImages.ts';
import type { AppContext } from '../../../src/server/context.ts';
import { users, type User } from '../../../src/server/db/schema.ts';
import { mediaSrcset } from '../../../src/server/media/urls.ts';
import {
  getReadableShowcase,
  listArchive,
  listPortfolioPage,
  listPortfolioShowcases,
  listPortfolioTags,
} from '../../../src/server/repositories/portfolio.ts';
import { makeArtifact, makeUser } from '../../helpers/factories.ts';
import { createTestApp } from '../../helpers/server.ts';
import { makePicture } from './helpers.ts';

let app: AppContext;
beforeAll(() => {
  app = createTestApp();
});

const version = (user: User) => app.db.select({ v: users.contentVersion }).from(users).where(eq(users.id, user.id)).get()!.v;

describe('pictures are sized when work is saved', () => {
  it('gives every uploaded picture in the body srcset, sizes, width and height', async () => {
    const owner = await makeUser(app);
    const pic = await makePicture(app, owner, { width: 1200, height: 800, alt: 'Fog' });
    const artifact = await makeArtifact(app, owner, { body: `Look:\n\n![Fog at dawn](media:${pic.id})\n\n[the file](media:${pic.id})` });
    const img = /<img\b[^>]*>/.exec(artifact.html)![0];
    const widest = pic.variants.reduce((a, b) => (a.width >= b.width ? a : b));
    expect(img).toContain(`src="/media/${pic.id}/"`);
    expect(img).toContain('alt="Fog at dawn"');
    expect(img).toContain(`width="${widest.width}"`);
    expect(img).toContain(`height="${widest.height}"`);
    expect(img).toContain(`sizes="${BODY_IMAGE_SIZES}"`);
    const srcset = /srcset="([^"]+)"/.exec(img)![1];
    expect(srcset.split(', ').map((s) => Number(s.split(' ')[1].slice(0, -1)))).toEqual(pic.variants.map((v) => v.width).sort((a, b) => a - b));
    // The link to the file is a link, untouched.
    expect(artifact.html).toContain(`<a href="/media/${pic.id}/">the file</a>`);
  });

  it('leaves HTML without pictures exactly as rendered, and leaves other images alone', () => {
    const rendered = renderArtifactBody({ source: '# Title\n\n```js\nlet a = 1 < 2;\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |', format: 'markdown' });
    if (!rendered.ok) throw new Error('render failed');
    const images = new Map([['abc', { width: 10, height: 10, variants: [{ width: 10, height: 10, file: 'w10.webp' }] }]]);
    expect(addResponsiveImages(rendered.html, images)).toBe(rendered.html);
    const html = '<p><img src="/media/other/" alt="x"><img src="/media/abc/original.png" alt="y"></p>';
    expect(addResponsiveImages(html, images)).toBe(html);
  });

  it('spells srcset the way media URLs are spelled everywhere else', () => {
    const variants = [
      { width: 480, height: 320, bytes: 1, file: 'w480.webp' },
      { width: 960, height: 640, bytes: 1, file: 'w960.webp' },
    ];
    expect(variantSrcset('m-1', variants)).toBe(mediaSrcset({ id: 'm-1', variants }));
  });
});

describe('content versions', () => {
  it('bump on every change to what a portfolio shows, and only the owner’s', async () => {
    const owner = await makeUser(app);
    const bystander = await makeUser(app);
    const pic = await makePicture(app, owner);
    const other = version(bystander);
    const steps: [string, () => unknown, boolean][] = [];
    let id = '';
    let showcaseId = '';
    const input = { title: 'Essay', kind: 'post' as const, visibility: 'public' as const, body: 'Text.' };
    steps.push(['create an artifact', async () => (id = (await saveArtifact(app, { ownerId: owner.id, input })).artifact.id), true]);
    steps.push(['save it unchanged', () => saveArtifact(app, { ownerId: owner.id, artifactId: id, input }), false]);
    steps.push(['edit it', () => saveArtifact(app, { ownerId: owner.id, artifactId: id, input: { ...input, body: 'More.' } }), true]);
    steps.push(['create a showcase', async () => (showcaseId = (await saveShowcase(app, { ownerId: owner.id, input: { title: 'S', visibility: 'public', items: [id] } })).id), true]);
    steps.push(['delete the showcase', () => deleteShowcase(app, { ownerId: owner.id, showcaseId }), true]);
    // A picture no page shows yet changes nothing the public sees; once it is a public piece's cover, it does.
    steps.push(['describe a picture no page shows', () => updateMediaAlt(app, { ownerId: owner.id, mediaId: pic.id, alt: 'New words' }), false]);
    steps.push(['make it the cover', () => saveArtifact(app, { ownerId: owner.id, artifactId: id, input: { ...input, body: 'More.', coverMediaId: pic.id } }), true]);
    steps.push(['describe the cover', () => updateMediaAlt(app, { ownerId: owner.id, mediaId: pic.id, alt: 'Newer words' }), true]);
    steps.push(['update the profile', () => updateProfile(app, { userId: owner.id, input: { name: 'New Name' } }), true]);
    steps.push(['delete the artifact', () => deleteArtifact(app, { ownerId: owner.id, artifactId: id }), true]);
    steps.push(['delete the picture', () => deleteMedia(app, { ownerId: owner.id, mediaId: pic.id }), true]);
    for (const [label, step, bumps] of steps) {
      const before = version(owner);
      await step();
      expect(version(owner), label).toBe(bumps ? before + 1 : before);
    }
    expect(version(bystander)).toBe(other);
  });

  it('does not bump when a change is refused', async () => {
    const owner = await makeUser(app);
    const before = version(owner);
    expect(() => updateProfile(app, { userId: owner.id, input: { name: 'X', avatarMediaId: 'not-mine' } })).toThrow(/own pictures/);
    expect(() => deleteArtifact(app, { ownerId: owner.id, artifactId: 'nope' })).toThrow(/not found/);
    expect(version(owner)).toBe(before);
  });
});

describe('public lists do not grow with the amount of work', () => {
  // Counts statements run (not prepared): hot queries are prepared once and then reused.
  function countQueries<T>(fn: () => T): { result: T; queries: number } {
    const proto = Object.getPrototypeOf(app.db.$client.prepare('select 1')) as Record<string, (...args: unknown[]) => unknown>;
    const methods = ['all', 'get', 'run', 'iterate'] as const;
    const originals = methods.map((name) => proto[name]);
    let queries = 0;
    methods.forEach((name, i) => {
      proto[name] = function (this: { source?: string }, ...args: unknown[]) {
        // The database's change stamp (db/changes.ts) reads no table and costs the same for any amount of work.
        if (!/pragma[ _]data_version|pg_current_snapshot/.test(this.source ?? '')) queries++;
        return originals[i].apply(this, args);
      };
    });
    try {
      return { result: fn(), queries };
    } finally {
      methods.forEach((name, i) => (proto[name] = originals[i]));
    }
  }

  it('lists a page, tags, the archive and a showcase in one or two queries each', async () => {
    const owner = await makeUser(app);
    const pic = await makePicture(app, owner);
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) {
      const a = await makeArtifact(app, owner, { title: `Piece ${i}`, visibility: 'public', tags: [`t${i % 4}`, 'all'], coverMediaId: pic.id });
      ids.push(a.id);
    }
    const showcase = await saveShowcase(app, { ownerId: owner.id, input: { title: 'All', visibility: 'public', items: ids, slug: 'all' } });
    const page = countQueries(() => listPortfolioPage(app, null, owner, { page: 1 }));
    expect(page.result.items).toHaveLength(20);
    expect(page.result.items.every((c) => c.cover?.id === pic.id)).toBe(true);
    expect(page.result).toMatchObject({ total: 30, pages: 2 });
    expect(page.queries).toBe(1);
    expect(countQueries(() => listPortfolioPage(app, null, owner, { page: 2, tag: 'all' })).queries).toBe(1);
    expect(countQueries(() => listPortfolioTags(app, null, owner)).queries).toBe(1);
    expect(countQueries(() => listArchive(app, null, owner)).queries).toBe(1);
    expect(countQueries(() => listPortfolioShowcases(app, null, owner)).queries).toBe(1);
    const items = countQueries(() => getReadableShowcase(app, null, owner, showcase.slug));
    expect(items.result.items).toHaveLength(30);
    expect(items.queries).toBe(2);
    // A signed-in reader costs one more: the shared-hub check.
    const reader = await makeUser(app);
    expect(countQueries(() => listPortfolioPage(app, reader, owner, { page: 1 })).queries).toBe(2);
  });
});
