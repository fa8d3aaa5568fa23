import { eq } from 'drizzle-orm';
import { failInserts } from '../../helpers/faults.ts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { saveArtifact } from '../../../src/commands/artifactSaver.ts';
import { restoreRevision } from '../../../src/commands/revisionRestorer.ts';
import { deleteArtifact } from '../../../src/commands/artifactDeleter.ts';
import { PotluckError } from '../../../src/core/errors.ts';
import type { AppContext } from '../../../src/server/context.ts';
import { artifactTags, artifacts, revisions } from '../../../src/server/db/schema.ts';
import { setPolicy } from '../../../src/server/policy.ts';
import { listOwnArtifacts, listRevisions } from '../../../src/server/repositories/artifacts.ts';
import { makeArtifact, makeUser } from '../../helpers/factories.ts';
import { createTestApp } from '../../helpers/server.ts';

let app: AppContext;
beforeEach(() => {
  app = createTestApp();
});
afterEach(() => app.db.$client.close());

describe('saving an artifact', () => {
  it('stores sanitized HTML, merges #hashtags into tags and makes revision 1', async () => {
    const maya = await makeUser(app);
    const { artifact, revision, created } = await saveArtifact(app, {
      ownerId: maya.id,
      input: {
        title: 'Ode to the Bus Stop',
        kind: 'post',
        visibility: 'public',
        tags: ['Poetry', '#week-3'],
        body: '# Stanza\n\nWaiting in the rain #eng10 <script>alert(1)</script> [x](javascript:alert(1))',
      },
    });
    expect(created).toBe(true);
    expect(revision?.number).toBe(1);
    expect(artifact.slug).toBe('ode-to-the-bus-stop');
    expect(artifact.tags).toEqual(['poetry', 'week-3', 'eng10']);
    expect(artifact.html).toContain('<h1');
    expect(artifact.html).not.toMatch(/<script|javascript:/i);
    const indexed = app.db.select().from(artifactTags).where(eq(artifactTags.artifactId, artifact.id)).all();
    expect(indexed.map((t) => t.tag).sort()).toEqual(['eng10', 'poetry', 'week-3']);
  });

  it('defaults to the policy visibility only in the form; the command requires an explicit choice', async () => {
    const maya = await makeUser(app);
    await expect(
      saveArtifact(app, { ownerId: maya.id, input: { title: 'x', kind: 'post', body: '' } as never }),
    ).rejects.toMatchObject({ code: 'VALIDATION' });
  });

  it('every save with a change is a new revision; an unchanged save is not', async () => {
    const maya = await makeUser(app);
    const first = await makeArtifact(app, maya, { title: 'Draft', body: 'one' });
    const second = await saveArtifact(app, { ownerId: maya.id, artifactId: first.id, input: { title: 'Draft', kind: 'post', visibility: 'members', body: 'two' } });
    expect(second.revision?.number).toBe(2);
    const same = await saveArtifact(app, {
      ownerId: maya.id,
      artifactId: first.id,
      input: { title: 'Draft', kind: 'post', visibility: 'members', body: 'two', date: second.artifact.date },
    });
    expect(same.revision).toBeNull();
    expect(listRevisions(app, first.id).map((r) => r.body)).toEqual(['two', 'one']);
  });

  it('restoring a revision adds it on top and keeps the whole history', async () => {
    const maya = await makeUser(app);
    const a = await makeArtifact(app, maya, { body: 'first words' });
    await saveArtifact(app, { ownerId: maya.id, artifactId: a.id, input: { title: 'An essay', kind: 'post', visibility: 'members', body: 'second words' } });
    const restored = await restoreRevision(app, { ownerId: maya.id, artifactId: a.id, number: 1 });
    expect(restored.revision?.number).toBe(3);
    expect(restored.revision?.note).toBe('Restored revision 1');
    expect(restored.artifact.body).toBe('first words');
    expect(listRevisions(app, a.id)).toHaveLength(3);
  });

  it('keeps the slug stable when the title changes, and makes slugs unique per student', async () => {
    const maya = await makeUser(app);
    const a = await makeArtifact(app, maya, { title: 'Lab Report' });
    const b = await makeArtifact(app, maya, { title: 'Lab Report' });
    expect([a.slug, b.slug]).toEqual(['lab-report', 'lab-report-2']);
    const renamed = await saveArtifact(app, { ownerId: maya.id, artifactId: a.id, input: { title: 'Final Lab Report', kind: 'post', visibility: 'members' } });
    expect(renamed.artifact.slug).toBe('lab-report');
  });

  it("refuses to save over another student's artifact, as if it did not exist", async () => {
    const maya = await makeUser(app);
    const theo = await makeUser(app);
    const a = await makeArtifact(app, maya, { body: 'mine' });
    await expect(
      saveArtifact(app, { ownerId: theo.id, artifactId: a.id, input: { title: 'stolen', kind: 'post', visibility: 'public', body: 'x' } }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(app.db.select().from(artifacts).where(eq(artifacts.id, a.id)).get()?.body).toBe('mine');
    expect(() => deleteArtifact(app, { ownerId: theo.id, artifactId: a.id })).toThrow(PotluckError);
  });

  it('refuses MDX with an import, with the line and column, and stores nothing', async () => {
    const maya = await makeUser(app);
    const error = await saveArtifact(app, {
      ownerId: maya.id,
      input: { title: 'x', kind: 'post', visibility: 'private', format: 'mdx', body: 'Hello\n\nimport fs from "node:fs"\n' },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PotluckError);
    expect((error as PotluckError).issues[0]).toMatchObject({ field: 'body' });
    expect((error as PotluckError).issues[0].message).toMatch(/^Line 3, column 1:/);
    expect(listOwnArtifacts(app, maya.id)).toHaveLength(0);
  });

  it('refuses media that belongs to someone else', async () => {
    const maya = await makeUser(app);
    await expect(
      saveArtifact(app, { ownerId: maya.id, input: { title: 'x', kind: 'media', visibility: 'public', body: '![a cat](media:not-mine)' } }),
    ).rejects.toMatchObject({ code: 'VALIDATION' });
  });

  it('requires recorded consent for public work when the school policy says so', async () => {
    setPolicy(app, { defaultVisibility: 'members', publicRequiresConsent: true });
    const maya = await makeUser(app);
    await expect(makeArtifact(app, maya, { visibility: 'public' })).rejects.toMatchObject({ code: 'POLICY' });
    await expect(makeArtifact(app, maya, { visibility: 'unlisted' })).resolves.toBeTruthy();
  });

  it('a crash in the middle of a save leaves the previous revision intact', async () => {
    const maya = await makeUser(app);
    const a = await makeArtifact(app, maya, { title: 'Safe', body: 'the good version' });
    // The revision insert is the last write of a save: make it fail as a full disk would.
    failInserts(app, 'revisions', { column: 'body', value: 'doomed' });
    await expect(
      saveArtifact(app, { ownerId: maya.id, artifactId: a.id, input: { title: 'Half-saved', kind: 'post', visibility: 'public', body: 'doomed', tags: ['new'] } }),
    ).rejects.toThrow(/disk I\/O error/);
    const row = app.db.select().from(artifacts).where(eq(artifacts.id, a.id)).get()!;
    expect(row).toMatchObject({ title: 'Safe', body: 'the good version', visibility: 'members', revision: 1 });
    expect(app.db.select().from(revisions).where(eq(revisions.artifactId, a.id)).all()).toHaveLength(1);
    expect(app.db.select().from(artifactTags).where(eq(artifactTags.artifactId, a.id)).all()).toHaveLength(0);
  });

  it('finds work by words in the title and by #tag', async () => {
    const maya = await makeUser(app);
    await makeArtifact(app, maya, { title: 'Photosynthesis lab', tags: ['biology'] });
    await makeArtifact(app, maya, { title: 'Poem about rain', tags: ['poetry'] });
    expect(listOwnArtifacts(app, maya.id, { q: 'photo' }).map((a) => a.title)).toEqual(['Photosynthesis lab']);
    expect(listOwnArtifacts(app, maya.id, { q: '#poetry' }).map((a) => a.title)).toEqual(['Poem about rain']);
    expect(listOwnArtifacts(app, maya.id, { q: '100%' })).toEqual([]);
  });
});
