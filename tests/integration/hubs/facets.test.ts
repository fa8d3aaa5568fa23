// The hub page's filters (who has work in the river, its most used tags) are counted by the database: the same
// answer as reading every contribution and counting, in both scopes, with hides, external feeds, members' feeds
// and tags spelled differently in one piece.
import { describe, expect, it } from 'vitest';
import { hideHubEntry } from '../../../src/commands/hubItemHider.ts';
import { hubItems, hubSources } from '../../../src/server/db/schema.ts';
import { listContributions, riverFacets, type Contribution } from '../../../src/server/hubs/contributions.ts';
import { makeArtifact } from '../../helpers/factories.ts';
import { clockedApp, makeClass, reloadHub } from './helpers.ts';

/** The reference: every shown contribution read, then counted (what the hub page did before facets). */
function counted(contributions: Contribution[], limit: number) {
  const shown = contributions.filter((c) => !c.hidden);
  const counts = new Map<string, number>();
  for (const c of shown) for (const tag of new Set(c.tags)) counts.set(tag, (counts.get(tag) ?? 0) + 1);
  const tags = [...counts]
    .map(([tag, count]) => ({ tag, count }))
    .sort((a, b) => b.count - a.count || (a.tag < b.tag ? -1 : 1))
    .slice(0, limit);
  return { authors: new Set(shown.map((c) => c.authorId).filter((a) => a !== null)), tags };
}

describe('river facets', () => {
  it('match a count over every contribution, in both scopes', async () => {
    const { app } = clockedApp();
    const { hub, teacher, students } = await makeClass(app, { tags: 'eng10' }, 3);
    const [maya, theo, sam] = students as [NonNullable<(typeof students)[0]>, NonNullable<(typeof students)[0]>, NonNullable<(typeof students)[0]>];
    await makeArtifact(app, maya, { title: 'One', visibility: 'public', tags: ['eng10', 'poetry', 'Café', 'cafe'] });
    await makeArtifact(app, maya, { title: 'Two', visibility: 'members', tags: ['ENG10', 'cafe', 'week-1'] });
    await makeArtifact(app, theo, { title: 'Three', visibility: 'public', tags: ['eng10', 'week-1'] });
    await makeArtifact(app, theo, { title: 'Private', visibility: 'private', tags: ['eng10', 'secret'] });
    const hidden = await makeArtifact(app, sam, { title: 'Hidden', visibility: 'public', tags: ['eng10', 'hidden-tag'] });
    hideHubEntry(app, { actor: { id: teacher.id, role: teacher.role }, hubId: hub.id, target: { artifactId: hidden.id }, reason: 'Off topic' });
    const now = app.now();
    const attached = app.newId();
    const outside = app.newId();
    app.db.insert(hubSources).values({ id: attached, hubId: hub.id, memberId: sam.id, url: 'https://sam.example/feed', urlKey: 'sam.example/feed', title: 'Sam', nextFetchAt: now, createdAt: now }).run();
    app.db.insert(hubSources).values({ id: outside, hubId: hub.id, url: 'https://news.example/feed', urlKey: 'news.example/feed', title: 'News', nextFetchAt: now, createdAt: now }).run();
    const item = (sourceId: string, key: string, tags: string[]) =>
      app.db.insert(hubItems).values({ id: app.newId(), hubId: hub.id, sourceId, key, title: key, contentHtml: '', fingerprint: key, sortDate: now, firstSeenAt: now, changedAt: now, tags }).run();
    item(attached, 'id:1', ['eng10', 'poetry']);
    item(outside, 'id:2', ['eng10', 'week-1', 'news']);

    const fresh = reloadHub(app, hub.id);
    for (const scope of ['public', 'members'] as const) {
      for (const limit of [40, 2]) {
        const facets = riverFacets(app, fresh, scope, limit);
        expect(facets, `${scope}, ${limit}`).toEqual(counted(listContributions(app, fresh, scope), limit));
      }
    }
    // What the counts are, spelled out for the members' scope: a piece tagged "Café" and "cafe" counts once.
    const members = riverFacets(app, fresh, 'members');
    expect(members.tags).toEqual([
      { tag: 'eng10', count: 5 },
      { tag: 'week-1', count: 3 },
      { tag: 'cafe', count: 2 },
      { tag: 'poetry', count: 2 },
      { tag: 'news', count: 1 },
    ]);
    expect([...members.authors].sort()).toEqual([maya.id, theo.id, sam.id].sort());
    expect(members.tags.map((t) => t.tag)).not.toContain('hidden-tag');
    expect(members.tags.map((t) => t.tag)).not.toContain('secret');
    // The public scope leaves class-only work out.
    expect(riverFacets(app, fresh, 'public').tags.find((t) => t.tag === 'cafe')).toEqual({ tag: 'cafe', count: 1 });
  });

  it('are empty for a hub with nothing in it', async () => {
    const { app } = clockedApp();
    const { hub } = await makeClass(app);
    expect(riverFacets(app, hub, 'members')).toEqual({ authors: new Set(), tags: [] });
  });
});
