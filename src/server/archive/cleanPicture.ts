/**
 * Whether a picture file carries nothing but the picture: no EXIF (camera, GPS), XMP, IPTC, comments, text chunks
 * or bytes after its end. Potluck stores every uploaded picture re-encoded in exactly this form, so a picture from a
 * Potluck archive passes and can be kept byte for byte on import (re-encoding it again would change it and lose a
 * little quality on every move). Anything else is re-encoded by the normal upload pipeline. Pure byte walking: the
 * structure is checked segment by segment, never searched for strings. AVIF is never "clean" here (it is rare, and
 * its container is too rich to vouch for); it is always re-encoded.
 */

/** JPEG: only the segments a re-encoded JPEG has (JFIF, ICC profile, Adobe colour transform, tables, frames). */
function cleanJpeg(b: Uint8Array): boolean {
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) return false;
  const ascii = (at: number, text: string) => [...text].every((c, i) => b[at + i] === c.charCodeAt(0));
  let i = 2;
  for (;;) {
    if (i + 2 > b.length || b[i] !== 0xff) return false;
    const marker = b[i + 1];
    if (marker === 0xff) {
      i++;
      continue;
    }
    if (marker === 0xd9) return i + 2 === b.length;
    if (i + 4 > b.length) return false;
    const length = (b[i + 2] << 8) | b[i + 3];
    if (length < 2 || i + 2 + length > b.length) return false;
    const body = i + 4;
    const allowed =
      (marker === 0xe0 && ascii(body, 'JFIF\0')) ||
      (marker === 0xe2 && ascii(body, 'ICC_PROFILE\0')) ||
      (marker === 0xee && ascii(body, 'Adobe')) ||
      marker === 0xdb || // quantisation tables
      marker === 0xc4 || // Huffman tables
      marker === 0xdd || // restart interval
      marker === 0xda || // start of scan
      (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc8); // frames
    if (!allowed) return false;
    i += 2 + length;
    if (marker === 0xda) {
      // Entropy-coded data runs to the next marker that is not a stuffed 0xFF00 or a restart marker.
      for (;;) {
        i = b.indexOf(0xff, i);
        if (i === -1 || i + 1 >= b.length) return false;
        const next = b[i + 1];
        if (next === 0x00 || (next >= 0xd0 && next <= 0xd7)) i += 2;
        else break;
      }
    }
  }
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const PNG_CHUNKS = new Set(['IHDR', 'PLTE', 'IDAT', 'IEND', 'tRNS', 'iCCP', 'sRGB', 'gAMA', 'cHRM', 'pHYs', 'sBIT', 'bKGD']);

/** PNG: image chunks and colour information only (no tEXt/zTXt/iTXt/eXIf/tIME), nothing after IEND. */
function cleanPng(b: Uint8Array): boolean {
  if (b.length < 8 || PNG_SIGNATURE.some((v, i) => b[i] !== v)) return false;
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let i = 8;
  while (i + 12 <= b.length) {
    const length = view.getUint32(i);
    const type = String.fromCharCode(b[i + 4], b[i + 5], b[i + 6], b[i + 7]);
    if (!PNG_CHUNKS.has(type) || i + 12 + length > b.length) return false;
    i += 12 + length;
    if (type === 'IEND') return i === b.length;
  }
  return false;
}

const WEBP_CHUNKS = new Set(['VP8 ', 'VP8L', 'VP8X', 'ALPH', 'ANIM', 'ANMF', 'ICCP']);

/** WebP: a RIFF file of image, animation and colour chunks only (no EXIF, no XMP), exactly as long as it says. */
function cleanWebp(b: Uint8Array): boolean {
  const text = (at: number) => String.fromCharCode(b[at], b[at + 1], b[at + 2], b[at + 3]);
  if (b.length < 20 || text(0) !== 'RIFF' || text(8) !== 'WEBP') return false;
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (view.getUint32(4, true) + 8 !== b.length) return false;
  let i = 12;
  while (i + 8 <= b.length) {
    const length = view.getUint32(i + 4, true);
    if (!WEBP_CHUNKS.has(text(i)) || i + 8 + length > b.length) return false;
    i += 8 + length + (length & 1);
  }
  return i === b.length;
}

/** GIF: images, graphic controls and the looping extension only (no comments, no plain text), nothing after the end. */
function cleanGif(b: Uint8Array): boolean {
  const head = String.fromCharCode(...b.subarray(0, 6));
  if (b.length < 14 || (head !== 'GIF89a' && head !== 'GIF87a')) return false;
  const skipColourTable = (at: number, flags: number) => (flags & 0x80 ? at + 3 * (2 << (flags & 0x07)) : at);
  const skipSubBlocks = (at: number) => {
    let i = at;
    while (i < b.length && b[i] !== 0) i += b[i] + 1;
    return i + 1;
  };
  let i = skipColourTable(13, b[10]);
  while (i < b.length) {
    const block = b[i];
    if (block === 0x3b) return i + 1 === b.length;
    if (block === 0x2c) {
      if (i + 10 > b.length) return false;
      i = skipColourTable(i + 10, b[i + 9]) + 1; // + LZW minimum code size
      i = skipSubBlocks(i);
    } else if (block === 0x21) {
      const label = b[i + 1];
      if (label === 0xf9) i = skipSubBlocks(i + 2);
      else if (label === 0xff) {
        const app = String.fromCharCode(...b.subarray(i + 3, i + 14));
        if (b[i + 2] !== 11 || (app !== 'NETSCAPE2.0' && app !== 'ANIMEXTS1.0')) return false;
        i = skipSubBlocks(i + 14);
      } else return false;
    } else return false;
  }
  return false;
}

/** Whether `bytes`, sniffed as `mime`, carries only the picture (see the file comment). */
export function isCleanPicture(bytes: Uint8Array, mime: string): boolean {
  switch (mime) {
    case 'image/jpeg':
      return cleanJpeg(bytes);
    case 'image/png':
      return cleanPng(bytes);
    case 'image/webp':
      return cleanWebp(bytes);
    case 'image/gif':
      return cleanGif(bytes);
    default:
      return false;
  }
}
