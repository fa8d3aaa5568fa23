import { describe, expect, it } from 'vitest';
import { sniff } from '../../../src/server/media/sniff.ts';
import * as make from '../../fixtures/media/generate.ts';

describe('sniff: content decides, never the name', () => {
  it('recognises every picture format Potluck reads', async () => {
    expect(sniff(await make.picture(8, 8, 'jpeg'))).toMatchObject({ kind: 'image', mime: 'image/jpeg' });
    expect(sniff(await make.picture(8, 8, 'png'))).toMatchObject({ kind: 'image', mime: 'image/png' });
    expect(sniff(await make.picture(8, 8, 'webp'))).toMatchObject({ kind: 'image', mime: 'image/webp' });
    expect(sniff(await make.picture(8, 8, 'gif'))).toMatchObject({ kind: 'image', mime: 'image/gif' });
    expect(sniff(await make.picture(16, 16, 'avif'))).toMatchObject({ kind: 'image', mime: 'image/avif' });
  });

  it('calls an HTML page named x.jpg a web page that could run', () => {
    expect(sniff(make.fixture('x.jpg'))).toEqual({ kind: 'other', label: 'a web page', danger: true });
  });

  it('calls an SVG with a script an SVG drawing that could run', () => {
    expect(sniff(make.fixture('drawing.svg'))).toEqual({ kind: 'other', label: 'an SVG drawing', danger: true });
    expect(sniff(Buffer.from('  <svg xmlns="http://www.w3.org/2000/svg"><script>1</script></svg>'))).toMatchObject({ danger: true });
  });

  it('spots HTML behind a byte-order mark, comments and odd capitals', () => {
    expect(sniff(Buffer.from('\uFEFF\n  <!-- hi --><HTML><body>x</body></HTML>'))).toMatchObject({ label: 'a web page' });
    expect(sniff(Buffer.from('<?xml version="1.0"?>\n<html xmlns="http://www.w3.org/1999/xhtml"></html>'))).toMatchObject({
      label: 'a web page',
    });
  });

  it('refuses programs and scripts', () => {
    expect(sniff(Buffer.from('MZ\x90\x00\x03\x00\x00\x00', 'latin1'))).toMatchObject({ kind: 'other', danger: true });
    expect(sniff(Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]))).toMatchObject({ kind: 'other', danger: true });
    expect(sniff(Buffer.from('#!/bin/sh\nrm -rf ~\n'))).toMatchObject({ kind: 'other', label: 'a script', danger: true });
  });

  it('recognises attachments by content', async () => {
    expect(sniff(make.fixture('tiny.pdf'))).toMatchObject({ kind: 'attachment', family: 'pdf' });
    expect(sniff(make.wav())).toMatchObject({ kind: 'attachment', family: 'wav' });
    expect(sniff(make.mp4Start())).toMatchObject({ kind: 'attachment', family: 'mp4', label: 'an MP4 video' });
    expect(sniff(make.mp4Start('M4A '))).toMatchObject({ kind: 'attachment', family: 'mp4', label: 'an M4A sound file' });
    expect(sniff(Buffer.from('OggS\0\x02'))).toMatchObject({ kind: 'attachment', family: 'ogg' });
    expect(sniff(Buffer.from('ID3\x04\0\0\0\0\0\0'))).toMatchObject({ kind: 'attachment', family: 'mp3' });
    expect(sniff(Buffer.from([0xff, 0xfb, 0x90, 0x64, 0, 0]))).toMatchObject({ kind: 'attachment', family: 'mp3' });
    expect(sniff(Buffer.concat([Buffer.from([0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x82, 0x84]), Buffer.from('webm')]))).toMatchObject({
      family: 'webm',
    });
    expect(sniff(await make.docx())).toMatchObject({ kind: 'attachment', family: 'docx' });
    expect(sniff(await make.odt())).toMatchObject({ kind: 'attachment', family: 'odt' });
    expect(sniff(make.fixture('scores.csv'))).toMatchObject({ kind: 'attachment', family: 'text', charset: 'utf-8' });
  });

  it('does not take any ZIP for an office document', async () => {
    expect(sniff(await make.plainZip())).toMatchObject({ kind: 'other', label: 'a ZIP archive' });
  });

  it('names formats it refuses so the student can be told what to do', () => {
    expect(sniff(make.heicStart())).toMatchObject({ kind: 'other', label: 'a HEIC photo' });
    expect(sniff(Buffer.from('II*\0\x08\0\0\0', 'latin1'))).toMatchObject({ kind: 'other', label: 'a TIFF picture' });
    expect(sniff(Buffer.alloc(0))).toMatchObject({ kind: 'other', label: 'an empty file' });
  });

  it('treats binary junk as unknown, not as text', () => {
    const junk = Buffer.from(Array.from({ length: 200 }, (_, i) => (i * 37) % 256));
    expect(sniff(junk)).toMatchObject({ kind: 'other', danger: false });
  });
});
