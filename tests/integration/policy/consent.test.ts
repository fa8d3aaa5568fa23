// "Public needs consent" is one rule (core/policy.ts) for pieces, showcases and imports. Regression: a student could
// make a showcase public without the consent the school asks for, though their pieces could not be.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { showcases, users, type User } from '../../../src/server/db/schema.ts';
import { setPolicy } from '../../../src/server/policy.ts';
import { makeArtifact, makeUser, signedIn } from '../../helpers/factories.ts';
import type { Browser } from '../../helpers/http.ts';
import { startServer, type TestServer } from '../../helpers/server.ts';

let server: TestServer;
let maya: User;
let browser: Browser;
let pieceId: string;

beforeAll(async () => {
  server = await startServer();
  maya = await makeUser(server.app, { handle: 'maya' });
  pieceId = (await makeArtifact(server.app, maya, { title: 'Poem', visibility: 'members' })).id;
  setPolicy(server.app, { publicRequiresConsent: true });
  browser = signedIn(server.url, server.app, maya);
}, 120_000);

afterAll(() => server?.stop());

const showcaseForm = (visibility: string) => ({ title: 'Best of grade 10', intro: 'My best.', visibility, items: [pieceId] });

describe('going public under a school that asks for consent', () => {
  it('refuses a public showcase without recorded consent, says what to do, and stores nothing', async () => {
    const res = await browser.postForm('/workspace/showcases/new', showcaseForm('public'));
    // The form comes back (400) with the reason beside "Who can see it".
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('Public needs recorded consent first (see your Account page).');
    expect(server.app.db.select().from(showcases).where(eq(showcases.ownerId, maya.id)).all()).toEqual([]);
  });

  it('refuses a public piece the same way', async () => {
    const res = await browser.postForm('/workspace/artifacts/new', { title: 'Essay', kind: 'post', visibility: 'public', body: 'Text.' });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('Public needs recorded consent first (see your Account page).');
  });

  it('accepts the public showcase once consent is recorded', async () => {
    server.app.db.update(users).set({ publicConsentAt: server.app.now() }).where(eq(users.id, maya.id)).run();
    const res = await browser.postForm('/workspace/showcases/new', showcaseForm('public'));
    expect(res.status).toBe(303);
    expect(server.app.db.select().from(showcases).where(eq(showcases.ownerId, maya.id)).get()?.visibility).toBe('public');
  });
});
