import { deleteAccount } from '../../src/commands/accountDeleter.ts';
import { loadConfig } from '../../src/server/config.ts';
import { createAppContext } from '../../src/server/context.ts';
import { UsageError, parseOptions, println, type CliCommand } from './io.ts';

const command: CliCommand = {
  summary: 'delete an account and everything of it, for good',
  help: `Usage: potluck user delete --handle HANDLE --yes [--json]

Deletes the account HANDLE and everything of it, at the owner's request: every artifact with its revisions,
every picture and file (originals and sizes), showcases, sessions, hub memberships. Join codes it created
keep working; hubs it ran stay, without an owner. The database is then compacted so that nothing of the
account is left in its files. This cannot be undone: export the archive first
("potluck export --handle HANDLE --out HANDLE.zip").

  --yes    confirms the deletion (required)
  --json   print what was removed as JSON`,
  async run(args, io) {
    const { values } = parseOptions(args, { handle: { type: 'string' }, yes: { type: 'boolean' }, json: { type: 'boolean' } });
    if (!values.handle) throw new UsageError('missing --handle.');
    if (!values.yes) {
      throw new UsageError(`deleting @${values.handle.replace(/^@/, '')} cannot be undone; add --yes to confirm (export first: potluck export --handle ${values.handle.replace(/^@/, '')} --out archive.zip).`);
    }
    const app = createAppContext(loadConfig(io.env, io.cwd), { migrate: true });
    try {
      const result = await deleteAccount(app, { handle: values.handle, actor: null });
      if (values.json) println(io.stdout, JSON.stringify(result, null, 2));
      else {
        const r = result.removed;
        println(io.stdout, `Deleted @${result.handle}: ${r.artifacts} artifacts, ${r.revisions} revisions, ${r.media} files, ${r.showcases} showcases, ${r.sessions} sessions, ${r.hubMemberships} hub memberships.`);
        if (!result.compacted) println(io.stdout, 'The database was compacted; another process was reading it, so its log is emptied at the next checkpoint.');
      }
      return 0;
    } finally {
      app.db.$client.close();
    }
  },
};
export default command;
