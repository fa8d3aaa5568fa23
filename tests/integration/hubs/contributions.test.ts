// Members' portfolio work in hubs, read live: saving, re-tagging and deleting change the hub at once; who sees
// members-only work; the artifact page's list of hubs; hiding; progress per assignment and per week.
import { eq } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import { saveArtifact } from '../../../src/commands/artifactSaver.ts';
import { deleteArtifact } from '../../../src/commands/artifactDeleter.ts';
import { hideHubEntry } from '../../../src/commands/hubItemHider.ts';
import { unhideHubEntry } from '../../../src/commands/hubItemUnhider.ts';
import { joinHubWithCode } from '../../../src/commands/hubJoiner.ts';
import { removeHubMember } from '../../../src/commands/hubMemberRemover.ts';
import { updateHub } from '../../../src/commands/hubUpdater.ts';
import { createJoinCode } from '../../../src/commands/joinCodeCreator.ts';
import { setUserDisabled } from '../../../src/commands/userDisabler.ts';
import type { AppContext } from '../../../src/server/context.ts';
import { hubHides, hubItems, hubMembers, hubSources, joinCodes, users, type Artifact, type User } from '../../../src/server/db/schema.ts';
import { hubAccess } from '../../../src/server/hubs/access.ts';
import { readRiver } from '../../../src/server/hubs/contributions.ts';
import { buildHubFeed } from '../../../src/server/hubs/feed.ts';
import { hubProgress } from '../../../src/server/hubs/progress.ts';
import { getArtifactPage } from '../../../src/server/repositories/portfolio.ts';
import { makeArtifact, makeUser } from '../../helpers/factories.ts';
import { SITE, clockedApp, makeClass, reloadHub } from './helpers.ts';

let app: AppContext;
let clock: ReturnType<typeof clockedApp>['clock'];
beforeEach(() => {
  ({ app, clock } = clockedApp());
});

const viewer = (u: User) => ({ id: u.id, role: u.role });
const titles = (hub: Parameters<typeof readRiver>[1], scope: 'public' | 'members' = 'members') =>
  readRiver(app, hub, { scope, limit: 100 }).entries.map((e) => e.title);
const version = (u: User) => app.db.select({ v: users.contentVersion }).from(users).where(eq(users.id, u.id)).get()!.v;

async function resave(owner: User, artifact: Artifact, changes: Partial<Parameters<typeof saveArtifact>[1]['input']>) {
  return (
    await saveArtifact(app, {
      ownerId: owner.id,
      artifactId: artifact.id,
      input: { title: artifact.title, kind: artifact.kind, visibility: artifact.visibility, body: artifact.body, tags: artifact.tags, ...changes },
    })
  ).artifact;
}

describe('portfolio contributions', () => {
  it('arrive on save and leave on re-tag and delete, at once', async () => {
    const { hub, students } = await makeClass(app);
    const maya = students[0]!;
    const essay = await makeArtifact(app, maya, { title: 'My essay', visibility: 'public', tags: ['ENG10'] });
    await makeArtifact(app, maya, { title: 'Not for class', visibility: 'public', tags: ['diary'] });
    expect(titles(hub)).toEqual(['My essay']);

    const edited = await resave(maya, essay, { title: 'My essay, revised' });
    expect(titles(hub)).toEqual(['My essay, revised']);

    const retagged = await resave(maya, edited, { tags: ['diary'] });
    expect(titles(hub)).toEqual([]);

    await resave(maya, retagged, { tags: [], body: 'Now tagged in the text: #Eng10' });
    expect(titles(hub)).toEqual(['My essay, revised']);

    deleteArtifact(app, { ownerId: maya.id, artifactId: essay.id });
    expect(titles(hub)).toEqual([]);
  });

  it('match the hub’s tags whatever the case and accents', async () => {
    const { hub, students } = await makeClass(app, { tags: 'café' });
    await makeArtifact(app, students[0]!, { title: 'Unaccented', visibility: 'public', tags: ['cafe'] });
    await makeArtifact(app, students[1]!, { title: 'Capitals', visibility: 'public', body: 'At the #CAFÉ today.' });
    expect(titles(hub).sort()).toEqual(['Capitals', 'Unaccented']);
  });

  it('come only from members, and never private or unlisted work', async () => {
    const { hub, students } = await makeClass(app);
    const outsider = await makeUser(app);
    await makeArtifact(app, outsider, { title: 'Outsider', visibility: 'public', tags: ['eng10'] });
    for (const visibility of ['private', 'unlisted', 'members', 'public'] as const) {
      await makeArtifact(app, students[0]!, { title: visibility, visibility, tags: ['eng10'] });
    }
    expect(titles(hub, 'members').sort()).toEqual(['members', 'public']);
    expect(titles(hub, 'public')).toEqual(['public']);
  });

  it('leave with a deleted account, external feeds included', async () => {
    const { hub, students } = await makeClass(app);
    const maya = students[0]!;
    await makeArtifact(app, maya, { title: 'Portfolio piece', visibility: 'public', tags: ['eng10'] });
    const sourceId = app.newId();
    app.db.insert(hubSources).values({ id: sourceId, hubId: hub.id, memberId: maya.id, url: 'https://maya.example/feed', urlKey: 'maya.example/feed', title: 'Maya elsewhere', nextFetchAt: app.now(), createdAt: app.now() }).run();
    app.db.insert(hubItems).values({ id: app.newId(), hubId: hub.id, sourceId, key: 'id:1', title: 'Blog post', contentHtml: '', fingerprint: 'x', sortDate: app.now(), firstSeenAt: app.now(), changedAt: app.now() }).run();
    expect(titles(hub).sort()).toEqual(['Blog post', 'Portfolio piece']);
    app.db.delete(users).where(eq(users.id, maya.id)).run();
    expect(titles(hub)).toEqual([]);
    expect(app.db.select().from(hubSources).where(eq(hubSources.id, sourceId)).all()).toEqual([]);
  });

  it('leave with a member who is removed or disabled', async () => {
    const { hub, teacher, students } = await makeClass(app);
    await makeArtifact(app, students[0]!, { title: 'First', visibility: 'public', tags: ['eng10'] });
    await makeArtifact(app, students[1]!, { title: 'Second', visibility: 'public', tags: ['eng10'] });
    removeHubMember(app, { actor: viewer(teacher), hubId: hub.id, userId: students[0]!.id });
    setUserDisabled(app, { handle: students[1]!.handle, disabled: true, actor: null });
    expect(titles(hub)).toEqual([]);
  });
});

describe('who sees members-only work', () => {
  it('public hubs never show it; members-only hubs show it to their signed-in members only', async () => {
    const open = await makeClass(app, { visibility: 'public' });
    const closed = await makeClass(app, { visibility: 'members' });
    const outsider = await makeUser(app);
    const scope = (hub: typeof open.hub, who: User | null) => hubAccess(app, who && viewer(who), hub).scope;
    expect(scope(open.hub, null)).toBe('public');
    expect(scope(open.hub, open.students[0]!)).toBe('public');
    expect(scope(open.hub, open.teacher)).toBe('public');
    expect(scope(closed.hub, null)).toBe('public');
    expect(scope(closed.hub, outsider)).toBe('public');
    expect(scope(closed.hub, closed.students[0]!)).toBe('members');
    expect(scope(closed.hub, closed.teacher)).toBe('members');
  });
});

describe('the artifact page names the hubs it is in', () => {
  it('public hubs for everyone, members-only hubs for their members, never when hidden or re-tagged', async () => {
    const open = await makeClass(app, { visibility: 'public', title: 'Open class', tags: 'eng10' });
    const closed = await makeClass(app, { visibility: 'members', title: 'Closed class', tags: 'eng10' }, 0);
    const maya = open.students[0]!;
    app.db.insert(hubMembers).values({ hubId: closed.hub.id, userId: maya.id, role: 'student', joinedAt: app.now(), enrolment: 'admin' }).run();
    const owner = app.db.select().from(users).where(eq(users.id, maya.id)).get()!;
    const essay = await makeArtifact(app, maya, { title: 'Essay', slug: 'essay', visibility: 'public', tags: ['eng10'] });
    const note = await makeArtifact(app, maya, { title: 'Note', slug: 'note', visibility: 'members', tags: ['eng10'] });
    const places = (who: User | null, slug: string) => getArtifactPage(app, who && viewer(who), owner, slug).syndications.map((s) => `${s.name} ${s.url}`);

    // Each points at the hub's own page for the piece (its copy in the hub), not the hub's home page.
    expect(places(null, 'essay')).toEqual([`Open class ${SITE}/hubs/${open.hub.slug}/items/${essay.id}`]);
    expect(places(maya, 'essay')).toEqual([`Closed class ${SITE}/hubs/${closed.hub.slug}/items/${essay.id}`, `Open class ${SITE}/hubs/${open.hub.slug}/items/${essay.id}`]);
    // Members-only work is in the members-only hub alone; the public hub never shows it.
    expect(places(maya, 'note')).toEqual([`Closed class ${SITE}/hubs/${closed.hub.slug}/items/${note.id}`]);
    expect(places(open.teacher, 'note')).toEqual([]);

    const before = version(maya);
    hideHubEntry(app, { actor: viewer(open.teacher), hubId: open.hub.id, target: { artifactId: essay.id }, reason: 'Off topic' });
    expect(places(null, 'essay')).toEqual([]);
    expect(version(maya)).toBeGreaterThan(before);
    await resave(maya, note, { tags: ['diary'] });
    expect(places(maya, 'note')).toEqual([]);
  });

  it('changes when the hub changes, and marks the portfolio changed so cached pages are not stale', async () => {
    const { hub, teacher, students } = await makeClass(app, { visibility: 'public' });
    const maya = students[0]!;
    const essay = await makeArtifact(app, maya, { title: 'Essay', slug: 'essay', visibility: 'public', tags: ['eng10'] });
    const owner = app.db.select().from(users).where(eq(users.id, maya.id)).get()!;
    const before = version(maya);
    updateHub(app, { actor: viewer(teacher), hubId: hub.id, input: { slug: 'renamed', title: 'Renamed class', tags: 'eng10', visibility: 'public' } });
    expect(version(maya)).toBeGreaterThan(before);
    expect(getArtifactPage(app, null, owner, 'essay').syndications).toEqual([{ url: `${SITE}/hubs/renamed/items/${essay.id}`, name: 'Renamed class' }]);
  });
});

describe('hiding', () => {
  it('takes an entry out of the river and feed only, with a reason, until it is unhidden', async () => {
    const { hub, teacher, students } = await makeClass(app, { visibility: 'public' });
    const essay = await makeArtifact(app, students[0]!, { title: 'Essay', visibility: 'public', tags: ['eng10'] });
    const hide = hideHubEntry(app, { actor: viewer(teacher), hubId: hub.id, target: { artifactId: essay.id }, reason: 'Shares a phone number' });
    expect(titles(hub)).toEqual([]);
    expect(buildHubFeed(app, reloadHub(app, hub.id)).items).toEqual([]);
    const marked = readRiver(app, hub, { scope: 'members', includeHidden: true }).entries[0]!;
    expect(marked.hidden?.reason).toBe('Shares a phone number');
    // The student's work is untouched.
    expect((await makeArtifact(app, students[0]!, { title: 'Other' })).id).not.toBe(essay.id);
    expect(() => hideHubEntry(app, { actor: viewer(teacher), hubId: hub.id, target: { artifactId: essay.id }, reason: 'again' })).toThrow(/already hidden/);
    unhideHubEntry(app, { actor: viewer(teacher), hubId: hub.id, hideId: hide.id });
    expect(titles(hub)).toEqual(['Essay']);
  });

  it('is for the hub’s teachers only, needs a reason, and only for entries of the hub', async () => {
    const { hub, teacher, students } = await makeClass(app);
    const other = await makeClass(app);
    const essay = await makeArtifact(app, students[0]!, { title: 'Essay', visibility: 'public', tags: ['eng10'] });
    const diary = await makeArtifact(app, students[0]!, { title: 'Diary', visibility: 'public', tags: ['diary'] });
    expect(() => hideHubEntry(app, { actor: viewer(students[1]!), hubId: hub.id, target: { artifactId: essay.id }, reason: 'mean' })).toThrow(/Only the teachers/);
    expect(() => hideHubEntry(app, { actor: viewer(other.teacher), hubId: hub.id, target: { artifactId: essay.id }, reason: 'x' })).toThrow(/not found/);
    expect(() => hideHubEntry(app, { actor: viewer(teacher), hubId: hub.id, target: { artifactId: essay.id }, reason: '  ' })).toThrow(/Say why/);
    expect(() => hideHubEntry(app, { actor: viewer(teacher), hubId: hub.id, target: { artifactId: diary.id }, reason: 'x' })).toThrow(/not found/);
  });

  it('cannot reach a piece the hider may not read: a private one with the hub’s tag answers the same 404 and keeps no title', async () => {
    const { hub, teacher, students } = await makeClass(app);
    const secret = await makeArtifact(app, students[0]!, { title: 'Private thoughts', visibility: 'private', tags: ['eng10'] });
    expect(() => hideHubEntry(app, { actor: viewer(teacher), hubId: hub.id, target: { artifactId: secret.id }, reason: 'x' })).toThrow(/not found/);
    const admin = await makeUser(app, { role: 'admin' });
    expect(() => hideHubEntry(app, { actor: viewer(admin), hubId: hub.id, target: { artifactId: secret.id }, reason: 'x' })).toThrow(/not found/);
    expect(app.db.select().from(hubHides).all().filter((h) => h.title === 'Private thoughts')).toEqual([]);
  });
});

describe('progress', () => {
  it('shows per assignment who contributed, on time or late, and who has not; and counts per week', async () => {
    const { hub, teacher, students } = await makeClass(app, { termStart: '2025-09-01', termEnd: '2025-09-21' }, 3);
    const [maya, theo, priya] = students as [User, User, User];
    updateHub(app, {
      actor: viewer(teacher),
      hubId: hub.id,
      input: { slug: hub.slug, title: hub.title, tags: 'eng10', termStart: '2025-09-01', termEnd: '2025-09-21', assignments: [{ title: 'Personal essay', tag: 'essay', dueAt: '2025-09-10' }] },
    });
    clock.set('2025-10-01T00:00:00Z');
    await makeArtifact(app, maya, { title: 'On time', visibility: 'members', tags: ['eng10', 'Essay'], date: new Date('2025-09-10T20:00:00Z') });
    await makeArtifact(app, theo, { title: 'Late', visibility: 'public', tags: ['eng10', 'essay'], date: new Date('2025-09-12T08:00:00Z') });
    await makeArtifact(app, theo, { title: 'Week one', visibility: 'public', tags: ['eng10'], date: new Date('2025-09-02T08:00:00Z') });
    await makeArtifact(app, priya, { title: 'Wrong tag only', visibility: 'public', tags: ['essay'], date: new Date('2025-09-05T08:00:00Z') });

    const { assignments, chart } = hubProgress(app, reloadHub(app, hub.id), 'teacher');
    const essay = assignments[0]!;
    expect(essay.done.map((r) => [r.person.handle, r.late, r.contributions.map((c) => c.title)])).toEqual(
      expect.arrayContaining([
        [maya.handle, false, ['On time']],
        [theo.handle, true, ['Late']],
      ]),
    );
    expect(essay.missing.map((p) => p.handle)).toEqual([priya.handle]);
    expect(chart.weeks.map((w) => w.label)).toEqual(['2025-09-01', '2025-09-08', '2025-09-15']);
    const counts = Object.fromEntries(chart.rows.map((r) => [r.person.handle, r.counts]));
    expect(counts[maya.handle]).toEqual([0, 1, 0]);
    expect(counts[theo.handle]).toEqual([1, 1, 0]);
    expect(counts[priya.handle]).toEqual([0, 0, 0]);
  });
});

describe('joining with a code', () => {
  it('lets someone with an account join the code’s hub, counting a use', async () => {
    const { hub, teacher } = await makeClass(app, {}, 0);
    const late = await makeUser(app);
    const code = createJoinCode(app, { role: 'student', createdBy: teacher.id, hubId: hub.id, maxUses: 1 });
    const joined = joinHubWithCode(app, { userId: late.id, code: code.code.toLowerCase() });
    expect(joined).toMatchObject({ role: 'student', hub: { id: hub.id } });
    expect(app.db.select().from(joinCodes).where(eq(joinCodes.code, code.code)).get()!.uses).toBe(1);
    const another = await makeUser(app);
    expect(() => joinHubWithCode(app, { userId: another.id, code: code.code })).toThrow(/used as many times/);
    expect(() => joinHubWithCode(app, { userId: late.id, code: 'ZZZZ-ZZZZ-ZZZZ' })).toThrow(/does not exist/);
    const signupOnly = createJoinCode(app, { role: 'student', createdBy: null });
    expect(() => joinHubWithCode(app, { userId: another.id, code: signupOnly.code })).toThrow(/not for a course hub/);
  });
});
