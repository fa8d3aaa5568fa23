import { setUserDisabled } from '../../src/commands/userDisabler.ts';
import { loadConfig } from '../../src/server/config.ts';
import { createAppContext } from '../../src/server/context.ts';
import { UsageError, parseOptions, println, type CliCommand } from './io.ts';

const command: CliCommand = {
  summary: 'disable an account and end its sessions',
  help: `Usage: potluck user disable --handle HANDLE [--enable]

Disables an account: it cannot sign in, and everywhere it is signed in it is signed out at once.
Its work stays as it is. With --enable, the account can sign in again.`,
  async run(args, io) {
    const { values } = parseOptions(args, { handle: { type: 'string' }, enable: { type: 'boolean' } });
    if (!values.handle) throw new UsageError('missing --handle.');
    const app = createAppContext(loadConfig(io.env, io.cwd), { migrate: true });
    try {
      const disabled = !values.enable;
      const result = setUserDisabled(app, { handle: values.handle, disabled, actor: null });
      const who = `@${result.user.handle}`;
      if (!disabled) println(io.stdout, result.changed ? `Enabled ${who}: it can sign in again.` : `${who} was not disabled; nothing to do.`);
      else {
        const ended = result.endedSessions;
        println(
          io.stdout,
          `${result.changed ? `Disabled ${who}` : `${who} was already disabled`}; ${ended} session${ended === 1 ? '' : 's'} ended.`,
        );
      }
      return 0;
    } finally {
      app.db.$client.close();
    }
  },
};
export default command;
