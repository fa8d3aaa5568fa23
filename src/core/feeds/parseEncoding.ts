/**
 * Turns the bytes of a feed (or an OPML file) into text. Feeds arrive in every encoding the web has used, and a
 * wrong guess shows a teacher "Ã©" where a student wrote "é", so the order is the one RFC 7303 gives for XML:
 * byte order mark, then the HTTP `charset`, then the XML declaration, then UTF-16 sniffing; a document that
 * declares nothing and is not valid UTF-8 is read as Windows-1252, the encoding such documents nearly always use.
 */

/** The text and the encoding it was read with (a WHATWG encoding name, e.g. `utf-8`, `windows-1252`). */
export interface DecodedText {
  text: string;
  encoding: string;
  /** Where the encoding came from, for diagnostics. */
  source: 'bom' | 'content-type' | 'xml-declaration' | 'sniffed' | 'default' | 'fallback';
}

/** Reads the `charset` parameter of a Content-Type header. */
export function charsetFromContentType(contentType: string | undefined): string | undefined {
  if (!contentType) return undefined;
  const match = /;\s*charset\s*=\s*("?)([^";\s]+)\1/i.exec(contentType);
  return match?.[2]?.toLowerCase();
}

function knownEncoding(label: string | undefined): string | undefined {
  if (!label) return undefined;
  try {
    return new TextDecoder(label).encoding;
  } catch {
    return undefined;
  }
}

function decode(bytes: Uint8Array, encoding: string, fatal = false): string {
  return new TextDecoder(encoding, { fatal, ignoreBOM: false }).decode(bytes);
}

/** The encoding named in an XML declaration, read from the first bytes as ASCII. */
function xmlDeclarationEncoding(bytes: Uint8Array): string | undefined {
  const head = String.fromCharCode(...bytes.subarray(0, 200));
  const match = /^\s*<\?xml[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']/.exec(head);
  return match?.[1];
}

/**
 * Decodes a feed or OPML document. `contentType` is the HTTP header (its charset counts unless a BOM says
 * otherwise); strings pass through unchanged.
 */
export function decodeFeedText(input: Uint8Array | string, contentType?: string): DecodedText {
  if (typeof input === 'string') return { text: input.replace(/^\uFEFF/, ''), encoding: 'utf-8', source: 'default' };
  const bytes = input;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return { text: decode(bytes.subarray(3), 'utf-8'), encoding: 'utf-8', source: 'bom' };
  }
  if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    return { text: decode(bytes.subarray(2), 'utf-16be'), encoding: 'utf-16be', source: 'bom' };
  }
  if (bytes[0] === 0xff && bytes[1] === 0xfe) {
    return { text: decode(bytes.subarray(2), 'utf-16le'), encoding: 'utf-16le', source: 'bom' };
  }
  const fromHeader = knownEncoding(charsetFromContentType(contentType));
  // A server that labels UTF-16 as "utf-16" without a BOM is not something we can read more reliably than by
  // sniffing below, so only single-byte and multi-byte ASCII-compatible labels are trusted from the header.
  if (fromHeader && !fromHeader.startsWith('utf-16')) {
    return { text: decode(bytes, fromHeader), encoding: fromHeader, source: 'content-type' };
  }
  // UTF-16 without a BOM: "<?" as 00 3C 00 3F (big-endian) or 3C 00 3F 00 (little-endian).
  if (bytes[0] === 0x00 && bytes[1] === 0x3c)
    return { text: decode(bytes, 'utf-16be'), encoding: 'utf-16be', source: 'sniffed' };
  if (bytes[0] === 0x3c && bytes[1] === 0x00)
    return { text: decode(bytes, 'utf-16le'), encoding: 'utf-16le', source: 'sniffed' };
  const declared = xmlDeclarationEncoding(bytes);
  const fromDeclaration = knownEncoding(declared);
  if (fromDeclaration && !fromDeclaration.startsWith('utf-16')) {
    return { text: decode(bytes, fromDeclaration), encoding: fromDeclaration, source: 'xml-declaration' };
  }
  try {
    return { text: decode(bytes, 'utf-8', true), encoding: 'utf-8', source: 'default' };
  } catch {
    return { text: decode(bytes, 'windows-1252'), encoding: 'windows-1252', source: 'fallback' };
  }
}
