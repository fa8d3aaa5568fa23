/**
 * Microformats2 on every public page, read by an independent parser (microformats-parser): the student's h-card,
 * h-feeds of work and full h-entries. Property SHAPES (plain string, {html, value}, {value, alt}, nested
 * microformat) are compared with the canonical expectations of the microformats test suite
 * (../shared/corpora/microformats-tests), so a reader built against those expectations reads us too.
 */
import fs from 'node:fs';
import path from 'node:path';
import { mf2 } from 'microformats-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveShowcase } from '../../../src/commands/showcaseSaver.ts';
import { updateProfile } from '../../../src/commands/profileUpdater.ts';
import type { Artifact, Media, User } from '../../../src/server/db/schema.ts';
import { makeArtifact, makeUser } from '../../helpers/factories.ts';
import { startServer, type TestServer } from '../../helpers/server.ts';
import { makePicture, syndicate } from './helpers.ts';

type Value = string | { value?: string; html?: string; alt?: string; type?: string[]; properties?: Properties };
type Properties = Record<string, Value[]>;
interface Item {
  type: string[];
  properties: Properties;
  children?: Item[];
  value?: string;
}

const SITE = 'http://potluck.test';
const CORPUS = path.resolve(process.cwd(), '../shared/corpora/microformats-tests/tests/microformats-v2');

let server: TestServer;
let maya: User;
let avatar: Media;
let cover: Media;
let poem: Artifact;

beforeAll(async () => {
  server = await startServer({ env: { POTLUCK_SITE_URL: SITE } });
  const app = server.app;
  maya = await makeUser(app, { handle: 'maya', name: 'Maya' });
  avatar = await makePicture(app, maya, { width: 500, height: 500, alt: 'Maya at the harbour' });
  cover = await makePicture(app, maya, { alt: 'Fog over water' });
  updateProfile(app, {
    userId: maya.id,
    input: {
      name: 'Maya Lindqvist',
      bio: 'Grade 10. Poems on the bus.',
      links: [
        { label: 'Photo blog', url: 'https://maya-sees-fog.example.org/' },
        { label: 'Code', url: 'https://code.example.org/maya' },
      ],
      avatarMediaId: avatar.id,
      siteTitle: 'Maya’s notebook',
    },
  });
  poem = await makeArtifact(app, maya, {
    title: 'Harbour fog',
    summary: 'Three pictures and a haiku.',
    visibility: 'public',
    tags: ['haiku', 'photography'],
    coverMediaId: cover.id,
    date: new Date('2026-01-10T08:00:00Z'),
    body: `Before the fog burned off.\n\n![Boats in fog](media:${cover.id})\n\n> gulls argue with a boat`,
  });
  await makeArtifact(app, maya, { title: 'Second piece', visibility: 'public', tags: ['haiku'], date: new Date('2026-01-12T08:00:00Z') });
  syndicate(app, poem.id, 'https://hub.example/eng10/items/7', 'English 10');
  syndicate(app, poem.id, 'https://maya.github.example/harbour-fog/', 'GitHub Pages');
  await saveShowcase(app, { ownerId: maya.id, input: { title: 'Best', intro: 'The best.', visibility: 'public', items: [poem.id], slug: 'best' } });
});
afterAll(() => server?.stop());

async function parse(pathname: string) {
  const res = await fetch(new URL(pathname, server.url));
  expect(res.status, pathname).toBe(200);
  return mf2(await res.text(), { baseUrl: new URL(pathname, server.url).href }) as unknown as {
    items: Item[];
    rels: Record<string, string[]>;
  };
}

// ---- The corpus: which shape each property has in the canonical expectations ----

type Shape = 'string' | 'html' | 'image' | 'microformat';
function shapeOf(value: Value): Shape {
  if (typeof value === 'string') return 'string';
  if (value.type) return 'microformat';
  if (value.html !== undefined) return 'html';
  if (value.alt !== undefined) return 'image';
  throw new Error(`unknown value shape: ${JSON.stringify(value)}`);
}

function corpusShapes(): Map<string, Set<Shape>> {
  const shapes = new Map<string, Set<Shape>>();
  const walk = (item: Item) => {
    for (const [name, values] of Object.entries(item.properties ?? {})) {
      for (const v of values) {
        const key = `${item.type[0]}.${name}`;
        shapes.set(key, (shapes.get(key) ?? new Set()).add(shapeOf(v)));
        if (typeof v === 'object' && v.type) walk(v as Item);
      }
    }
    for (const child of item.children ?? []) walk(child);
  };
  for (const dir of ['h-entry', 'h-card', 'h-feed']) {
    for (const file of fs.readdirSync(path.join(CORPUS, dir)).filter((f) => f.endsWith('.json'))) {
      for (const item of JSON.parse(fs.readFileSync(path.join(CORPUS, dir, file), 'utf8')).items) walk(item);
    }
  }
  return shapes;
}

// Properties the corpus has no example of take the shape of one with the same prefix (dt-, u-, p-) that it has.
const SAME_PREFIX_AS: Record<string, string> = {
  'h-entry.published': 'h-entry.updated',
  'h-entry.uid': 'h-card.uid',
  'h-entry.syndication': 'h-entry.url',
  'h-entry.category': 'h-card.category',
};

let shapes: Map<string, Set<Shape>>;
beforeAll(() => {
  shapes = corpusShapes();
});

/** Every value of `item` (and of nested microformats) has a shape the corpus shows for that property. */
function expectCorpusShapes(item: Item, where: string) {
  for (const [name, values] of Object.entries(item.properties)) {
    const key = `${item.type[0]}.${name}`;
    const allowed = shapes.get(key) ?? shapes.get(SAME_PREFIX_AS[key] ?? '');
    expect(allowed, `${where}: the corpus has no example of ${key}`).toBeDefined();
    for (const v of values) {
      expect([...allowed!], `${where}: ${key} = ${JSON.stringify(v).slice(0, 120)}`).toContain(shapeOf(v));
      if (typeof v === 'object' && v.type) expectCorpusShapes(v as Item, `${where} > ${key}`);
    }
  }
  for (const child of item.children ?? []) expectCorpusShapes(child, `${where} > child`);
}

const top = (parsed: { items: Item[] }, type: string) => parsed.items.filter((i) => i.type.includes(type));
const one = (values: Value[] | undefined) => {
  expect(values).toHaveLength(1);
  return values![0];
};

describe('the parser reads the corpus as the corpus expects', () => {
  it.each(['h-feed/simple', 'h-entry/summarycontent', 'h-card/hyperlinkedphoto', 'h-entry/u-property'])('%s', (name) => {
    const html = fs.readFileSync(path.join(CORPUS, `${name}.html`), 'utf8');
    const expected = JSON.parse(fs.readFileSync(path.join(CORPUS, `${name}.json`), 'utf8'));
    expect(mf2(html, { baseUrl: 'http://example.com/' }).items).toEqual(expected.items);
  });
});

describe('microformats on public pages', () => {
  it('portfolio: a representative h-card with photo, note and rel=me links, and an h-feed of h-entries', async () => {
    const parsed = await parse('/@maya/');
    const [card] = top(parsed, 'h-card');
    expect(card, 'a top-level h-card').toBeDefined();
    expect(card.properties.name).toEqual(['Maya Lindqvist']);
    expect(card.properties.note).toEqual(['Grade 10. Poems on the bus.']);
    expect(card.properties.uid).toEqual([`${SITE}/@maya/`]);
    expect(card.properties.url).toEqual([`${SITE}/@maya/`, 'https://maya-sees-fog.example.org/', 'https://code.example.org/maya']);
    // alt="" (the name is right beside it) reads as a plain URL, like the corpus's photos without alt.
    expect(card.properties.photo).toEqual([`${server.url}/media/${avatar.id}/`]);
    expect(parsed.rels.me).toEqual(['https://maya-sees-fog.example.org/', 'https://code.example.org/maya']);
    expectCorpusShapes(card, 'h-card');

    const [feed] = top(parsed, 'h-feed');
    expect(feed.properties.name).toEqual(['Work']);
    expect(feed.properties.url).toEqual([`${SITE}/@maya/`]);
    const author = one(feed.properties.author) as Item;
    expect(author.type).toEqual(['h-card']);
    expect(author.properties).toMatchObject({ name: ['Maya Lindqvist'], url: [`${server.url}/@maya/`] });
    expect(feed.children!.map((c) => c.type)).toEqual([['h-entry'], ['h-entry']]);
    const [second, first] = feed.children!;
    expect(second.properties.name).toEqual(['Second piece']);
    expect(first.properties).toMatchObject({
      name: ['Harbour fog'],
      url: [`${server.url}/@maya/${poem.slug}/`],
      published: ['2026-01-10T08:00:00.000Z'],
      summary: ['Three pictures and a haiku.'],
      category: ['haiku', 'photography'],
    });
    expect(one(first.properties.photo)).toEqual({ value: `${server.url}/media/${cover.id}/`, alt: 'Fog over water' });
    expectCorpusShapes(feed, 'h-feed');
  });

  it('artifact: a complete h-entry with author, dates, content, categories, cover and every syndication', async () => {
    const parsed = await parse(`/@maya/${poem.slug}/`);
    const entries = top(parsed, 'h-entry');
    expect(entries).toHaveLength(1);
    const entry = entries[0];
    const permalink = `${SITE}/@maya/${poem.slug}/`;
    expect(entry.properties.name).toEqual(['Harbour fog']);
    expect(entry.properties.summary).toEqual(['Three pictures and a haiku.']);
    expect(entry.properties.url).toEqual([permalink]);
    expect(entry.properties.uid).toEqual([permalink]);
    expect(entry.properties.published).toEqual(['2026-01-10T08:00:00.000Z']);
    expect(one(entry.properties.updated)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(entry.properties.category).toEqual(['haiku', 'photography']);
    expect(entry.properties.syndication).toEqual(['https://hub.example/eng10/items/7', 'https://maya.github.example/harbour-fog/']);
    expect(one(entry.properties.photo)).toEqual({ value: `${server.url}/media/${cover.id}/`, alt: 'Fog over water' });
    const content = one(entry.properties.content) as { html: string; value: string };
    expect(content.value).toContain('Before the fog burned off.');
    expect(content.html).toContain(`srcset="/media/${cover.id}/`);
    const author = one(entry.properties.author) as Item;
    expect(author.type).toEqual(['h-card']);
    expect(author.properties.name).toEqual(['Maya Lindqvist']);
    expect(author.properties.url).toEqual([`${server.url}/@maya/`]);
    expect(author.properties.photo).toEqual([`${server.url}/media/${avatar.id}/`]);
    expectCorpusShapes(entry, 'h-entry');
  });

  it.each([
    ['tag page', '/@maya/tags/haiku/', '#haiku', 2],
    ['showcase', '/@maya/showcases/best/', 'Best', 1],
    ['archive', '/@maya/archive/', 'Archive', 2],
    ['archive year', '/@maya/archive/2026/', 'Work from 2026', 2],
  ])('%s: an h-feed named for the page, with its author and h-entries', async (_label, pathname, name, count) => {
    const parsed = await parse(pathname);
    const feeds = top(parsed, 'h-feed');
    expect(feeds).toHaveLength(1);
    const feed = feeds[0];
    expect(feed.properties.name).toEqual([name]);
    expect(feed.properties.url).toEqual([`${SITE}${pathname}`]);
    expect((one(feed.properties.author) as Item).properties.name).toEqual(['Maya Lindqvist']);
    expect(feed.children).toHaveLength(count);
    for (const entry of feed.children!) {
      expect(entry.type).toEqual(['h-entry']);
      expect(one(entry.properties.url)).toMatch(new RegExp(`^${server.url}/@maya/[a-z0-9-]+/$`));
      expect(one(entry.properties.published)).toMatch(/^2026-01-1\dT08:00:00\.000Z$/);
      expect(one(entry.properties.name)).toMatch(/^(Harbour fog|Second piece)$/);
    }
    expectCorpusShapes(feed, pathname);
  });
});
