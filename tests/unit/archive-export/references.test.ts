/**
 * The exporter turns `media:ID` references into file names (findMediaReferences), the importer turns file names back
 * into `media:ID` (findFileReferences): the pair must give back the same text, whatever the Markdown around it.
 */
import { describe, expect, it } from 'vitest';
import { findFileReferences, findMediaReferences, mediaReferenceId, replaceFileReferences } from '../../../src/core/archive/references.ts';

const names: Record<string, string> = { a1: 'photo.jpg', b2: 'report.pdf', c3: 'chart.png' };
const ids = Object.fromEntries(Object.entries(names).map(([id, name]) => [name, id]));

function exportBody(body: string, format: 'markdown' | 'mdx' = 'markdown'): string {
  return replaceFileReferences(body, findMediaReferences(body, format), (ref) => {
    const id = mediaReferenceId(ref.url);
    return id && names[id] ? `${names[id]}${ref.fragment}` : undefined;
  });
}

function importBody(body: string, format: 'markdown' | 'mdx' = 'markdown'): string {
  return replaceFileReferences(body, findFileReferences(body, format), (ref) => {
    const id = ids[ref.url.split('#')[0]];
    return id ? `media:${id}${ref.fragment}` : undefined;
  });
}

describe('media references <-> file references', () => {
  it.each([
    ['an image', '![A *wet* day](media:a1)\n'],
    ['a link with a fragment and a title', 'See [page 2](media:b2#page=2 "The report") and [again](media:b2).\n'],
    ['a reference definition', 'The [chart][c] again.\n\n[c]: media:c3 "Chart"\n'],
    ['an angle-bracket destination', '![x](<media:a1>)\n'],
    ['a table and a list', '| a | b |\n|---|---|\n| ![p](media:a1) | [r](media:b2) |\n\n- ![c](media:c3)\n'],
    ['an unknown id, left alone', '![gone](media:zz9)\n'],
    ['code, never touched', 'Write `![x](media:a1)` like this:\n\n```\n![x](media:a1)\n```\n'],
  ])('round-trips %s', (_what, body) => {
    const exported = exportBody(body);
    expect(exported).not.toMatch(/media:(a1|b2|c3)(?![^`]*`)/);
    expect(importBody(exported)).toBe(body);
  });

  it('turns /media/ID/ links into the file as well (they come back as media:ID)', () => {
    expect(exportBody('[big](/media/a1/) and ![s](/media/c3/w480.webp)\n')).toBe('[big](photo.jpg) and ![s](chart.png)\n');
  });

  it('handles MDX Figure sources', () => {
    const body = 'Intro.\n\n<Figure src="media:a1" alt="A leaf" caption="October" />\n';
    const exported = exportBody(body, 'mdx');
    expect(exported).toContain('src="photo.jpg"');
    expect(importBody(exported, 'mdx')).toBe(body);
  });

  it('recognises only Potluck media ids', () => {
    expect(mediaReferenceId('media:a1#page=2')).toBe('a1');
    expect(mediaReferenceId('/media/a1/original.jpg')).toBe('a1');
    expect(mediaReferenceId('https://example.org/media/a1/')).toBeUndefined();
    expect(mediaReferenceId('media:../x')).toBeUndefined();
  });
});

/** The same body with a link reference definition appended, which makes the finder parse it whole. */
const whole = (body: string) => `${body}\n\n[zz-force-whole-parse]: https://example.invalid/\n`;
const strip = (refs: ReturnType<typeof findFileReferences>) => refs.map(({ url, start, end, line, column, as, alt }) => ({ url, start, end, line, column, as, alt }));

describe('parsing only the chunks that can hold a reference', () => {
  const pieces = [
    '# A heading with ![pic](media:a1)',
    'A paragraph with [a link](media:b2#page=3) and `![code](media:a1)` in code.',
    '```md\n![not an image](media:a1)\n\n![still code](photo.jpg)\n```',
    '~~~~\nfence with ``` inside\n\n![code](media:c3)\n~~~~',
    '    indented code ![x](media:a1)',
    '- a list item\n\n  continued ![in the item](photo.jpg)\n\n      indented code in the item ![x](media:a1)',
    '> a quote\n>\n> ![quoted](media:c3)',
    '| a | b |\n|---|---|\n| ![cell](photo.jpg) | x |',
    'Text ](media:a1) that is not a link, and [brackets] (media:b2) with a space.',
    '1. one\n2. two ![two](report.pdf)',
    'Setext heading ![s](media:a1)\n===',
    ' one space in front ![sp](photo.jpg)',
    '\tA tab in front ![tab](media:b2)',
    'Line one\r\n\r\n![crlf](photo.jpg)\r\n',
    '<div>\n![inside html](media:a1)\n</div>',
    'Last ![end](chart.png)',
  ];
  it('finds exactly what a whole parse finds, on every combination of tricky blocks', () => {
    let checked = 0;
    for (let i = 0; i < pieces.length; i++) {
      for (let j = 0; j < pieces.length; j++) {
        for (const sep of ['\n\n', '\n', '\n\n\n']) {
          const body = `${pieces[i]}${sep}${pieces[j]}${sep}${pieces[(i + j) % pieces.length]}`;
          expect(strip(findMediaReferences(body, 'markdown')), body).toEqual(strip(findMediaReferences(whole(body), 'markdown')));
          expect(strip(findFileReferences(body, 'markdown')), body).toEqual(strip(findFileReferences(whole(body), 'markdown')));
          checked++;
        }
      }
    }
    expect(checked).toBe(pieces.length * pieces.length * 3);
  });

  it('parses nothing when nothing could be a reference', () => {
    expect(findMediaReferences('Plain text, a [link](https://example.org) and `code`.', 'markdown')).toEqual([]);
    expect(findFileReferences('A [link](https://example.org/a.jpg), an [anchor](#top), a [path](/about/).', 'markdown')).toEqual([]);
  });
});
