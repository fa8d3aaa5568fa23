/**
 * What a file really is, from its first bytes (and, for ZIP-based office files, its table of contents), never from
 * its name or the type the browser claims. A web page renamed `x.jpg` must not be stored as a picture, because a
 * browser that trusted the name could run it. Pure: bytes in, a verdict out.
 */
import type { ImageMime } from './limits.ts';

/** The character set of a text file, when it is one a browser should be told; otherwise left to the reader. */
export type TextCharset = 'utf-8' | 'utf-16';

/** Families of attachment content; one extension accepts one family (see ATTACHMENT_FAMILY). */
export type AttachmentFamily =
  | 'pdf'
  | 'mp3'
  | 'mp4'
  | 'ogg'
  | 'wav'
  | 'webm'
  | 'docx'
  | 'xlsx'
  | 'pptx'
  | 'odt'
  | 'ods'
  | 'odp'
  | 'text';

export type Sniffed =
  /** A picture format Potluck reads. */
  | { kind: 'image'; mime: ImageMime; label: string }
  /** Content that may be stored as an attachment (if its extension agrees). */
  | { kind: 'attachment'; family: AttachmentFamily; label: string; charset?: TextCharset }
  /**
   * Anything else: refused. `label` says what it looks like ("a web page", "an SVG drawing", "a program") so the
   * refusal can tell the student; `danger` marks content a browser could run.
   */
  | { kind: 'other'; label: string; danger: boolean };

const ascii = (bytes: Uint8Array, start: number, end: number) =>
  String.fromCharCode(...bytes.subarray(start, Math.min(end, bytes.length)));

const startsWith = (bytes: Uint8Array, signature: number[], offset = 0) =>
  bytes.length >= offset + signature.length && signature.every((b, i) => bytes[offset + i] === b);

/** Detects the type of a file from its content. */
export function sniff(bytes: Uint8Array): Sniffed {
  if (bytes.length === 0) return { kind: 'other', label: 'an empty file', danger: false };

  // Pictures.
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return { kind: 'image', mime: 'image/jpeg', label: 'a JPEG picture' };
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
    return { kind: 'image', mime: 'image/png', label: 'a PNG picture' };
  const head = ascii(bytes, 0, 16);
  if (head.startsWith('GIF87a') || head.startsWith('GIF89a'))
    return { kind: 'image', mime: 'image/gif', label: 'a GIF picture' };
  if (head.startsWith('RIFF') && head.slice(8, 12) === 'WEBP')
    return { kind: 'image', mime: 'image/webp', label: 'a WebP picture' };

  // ISO base media files: AVIF and HEIC pictures, MP4/M4A/MOV audio and video.
  const isoBrands = ftypBrands(bytes);
  if (isoBrands) {
    if (isoBrands.some((b) => b === 'avif' || b === 'avis'))
      return { kind: 'image', mime: 'image/avif', label: 'an AVIF picture' };
    if (isoBrands.some((b) => ['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'msf1'].includes(b)))
      return { kind: 'other', label: 'a HEIC photo', danger: false };
    if (isoBrands[0] === 'qt  ') return { kind: 'other', label: 'a QuickTime (MOV) video', danger: false };
    const audio = isoBrands[0].startsWith('M4A') || isoBrands[0].startsWith('M4B');
    return { kind: 'attachment', family: 'mp4', label: audio ? 'an M4A sound file' : 'an MP4 video' };
  }

  // Other media.
  if (head.startsWith('%PDF-') || ascii(bytes, 0, 1024).includes('%PDF-'))
    return { kind: 'attachment', family: 'pdf', label: 'a PDF document' };
  if (head.startsWith('RIFF') && head.slice(8, 12) === 'WAVE') return { kind: 'attachment', family: 'wav', label: 'a WAV sound file' };
  if (head.startsWith('OggS')) return { kind: 'attachment', family: 'ogg', label: 'an Ogg sound file' };
  if (head.startsWith('ID3') || isMpegAudioFrame(bytes)) return { kind: 'attachment', family: 'mp3', label: 'an MP3 sound file' };
  if (startsWith(bytes, [0x1a, 0x45, 0xdf, 0xa3])) {
    const doc = ascii(bytes, 0, 64);
    if (doc.includes('webm')) return { kind: 'attachment', family: 'webm', label: 'a WebM video' };
    return { kind: 'other', label: 'a Matroska (MKV) video', danger: false };
  }

  // ZIP containers: office documents are ZIPs with a known table of contents.
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04]) || startsWith(bytes, [0x50, 0x4b, 0x05, 0x06])) return sniffZip(bytes);

  // Programs and picture formats Potluck does not read: named, so the refusal can say what to do.
  const other = sniffOtherBinary(bytes, head);
  if (other) return other;

  return sniffText(bytes);
}

/** The major and compatible brands of an ISO-BMFF `ftyp` box, or null when the file does not start with one. */
function ftypBrands(bytes: Uint8Array): string[] | null {
  if (bytes.length < 16 || ascii(bytes, 4, 8) !== 'ftyp') return null;
  const size = ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
  const end = Math.min(size >= 16 ? size : 16, bytes.length, 256);
  const brands = [ascii(bytes, 8, 12)];
  for (let at = 16; at + 4 <= end; at += 4) brands.push(ascii(bytes, at, at + 4));
  return brands;
}

// An MPEG audio frame header without an ID3 tag: sync bits, a real layer, a valid bitrate and sample rate.
function isMpegAudioFrame(bytes: Uint8Array): boolean {
  if (bytes.length < 4 || bytes[0] !== 0xff || (bytes[1] & 0xe0) !== 0xe0) return false;
  const layer = (bytes[1] >> 1) & 0x03;
  const version = (bytes[1] >> 3) & 0x03;
  const bitrate = bytes[2] >> 4;
  const sampleRate = (bytes[2] >> 2) & 0x03;
  return layer !== 0 && version !== 1 && bitrate !== 0x0f && bitrate !== 0 && sampleRate !== 0x03;
}

const OFFICE_BY_ODF_MIME: Record<string, AttachmentFamily> = {
  'application/vnd.oasis.opendocument.text': 'odt',
  'application/vnd.oasis.opendocument.spreadsheet': 'ods',
  'application/vnd.oasis.opendocument.presentation': 'odp',
};

const LABELS: Record<AttachmentFamily, string> = {
  pdf: 'a PDF document',
  mp3: 'an MP3 sound file',
  mp4: 'an MP4 video',
  ogg: 'an Ogg sound file',
  wav: 'a WAV sound file',
  webm: 'a WebM video',
  docx: 'a Word document',
  xlsx: 'an Excel spreadsheet',
  pptx: 'a PowerPoint presentation',
  odt: 'an OpenDocument text',
  ods: 'an OpenDocument spreadsheet',
  odp: 'an OpenDocument presentation',
  text: 'a text file',
};

function sniffZip(bytes: Uint8Array): Sniffed {
  // OpenDocument: the first entry is an uncompressed file named "mimetype" holding the document's type.
  if (ascii(bytes, 30, 38) === 'mimetype' && bytes.length > 30) {
    const extra = bytes[28] | (bytes[29] << 8);
    const start = 38 + extra;
    const declared = ascii(bytes, start, start + 60);
    for (const [mime, family] of Object.entries(OFFICE_BY_ODF_MIME)) {
      if (declared.startsWith(mime) && !declared.startsWith(`${mime}-`)) return { kind: 'attachment', family, label: LABELS[family] };
    }
  }
  // Office Open XML: [Content_Types].xml plus the part folder of Word, Excel or PowerPoint.
  const names = zipEntryNames(bytes);
  if (names.includes('[Content_Types].xml')) {
    const has = (prefix: string) => names.some((n) => n.startsWith(prefix));
    if (has('word/')) return { kind: 'attachment', family: 'docx', label: LABELS.docx };
    if (has('xl/')) return { kind: 'attachment', family: 'xlsx', label: LABELS.xlsx };
    if (has('ppt/')) return { kind: 'attachment', family: 'pptx', label: LABELS.pptx };
  }
  const program = names.some((n) => n === 'META-INF/MANIFEST.MF' || n === 'classes.dex' || n === 'AndroidManifest.xml');
  return program
    ? { kind: 'other', label: 'a program (Java or Android)', danger: true }
    : { kind: 'other', label: 'a ZIP archive', danger: false };
}

/** The entry names listed in a ZIP's central directory (empty when it cannot be read). */
function zipEntryNames(bytes: Uint8Array): string[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // The end-of-central-directory record sits in the last 22 bytes plus an optional comment of up to 64 KB.
  let eocd = -1;
  for (let at = bytes.length - 22; at >= Math.max(0, bytes.length - 22 - 0xffff); at--) {
    if (view.getUint32(at, true) === 0x06054b50) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) return [];
  const count = view.getUint16(eocd + 10, true);
  let at = view.getUint32(eocd + 16, true);
  const names: string[] = [];
  const decoder = new TextDecoder();
  for (let i = 0; i < count && i < 5000; i++) {
    if (at + 46 > bytes.length || view.getUint32(at, true) !== 0x02014b50) break;
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    names.push(decoder.decode(bytes.subarray(at + 46, at + 46 + nameLength)));
    at += 46 + nameLength + extraLength + commentLength;
  }
  return names;
}

function sniffOtherBinary(bytes: Uint8Array, head: string): Sniffed | null {
  const program = (label: string): Sniffed => ({ kind: 'other', label, danger: true });
  if (head.startsWith('MZ')) return program('a Windows program');
  if (startsWith(bytes, [0x7f, 0x45, 0x4c, 0x46])) return program('a Linux program');
  for (const magic of [
    [0xfe, 0xed, 0xfa, 0xce],
    [0xfe, 0xed, 0xfa, 0xcf],
    [0xce, 0xfa, 0xed, 0xfe],
    [0xcf, 0xfa, 0xed, 0xfe],
    [0xca, 0xfe, 0xba, 0xbe],
  ])
    if (startsWith(bytes, magic)) return program('a program (macOS or Java)');
  if (startsWith(bytes, [0x00, 0x61, 0x73, 0x6d])) return program('a WebAssembly program');
  if (head.startsWith('#!')) return program('a script');
  const picture = (label: string): Sniffed => ({ kind: 'other', label, danger: false });
  if (head.startsWith('II*\0') || head.startsWith('MM\0*')) return picture('a TIFF picture');
  if (head.startsWith('BM') && bytes.length > 26 && bytes[14] >= 12 && bytes[15] === 0) return picture('a BMP picture');
  if (head.startsWith('8BPS')) return picture('a Photoshop file');
  if (startsWith(bytes, [0x00, 0x00, 0x01, 0x00]) || startsWith(bytes, [0x00, 0x00, 0x02, 0x00]))
    return picture('an icon file');
  if (startsWith(bytes, [0xff, 0x0a]) || startsWith(bytes, [0x00, 0x00, 0x00, 0x0c, 0x4a, 0x58, 0x4c, 0x20]))
    return picture('a JPEG XL picture');
  if (startsWith(bytes, [0x1f, 0x8b])) return picture('a compressed (gzip) file');
  if (head.startsWith('Rar!') || startsWith(bytes, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c])) return picture('a compressed archive');
  return null;
}

// HTML a browser would recognise, after the WHATWG MIME sniffing standard's list, plus SVG (which runs scripts too).
const MARKUP_START =
  /^(?:<!--[\s\S]*?-->\s*)*<(?:!doctype\s+html|html|head|body|script|iframe|h1|div|font|table|a|style|title|b|br|p|meta|link|object|embed|form|img|frameset|svg|math|template|base)[\s/>]/i;
const XML_START = /^<\?xml[\s\S]{0,500}?<(?:!doctype\s+)?(svg|html|xsl:stylesheet)\b/i;

function sniffText(bytes: Uint8Array): Sniffed {
  let charset: TextCharset | undefined = 'utf-8';
  let text: string;
  if (startsWith(bytes, [0xff, 0xfe]) || startsWith(bytes, [0xfe, 0xff])) {
    charset = 'utf-16';
    text = new TextDecoder(bytes[0] === 0xff ? 'utf-16le' : 'utf-16be').decode(bytes.subarray(0, 1 << 20));
  } else {
    const sample = bytes.subarray(0, 1 << 20);
    if (sample.includes(0)) return { kind: 'other', label: 'a file Potluck does not recognise', danger: false };
    try {
      // The first megabyte decides; `stream` tolerates a character cut in half at the end of the sample.
      text = new TextDecoder('utf-8', { fatal: true }).decode(sample, { stream: sample.length < bytes.length });
    } catch {
      // Not UTF-8: text from an older Windows program (Windows-1252) is still text; read it loosely.
      text = new TextDecoder('windows-1252').decode(sample);
      charset = undefined;
    }
  }
  const start = text.replace(/^\uFEFF/, '').trimStart().slice(0, 4096);
  if (XML_START.test(start)) {
    const root = XML_START.exec(start)![1].toLowerCase();
    return { kind: 'other', label: root === 'svg' ? 'an SVG drawing' : 'a web page', danger: true };
  }
  if (MARKUP_START.test(start)) {
    return { kind: 'other', label: /^(?:<!--[\s\S]*?-->\s*)*<svg/i.test(start) ? 'an SVG drawing' : 'a web page', danger: true };
  }
  let control = 0;
  const checked = text.slice(0, 65536);
  for (let i = 0; i < checked.length; i++) {
    const c = checked.charCodeAt(i);
    if (c < 32 && c !== 9 && c !== 10 && c !== 13 && c !== 12) control++;
  }
  if (control > checked.length / 100) return { kind: 'other', label: 'a file Potluck does not recognise', danger: false };
  return { kind: 'attachment', family: 'text', label: LABELS.text, charset };
}

/** Which content family each allowed attachment extension must have. */
export const ATTACHMENT_FAMILY: Record<string, AttachmentFamily> = {
  pdf: 'pdf',
  mp3: 'mp3',
  m4a: 'mp4',
  ogg: 'ogg',
  wav: 'wav',
  mp4: 'mp4',
  webm: 'webm',
  docx: 'docx',
  xlsx: 'xlsx',
  pptx: 'pptx',
  odt: 'odt',
  ods: 'ods',
  odp: 'odp',
  txt: 'text',
  csv: 'text',
};

/** The label of an attachment family ("a Word document"), for messages. */
export function familyLabel(family: AttachmentFamily): string {
  return LABELS[family];
}
