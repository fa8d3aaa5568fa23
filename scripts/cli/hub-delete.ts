import { deleteHub } from '../../src/commands/hubDeleter.ts';
import { PotluckError } from '../../src/core/errors.ts';
import { loadConfig } from '../../src/server/config.ts';
import { createAppContext } from '../../src/server/context.ts';
import { findHub } from '../../src/server/hubs/access.ts';
import { UsageError, parseOptions, println, type CliCommand } from './io.ts';

const command: CliCommand = {
  summary: 'delete a course hub',
  help: `Usage: potluck hub delete --hub SLUG --yes [--json]

Deletes a course hub when its course is over: its page, feeds, members list, assignments, join codes, external
feeds and what was read from them. Every student's work stays in their portfolio; a hub only showed it.

  --yes    confirms the deletion (required; it cannot be undone)
  --json   print {title, members}`,
  async run(args, io) {
    const { values } = parseOptions(args, { hub: { type: 'string' }, yes: { type: 'boolean' }, json: { type: 'boolean' } });
    if (!values.hub) throw new UsageError('missing --hub (the hub’s slug).');
    if (!values.yes) throw new UsageError(`deleting the hub ${values.hub} cannot be undone; add --yes to confirm.`);
    const app = createAppContext(loadConfig(io.env, io.cwd), { migrate: true });
    try {
      const hub = findHub(app, values.hub);
      if (!hub) throw new PotluckError('NOT_FOUND', `No hub has the slug "${values.hub}". Check the spelling of --hub.`);
      const result = deleteHub(app, { actor: null, hubId: hub.id, confirm: hub.slug });
      if (values.json) println(io.stdout, JSON.stringify(result));
      else println(io.stdout, `Deleted the hub ${result.title} (${result.members} ${result.members === 1 ? 'member' : 'members'}). Their work stays in their portfolios.`);
      return 0;
    } finally {
      app.db.$client.close();
    }
  },
};
export default command;
