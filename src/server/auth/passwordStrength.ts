/**
 * Choosing a password (OWASP ASVS V6): long enough, not one of the common or breached passwords that attackers try
 * first (zxcvbn-ts with its common-passwords list, offline), and not built from the person's own handle, name or the
 * school's name. The dictionary is large, so it is loaded once, on the first check.
 */
import type { ZxcvbnFactory, ZxcvbnResult } from '@zxcvbn-ts/core';
import { PotluckError } from '../../core/errors.ts';
import { personalWordIn, type PersonalWords } from '../../core/passwordRules.ts';
import type { AppContext } from '../context.ts';
import { getPolicy } from '../policy.ts';

export const MIN_PASSWORD_LENGTH = 8;
/** zxcvbn's 0–4 score: 3 means about 10^8 guesses or more ("safely unguessable" for an online attack). */
const MIN_SCORE = 3;

let factory: Promise<ZxcvbnFactory> | undefined;

function checker(): Promise<ZxcvbnFactory> {
  factory ??= (async () => {
    const [{ ZxcvbnFactory }, common] = await Promise.all([import('@zxcvbn-ts/core'), import('@zxcvbn-ts/language-common')]);
    return new ZxcvbnFactory({ dictionary: { ...common.dictionary }, graphs: common.adjacencyGraphs });
  })();
  return factory;
}

const BETTER = 'Choose a longer one, for example three or four unrelated words with spaces between them.';

function whyWeak(result: ZxcvbnResult): string {
  const warning = result.feedback.warning;
  if (warning === 'topTen' || warning === 'topHundred' || warning === 'common') {
    return `This password is one of the most common passwords, so it is among the first ones attackers try. ${BETTER}`;
  }
  if (warning === 'similarToCommon') {
    return `This password is a common password with a small change, which attackers try early. ${BETTER}`;
  }
  const patterns = new Set(result.sequence.map((m) => m.pattern));
  if (patterns.has('spatial')) return `This password is a pattern of keys next to each other on a keyboard. ${BETTER}`;
  if (patterns.has('repeat')) return `This password repeats the same characters, which makes it easy to guess. ${BETTER}`;
  if (patterns.has('sequence')) return `This password is a sequence like "abcd" or "1234", which makes it easy to guess. ${BETTER}`;
  if (patterns.has('date')) return `This password is mostly a date, which makes it easy to guess. ${BETTER}`;
  return `This password would be easy to guess: it is short or made of common words. ${BETTER}`;
}

/** Why a password may not be used, or null when it is fine. */
export async function passwordWeakness(password: string, words: PersonalWords): Promise<string | null> {
  if (password.length < MIN_PASSWORD_LENGTH) {
    return `Use at least ${MIN_PASSWORD_LENGTH} characters for the password (a short sentence works well).`;
  }
  const personal = personalWordIn(password, words);
  if (personal) return `This password contains ${personal}, which is the first thing someone who knows you would try. ${BETTER}`;
  const inputs = [words.handle, words.name, words.email, words.schoolName].filter((w): w is string => !!w);
  const result = (await checker()).check(password.slice(0, 100), inputs);
  return result.score >= MIN_SCORE ? null : whyWeak(result);
}

/**
 * Refuses a weak password with a VALIDATION error on `field`, naming why and how to choose a better one. The school's
 * name comes from the instance policy.
 */
export async function assertStrongPassword(
  app: AppContext,
  password: string,
  words: Omit<PersonalWords, 'schoolName'>,
  field = 'password',
): Promise<void> {
  const message = await passwordWeakness(password, { ...words, schoolName: getPolicy(app).schoolName });
  if (message) throw new PotluckError('VALIDATION', message, { issues: [{ field, message }] });
}
