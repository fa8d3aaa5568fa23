// The progress page over HTTP: contributions per week as a server-drawn SVG (role="img", a title and a description)
// with a table of the same numbers, weeks named with their year; a hub without term dates charts from its first
// contribution however long ago; each student's review status beside "contributed / not yet", and a GET filter by
// it. Then the members' view of a public hub's river: its teachers see class-only work there, nobody else, and the
// hub's feeds never.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addHubMember } from '../../../src/commands/hubMemberAdder.ts';
import { createHub } from '../../../src/commands/hubCreator.ts';
import type { AppContext } from '../../../src/server/context.ts';
import { contributionStatuses, hubAssignments, type Hub, type User } from '../../../src/server/db/schema.ts';
import { Browser } from '../../helpers/http.ts';
import { makeArtifact, makeUser, signedIn } from '../../helpers/factories.ts';
import { startServer, type TestServer } from '../../helpers/server.ts';

let server: TestServer;
let app: AppContext;
let okafor: User;
let admin: User;
let maya: User;
let termed: Hub;
let open: Hub;
let club: Hub;

const CLASS_ONLY = 'A reflection for the class only';
const PUBLIC = 'An essay for everyone';

/** The rows of the weekly totals table: week name and count. */
function totalsTable(html: string): [string, number][] {
  const table = html.slice(html.indexOf('<table class="week-totals"'), html.indexOf('</table>', html.indexOf('<table class="week-totals"')));
  return [...table.matchAll(/<th scope="row"><time datetime="([^"]+)">[^<]+<\/time><\/th><td>.*?<\/td><td>(\d+)<\/td>/g)].map((m) => [m[1]!, Number(m[2])]);
}

/** The bars drawn: week name and count. */
function bars(html: string): [string, number][] {
  return [...html.matchAll(/<rect class="week-bar"[^>]*data-week="([^"]+)" data-count="(\d+)"/g)].map((m) => [m[1]!, Number(m[2])]);
}

function studentLine(html: string, section: string, name: string): string {
  const at = html.indexOf(`id="a-${section}"`);
  const block = html.slice(at, html.indexOf('</section>', at));
  const i = block.indexOf(name);
  return i < 0 ? '' : block.slice(i, block.indexOf('</li>', i));
}

beforeAll(async () => {
  server = await startServer();
  app = server.app;
  okafor = await makeUser(app, { handle: 'ms-okafor', role: 'teacher', name: 'Ms Okafor' });
  admin = await makeUser(app, { handle: 'school-admin', role: 'admin', name: 'School Admin' });
  maya = await makeUser(app, { handle: 'maya', name: 'Maya Lind' });
  const theo = await makeUser(app, { handle: 'theo', name: 'Theo Marsh' });
  const priya = await makeUser(app, { handle: 'priya', name: 'Priya Shah' });
  const leo = await makeUser(app, { handle: 'leo', name: 'Leo Nostatus' });
  const zed = await makeUser(app, { handle: 'zed', name: 'Zed Notyet' });
  const actor = { id: okafor.id, role: 'teacher' as const };
  termed = createHub(app, { actor, input: { slug: 'termed', title: 'Termed', tags: 'term', visibility: 'members', termStart: '2025-09-01', termEnd: '2025-09-21' } });
  open = createHub(app, { actor, input: { slug: 'open', title: 'Open ended', tags: 'open', visibility: 'public' } });
  club = createHub(app, { actor, input: { slug: 'club', title: 'Club', tags: 'club', visibility: 'members' } });
  for (const hub of [termed, open, club]) for (const s of [maya, theo, priya, leo, zed]) addHubMember(app, { actor: null, hubId: hub.id, handle: s.handle });

  // Termed: 2 contributions in 2025-W36, 1 in W37, none in W38.
  await makeArtifact(app, maya, { title: 'T1', slug: 't1', visibility: 'public', tags: ['term'], date: new Date('2025-09-02T10:00:00Z') });
  await makeArtifact(app, theo, { title: 'T2', slug: 't2', visibility: 'members', tags: ['term'], date: new Date('2025-09-07T23:00:00Z') });
  await makeArtifact(app, theo, { title: 'T3', slug: 't3', visibility: 'public', tags: ['term'], date: new Date('2025-09-08T00:00:00Z') });

  // Open ended: a first contribution two years back (more than 53 weeks of chart), then this year's essay.
  await makeArtifact(app, priya, { title: 'Long ago', slug: 'long-ago', visibility: 'public', tags: ['open'], date: new Date('2024-10-02T09:00:00Z') });
  app.db.insert(hubAssignments).values({ id: app.newId(), hubId: open.id, title: 'The essay', tag: 'essay', createdAt: app.now() }).run();
  const pieces: Record<string, string> = {};
  for (const s of [maya, theo, priya, leo]) {
    pieces[s.handle] = (await makeArtifact(app, s, { title: `Essay of ${s.name}`, slug: 'essay', visibility: 'public', tags: ['open', 'essay'] })).id;
  }
  const set = (handle: string, status: 'reviewed' | 'needs_revision' | 'resubmitted') =>
    app.db.insert(contributionStatuses).values({ hubId: open.id, artifactId: pieces[handle]!, status, revision: 1, setBy: okafor.id, setAt: app.now() }).run();
  set('maya', 'reviewed');
  set('theo', 'needs_revision');
  set('priya', 'resubmitted');

  // The members' view: Maya's class-only piece in the public hub, and in the members-only club.
  await makeArtifact(app, maya, { title: CLASS_ONLY, slug: 'class-only', visibility: 'members', tags: ['open', 'club'] });
  await makeArtifact(app, maya, { title: PUBLIC, slug: 'for-everyone', visibility: 'public', tags: ['open', 'club'] });
}, 120_000);

afterAll(() => server?.stop());

describe('contributions per week', () => {
  it('draws an SVG chart with a title and description, and a table of the same numbers, weeks named with their year', async () => {
    const res = await signedIn(server.url, app, okafor).get('/hubs/termed/progress');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toMatch(/<svg role="img" aria-labelledby="week-chart-title week-chart-desc"/);
    expect(html).toContain('<title id="week-chart-title">Contributions per week</title>');
    expect(html).toMatch(/<desc id="week-chart-desc">3 contributions over 3 weeks, from 2025-W36 \(Sep 1, 2025\) to 2025-W38\. The busiest week was 2025-W36, with 2\.<\/desc>/);
    const expected: [string, number][] = [
      ['2025-W36', 2],
      ['2025-W37', 1],
      ['2025-W38', 0],
    ];
    expect(totalsTable(html)).toEqual(expected);
    expect(bars(html)).toEqual(expected);
    expect(html).toContain('<caption>Contributions per week</caption>');
    expect(html).toContain('>2025-W36</text>');
    // No script on the page draws it.
    expect(html).not.toMatch(/<script(?![^>]*type="application\/ld\+json")/);
  });

  it('starts a hub without term dates at its first contribution, keeping every week since', async () => {
    const html = await (await signedIn(server.url, app, okafor).get('/hubs/open/progress')).text();
    const rows = totalsTable(html);
    expect(rows[0]).toEqual(['2024-W40', 1]);
    expect(rows.length).toBeGreaterThan(53);
    expect(rows.reduce((sum, [, n]) => sum + n, 0)).toBe(7);
    expect(bars(html)).toEqual(rows);
  });
});

describe('review statuses on progress', () => {
  it('shows each contribution’s status next to contributed, and who has not contributed yet', async () => {
    const html = await (await signedIn(server.url, app, okafor).get('/hubs/open/progress')).text();
    const section = html.match(/id="a-([^"]+)">The essay/)![1]!;
    expect(studentLine(html, section, 'Maya Lind')).toMatch(/contributed.*Reviewed/s);
    expect(studentLine(html, section, 'Theo Marsh')).toMatch(/contributed.*Needs revision/s);
    expect(studentLine(html, section, 'Priya Shah')).toMatch(/contributed.*Resubmitted/s);
    expect(studentLine(html, section, 'Leo Nostatus')).toMatch(/contributed.*Not reviewed yet/s);
    expect(studentLine(html, section, 'Zed Notyet')).toContain('not yet');
  });

  it('filters by status with a GET form that works without JavaScript', async () => {
    const teacher = signedIn(server.url, app, okafor);
    const form = await (await teacher.get('/hubs/open/progress')).text();
    expect(form).toMatch(/<form method="get"[^>]*>[\s\S]*<select id="progress-status" name="status">/);
    const cases: [string, string[], string[]][] = [
      ['needs_revision', ['Theo Marsh'], ['Maya Lind', 'Priya Shah', 'Leo Nostatus', 'Zed Notyet']],
      ['reviewed', ['Maya Lind'], ['Theo Marsh', 'Priya Shah', 'Leo Nostatus', 'Zed Notyet']],
      ['resubmitted', ['Priya Shah'], ['Maya Lind', 'Theo Marsh', 'Leo Nostatus', 'Zed Notyet']],
      ['unreviewed', ['Leo Nostatus'], ['Maya Lind', 'Theo Marsh', 'Priya Shah', 'Zed Notyet']],
      ['missing', ['Zed Notyet'], ['Maya Lind', 'Theo Marsh', 'Priya Shah', 'Leo Nostatus']],
    ];
    for (const [status, shown, hidden] of cases) {
      const html = await (await teacher.get(`/hubs/open/progress?status=${status}`)).text();
      const section = html.match(/id="a-([^"]+)">The essay/)![1]!;
      const at = html.indexOf(`id="a-${section}"`);
      const block = html.slice(at, html.indexOf('</section>', at));
      for (const name of shown) expect(block, `${status}: ${name}`).toContain(name);
      for (const name of hidden) expect(block, `${status}: ${name}`).not.toContain(name);
      expect(html).toContain(`<option value="${status}" selected>`);
    }
    // Anything else is no filter.
    const all = await (await teacher.get('/hubs/open/progress?status=bogus')).text();
    for (const name of ['Maya Lind', 'Zed Notyet']) expect(all).toContain(name);
  });

  it('is the hub’s teachers’ page: a student gets 403, and the filter changes nothing for them', async () => {
    expect((await signedIn(server.url, app, maya).get('/hubs/open/progress?status=reviewed')).status).toBe(403);
    expect((await new Browser(server.url).get('/hubs/open/progress?status=reviewed')).status).toBe(303);
  });
});

describe('the members’ view of a public hub’s river', () => {
  it('shows the hub’s teachers their students’ class-only work, offered from the river', async () => {
    const teacher = signedIn(server.url, app, okafor);
    const river = await (await teacher.get('/hubs/open/')).text();
    expect(river).not.toContain(CLASS_ONLY);
    expect(river).toContain(PUBLIC);
    expect(river).toContain('href="/hubs/open/?view=members"');
    const members = await (await teacher.get('/hubs/open/?view=members')).text();
    expect(members).toContain(CLASS_ONLY);
    expect(members).toContain(PUBLIC);
    expect(members).toContain("Members' view");
    // Filters keep the view.
    expect(members).toContain('<input type="hidden" name="view" value="members">');
    // Its search finds what it shows; the public river's search does not.
    const found = await (await teacher.get('/hubs/open/?view=members&q=reflection')).text();
    expect(found).toContain('/@maya/class-only/');
    expect(await (await teacher.get('/hubs/open/?q=reflection')).text()).not.toContain('/@maya/class-only/');
  });

  it('is never shown to the hub’s students, an admin outside it or the public', async () => {
    const viewers = [
      ['student', signedIn(server.url, app, maya)],
      ['admin', signedIn(server.url, app, admin)],
      ['public', new Browser(server.url)],
    ] as const;
    for (const [who, browser] of viewers) {
      for (const path of ['/hubs/open/', '/hubs/open/?view=members', '/hubs/open/?view=members&q=reflection']) {
        const res = await browser.get(path);
        expect(res.status, `${who} ${path}`).toBe(200);
        const html = await res.text();
        expect(html, `${who} ${path}`).not.toContain(CLASS_ONLY);
        expect(html, `${who} ${path}`).not.toContain('/@maya/class-only/');
        expect(html, `${who} ${path}`).not.toContain('?view=members');
        if (!path.includes('q=')) expect(html, `${who} ${path}`).toContain(PUBLIC);
      }
    }
  });

  it('leaves the hub’s feeds as they are, for everyone, and is not offered where the river already shows class work', async () => {
    for (const browser of [new Browser(server.url), signedIn(server.url, app, okafor)]) {
      for (const path of ['/hubs/open/feed.xml', '/hubs/open/feed.json', '/hubs/open/feed.xml?view=members', '/hubs/open/feed.json?view=members']) {
        const res = await browser.get(path);
        expect(res.status, path).toBe(200);
        const body = await res.text();
        expect(body, path).toContain(PUBLIC);
        expect(body, path).not.toContain(CLASS_ONLY);
      }
    }
    const club = await (await signedIn(server.url, app, okafor).get('/hubs/club/')).text();
    expect(club).toContain(CLASS_ONLY);
    expect(club).not.toContain('?view=members');
  });
});
