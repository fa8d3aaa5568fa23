/** What every importer tells from a file's name or address: picture or not, kept or not, how large it may be. */
import { describe, expect, it } from 'vitest';
import { fileNameOf, isKeepableFile, isPictureName, maxFileBytes, urlExtension } from '../../../src/server/import/fileKinds.ts';
import { MAX_ATTACHMENT_BYTES, MAX_IMAGE_BYTES } from '../../../src/server/media/limits.ts';

describe('file kinds', () => {
  it('reads the extension of a name, a path or an address, ignoring its query', () => {
    expect(urlExtension('https://b.example/a.JPEG?w=604#x')).toBe('jpeg');
    expect(urlExtension('uploads/2020/notes')).toBe('');
    expect(urlExtension('.hidden')).toBe('');
    expect(urlExtension('C:\\files\\scan.PDF')).toBe('pdf');
  });

  it('knows pictures and the files Potluck keeps, and their limits', () => {
    expect(['a.jpg', 'b.jpeg', 'c.png', 'd.webp', 'e.gif', 'f.avif'].every(isPictureName)).toBe(true);
    expect(isPictureName('drawing.svg')).toBe(false);
    expect(isKeepableFile('https://b.example/slides.pdf')).toBe(true);
    expect(isKeepableFile('https://b.example/page.html')).toBe(false);
    expect(maxFileBytes('a.png')).toBe(MAX_IMAGE_BYTES);
    expect(maxFileBytes('a.pdf')).toBe(MAX_ATTACHMENT_BYTES);
  });

  it('names the file at the end of an address, decoded when it can be', () => {
    expect(fileNameOf('https://b.example/my%20song.mp3?x=1')).toBe('my song.mp3');
    expect(fileNameOf('https://b.example/bad%ZZ.mp3')).toBe('bad%ZZ.mp3');
  });
});
