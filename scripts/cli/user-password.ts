import { resetPassword } from '../../src/commands/passwordResetter.ts';
import { loadConfig } from '../../src/server/config.ts';
import { createAppContext } from '../../src/server/context.ts';
import { UsageError, parseOptions, println, readStdin, type CliCommand } from './io.ts';

const command: CliCommand = {
  summary: "set a new password for an account (someone who forgot theirs)",
  help: `Usage: potluck user password --handle HANDLE [--generate]

Sets a new password for the account and signs it out everywhere. The password is read from stdin
when it is piped (echo 'a long passphrase' | potluck user password --handle maya); otherwise, or with
--generate, a new one is generated and printed once.`,
  async run(args, io) {
    const { values } = parseOptions(args, { handle: { type: 'string' }, generate: { type: 'boolean' } });
    if (!values.handle) throw new UsageError('missing --handle.');
    const piped = values.generate ? undefined : (await readStdin(io))?.replace(/\r?\n$/, '');
    const app = createAppContext(loadConfig(io.env, io.cwd), { migrate: true });
    try {
      const result = await resetPassword(app, { handle: values.handle, password: piped || undefined });
      println(io.stderr, `New password set for @${result.user.handle}; ${result.endedSessions} session(s) ended.`);
      if (result.generated) println(io.stdout, result.password);
      return 0;
    } finally {
      app.db.$client.close();
    }
  },
};
export default command;
