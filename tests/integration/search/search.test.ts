/**
 * Full-text search against a real SQLite file: what is found, how it is ranked and highlighted, that every way a
 * piece changes (save, edit, restore, import, delete, account deletion, VACUUM) keeps the index in step, and that
 * nobody finds work they may not read.
 */
import { onPostgresSuite, sqliteOnly } from '../../helpers/database.ts';
import fs from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteAccount } from '../../../src/commands/accountDeleter.ts';
import { deleteArtifact } from '../../../src/commands/artifactDeleter.ts';
import { saveArtifact } from '../../../src/commands/artifactSaver.ts';
import { importArchiveFolder } from '../../../src/commands/archiveImporter.ts';
import { restoreRevision } from '../../../src/commands/revisionRestorer.ts';
import { setUserDisabled } from '../../../src/commands/userDisabler.ts';
import { parseSearchQuery } from '../../../src/core/search.ts';
import type { AppContext } from '../../../src/server/context.ts';
import { drafts, hubs, type User } from '../../../src/server/db/schema.ts';
import { searchArtifacts, type SearchScope } from '../../../src/server/repositories/search.ts';
import { makeArtifact, makeHub, makeUser } from '../../helpers/factories.ts';
import { createTestApp, tempDataDir } from '../../helpers/server.ts';

let app: AppContext;
let maya: User;
let theo: User;
let zoe: User;
let okafor: User;
let other: User;
let hubId: string;
let work: string;

const own = { kind: 'own' } as const;
const find = (viewer: User | null, q: string, scope: SearchScope = own, limit?: number) => searchArtifacts(app, viewer, parseSearchQuery(q), scope, { limit });
const titles = (viewer: User | null, q: string, scope: SearchScope = own) => find(viewer, q, scope).map((r) => r.title);
const hub = () => app.db.select().from(hubs).where(eq(hubs.id, hubId)).get()!;

beforeAll(async () => {
  app = createTestApp();
  work = tempDataDir('potluck-search-');
  maya = await makeUser(app, { handle: 'maya' });
  theo = await makeUser(app, { handle: 'theo' });
  zoe = await makeUser(app, { handle: 'zoe' });
  okafor = await makeUser(app, { handle: 'okafor', role: 'teacher' });
  other = await makeUser(app, { handle: 'rivera', role: 'teacher' });
  hubId = makeHub(app, { teacher: okafor, students: [maya, theo] });
  // Zoe is in another teacher's hub only: okafor is not her teacher.
  makeHub(app, { teacher: other, students: [zoe] });
});

afterAll(() => {
  app.db.$client.close();
  fs.rmSync(app.config.dataDir, { recursive: true, force: true });
  fs.rmSync(work, { recursive: true, force: true });
});

function indexIsConsistent(): void {
  // PostgreSQL's index is a generated column, computed from the row in the statement that writes it.
  if (onPostgresSuite) return;
  // FTS5 compares the index with the text it reads from the artifacts: it throws when they disagree.
  app.db.$client.exec(`insert into artifact_search (artifact_search) values ('integrity-check')`);
}

describe('highlighting where the words matched', () => {
  it('marks a word found only in the title, and shows a summary passage when the text has none of the words', async () => {
    const owner = await makeUser(app, { handle: 'hilite' });
    await makeArtifact(app, owner, { title: 'Lanternfish <b>at</b> dusk', summary: 'Notes on bioluminescence.', body: 'Nothing about it here.' });
    const [byTitle] = find(owner, 'lanternfish');
    expect(byTitle.titleHtml).toBe('<mark>Lanternfish</mark> &lt;b&gt;at&lt;/b&gt; dusk');
    expect(byTitle.snippet).toBe('');
    const [bySummary] = find(owner, 'bioluminescence');
    expect(bySummary.titleHtml).toBe('');
    expect(bySummary.snippet).toContain('<mark>bioluminescence</mark>');
  });
});

describe('finding a student’s own work', () => {
  it('finds a word that is only in the body, with the passage highlighted', async () => {
    await makeArtifact(app, maya, { title: 'Lab report', summary: 'Week 3', body: 'Leaves are green because of chlorophyll, which absorbs red light.' });
    const [hit, ...rest] = find(maya, 'chlorophyll');
    expect(rest).toEqual([]);
    expect(hit).toMatchObject({ title: 'Lab report', owner: { handle: 'maya' } });
    expect(hit!.snippet).toContain('because of <mark>chlorophyll</mark>, which absorbs');
    // Words are prefixes: the beginning of a word finds it.
    expect(titles(maya, 'chloro')).toEqual(['Lab report']);
  });

  it('ignores accents and case both ways', async () => {
    await makeArtifact(app, maya, { title: 'Élève du mois', body: 'Une ÉCOLE à Montréal.' });
    expect(titles(maya, 'eleve')).toEqual(['Élève du mois']);
    expect(titles(maya, 'ÉLÈVE')).toEqual(['Élève du mois']);
    expect(titles(maya, 'ecole montreal')).toEqual(['Élève du mois']);
  });

  it('ranks a title match above a piece that only mentions the word in its text', async () => {
    await makeArtifact(app, maya, { title: 'Volcanoes', body: 'Mountains that breathe fire.', date: new Date('2025-01-01') });
    await makeArtifact(app, maya, {
      title: 'Field trip diary',
      body: 'We took the bus. Somebody mentioned a volcano on the way, and a volcano song was sung. Then lunch.',
      date: new Date('2026-05-01'),
    });
    expect(titles(maya, 'volcano')).toEqual(['Volcanoes', 'Field trip diary']);
  });

  it('finds by summary and by tag word, and keeps #tag as an exact tag filter', async () => {
    await makeArtifact(app, maya, { title: 'Untitled one', summary: 'A sonnet about trains', tags: ['poetry'], body: 'Iron and steam.' });
    await makeArtifact(app, maya, { title: 'Untitled two', tags: ['poetry'], body: 'Rain on the roof, sonnet-like.' });
    expect(titles(maya, 'sonnet')).toEqual(['Untitled one', 'Untitled two']);
    expect(titles(maya, 'poetry').sort()).toEqual(['Untitled one', 'Untitled two']);
    expect(titles(maya, '#poetry rain')).toEqual(['Untitled two']);
    expect(titles(maya, '#poet')).toEqual([]);
  });

  it('combines with the kind, visibility and tag filters', async () => {
    await makeArtifact(app, maya, { title: 'Glacier project', kind: 'project', visibility: 'private', body: 'Glaciers move slowly.' });
    await makeArtifact(app, maya, { title: 'Glacier post', kind: 'post', visibility: 'public', tags: ['ice'], body: 'Glaciers again.' });
    expect(titles(maya, 'glacier', { kind: 'own', filter: { kind: 'project' } })).toEqual(['Glacier project']);
    expect(titles(maya, 'glacier', { kind: 'own', filter: { visibility: 'public' } })).toEqual(['Glacier post']);
    expect(titles(maya, 'glacier', { kind: 'own', filter: { tag: 'ice' } })).toEqual(['Glacier post']);
  });

  it('shows markup in the text as text: the snippet is escaped, then highlighted', async () => {
    await makeArtifact(app, maya, { title: 'About HTML', body: "Never paste <script>alert('zanzibar')</script> into a page about zanzibar." });
    const [hit] = find(maya, 'zanzibar');
    expect(hit!.snippet).toContain('&lt;script&gt;alert(&#39;<mark>zanzibar</mark>&#39;)&lt;/script&gt;');
    expect(hit!.snippet).not.toContain('<script');
    expect(hit!.snippet.replace(/<\/?mark>/g, '')).not.toMatch(/[<>]/);
  });

  it('answers hostile query strings with results or an empty list, never an error', () => {
    const hostile = ['"', 'AND (', 'col:x', '*', 'NEAR(a b', '"unclosed', "'; drop table artifacts; --", ')(', '-', '^', '{title}:x', '\u0000'];
    for (const q of hostile) {
      for (const scope of [own, { kind: 'students' } as const, { kind: 'hub', hub: hub() } as const]) {
        expect(() => find(okafor, q, scope), q).not.toThrow();
        expect(() => find(maya, q, scope), q).not.toThrow();
      }
    }
    expect(titles(maya, 'col:x')).toEqual([]);
    expect(find(maya, '"').length).toBeGreaterThan(0);
  });
});

describe('keeping the index in step', () => {
  it('an edit replaces the words; a restore brings the old ones back', async () => {
    const piece = await makeArtifact(app, theo, { title: 'Breakfast', body: 'I had marmalade on toast.' });
    expect(titles(theo, 'marmalade')).toEqual(['Breakfast']);
    await saveArtifact(app, { ownerId: theo.id, artifactId: piece.id, input: { title: 'Breakfast', kind: 'post', visibility: 'members', body: 'I had porridge.' } });
    expect(titles(theo, 'marmalade')).toEqual([]);
    expect(titles(theo, 'porridge')).toEqual(['Breakfast']);
    await restoreRevision(app, { ownerId: theo.id, artifactId: piece.id, number: 1 });
    expect(titles(theo, 'marmalade')).toEqual(['Breakfast']);
    expect(titles(theo, 'porridge')).toEqual([]);
    indexIsConsistent();
  });

  it('a deleted piece is gone from search', async () => {
    const piece = await makeArtifact(app, theo, { title: 'Temporary', body: 'Words about xylophones.' });
    expect(titles(theo, 'xylophones')).toEqual(['Temporary']);
    deleteArtifact(app, { ownerId: theo.id, artifactId: piece.id });
    expect(titles(theo, 'xylophones')).toEqual([]);
    // SQLite's document number goes with the piece (PostgreSQL's index entry goes with its row).
    if (!onPostgresSuite) expect(app.db.$client.prepare('select count(*) from artifact_search_docs where artifact_id = ?').pluck().get(piece.id)).toBe(0);
    indexIsConsistent();
  });

  it('imported work is found, and re-importing an edited archive replaces its words', async () => {
    const dir = path.join(work, 'maya-archive');
    fs.cpSync(path.resolve(import.meta.dirname, '../../../content/demo/students/maya'), dir, { recursive: true });
    await importArchiveFolder(app, { dir, handle: 'mayacopy' });
    const copy = app.db.$client.prepare('select * from users where handle = ?').get('mayacopy') as User;
    expect(titles(copy, 'gulls')).toEqual(['Fog Over the Harbor']);
    const file = path.join(dir, 'artifacts', 'fog-over-the-harbor', 'index.md');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('the gulls argue', 'the pelicans argue'));
    await importArchiveFolder(app, { dir, handle: 'mayacopy' });
    expect(titles(copy, 'gulls')).toEqual([]);
    expect(titles(copy, 'pelicans')).toEqual(['Fog Over the Harbor']);
    indexIsConsistent();
  });

  it('never indexes a draft', async () => {
    const piece = await makeArtifact(app, theo, { title: 'Drafted', body: 'Saved words.' });
    app.db
      .insert(drafts)
      .values({ ownerId: theo.id, key: piece.id, artifactId: piece.id, baseRevision: 1, fields: { title: 'Drafted', body: 'Unsaved quagmire words.' } as never, bytes: 30, updatedAt: new Date() })
      .run();
    expect(titles(theo, 'quagmire')).toEqual([]);
    expect(titles(theo, 'saved')).toEqual(['Drafted']);
  });

  it('still finds the right pieces after VACUUM (account deletion runs it)', async () => {
    const before = find(maya, 'chlorophyll').map((r) => r.id);
    app.db.$client.exec('VACUUM');
    expect(find(maya, 'chlorophyll').map((r) => r.id)).toEqual(before);
    indexIsConsistent();
  });
});

describe('what a teacher finds', () => {
  beforeAll(async () => {
    await makeArtifact(app, maya, { title: 'Shared essay', visibility: 'members', tags: ['course'], body: 'An essay on photosynthesis and sunlight.' });
    await makeArtifact(app, maya, { title: 'Secret diary', visibility: 'private', tags: ['course'], body: 'Private thoughts on photosynthesis.' });
    await makeArtifact(app, maya, { title: 'Just for the link', visibility: 'unlisted', tags: ['course'], body: 'Unlisted photosynthesis notes.' });
    await makeArtifact(app, zoe, { title: 'Zoe’s class work', visibility: 'members', tags: ['course'], body: 'Photosynthesis in another class.' });
    await makeArtifact(app, theo, { title: 'Theo’s private page', visibility: 'private', body: 'Photosynthesis, privately.' });
  });

  it('finds a student’s class-visible piece by a word of its text, but never their private work', () => {
    const found = find(okafor, 'photosynthesis', { kind: 'students' });
    expect(found.map((r) => r.title)).toEqual(['Shared essay']);
    expect(found[0]!.snippet).toContain('<mark>photosynthesis</mark>');
  });

  it('does not find the class-only work of a student in no hub of theirs', () => {
    expect(titles(okafor, 'photosynthesis', { kind: 'students' })).not.toContain('Zoe’s class work');
    // The check can fail: Zoe's own teacher finds it.
    expect(titles(other, 'photosynthesis', { kind: 'students' })).toEqual(['Zoe’s class work']);
  });

  it('searches the hub river by the river’s own rule', async () => {
    expect(titles(okafor, 'photosynthesis', { kind: 'hub', hub: hub() })).toEqual(['Shared essay']);
    // A classmate in the hub sees the same; someone outside a members-only hub sees nothing of it.
    expect(titles(theo, 'photosynthesis', { kind: 'hub', hub: hub() })).toEqual(['Shared essay']);
    expect(titles(zoe, 'photosynthesis', { kind: 'hub', hub: hub() })).toEqual([]);
    expect(titles(null, 'photosynthesis', { kind: 'hub', hub: hub() })).toEqual([]);
    // The river's member filter narrows the search too.
    expect(titles(okafor, 'photosynthesis', { kind: 'hub', hub: hub(), filter: { memberId: theo.id } })).toEqual([]);
  });

  it('stops finding a piece for the teacher once its student makes it private', async () => {
    const piece = await makeArtifact(app, theo, { title: 'Changing minds', visibility: 'members', body: 'Thoughts on ostriches.' });
    expect(titles(okafor, 'ostriches', { kind: 'students' })).toEqual(['Changing minds']);
    await saveArtifact(app, { ownerId: theo.id, artifactId: piece.id, input: { title: 'Changing minds', kind: 'post', visibility: 'private', body: 'Thoughts on ostriches.' } });
    expect(titles(okafor, 'ostriches', { kind: 'students' })).toEqual([]);
    expect(titles(theo, 'ostriches')).toEqual(['Changing minds']);
    indexIsConsistent();
  });

  it('leaves out a disabled student’s work, as the My students page does', async () => {
    const leo = await makeUser(app, { handle: 'leo' });
    makeHub(app, { teacher: okafor, students: [leo] });
    await makeArtifact(app, leo, { title: 'Leo’s class piece', visibility: 'members', body: 'Armadillos roll up.' });
    expect(titles(okafor, 'armadillos', { kind: 'students' })).toEqual(['Leo’s class piece']);
    setUserDisabled(app, { handle: 'leo', disabled: true, actor: null });
    expect(titles(okafor, 'armadillos', { kind: 'students' })).toEqual([]);
  });

  it('finds the piece the rule lets through even when better matches the rule refuses come first', async () => {
    // Ten pieces with the word in the title (ranked first) are not in the hub; one with it in the text is.
    for (let i = 0; i < 10; i++) await makeArtifact(app, maya, { title: `Quokka notes ${i}`, visibility: 'members', body: 'Not for the course.' });
    await makeArtifact(app, maya, { title: 'For class', visibility: 'members', tags: ['course'], body: 'A quokka smiled.' });
    expect(find(okafor, 'quokka', { kind: 'hub', hub: hub() }, 2).map((r) => r.title)).toEqual(['For class']);
    expect(find(maya, 'quokka', own, 2)).toHaveLength(2);
  });

  it('never shows another student’s private or members work in a student’s own search', () => {
    expect(titles(theo, 'photosynthesis')).toEqual(['Theo’s private page']);
    expect(titles(maya, 'photosynthesis').sort()).toEqual(['Just for the link', 'Secret diary', 'Shared essay']);
    expect(titles(zoe, 'photosynthesis')).toEqual(['Zoe’s class work']);
  });
});

describe('deleting an account', () => {
  it.skipIf(onPostgresSuite)(`leaves none of its words in the database files, not even words edited away before${sqliteOnly('the database is not a file in the data folder')}`, async () => {
    const leaver = await makeUser(app, { handle: 'leaver' });
    const piece = await makeArtifact(app, leaver, { title: 'Goodbye', body: 'Zygomorphic orchids in the greenhouse.' });
    await saveArtifact(app, { ownerId: leaver.id, artifactId: piece.id, input: { title: 'Goodbye', kind: 'post', visibility: 'members', body: 'Flags: vexillology.' } });
    expect(titles(leaver, 'vexillology')).toEqual(['Goodbye']);
    await deleteAccount(app, { handle: 'leaver', actor: null });
    const file = app.config.databaseFile;
    const bytes = Buffer.concat([file, `${file}-wal`].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f)));
    for (const word of ['zygomorphic', 'vexillology']) expect(bytes.includes(Buffer.from(word)), word).toBe(false);
    // The check can fail: a word of someone who stays is still in the same bytes, and still found.
    expect(bytes.includes(Buffer.from('chlorophyll'))).toBe(true);
    expect(titles(maya, 'chlorophyll')).toEqual(['Lab report']);
    indexIsConsistent();
  });
});
