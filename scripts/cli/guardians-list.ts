import { eq } from 'drizzle-orm';
import { PotluckError } from '../../src/core/errors.ts';
import { loadConfig } from '../../src/server/config.ts';
import { createAppContext } from '../../src/server/context.ts';
import { users } from '../../src/server/db/schema.ts';
import { listGuardianLinks } from '../../src/server/families/guardians.ts';
import { parseOptions, println, type CliCommand } from './io.ts';

const command: CliCommand = {
  summary: 'list the links between guardians and students',
  help: `Usage: potluck guardians list [--student HANDLE] [--json]

Lists every guardian linked to a student (newest first): the guardian, the student, when the link was made
and who made the family code it came from. Guardians read their linked student's public and class-only work.

  --student  only this student's guardians
  --json     print a JSON array instead of a table (for scripts)`,
  async run(args, io) {
    const { values } = parseOptions(args, { student: { type: 'string' }, json: { type: 'boolean' } });
    const app = createAppContext(loadConfig(io.env, io.cwd), { migrate: true });
    try {
      let studentId: string | undefined;
      if (values.student !== undefined) {
        const handle = values.student.trim().replace(/^@/, '').toLowerCase();
        const student = app.db.select({ id: users.id }).from(users).where(eq(users.handle, handle)).get();
        if (!student) throw new PotluckError('NOT_FOUND', `No account has the handle "${handle}". Check the spelling of --student.`);
        studentId = student.id;
      }
      const links = listGuardianLinks(app, { studentId });
      if (values.json) {
        println(
          io.stdout,
          JSON.stringify(
            links.map((l) => ({
              guardian: { handle: l.guardian.handle, name: l.guardian.name },
              student: { handle: l.student.handle, name: l.student.name },
              linkedBy: l.linkedBy?.handle ?? null,
              createdAt: l.createdAt.toISOString(),
            })),
            null,
            2,
          ),
        );
        return 0;
      }
      if (links.length === 0) {
        println(io.stdout, values.student ? `No guardian is linked to @${values.student.replace(/^@/, '')}.` : 'No guardian is linked to any student yet. Make a family code with "potluck joincode create --role guardian --student HANDLE".');
        return 0;
      }
      const rows = [
        ['GUARDIAN', 'STUDENT', 'LINKED', 'CODE FROM'],
        ...links.map((l) => [`@${l.guardian.handle}`, `@${l.student.handle}`, l.createdAt.toISOString().slice(0, 16).replace('T', ' '), l.linkedBy ? `@${l.linkedBy.handle}` : 'command line']),
      ];
      const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
      for (const r of rows) println(io.stdout, r.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd());
      return 0;
    } finally {
      app.db.$client.close();
    }
  },
};
export default command;
