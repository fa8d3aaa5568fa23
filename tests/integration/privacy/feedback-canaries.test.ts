/**
 * Feedback is private by construction. Three students of two hubs each have public, members-only, unlisted and
 * private work with a feedback thread on every piece (their teacher, their own reply, a classmate's review), each
 * message carrying a canary word of that student; teachers hid pieces with reasons carrying it too. Then everything
 * anyone else can reach is read, and no canary may be in it: every public page of the portfolios and hubs (followed
 * link by link), the feeds per portfolio, per tag and per hub, the sitemap, robots.txt, members.opml, the static
 * export, the archive's site/, the GitHub Pages tree, search as another student and as a teacher of another hub,
 * and the hub pages another hub's teacher sees. The owner's archive has them, in feedback/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportArchive } from '../../../src/commands/archiveExporter.ts';
import { hideHubEntry } from '../../../src/commands/hubItemHider.ts';
import { savePublishTarget } from '../../../src/commands/publishTargetSaver.ts';
import { publishSite } from '../../../src/commands/sitePublisher.ts';
import { exportSite } from '../../../src/commands/siteExporter.ts';
import { parseSearchQuery } from '../../../src/core/search.ts';
import { hubs, type Artifact, type Hub, type User } from '../../../src/server/db/schema.ts';
import { searchArtifacts, type SearchScope } from '../../../src/server/repositories/search.ts';
import { makeArtifact, makeHub, makeUser, signedIn } from '../../helpers/factories.ts';
import { Browser } from '../../helpers/http.ts';
import { ONE_LOOK, startWorld, type World } from '../github/world.ts';
import { crawl, whereFound, type Crawled } from './crawl.ts';
import { addFeedback } from './feedbackRows.ts';

const VISIBILITIES = ['public', 'members', 'unlisted', 'private'] as const;
const STUDENTS = ['maya', 'noor', 'sam'] as const;
type Student = (typeof STUDENTS)[number];
/** One word per student (so search can look for it), in every message on their work and every reason for a hide. */
const CANARY: Record<Student, string> = { maya: 'fbcanarymayaq7w', noor: 'fbcanarynoorq7w', sam: 'fbcanarysamq7w' };
const ALL = Object.values(CANARY);
/**
 * What the search forms are asked: a canary without its last letter. Search matches words by prefix, so it would
 * find a canary that had been indexed, and the page repeating the question does not repeat the canary itself.
 */
const ASK: Record<Student, string> = { maya: CANARY.maya.slice(0, -1), noor: CANARY.noor.slice(0, -1), sam: CANARY.sam.slice(0, -1) };
/** A word of a public piece's own text: every reader below must find it, so a clean result means something. */
const CONTROL = 'ctrlwordpublicz9';
const TOKEN = 'github_pat_11CANARY0000000000_canarytestcanarytestcanarytest';

let world: World;
const people = {} as Record<Student | 'lee' | 'bell' | 'rex', User>;
const work = {} as Record<Student, Record<(typeof VISIBILITIES)[number], Artifact>>;
let hubA: Hub;
let hubB: Hub;

/** Text files under a folder (pictures skipped), path -> text. */
function textFiles(dir: string, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }) as string[]) {
    const full = path.join(dir, name);
    if (!fs.statSync(full).isFile()) continue;
    const rel = `${prefix}${name.split(path.sep).join('/')}`;
    out.set(rel, /\.(webp|png|jpe?g|gif|avif|pdf|woff2?)$/i.test(name) ? '' : fs.readFileSync(full, 'utf8'));
  }
  return out;
}

function leaks(files: Map<string, string>, needles: string[]): string[] {
  return [...files].flatMap(([file, text]) => needles.filter((n) => text.includes(n) || file.includes(n)).map((n) => `${file}: ${n}`));
}

beforeAll(async () => {
  world = await startWorld();
  const app = world.app;
  people.lee = await makeUser(app, { handle: 'mrs-lee', name: 'Ms Lee', role: 'teacher' });
  people.bell = await makeUser(app, { handle: 'mr-bell', name: 'Mr Bell', role: 'teacher' });
  people.rex = await makeUser(app, { handle: 'rex', name: 'Rex Reviewer' });
  for (const s of STUDENTS) people[s] = await makeUser(app, { handle: s, name: `${s[0].toUpperCase()}${s.slice(1)} Student` });
  const a = makeHub(app, { teacher: people.lee, students: [people.maya, people.noor, people.rex], slug: 'english-a' });
  const b = makeHub(app, { teacher: people.bell, students: [people.sam], slug: 'history-b' });
  // Hub A's river is public; hub B's is for its members.
  app.db.update(hubs).set({ visibility: 'public' }).where(eq(hubs.id, a)).run();
  hubA = app.db.select().from(hubs).where(eq(hubs.id, a)).get()!;
  hubB = app.db.select().from(hubs).where(eq(hubs.id, b)).get()!;

  for (const s of STUDENTS) {
    const teacher = s === 'sam' ? people.bell : people.lee;
    const hubId = s === 'sam' ? hubB.id : hubA.id;
    work[s] = {} as (typeof work)[Student];
    for (const visibility of VISIBILITIES) {
      const piece = await makeArtifact(app, people[s], {
        title: `${s} ${visibility} piece`,
        slug: `${s}-${visibility}`,
        visibility,
        tags: ['course', `${s}-topic`],
        body: `Work of ${s} (${visibility}) about marmosets. #course #${s}-topic${visibility === 'public' ? ` ${CONTROL}` : ''}`,
      });
      work[s][visibility] = piece;
      const c = CANARY[s];
      addFeedback(app, { artifact: piece, author: teacher, hubId, body: `Teacher note ${c} on the ${visibility} piece: see [this](https://example.org/${c}).` });
      addFeedback(app, { artifact: piece, author: people[s], body: `My reply ${c}, about **${visibility}**.` });
      addFeedback(app, { artifact: piece, author: people.rex, role: 'reviewer', body: `A classmate's review ${c}.` });
    }
  }
  // Hidden, with reasons that only the teacher and the student may read.
  hideHubEntry(app, { actor: people.lee, hubId: hubA.id, target: { artifactId: work.maya.public.id }, reason: `Off topic ${CANARY.maya} (hide)` });
  hideHubEntry(app, { actor: people.lee, hubId: hubA.id, target: { artifactId: work.noor.members.id }, reason: `Please revise ${CANARY.noor} (hide)` });
  hideHubEntry(app, { actor: people.bell, hubId: hubB.id, target: { artifactId: work.sam.public.id }, reason: `Wrong week ${CANARY.sam} (hide)` });
}, 180_000);

afterAll(async () => {
  await world?.stop();
});

/** Where a crawl starts: every portfolio, piece, tag, feed and hub page, also those the crawler may not read. */
function starts(): string[] {
  const list = ['/', '/robots.txt', '/sitemap.xml', '/hubs', '/hubs/', '/notifications', '/family'];
  for (const s of STUDENTS) {
    list.push(`/@${s}/`, `/@${s}/feed.xml`, `/@${s}/feed.json`, `/@${s}/tags/`, `/@${s}/archive/`, `/@${s}/showcases/`);
    for (const tag of ['course', `${s}-topic`]) list.push(`/@${s}/tags/${tag}/`, `/@${s}/tags/${tag}/feed.xml`, `/@${s}/tags/${tag}/feed.json`);
    for (const v of VISIBILITIES) {
      const id = work[s][v].id;
      // The thread's own address too: whoever may not read it gets no page, and so no word of it.
      list.push(`/@${s}/${s}-${v}/`, `/workspace/artifacts/${id}`, `/workspace/artifacts/${id}/revisions`, `/workspace/artifacts/${id}/feedback`);
    }
  }
  for (const hub of [hubA, hubB]) {
    for (const page of ['', 'feed.xml', 'feed.json', 'members.opml', 'members', 'progress', 'hidden', 'sources', 'settings']) list.push(`/hubs/${hub.slug}/${page}`);
    for (const s of STUDENTS) for (const v of VISIBILITIES) list.push(`/hubs/${hub.slug}/items/${work[s][v].id}`);
  }
  return [...new Set(list)];
}

function expectClean(crawled: Crawled, needles: string[], who: string) {
  expect(whereFound(crawled, needles), `${who} read feedback or a hide reason that is not theirs`).toEqual([]);
}

describe('what the public can read', () => {
  let crawled: Crawled;
  beforeAll(async () => {
    crawled = await crawl(new Browser(world.server.url), starts());
  }, 180_000);

  it('reaches every public page, feed, sitemap, robots.txt and members.opml (the crawl is real)', () => {
    const ok = (p: string) => crawled.pages.get(p)?.status;
    for (const s of STUDENTS) {
      expect(ok(`/@${s}/${s}-public/`), s).toBe(200);
      expect(ok(`/@${s}/${s}-unlisted/`), s).toBe(200);
      expect(ok(`/@${s}/feed.xml`)).toBe(200);
      expect(ok(`/@${s}/tags/course/feed.json`)).toBe(200);
      expect(crawled.pages.get(`/@${s}/${s}-public/`)!.text).toContain('about marmosets');
    }
    for (const p of ['/sitemap.xml', '/robots.txt', `/hubs/${hubA.slug}/`, `/hubs/${hubA.slug}/feed.xml`, `/hubs/${hubA.slug}/feed.json`, `/hubs/${hubA.slug}/members.opml`]) {
      expect(ok(p), p).toBe(200);
    }
    expect(crawled.pages.get(`/hubs/${hubA.slug}/`)!.text).toContain('noor public piece');
    expect(crawled.pages.size).toBeGreaterThan(100);
    // The crawl sees what is in the public pieces, feeds included.
    const control = whereFound(crawled, [CONTROL]);
    expect(control.some((hit) => hit.startsWith('/@noor/noor-public/'))).toBe(true);
    expect(control.some((hit) => hit.startsWith('/@noor/feed.json'))).toBe(true);
    expect(control.some((hit) => hit.startsWith(`/hubs/${hubA.slug}/feed.xml`))).toBe(true);
  });

  it('holds no canary anywhere', () => {
    expectClean(crawled, ALL, 'a visitor');
  });
});

describe('what other people who are signed in can read', () => {
  it('a hub-mate who reads the student’s class-only work reads none of its feedback, nor the hide reasons', async () => {
    const noor = signedIn(world.server.url, world.app, people.noor);
    const crawled = await crawl(noor, [...starts(), '/workspace', '/workspace/hubs', '/workspace/students', '/account', `/hubs/${hubA.slug}/?q=${ASK.maya}`, `/workspace?q=${ASK.maya}`]);
    expect(crawled.pages.get(`/@maya/maya-members/`)?.status).toBe(200);
    expect(crawled.pages.get(`/@maya/maya-members/`)?.text).toContain('about marmosets');
    expectClean(crawled, [CANARY.maya, CANARY.sam], '@noor');
  }, 180_000);

  it('a student of another hub reads none of it', async () => {
    const sam = signedIn(world.server.url, world.app, people.sam);
    const crawled = await crawl(sam, [...starts(), '/workspace', '/workspace/hubs', `/hubs/${hubA.slug}/?q=${ASK.maya}`]);
    expect(crawled.pages.get(`/@maya/maya-public/`)?.status).toBe(200);
    expectClean(crawled, [CANARY.maya, CANARY.noor], '@sam');
  }, 180_000);

  it('a teacher of another hub reads none of it: not on the hub’s pages, not in their students page or search', async () => {
    const bell = signedIn(world.server.url, world.app, people.bell);
    const crawled = await crawl(bell, [
      ...starts(),
      '/workspace',
      '/workspace/students',
      `/workspace/students?q=${ASK.maya}`,
      `/workspace/students?q=${ASK.noor}`,
      `/hubs/${hubA.slug}/?q=${ASK.maya}`,
      `/hubs/${hubA.slug}/?q=${ASK.noor}`,
    ]);
    // They do read their own student's class-only work, and hub A's public river.
    expect(crawled.pages.get(`/@sam/sam-members/`)?.status).toBe(200);
    expect(crawled.pages.get(`/hubs/${hubA.slug}/`)?.status).toBe(200);
    expectClean(crawled, [CANARY.maya, CANARY.noor], 'Mr Bell');
  }, 180_000);
});

describe('search', () => {
  const scopes = (): SearchScope[] => [{ kind: 'own' }, { kind: 'students' }, { kind: 'hub', hub: hubA }, { kind: 'hub', hub: hubB }];

  it('finds work by its words (so that the searches below could find something)', () => {
    // By a whole word and by its beginning, as the canaries are asked for below.
    for (const word of ['marmosets', 'marmos']) {
      const found = searchArtifacts(world.app, people.noor, parseSearchQuery(word), { kind: 'hub', hub: hubA });
      expect(found.map((r) => r.slug)).toContain('noor-public');
      const taught = searchArtifacts(world.app, people.bell, parseSearchQuery(word), { kind: 'students' });
      expect(taught.map((r) => r.slug)).toContain('sam-members');
    }
  });

  it('finds nothing by a word of someone else’s feedback or hide reason, for another student or another hub’s teacher', () => {
    const viewers: [User, string[]][] = [
      [people.noor, [CANARY.maya, CANARY.sam]],
      [people.sam, [CANARY.maya, CANARY.noor]],
      [people.rex, [CANARY.sam]],
      [people.bell, [CANARY.maya, CANARY.noor]],
    ];
    for (const [viewer, words] of viewers) {
      for (const word of words.flatMap((w) => [w, w.slice(0, -1)])) {
        for (const scope of scopes()) {
          const results = searchArtifacts(world.app, viewer, parseSearchQuery(word), scope);
          expect(results, `@${viewer.handle} searching ${scope.kind} for ${word}`).toEqual([]);
        }
      }
    }
  });
});

describe('what the student publishes', () => {
  it('the static export holds no feedback', async () => {
    const out = path.join(world.work, 'maya-site');
    await exportSite(world.app, { handle: 'maya', out: { kind: 'dir', path: out }, renderer: world.renderer });
    const files = textFiles(out);
    expect(files.has('maya-public/index.html')).toBe(true);
    expect(leaks(files, [CONTROL]).length).toBeGreaterThan(0);
    expect(leaks(files, ALL)).toEqual([]);
  }, 120_000);

  it('the GitHub Pages tree holds no feedback, and no blob sent to GitHub does', async () => {
    world.gh.addToken(TOKEN, { login: 'maya-gh', permissions: { contents: 'write', pages: 'write', administration: 'write' }, repositories: 'all' });
    world.gh.addRepo('maya-gh', 'portfolio', { files: { 'README.md': '# My portfolio\n' } });
    const saved = await savePublishTarget(world.app, { userId: people.maya.id, token: TOKEN, check: true, input: { owner: 'maya-gh', repo: 'portfolio', canonical: false } });
    const result = await publishSite(world.app, { userId: people.maya.id, targetId: saved.target.id, token: TOKEN, renderer: world.renderer, pagesBuild: ONE_LOOK });
    expect(result.committed).toBe(true);
    const tree = world.gh.files('maya-gh', 'portfolio', 'gh-pages');
    expect(tree.has('maya-public/index.html')).toBe(true);
    expect(tree.get('maya-public/index.html')!.toString('utf8')).toContain(CONTROL);
    const texts = new Map([...tree].map(([p, bytes]) => [p, /\.(webp|png|jpe?g|gif|avif|pdf)$/i.test(p) ? '' : bytes.toString('utf8')]));
    expect(leaks(texts, ALL)).toEqual([]);
    const sent = world.gh.requests.map((r) => JSON.stringify(r.body ?? '') + (r.body?.content ? Buffer.from(r.body.content, 'base64').toString('utf8') : ''));
    expect(sent.filter((body) => ALL.some((c) => body.includes(c)))).toEqual([]);
  }, 120_000);

  it('the archive has the owner’s feedback in feedback/ and README.html, and none in site/, feed.json or hubs.json', async () => {
    const out = path.join(world.work, 'maya-archive');
    const result = await exportArchive(world.app, { handle: 'maya', out: { kind: 'dir', path: out }, site: { renderer: world.renderer } });
    expect(result.site?.pages).toBeGreaterThan(3);
    const files = textFiles(out);
    // Every thread, of every visibility, is in the owner's archive.
    for (const v of VISIBILITIES) {
      const thread = files.get(`feedback/maya-${v}.md`);
      expect(thread, v).toBeDefined();
      expect(thread!.split(CANARY.maya).length - 1, v).toBe(4);
    }
    expect(files.get('README.html')).toContain(CANARY.maya);
    const shared = new Map([...files].filter(([f]) => f.startsWith('site/') || f === 'feed.json' || f === 'hubs.json'));
    expect(shared.get('site/maya-public/index.html')).toContain(CONTROL);
    expect(leaks(shared, ALL)).toEqual([]);
    // Nobody else's feedback is in it, and the hide reasons (the teacher's notes to the hub) are not either.
    expect(leaks(files, [CANARY.noor, CANARY.sam, '(hide)'])).toEqual([]);
  }, 120_000);
});
