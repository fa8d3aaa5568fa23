import { eq } from 'drizzle-orm';
import { addHubSource } from '../../src/commands/hubSourceAdder.ts';
import { PotluckError } from '../../src/core/errors.ts';
import { loadConfig } from '../../src/server/config.ts';
import { createAppContext } from '../../src/server/context.ts';
import { users } from '../../src/server/db/schema.ts';
import { findHub, hubRoleOf } from '../../src/server/hubs/access.ts';
import { listSources } from '../../src/server/hubs/lists.ts';
import { UsageError, parseOptions, println, type CliCommand } from './io.ts';

const command: CliCommand = {
  summary: 'add or list a hub’s external feeds',
  help: `Usage: potluck hub source add --hub SLUG --url URL [--member HANDLE] [--all]
       potluck hub source add --hub SLUG --mastodon-tag SERVER/TAG
       potluck hub source list --hub SLUG [--json]

add   Adds an external feed to a hub: the address of a feed (RSS, Atom, JSON Feed) or of a blog page that
      announces one (<link rel="alternate">). It is fetched once now: matching items arrive at once, and an
      address that does not work is refused with the reason.
        --member   the hub member whose blog it is (their items count as theirs)
        --all      every item of the feed belongs to the hub, tagged or not
      --mastodon-tag   follow a hashtag on a Mastodon-compatible server instead (its public tag feed):
                 mastodon.social/t509massive, '#t509massive@mastodon.social' or https://mastodon.social/tags/t509massive.
                 Posts by accounts not marked as members' wait for a teacher's approval (/hubs/SLUG/held).
list  Lists the hub's external feeds with their health (last fetch, status, error, items).

Feeds on this machine's own network are refused unless POTLUCK_ALLOW_PRIVATE_NETWORKS=1.`,
  async run(args, io) {
    const [action, ...rest] = args;
    if (action !== 'add' && action !== 'list') throw new UsageError(action ? `unknown action "${action}": use add or list.` : 'say add or list.');
    const { values } = parseOptions(rest, {
      hub: { type: 'string' },
      url: { type: 'string' },
      member: { type: 'string' },
      all: { type: 'boolean' },
      'mastodon-tag': { type: 'string' },
      json: { type: 'boolean' },
    });
    if (!values.hub) throw new UsageError('missing --hub (the hub’s slug).');
    const mastodonTag = values['mastodon-tag'];
    if (action === 'add' && !values.url && !mastodonTag) throw new UsageError('missing --url (a feed’s or a blog’s address) or --mastodon-tag SERVER/TAG.');
    if (action === 'add' && values.url && mastodonTag) throw new UsageError('give --url or --mastodon-tag, not both.');
    const app = createAppContext(loadConfig(io.env, io.cwd), { migrate: true });
    try {
      const hub = findHub(app, values.hub);
      if (!hub) throw new PotluckError('NOT_FOUND', `No hub has the slug "${values.hub}". Check the spelling of --hub.`);
      if (action === 'list') {
        const sources = listSources(app, hub.id);
        if (values.json) {
          println(
            io.stdout,
            JSON.stringify(
              sources.map(({ source, member, items, health }) => ({
                id: source.id,
                url: source.url,
                title: source.title,
                member: member?.handle ?? null,
                everything: source.matchAll,
                health,
                lastFetchAt: source.lastFetchAt?.toISOString() ?? null,
                lastStatus: source.lastStatus,
                lastError: source.lastError,
                itemsFound: source.itemsFound,
                itemsInHub: items,
                nextFetchAt: source.nextFetchAt.toISOString(),
                movedFrom: source.movedFrom,
              })),
              null,
              2,
            ),
          );
          return 0;
        }
        if (sources.length === 0) println(io.stdout, 'No external feeds yet.');
        for (const { source, member, items, health } of sources) {
          println(io.stdout, `${health.padEnd(8)} ${source.url}${member ? `  (@${member.handle})` : ''}  ${items} in hub`);
          if (source.lastError) println(io.stdout, `         ${source.lastError}`);
        }
        return 0;
      }
      let memberId: string | undefined;
      if (values.member) {
        const handle = values.member.replace(/^@/, '').toLowerCase();
        const user = app.db.select({ id: users.id }).from(users).where(eq(users.handle, handle)).get();
        if (!user || !hubRoleOf(app, hub.id, user.id)) {
          throw new PotluckError('NOT_FOUND', `@${handle} is not a member of ${hub.slug}. Add them first (on the hub's Members page).`);
        }
        memberId = user.id;
      }
      if (mastodonTag) {
        // SERVER/TAG; a pasted tag address or #TAG@SERVER is understood as it is.
        const slash = mastodonTag.indexOf('/');
        const tag = /\/tags\/|@/.test(mastodonTag) || slash < 0 ? { tag: mastodonTag } : { server: mastodonTag.slice(0, slash), tag: mastodonTag.slice(slash + 1) };
        const { source, counts } = await addHubSource(app, { actor: null, hubId: hub.id, tag, memberId }).catch((error: unknown) => {
          // The form's field messages, as one sentence for the shell.
          if (error instanceof PotluckError && error.issues.length) throw new PotluckError(error.code, error.issues.map((i) => i.message).join(' '));
          throw error;
        });
        println(io.stdout, `Following ${source.title} (${source.url}) in ${hub.slug}: ${counts.added} post${counts.added === 1 ? '' : 's'} in, ${counts.held} waiting for approval.`);
        return 0;
      }
      const { source, counts } = await addHubSource(app, { actor: null, hubId: hub.id, url: values.url!, memberId, matchAll: values.all === true });
      println(io.stdout, `Added "${source.title}" (${source.url}) to ${hub.slug}: ${counts.added} matching item${counts.added === 1 ? '' : 's'} of ${source.itemsFound ?? 0}.`);
      if (source.pageUrl) println(io.stdout, `Found the feed on the page ${source.pageUrl}.`);
      return 0;
    } finally {
      app.db.$client.close();
    }
  },
};
export default command;
