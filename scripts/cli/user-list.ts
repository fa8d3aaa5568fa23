import { listUsers } from '../../src/commands/userLister.ts';
import { roleSchema } from '../../src/core/accounts.ts';
import { loadConfig } from '../../src/server/config.ts';
import { createAppContext } from '../../src/server/context.ts';
import { UsageError, parseOptions, println, type CliCommand } from './io.ts';

const command: CliCommand = {
  summary: 'list accounts',
  help: `Usage: potluck user list [--role ROLE] [--json]

Lists every account (handle, role, status, name, email), sorted by handle.

  --role   only accounts with this role: student, teacher, admin or guardian
  --json   print a JSON array instead of a table (for scripts)`,
  async run(args, io) {
    const { values } = parseOptions(args, { role: { type: 'string' }, json: { type: 'boolean' } });
    let role;
    if (values.role !== undefined) {
      const parsed = roleSchema.safeParse(values.role);
      if (!parsed.success) throw new UsageError(`"${values.role}" is not a role: use student, teacher, admin or guardian.`);
      role = parsed.data;
    }
    const app = createAppContext(loadConfig(io.env, io.cwd), { migrate: true });
    try {
      const users = listUsers(app, { role });
      if (values.json) {
        println(
          io.stdout,
          JSON.stringify(
            users.map((u) => ({ ...u, createdAt: u.createdAt.toISOString() })),
            null,
            2,
          ),
        );
        return 0;
      }
      if (users.length === 0) {
        println(io.stdout, role ? `No ${role} accounts.` : 'No accounts yet. Create one with "potluck user add".');
        return 0;
      }
      const rows = [['HANDLE', 'ROLE', 'STATUS', 'NAME', 'EMAIL'], ...users.map((u) => [u.handle, u.role, u.status, u.name, u.email ?? ''])];
      const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
      for (const r of rows) println(io.stdout, r.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd());
      return 0;
    } finally {
      app.db.$client.close();
    }
  },
};
export default command;
