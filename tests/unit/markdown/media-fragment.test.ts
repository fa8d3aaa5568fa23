import { describe, expect, it } from 'vitest';
import { renderArtifactBody } from '../../../src/core/markdown/render.ts';
import { profileInputSchema } from '../../../src/core/profile.ts';

describe('regressions', () => {
  it('keeps the fragment of a media link (a PDF opened at a page) instead of leaving a dead link', () => {
    const result = renderArtifactBody({ source: '[slides, page 2](media:abc123#page=2)', format: 'markdown' });
    expect(result.ok && result.html).toContain('href="/media/abc123/#page=2"');
    expect(result.ok && result.mediaRefs).toEqual(['abc123']);
  });

  it('stores no canonical home (null, not an empty string) when a profile update leaves it out', () => {
    expect(profileInputSchema.parse({ name: 'Maya' }).canonicalBaseUrl).toBeNull();
  });
});
