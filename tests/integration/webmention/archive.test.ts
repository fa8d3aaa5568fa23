// Approved Webmentions in the student's archive: mentions/<folder>.json for each piece that has any (only approved
// ones), README.html says so, the way back into a fresh Potluck (approved, on the same piece, sanitized again,
// nothing added twice), and deleting the account deletes them.
import fs from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteAccount } from '../../../src/commands/accountDeleter.ts';
import { exportArchive } from '../../../src/commands/archiveExporter.ts';
import { importArchiveFolder } from '../../../src/commands/archiveImporter.ts';
import { parseMentions } from '../../../src/core/archive/mentions.ts';
import type { AppContext } from '../../../src/server/context.ts';
import { users, webmentions, type Artifact, type User } from '../../../src/server/db/schema.ts';
import { shownMentions } from '../../../src/server/webmention/receive/mentions.ts';
import { makeArtifact, makeUser } from '../../helpers/factories.ts';
import { createTestApp, tempDataDir } from '../../helpers/server.ts';

let work: string;
let source: AppContext;
let maya: User;
let poem: Artifact;
let out: string;

/** A mention as the verifier leaves it (its own tests are in receive.http.test.ts). */
function addMention(app: AppContext, artifact: Artifact, props: Partial<typeof webmentions.$inferInsert>) {
  const now = app.now();
  app.db
    .insert(webmentions)
    .values({
      id: app.newId(),
      artifactId: artifact.id,
      ownerId: artifact.ownerId,
      source: 'https://blog.example/reply',
      target: `${app.config.siteUrl}/@maya/${artifact.slug}/`,
      sourceHost: 'blog.example',
      status: 'verified',
      kind: 'reply',
      decision: 'approved',
      authorName: 'Ana Reader',
      authorUrl: 'https://ana.example/',
      url: 'https://blog.example/reply',
      published: new Date('2026-11-20T10:00:00Z'),
      contentHtml: '<p>A lovely poem.</p>',
      receivedAt: now,
      verifiedAt: now,
      ...props,
    })
    .run();
}

beforeAll(async () => {
  work = tempDataDir('potluck-mentions-archive-');
  source = createTestApp();
  maya = await makeUser(source, { handle: 'maya', name: 'Maya Chen' });
  poem = await makeArtifact(source, maya, { title: 'Rain', visibility: 'public' });
  await makeArtifact(source, maya, { title: 'Quiet', visibility: 'public' });
  addMention(source, poem, {});
  addMention(source, poem, { source: 'https://likes.example/1', sourceHost: 'likes.example', kind: 'like', contentHtml: null, authorName: 'Lee Liker' });
  addMention(source, poem, { source: 'https://pending.example/1', sourceHost: 'pending.example', decision: 'pending', authorName: 'Not Yet' });
  addMention(source, poem, { source: 'https://rejected.example/1', sourceHost: 'rejected.example', decision: 'rejected', authorName: 'Turned Down' });
  out = path.join(work, 'archive');
  await exportArchive(source, { handle: 'maya', out: { kind: 'dir', path: out }, site: false });
});

afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe('mentions in the archive', () => {
  it('writes only the approved mentions, one file per piece that has any, and README says so', () => {
    expect(fs.readdirSync(path.join(out, 'mentions'))).toEqual([`${poem.slug}.json`]);
    const parsed = parseMentions(fs.readFileSync(path.join(out, 'mentions', `${poem.slug}.json`), 'utf8'), 'mentions/rain.json');
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.value).toMatchObject({ format: 'potluck-mentions/1', artifact: poem.id, slug: poem.slug });
    expect(parsed.value.mentions.map((m) => m.author.name).sort()).toEqual(['Ana Reader', 'Lee Liker']);
    const reply = parsed.value.mentions.find((m) => m.kind === 'reply')!;
    expect(reply).toMatchObject({ source: 'https://blog.example/reply', content: '<p>A lovely poem.</p>', published: '2026-11-20T10:00:00.000Z' });
    const readme = fs.readFileSync(path.join(out, 'README.html'), 'utf8');
    expect(readme).toContain('2 replies, likes and mentions from other websites');
  });

  it('comes back approved on the same piece in a fresh Potluck, sanitized again, and only once', async () => {
    // Whatever the file says, script does not come in with it.
    const file = path.join(out, 'mentions', `${poem.slug}.json`);
    const text = fs.readFileSync(file, 'utf8').replace('<p>A lovely poem.</p>', '<p>A lovely poem.<script>alert(1)</script><img src=\\"https://evil.example/x.png\\" alt=\\"x\\"></p>');
    // Nor a teacher's approval: the student's file cannot vouch for one.
    const claimed = text.replace(/"teacherApproved": false/g, '"teacherApproved": true');
    expect(claimed).toContain('"teacherApproved": true');
    expect(text).toContain('evil.example');
    fs.writeFileSync(file, claimed);
    const fresh = createTestApp();
    await importArchiveFolder(fresh, { dir: out, handle: 'maya' });
    const owner = fresh.db.select().from(users).where(eq(users.handle, 'maya')).get()!;
    const rows = fresh.db.select().from(webmentions).where(eq(webmentions.ownerId, owner.id)).all();
    expect(rows.map((r) => r.authorName).sort()).toEqual(['Ana Reader', 'Lee Liker']);
    expect(rows.every((r) => r.decision === 'approved' && r.status === 'verified')).toBe(true);
    expect(rows.map((r) => r.teacherApprovedAt)).toEqual([null, null]);
    const reply = rows.find((r) => r.kind === 'reply')!;
    expect(reply.contentHtml).not.toContain('script');
    expect(reply.contentHtml).not.toContain('evil.example');
    expect(reply.target).toBe(`${fresh.config.siteUrl}/@maya/${poem.slug}/`);
    const piece = { id: reply.artifactId, visibility: 'public' };
    expect(shownMentions(fresh, piece)).toHaveLength(2);
    await importArchiveFolder(fresh, { dir: out, handle: 'maya' });
    expect(fresh.db.select().from(webmentions).all()).toHaveLength(2);
  });

  it('goes with the account', async () => {
    await deleteAccount(source, { handle: 'maya', actor: null });
    expect(source.db.select().from(webmentions).all()).toEqual([]);
  });
});
