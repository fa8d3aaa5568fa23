// The route × role table (issue #11): every route file in src/pages, read from the folder at test time, requested
// as each kind of person, must answer what routeTable.ts declares. A new route without an entry fails here. Then
// every route is POSTed to by someone not signed in and by a student with no business there, with fields that
// would do harm if they were obeyed, and nothing of anyone else's may change.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveShowcase } from '../../../src/commands/showcaseSaver.ts';
import { createHub } from '../../../src/commands/hubCreator.ts';
import { joinHubWithCode } from '../../../src/commands/hubJoiner.ts';
import { addHubMember } from '../../../src/commands/hubMemberAdder.ts';
import { createJoinCode } from '../../../src/commands/joinCodeCreator.ts';
import { uploadMedia } from '../../../src/commands/mediaUploader.ts';
import { artifacts, hubHides, hubItems, hubMembers, hubSources, hubs, jobs, joinCodes, media, settings, showcases, users, type User } from '../../../src/server/db/schema.ts';
import { PUBLISH_JOB } from '../../../src/server/github/publishJobs.ts';
import { ARCHIVE_JOB, ARCHIVE_KEEP_MS, archiveJobFile } from '../../../src/commands/archiveExportJobs.ts';
import { thumbnailsDir } from '../../../src/server/hubs/thumbnails.ts';
import sharp from 'sharp';
import { picture } from '../../fixtures/media/generate.ts';
import { makeArtifact, makeUser, signedIn } from '../../helpers/factories.ts';
import { Browser } from '../../helpers/http.ts';
import { startServer, type TestServer } from '../../helpers/server.ts';
import { PEOPLE, ROUTES, type Ids, type Person } from './routeTable.ts';

const THUMBNAIL_IMAGE = 'https://maya.example/picture.jpg';
const THUMBNAIL_FILE = `${'a'.repeat(40)}.webp`;
const PAGES = path.resolve(import.meta.dirname, '../../../src/pages');

/** Every route file under src/pages, as a path relative to it ('hubs/[slug]/index.astro'). */
function routeFiles(dir = PAGES): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return routeFiles(full);
    return /\.(astro|ts|md|mdx|js)$/.test(entry.name) && !entry.name.startsWith('_') ? [path.relative(PAGES, full).split(path.sep).join('/')] : [];
  });
}

let server: TestServer;
let ids: Ids;
let people: Record<Exclude<Person, 'anonymous'>, User>;
const browsers = new Map<Person, Browser>();

beforeAll(async () => {
  server = await startServer();
  const app = server.app;
  const maya = await makeUser(app, { handle: 'maya', name: 'Maya L' });
  people = {
    owner: maya,
    otherStudent: await makeUser(app, { handle: 'priya', name: 'Priya S' }),
    hubMate: await makeUser(app, { handle: 'theo', name: 'Theo K' }),
    teacherOf: await makeUser(app, { handle: 'ms-okafor', role: 'teacher', name: 'Ms Okafor' }),
    teacherNotOf: await makeUser(app, { handle: 'mr-intruder', role: 'teacher', name: 'Mr Intruder' }),
    admin: await makeUser(app, { handle: 'school-admin', role: 'admin', name: 'School Admin' }),
    // There is no guardian role yet: a signed-in account in no hub and related to nobody.
    guardianToBe: await makeUser(app, { handle: 'guardian-to-be', name: 'A parent' }),
  };
  const english = createHub(app, {
    actor: { id: people.teacherOf.id, role: 'teacher' },
    input: { slug: 'english-10', title: 'English 10', tags: 'eng10', visibility: 'members' },
  });
  const code = createJoinCode(app, { role: 'student', createdBy: people.teacherOf.id, hubId: english.id });
  for (const s of [maya, people.hubMate]) joinHubWithCode(app, { userId: s.id, code: code.code });
  // The teacher not of Maya has a hub of their own with another student in it, and only invited Maya.
  const other = createHub(app, {
    actor: { id: people.teacherNotOf.id, role: 'teacher' },
    input: { slug: 'lighthouse-club', title: 'Lighthouse club', tags: 'eng10', visibility: 'members' },
  });
  const otherCode = createJoinCode(app, { role: 'student', createdBy: people.teacherNotOf.id, hubId: other.id });
  joinHubWithCode(app, { userId: people.otherStudent.id, code: otherCode.code });
  addHubMember(app, { actor: { id: people.teacherNotOf.id, role: 'teacher' }, hubId: other.id, handle: 'maya' });

  const drawing = await uploadMedia(app, { ownerId: maya.id, file: { name: 'drawing.jpg', bytes: await picture(40, 30) }, alt: 'A drawing' });
  const piece = await makeArtifact(app, maya, {
    title: 'Class reflection',
    slug: 'class-reflection',
    visibility: 'members',
    tags: ['eng10'],
    body: `Shared with the class. ![A drawing](media:${drawing.id})`,
  });
  await makeArtifact(app, maya, { title: 'Public essay', slug: 'public-essay', visibility: 'public', tags: ['eng10'] });
  const showcase = await saveShowcase(app, { ownerId: maya.id, input: { title: 'Best of', intro: 'Mine.', visibility: 'members', items: [piece.id], slug: 'best-of' } });
  const now = app.now();
  const jobId = app.newId();
  app.db.insert(jobs).values({ id: jobId, userId: maya.id, kind: PUBLISH_JOB, status: 'failed', error: 'GitHub said no.', createdAt: now, updatedAt: now }).run();
  const archiveJobId = app.newId();
  const keptUntil = new Date(now.getTime() + ARCHIVE_KEEP_MS).toISOString();
  app.db
    .insert(jobs)
    .values({ id: archiveJobId, userId: maya.id, kind: ARCHIVE_JOB, status: 'succeeded', result: { handle: 'maya', fileName: 'maya-potluck-archive.zip', bytes: 4, entries: 0, warnings: [], keptUntil }, createdAt: now, updatedAt: now })
    .run();
  const archiveFile = archiveJobFile(app, { id: archiveJobId, userId: maya.id });
  fs.mkdirSync(path.dirname(archiveFile), { recursive: true, mode: 0o700 });
  fs.writeFileSync(archiveFile, 'PK\x05\x06', { mode: 0o600 });
  const sourceId = app.newId();
  app.db
    .insert(hubSources)
    .values({ id: sourceId, hubId: english.id, memberId: maya.id, url: 'https://maya.example/feed.xml', urlKey: 'maya.example/feed.xml', nextFetchAt: now, createdAt: now })
    .run();
  const itemId = app.newId();
  app.db
    .insert(hubItems)
    .values({ id: itemId, hubId: english.id, sourceId, key: 'k1', title: 'Elsewhere', contentHtml: '<p>x</p>', sortDate: now, fingerprint: 'f', firstSeenAt: now, changedAt: now, image: THUMBNAIL_IMAGE, thumbnail: { image: THUMBNAIL_IMAGE, file: THUMBNAIL_FILE, width: 40, height: 30 } })
    .run();
  // The item's picture as the poller stores it, so the thumbnail route answers with the hub's own access rule.
  fs.mkdirSync(thumbnailsDir(app.config), { recursive: true, mode: 0o700 });
  fs.writeFileSync(path.join(thumbnailsDir(app.config), THUMBNAIL_FILE), await sharp(await picture(40, 30)).webp().toBuffer(), { mode: 0o600 });
  ids = {
    handle: 'maya',
    classSlug: piece.slug,
    year: piece.date.getUTCFullYear(),
    tag: 'eng10',
    showcaseSlug: showcase.slug,
    showcaseId: showcase.id,
    hubSlug: english.slug,
    hubItemId: itemId,
    mediaId: drawing.id,
    artifactId: piece.id,
    jobId,
    archiveJobId,
    targetUserId: people.guardianToBe.id,
  };
  browsers.set('anonymous', new Browser(server.url));
  for (const [who, user] of Object.entries(people)) browsers.set(who as Person, signedIn(server.url, app, user));
}, 120_000);

afterAll(() => server?.stop());

describe('the route × role table', () => {
  it('has an entry for every route file in src/pages, and no entry for a route that is gone', () => {
    const files = routeFiles().sort();
    expect(files.length).toBeGreaterThan(40);
    expect(files.filter((f) => !(f in ROUTES)), 'routes without an entry in routeTable.ts').toEqual([]);
    expect(Object.keys(ROUTES).filter((f) => !files.includes(f)), 'entries for routes that no longer exist').toEqual([]);
  });

  it('answers every GET as declared, for each kind of person', async () => {
    const wrong: string[] = [];
    for (const [file, entry] of Object.entries(ROUTES)) {
      const url = entry.path(ids);
      const answers = await Promise.all(
        PEOPLE.map(async (who) => {
          const res = await browsers.get(who)!.get(url);
          await res.arrayBuffer();
          return { who, status: res.status, location: res.headers.get('location') ?? '' };
        }),
      );
      for (const { who, status, location } of answers) {
        const expected = entry.expect[who];
        if (status !== expected) wrong.push(`${file} (${url}) as ${who}: ${status}, declared ${expected}`);
        // A 303 for someone not signed in goes to sign-in and back; others go where the entry says.
        if (status === 303 && expected === 303) {
          const target = who === 'anonymous' && !entry.redirect ? '/signin' : (entry.redirect ?? '');
          if (!location.includes(target)) wrong.push(`${file} as ${who}: 303 to ${location}, declared ${target}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  }, 120_000);

  it('never lets a POST from someone signed out, or from a student with no business there, change what is not theirs', async () => {
    const app = server.app;
    const priya = people.otherStudent.id;
    // Everything that is not the posting student's own: if any of it changes, a POST did what it must not.
    const snapshot = () =>
      JSON.stringify({
        artifacts: app.db.select({ id: artifacts.id, ownerId: artifacts.ownerId, title: artifacts.title, visibility: artifacts.visibility, revision: artifacts.revision }).from(artifacts).all().filter((a) => a.ownerId !== priya),
        showcases: app.db.select().from(showcases).all().filter((s) => s.ownerId !== priya),
        media: app.db.select({ id: media.id, ownerId: media.ownerId, alt: media.alt }).from(media).all().filter((m) => m.ownerId !== priya),
        users: app.db.select({ id: users.id, role: users.role, disabledAt: users.disabledAt, passwordHash: users.passwordHash, consent: users.publicConsentAt, name: users.name }).from(users).all().filter((u) => u.id !== priya),
        hubs: app.db.select().from(hubs).all(),
        members: app.db.select().from(hubMembers).all(),
        sources: app.db.select({ id: hubSources.id, url: hubSources.url }).from(hubSources).all(),
        hides: app.db.select().from(hubHides).all(),
        codes: app.db.select({ code: joinCodes.code, revokedAt: joinCodes.revokedAt, uses: joinCodes.uses }).from(joinCodes).all(),
        settings: app.db.select().from(settings).all(),
      });
    const before = snapshot();
    // Fields that name Maya's things and the class hub, with the intents pages act on.
    const hostile = {
      confirm: ids.hubSlug,
      confirmHandle: 'maya',
      handle: 'maya',
      userId: people.owner.id,
      hubId: app.db.select().from(hubs).all().find((h) => h.slug === ids.hubSlug)!.id,
      id: ids.artifactId,
      artifactId: ids.artifactId,
      showcaseId: ids.showcaseId,
      mediaId: ids.mediaId,
      kind: 'artifact',
      reason: 'hidden by someone else',
      title: 'Hacked',
      body: 'Hacked',
      visibility: 'private',
      role: 'teacher',
      defaultVisibility: 'public',
      publicRequiresConsent: 'on',
      agree: 'on',
      url: 'https://attacker.example/feed.xml',
      password: 'password-maya',
      code: 'ABCD-EFGH-JKMN',
    };
    const refusedStatuses = new Set<number>();
    for (const entry of Object.values(ROUTES)) {
      const url = entry.path(ids);
      for (const who of ['anonymous', 'otherStudent'] as const) {
        for (const intent of ['delete', 'remove', 'add', 'hide', 'accept', 'save', 'give']) {
          const res = await browsers.get(who)!.postForm(url, { ...hostile, intent });
          await res.arrayBuffer();
          refusedStatuses.add(res.status);
        }
      }
    }
    expect(snapshot()).toBe(before);
    // They reached the routes' own gates: sign-in for the signed-out, the 404 of someone else's thing for the student.
    expect(refusedStatuses).toContain(303);
    expect(refusedStatuses).toContain(404);
    // The POSTs were answered (refused or shown a form again), never with a server error.
    expect([...refusedStatuses].filter((s) => s >= 500)).toEqual([]);
  }, 300_000);
});
