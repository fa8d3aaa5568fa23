/** The rule of who may use IndieAuth and Micropub, and the scope list parser. */
import { describe, expect, it } from 'vitest';
import { indieAuthEligibility } from '../../../src/server/indieauth/eligibility.ts';
import { hasScope, parseScopes } from '../../../src/server/indieauth/scopes.ts';
import { checkClientId, redirectAllowed } from '../../../src/server/indieauth/clients.ts';

const now = new Date('2026-12-02T00:00:00Z');
const person = (role: string, birthYear: number | null, disabledAt: Date | null = null) => ({ role, birthYear, disabledAt });

describe('indieAuthEligibility', () => {
  it('never lets a guardian or a disabled account in, whatever the policy', () => {
    expect(indieAuthEligibility(person('guardian', 1970), { indieAuthUnderAge: 0 }, now).ok).toBe(false);
    expect(indieAuthEligibility(person('teacher', 1980, now), { indieAuthUnderAge: 0 }, now).ok).toBe(false);
  });
  it('with an age set, refuses students younger than it and students of unknown age; staff are not students', () => {
    const school = { indieAuthUnderAge: 13 };
    expect(indieAuthEligibility(person('student', 2014), school, now).ok).toBe(false);
    expect(indieAuthEligibility(person('student', null), school, now).ok).toBe(false);
    expect(indieAuthEligibility(person('student', 2013), school, now).ok).toBe(true);
    expect(indieAuthEligibility(person('teacher', null), school, now).ok).toBe(true);
  });
  it('with 0, lets every student in, of any or unknown age', () => {
    expect(indieAuthEligibility(person('student', null), { indieAuthUnderAge: 0 }, now).ok).toBe(true);
    expect(indieAuthEligibility(person('student', 2020), { indieAuthUnderAge: 0 }, now).ok).toBe(true);
  });
});

describe('scopes and clients', () => {
  it('keeps known scopes once, reads the old `post` as create, drops unknown ones', () => {
    expect(parseScopes('post create admin media  media')).toEqual(['create', 'media']);
    expect(hasScope('profile', 'create')).toBe(false);
    expect(hasScope('create update', 'update')).toBe(true);
  });
  it('accepts client_ids that are web addresses without fragments, credentials or public IP addresses', () => {
    expect(checkClientId('https://app.example/').ok).toBe(true);
    expect(checkClientId('http://127.0.0.1:8080/app/').ok).toBe(true);
    for (const bad of ['', 'ftp://app.example/', 'https://app.example/#x', 'https://u:p@app.example/', 'https://8.8.8.8/', 'not a url']) {
      expect(checkClientId(bad).ok).toBe(false);
    }
  });
  it('lets a redirect go only to the client’s own origin or to an address it lists', () => {
    const client = { clientId: 'https://app.example/', name: 'App', redirectUris: ['https://other.example/cb'], fetched: true };
    expect(redirectAllowed(client, 'https://app.example/callback')).toBe(true);
    expect(redirectAllowed(client, 'https://other.example/cb')).toBe(true);
    expect(redirectAllowed(client, 'https://other.example/cb2')).toBe(false);
    expect(redirectAllowed(client, 'http://app.example/callback')).toBe(false);
    expect(redirectAllowed(client, 'https://app.example:8443/callback')).toBe(false);
    expect(redirectAllowed(client, 'https://app.example.attacker.example/')).toBe(false);
    expect(redirectAllowed(client, 'javascript:alert(1)')).toBe(false);
  });
});
