import { describe, expect, it } from 'vitest';
import { isSafeMediaFileName, originalFileName } from '../../../src/server/media/names.ts';
import { contentDisposition, parseRange } from '../../../src/server/media/serve.ts';
import { markdownFor, mediaSrcset } from '../../../src/server/media/urls.ts';

describe('Markdown snippets', () => {
  it('keeps alt text with brackets and line breaks from breaking the Markdown', () => {
    expect(markdownFor({ id: 'm1', kind: 'image', alt: 'Graph [week 3]\nsee \\ notes', filename: 'g.png' })).toBe(
      '![Graph \\[week 3\\] see \\\\ notes](media:m1)',
    );
  });

  it('links attachments by their name', () => {
    expect(markdownFor({ id: 'm2', kind: 'attachment', alt: '', filename: 'Lab report.pdf' })).toBe('[Lab report.pdf](media:m2)');
  });

  it('lists variants as a srcset', () => {
    expect(
      mediaSrcset({
        id: 'm3',
        variants: [
          { width: 480, height: 320, file: 'w480.webp' },
          { width: 960, height: 640, file: 'w960.webp' },
        ],
      }),
    ).toBe('/media/m3/w480.webp 480w, /media/m3/w960.webp 960w');
  });
});

describe('stored file names', () => {
  it('derives the original name from the type, and accepts only generated names', () => {
    expect(originalFileName('image/jpeg')).toBe('original.jpg');
    expect(originalFileName('audio/mp4')).toBe('original.m4a');
    expect(originalFileName('text/csv; charset=utf-8')).toBe('original.csv');
    expect(isSafeMediaFileName('w960.webp')).toBe(true);
    for (const bad of ['../original.jpg', '..', 'a/b.jpg', 'a\\b.jpg', '.htaccess', 'original.jpg\0', 'ORIGINAL.JPG', '']) {
      expect(isSafeMediaFileName(bad), bad).toBe(false);
    }
  });
});

describe('HTTP details', () => {
  it('parses single byte ranges the way media players send them', () => {
    expect(parseRange('bytes=0-99', 1000)).toEqual({ start: 0, end: 99 });
    expect(parseRange('bytes=900-', 1000)).toEqual({ start: 900, end: 999 });
    expect(parseRange('bytes=-100', 1000)).toEqual({ start: 900, end: 999 });
    expect(parseRange('bytes=0-5000', 1000)).toEqual({ start: 0, end: 999 });
    expect(parseRange('bytes=1000-', 1000)).toBe('unsatisfiable');
    expect(parseRange('bytes=5-3', 1000)).toBeNull();
    expect(parseRange('bytes=0-1,5-6', 1000)).toBeNull();
    expect(parseRange(null, 1000)).toBeNull();
  });

  it('names downloads in UTF-8 with an ASCII fallback that cannot break the header', () => {
    expect(contentDisposition('attachment', 'Café "final".docx')).toBe(
      `attachment; filename="Caf_ _final_.docx"; filename*=UTF-8''Caf%C3%A9%20%22final%22.docx`,
    );
  });
});
