// Choosing a password: long enough, not a common or breached one, not built from the person's handle, name, email
// or the school's name — each refusal saying why and how to choose better.
import { describe, expect, it } from 'vitest';
import { foldForComparison, personalWordIn } from '../../../src/core/passwordRules.ts';
import { passwordWeakness } from '../../../src/server/auth/passwordStrength.ts';

const maya = { handle: 'maya', name: 'Maya Okafor', email: 'maya.o@school.example', schoolName: 'Riverside Academy' };

describe('passwordWeakness', () => {
  it('refuses common passwords, saying so and how to choose a better one', async () => {
    for (const pw of ['password1', 'qwertyuiop', 'iloveyou', '123456789', 'football1']) {
      const why = await passwordWeakness(pw, {});
      expect(why, pw).toContain('This password is one of the most common passwords');
      expect(why).toContain('three or four unrelated words');
    }
    expect(await passwordWeakness('Summer2024!', {})).toContain('a common password with a small change');
  });

  it('refuses passwords with the handle, the name, the email name or the school name in them, whatever the case', async () => {
    expect(await passwordWeakness('Maya-the-great-2009', maya)).toContain('This password contains your handle');
    expect(await passwordWeakness('okafor violet kettle', maya)).toContain('contains your name');
    expect(await passwordWeakness('mayao violet kettle', { email: maya.email })).toContain('contains your email address');
    expect(await passwordWeakness('RIVERSIDE rocks forever', maya)).toContain("contains your school's name");
    expect(await passwordWeakness('go academy go team', maya)).toContain("contains your school's name");
  });

  it('refuses short ones and keyboard or sequence patterns', async () => {
    expect(await passwordWeakness('kX9#pL2', {})).toBe('Use at least 8 characters for the password (a short sentence works well).');
    expect(await passwordWeakness('aaaaaaaaaaaa', {})).toMatch(/repeats|common/);
    expect(await passwordWeakness('zxcvbnm,./', {})).toMatch(/keyboard|common/);
  });

  it('accepts a passphrase of unrelated words, and checks fast once the dictionary is loaded', async () => {
    expect(await passwordWeakness('violet kettle mountain', maya)).toBeNull();
    expect(await passwordWeakness('correct horse battery staple', maya)).toBeNull();
    const started = performance.now();
    for (let i = 0; i < 20; i++) await passwordWeakness(`blue otter sings ${i} loud`, maya);
    expect((performance.now() - started) / 20).toBeLessThan(50);
  });
});

describe('personalWordIn', () => {
  it('compares without case, accents or punctuation, and ignores parts shorter than 3 letters', () => {
    expect(foldForComparison('Élodie-Brûlé!')).toBe('elodiebrule');
    expect(personalWordIn('elodie2024xyz', { name: 'Élodie Brûlé' })).toBe('your name');
    expect(personalWordIn('a long walk home', { name: 'Al Li' })).toBeNull();
    expect(personalWordIn('anything at all', {})).toBeNull();
  });
});
