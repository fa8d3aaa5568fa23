import fs from 'node:fs';
import path from 'node:path';
import { exportHubOpml } from '../../src/server/hubs/opml.ts';
import { importHubOpml } from '../../src/commands/hubOpmlImporter.ts';
import { PotluckError } from '../../src/core/errors.ts';
import { loadConfig } from '../../src/server/config.ts';
import { createAppContext } from '../../src/server/context.ts';
import { findHub } from '../../src/server/hubs/access.ts';
import { UsageError, parseOptions, println, type CliCommand } from './io.ts';

const command: CliCommand = {
  summary: 'import or export a hub’s feeds as OPML',
  help: `Usage: potluck hub opml import --hub SLUG FILE
       potluck hub opml export --hub SLUG [FILE]

import  Adds every feed of an OPML file (a feed reader's export, another hub's members.opml) to the hub. Nothing
        is fetched yet: "potluck hub poll --hub SLUG" (or the server's poller) reads them. Feeds the hub already
        has, and this site's own portfolios, are skipped with the reason. FILE "-" reads standard input.
export  Writes the hub's sources (members' portfolio feeds and external feeds) as OPML 2.0 to FILE, or to
        standard output without one.`,
  async run(args, io) {
    const [action, ...rest] = args;
    if (action !== 'import' && action !== 'export') throw new UsageError(action ? `unknown action "${action}": use import or export.` : 'say import or export.');
    const { values, positionals } = parseOptions(rest, { hub: { type: 'string' } }, true);
    if (!values.hub) throw new UsageError('missing --hub (the hub’s slug).');
    if (positionals.length > 1) throw new UsageError('give one file at most.');
    const file = positionals[0];
    if (action === 'import' && !file) throw new UsageError('missing the OPML file to import (or "-" for standard input).');
    const app = createAppContext(loadConfig(io.env, io.cwd), { migrate: true });
    try {
      const hub = findHub(app, values.hub);
      if (!hub) throw new PotluckError('NOT_FOUND', `No hub has the slug "${values.hub}". Check the spelling of --hub.`);
      if (action === 'export') {
        const opml = exportHubOpml(app, { hub, fullMembership: true });
        if (file) {
          fs.writeFileSync(path.resolve(io.cwd, file), opml);
          println(io.stderr, `Wrote the sources of ${hub.slug} to ${file}.`);
        } else io.stdout.write(opml.endsWith('\n') ? opml : `${opml}\n`);
        return 0;
      }
      let bytes: Buffer;
      if (file === '-') {
        const chunks: Buffer[] = [];
        for await (const chunk of io.stdin) chunks.push(Buffer.from(chunk as Buffer));
        bytes = Buffer.concat(chunks);
      } else {
        try {
          bytes = fs.readFileSync(path.resolve(io.cwd, file!));
        } catch {
          throw new PotluckError('NOT_FOUND', `Cannot read "${file}". Check the path.`);
        }
      }
      const result = importHubOpml(app, { actor: null, hubId: hub.id, opml: bytes });
      println(io.stdout, `Added ${result.added} feed${result.added === 1 ? '' : 's'} to ${hub.slug}; they are read at the next poll.`);
      for (const skip of result.skipped) println(io.stdout, `  skipped ${skip.text}: ${skip.reason}`);
      return 0;
    } finally {
      app.db.$client.close();
    }
  },
};
export default command;
