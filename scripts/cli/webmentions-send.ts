import { loadConfig } from '../../src/server/config.ts';
import { createAppContext } from '../../src/server/context.ts';
import { queueHubItemMentions } from '../../src/server/webmention/send/hubItems.ts';
import { sendDueWebmentions } from '../../src/server/webmention/send/sender.ts';
import { parseOptions, println, type CliCommand } from './io.ts';

const command: CliCommand = {
  summary: 'send the Webmentions that are due now',
  help: `Usage: potluck webmentions send [--json]

Sends the Webmentions waiting now: from public pieces to the pages they link to (queued when a piece is saved,
edited or deleted), and from public hubs' item pages to the external posts they took in. The server does this
itself every 30 seconds (POTLUCK_WEBMENTIONS=off turns that off); a send that failed with a server error waits
for its retry time. Safe to run while the server runs: each Webmention is sent by one of them.

  --json   print what was done as JSON`,
  async run(args, io) {
    const { values } = parseOptions(args, { json: { type: 'boolean' } });
    const app = createAppContext(loadConfig(io.env, io.cwd), { migrate: true });
    try {
      const queued = queueHubItemMentions(app);
      const summary = await sendDueWebmentions(app);
      if (values.json) println(io.stdout, JSON.stringify({ queuedFromHubs: queued, ...summary }, null, 2));
      else
        println(
          io.stdout,
          `Tried ${summary.attempted} Webmention${summary.attempted === 1 ? '' : 's'}: ${summary.sent} sent, ${summary.noEndpoint} to pages without an endpoint, ${summary.retrying} to try again later, ${summary.failed} refused.`,
        );
      return 0;
    } finally {
      app.db.$client.close();
    }
  },
};
export default command;
