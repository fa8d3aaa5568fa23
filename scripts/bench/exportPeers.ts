/**
 * The peers of the static export benchmark: the same posts as Markdown files, built by Eleventy 3 and by Hugo with
 * a minimal layout that does what Potluck's export does for them (a page per post with its title, date, body and
 * tags; a paginated index, 20 a page; a page per tag listing its posts; an RSS feed of the 50 newest posts with their full text), and
 * the same picture files copied beside them. Everything is written into a temporary folder by the benchmark.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { and, asc, eq } from 'drizzle-orm';
import { loadConfig } from '../../src/server/config.ts';
import { createAppContext } from '../../src/server/context.ts';
import { artifacts, media, users } from '../../src/server/db/schema.ts';

/** One post, as the peers read it. */
interface Post {
  slug: string;
  title: string;
  date: Date;
  tags: string[];
  /** Markdown, with each `media:ID` picture pointing at the copied file. */
  body: string;
}

/** What one build cost, measured outside the process (GNU time), Node or Hugo start to exit. */
export interface BuildFigures {
  wall_ms: number;
  cpu_ms: number;
  peak_rss_mb: number;
}

const STYLE = 'body{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem}img{max-width:100%;height:auto}\n';

/**
 * The public posts of `handle` and the picture variants they use, read from a Potluck data folder and its database
 * (SQLite, or the PostgreSQL that DATABASE_URL names).
 */
function readPosts(dataDir: string, handle: string): { posts: Post[]; pictures: { from: string; to: string }[] } {
  const config = loadConfig({ ...process.env, POTLUCK_DATA: dataDir });
  const app = createAppContext(config);
  try {
    const owner = app.db.select({ id: users.id }).from(users).where(eq(users.handle, handle)).get()!;
    const rows = app.db
      .select({ slug: artifacts.slug, title: artifacts.title, date: artifacts.date, tags: artifacts.tags, body: artifacts.body })
      .from(artifacts)
      .where(and(eq(artifacts.ownerId, owner.id), eq(artifacts.visibility, 'public')))
      .orderBy(asc(artifacts.date))
      .all();
    const alt = new Map(app.db.select({ id: media.id, alt: media.alt }).from(media).where(eq(media.ownerId, owner.id)).all().map((m) => [m.id, m.alt]));
    const pictures: { from: string; to: string }[] = [];
    const used = new Set<string>();
    const posts = rows.map((row) => ({
      slug: row.slug,
      title: row.title,
      date: row.date,
      tags: row.tags,
      body: row.body.replace(/!\[([^\]]*)\]\(media:([0-9a-f-]+)\)/g, (_, words: string, id: string) => {
        if (!used.has(id)) {
          used.add(id);
          const folder = path.join(config.mediaDir, owner.id, id);
          for (const file of fs.readdirSync(folder).filter((f) => f.endsWith('.webp'))) pictures.push({ from: path.join(folder, file), to: `media/${id}/${file}` });
        }
        return `![${words || alt.get(id) || ''}](/media/${id}/w960.webp)`;
      }),
    }));
    return { posts, pictures };
  } finally {
    app.db.$client.close();
  }
}

function write(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

function frontMatter(post: Post): string {
  return `---\ntitle: ${JSON.stringify(post.title)}\ndate: ${post.date.toISOString()}\ntags: ${JSON.stringify(post.tags)}\n---\n\n${post.body}\n`;
}

function copyPictures(pictures: { from: string; to: string }[], into: string): void {
  for (const p of pictures) {
    fs.mkdirSync(path.dirname(path.join(into, p.to)), { recursive: true });
    fs.copyFileSync(p.from, path.join(into, p.to));
  }
}

const ELEVENTY_CONFIG = `export default function (config) {
  config.addPassthroughCopy('media');
  config.addPassthroughCopy('style.css');
  config.addCollection('posts', (api) => api.getFilteredByGlob('posts/*.md').sort((a, b) => a.date - b.date));
  config.addCollection('tagList', (api) => [...new Set(api.getFilteredByGlob('posts/*.md').flatMap((p) => p.data.tags ?? []))].sort());
  config.addFilter('iso', (date) => date.toISOString());
  config.addFilter('day', (date) => date.toISOString().slice(0, 10));
  config.addFilter('rfc822', (date) => date.toUTCString());
  config.addFilter('newest', (posts, n) => [...posts].reverse().slice(0, n));
}
`;

const ELEVENTY_BASE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title><link rel="stylesheet" href="/style.css"><link rel="alternate" type="application/rss+xml" href="/feed.xml"></head>
<body><header><a href="/">Bench Student</a></header><main>{{ content | safe }}</main></body></html>
`;

const ELEVENTY_POST = `---
layout: base.njk
---
<article><h1>{{ title }}</h1><p><time datetime="{{ page.date | iso }}">{{ page.date | day }}</time></p>
{{ content | safe }}
<ul>{% for tag in tags %}<li><a href="/tags/{{ tag | slugify }}/">#{{ tag }}</a></li>{% endfor %}</ul></article>
`;

const ELEVENTY_INDEX = `---
layout: base.njk
title: Bench Student
pagination:
  data: collections.posts
  size: 20
  reverse: true
permalink: "{% if pagination.pageNumber > 0 %}/page/{{ pagination.pageNumber + 1 }}/{% else %}/{% endif %}"
---
<ul>{% for post in pagination.items %}<li><a href="{{ post.url }}">{{ post.data.title }}</a> <time datetime="{{ post.date | iso }}">{{ post.date | day }}</time></li>{% endfor %}</ul>
{% if pagination.href.next %}<a href="{{ pagination.href.next }}">Older</a>{% endif %}
`;

const ELEVENTY_TAG = `---
layout: base.njk
pagination:
  data: collections.tagList
  size: 1
  alias: tag
permalink: "/tags/{{ tag | slugify }}/"
eleventyComputed:
  title: "#{{ tag }}"
---
<h1>#{{ tag }}</h1>
<ul>{% for post in collections[tag] | reverse %}<li><a href="{{ post.url }}">{{ post.data.title }}</a></li>{% endfor %}</ul>
`;

const ELEVENTY_FEED = `---
permalink: /feed.xml
eleventyExcludeFromCollections: true
---
<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Bench Student</title><link>https://bench.example.org/</link><description>Public work</description>
{%- for post in collections.posts | newest(50) %}
<item><title>{{ post.data.title }}</title><link>https://bench.example.org{{ post.url }}</link><guid>https://bench.example.org{{ post.url }}</guid><pubDate>{{ post.date | rfc822 }}</pubDate>
{%- for tag in post.data.tags %}<category>{{ tag }}</category>{% endfor %}<description>{{ post.content }}</description></item>
{%- endfor %}
</channel></rss>
`;

/** Writes the Eleventy project for `posts` into `dir`. */
function writeEleventy(dir: string, posts: Post[], pictures: { from: string; to: string }[]): void {
  write(path.join(dir, 'eleventy.config.mjs'), ELEVENTY_CONFIG);
  write(path.join(dir, '_includes', 'base.njk'), ELEVENTY_BASE);
  write(path.join(dir, '_includes', 'post.njk'), ELEVENTY_POST);
  write(path.join(dir, 'index.njk'), ELEVENTY_INDEX);
  write(path.join(dir, 'tags.njk'), ELEVENTY_TAG);
  write(path.join(dir, 'feed.njk'), ELEVENTY_FEED);
  write(path.join(dir, 'style.css'), STYLE);
  write(path.join(dir, 'posts', 'posts.json'), JSON.stringify({ layout: 'post.njk', permalink: '/{{ page.fileSlug }}/' }));
  for (const post of posts) write(path.join(dir, 'posts', `${post.slug}.md`), frontMatter(post));
  copyPictures(pictures, dir);
}

const HUGO_CONFIG = `baseURL = "https://bench.example.org/"
title = "Bench Student"
paginate = 20
rssLimit = 50
disableKinds = ["section"]
[taxonomies]
  tag = "tags"
[permalinks]
  posts = "/:filename/"
`;

const HUGO_BASE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ .Title }}</title><link rel="stylesheet" href="/style.css"><link rel="alternate" type="application/rss+xml" href="/index.xml"></head>
<body><header><a href="/">{{ site.Title }}</a></header><main>{{ block "main" . }}{{ end }}</main></body></html>
`;

const HUGO_SINGLE = `{{ define "main" }}<article><h1>{{ .Title }}</h1><p><time datetime="{{ .Date.Format "2006-01-02T15:04:05Z07:00" }}">{{ .Date.Format "2006-01-02" }}</time></p>
{{ .Content }}
<ul>{{ range .GetTerms "tags" }}<li><a href="{{ .RelPermalink }}">#{{ .LinkTitle }}</a></li>{{ end }}</ul></article>{{ end }}
`;

const HUGO_LIST = `{{ define "main" }}<h1>{{ .Title }}</h1>
{{ if .IsHome }}{{ $pager := .Paginate (where site.RegularPages "Section" "posts").ByDate.Reverse }}
<ul>{{ range $pager.Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> <time datetime="{{ .Date.Format "2006-01-02T15:04:05Z07:00" }}">{{ .Date.Format "2006-01-02" }}</time></li>{{ end }}</ul>
{{ if $pager.HasNext }}<a href="{{ $pager.Next.URL }}">Older</a>{{ end }}
{{ else }}<ul>{{ range .Pages.ByDate.Reverse }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>{{ end }}{{ end }}
`;

const HUGO_RSS = `{{- $pages := where site.RegularPages "Section" "posts" -}}{{ if not .IsHome }}{{ $pages = .Pages }}{{ end -}}
{{- printf "<?xml version=\\"1.0\\" encoding=\\"utf-8\\"?>" | safeHTML }}
<rss version="2.0"><channel><title>{{ .Title }}</title><link>{{ .Permalink }}</link><description>Public work</description>
{{- range first 50 $pages.ByDate.Reverse }}
<item><title>{{ .Title }}</title><link>{{ .Permalink }}</link><guid>{{ .Permalink }}</guid><pubDate>{{ .Date.Format "Mon, 02 Jan 2006 15:04:05 -0700" }}</pubDate>
{{- range .Params.tags }}<category>{{ . }}</category>{{ end }}<description>{{ .Content | html }}</description></item>
{{- end }}
</channel></rss>
`;

/** Writes the Hugo project for `posts` into `dir`. */
function writeHugo(dir: string, posts: Post[], pictures: { from: string; to: string }[]): void {
  write(path.join(dir, 'hugo.toml'), HUGO_CONFIG);
  write(path.join(dir, 'layouts', '_default', 'baseof.html'), HUGO_BASE);
  write(path.join(dir, 'layouts', '_default', 'single.html'), HUGO_SINGLE);
  write(path.join(dir, 'layouts', '_default', 'list.html'), HUGO_LIST);
  write(path.join(dir, 'layouts', '_default', 'rss.xml'), HUGO_RSS);
  write(path.join(dir, 'static', 'style.css'), STYLE);
  for (const post of posts) write(path.join(dir, 'content', 'posts', `${post.slug}.md`), frontMatter(post));
  copyPictures(pictures, path.join(dir, 'static'));
}

/** Where Hugo is (`/usr/bin/hugo`, Debian's package, or on PATH), or null when it is not installed. */
export function findHugo(): string | null {
  const probe = spawnSync('hugo', ['version'], { encoding: 'utf8' });
  return probe.status === 0 ? 'hugo' : null;
}

/** Where GNU time is: it measures a build's processor time and peak memory from outside. */
export const GNU_TIME = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

/** Writes both peer projects for the public posts of `handle` under `root`; returns their folders. */
export function writePeerProjects(dataDir: string, handle: string, root: string): { eleventy: string; hugo: string; posts: number; pictures: number } {
  const { posts, pictures } = readPosts(dataDir, handle);
  const eleventy = path.join(root, 'eleventy');
  const hugo = path.join(root, 'hugo');
  writeEleventy(eleventy, posts, pictures);
  writeHugo(hugo, posts, pictures);
  return { eleventy, hugo, posts: posts.length, pictures: pictures.length };
}

/**
 * Runs `command` once, from process start to exit, under GNU time (wall, user + system time, peak RSS); without
 * GNU time, the wall time only. Throws when the build fails.
 */
export function measure(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): BuildFigures {
  const report = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'potluck-bench-time-')), 'time.txt');
  const started = performance.now();
  const result = GNU_TIME
    ? spawnSync(GNU_TIME, ['-o', report, '-f', '%U %S %M', command, ...args], { encoding: 'utf8', cwd: options.cwd, env: options.env })
    : spawnSync(command, args, { encoding: 'utf8', cwd: options.cwd, env: options.env });
  const wall = performance.now() - started;
  try {
    if (result.status !== 0) throw new Error(`${path.basename(command)} ${args.join(' ')} failed:\n${result.stderr}${result.stdout}`);
    if (!GNU_TIME) return { wall_ms: wall, cpu_ms: Number.NaN, peak_rss_mb: Number.NaN };
    const [user, system, rssKb] = fs.readFileSync(report, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
    return { wall_ms: wall, cpu_ms: (user + system) * 1000, peak_rss_mb: rssKb / 1024 };
  } finally {
    fs.rmSync(path.dirname(report), { recursive: true, force: true });
  }
}

/** Files and HTML pages under a built site, to show that the builds are of the same size. */
export function countOutput(dir: string): { files: number; pages: number } {
  let files = 0;
  let pages = 0;
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    files++;
    if (entry.name.endsWith('.html')) pages++;
  }
  return { files, pages };
}
