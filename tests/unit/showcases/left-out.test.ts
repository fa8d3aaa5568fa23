/** Which pieces a showcase's readers will not see, and the words the editor uses to say so. */
import { describe, expect, it } from 'vitest';
import { isLeftOut, leftOutNote, leftOutSummary } from '../../../src/core/showcaseReaders.ts';
import { VISIBILITIES } from '../../../src/core/visibility.ts';

describe('pieces left out of a showcase', () => {
  it('a public or unlisted showcase shows only public pieces', () => {
    for (const showcase of ['public', 'unlisted'] as const) {
      expect(VISIBILITIES.filter((v) => isLeftOut(showcase, v))).toEqual(['private', 'members', 'unlisted']);
    }
  });

  it('a class-members showcase shows public and class-members pieces; a private one shows everything to its owner', () => {
    expect(VISIBILITIES.filter((v) => isLeftOut('members', v))).toEqual(['private', 'unlisted']);
    expect(VISIBILITIES.filter((v) => isLeftOut('private', v))).toEqual([]);
  });

  it('says beside a piece why it is left out, and nothing beside a piece readers see', () => {
    expect(leftOutNote('public', 'private')).toBe('Left out of the public page: it is visible only to you.');
    expect(leftOutNote('public', 'members')).toBe('Left out of the public page: it is visible only to class members.');
    expect(leftOutNote('members', 'unlisted')).toBe('Left out of the page class members see: unlisted work is never listed.');
    expect(leftOutNote('public', 'public')).toBeNull();
    expect(leftOutNote('members', 'members')).toBeNull();
  });

  it('counts what is left out after a save, by reason', () => {
    expect(leftOutSummary('public', ['public', 'private', 'members', 'private', 'public'])).toBe(
      '3 of 5 pieces are left out of the public page: 2 visible only to you, 1 visible only to class members. Change who can see a piece in its editor to include it.',
    );
    expect(leftOutSummary('members', ['private'])).toMatch(/^1 of 1 piece is left out of the page class members see: 1 visible only to you\./);
    expect(leftOutSummary('public', ['public', 'public'])).toBeNull();
    expect(leftOutSummary('public', [])).toBeNull();
  });
});
