import { createHub } from '../../src/commands/hubCreator.ts';
import { loadConfig } from '../../src/server/config.ts';
import { createAppContext } from '../../src/server/context.ts';
import { hubPaths } from '../../src/server/hubs/feed.ts';
import { UsageError, parseOptions, println, type CliCommand } from './io.ts';

const command: CliCommand = {
  summary: 'create a course hub',
  help: `Usage: potluck hub create --slug SLUG --title TITLE --tag TAG [--tag TAG ...] [options]

Creates a course hub at /hubs/SLUG/. Members' work tagged with one of its hashtags (any case or accent, # optional)
arrives in it as soon as it is saved; external feeds are added with "potluck hub source add".

  --slug         the hub's address: a-z, 0-9 and hyphens (english-10)
  --title        its name ("English 10 with Ms. Okafor")
  --tag          a hashtag that brings work into the hub; repeat it, or separate tags with commas
  --owner        handle of the teacher (or admin) who runs it; they become its first teacher member
  --visibility   public (anyone reads the hub page; only public work shows) or members (default)
  --description  a sentence or two for the hub page
  --interval     minutes between polls of its external feeds (default 30)
  --json         print the hub as JSON`,
  async run(args, io) {
    const { values } = parseOptions(args, {
      slug: { type: 'string' },
      title: { type: 'string' },
      tag: { type: 'string', multiple: true },
      owner: { type: 'string' },
      visibility: { type: 'string' },
      description: { type: 'string' },
      interval: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (!values.slug) throw new UsageError('missing --slug (the hub’s address, like english-10).');
    if (!values.title) throw new UsageError('missing --title.');
    if (!values.tag?.length) throw new UsageError('missing --tag (at least one hashtag, like eng10).');
    if (values.visibility !== undefined && values.visibility !== 'public' && values.visibility !== 'members') {
      throw new UsageError(`--visibility must be public or members, not "${values.visibility}".`);
    }
    const app = createAppContext(loadConfig(io.env, io.cwd), { migrate: true });
    try {
      const hub = createHub(app, {
        actor: null,
        ownerHandle: values.owner,
        input: {
          slug: values.slug,
          title: values.title,
          tags: values.tag,
          visibility: values.visibility as 'public' | 'members' | undefined,
          description: values.description ?? '',
          pollIntervalMinutes: values.interval,
          termStart: null,
          termEnd: null,
        },
      });
      if (values.json) {
        println(io.stdout, JSON.stringify({ id: hub.id, slug: hub.slug, title: hub.title, tags: hub.tags, visibility: hub.visibility, url: `${app.config.siteUrl}${hubPaths.river(hub.slug)}` }, null, 2));
      } else {
        println(io.stdout, `Created hub "${hub.title}" at ${app.config.siteUrl}${hubPaths.river(hub.slug)} (tags: ${hub.tags.map((t) => `#${t}`).join(' ')}, ${hub.visibility}).`);
      }
      return 0;
    } finally {
      app.db.$client.close();
    }
  },
};
export default command;
