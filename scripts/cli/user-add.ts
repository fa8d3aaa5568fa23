import { createUser, generatePassword } from '../../src/commands/userCreator.ts';
import { roleSchema } from '../../src/core/accounts.ts';
import { loadConfig } from '../../src/server/config.ts';
import { createAppContext } from '../../src/server/context.ts';
import { UsageError, parseOptions, println, readStdin, type CliCommand } from './io.ts';

const command: CliCommand = {
  summary: 'create an account',
  help: `Usage: potluck user add --handle HANDLE --name NAME --role ROLE [--email EMAIL] [--birth-year YEAR]

Creates an account in the database in POTLUCK_DATA (default ./data).

  --handle   the account's handle (its site is /@handle/); 3–30 characters a–z, 0–9, "-", "_"
  --name     the person's name as shown on their site
  --role       student, teacher, admin or guardian
  --email      optional; lets the person sign in with their email too
  --birth-year optional, for students: students younger than the school's age setting get email as a
               daily digest only (and so do those without a recorded birth year)

The password is read from standard input when one is piped in (the first line), for example
  echo 'a long passphrase' | potluck user add --handle ada --name "Ada L." --role student
It must have at least 8 characters, not be a common password and not contain the handle, name,
email name or the school's name (the same rules as sign-up); a refused one says why.
Otherwise a password is generated and printed once: give it to the person and ask them to change it.`,
  async run(args, io) {
    const { values } = parseOptions(args, {
      handle: { type: 'string' },
      name: { type: 'string' },
      role: { type: 'string' },
      email: { type: 'string' },
      'birth-year': { type: 'string' },
    });
    const missing = (['handle', 'name', 'role'] as const).filter((k) => !values[k]);
    if (missing.length) throw new UsageError(`missing ${missing.map((k) => `--${k}`).join(', ')}.`);
    const role = roleSchema.safeParse(values.role);
    if (!role.success) throw new UsageError(`"${values.role}" is not a role: use student, teacher, admin or guardian.`);
    let birthYear: number | undefined;
    const yearText = values['birth-year'];
    if (yearText !== undefined) {
      const thisYear = new Date().getUTCFullYear();
      birthYear = Number(yearText);
      if (!/^\d{4}$/.test(yearText) || birthYear < 1900 || birthYear > thisYear) throw new UsageError(`--birth-year must be a year from 1900 to ${thisYear}, like 2011.`);
      if (role.data !== 'student') throw new UsageError('--birth-year is recorded for students only.');
    }

    const piped = await readStdin(io);
    const firstLine = piped?.split(/\r?\n/)[0] ?? '';
    const generated = firstLine === '';
    const password = generated ? generatePassword() : firstLine;

    const app = createAppContext(loadConfig(io.env, io.cwd), { migrate: true });
    try {
      const user = await createUser(app, {
        handle: values.handle!,
        name: values.name!,
        role: role.data,
        email: values.email,
        password,
        birthYear,
      }, { strongPassword: !generated });
      println(io.stdout, `Created ${user.role} @${user.handle} (${user.name}).`);
      if (generated) {
        println(io.stdout, `Password (shown only now): ${password}`);
        println(io.stdout, 'Give it to them privately and ask them to change it under Account after signing in.');
      }
      return 0;
    } finally {
      app.db.$client.close();
    }
  },
};
export default command;
