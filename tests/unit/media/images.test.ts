import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { processImage, variantWidths } from '../../../src/server/media/images.ts';
import * as make from '../../fixtures/media/generate.ts';

describe('picture pipeline', () => {
  it('removes EXIF, GPS and XMP from a phone photo and keeps it the right way up', async () => {
    const input = await make.jpegWithGps();
    // The fixture really carries what must go, so this test can fail.
    const before = await sharp(input).metadata();
    expect(before.exif).toBeDefined();
    expect(before.xmp).toBeDefined();
    expect(before.orientation).toBe(6);
    expect(input.includes('GPS')).toBe(true);
    expect(input.includes('PhoneMaker')).toBe(true);

    const result = await processImage(input, 'image/jpeg');
    for (const output of [result.original, ...result.variants.map((v) => v.data)]) {
      const meta = await sharp(output).metadata();
      expect(meta.exif).toBeUndefined();
      expect(meta.xmp).toBeUndefined();
      expect(meta.iptc).toBeUndefined();
      expect(meta.orientation).toBeUndefined();
      expect(output.includes('GPS')).toBe(false);
      expect(output.includes('PhoneMaker')).toBe(false);
    }
    // Stored 400×300 with "rotate 90°": the pixels are turned, so it is 300 wide and 400 high everywhere.
    expect([result.width, result.height]).toEqual([300, 400]);
    const stored = await sharp(result.original).metadata();
    expect([stored.width, stored.height, stored.format]).toEqual([300, 400, 'jpeg']);
  });

  it('makes WebP variants at 480, 960 and 1600 pixels wide, never wider than the picture', async () => {
    const result = await processImage(await make.picture(2000, 1000), 'image/jpeg');
    expect(result.variants.map((v) => [v.width, v.height, v.file])).toEqual([
      [480, 240, 'w480.webp'],
      [960, 480, 'w960.webp'],
      [1600, 800, 'w1600.webp'],
    ]);
    for (const v of result.variants) {
      const meta = await sharp(v.data).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['webp', v.width, v.height]);
    }

    const small = await processImage(await make.picture(700, 350, 'png'), 'image/png');
    expect(small.variants.map((v) => v.width)).toEqual([480, 700]);
    expect(small.original.subarray(1, 4).toString()).toBe('PNG');
  });

  it('plans variant widths without upscaling', () => {
    expect(variantWidths(4000)).toEqual([480, 960, 1600]);
    expect(variantWidths(1600)).toEqual([480, 960, 1600]);
    expect(variantWidths(1200)).toEqual([480, 960, 1200]);
    expect(variantWidths(480)).toEqual([480]);
    expect(variantWidths(300)).toEqual([300]);
  });

  it('keeps a GIF animated, in the original and in the variants', async () => {
    const result = await processImage(await make.animatedGif(), 'image/gif');
    expect([result.width, result.height, result.frames]).toEqual([120, 80, 3]);
    expect((await sharp(result.original).metadata()).pages).toBe(3);
    const variant = await sharp(result.variants[0].data).metadata();
    expect([variant.format, variant.pages, variant.width, variant.height]).toEqual(['webp', 3, 120, 80]);
  });

  it('refuses a 256-megapixel PNG as too large', async () => {
    await expect(processImage(await make.bombPng(), 'image/png')).rejects.toMatchObject({
      code: 'TOO_LARGE',
      message: expect.stringContaining('256 megapixels'),
    });
  });

  it('refuses a decompression bomb from its header, before decoding any pixels', async () => {
    // Only the first kilobyte of the bomb: decoding would fail as "damaged"; TOO_LARGE proves no pixel was read.
    const header = (await make.bombPng()).subarray(0, 1024);
    await expect(processImage(header, 'image/png')).rejects.toMatchObject({ code: 'TOO_LARGE' });
  });

  it('refuses a truncated JPEG instead of storing a half-grey picture', async () => {
    await expect(processImage(await make.truncatedJpeg(), 'image/jpeg')).rejects.toMatchObject({
      code: 'VALIDATION',
      message: expect.stringContaining('damaged or only partly saved'),
    });
  });

  it('refuses content that does not match the format it was sniffed as', async () => {
    await expect(processImage(await make.picture(20, 20, 'png'), 'image/jpeg')).rejects.toMatchObject({ code: 'VALIDATION' });
  });
});
