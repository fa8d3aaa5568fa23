import { describe, expect, it } from 'vitest';
import { DEFAULT_ZIP_LIMITS, archiveRootOf, checkEntryName, checkEntrySizes, entryType } from '../../../src/core/archive/zipRules.ts';

describe('checkEntryName', () => {
  it.each([
    ['../evil', /"\.\."/],
    ['a/../../evil', /"\.\."/],
    ['/etc/passwd', /absolute path/],
    ['C:/Windows/evil.dll', /drive letter/],
    ['c:evil', /drive letter/],
    ['a\\..\\evil', /uses "\\"/],
    ['a\0b', /NUL/],
    ['a//b', /empty or "\." part/],
    ['./a', /empty or "\." part/],
    ['a/\u0007b', /control character/],
  ])('refuses %j', (name, message) => expect(checkEntryName(name)).toMatch(message));

  it.each(['potluck.json', 'artifacts/poem/index.md', 'site/tags/café/index.html', 'artifacts/', 'a..b/c'])('accepts %j', (name) => {
    expect(checkEntryName(name)).toBeUndefined();
  });
});

describe('entryType', () => {
  const unix = (3 << 8) | 20;
  it('reads Unix modes: symlinks, folders, files, devices', () => {
    expect(entryType(unix, (0o120777 << 16) >>> 0, 'a')).toBe('link');
    expect(entryType(unix, (0o040755 << 16) >>> 0, 'a/')).toBe('dir');
    expect(entryType(unix, (0o100644 << 16) >>> 0, 'a')).toBe('file');
    expect(entryType(unix, (0o010644 << 16) >>> 0, 'a')).toBe('special');
    expect(entryType(unix, (0o060644 << 16) >>> 0, 'a')).toBe('special');
  });

  it('reads Windows reparse points as links, and plain DOS entries by their name', () => {
    expect(entryType(20, 0x400, 'a')).toBe('link');
    expect(entryType(20, 0x20, 'a')).toBe('file');
    expect(entryType(20, 0x10, 'a/')).toBe('dir');
  });
});

describe('checkEntrySizes', () => {
  it('lets small files compress as well as they like', () => {
    expect(checkEntrySizes(500_000, 100, DEFAULT_ZIP_LIMITS)).toBeUndefined();
  });

  it('refuses a large entry compressed like a zip bomb, or with no compressed bytes at all', () => {
    expect(checkEntrySizes(1024 ** 3, 1024 ** 2, DEFAULT_ZIP_LIMITS)).toMatch(/compressed 1024 times .* "zip bomb"/);
    expect(checkEntrySizes(10 * 1024 ** 2, 0, DEFAULT_ZIP_LIMITS)).toMatch(/compressed infinitely/);
    expect(checkEntrySizes(10 * 1024 ** 2, 200 * 1024, DEFAULT_ZIP_LIMITS)).toBeUndefined();
  });

  it('refuses one entry larger than the whole allowance', () => {
    expect(checkEntrySizes(3 * 1024 ** 3, 3 * 1024 ** 3, DEFAULT_ZIP_LIMITS)).toMatch(/unpacks to 3 GB, more than the 2 GB/);
  });
});

describe('archiveRootOf', () => {
  it('finds potluck.json at the top, or in the one folder that holds everything', () => {
    expect(archiveRootOf(['potluck.json', 'artifacts/a/index.md'])).toBe('');
    expect(archiveRootOf(['maya/', 'maya/potluck.json', 'maya/artifacts/a/index.md', '__MACOSX/maya/._potluck.json'])).toBe('maya/');
    expect(archiveRootOf(['a/potluck.json', 'b/potluck.json'])).toBeUndefined();
    expect(archiveRootOf(['readme.txt'])).toBeUndefined();
  });
});
