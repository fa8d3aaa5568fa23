/** How WordPress's stored text becomes Markdown: paragraphs from blank lines, shortcodes, block comments. */
import { describe, expect, it } from 'vitest';
import { htmlToMarkdown } from '../../../src/server/import/htmlMarkdown.ts';
import { expandShortcodes, removeBlockComments, shortcodeAttributes, wpautop } from '../../../src/server/import/wordpress.ts';

const context = () => ({ postId: '1', attachments: new Map(), children: new Map(), unknown: new Set<string>(), galleriesWithoutPictures: 0 });
const convert = (text: string, ctx = context()) => htmlToMarkdown(wpautop(expandShortcodes(removeBlockComments(text), ctx)));

describe('WordPress text', () => {
  it('makes paragraphs of blank-line separated text and line breaks of single newlines', () => {
    expect(convert('One\ntwo\n\nThree <strong>bold</strong>')).toBe('One\\\ntwo\n\nThree **bold**\n');
    expect(wpautop('<ul>\n<li>a</li>\n</ul>\n\ntext')).toBe('<ul>\n<li>a</li>\n</ul>\n<p>text</p>');
  });

  it('removes block editor comments', () => {
    expect(convert('<!-- wp:paragraph -->\n<p>Hi</p>\n<!-- /wp:paragraph -->')).toBe('Hi\n');
  });

  it('turns [caption] into the picture and its caption, old and new style', () => {
    expect(convert('[caption id="a" width="300"]<img src="https://b.example/a.jpg" alt="Dog"> A good dog[/caption]')).toBe('![Dog](https://b.example/a.jpg)\n\n*A good dog*\n');
    expect(convert('[caption caption="Old style"]<a href="https://b.example/big.jpg"><img src="https://b.example/a.jpg" alt=""></a>[/caption]')).toBe('[![](https://b.example/a.jpg)](https://b.example/big.jpg)\n\n*Old style*\n');
  });

  it('turns [embed], [audio] and [video] into links and [code] into a code block', () => {
    expect(convert('[embed]https://video.example/v/1[/embed]')).toBe('[https://video.example/v/1](https://video.example/v/1)\n');
    expect(convert('[audio mp3="https://b.example/song.mp3"][/audio]')).toBe('[Audio: song.mp3](https://b.example/song.mp3)\n');
    expect(convert('[video src="https://b.example/clip.mp4"]')).toBe('[Video: clip.mp4](https://b.example/clip.mp4)\n');
    expect(convert('[code lang="js"]if (a < b) {}[/code]')).toBe('```\nif (a < b) {}\n```\n');
  });

  it('leaves unknown shortcodes as text and names them; [[escaped]] shortcodes are just text', () => {
    const ctx = context();
    expect(convert('[contact-form-7 id="3"] and [[gallery]] and [sic]', ctx)).toBe('\\[contact-form-7 id="3"\\] and \\[gallery\\] and \\[sic\\]\n');
    expect([...ctx.unknown]).toEqual(['contact-form-7']);
  });

  it('notes a gallery whose pictures are not in the export', () => {
    const ctx = context();
    expect(convert('[gallery ids="5,6"]', ctx)).toBe('');
    expect(ctx.galleriesWithoutPictures).toBe(1);
  });

  it('reads shortcode attributes in all three quotings', () => {
    expect(shortcodeAttributes(` id="1" align='left' width=300`)).toEqual({ id: '1', align: 'left', width: '300' });
  });

  it('drops scripts and keeps tables as sanitized HTML', () => {
    const md = htmlToMarkdown('<p>x</p><script>alert(1)</script><table onclick="x()"><tr><td>1</td></tr></table><img src="javascript:alert(1)">');
    expect(md).not.toMatch(/script|onclick|javascript/);
    expect(md).toContain('<table><tbody><tr><td>1</td></tr></tbody></table>');
  });
});
