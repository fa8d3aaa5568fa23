/**
 * "Clean" pictures (no metadata, nothing after the end) are what Potluck stores, and what an import may keep byte
 * for byte; everything else is re-encoded.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { processImage } from '../../../src/server/media/images.ts';
import { isCleanPicture } from '../../../src/server/archive/cleanPicture.ts';
import { animatedGif, jpegWithGps } from '../../fixtures/media/generate.ts';

const base = () => sharp({ create: { width: 120, height: 80, channels: 3, background: '#3a6' } });

describe('isCleanPicture', () => {
  it('accepts what the upload pipeline stores, for every format it keeps', async () => {
    const inputs: [Buffer, 'image/jpeg' | 'image/png' | 'image/webp' | 'image/gif'][] = [
      [await jpegWithGps(), 'image/jpeg'],
      [await base().png().withMetadata().toBuffer(), 'image/png'],
      [await base().webp().withExif({ IFD0: { Make: 'Phone' } }).toBuffer(), 'image/webp'],
      [await animatedGif(), 'image/gif'],
    ];
    for (const [input, mime] of inputs) {
      const stored = await processImage(input, mime);
      expect(isCleanPicture(stored.original, mime), mime).toBe(true);
      for (const v of stored.variants) expect(isCleanPicture(v.data, 'image/webp')).toBe(true);
    }
  });

  it('refuses EXIF, XMP, text chunks and comments', async () => {
    expect(isCleanPicture(await jpegWithGps(), 'image/jpeg')).toBe(false);
    expect(isCleanPicture(await base().webp().withExif({ IFD0: { Make: 'Phone' } }).toBuffer(), 'image/webp')).toBe(false);
    const png = await base().png().toBuffer();
    // A tEXt chunk ("Author: Maya") inserted after IHDR.
    const text = Buffer.from('Author\0Maya');
    const chunk = Buffer.alloc(12 + text.length);
    chunk.writeUInt32BE(text.length, 0);
    chunk.write('tEXt', 4, 'latin1');
    text.copy(chunk, 8);
    const withText = Buffer.concat([png.subarray(0, 33), chunk, png.subarray(33)]);
    expect(isCleanPicture(png, 'image/png')).toBe(true);
    expect(isCleanPicture(withText, 'image/png')).toBe(false);
    const jpeg = await base().jpeg().toBuffer();
    const comment = Buffer.concat([Buffer.from([0xff, 0xfe, 0x00, 0x06]), Buffer.from('Maya')]);
    expect(isCleanPicture(Buffer.concat([jpeg.subarray(0, 2), comment, jpeg.subarray(2)]), 'image/jpeg')).toBe(false);
  });

  it('refuses bytes after the end, truncated files and AVIF', async () => {
    const jpeg = await base().jpeg().toBuffer();
    expect(isCleanPicture(jpeg, 'image/jpeg')).toBe(true);
    expect(isCleanPicture(Buffer.concat([jpeg, Buffer.from('<script>')]), 'image/jpeg')).toBe(false);
    expect(isCleanPicture(jpeg.subarray(0, jpeg.length - 10), 'image/jpeg')).toBe(false);
    const gif = await animatedGif();
    expect(isCleanPicture(Buffer.concat([gif, Buffer.from('x')]), 'image/gif')).toBe(false);
    expect(isCleanPicture(await base().avif().toBuffer(), 'image/avif')).toBe(false);
  });
});
