import { describe, expect, it } from 'vitest';
import { allowedComponents } from '../../../src/core/markdown/mdx.ts';
import { renderArtifactBody } from '../../../src/core/markdown/render.ts';
import type { BodyError, RenderedBody } from '../../../src/core/markdown/render.ts';
import { unsafeFindings } from './html-safety.ts';

function renderMdx(source: string): RenderedBody {
  const result = renderArtifactBody({ source, format: 'mdx' });
  if (!result.ok) throw new Error(`expected the MDX to render, got ${JSON.stringify(result.errors)}`);
  expect(unsafeFindings(result.html)).toEqual([]);
  return result;
}

function mdxErrors(source: string): BodyError[] {
  const result = renderArtifactBody({ source, format: 'mdx' });
  if (result.ok) throw new Error(`expected the MDX to be refused, got ${result.html}`);
  return result.errors;
}

describe('allowed components', () => {
  it('lists the components students may use', () => {
    expect(allowedComponents).toEqual(['Callout', 'Details', 'Figure', 'Columns', 'Column']);
  });

  it('renders a Callout as a note aside, with Markdown inside', () => {
    const { html, hashtags } = renderMdx('<Callout type="warning">\n\nWear **goggles**. #safety\n\n</Callout>');
    expect(html).toBe(
      '<aside class="pl-callout pl-callout-warning" role="note"><p>Wear <strong>goggles</strong>. #safety</p></aside>',
    );
    expect(hashtags).toEqual(['safety']);
  });

  it('renders a one-line Callout, defaulting to a note', () => {
    expect(renderMdx('<Callout>Cite your sources.</Callout>').html).toBe(
      '<aside class="pl-callout pl-callout-note" role="note">Cite your sources.</aside>',
    );
  });

  it('renders Details with its summary, open when asked', () => {
    expect(renderMdx('<Details summary="Show the answer">\n\n42\n\n</Details>').html).toBe(
      '<details class="pl-details"><summary>Show the answer</summary><p>42</p></details>',
    );
    expect(renderMdx('<Details summary="Hint" open>Look up.</Details>').html).toContain(
      '<details class="pl-details" open>',
    );
  });

  it('renders a Figure from media with alt text and caption, and reports the media', () => {
    const result = renderMdx('<Figure src="media:img42" alt="Bean sprouts in three pots" caption="Day 7 #biology" />');
    expect(result.html).toBe(
      '<figure class="pl-figure"><img src="/media/img42/" alt="Bean sprouts in three pots" loading="lazy" decoding="async"><figcaption>Day 7 #biology</figcaption></figure>',
    );
    expect(result.mediaRefs).toEqual(['img42']);
    expect(result.hashtags).toEqual(['biology']);
  });

  it('renders Columns and Column as divs', () => {
    const { html } = renderMdx(
      '<Columns>\n<Column>\n\nBefore\n\n</Column>\n<Column>\n\nAfter\n\n</Column>\n</Columns>',
    );
    expect(html).toBe(
      '<div class="pl-columns"><div class="pl-column"><p>Before</p></div><div class="pl-column"><p>After</p></div></div>',
    );
  });

  it('keeps the Markdown around components, and drops MDX comments', () => {
    const { html } = renderMdx(
      '# Lab report\n\n{/* remember to add the graph */}\n\nIntro with [a link](https://example.org).\n\n<Callout type="tip">Label axes.</Callout>',
    );
    expect(html).toContain('Lab report');
    expect(html).toContain('rel="noopener noreferrer nofollow ugc"');
    expect(html).not.toContain('remember');
  });

  it('escapes component prop text rather than interpreting it', () => {
    const { html } = renderMdx('<Details summary="<script>alert(1)</script>">x</Details>');
    expect(html).toContain('&#x3C;script>alert(1)&#x3C;/script>');
  });
});

describe('refused MDX, with the line and column of each problem', () => {
  it('refuses import and export', () => {
    expect(mdxErrors('Intro.\n\nimport Chart from "./chart.js"\nexport const year = 2024\n')).toEqual([
      {
        line: 3,
        column: 1,
        message: expect.stringMatching(
          /^`import` statements are not allowed.*Callout, Details, Figure, Columns, Column/,
        ),
      },
      { line: 4, column: 1, message: expect.stringMatching(/^`export` statements are not allowed/) },
    ]);
  });

  it('refuses expressions in text and in flow', () => {
    expect(mdxErrors('The answer is {6 * 7}.\n\n{alert(1)}')).toEqual([
      { line: 1, column: 15, message: expect.stringMatching(/Expressions in curly braces .* not allowed.*\\\{/) },
      { line: 3, column: 1, message: expect.stringMatching(/Expressions in curly braces/) },
    ]);
  });

  it('refuses unknown components and names the allowed ones', () => {
    expect(mdxErrors('Text\n\n  <Video src="media:v1" />')).toEqual([
      {
        line: 3,
        column: 3,
        message:
          '<Video> is not a component Potluck knows. Components allowed here: Callout, Details, Figure, Columns, Column.',
      },
    ]);
  });

  it('refuses lowercase HTML elements and points to Markdown', () => {
    expect(mdxErrors('Some <b>bold</b> text')).toEqual([
      {
        line: 1,
        column: 6,
        message: expect.stringMatching(/^HTML elements such as <b> are not allowed here\. Use Markdown instead/),
      },
    ]);
  });

  it('refuses expression attributes', () => {
    expect(mdxErrors('<Callout type={kind}>x</Callout>')).toEqual([
      {
        line: 1,
        column: 10,
        message: expect.stringMatching(
          /type=\{…\} uses an expression; write a plain value instead, for example type="note"/,
        ),
      },
    ]);
  });

  it('refuses spread attributes', () => {
    expect(mdxErrors('<Figure src="media:a" alt="b" {...props} />')).toEqual([
      { line: 1, column: 31, message: expect.stringMatching(/^Spread attributes \(\{\.\.\.props\}\) are not allowed/) },
    ]);
  });

  it('refuses unknown attributes, bad values and missing required ones', () => {
    expect(
      mdxErrors('<Callout type="danger" color="red">x</Callout>\n\n<Figure src="media:a" />\n\n<Details>x</Details>'),
    ).toEqual([
      {
        line: 1,
        column: 10,
        message: '"danger" is not a Callout type. Use type="note", type="tip" or type="warning".',
      },
      { line: 1, column: 24, message: '<Callout> does not take the attribute "color". It takes: type.' },
      { line: 3, column: 1, message: expect.stringMatching(/^<Figure> needs alt=/) },
      { line: 5, column: 1, message: expect.stringMatching(/^<Details> needs summary=/) },
    ]);
  });

  it('refuses Figures of images on other sites or data: URLs', () => {
    for (const src of [
      'https://cdn.example.com/a.png',
      'data:image/png;base64,AAAA',
      'javascript:alert(1)',
      '//evil.example/a.png',
    ]) {
      expect(mdxErrors(`<Figure src="${src}" alt="x" />`)).toEqual([
        { line: 1, column: 9, message: expect.stringMatching(/^A Figure shows an image from your Potluck media/) },
      ]);
    }
  });

  it('refuses a Column outside Columns and a block component inside a sentence', () => {
    expect(mdxErrors('<Column>x</Column>\n\nSee <Callout>this</Callout> now.')).toEqual([
      { line: 1, column: 1, message: '<Column> can only be used directly inside <Columns>.' },
      { line: 3, column: 5, message: expect.stringMatching(/^<Callout> is a block: put it on its own line/) },
    ]);
  });

  it('refuses fragments', () => {
    expect(mdxErrors('<>\nx\n</>')).toEqual([{ line: 1, column: 1, message: expect.stringMatching(/^Fragments/) }]);
  });

  it('reports every problem at once, in reading order', () => {
    const errors = mdxErrors('<Video />\n\nimport x from "y"\n\n{1}');
    expect(errors.map((e) => e.line)).toEqual([1, 3, 5]);
  });

  it('reports syntax errors with their position instead of throwing', () => {
    expect(mdxErrors('Line one\n\nAn unclosed { brace')).toEqual([
      { line: 3, column: 20, message: expect.stringMatching(/^This MDX could not be read: .*escape it as \\\{/) },
    ]);
    // An element that is never closed is reported where it opens.
    expect(mdxErrors('<Callout type="tip">\n\nno closing tag')).toEqual([
      { line: 1, column: 1, message: expect.stringMatching(/^This MDX could not be read: .*<Callout>…<\/Callout>/) },
    ]);
  });

  it('never evaluates code, even in refused input', () => {
    const globals = globalThis as { potluckPwned?: boolean };
    mdxErrors(
      'export const x = (globalThis.potluckPwned = true)\n\n{globalThis.potluckPwned = true}\n\n<Callout type={(globalThis.potluckPwned = true)} />',
    );
    expect(globals.potluckPwned).toBeUndefined();
  });
});

describe('Markdown is not MDX', () => {
  it('treats component-like text in a Markdown body as dropped raw HTML, not as a component', () => {
    const result = renderArtifactBody({
      source: '<Callout type="tip">\n\nHi\n\n</Callout>\n\n{1 + 1}',
      format: 'markdown',
    });
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.html).toBe('<p>Hi</p>\n<p>{1 + 1}</p>');
  });
});
