import { unlinkGuardian } from '../../src/commands/guardianUnlinker.ts';
import { loadConfig } from '../../src/server/config.ts';
import { createAppContext } from '../../src/server/context.ts';
import { UsageError, parseOptions, println, type CliCommand } from './io.ts';

const command: CliCommand = {
  summary: 'remove a guardian’s link to a student',
  help: `Usage: potluck guardians unlink --guardian HANDLE --student HANDLE

Removes the link: the guardian stops seeing the student's class-only work and its feedback at once. The
guardian account stays (it may have other children); "potluck user disable" stops it signing in.`,
  async run(args, io) {
    const { values } = parseOptions(args, { guardian: { type: 'string' }, student: { type: 'string' } });
    const missing = (['guardian', 'student'] as const).filter((k) => !values[k]);
    if (missing.length) throw new UsageError(`missing ${missing.map((k) => `--${k}`).join(', ')}.`);
    const app = createAppContext(loadConfig(io.env, io.cwd), { migrate: true });
    try {
      const done = unlinkGuardian(app, { guardian: { handle: values.guardian! }, student: { handle: values.student! }, actor: null });
      println(io.stdout, `@${done.guardian} is no longer linked to @${done.student}.`);
      return 0;
    } finally {
      app.db.$client.close();
    }
  },
};
export default command;
