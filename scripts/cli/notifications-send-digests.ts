import { loadConfig } from '../../src/server/config.ts';
import { createAppContext } from '../../src/server/context.ts';
import { deliverEmails } from '../../src/server/notifications/email.ts';
import { PotluckError } from '../../src/core/errors.ts';
import { parseOptions, println, type CliCommand } from './io.ts';

const command: CliCommand = {
  summary: 'send the daily notification digests now',
  help: `Usage: potluck notifications send-digests [--json]

Sends the notification digest email now to everyone in digest mode who has unsent notifications (students under
the school's age setting always are), whatever the hour. The server sends digests itself each day from 07:00; a
notification is never emailed twice, so running this as well only sends what is still waiting. Needs
POTLUCK_SMTP_URL (smtp://user:password@host:port or smtps://…).

  --json   print what was sent as JSON`,
  async run(args, io) {
    const { values } = parseOptions(args, { json: { type: 'boolean' } });
    const config = loadConfig(io.env, io.cwd);
    if (!config.smtpUrl) throw new PotluckError('VALIDATION', 'No email is configured. Set POTLUCK_SMTP_URL (like smtp://user:password@mail.school.example:587) and run this again.');
    const app = createAppContext(config, { migrate: true });
    try {
      const summary = await deliverEmails(app, { forceDigests: true, digestsOnly: true });
      if (values.json) println(io.stdout, JSON.stringify(summary, null, 2));
      else {
        println(io.stdout, `Sent ${summary.sent} digest${summary.sent === 1 ? '' : 's'} (${summary.notifications} notification${summary.notifications === 1 ? '' : 's'}).`);
        if (summary.failed) println(io.stderr, `${summary.failed} could not be sent (see the log above); they are tried again by the next run.`);
      }
      return summary.failed > 0 ? 1 : 0;
    } finally {
      app.db.$client.close();
    }
  },
};
export default command;
