/**
 * Public portfolio pages in a real browser (Debian's Chromium): accessible (axe, WCAG 2.2 AA) in light and dark, on
 * a phone and a desktop; no request to any other origin; no scripts; pictures that reserve their space (no layout
 * shift). Also the profile page a student edits them from.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveShowcase } from '../../src/commands/showcaseSaver.ts';
import { updateProfile } from '../../src/commands/profileUpdater.ts';
import { createSession, generateSessionToken, SESSION_COOKIE } from '../../src/server/auth/sessions.ts';
import type { Artifact, User } from '../../src/server/db/schema.ts';
import { axeSource, launchChromium } from '../helpers/browser.ts';
import { makeArtifact, makeUser } from '../helpers/factories.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { makePicture } from '../integration/portfolio/helpers.ts';

let server: TestServer;
let browser: Browser;
let maya: User;
let essay: Artifact;

const VIEWPORTS = { phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 800 } } as const;
const SCHEMES = ['light', 'dark'] as const;

beforeAll(async () => {
  server = await startServer();
  const app = server.app;
  maya = await makeUser(app, { handle: 'maya', name: 'Maya Lindqvist' });
  const face = await makePicture(app, maya, { width: 600, height: 600, alt: 'Maya' });
  const fog = await makePicture(app, maya, { width: 1600, height: 1000, alt: 'Fog over the harbour' });
  const bus = await makePicture(app, maya, { width: 900, height: 1200, alt: 'A bus stop in the rain' });
  updateProfile(app, {
    userId: maya.id,
    input: {
      name: 'Maya Lindqvist',
      bio: 'Grade 10. I write poems on the bus and take too many pictures of fog.',
      links: [{ label: 'Photo blog', url: 'https://maya-sees-fog.example.org/' }],
      avatarMediaId: face.id,
      siteTitle: 'Maya’s notebook',
      siteLicense: 'CC BY 4.0',
    },
  });
  essay = await makeArtifact(app, maya, {
    title: 'Counting syllables with Python',
    summary: 'A tiny program that checks my haiku, and what it taught me about rules.',
    visibility: 'public',
    kind: 'project',
    tags: ['poetry', 'python'],
    coverMediaId: fog.id,
    date: new Date('2026-02-01T09:00:00Z'),
    body: [
      '## Why',
      '',
      'Haiku have **five, seven, five** syllables. Counting by hand is slow, so I wrote this. #eng10',
      '',
      `![A bus stop in the rain](media:${bus.id})`,
      '',
      '```python',
      'def syllables(word: str) -> int:',
      '    vowels = "aeiouy"',
      '    count = sum(1 for a, b in zip(" " + word, word) if b in vowels and a not in vowels)',
      '    return max(1, count)  # every word has one',
      '```',
      '',
      '| word | syllables |',
      '| --- | --- |',
      '| harbour | 2 |',
      '',
      'See [the glossary](https://example.org/glossary) and `inline code`.',
    ].join('\n'),
  });
  for (let i = 0; i < 5; i++) {
    await makeArtifact(app, maya, {
      title: `Bus poem ${i + 1}`,
      summary: 'Short, written between two stops.',
      visibility: 'public',
      tags: ['poetry'],
      coverMediaId: i % 2 ? bus.id : undefined,
      date: new Date(Date.UTC(2025, 9, 1 + i)),
    });
  }
  await makeArtifact(app, maya, { title: 'Hidden draft', visibility: 'private' });
  await saveShowcase(app, {
    ownerId: maya.id,
    input: { title: 'Best of grade 10', intro: 'The pieces I am **proudest** of.', visibility: 'public', items: [essay.id], slug: 'best' },
  });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function axeViolations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol: the page's CSP (rightly) refuses injected inline scripts.
  await page.evaluate(axeSource());
  return page.evaluate(async () => {
    // @ts-expect-error axe is injected above
    const r = await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } });
    return r.violations.map(
      (v: { id: string; help: string; nodes: { target: string[] }[] }) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`,
    );
  });
}

/** Layout shifts while the page loaded and every lazy picture came in (scrolled through to the end). */
async function layoutShift(page: Page): Promise<number> {
  await page.evaluate(async () => {
    for (let y = 0; y < document.body.scrollHeight; y += window.innerHeight / 2) {
      window.scrollTo(0, y);
      await new Promise((r) => setTimeout(r, 30));
    }
    await Promise.all([...document.images].map((img) => (img.complete ? undefined : img.decode().catch(() => undefined))));
  });
  return page.evaluate(
    () =>
      new Promise<number>((resolve) => {
        let total = 0;
        new PerformanceObserver((list) => {
          for (const entry of list.getEntries() as (PerformanceEntry & { value: number; hadRecentInput: boolean })[]) {
            if (!entry.hadRecentInput) total += entry.value;
          }
        }).observe({ type: 'layout-shift', buffered: true });
        setTimeout(() => resolve(total), 100);
      }),
  );
}

async function openContext(viewport: (typeof VIEWPORTS)[keyof typeof VIEWPORTS], requests: { url: string; type: string }[]): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport });
  context.on('request', (r) => requests.push({ url: r.url(), type: r.resourceType() }));
  return context;
}

const publicPages = () => [
  ['portfolio', '/@maya/'],
  ['artifact with a picture and code', `/@maya/${essay.slug}/`],
  ['tag page', '/@maya/tags/poetry/'],
  ['showcase', '/@maya/showcases/best/'],
  ['archive', '/@maya/archive/'],
  ['tags', '/@maya/tags/'],
];

describe('public pages in a browser', () => {
  for (const [device, viewport] of Object.entries(VIEWPORTS)) {
    for (const scheme of SCHEMES) {
      it(`are accessible, self-contained and stable on a ${device} in ${scheme} mode`, async () => {
        const requests: { url: string; type: string }[] = [];
        const context = await openContext(viewport, requests);
        const page = await context.newPage();
        page.setDefaultTimeout(10_000);
        await page.emulateMedia({ colorScheme: scheme });
        try {
          for (const [label, path] of publicPages()) {
            const response = await page.goto(`${server.url}${path}`);
            expect(response?.status(), label).toBe(200);
            expect(await page.evaluate(() => matchMedia('(prefers-color-scheme: dark)').matches)).toBe(scheme === 'dark');
            expect(await axeViolations(page), `${label} (${device}, ${scheme})`).toEqual([]);
            // Every picture says how big it is, so nothing moves while it loads.
            const sizes = await page.$$eval('img', (imgs) => imgs.map((i) => [i.getAttribute('width'), i.getAttribute('height'), i.getAttribute('alt')]));
            for (const [width, height, alt] of sizes) {
              expect(Number(width), label).toBeGreaterThan(0);
              expect(Number(height), label).toBeGreaterThan(0);
              expect(alt, label).not.toBeNull();
            }
            expect(await layoutShift(page), `layout shift on ${label}`).toBeLessThan(0.01);
            // Nothing wider than the screen (a phone must not scroll sideways).
            const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
            expect(overflow, `horizontal scroll on ${label}`).toBeLessThanOrEqual(0);
          }
          const pictures = requests.filter((r) => r.type === 'image' && r.url.includes('/media/'));
          expect(pictures.length).toBeGreaterThan(0);
          // Responsive: a phone never needs the widest file of a 1600px picture.
          if (device === 'phone') expect(pictures.filter((r) => r.url.endsWith('/w1600.webp'))).toEqual([]);
          expect(requests.filter((r) => new URL(r.url).origin !== server.url && !r.url.startsWith('data:'))).toEqual([]);
          expect(requests.filter((r) => r.type === 'script')).toEqual([]);
        } finally {
          await context.close();
        }
      });
    }
  }

  it('shows the artifact the way it was written: picture, code and table readable on a phone', async () => {
    const context = await browser.newContext({ viewport: VIEWPORTS.phone });
    const page = await context.newPage();
    try {
      await page.goto(`${server.url}/@maya/${essay.slug}/`);
      await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Counting syllables with Python');
      const picture = page.getByRole('img', { name: 'A bus stop in the rain' });
      await picture.scrollIntoViewIfNeeded();
      const loaded = await picture.evaluate((img: HTMLImageElement) => img.decode().then(() => ({ src: img.currentSrc, width: img.naturalWidth })));
      expect(loaded.width).toBeGreaterThan(0);
      expect(loaded.src).toMatch(/\/w\d+\.webp$/);
      // Long code lines wrap inside the block (no sideways scrolling box a keyboard could not reach).
      const code = page.locator('pre').first();
      await expect(code.evaluate((el) => getComputedStyle(el).whiteSpace)).resolves.toBe('pre-wrap');
      await expect(code.evaluate((el) => el.scrollWidth <= el.clientWidth)).resolves.toBe(true);
      await expect(page.getByRole('link', { name: 'python' }).getAttribute('href')).resolves.toBe('/@maya/tags/python/');
    } finally {
      await context.close();
    }
  });

  it('the profile page is accessible in light and dark', async () => {
    const token = generateSessionToken();
    createSession(server.app, token, maya.id);
    const context = await browser.newContext({ viewport: VIEWPORTS.desktop });
    await context.addCookies([{ name: SESSION_COOKIE, value: token, url: server.url }]);
    const page = await context.newPage();
    try {
      for (const scheme of SCHEMES) {
        await page.emulateMedia({ colorScheme: scheme });
        const response = await page.goto(`${server.url}/account/profile`);
        expect(response?.status()).toBe(200);
        expect(await axeViolations(page), `profile (${scheme})`).toEqual([]);
      }
      // Saving without JavaScript's help: a plain form post, then the portfolio shows the change.
      await page.getByLabel('About you').fill('Grade 10. Fog, buses, haiku.');
      await page.getByRole('button', { name: 'Save profile' }).click();
      await page.waitForURL(/\/account\/profile\?saved=1$/);
      await page.goto(`${server.url}/@maya/`);
      await expect(page.locator('.p-note').textContent()).resolves.toBe('Grade 10. Fog, buses, haiku.');
    } finally {
      await context.close();
    }
  });
});
