import { PotluckError } from '../../src/core/errors.ts';
import { loadConfig } from '../../src/server/config.ts';
import { createAppContext } from '../../src/server/context.ts';
import { findHub } from '../../src/server/hubs/access.ts';
import { readRiver, type RiverCursor, type RiverEntry } from '../../src/server/hubs/contributions.ts';
import { UsageError, parseOptions, println, type CliCommand } from './io.ts';

const command: CliCommand = {
  summary: 'list what a hub holds',
  help: `Usage: potluck hub items --hub SLUG [--tag TAG] [--limit N] [--hidden] [--json]

Lists the hub's river, newest first: members' work (public and members-only) and external feed items, each with
its date, author, title and address.

  --tag      only entries with this tag (any case or accent)
  --limit    how many (default 50, at most 10000)
  --hidden   include entries a teacher hid (marked)
  --json     print an array of {kind, id, date, title, url, author, tags, visibility, source, hidden}`,
  async run(args, io) {
    const { values } = parseOptions(args, {
      hub: { type: 'string' },
      tag: { type: 'string' },
      limit: { type: 'string' },
      hidden: { type: 'boolean' },
      json: { type: 'boolean' },
    });
    if (!values.hub) throw new UsageError('missing --hub (the hub’s slug).');
    const limit = values.limit === undefined ? 50 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new UsageError('--limit must be a whole number from 1 to 10000.');
    const app = createAppContext(loadConfig(io.env, io.cwd), { migrate: true });
    try {
      const hub = findHub(app, values.hub);
      if (!hub) throw new PotluckError('NOT_FOUND', `No hub has the slug "${values.hub}". Check the spelling of --hub.`);
      const entries: RiverEntry[] = [];
      let before: RiverCursor | null = null;
      while (entries.length < limit) {
        const page = readRiver(app, hub, {
          scope: 'members',
          includeHidden: values.hidden === true,
          filter: values.tag ? { tag: values.tag } : {},
          before,
          limit: Math.min(500, limit - entries.length),
        });
        entries.push(...page.entries);
        if (!page.next) break;
        before = page.next;
      }
      if (values.json) {
        const out = entries.map((e) => ({
          kind: e.kind,
          id: e.id,
          date: e.date.toISOString(),
          title: e.title,
          url: e.url,
          author: e.author.handle ? `@${e.author.handle}` : e.author.name,
          tags: e.tags,
          visibility: e.visibility,
          source: e.source ? { id: e.source.id, title: e.source.title } : null,
          hidden: e.hidden ? e.hidden.reason : null,
        }));
        println(io.stdout, JSON.stringify(out, null, 2));
        return 0;
      }
      if (entries.length === 0) println(io.stdout, 'Nothing in this hub yet.');
      for (const e of entries) {
        const who = e.author.handle ? `@${e.author.handle}` : e.author.name;
        const flags = [e.kind === 'item' ? 'feed' : e.visibility, e.hidden ? `hidden: ${e.hidden.reason}` : null].filter(Boolean).join(', ');
        println(io.stdout, `${e.date.toISOString().slice(0, 10)}  ${who}  ${e.title}  (${flags})`);
        if (e.url) println(io.stdout, `            ${e.url}`);
      }
      return 0;
    } finally {
      app.db.$client.close();
    }
  },
};
export default command;
