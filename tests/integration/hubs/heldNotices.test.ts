/**
 * Teachers hear once per round of polls about posts held for their approval, also when the hub's sources were polled
 * by two nodes in that round (each held some posts and each tells the teachers): a teacher told since the newest
 * post was held is not told again; a post held after that is news again.
 */
import { and, eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHub } from '../../../src/commands/hubCreator.ts';
import type { AppContext } from '../../../src/server/context.ts';
import { hubHeldItems, hubSources, notifications, type HeldItemRow } from '../../../src/server/db/schema.ts';
import { inTransaction } from '../../../src/server/db/tx.ts';
import { notifyHeldPosts } from '../../../src/server/hubs/held.ts';
import { makeUser } from '../../helpers/factories.ts';
import { createTestNodes } from '../../helpers/server.ts';

let app: AppContext;
let other: AppContext;
let close: () => void;
beforeEach(() => {
  ({ app, other, close } = createTestNodes());
});
afterEach(() => close());

describe('telling teachers about held posts', () => {
  it('once for posts two nodes held in the same round, and again for a post held later', async () => {
    const teacher = await makeUser(app, { role: 'teacher' });
    const hub = createHub(app, { actor: { id: teacher.id, role: 'teacher' }, input: { slug: 'drama-9', title: 'Drama 9', tags: 'drama9', visibility: 'public' } });
    const sourceId = app.newId();
    app.db.insert(hubSources).values({ id: sourceId, hubId: hub.id, url: 'https://social.example/tags/drama9.rss', urlKey: 'social.example/tags/drama9.rss', title: '', nextFetchAt: new Date(), createdAt: new Date() }).run();
    let n = 0;
    const hold = (heldAt: Date) =>
      app.db
        .insert(hubHeldItems)
        .values({ id: app.newId(), hubId: hub.id, sourceId, dedupeKey: `post-${++n}`, item: { key: `post-${n}`, title: `Post ${n}` } as unknown as HeldItemRow, heldAt })
        .run();
    const told = () => app.db.select().from(notifications).where(and(eq(notifications.userId, teacher.id), eq(notifications.kind, 'hub.held'))).all();

    // One node's poll holds a post and tells the teacher; the other node's poll of the same round held one a moment
    // before that and tells them after.
    const round = Date.now();
    hold(new Date(round - 20));
    hold(new Date(round - 10));
    expect(inTransaction(app, () => notifyHeldPosts(app, [hub.id]))).toBe(1);
    expect(inTransaction(other, () => notifyHeldPosts(other, [hub.id]))).toBe(0);
    expect(told().map((t) => t.title)).toEqual(['2 posts on Drama 9’s hashtags wait for your approval']);

    // A later round holds another post: that is news.
    await new Promise((resolve) => setTimeout(resolve, 5));
    hold(new Date());
    expect(inTransaction(other, () => notifyHeldPosts(other, [hub.id]))).toBe(1);
    expect(told().map((t) => t.title).sort()).toEqual(['2 posts on Drama 9’s hashtags wait for your approval', '3 posts on Drama 9’s hashtags wait for your approval']);
  });
});
