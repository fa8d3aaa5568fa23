import { pruneAuditLog } from '../../src/commands/auditPruner.ts';
import { loadConfig } from '../../src/server/config.ts';
import { createAppContext } from '../../src/server/context.ts';
import { parseOptions, println, type CliCommand } from './io.ts';

const command: CliCommand = {
  summary: 'remove audit events older than the retention period',
  help: `Usage: potluck audit prune [--json]

Removes audit events older than the retention period now (set on /admin/policy, default 365 days); the
server also does this at start-up and daily. The removal itself is recorded as an audit.pruned event.

  --json   print what was removed as JSON`,
  async run(args, io) {
    const { values } = parseOptions(args, { json: { type: 'boolean' } });
    const app = createAppContext(loadConfig(io.env, io.cwd), { migrate: true });
    try {
      const result = pruneAuditLog(app, { actor: null });
      if (values.json) println(io.stdout, JSON.stringify({ ...result, before: result.before.toISOString() }, null, 2));
      else println(io.stdout, `Removed ${result.removed} audit event${result.removed === 1 ? '' : 's'} from before ${result.before.toISOString().slice(0, 10)} (kept: the last ${result.retentionDays} days).`);
      return 0;
    } finally {
      app.db.$client.close();
    }
  },
};
export default command;
