/**
 * A student's first steps over HTTP against a real server: the empty workspace welcomes them with their hubs'
 * hashtags and next assignments (set by the teacher through the settings form), and the showcase editor says which
 * pieces the showcase's readers will not see, before and after saving.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addHubMember } from '../../../src/commands/hubMemberAdder.ts';
import { dateFormats } from '../../../src/core/dates.ts';
import type { User } from '../../../src/server/db/schema.ts';
import { hubFormValues } from '../../../src/server/hubs/forms.ts';
import { findHub, getHubById } from '../../../src/server/hubs/access.ts';
import { makeArtifact, makeHub, makeUser, signedIn } from '../../helpers/factories.ts';
import { Browser } from '../../helpers/http.ts';
import { startServer, type TestServer } from '../../helpers/server.ts';

let server: TestServer;
let nina: User;
let loner: User;
let teacher: User;
let hubSlug: string;

/** The words of a page as a reader sees them (tags dropped, spaces collapsed). */
const words = (html: string) => html.replace(/<[^>]+>/g, '').replace(/\s+/g, ' ');
const inDays = (n: number) => new Date(server.app.now().getTime() + n * 86_400_000);
const day = (d: Date) => d.toISOString().slice(0, 10);

beforeAll(async () => {
  server = await startServer();
  nina = await makeUser(server.app, { handle: 'nina', name: 'Nina Okoye' });
  loner = await makeUser(server.app, { handle: 'loner' });
  teacher = await makeUser(server.app, { handle: 'okafor', role: 'teacher' });
  const hubId = makeHub(server.app, { teacher, students: [nina] });
  hubSlug = getHubById(server.app, hubId).slug;
});
afterAll(() => server?.stop());

describe('a new student’s first page', () => {
  it('says to write a first piece and names the hub’s hashtags and the assignments still to come', async () => {
    // The teacher sets two hashtags and three assignments, one of them already past, through the settings form.
    const hub = findHub(server.app, hubSlug)!;
    const values = {
      ...hubFormValues(hub),
      title: 'English 10',
      tags: 'eng10 english-10',
      'assignment-0-title': 'Book talk',
      'assignment-0-tag': 'book-talk',
      'assignment-0-due': day(inDays(21)),
      'assignment-1-title': 'Personal essay',
      'assignment-1-tag': 'personal-essay',
      'assignment-1-due': day(inDays(7)),
      'assignment-2-title': 'Summer reading',
      'assignment-2-tag': 'summer',
      'assignment-2-due': day(inDays(-30)),
      intent: 'save',
    };
    const saved = await signedIn(server.url, server.app, teacher).postForm(`/hubs/${hubSlug}/settings`, values);
    expect(saved.status).toBe(303);

    const page = words(await (await signedIn(server.url, server.app, nina).get('/workspace')).text());
    expect(page).toContain('Welcome! Start with a first piece');
    expect(page).toContain('Write your first piece');
    expect(page).toContain('Tag work #eng10 or #english-10 to share it with English 10.');
    const essayDue = dateFormats.medium.format(new Date(`${day(inDays(7))}T00:00:00Z`));
    const talkDue = dateFormats.medium.format(new Date(`${day(inDays(21))}T00:00:00Z`));
    // Soonest first; the one already past is not "next".
    expect(page).toContain(`Next: “Personal essay” (add #personal-essay), due ${essayDue}; “Book talk” (add #book-talk), due ${talkDue}.`);
    expect(page).not.toContain('Summer reading');
  });

  it('names no hashtag for a hub the student was only invited to: tagging would share nothing yet', async () => {
    const invitee = await makeUser(server.app, { handle: 'invitee' });
    addHubMember(server.app, { actor: teacher, hubId: findHub(server.app, hubSlug)!.id, handle: 'invitee' });
    const page = words(await (await signedIn(server.url, server.app, invitee).get('/workspace')).text());
    expect(page).toContain('Welcome! Start with a first piece');
    expect(page).not.toContain('Tag work');
    expect(page).toContain('Join its hub with the code your teacher gives you on Course hubs.');
  });

  it('tells a student in no hub how to join one, and the welcome goes once there is work', async () => {
    const browser = signedIn(server.url, server.app, loner);
    const before = words(await (await browser.get('/workspace')).text());
    expect(before).toContain('Join its hub with the code your teacher gives you on Course hubs.');
    expect(before).not.toContain('Tag work');
    await makeArtifact(server.app, loner, { title: 'Hello world' });
    const after = words(await (await browser.get('/workspace')).text());
    expect(after).toContain('Hello world');
    expect(after).not.toContain('Welcome!');
  });
});

describe('pieces a showcase’s readers will not see', () => {
  it('are named beside each piece, counted after saving, and really are left out of the public page', async () => {
    const shown = await makeArtifact(server.app, nina, { title: 'Fog over the harbour', visibility: 'public' });
    const mine = await makeArtifact(server.app, nina, { title: 'Letter to my grandmother', visibility: 'private' });
    const classOnly = await makeArtifact(server.app, nina, { title: 'Peer review notes', visibility: 'members' });
    const browser = signedIn(server.url, server.app, nina);
    const res = await browser.postForm('/workspace/showcases/new', {
      title: 'Best of grade 10',
      intro: 'My favourites.',
      visibility: 'public',
      items: [shown.id, mine.id, classOnly.id],
      [`order-${shown.id}`]: '1',
      [`order-${mine.id}`]: '2',
      [`order-${classOnly.id}`]: '3',
    });
    expect(res.status).toBe(303);
    const location = res.headers.get('location')!;
    expect(location).toMatch(/\?saved=1$/);

    const html = await (await browser.get(location)).text();
    const page = words(html);
    expect(page).toContain(
      '2 of 3 pieces are left out of the public page: 1 visible only to you, 1 visible only to class members. Change who can see a piece in its editor to include it.',
    );
    expect(html).toMatch(new RegExp(`id="left-out-${mine.id}"[^>]*>Left out of the public page: it is visible only to you\\.<`));
    expect(html).toMatch(new RegExp(`id="left-out-${classOnly.id}"[^>]*>Left out of the public page: it is visible only to class members\\.<`));
    // Nothing beside the public piece, and its box is described by nothing.
    expect(html).toMatch(new RegExp(`id="left-out-${shown.id}"[^>]*hidden`));
    expect(html).toMatch(new RegExp(`id="item-${mine.id}"[^>]*aria-describedby="left-out-${mine.id}"`));

    // What the notice says is what the public sees.
    const publicPage = words(await (await new Browser(server.url).get('/@nina/showcases/best-of-grade-10/')).text());
    expect(publicPage).toContain('Fog over the harbour');
    expect(publicPage).not.toContain('Letter to my grandmother');
    expect(publicPage).not.toContain('Peer review notes');

    // A class-members showcase leaves out only the private piece.
    const id = location.split('/')[3].split('?')[0];
    const again = await browser.postForm(`/workspace/showcases/${id}`, {
      title: 'Best of grade 10',
      intro: 'My favourites.',
      visibility: 'members',
      items: [shown.id, mine.id, classOnly.id],
    });
    expect(again.status).toBe(303);
    const members = words(await (await browser.get(again.headers.get('location')!)).text());
    expect(members).toContain('1 of 3 pieces is left out of the page class members see: 1 visible only to you.');
  });

  it('says nothing is left out when readers see every piece, whatever the address claims', async () => {
    const open = await makeArtifact(server.app, nina, { title: 'An open piece', visibility: 'public' });
    const browser = signedIn(server.url, server.app, nina);
    const res = await browser.postForm('/workspace/showcases/new', { title: 'All open', intro: '', visibility: 'public', items: [open.id] });
    expect(res.status).toBe(303);
    const page = words(await (await browser.get(res.headers.get('location')!)).text());
    expect(page).toContain('Saved.');
    expect(page).not.toContain('left out of');
  });
});
