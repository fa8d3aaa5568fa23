/**
 * Sign-up keeps to the password rules, does not reveal whether an email already has an account (the same message
 * as a taken handle), and is rate limited per address: many failed attempts from one address are refused for an hour.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TAKEN_MESSAGE } from '../../../src/commands/accountRegistrar.ts';
import { createJoinCode } from '../../../src/commands/joinCodeCreator.ts';
import { rateLimits, users } from '../../../src/server/db/schema.ts';
import { setPolicy } from '../../../src/server/policy.ts';
import { Browser } from '../../helpers/http.ts';
import { startServer, type TestServer } from '../../helpers/server.ts';
import { makeUser } from './factories.ts';

let server: TestServer;
let code: string;
beforeAll(async () => {
  server = await startServer({ env: { POTLUCK_TRUSTED_PROXIES: 'loopback' } });
  await makeUser(server.app, 'ada', 'student', { email: 'ada@school.test' });
  code = createJoinCode(server.app, { role: 'student', createdBy: null }).code;
  setPolicy(server.app, { schoolName: 'Riverside Academy' });
});
afterAll(() => server?.stop());
beforeEach(() => server.app.db.delete(rateLimits).run());

const signUp = (fields: Record<string, string>, address = '198.51.100.7') =>
  new Browser(server.url).postForm(
    '/signup',
    { code, name: 'Maya Okafor', handle: 'maya', email: '', password: 'violet kettle mountain', ...fields },
    { headers: { 'x-forwarded-for': address } },
  );
const html = (text: string) => text.replace(/'/g, '&#39;').replace(/"/g, '&quot;');
const count = () => server.app.db.select().from(users).all().length;

describe('sign-up', () => {
  it('refuses a common password, or one made of the name, handle or school, saying why; creates nothing', async () => {
    const before = count();
    const common = await signUp({ password: 'password123' });
    expect(common.status).toBe(400);
    const text = await common.text();
    expect(text).toContain('This password is one of the most common passwords');
    expect(text).not.toContain('password123');
    expect(await (await signUp({ password: 'okafor-is-the-best' })).text()).toContain('This password contains your name');
    expect(await (await signUp({ handle: 'mayaok', password: 'mayaok forever 2010' })).text()).toContain('This password contains your handle');
    expect(await (await signUp({ password: 'riverside rocks always' })).text()).toContain(html("This password contains your school's name"));
    expect(count()).toBe(before);
  });

  it('says the same for a taken email as for a taken handle', async () => {
    const email = await signUp({ handle: 'newperson', email: 'ada@school.test' });
    const handle = await signUp({ handle: 'ada', email: 'someone.new@school.test' });
    expect(email.status).toBe(400);
    expect(handle.status).toBe(400);
    const a = await email.text();
    const b = await handle.text();
    expect(a).toContain(html(TAKEN_MESSAGE));
    expect(b).toContain(html(TAKEN_MESSAGE));
    expect(a).not.toMatch(/email is already taken|already has an account/);
    expect(server.app.db.select().from(users).where(eq(users.handle, 'newperson')).get()).toBeUndefined();
  });

  it('refuses an address after 60 failed attempts for an hour; other addresses sign up', async () => {
    for (let i = 0; i < 60; i++) {
      expect((await signUp({ code: `AAAA-BBBB-${String(i).padStart(4, '0')}` })).status).toBe(400);
    }
    const limited = await signUp({});
    expect(limited.status).toBe(429);
    expect(await limited.text()).toContain('Too many sign-up attempts from this network');
    expect(server.app.db.select().from(users).where(eq(users.handle, 'maya')).get()).toBeUndefined();
    const ok = await signUp({}, '198.51.100.8');
    expect(ok.status).toBe(303);
    expect(server.app.db.select().from(users).where(eq(users.handle, 'maya')).get()).toBeDefined();
  });
});
