// Two Potluck instances on loopback: a course hub on one follows a student's tag feed on the other, subscribes to
// that instance's WebSub hub, and shows the student's new work in its river seconds after the save, with no poll.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { addHubSource } from '../../../src/commands/hubSourceAdder.ts';
import { createHub } from '../../../src/commands/hubCreator.ts';
import { loadConfig } from '../../../src/server/config.ts';
import { createAppContext, type AppContext } from '../../../src/server/context.ts';
import { hubSources, websubSourceSubscriptions, websubSubscriptions } from '../../../src/server/db/schema.ts';
import { makeArtifact, makeUser, signedIn } from '../../helpers/factories.ts';
import type { TestServer } from '../../helpers/server.ts';
import { startWebSubServer, waitFor } from './support.ts';

let school: TestServer;
let course: TestServer;
let courseApp: AppContext;

beforeAll(async () => {
  [school, course] = await Promise.all([startWebSubServer(), startWebSubServer()]);
  courseApp = createAppContext(
    loadConfig({ POTLUCK_DATA: course.dataDir, PORT: new URL(course.url).port, HOST: '127.0.0.1', POTLUCK_SITE_URL: course.url, POTLUCK_ALLOW_PRIVATE_NETWORKS: '1' }),
  );
}, 180_000);

afterAll(async () => {
  courseApp?.db.$client.close();
  await Promise.all([school?.stop(), course?.stop()]);
});

it('pushes a student’s new public work from one Potluck to a course hub on another', async () => {
  const maya = await makeUser(school.app, { handle: 'maya' });
  await makeArtifact(school.app, maya, { title: 'Week 1 essay', visibility: 'public', body: 'Done. #eng10' });
  const teacher = await makeUser(courseApp, { role: 'teacher' });
  const hub = createHub(courseApp, { actor: { id: teacher.id, role: 'teacher' }, input: { slug: 'english-10', title: 'English 10', tags: 'eng10', visibility: 'public' } });
  const topic = `${school.url}/@maya/tags/eng10/feed.xml`;
  const { source } = await addHubSource(courseApp, { actor: { id: teacher.id, role: 'teacher' }, hubId: hub.id, url: topic, matchAll: true });

  // The school's hub verified the course's callback; both sides hold the subscription.
  await waitFor(() => school.app.db.select().from(websubSubscriptions).where(eq(websubSubscriptions.topic, topic)).get(), 15_000, 'the school hub’s subscription');
  const mine = courseApp.db.select().from(websubSourceSubscriptions).where(eq(websubSourceSubscriptions.sourceId, source.id)).get()!;
  expect(mine).toMatchObject({ state: 'active', hubUrl: `${school.url}/websub`, topic });
  const polledAt = courseApp.db.select().from(hubSources).where(eq(hubSources.id, source.id)).get()!.lastFetchAt;

  const saved = await signedIn(school.url, school.app, maya).postForm('/workspace/artifacts/new', { title: 'Week 2 essay', kind: 'post', visibility: 'public', body: 'Pushed. #eng10' });
  expect(saved.status).toBe(303);
  await waitFor(async () => (await (await fetch(`${course.url}/hubs/english-10/`)).text()).includes('Week 2 essay'), 15_000, 'the pushed essay in the river');
  // It came by WebSub: the course never polled the feed again.
  expect(courseApp.db.select().from(hubSources).where(eq(hubSources.id, source.id)).get()!.lastFetchAt).toEqual(polledAt);

  // Work that is not public is never pushed.
  await signedIn(school.url, school.app, maya).postForm('/workspace/artifacts/new', { title: 'Private notes', kind: 'post', visibility: 'private', body: 'Mine. #eng10' });
  await new Promise((r) => setTimeout(r, 2500));
  expect(await (await fetch(`${course.url}/hubs/english-10/`)).text()).not.toContain('Private notes');
});
