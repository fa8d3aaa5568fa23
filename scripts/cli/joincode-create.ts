import { eq } from 'drizzle-orm';
import { createJoinCode, JOIN_CODE_DEFAULT_DAYS, JOIN_CODE_MAX_DAYS } from '../../src/commands/joinCodeCreator.ts';
import { roleSchema } from '../../src/core/accounts.ts';
import { PotluckError } from '../../src/core/errors.ts';
import { loadConfig } from '../../src/server/config.ts';
import { createAppContext } from '../../src/server/context.ts';
import { hubs } from '../../src/server/db/schema.ts';
import { UsageError, parseOptions, println, type CliCommand } from './io.ts';

const command: CliCommand = {
  summary: 'create a join code for sign-up',
  help: `Usage: potluck joincode create --role ROLE [--hub SLUG] [--student HANDLE] [--uses N] [--days N] [--json]

Creates a join code. Whoever signs up at /signup with it gets an account with ROLE and, with --hub, joins
that course hub (as a student, or as a teacher for teacher and admin codes). A guardian code names the
student (--student) the new guardian account is linked to; a guardian who already has an account adds
the link with it on their Family page (/family).

  --role     student, teacher, admin or guardian
  --hub      the slug of a course hub to join on sign-up (not for guardian codes)
  --student  for guardian codes (and only for them): the handle of the student
  --uses   how many accounts the code may create (default: unlimited for student codes, 1 otherwise)
  --days   days until it expires (default ${JOIN_CODE_DEFAULT_DAYS}, at most ${JOIN_CODE_MAX_DAYS})
  --json   print {code, role, hub, maxUses, expiresAt} as JSON`,
  async run(args, io) {
    const { values } = parseOptions(args, {
      role: { type: 'string' },
      hub: { type: 'string' },
      student: { type: 'string' },
      uses: { type: 'string' },
      days: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (!values.role) throw new UsageError('missing --role (student, teacher, admin or guardian).');
    const role = roleSchema.safeParse(values.role);
    if (!role.success) throw new UsageError(`"${values.role}" is not a role: use student, teacher, admin or guardian.`);
    if (role.data === 'guardian' && values.student === undefined) throw new UsageError('a guardian code needs --student HANDLE (the student the family is linked to).');
    if (role.data !== 'guardian' && values.student !== undefined) throw new UsageError('--student is only for guardian codes (--role guardian).');
    if (role.data === 'guardian' && values.hub !== undefined) throw new UsageError('guardians do not join hubs: leave out --hub for a guardian code.');
    const whole = (name: string, text: string | undefined, max: number) => {
      if (text === undefined) return undefined;
      const n = Number(text);
      if (!/^\d+$/.test(text) || n < 1 || n > max) throw new UsageError(`--${name} must be a whole number from 1 to ${max}.`);
      return n;
    };
    const maxUses = whole('uses', values.uses, 10_000);
    const days = whole('days', values.days, JOIN_CODE_MAX_DAYS);

    const app = createAppContext(loadConfig(io.env, io.cwd), { migrate: true });
    try {
      let hub: { id: string; slug: string; title: string } | undefined;
      if (values.hub !== undefined) {
        const slug = values.hub.trim().toLowerCase();
        hub = app.db.select({ id: hubs.id, slug: hubs.slug, title: hubs.title }).from(hubs).where(eq(hubs.slug, slug)).get();
        if (!hub) throw new PotluckError('NOT_FOUND', `No hub has the slug "${values.hub}". Check the spelling of --hub.`);
      }
      const studentHandle = values.student?.trim().replace(/^@/, '').toLowerCase();
      const code = createJoinCode(app, { role: role.data, createdBy: null, hubId: hub?.id, studentHandle, maxUses, days });
      if (values.json) {
        println(
          io.stdout,
          JSON.stringify(
            { code: code.code, role: code.role, hub: hub?.slug ?? null, student: studentHandle ?? null, maxUses: code.maxUses, expiresAt: code.expiresAt?.toISOString() ?? null },
            null,
            2,
          ),
        );
        return 0;
      }
      println(io.stdout, code.code);
      const uses = code.maxUses === null ? 'any number of uses' : `${code.maxUses} use${code.maxUses === 1 ? '' : 's'}`;
      println(
        io.stderr,
        `A ${code.role} join code${hub ? ` for ${hub.title} (${hub.slug})` : ''}${studentHandle ? ` for the family of @${studentHandle}` : ''}: ${uses}, expires ${code.expiresAt?.toISOString().slice(0, 10)}. Sign up at /signup.`,
      );
      return 0;
    } finally {
      app.db.$client.close();
    }
  },
};
export default command;
