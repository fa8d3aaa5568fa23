/**
 * The workspace lists a student's work a page at a time, counted by the database: a student with 45 pieces sees
 * the newest 20, a count of all 45, and Older/Newer links that keep the filters; a page past the end shows the last.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WORKSPACE_PAGE_SIZE } from '../../../src/server/repositories/artifacts.ts';
import type { User } from '../../../src/server/db/schema.ts';
import { makeArtifact, makeUser, signedIn } from '../../helpers/factories.ts';
import type { Browser } from '../../helpers/http.ts';
import { startServer, type TestServer } from '../../helpers/server.ts';

let server: TestServer;
let maya: User;
let browser: Browser;
const TOTAL = 45;

beforeAll(async () => {
  server = await startServer();
  maya = await makeUser(server.app, { handle: 'maya' });
  for (let i = 0; i < TOTAL; i++) {
    await makeArtifact(server.app, maya, {
      title: `Piece ${String(i).padStart(2, '0')}`,
      kind: i % 5 === 0 ? 'project' : 'post',
      tags: i % 2 === 0 ? ['even'] : ['odd'],
      date: new Date(Date.UTC(2026, 0, 1 + i)),
    });
  }
  browser = signedIn(server.url, server.app, maya);
});
afterAll(() => server?.stop());

const titles = (html: string) => [...html.matchAll(/<h3><a href="\/workspace\/artifacts\/[^"]+">(Piece \d+)<\/a><\/h3>/g)].map((m) => m[1]);
const links = (html: string) => ({
  prev: /<a rel="prev" href="([^"]+)"/.exec(html)?.[1]?.replaceAll('&amp;', '&') ?? null,
  next: /<a rel="next" href="([^"]+)"/.exec(html)?.[1]?.replaceAll('&amp;', '&') ?? null,
});

describe('the workspace list, a page at a time', () => {
  it('shows the newest page with the count of everything, and walks to the oldest and back', async () => {
    expect(WORKSPACE_PAGE_SIZE).toBe(20);
    const first = await (await browser.get('/workspace')).text();
    expect(first).toContain(`Your work (${TOTAL})`);
    expect(titles(first)).toEqual(Array.from({ length: 20 }, (_, i) => `Piece ${44 - i}`));
    expect(first).toContain('Page 1 of 3');
    expect(links(first)).toEqual({ prev: null, next: '/workspace?page=2' });

    const second = await (await browser.get('/workspace?page=2')).text();
    expect(titles(second)).toEqual(Array.from({ length: 20 }, (_, i) => `Piece ${String(24 - i).padStart(2, '0')}`));
    expect(links(second)).toEqual({ prev: '/workspace', next: '/workspace?page=3' });
    expect(second).toContain('<title>Workspace, page 2');

    const last = await (await browser.get('/workspace?page=3')).text();
    expect(titles(last)).toEqual(['Piece 04', 'Piece 03', 'Piece 02', 'Piece 01', 'Piece 00']);
    expect(links(last)).toEqual({ prev: '/workspace?page=2', next: null });
  });

  it('keeps the filters in its links and counts only what matches', async () => {
    const html = await (await browser.get('/workspace?tag=even&kind=post')).text();
    // Even pieces are 0, 2, …, 44 (23); of those, every tenth (0, 10, 20, 30, 40) is a project: 18 posts.
    expect(html).toContain('18 found');
    expect(titles(html)).toHaveLength(18);
    expect(html).not.toContain('rel="next"');
    const even = await (await browser.get('/workspace?tag=even')).text();
    expect(even).toContain('23 found');
    expect(links(even).next).toBe('/workspace?tag=even&page=2');
    const page2 = await (await browser.get(links(even).next!)).text();
    expect(titles(page2)).toEqual(['Piece 04', 'Piece 02', 'Piece 00']);
  });

  it('shows the last page for a page past the end, and the first for nonsense', async () => {
    for (const [query, page] of [['?page=99', 3], ['?page=-4', 1], ['?page=abc', 1], ['?page=2.7', 2]] as const) {
      const res = await browser.get(`/workspace${query}`);
      expect(res.status, query).toBe(200);
      expect(await res.text(), query).toContain(`Page ${page} of 3`);
    }
  });

  it('counts the tags of every piece, and shows a new one as soon as it is saved', async () => {
    const tagCount = (html: string, tag: string) => new RegExp(`>${tag}</a> <span class="meta">\\((\\d+)\\)</span>`).exec(html)?.[1];
    const before = await (await browser.get('/workspace')).text();
    expect(tagCount(before, 'even')).toBe('23');
    expect(tagCount(before, 'odd')).toBe('22');
    expect(tagCount(before, 'fresh')).toBeUndefined();
    await makeArtifact(server.app, maya, { title: 'Fresh piece', tags: ['fresh', 'even'], date: new Date(Date.UTC(2025, 0, 1)) });
    const after = await (await browser.get('/workspace')).text();
    expect(tagCount(after, 'fresh')).toBe('1');
    expect(tagCount(after, 'even')).toBe('24');
  });
});
