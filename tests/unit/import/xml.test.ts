/** Hostile XML is refused before it is parsed; text is decoded with the predefined entities only. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { child, childText, decodeXmlText, parseSafeXml, readXmlFile } from '../../../src/server/import/xml.ts';

const BILLION_LAUGHS = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
]>
<rss><channel><title>&lol2;</title></channel></rss>`;

const XXE = `<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<rss><channel><title>&x;</title></channel></rss>`;

describe('parseSafeXml', () => {
  it('refuses a billion laughs', () => {
    expect(() => parseSafeXml(BILLION_LAUGHS, 'blog.xml')).toThrow(/^blog\.xml declares XML entities in its DOCTYPE/);
  });

  it('refuses an external entity (XXE) without reading the file', () => {
    expect(() => parseSafeXml(XXE, 'blog.xml')).toThrow(/declares XML entities/);
  });

  it('expands no entity it does not know, and decodes the predefined ones and character references', () => {
    const tree = parseSafeXml('<a><b>&lt;p&gt; &amp;amp; &#233;&#x1F600; &nbsp; &#0;</b><c><![CDATA[&amp; <i>]]></c></a>', 'x.xml');
    expect(childText(child(tree, 'a'), 'b')).toBe('<p> &amp; é😀 &nbsp; \uFFFD');
    expect(childText(child(tree, 'a'), 'c')).toBe('&amp; <i>');
    expect(decodeXmlText('&quot;&apos;')).toBe(`"'`);
  });

  it('says a broken document is not well-formed', () => {
    expect(() => parseSafeXml('<rss><channel></rss>', 'x.xml')).toThrow(/^x\.xml is not well-formed XML/);
  });

  it('refuses a file over the size cap without reading it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'potluck-xml-'));
    const file = path.join(dir, 'huge.xml');
    const handle = fs.openSync(file, 'w');
    fs.ftruncateSync(handle, 3 * 1024 * 1024);
    fs.closeSync(handle);
    await expect(readXmlFile(file, 'huge.xml', 2 * 1024 * 1024)).rejects.toThrow(/^huge\.xml is 3 MB; at most 2 MB of XML is read/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
