import { describe, expect, it } from 'vitest';
import { foldedName, isPortablePath, isPortableSegment, portableFileName, portableFolderNames } from '../../../src/core/archive/names.ts';

describe('portable names (Windows, macOS, Linux)', () => {
  it.each(['con', 'CON', 'nul.txt', 'Aux.md', 'com1', 'LPT9.jpg', 'a:b', 'a<b', 'what?', 'star*', 'pipe|', 'quote"', 'back\\slash', 'dot.', 'space ', '..', '.', '', 'tab\there'])(
    'refuses %j as a file or folder name',
    (name) => expect(isPortableSegment(name)).toBe(false),
  );

  it.each(['index.md', 'café', 'console', 'con-item', 'w480.webp', '.hidden', 'lpt'])('accepts %j', (name) => expect(isPortableSegment(name)).toBe(true));

  it('limits a path to 200 bytes and checks every segment', () => {
    expect(isPortablePath('artifacts/poem/index.md')).toBe(true);
    expect(isPortablePath('artifacts/con/index.md')).toBe(false);
    expect(isPortablePath(`artifacts/${'a'.repeat(190)}/index.md`)).toBe(false);
  });

  it('folds case and Unicode normalisation like macOS and Windows do', () => {
    expect(foldedName('Café/Photo.JPG')).toBe(foldedName('cafe\u0301/photo.jpg'));
  });
});

describe('portableFileName', () => {
  it('makes lowercase ASCII names with the real extension, unique in the folder', () => {
    const taken = new Set(['index.md']);
    expect(portableFileName('Lab Report (final).PDF', 'pdf', taken)).toBe('lab-report-final.pdf');
    expect(portableFileName('lab report final.pdf', 'pdf', taken)).toBe('lab-report-final-2.pdf');
    expect(portableFileName('Ñandú über alles.jpeg', 'jpg', taken)).toBe('nandu-uber-alles.jpg');
    expect(portableFileName('写真.png', 'png', taken)).toBe('file.png');
    expect(portableFileName('写真.png', 'png', taken)).toBe('file-2.png');
  });

  it('never writes a Windows device name or another index', () => {
    const taken = new Set<string>();
    expect(portableFileName('CON.txt', 'txt', taken)).toBe('con-file.txt');
    expect(portableFileName('index.png', 'png', taken)).toBe('index-file.png');
    for (const name of taken) expect(isPortableSegment(name)).toBe(true);
  });

  it('keeps names short', () => {
    const name = portableFileName(`${'very long words '.repeat(20)}.jpg`, 'jpg', new Set());
    expect(name.length).toBeLessThanOrEqual(80);
    expect(name.endsWith('.jpg')).toBe(true);
  });
});

describe('portableFolderNames', () => {
  it('keeps every slug Windows accepts and renames the others without clashing', () => {
    const names = portableFolderNames(['poem', 'con', 'con-item', 'aux']);
    expect(Object.fromEntries(names)).toEqual({ poem: 'poem', con: 'con-item-2', 'con-item': 'con-item', aux: 'aux-item' });
  });
});
