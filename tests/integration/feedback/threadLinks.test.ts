/**
 * The hub river's thread links, read for a whole page at once (threadLinksForIds), say exactly what the link of each
 * piece read alone says (threadLinkFor on its row), for every kind of viewer: counts, and no link where the thread
 * is closed.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postFeedback } from '../../../src/commands/feedbackPoster.ts';
import type { AppContext } from '../../../src/server/context.ts';
import { artifacts, type User } from '../../../src/server/db/schema.ts';
import { eq } from 'drizzle-orm';
import { threadLinkFor, threadLinksForIds } from '../../../src/server/feedback/thread.ts';
import { makeArtifact, makeHub, makeUser } from '../../helpers/factories.ts';
import { createTestApp } from '../../helpers/server.ts';

let app: AppContext;
let viewers: Record<string, User | null>;
let ids: string[];
beforeAll(async () => {
  app = createTestApp();
  const teacher = await makeUser(app, { handle: 'okafor', role: 'teacher' });
  const otherTeacher = await makeUser(app, { handle: 'lind', role: 'teacher' });
  const maya = await makeUser(app, { handle: 'maya' });
  const theo = await makeUser(app, { handle: 'theo' });
  const outsider = await makeUser(app, { handle: 'sam' });
  makeHub(app, { teacher, students: [maya, theo] });
  const pieces = [
    await makeArtifact(app, maya, { title: 'Public with talk', visibility: 'public' }),
    await makeArtifact(app, maya, { title: 'Class only', visibility: 'members' }),
    await makeArtifact(app, theo, { title: 'Quiet', visibility: 'public' }),
    await makeArtifact(app, outsider, { title: 'Not in the hub', visibility: 'public' }),
    await makeArtifact(app, theo, { title: 'Private', visibility: 'private' }),
  ];
  postFeedback(app, { actor: teacher, artifactId: pieces[0]!.id, text: 'Strong opening.' });
  postFeedback(app, { actor: maya, artifactId: pieces[0]!.id, text: 'Thank you!' });
  postFeedback(app, { actor: teacher, artifactId: pieces[1]!.id, text: 'Cite the source.' });
  ids = [...pieces.map((p) => p.id), 'no-such-piece'];
  viewers = { teacher, otherTeacher, maya, theo, outsider, nobody: null };
});
afterAll(() => {
  app.db.$client.close();
  fs.rmSync(app.config.dataDir, { recursive: true, force: true });
});

/** The link of one piece read on its own, as a page showing a single piece reads it. */
function aloneLink(viewer: User | null, id: string) {
  const piece = app.db.select().from(artifacts).where(eq(artifacts.id, id)).get();
  return piece ? threadLinkFor(app, viewer, piece) : null;
}

describe('thread links for a page of the river', () => {
  it('match the one-piece links for every viewer, with one read for all', () => {
    let links = 0;
    for (const [name, viewer] of Object.entries(viewers)) {
      const together = threadLinksForIds(app, viewer, ids);
      for (const id of ids) {
        expect({ name, id, link: together.get(id) ?? null }).toEqual({ name, id, link: aloneLink(viewer, id) });
        if (together.get(id)) links++;
      }
    }
    // Not vacuous: the hub's teacher sees the threads of both members' pieces, with their counts.
    const forTeacher = threadLinksForIds(app, viewers.teacher!, ids);
    expect(forTeacher.get(ids[0]!)).toEqual({ href: `/workspace/artifacts/${ids[0]}/feedback`, count: 2 });
    expect(forTeacher.get(ids[1]!)).toMatchObject({ count: 1 });
    expect(forTeacher.get(ids[2]!)).toMatchObject({ count: 0 });
    expect(links).toBeGreaterThan(3);
  });

  it('are none for nobody and for no pieces', () => {
    expect(threadLinksForIds(app, null, ids).size).toBe(0);
    expect(threadLinksForIds(app, viewers.teacher!, []).size).toBe(0);
  });
});
