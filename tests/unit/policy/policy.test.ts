// The pure policy (core/policy.ts): each rule on its facts, with no database.
import { describe, expect, it } from 'vitest';
import { PotluckError } from '../../../src/core/errors.ts';
import { authorize, can, decide, describeReaders, enrolmentByAdder, enrolmentGrantsAccess, hubShows, type Actor } from '../../../src/core/policy.ts';

const maya: Actor = { id: 'maya', role: 'student' };
const theo: Actor = { id: 'theo', role: 'student' };
const okafor: Actor = { id: 'okafor', role: 'teacher' };
const admin: Actor = { id: 'admin', role: 'admin' };
const classPiece = (sharesClass: boolean) => ({ type: 'work' as const, ownerId: 'maya', visibility: 'members' as const, sharesClass });

describe('enrolment', () => {
  it('an open invitation grants nothing; every other way in does', () => {
    expect(enrolmentGrantsAccess('invited')).toBe(false);
    for (const e of ['owner', 'join_code', 'admin', 'invitation_accepted'] as const) expect(enrolmentGrantsAccess(e)).toBe(true);
  });
  it('an admin or the shell adds directly; a teacher only invites', () => {
    expect(enrolmentByAdder(null)).toBe('admin');
    expect(enrolmentByAdder(admin)).toBe('admin');
    expect(enrolmentByAdder(okafor)).toBe('invited');
  });
});

describe('work', () => {
  it('class-only work is read by those who share a class by consent, and changed by its owner alone', () => {
    expect(can(theo, 'read', classPiece(true))).toBe(true);
    expect(can(theo, 'read', classPiece(false))).toBe(false);
    expect(can(null, 'read', classPiece(true))).toBe(false);
    expect(can(admin, 'read', classPiece(false))).toBe(false);
    expect(can(maya, 'edit', classPiece(false))).toBe(true);
    expect(decide(okafor, 'edit', classPiece(true))).toMatchObject({ allowed: false, as: 'forbidden' });
    expect(decide(okafor, 'edit', classPiece(false))).toMatchObject({ allowed: false, as: 'hidden' });
  });
});

describe('hubs', () => {
  const hub = (visibility: 'public' | 'members', standing: 'teacher' | 'student' | null, ownerId = 'okafor') => ({ type: 'hub' as const, ownerId, visibility, standing });
  it('a members-only hub is hidden from everyone but its members, its teachers and admins', () => {
    expect(decide(theo, 'read', hub('members', null))).toMatchObject({ as: 'hidden' });
    expect(can(theo, 'read', hub('members', 'student'))).toBe(true);
    expect(can(admin, 'read', hub('members', null))).toBe(true);
    expect(can(null, 'read', hub('public', null))).toBe(true);
  });
  it('its teachers and admins manage it; its owner and admins delete it; a member is told no', () => {
    expect(can(okafor, 'manage', hub('members', 'teacher'))).toBe(true);
    expect(decide(theo, 'manage', hub('members', 'student'))).toMatchObject({ as: 'forbidden' });
    expect(can({ id: 'co', role: 'teacher' }, 'delete', hub('members', 'teacher'))).toBe(false);
    expect(can(admin, 'delete', hub('members', null))).toBe(true);
    expect(can(okafor, 'leave', hub('members', 'teacher'))).toBe(false);
  });
  it('its members add their own blogs and its teachers anyone’s; someone outside a public hub is told to join first', () => {
    expect(can(theo, 'addSource', hub('members', 'student'))).toBe(true);
    expect(can(okafor, 'addSource', hub('members', 'teacher'))).toBe(true);
    expect(can(admin, 'addSource', hub('public', null))).toBe(true);
    expect(decide(theo, 'addSource', hub('public', null))).toMatchObject({ as: 'forbidden', message: expect.stringContaining('Join the hub first') });
    expect(decide(theo, 'addSource', hub('members', null))).toMatchObject({ as: 'hidden' });
  });
  it('a member may leave, someone outside has no membership to leave (hidden), the owner is told why not', () => {
    expect(can(theo, 'leave', hub('members', 'student'))).toBe(true);
    expect(decide(theo, 'leave', hub('public', null))).toMatchObject({ as: 'hidden' });
  });
  it('shows members work only on a members-only hub, only to its members, never in feeds', () => {
    expect(hubShows({ visibility: 'members' }, 'student')).toEqual(['public', 'members']);
    expect(hubShows({ visibility: 'members' }, null)).toEqual(['public']);
    expect(hubShows({ visibility: 'public' }, 'student')).toEqual(['public']);
    expect(hubShows({ visibility: 'members' }, 'student', 'feed')).toEqual(['public']);
  });
});

describe('going public', () => {
  const sharing = (publicRequiresConsent: boolean, consentedAt: Date | null) => ({ type: 'publicSharing' as const, ownerId: 'maya', publicRequiresConsent, consentedAt });
  it('needs recorded consent when the school asks for it, and is the owner’s choice alone', () => {
    expect(can(maya, 'publish', sharing(false, null))).toBe(true);
    expect(can(maya, 'publish', sharing(true, new Date(0)))).toBe(true);
    expect(() => authorize(maya, 'publish', sharing(true, null))).toThrowError(expect.objectContaining({ code: 'POLICY', status: 403 }) as PotluckError);
    expect(can(okafor, 'publish', sharing(false, null))).toBe(false);
  });
});

describe('school, accounts and join codes', () => {
  it('teachers teach and create hubs; admins administer; students neither', () => {
    expect(can(okafor, 'teach', { type: 'school' })).toBe(true);
    expect(can(maya, 'createHub', { type: 'school' })).toBe(false);
    expect(can(okafor, 'administer', { type: 'school' })).toBe(false);
    expect(can(admin, 'administer', { type: 'school' })).toBe(true);
  });
  it('only admins disable accounts, never their own; anyone deletes their own', () => {
    expect(can(admin, 'disable', { type: 'account', id: 'maya', role: 'student' })).toBe(true);
    expect(can(admin, 'disable', { type: 'account', id: 'admin', role: 'admin' })).toBe(false);
    expect(can(maya, 'delete', { type: 'account', id: 'maya', role: 'student' })).toBe(true);
    expect(can(okafor, 'delete', { type: 'account', id: 'maya', role: 'student' })).toBe(false);
  });
  it('teachers make student codes for hubs they teach, and revoke their own', () => {
    const code = (role: Actor['role'], teachesHub: boolean, createdBy: string | null = 'okafor') => ({ type: 'joinCode' as const, role, hubId: 'h', teachesHub, createdBy });
    expect(can(okafor, 'create', code('student', true))).toBe(true);
    expect(can(okafor, 'create', code('student', false))).toBe(false);
    expect(can(okafor, 'create', code('teacher', true))).toBe(false);
    expect(can(okafor, 'revoke', code('student', true, 'someone-else'))).toBe(false);
    expect(can(admin, 'create', code('admin', false, null))).toBe(true);
  });
});

describe('who can see this', () => {
  it('names the hubs and people class-only work reaches today', () => {
    expect(describeReaders('members', [{ title: 'English 10', teachers: ['Ms Okafor'], classmates: 23 }])).toBe('Class members: English 10 (Ms Okafor and 23 classmates).');
    expect(describeReaders('members', [])).toMatch(/^Only you for now/);
    expect(describeReaders('private', [])).toBe('Only you.');
    expect(describeReaders('public', [])).toMatch(/^Anyone/);
  });
});
