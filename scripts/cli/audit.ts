import { listAuditEvents } from '../../src/commands/auditLister.ts';
import { PotluckError } from '../../src/core/errors.ts';
import { loadConfig } from '../../src/server/config.ts';
import { createAppContext } from '../../src/server/context.ts';
import { UsageError, parseOptions, println, type CliCommand } from './io.ts';

const command: CliCommand = {
  summary: 'read the audit log',
  help: `Usage: potluck audit [--since DATE] [--until DATE] [--handle H] [--action A] [--limit N] [--json]

Prints audit events, newest first: sign-ins and failures, lockouts, password and two-factor changes, accounts
and roles, join codes, enrolments, consents, policy changes, exports, publishes, deletions and refused access,
each with when, who, about whom and from where ("cli" for this shell). Passwords and tokens are never logged.

  --since DATE   only events from this day on (2026-09-01, UTC) or this time (2026-09-01T08:00:00Z)
  --until DATE   only events up to the end of this day (or up to this time)
  --handle H     only events by or about this account
  --action A     only this event (e.g. signin.failed), or every event starting so (e.g. signin)
  --limit N      at most N events (default 100, at most 1000)
  --json         print a JSON array (for scripts)

See also: potluck audit prune (remove events older than the retention period).`,
  async run(args, io) {
    const { values } = parseOptions(args, {
      since: { type: 'string' },
      until: { type: 'string' },
      handle: { type: 'string' },
      action: { type: 'string' },
      limit: { type: 'string' },
      json: { type: 'boolean' },
    });
    let limit = 100;
    if (values.limit !== undefined) {
      limit = Number(values.limit);
      if (!/^\d+$/.test(values.limit) || limit < 1 || limit > 1000) throw new UsageError(`--limit must be a whole number from 1 to 1000, not "${values.limit}".`);
    }
    const app = createAppContext(loadConfig(io.env, io.cwd), { migrate: true });
    try {
      let result;
      try {
        result = listAuditEvents(app, {
          actor: null,
          filter: { since: values.since, until: values.until, handle: values.handle, action: values.action },
          limit,
        });
      } catch (error) {
        // A bad filter is a usage error: say which option, and point at --help.
        if (error instanceof PotluckError && error.code === 'VALIDATION') {
          const issues = (error.issues ?? []).map((i) => `--${i.field}: ${i.message}`);
          throw new UsageError(issues.length ? issues.join('; ') : error.message);
        }
        throw error;
      }
      const events = result.events.map((e) => ({ ...e, at: e.at.toISOString() }));
      if (values.json) {
        println(io.stdout, JSON.stringify(events, null, 2));
        return 0;
      }
      if (events.length === 0) {
        println(io.stdout, 'No audit events match.');
        return 0;
      }
      const rows = [
        ['TIME', 'ACTION', 'OUTCOME', 'BY', 'ABOUT', 'FROM', 'DETAILS'],
        ...events.map((e) => [
          e.at.slice(0, 19).replace('T', ' '),
          e.action,
          e.outcome,
          e.actorHandle ?? (e.actorId ? `(id ${e.actorId.slice(0, 8)})` : '-'),
          e.subjectHandle ?? (e.subjectUserId ? `(id ${e.subjectUserId.slice(0, 8)})` : e.subjectType ? `${e.subjectType}${e.subjectId ? ' ' + e.subjectId : ''}` : '-'),
          e.address ?? '-',
          Object.keys(e.details).length ? JSON.stringify(e.details) : '',
        ]),
      ];
      const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
      for (const r of rows) println(io.stdout, r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ').trimEnd());
      if (result.total > events.length) println(io.stdout, `(${events.length} of ${result.total}; narrow with --since, --handle or --action, or raise --limit)`);
      return 0;
    } finally {
      app.db.$client.close();
    }
  },
};
export default command;
