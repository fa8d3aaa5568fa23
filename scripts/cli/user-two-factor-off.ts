import { resetTwoFactor } from '../../src/commands/twoFactorResetter.ts';
import { loadConfig } from '../../src/server/config.ts';
import { createAppContext } from '../../src/server/context.ts';
import { UsageError, parseOptions, println, type CliCommand } from './io.ts';

const command: CliCommand = {
  summary: "turn off someone's two-factor sign-in (a lost phone and lost recovery codes)",
  help: `Usage: potluck user two-factor-off --handle HANDLE

For someone who lost their phone and their recovery codes: removes the account's two-factor key and
recovery codes and signs it out everywhere. They sign in with their password alone, and set two-factor
up again (at that sign-in, when the school requires it of teachers and admins). Check who is asking
before you do this: it is what an attacker who knows the password would ask for.`,
  async run(args, io) {
    const { values } = parseOptions(args, { handle: { type: 'string' } });
    if (!values.handle) throw new UsageError('missing --handle.');
    const app = createAppContext(loadConfig(io.env, io.cwd), { migrate: true });
    try {
      const result = resetTwoFactor(app, { handle: values.handle, actor: null });
      const ended = result.endedSessions;
      println(io.stdout, `Two-factor sign-in is off for @${result.user.handle}; ${ended} session${ended === 1 ? '' : 's'} ended.`);
      return 0;
    } finally {
      app.db.$client.close();
    }
  },
};
export default command;
