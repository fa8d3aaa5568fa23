import { createAccessToken, TOKEN_DEFAULT_DAYS, TOKEN_MAX_DAYS } from '../../src/commands/accessTokenCreator.ts';
import { loadConfig } from '../../src/server/config.ts';
import { createAppContext } from '../../src/server/context.ts';
import { SCOPE_NAMES } from '../../src/server/indieauth/scopes.ts';
import { indieAuthUrls } from '../../src/server/indieauth/urls.ts';
import { UsageError, parseOptions, println, type CliCommand } from './io.ts';

const command: CliCommand = {
  summary: 'create an access token for scripts (Micropub)',
  help: `Usage: potluck token create --handle HANDLE --scope "create update" [--days N] [--json]

Prints a new access token for HANDLE's scripts, to send as "Authorization: Bearer TOKEN" to the
Micropub endpoint (/micropub). It is shown once: Potluck keeps only a hash. The member sees it at
/account/apps and can revoke it there.

  --handle  the member the token acts for
  --scope   space-separated: ${SCOPE_NAMES.join(', ')}
  --days    days until it expires (default ${TOKEN_DEFAULT_DAYS}, at most ${TOKEN_MAX_DAYS})
  --json    print {token, handle, scope, expiresAt, micropub} as JSON`,
  async run(args, io) {
    const { values } = parseOptions(args, {
      handle: { type: 'string' },
      scope: { type: 'string' },
      days: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (!values.handle) throw new UsageError('missing --handle (the member the token acts for).');
    if (!values.scope) throw new UsageError(`missing --scope, e.g. --scope "create update" (${SCOPE_NAMES.join(', ')}).`);
    let days: number | undefined;
    if (values.days !== undefined) {
      days = Number(values.days);
      if (!/^\d+$/.test(values.days) || days < 1 || days > TOKEN_MAX_DAYS) throw new UsageError(`--days must be a whole number from 1 to ${TOKEN_MAX_DAYS}.`);
    }
    const app = createAppContext(loadConfig(io.env, io.cwd), { migrate: true });
    try {
      const { token, row, handle } = createAccessToken(app, { handle: values.handle, scope: values.scope, days });
      const micropub = indieAuthUrls(app).micropub;
      if (values.json) {
        println(io.stdout, JSON.stringify({ token, handle, scope: row.scope, expiresAt: row.expiresAt.toISOString(), micropub }, null, 2));
        return 0;
      }
      println(io.stdout, token);
      println(io.stderr, `A token for @${handle} with scope "${row.scope}", expires ${row.expiresAt.toISOString().slice(0, 10)}. Send it as "Authorization: Bearer …" to ${micropub}. It is not shown again.`);
      return 0;
    } finally {
      app.db.$client.close();
    }
  },
};
export default command;
