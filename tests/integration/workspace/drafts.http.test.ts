/**
 * Never losing a student's words, over HTTP against a real server and SQLite file: drafts, saves kept while signed
 * out, and edit conflicts — and the ways each can be abused.
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drafts, keptSaves, artifacts, revisions, sessions, type User } from '../../../src/server/db/schema.ts';
import { MAX_BODY_CHARS } from '../../../src/core/artifacts.ts';
import { MAX_DRAFTS_PER_ACCOUNT, saveDraft } from '../../../src/commands/draftSaver.ts';
import { makeArtifact, makeUser, signedIn } from '../../helpers/factories.ts';
import { Browser } from '../../helpers/http.ts';
import { makePicture } from '../portfolio/helpers.ts';
import { startServer, type TestServer } from '../../helpers/server.ts';

let server: TestServer;
let maya: User;
let theo: User;

beforeAll(async () => {
  server = await startServer();
  maya = await makeUser(server.app, { handle: 'maya' });
  theo = await makeUser(server.app, { handle: 'theo' });
});
afterAll(() => server?.stop());

const fields = (over: Record<string, string> = {}) => ({
  title: 'Small Weather',
  summary: '',
  kind: 'post',
  visibility: 'members',
  format: 'markdown',
  tags: '',
  date: '2026-03-21',
  body: 'The rain came at noon.',
  ...over,
});

function postDraft(browser: Browser, draft: unknown, init: RequestInit = {}) {
  return browser.request('/api/drafts', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof draft === 'string' ? draft : JSON.stringify(draft),
    ...init,
  });
}

const draftRow = (ownerId: string, key: string) =>
  server.app.db.select().from(drafts).where(and(eq(drafts.ownerId, ownerId), eq(drafts.key, key))).get();

describe('drafts', () => {
  it('keeps a draft of a saved piece without touching the piece, and offers it when the editor opens', async () => {
    const piece = await makeArtifact(server.app, maya, { title: 'Small Weather', body: 'The rain came at noon.' });
    const browser = signedIn(server.url, server.app, maya);
    const res = await postDraft(browser, { key: piece.id, baseRevision: 1, values: fields({ body: 'The rain came at noon, hard.' }) });
    expect(res.status).toBe(200);
    expect((await res.json()).savedAt).toMatch(/^\d{4}-/);

    const stored = server.app.db.select().from(artifacts).where(eq(artifacts.id, piece.id)).get()!;
    expect(stored.body).toBe('The rain came at noon.');
    expect(stored.revision).toBe(1);
    expect(server.app.db.select().from(revisions).where(eq(revisions.artifactId, piece.id)).all()).toHaveLength(1);

    const page = await (await browser.get(`/workspace/artifacts/${piece.id}`)).text();
    expect(page).toContain('You have a newer draft of this piece');
    expect(page).toContain('Restore the draft');
    const restored = await (await browser.get(`/workspace/artifacts/${piece.id}?draft=restore`)).text();
    expect(restored).toContain('The rain came at noon, hard.</textarea>');
    expect(restored).toContain('This is your draft');

    // Saving turns it into revision 2 and the draft is gone, in the same transaction.
    const saved = await browser.postForm(`/workspace/artifacts/${piece.id}`, {
      ...fields({ body: 'The rain came at noon, hard.' }),
      baseRevision: '1',
      draftKey: piece.id,
      intent: 'save',
    });
    expect(saved.status).toBe(303);
    expect(draftRow(maya.id, piece.id)).toBeUndefined();
    expect(server.app.db.select().from(artifacts).where(eq(artifacts.id, piece.id)).get()!.revision).toBe(2);
  });

  it('never shows a draft in the public page, the feed or the workspace list of anyone else', async () => {
    const piece = await makeArtifact(server.app, maya, { title: 'Open Letter', visibility: 'public', body: 'Dear reader.' });
    const browser = signedIn(server.url, server.app, maya);
    expect((await postDraft(browser, { key: piece.id, baseRevision: 1, values: fields({ title: 'Open Letter', body: 'SECRET-DRAFT-WORDS' }) })).status).toBe(200);
    const anonymous = new Browser(server.url);
    for (const path of [`/@maya/${piece.slug}/`, '/@maya/', '/@maya/feed.xml', '/@maya/feed.json', '/sitemap.xml']) {
      const text = await (await anonymous.get(path)).text();
      expect(text, path).not.toContain('SECRET-DRAFT-WORDS');
    }
    const theirs = await (await signedIn(server.url, server.app, theo).get('/workspace')).text();
    expect(theirs).not.toContain('SECRET-DRAFT-WORDS');
  });

  it('offers unsaved new pieces on the new-piece page and discards one on request', async () => {
    const browser = signedIn(server.url, server.app, maya);
    const key = 'new-abcdefgh12345678';
    expect((await postDraft(browser, { key, values: fields({ title: 'Half an idea', body: 'Begins here' }) })).status).toBe(200);
    const page = await (await browser.get('/workspace/artifacts/new')).text();
    expect(page).toContain('Half an idea');
    expect(page).toContain(`/workspace/artifacts/new?draft=${key}`);
    const restored = await (await browser.get(`/workspace/artifacts/new?draft=${key}`)).text();
    expect(restored).toContain('Begins here</textarea>');
    expect(restored).toContain(`name="draftKey" value="${key}"`);

    const discarded = await browser.postForm('/workspace/artifacts/new', { intent: 'discard-draft', discardKey: key });
    expect(discarded.status).toBe(303);
    expect(draftRow(maya.id, key)).toBeUndefined();
  });

  it('refuses a draft for someone else’s artifact with the same 404 as a missing one, and changes nothing', async () => {
    const theirs = await makeArtifact(server.app, theo, { title: 'Theo’s piece' });
    const browser = signedIn(server.url, server.app, maya);
    const res = await postDraft(browser, { key: theirs.id, baseRevision: 1, values: fields() });
    expect(res.status).toBe(404);
    expect((await res.json()).error.message).toMatch(/not found/);
    expect(draftRow(maya.id, theirs.id)).toBeUndefined();
    expect(server.app.db.select().from(drafts).where(eq(drafts.key, theirs.id)).all()).toEqual([]);
  });

  it('refuses an oversized draft (413), malformed JSON (400) and a key the editor never makes (400)', async () => {
    const browser = signedIn(server.url, server.app, maya);
    const key = 'new-oversized000000';
    const big = await postDraft(browser, { key, values: fields({ body: 'x'.repeat(MAX_BODY_CHARS + 1) }) });
    expect(big.status).toBe(413);
    expect((await big.json()).error.message).toMatch(/split it into several pieces/);
    const broken = await postDraft(browser, '{"key":');
    expect(broken.status).toBe(400);
    expect((await broken.json()).error.message).toMatch(/JSON/);
    const badKey = await postDraft(browser, { key: '../../etc', values: fields() });
    expect(badKey.status).toBe(400);
    expect(draftRow(maya.id, key)).toBeUndefined();
  });

  it('keeps at most 200 drafts an account, and still updates the ones it has', async () => {
    const priya = await makeUser(server.app, { handle: 'priya' });
    for (let i = 0; i < MAX_DRAFTS_PER_ACCOUNT; i++) {
      saveDraft(server.app, { ownerId: priya.id, key: `new-priya${String(i).padStart(8, '0')}`, values: fields({ body: `Draft ${i}` }) });
    }
    const browser = signedIn(server.url, server.app, priya);
    const one = await postDraft(browser, { key: 'new-priyaonemore0000', values: fields({ body: 'One too many.' }) });
    expect(one.status).toBe(429);
    expect((await one.json()).error.message).toMatch(/Save or discard some/);
    expect(draftRow(priya.id, 'new-priyaonemore0000')).toBeUndefined();
    const update = await postDraft(browser, { key: 'new-priya00000007', values: fields({ body: 'Draft 7, longer now.' }) });
    expect(update.status).toBe(200);
    expect(draftRow(priya.id, 'new-priya00000007')?.fields.body).toBe('Draft 7, longer now.');
  });

  it('refuses a draft sent from another website', async () => {
    const browser = signedIn(server.url, server.app, maya);
    const res = await postDraft(browser, { key: 'new-crosssite0000000', values: fields() }, { origin: 'https://evil.example' } as RequestInit);
    expect(res.status).toBe(403);
    expect(draftRow(maya.id, 'new-crosssite0000000')).toBeUndefined();
  });
});

describe('a save that arrives after the session ended', () => {
  it('is kept, and after signing in again the editor shows every field with a message that it is not saved', async () => {
    const piece = await makeArtifact(server.app, maya, { title: 'Small Weather', body: 'First words.' });
    const browser = signedIn(server.url, server.app, maya);
    // The session ends (signed out everywhere), while the editor is open.
    server.app.db.delete(sessions).where(eq(sessions.userId, maya.id)).run();
    const typed = fields({ title: 'Small Weather, again', tags: 'poetry', body: 'Every word of a long essay typed while signed out.' });
    const res = await browser.postForm(`/workspace/artifacts/${piece.id}`, { ...typed, baseRevision: '1', draftKey: piece.id, editor: maya.id, intent: 'save' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/signin?next=${encodeURIComponent(`/workspace/artifacts/${piece.id}?kept=1`)}`);
    expect(browser.cookie('potluck_kept')).toMatch(/^[a-z2-7]{32}$/);
    // Nothing was saved, and the kept copy stores only a hash of the cookie.
    expect(server.app.db.select().from(artifacts).where(eq(artifacts.id, piece.id)).get()!.body).toBe('First words.');
    const kept = server.app.db.select().from(keptSaves).all();
    expect(kept.some((k) => k.tokenHash === browser.cookie('potluck_kept'))).toBe(false);

    // Sign in through the real form, then follow `next`.
    const signin = await browser.postForm('/signin', { login: 'maya', password: 'password-maya', next: `/workspace/artifacts/${piece.id}?kept=1` });
    expect(signin.status).toBe(303);
    const back = await browser.get(signin.headers.get('location')!);
    const page = await back.text();
    expect(page).toContain('Every word of a long essay typed while signed out.</textarea>');
    expect(page).toContain('value="Small Weather, again"');
    expect(page).toContain('value="poetry"');
    expect(page).toContain('has not been saved yet');
    // It is handed over once.
    const again = await (await browser.get(`/workspace/artifacts/${piece.id}?kept=1`)).text();
    expect(again).not.toContain('typed while signed out.</textarea>');
  });

  it('keeps a signed-out draft too, and says so in the answer', async () => {
    const browser = new Browser(server.url);
    const res = await postDraft(browser, { key: 'new-signedout0000000', editor: maya.id, values: fields({ body: 'Typed after the cookie was cleared.' }) });
    expect(res.status).toBe(401);
    const answer = await res.json();
    expect(answer.kept).toBe(true);
    expect(answer.signIn).toBe(`/signin?next=${encodeURIComponent('/workspace/artifacts/new?kept=1')}`);
    const signin = await browser.postForm('/signin', { login: 'maya', password: 'password-maya', next: '/workspace/artifacts/new?kept=1' });
    const page = await (await browser.get(signin.headers.get('location')!)).text();
    expect(page).toContain('Typed after the cookie was cleared.</textarea>');
  });

  it('is shown only to the account that wrote it, even on the same browser', async () => {
    const browser = new Browser(server.url);
    await browser.postForm('/workspace/artifacts/new', { ...fields({ body: 'Maya’s private thoughts.' }), editor: maya.id, intent: 'save' });
    expect(browser.cookie('potluck_kept')).toBeTruthy();
    // Theo signs in on the same Chromebook.
    const signin = await browser.postForm('/signin', { login: 'theo', password: 'password-theo', next: '/workspace/artifacts/new?kept=1' });
    expect(signin.status).toBe(303);
    const page = await (await browser.get('/workspace/artifacts/new?kept=1')).text();
    expect(page).not.toContain('Maya’s private thoughts.');
    // And another browser, even signed in as Maya, never gets it.
    const elsewhere = await (await signedIn(server.url, server.app, maya).get('/workspace/artifacts/new?kept=1')).text();
    expect(elsewhere).not.toContain('Maya’s private thoughts.');
  });

  it('is refused from another website like any other write', async () => {
    const browser = new Browser(server.url);
    const before = server.app.db.select().from(keptSaves).all().length;
    const res = await browser.postForm('/workspace/artifacts/new', { ...fields(), editor: maya.id, intent: 'save' }, { origin: 'https://evil.example' });
    expect(res.status).toBe(403);
    expect(server.app.db.select().from(keptSaves).all().length).toBe(before);
    expect(browser.cookie('potluck_kept')).toBeUndefined();
  });

  it('refuses to keep an oversized text and says the text is still in the page', async () => {
    const browser = new Browser(server.url);
    const before = server.app.db.select().from(keptSaves).all().length;
    const res = await browser.postForm('/workspace/artifacts/new', { ...fields({ body: 'y'.repeat(MAX_BODY_CHARS + 10) }), editor: maya.id, intent: 'save' });
    expect(res.status).toBe(413);
    expect(await res.text()).toContain('Your text is still in the page you came from');
    expect(server.app.db.select().from(keptSaves).all().length).toBe(before);
  });
});

describe('edit conflicts', () => {
  it('does not replace a newer revision: shows what changed, keeps both, and merges on request', async () => {
    const base = ['# Small Weather', '', 'The rain came at noon.', '', 'We stayed in.', '', 'The end.'].join('\n');
    const piece = await makeArtifact(server.app, maya, { title: 'Small Weather', body: base });
    const phone = signedIn(server.url, server.app, maya);
    const laptop = signedIn(server.url, server.app, maya);
    const common = { baseRevision: '1', draftKey: piece.id, intent: 'save' };

    const first = await phone.postForm(`/workspace/artifacts/${piece.id}`, { ...fields({ body: base.replace('The end.', 'The end, for now.') }), ...common });
    expect(first.status).toBe(303);

    const second = await laptop.postForm(`/workspace/artifacts/${piece.id}`, {
      ...fields({ body: base.replace('The rain came at noon.', 'The rain came at noon, hard.') }),
      ...common,
    });
    expect(second.status).toBe(409);
    const page = await second.text();
    expect(page).toContain('Saved somewhere else while you were writing');
    expect(page).toContain('<del>The rain came at noon.</del>');
    expect(page).toContain('<ins>The rain came at noon, hard.</ins>');
    expect(page).toContain('name="mergeBase" value="1"');
    expect(page).toContain('name="baseRevision" value="2"');
    // The preview shows the laptop's version, not a blank box.
    expect(page.slice(page.indexOf('id="preview-content"'))).toContain('<p>The rain came at noon, hard.</p>');
    // Revision 2 stands; the laptop's text is kept as a draft.
    const stored = server.app.db.select().from(artifacts).where(eq(artifacts.id, piece.id)).get()!;
    expect(stored.revision).toBe(2);
    expect(stored.body).toContain('The end, for now.');
    expect(draftRow(maya.id, piece.id)?.fields.body).toContain('The rain came at noon, hard.');

    const merged = await laptop.postForm(`/workspace/artifacts/${piece.id}`, {
      ...fields({ body: base.replace('The rain came at noon.', 'The rain came at noon, hard.') }),
      baseRevision: '2',
      mergeBase: '1',
      draftKey: piece.id,
      intent: 'merge',
    });
    expect(merged.status).toBe(200);
    const mergedPage = await merged.text();
    expect(mergedPage).toContain('The rain came at noon, hard.');
    expect(mergedPage).toContain('The end, for now.');
    expect(mergedPage).toContain('Merged: the text below has your changes and the ones saved meanwhile.');

    // "Save my version" (base now 2) goes through as revision 3.
    const mine = await laptop.postForm(`/workspace/artifacts/${piece.id}`, {
      ...fields({ body: base.replace('The rain came at noon.', 'The rain came at noon, hard.') }),
      baseRevision: '2',
      draftKey: piece.id,
      intent: 'save',
    });
    expect(mine.status).toBe(303);
    expect(server.app.db.select().from(artifacts).where(eq(artifacts.id, piece.id)).get()!.revision).toBe(3);
    expect(server.app.db.select().from(revisions).where(eq(revisions.artifactId, piece.id)).all()).toHaveLength(3);
  });

  it('refuses a forged base revision newer than the newest, not a number, or 0, and changes nothing', async () => {
    const piece = await makeArtifact(server.app, maya, { title: 'Forged' });
    const browser = signedIn(server.url, server.app, maya);
    for (const baseRevision of ['99', 'two', '0']) {
      const res = await browser.postForm(`/workspace/artifacts/${piece.id}`, { ...fields({ body: 'Changed.' }), baseRevision, intent: 'save' });
      expect(res.status).toBe(400);
      expect(await res.text()).toMatch(/Reload the editor/);
    }
    const stored = server.app.db.select().from(artifacts).where(eq(artifacts.id, piece.id)).get()!;
    expect(stored.revision).toBe(1);
  });

  it('lets two identical saves through without a conflict', async () => {
    const piece = await makeArtifact(server.app, maya, { title: 'Same', body: 'Same words.' });
    const browser = signedIn(server.url, server.app, maya);
    const values = { ...fields({ title: 'Same', body: 'Same words, edited.' }), baseRevision: '1', intent: 'save' };
    expect((await browser.postForm(`/workspace/artifacts/${piece.id}`, values)).status).toBe(303);
    expect((await browser.postForm(`/workspace/artifacts/${piece.id}`, values)).status).toBe(303);
    expect(server.app.db.select().from(artifacts).where(eq(artifacts.id, piece.id)).get()!.revision).toBe(2);
  });
});

describe('the editor page', () => {
  it('keeps the preview after a refused save and lists every MDX problem', async () => {
    const browser = signedIn(server.url, server.app, maya);
    const res = await browser.postForm('/workspace/artifacts/new', {
      ...fields({ title: '', body: '## Still here\n\nThe preview stays.' }),
      intent: 'save',
    });
    expect(res.status).toBe(400);
    const page = await res.text();
    expect(page).toMatch(/id="preview-content" data-preview><div class="prose e-content">.*Still here/s);
    // Every line of the text comes back exactly, blank lines included.
    expect(page).toContain('## Still here\n\nThe preview stays.</textarea>');

    const mdx = await browser.postForm('/workspace/artifacts/new', {
      ...fields({ format: 'mdx', body: 'import x from "y"\n\n{1 + 1}\n\n<Unknown />' }),
      intent: 'save',
    });
    expect(mdx.status).toBe(400);
    const text = await mdx.text();
    const lines = [...text.matchAll(/Line (\d+), column \d+/g)].map((m) => m[1]);
    expect(new Set(lines).size).toBeGreaterThanOrEqual(3);
  });

  it('previews a picture snippet without words with the picture’s own description, sized as the saved page', async () => {
    const picture = await makePicture(server.app, maya, { width: 1200, height: 800, alt: 'Fog over the harbour' });
    const theirs = await makePicture(server.app, theo, { width: 800, height: 600, alt: 'Theo’s secret picture' });
    const browser = signedIn(server.url, server.app, maya);
    const res = await browser.request('/api/preview', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ body: `![](media:${picture.id})\n\n![](media:${theirs.id})`, format: 'markdown' }),
    });
    const { ok, html } = await res.json();
    expect(ok).toBe(true);
    expect(html).toMatch(new RegExp(`<img[^>]*alt="Fog over the harbour"[^>]*`));
    expect(html).toMatch(/width="1200"/);
    expect(html).not.toContain('Theo’s secret picture');
  });

  it('puts the text right after the title, before the other fields', async () => {
    const page = await (await signedIn(server.url, server.app, maya).get('/workspace/artifacts/new')).text();
    const order = ['id="f-title"', 'id="f-body"', 'id="f-summary"', 'id="f-kind"', 'name="visibility"'].map((s) => page.indexOf(s));
    expect(order.every((at) => at > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(page).toContain('data-word-count>0 words<');
  });
});
