// TOTP (RFC 6238) on the app's clock: the RFC's own test vectors, codes at the edges of a 30-second step, one step
// of drift either way, and codes that must be refused (two steps old, or not later than the last one accepted).
import { describe, expect, it } from 'vitest';
import { matchTotp, normalizeTotpInput, totpCode, totpKeyText, totpKeyUri, totpQrSvg, totpStep } from '../../../src/server/auth/totp.ts';

// RFC 6238 appendix B, SHA-1 seed; its 8-digit values end in these 6 digits.
const RFC_KEY = new TextEncoder().encode('12345678901234567890');
const at = (seconds: number) => new Date(seconds * 1000);

describe('TOTP codes', () => {
  it('match RFC 6238 test vectors', () => {
    expect(totpCode(RFC_KEY, totpStep(at(59)))).toBe('287082');
    expect(totpCode(RFC_KEY, totpStep(at(1111111109)))).toBe('081804');
    expect(totpCode(RFC_KEY, totpStep(at(1234567890)))).toBe('005924');
    expect(totpCode(RFC_KEY, totpStep(at(2000000000)))).toBe('279037');
  });

  it('belong to a 30-second step, from its first millisecond to its last', () => {
    const step = 56_000_000;
    expect(totpStep(new Date(step * 30_000))).toBe(step);
    expect(totpStep(new Date(step * 30_000 + 29_999))).toBe(step);
    expect(totpStep(new Date(step * 30_000 + 30_000))).toBe(step + 1);
    const code = totpCode(RFC_KEY, step);
    expect(matchTotp(RFC_KEY, code, new Date(step * 30_000), 0)).toBe(step);
    expect(matchTotp(RFC_KEY, code, new Date(step * 30_000 + 29_999), 0)).toBe(step);
  });

  it('accept one step of drift either way and refuse two', () => {
    const step = 56_000_000;
    const now = new Date(step * 30_000 + 15_000);
    expect(matchTotp(RFC_KEY, totpCode(RFC_KEY, step - 1), now, 0)).toBe(step - 1);
    expect(matchTotp(RFC_KEY, totpCode(RFC_KEY, step + 1), now, 0)).toBe(step + 1);
    expect(matchTotp(RFC_KEY, totpCode(RFC_KEY, step - 2), now, 0)).toBeNull();
    expect(matchTotp(RFC_KEY, totpCode(RFC_KEY, step + 2), now, 0)).toBeNull();
    // The previous step's code stops working at the first millisecond of the step after next.
    expect(matchTotp(RFC_KEY, totpCode(RFC_KEY, step), new Date((step + 1) * 30_000 + 29_999), 0)).toBe(step);
    expect(matchTotp(RFC_KEY, totpCode(RFC_KEY, step), new Date((step + 2) * 30_000), 0)).toBeNull();
  });

  it('refuse a code of the last accepted step or an earlier one (no reuse)', () => {
    const step = 56_000_000;
    const now = new Date(step * 30_000 + 1_000);
    const code = totpCode(RFC_KEY, step);
    expect(matchTotp(RFC_KEY, code, now, step - 1)).toBe(step);
    expect(matchTotp(RFC_KEY, code, now, step)).toBeNull();
    expect(matchTotp(RFC_KEY, totpCode(RFC_KEY, step - 1), now, step)).toBeNull();
    expect(matchTotp(RFC_KEY, totpCode(RFC_KEY, step + 1), now, step)).toBe(step + 1);
  });

  it('take typed spaces and dashes, and refuse anything that is not 6 digits', () => {
    const step = 56_000_000;
    const code = totpCode(RFC_KEY, step);
    const now = new Date(step * 30_000);
    expect(matchTotp(RFC_KEY, `${code.slice(0, 3)} ${code.slice(3)}`, now, 0)).toBe(step);
    expect(normalizeTotpInput('123-456')).toBe('123456');
    expect(matchTotp(RFC_KEY, code.slice(1), now, 0)).toBeNull();
    expect(matchTotp(RFC_KEY, `${code}0`, now, 0)).toBeNull();
    expect(matchTotp(RFC_KEY, 'abcdef', now, 0)).toBeNull();
  });
});

describe('the key as shown', () => {
  it('is base32 text, an otpauth:// address and a QR code in SVG that loads nothing', async () => {
    expect(totpKeyText(RFC_KEY)).toBe('GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ');
    const uri = totpKeyUri('Potluck school.example', 'ms-okafor', RFC_KEY);
    expect(uri).toBe(
      'otpauth://totp/Potluck%20school.example:ms-okafor?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Potluck+school.example&algorithm=SHA1&digits=6&period=30',
    );
    const svg = await totpQrSvg(uri);
    expect(svg).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg).toContain('<path');
    expect(svg).not.toMatch(/href|<image|<script|style=/i);
  });
});
