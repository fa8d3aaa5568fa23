import { pollHub } from '../../src/commands/hubPoller.ts';
import { PotluckError } from '../../src/core/errors.ts';
import { loadConfig } from '../../src/server/config.ts';
import { createAppContext } from '../../src/server/context.ts';
import { findHub } from '../../src/server/hubs/access.ts';
import { parseOptions, println, progressReporter, type CliCommand } from './io.ts';

const command: CliCommand = {
  summary: 'fetch hubs’ external feeds now',
  help: `Usage: potluck hub poll [--hub SLUG] [--due] [--json]

Fetches the external feeds of one hub (or of every hub) now, with conditional requests, and merges their
matching items. Feeds whose server asked to be left alone (Retry-After) wait; feeds that are gone (410) stay
stopped until a teacher resumes them. The server polls on its own every hub's interval; this is for cron jobs,
first imports and impatience.

  --hub    only this hub
  --due    only feeds that are due (as the server's poller would)
  --json   print the totals and every feed's outcome as JSON

Exit code 0 when the run completed (failing feeds are listed, and flagged for the teacher), 1 on bad input.`,
  async run(args, io) {
    const { values } = parseOptions(args, { hub: { type: 'string' }, due: { type: 'boolean' }, json: { type: 'boolean' } });
    const app = createAppContext(loadConfig(io.env, io.cwd), { migrate: true });
    try {
      let hubId: string | undefined;
      if (values.hub !== undefined) {
        const hub = findHub(app, values.hub);
        if (!hub) throw new PotluckError('NOT_FOUND', `No hub has the slug "${values.hub}". Check the spelling of --hub.`);
        hubId = hub.id;
      }
      const progress = progressReporter(io.stderr as NodeJS.WritableStream & { isTTY?: boolean });
      const { summary } = await pollHub(app, {
        actor: null,
        hubId,
        dueOnly: values.due === true,
        onProgress: (done, total) => {
          if (!values.json) progress.update(`Polled ${done} of ${total} feeds`);
        },
      });
      if (values.json) {
        println(io.stdout, JSON.stringify(summary, null, 2));
        return 0;
      }
      progress.done();
      println(
        io.stdout,
        `${summary.total} feeds: ${summary.updated} with changes, ${summary.unchanged + summary.notModified} unchanged (${summary.notModified} not modified), ${summary.failed} failed, ${summary.skipped} skipped. Items: ${summary.added} new, ${summary.changed} edited, ${summary.removed} removed.`,
      );
      for (const r of summary.results) {
        if (r.outcome === 'failed') println(io.stdout, `  failed   ${r.url}: ${r.message}`);
        if (r.outcome === 'skipped') println(io.stdout, `  skipped  ${r.url}: ${r.message}`);
      }
      return 0;
    } finally {
      app.db.$client.close();
    }
  },
};
export default command;
