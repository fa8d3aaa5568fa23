/**
 * `potluck audit` and `potluck audit prune` through the real CLI on a real database: JSON for scripts, filters by
 * date, handle and action, a limit, clear errors with exit code 2, and what the shell itself records ("cli").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setUserDisabled } from '../../../src/commands/userDisabler.ts';
import { loadConfig } from '../../../src/server/config.ts';
import { createAppContext, type AppContext } from '../../../src/server/context.ts';
import { auditEvents } from '../../../src/server/db/schema.ts';
import { runCli } from '../../helpers/cli.ts';
import { makeUser } from '../../helpers/factories.ts';
import { tempDataDir } from '../../helpers/server.ts';

let app: AppContext;
let env: Record<string, string>;

beforeAll(async () => {
  const dataDir = tempDataDir();
  env = { POTLUCK_DATA: dataDir };
  app = createAppContext(loadConfig(env), { migrate: true });
  const admin = await makeUser(app, { handle: 'boss', role: 'admin' });
  const ada = await makeUser(app, { handle: 'ada' });
  await makeUser(app, { handle: 'theo' });
  setUserDisabled(app, { userId: ada.id, disabled: true, actor: admin });
  // Two old events, from before the filters' dates.
  app.db.insert(auditEvents).values({ id: 'old-1', at: new Date('2025-01-05T08:00:00Z'), action: 'signin.succeeded', actorHandle: 'theo', details: {} }).run();
  app.db.insert(auditEvents).values({ id: 'old-2', at: new Date('2024-01-05T08:00:00Z'), action: 'signin.failed', outcome: 'failed', subjectHandle: 'ada', details: {} }).run();
});
afterAll(() => app.db.$client.close());

type Row = { id: string; at: string; action: string; actorHandle: string | null; subjectHandle: string | null; address: string | null };
const json = (out: string) => JSON.parse(out) as Row[];

describe('potluck audit', () => {
  it('--json prints every event newest first, with ISO times', async () => {
    const r = await runCli(['audit', '--json'], { env });
    expect(r.code, r.err).toBe(0);
    const rows = json(r.out);
    expect(rows).toHaveLength(6);
    expect(rows.at(-1)!.id).toBe('old-2');
    expect(rows[0].action).toBe('account.disabled');
    expect(rows.map((e) => e.at)).toEqual([...rows.map((e) => e.at)].sort().reverse());
  });

  it('--since, --handle and --action narrow it; --limit caps it', async () => {
    expect(json((await runCli(['audit', '--json', '--since', '2025-01-01'], { env })).out).map((e) => e.id)).toContain('old-1');
    expect(json((await runCli(['audit', '--json', '--since', '2025-01-06'], { env })).out).map((e) => e.id)).not.toContain('old-1');
    const ada = json((await runCli(['audit', '--json', '--handle', 'ada'], { env })).out);
    expect(ada.map((e) => e.action).sort()).toEqual(['account.created', 'account.disabled', 'signin.failed']);
    const signins = json((await runCli(['audit', '--json', '--action', 'signin'], { env })).out);
    expect(signins.map((e) => e.id).sort()).toEqual(['old-1', 'old-2']);
    expect(json((await runCli(['audit', '--json', '--limit', '2'], { env })).out)).toHaveLength(2);
  });

  it('prints a table for people, and says when nothing matches', async () => {
    const r = await runCli(['audit', '--handle', 'theo'], { env });
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^TIME\s+ACTION\s+OUTCOME\s+BY\s+ABOUT\s+FROM/);
    expect(r.out).toContain('signin.succeeded');
    expect((await runCli(['audit', '--handle', 'nobody-here'], { env })).out).toContain('No audit events match.');
  });

  it('refuses bad options with a message that says what to type, exit code 2', async () => {
    const since = await runCli(['audit', '--since', 'last tuesday'], { env });
    expect(since.code).toBe(2);
    expect(since.err).toContain('--since: "since" must be a date like 2026-09-01');
    const limit = await runCli(['audit', '--limit', '0'], { env });
    expect(limit.code).toBe(2);
    expect(limit.err).toContain('--limit must be a whole number from 1 to 1000');
    const unknown = await runCli(['audit', '--user', 'ada'], { env });
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('--user');
    const help = await runCli(['audit', '--help'], { env });
    expect(help.code).toBe(0);
    expect(help.out).toContain('potluck audit [--since DATE]');
  });

  it('audit prune removes what is older than the retention period, and what the shell does is recorded from cli', async () => {
    const pruned = await runCli(['audit', 'prune', '--json'], { env });
    expect(pruned.code, pruned.err).toBe(0);
    expect(JSON.parse(pruned.out)).toMatchObject({ removed: 2, retentionDays: 365 });
    const rows = json((await runCli(['audit', '--json'], { env })).out);
    expect(rows.map((e) => e.id)).not.toContain('old-1');
    expect(rows.find((e) => e.action === 'audit.pruned')).toMatchObject({ address: 'cli', actorHandle: null });

    const deleted = await runCli(['user', 'delete', '--handle', 'theo', '--yes'], { env });
    expect(deleted.code, deleted.err).toBe(0);
    const after = json((await runCli(['audit', '--json', '--action', 'account.deleted'], { env })).out);
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ address: 'cli', actorHandle: null, subjectHandle: null });
    expect((await runCli(['audit', '--json', '--handle', 'theo'], { env })).out.trim()).toBe('[]');
  });
});
