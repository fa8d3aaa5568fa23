// A hub's river page is remembered between writes: the same page again reads nothing, any write (a new piece, a
// hide, a changed visibility) gives the next reader the new river, each scope and filter is its own page, and no
// reader can change the copy another reader gets.
import { describe, expect, it } from 'vitest';
import { saveArtifact } from '../../../src/commands/artifactSaver.ts';
import { hideHubEntry } from '../../../src/commands/hubItemHider.ts';
import { statementCounts } from '../../../src/server/db/statementCache.ts';
import { readRiver } from '../../../src/server/hubs/contributions.ts';
import { makeArtifact } from '../../helpers/factories.ts';
import { clockedApp, makeClass, reloadHub } from './helpers.ts';

const titles = (page: { entries: readonly { title: string }[] }) => page.entries.map((e) => e.title);

describe('the remembered river', () => {
  it('is read once between writes and read again after each', async () => {
    const { app } = clockedApp();
    const { hub, teacher, students } = await makeClass(app, { tags: 'eng10' }, 2);
    const [maya, theo] = students as [NonNullable<(typeof students)[0]>, NonNullable<(typeof students)[0]>];
    const one = await makeArtifact(app, maya, { title: 'One', visibility: 'public', tags: ['eng10'] });
    await makeArtifact(app, theo, { title: 'Class only', visibility: 'members', tags: ['eng10'] });
    const fresh = reloadHub(app, hub.id);

    const first = readRiver(app, fresh, { scope: 'public' });
    expect(titles(first)).toEqual(['One']);
    const counts = statementCounts();
    const ran = counts.compiled + counts.reused;
    const again = readRiver(app, fresh, { scope: 'public' });
    expect(again).toBe(first);
    expect(counts.compiled + counts.reused - ran).toBeLessThanOrEqual(1); // the change stamp, nothing else

    // Scopes and filters are pages of their own.
    expect(titles(readRiver(app, fresh, { scope: 'members' })).sort()).toEqual(['Class only', 'One']);
    expect(titles(readRiver(app, fresh, { scope: 'members', filter: { memberId: maya.id } }))).toEqual(['One']);
    expect(titles(readRiver(app, fresh, { scope: 'members', filter: { tag: 'nothing-like-this' } }))).toEqual([]);
    expect(readRiver(app, fresh, { scope: 'public', limit: 1 })).not.toBe(first);

    // A new piece, a hide and a visibility change are each seen by the next read.
    await makeArtifact(app, theo, { title: 'Two', visibility: 'public', tags: ['eng10'] });
    expect(titles(readRiver(app, fresh, { scope: 'public' })).sort()).toEqual(['One', 'Two']);
    hideHubEntry(app, { actor: { id: teacher.id, role: teacher.role }, hubId: hub.id, target: { artifactId: one.id }, reason: 'Off topic' });
    expect(titles(readRiver(app, fresh, { scope: 'public' }))).toEqual(['Two']);
    expect(readRiver(app, fresh, { scope: 'public', includeHidden: true }).entries.find((e) => e.id === one.id)?.hidden?.reason).toBe('Off topic');
    const two = readRiver(app, fresh, { scope: 'public' }).entries[0]!;
    await saveArtifact(app, { ownerId: theo.id, artifactId: two.id, input: { title: 'Two', kind: 'post', visibility: 'private', body: 'Mine now.', tags: ['eng10'] } });
    expect(titles(readRiver(app, fresh, { scope: 'public' }))).toEqual([]);
  });

  it('hands out a page no reader can change', async () => {
    const { app } = clockedApp();
    const { hub, students } = await makeClass(app, { tags: 'eng10' }, 1);
    await makeArtifact(app, students[0]!, { title: 'One', visibility: 'public', tags: ['eng10', 'poetry'] });
    const page = readRiver(app, reloadHub(app, hub.id), { scope: 'public' });
    const entry = page.entries[0]!;
    expect(() => {
      (entry as { title: string }).title = 'Changed';
    }).toThrow(TypeError);
    expect(() => (entry.tags as string[]).push('more')).toThrow(TypeError);
    expect(() => (page.entries as unknown[]).pop()).toThrow(TypeError);
    expect(readRiver(app, reloadHub(app, hub.id), { scope: 'public' }).entries[0]).toMatchObject({ title: 'One', tags: ['eng10', 'poetry'] });
  });
});
