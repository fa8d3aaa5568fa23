/**
 * Publishing to GitHub Pages is recorded (who, which repository, the commit) against the local GitHub, and so is a
 * publish that failed, with its reason; the GitHub token appears in neither, nor in what the server printed.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { savePublishTarget } from '../../../src/commands/publishTargetSaver.ts';
import { beginPublishJob, runPublishJob } from '../../../src/commands/sitePublisher.ts';
import { withAuditScope } from '../../../src/server/audit/scope.ts';
import { auditEvents } from '../../../src/server/db/schema.ts';
import { ONE_LOOK, makePortfolio, startWorld, type Portfolio, type World } from '../github/world.ts';

const TOKEN = 'github_pat_11AUDIT00000000000000_audittestaudittestaudittestaudit';
const STALE = 'github_pat_11STALE00000000000000_staletokenstaletokenstaletoken00';

let world: World;
let maya: Portfolio;
let targetId: string;

beforeAll(async () => {
  world = await startWorld();
  maya = await makePortfolio(world.app, 'maya');
  world.gh.addToken(TOKEN, { login: 'maya-gh', permissions: { contents: 'write', pages: 'write', administration: 'write' }, repositories: 'all' });
  world.gh.addRepo('maya-gh', 'portfolio', { files: { 'README.md': '# My portfolio\n' } });
  const saved = await savePublishTarget(world.app, { userId: maya.owner.id, token: TOKEN, check: true, input: { owner: 'maya-gh', repo: 'portfolio' } });
  targetId = saved.target.id;
}, 120_000);
afterAll(async () => world?.stop());

const publish = (token: string) =>
  withAuditScope({ address: '192.0.2.80' }, async () => {
    const job = beginPublishJob(world.app, { userId: maya.owner.id, targetId });
    return runPublishJob(world.app, job.id, { userId: maya.owner.id, targetId, token, renderer: world.renderer, pagesBuild: ONE_LOOK });
  });

describe('publish.github', () => {
  it('a publish records the student, the repository, the branch and the commit, from where it was asked', async () => {
    const result = await publish(TOKEN);
    const [event] = world.app.db.select().from(auditEvents).where(eq(auditEvents.action, 'publish.github')).all();
    expect(event).toMatchObject({
      outcome: 'ok',
      actorHandle: 'maya',
      subjectHandle: 'maya',
      subjectType: 'publishTarget',
      subjectId: targetId,
      address: '192.0.2.80',
      details: { repository: 'maya-gh/portfolio', branch: 'gh-pages', commit: result.commitSha, committed: true },
    });
    // The export inside the publish is not a download: no export.site event.
    expect(world.app.db.select().from(auditEvents).where(eq(auditEvents.action, 'export.site')).all()).toHaveLength(0);
  });

  it('a failed publish is recorded with its reason; no token is written anywhere', async () => {
    await expect(publish(STALE)).rejects.toThrow();
    const failed = world.app.db.select().from(auditEvents).where(eq(auditEvents.outcome, 'failed')).all();
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ action: 'publish.github', actorHandle: 'maya' });
    expect(String(failed[0].details.reason).length).toBeGreaterThan(10);
    const table = JSON.stringify(world.app.db.select().from(auditEvents).all());
    const output = world.server.output();
    for (const token of [TOKEN, STALE]) {
      expect(table).not.toContain(token);
      expect(output).not.toContain(token);
    }
  });
});
