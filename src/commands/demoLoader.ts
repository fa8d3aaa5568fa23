/**
 * The demo school (content/demo): accounts with known passwords, a course hub, and each student's portfolio as a
 * `potluck-archive/1` folder loaded through the same importer as `potluck import`, so the demo is also a test of
 * the archive format. Loaded only into an empty database; a failure removes everything the loader made, so the
 * next start tries again from scratch instead of finding half a school.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { and, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import { handleSchema, roleSchema } from '../core/accounts.ts';
import { PotluckError, issuesFromZod } from '../core/errors.ts';
import { normalizeTag } from '../core/markdown/hashtags.ts';
import type { AppContext } from '../server/context.ts';
import { artifacts, hubMembers, hubs, users } from '../server/db/schema.ts';
import { insertGuardianLink } from '../server/families/guardians.ts';
import { inTransaction } from '../server/db/tx.ts';
import { hasAccounts } from '../server/repositories/accounts.ts';
import { mediaItemDir } from '../server/media/storage.ts';
import { importArchiveFolder } from './archiveImporter.ts';
import { setContributionStatus } from './contributionStatusSetter.ts';
import { postFeedback } from './feedbackPoster.ts';
import { createUser } from './userCreator.ts';

const schoolSchema = z.object({
  accounts: z
    .array(
      z.object({
        handle: handleSchema,
        name: z.string().min(1),
        role: roleSchema,
        email: z.string().optional(),
        password: z.string().min(10),
      }),
    )
    .min(1),
  hubs: z
    .array(
      z.object({
        slug: z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/),
        title: z.string().min(1),
        description: z.string().default(''),
        tags: z.array(z.string()).default([]),
        visibility: z.enum(['public', 'members']).default('members'),
        owner: z.string().optional(),
        members: z.array(z.object({ handle: z.string(), role: z.enum(['teacher', 'student']) })).default([]),
      }),
    )
    .default([]),
  /** Families: a guardian account linked to a student. */
  guardians: z.array(z.object({ guardian: z.string(), student: z.string() })).default([]),
  /** Feedback threads on students' pieces (by the piece's slug), written through the thread's own command, in order. */
  feedback: z
    .array(
      z.object({
        student: z.string(),
        piece: z.string(),
        hub: z.string(),
        status: z.enum(['reviewed', 'needs_revision']).optional(),
        messages: z.array(z.object({ by: z.string(), text: z.string().min(1) })).min(1),
      }),
    )
    .default([]),
});
export type DemoSchool = z.infer<typeof schoolSchema>;

export interface DemoLoadResult {
  loaded: boolean;
  /** The sign-ins to print; the passwords are the demo's, published in content/demo/school.json. */
  accounts: { handle: string; role: string; password: string }[];
  artifacts: number;
}

/** Reads and checks content/demo/school.json. */
export async function readDemoSchool(dir: string): Promise<DemoSchool> {
  const file = path.join(dir, 'school.json');
  const text = await fs.readFile(file, 'utf8').catch(() => {
    throw new PotluckError('NOT_FOUND', `The demo school is missing: ${file} was not found.`);
  });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new PotluckError('VALIDATION', `${file} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = schoolSchema.safeParse(json);
  if (!parsed.success) {
    const issues = issuesFromZod(parsed.error);
    throw new PotluckError('VALIDATION', `${file} is not valid: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`, { issues });
  }
  const handles = new Set(parsed.data.accounts.map((a) => a.handle));
  for (const hub of parsed.data.hubs) {
    for (const h of [hub.owner, ...hub.members.map((m) => m.handle)]) {
      if (h !== undefined && !handles.has(h)) throw new PotluckError('VALIDATION', `${file}: hub ${hub.slug} names @${h}, who is not in accounts.`);
    }
  }
  const named = [
    ...parsed.data.guardians.flatMap((g) => [g.guardian, g.student]),
    ...parsed.data.feedback.flatMap((f) => [f.student, ...f.messages.map((m) => m.by)]),
  ];
  for (const h of named) {
    if (!handles.has(h)) throw new PotluckError('VALIDATION', `${file}: guardians or feedback name @${h}, who is not in accounts.`);
  }
  return parsed.data;
}

/** Loads the demo school from `dir` when the database has no accounts yet; otherwise does nothing. */
export async function loadDemoSchool(app: AppContext, dir: string): Promise<DemoLoadResult> {
  const notLoaded: DemoLoadResult = { loaded: false, accounts: [], artifacts: 0 };
  if (hasAccounts(app)) return notLoaded;
  const school = await readDemoSchool(dir);

  const created = new Map<string, string>();
  const hubIds: string[] = [];
  try {
    for (const a of school.accounts) {
      const user = await createUser(app, { handle: a.handle, name: a.name, role: a.role, email: a.email, password: a.password });
      created.set(user.handle, user.id);
    }
    inTransaction(app, () => {
      for (const hub of school.hubs) {
        const id = app.newId();
        hubIds.push(id);
        const tags = hub.tags.map(normalizeTag).flatMap((t) => (t.ok ? [t.tag] : []));
        app.db
          .insert(hubs)
          .values({
            id,
            slug: hub.slug,
            title: hub.title,
            description: hub.description,
            tags,
            visibility: hub.visibility,
            ownerId: hub.owner ? created.get(hub.owner) : null,
            createdAt: app.now(),
          })
          .run();
        if (hub.members.length) {
          app.db
            .insert(hubMembers)
            .values(hub.members.map((m) => ({ hubId: id, userId: created.get(m.handle)!, role: m.role, joinedAt: app.now(), enrolment: 'admin' as const })))
            .run();
        }
      }
    });

    let artifacts = 0;
    for (const a of school.accounts) {
      const folder = path.join(dir, 'students', a.handle);
      const exists = await fs.stat(path.join(folder, 'potluck.json')).then(
        () => true,
        () => false,
      );
      if (!exists) continue;
      const report = await importArchiveFolder(app, { dir: folder, handle: a.handle });
      artifacts += report.artifacts.created;
    }
    loadFamiliesAndFeedback(app, school, created, hubIds);
    return {
      loaded: true,
      accounts: school.accounts.map((a) => ({ handle: a.handle, role: a.role, password: a.password })),
      artifacts,
    };
  } catch (error) {
    await removeLoaded(app, [...created.values()], hubIds);
    throw error;
  }
}

/** The demo's guardian links and feedback threads, through the same commands people use. */
function loadFamiliesAndFeedback(app: AppContext, school: DemoSchool, created: Map<string, string>, hubIds: string[]): void {
  const actor = (handle: string) => {
    const row = app.db.select({ id: users.id, role: users.role }).from(users).where(eq(users.id, created.get(handle)!)).get()!;
    return { id: row.id, role: row.role };
  };
  inTransaction(app, () => {
    for (const g of school.guardians) {
      insertGuardianLink(app, { guardian: { id: created.get(g.guardian)!, handle: g.guardian }, studentId: created.get(g.student)!, linkedBy: null });
    }
    for (const thread of school.feedback) {
      const piece = app.db
        .select({ id: artifacts.id })
        .from(artifacts)
        .where(and(eq(artifacts.ownerId, created.get(thread.student)!), eq(artifacts.slug, thread.piece)))
        .get();
      if (!piece) throw new PotluckError('VALIDATION', `The demo's feedback names @${thread.student}/${thread.piece}, which the student's folder does not hold.`);
      for (const m of thread.messages) postFeedback(app, { actor: actor(m.by), artifactId: piece.id, text: m.text });
      const hubId = hubIds[school.hubs.findIndex((h) => h.slug === thread.hub)];
      const teacher = thread.messages.find((m) => actor(m.by).role === 'teacher');
      if (thread.status && hubId && teacher) setContributionStatus(app, { actor: actor(teacher.by), artifactId: piece.id, hubId, status: thread.status });
    }
  });
}

// Accounts cascade to their artifacts, media rows, showcases and memberships; media files are removed by folder.
async function removeLoaded(app: AppContext, userIds: string[], hubIds: string[]): Promise<void> {
  inTransaction(app, () => {
    if (hubIds.length) app.db.delete(hubs).where(inArray(hubs.id, hubIds)).run();
    if (userIds.length) app.db.delete(users).where(inArray(users.id, userIds)).run();
  });
  for (const id of userIds) {
    const ownerDir = path.dirname(mediaItemDir(app.config, id, 'any'));
    await fs.rm(ownerDir, { recursive: true, force: true }).catch(() => {});
  }
}
