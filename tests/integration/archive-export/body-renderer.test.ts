/**
 * Older saved versions for the archive's offline pages are rendered on a worker thread: the same HTML as the one
 * Markdown pipeline gives on this thread, worked ahead within a budget, and nothing rendered after the export stops.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { renderArtifactBody, type RenderResult } from '../../../src/core/markdown/render.ts';
import { workerBodyRenderer, type BodyRenderer } from '../../../src/server/archive/bodyRenderer.ts';
import { renderAhead } from '../../../src/server/archive/offlineViews.ts';
import type { Revision } from '../../../src/server/db/schema.ts';

let renderer: BodyRenderer | undefined;
afterEach(async () => renderer?.close());

const revision = (n: number, body: string) => ({ id: `r${n}`, number: n, body, format: 'markdown' }) as Revision;

describe('the body renderer of the offline pages', () => {
  it('renders on a worker thread exactly what the Markdown pipeline renders here, raw HTML dropped', async () => {
    renderer = workerBodyRenderer();
    expect(renderer.ahead).toBe(true);
    const source = '# Notes\n\nSome **bold** text, a #tag and <script>alert(1)</script>.\n\n```python\nprint(1)\n```\n';
    const there = await renderer.render(source, 'markdown');
    expect(there).toEqual(renderArtifactBody({ source, format: 'markdown' }));
    expect(there.ok && there.html).not.toContain('<script');
  });

  it('works ahead only within its budget, and renders the rest when asked', async () => {
    const asked: string[] = [];
    const counting: BodyRenderer = {
      ahead: true,
      render: async (source) => {
        asked.push(source);
        return renderArtifactBody({ source, format: 'markdown' });
      },
      close: async () => {},
    };
    const order = [revision(1, 'a'.repeat(40)), revision(2, 'b'.repeat(40)), revision(3, 'c'.repeat(40))];
    const render = renderAhead(counting, order, 100);
    expect(asked).toHaveLength(2);
    const first = (await render(order[0])) as Extract<RenderResult, { ok: true }>;
    expect(first.html).toContain('aaaa');
    expect(asked).toHaveLength(3);
  });

  it('answers what is still waiting as not rendered once closed, without rendering it', async () => {
    renderer = workerBodyRenderer();
    const waiting = Array.from({ length: 50 }, (_, i) => renderer!.render(`Version ${i}\n\n${'word '.repeat(2000)}`, 'markdown'));
    await renderer.close();
    const results = await Promise.all(waiting);
    expect(results.some((r) => !r.ok)).toBe(true);
  });
});
