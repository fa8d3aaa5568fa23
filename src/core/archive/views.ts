/**
 * The archive's offline pages: one page per piece of work (`view/<folder>/index.html`) and one per saved version
 * (`view/<folder>/<n>.html`), which README.html links to. They show the owner's copy: every visibility, each marked,
 * with its history, its feedback and review statuses, its approved Webmentions, and its pictures and files from
 * the archive itself. Plain pages that open from disk: styles inline, no scripts, relative links only, nothing
 * fetched (offlineHtml.ts makes the stored HTML so). Pure: the exporter passes in what each page shows.
 */
import { archiveHref } from './offlineHtml.ts';

/** The folder of the offline pages, beside README.html. */
export const VIEW_DIR = 'view';

/** The offline page of a piece, from the archive root. */
export function pieceViewPath(folder: string): string {
  return `${VIEW_DIR}/${folder}/index.html`;
}

/** The offline page of one saved version of a piece, from the archive root. */
export function revisionViewPath(folder: string, number: number): string {
  return `${VIEW_DIR}/${folder}/${number}.html`;
}

/** From a page in view/<folder>/ up to the archive root. */
export const VIEW_ROOT = '../../';

export type Visibility = 'private' | 'members' | 'unlisted' | 'public';

/** How each visibility is named to a reader, and what it meant. */
export const VISIBILITY_LABELS: Record<Visibility, { name: string; meaning: string }> = {
  public: { name: 'Public', meaning: 'anyone could read it, and it was on your website' },
  unlisted: { name: 'Unlisted', meaning: 'anyone with its address could read it; it was not listed anywhere' },
  members: { name: 'Class only', meaning: 'your classes, your teachers and your family could read it' },
  private: { name: 'Private', meaning: 'only you could see it' },
};

const ROLE_LABELS = { owner: 'you', teacher: 'teacher', reviewer: 'classmate you invited to review' } as const;

const STATUS_LABELS = { reviewed: 'Reviewed', needs_revision: 'Needs revision', resubmitted: 'Sent again after revision' } as const;

const MENTION_LABELS = { reply: 'replied', like: 'liked it', repost: 'shared it', bookmark: 'bookmarked it', mention: 'mentioned it' } as const;

/** HTML-escapes text for element content and quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

// Made once: `toLocaleDateString` with options builds a new formatter on every call, which thousands of saved
// versions made the slowest part of writing an archive's offline pages.
const dayFormat = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
const timeFormat = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', timeZone: 'UTC' });

/** A date as a reader says it ("1 March 2025"), in UTC like every date in the archive. */
export function archiveDay(date: Date): string {
  return dayFormat.format(date);
}

/** A date and time ("1 March 2025, 14:30 UTC"). */
function archiveMoment(date: Date): string {
  return `${archiveDay(date)}, ${timeFormat.format(date)} UTC`;
}

function timeTag(date: Date, withTime = false): string {
  return `<time datetime="${date.toISOString()}">${escapeHtml(withTime ? archiveMoment(date) : archiveDay(date))}</time>`;
}

/** The id of a tag's list in README.html. */
export function tagAnchor(tag: string): string {
  return `tag-${tag.replace(/\s+/g, '-')}`;
}

/** The mark every page shows next to a piece: who could read it. */
export function visibilityBadge(visibility: Visibility): string {
  const label = VISIBILITY_LABELS[visibility];
  return `<span class="visibility visibility-${visibility}"><strong>${label.name}</strong>: ${label.meaning}</span>`;
}

/** Styles shared by README.html and the offline pages: readable on a phone, in light and dark, printed. */
export const ARCHIVE_STYLES = `
body { font: 1.05rem/1.6 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; color: #1d1d1f; background: #fff; }
h1 { line-height: 1.2; }
h2 { margin-top: 2.2rem; border-bottom: 1px solid #ddd; padding-bottom: .2rem; }
a { color: #0b57d0; }
code, pre { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: .92em; background: #f3f3f5; border-radius: 4px; }
code { padding: .1em .3em; }
pre { padding: .7rem 1rem; overflow-x: auto; }
img { max-width: 100%; height: auto; }
table { border-collapse: collapse; display: block; overflow-x: auto; }
td, th { border: 1px solid #ccc; padding: .2rem .5rem; }
blockquote { border-left: 3px solid #ccc; margin-left: 0; padding-left: 1rem; color: #444; }
dt { font-weight: 600; margin-top: .8rem; }
dd { margin-left: 1.2rem; }
.meta, .file { font-size: .92em; color: #555; }
.visibility { display: inline-block; padding: .05rem .5rem; border-radius: 4px; background: #eef3fb; font-size: .9em; }
.visibility-private { background: #fdecec; }
.visibility-members { background: #fff4d6; }
.visibility-unlisted { background: #eef0f2; }
.visibility-public { background: #e6f4ea; }
.thread, .mention { border-left: 3px solid #ccc; padding-left: 1rem; margin: 1.5rem 0; }
.thread ol { padding-left: 1.2rem; }
.text { white-space: pre-wrap; overflow-wrap: anywhere; }
.entry { overflow-wrap: anywhere; }
.note { background: #fff8e1; border-left: 4px solid #e0a800; padding: .6rem 1rem; }
.pl-sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.pl-heading { display: flex; align-items: baseline; gap: .4rem; }
.pl-heading-anchor { text-decoration: none; color: #777; }
nav ul { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .3rem 1.2rem; }
@media (prefers-color-scheme: dark) {
  body { background: #16161a; color: #eee; } a { color: #8ab4f8; } code, pre { background: #26262c; } .note { background: #2e2812; }
  h2 { border-color: #444; } .meta, .file, blockquote { color: #bbb; } .visibility { background: #26303f; }
  .visibility-private { background: #402222; } .visibility-members { background: #3d3417; } .visibility-public { background: #1f3a27; } .visibility-unlisted { background: #2c2f33; }
}
`;

/** The start of every offline page of the archive, README.html included: up to `<body>`, with its styles inside. */
export function offlinePageHead(title: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>${ARCHIVE_STYLES}</style>
</head>
`;
}

/** A whole offline page around `main`. */
function page(title: string, nav: string, main: string): string {
  return `${offlinePageHead(title)}<body>
<header><nav aria-label="Archive"><ul>${nav}</ul></nav></header>
<main>
${main}
</main>
</body>
</html>
`;
}

const readmeLink = (owner: string) => `<li><a href="${VIEW_ROOT}README.html">All of ${escapeHtml(owner)}'s work</a></li>`;

/** One saved version, as the piece's page lists it. */
export interface ViewRevision {
  number: number;
  createdAt: Date;
  /** Why it was saved (a save, a restore, an import). */
  note: string;
  title: string;
}

/** A picture or file of the piece, in the archive. */
export interface ViewFile {
  name: string;
  /** Its path from the archive root. */
  path: string;
  kind: 'image' | 'attachment';
  alt: string;
  /** Whether the piece as it is now shows it (else only older versions did). */
  current: boolean;
}

/** One feedback message, its HTML made offline already. */
export interface ViewFeedbackMessage {
  author: string;
  role: keyof typeof ROLE_LABELS;
  hub?: string;
  revision: number;
  date: Date;
  html: string;
}

/** A teacher's review status of the piece in one hub. */
export interface ViewStatus {
  hub: string;
  status: keyof typeof STATUS_LABELS;
  revision: number;
  setAt: Date;
}

/** An approved Webmention, its HTML made offline already. */
export interface ViewMention {
  kind: keyof typeof MENTION_LABELS;
  author: string | null;
  authorUrl: string | null;
  /** The mention's own address (or its source). */
  url: string;
  date: Date;
  html: string | null;
}

/** What the page of one piece shows. */
export interface PieceViewFacts {
  owner: string;
  folder: string;
  title: string;
  visibility: Visibility;
  kind: string;
  date: Date;
  updated: Date | null;
  summary: string;
  tags: string[];
  linkUrl: string | null;
  cover: { path: string; alt: string } | null;
  /** The piece's HTML as it is now, made offline already. */
  html: string;
  files: ViewFile[];
  /** Oldest first. */
  revisions: ViewRevision[];
  feedback: ViewFeedbackMessage[];
  statuses: ViewStatus[];
  mentions: ViewMention[];
  /** Its page in site/ (public pieces, when the archive has the site), from the archive root. */
  sitePage: string | null;
  /** Where it was online (a plain link; readers other than the owner needed the right to see it). */
  liveUrl: string;
}

function filesSection(f: PieceViewFacts): string {
  if (f.files.length === 0) return '';
  const items = f.files
    .map(
      (file) =>
        `<li><a href="${archiveHref(VIEW_ROOT, file.path)}">${escapeHtml(file.name)}</a> (${file.kind === 'image' ? 'picture' : 'file'}${file.alt ? `: ${escapeHtml(file.alt)}` : ''}${file.current ? '' : ', shown only by an older version'})</li>`,
    )
    .join('\n');
  return `<section aria-labelledby="files">
<h2 id="files">Pictures and files</h2>
<p>At full size, in the piece's folder <code>${escapeHtml(f.folder)}</code> under <code>artifacts/</code>:</p>
<ul>
${items}
</ul>
</section>`;
}

function versionsSection(f: PieceViewFacts): string {
  if (f.revisions.length === 0) return '';
  const latest = f.revisions[f.revisions.length - 1].number;
  const items = [...f.revisions]
    .reverse()
    .map(
      (r) =>
        `<li><a href="${encodeURIComponent(`${r.number}.html`)}">Version ${r.number}</a>, saved ${timeTag(r.createdAt, true)}${r.note ? `: ${escapeHtml(r.note)}` : ''}${r.title !== f.title ? ` (titled “${escapeHtml(r.title)}”)` : ''}${r.number === latest ? ' (the one shown above)' : ''}</li>`,
    )
    .join('\n');
  return `<section aria-labelledby="versions">
<h2 id="versions">Saved versions</h2>
<p>${f.revisions.length === 1 ? 'One version was saved.' : `${f.revisions.length} versions were saved, newest first.`} Each opens as it was.</p>
<ul>
${items}
</ul>
</section>`;
}

function feedbackSection(f: PieceViewFacts): string {
  if (f.feedback.length === 0 && f.statuses.length === 0) return '';
  const statuses = f.statuses.length
    ? `<ul>
${f.statuses.map((s) => `<li>${escapeHtml(s.hub)}: <strong>${STATUS_LABELS[s.status]}</strong>, on version ${s.revision}, ${timeTag(s.setAt)}</li>`).join('\n')}
</ul>`
    : '';
  const messages = f.feedback.length
    ? `<ol class="thread">
${f.feedback
  .map(
    (m) => `<li><p class="meta"><strong>${escapeHtml(m.author)}</strong> (${ROLE_LABELS[m.role]}${m.hub ? `, ${escapeHtml(m.hub)}` : ''}), on version ${m.revision}, ${timeTag(m.date, true)}</p>
<div class="entry">${m.html}</div></li>`,
  )
  .join('\n')}
</ol>`
    : '';
  return `<section aria-labelledby="feedback">
<h2 id="feedback">Feedback</h2>
<p>The conversation about this piece, which only you, the people in it and (if your school allowed it) your family
could read. It is also in <code>feedback/${escapeHtml(f.folder)}.md</code>.</p>
${statuses}
${messages}
</section>`;
}

function mentionsSection(f: PieceViewFacts): string {
  if (f.mentions.length === 0) return '';
  const items = f.mentions
    .map((m) => {
      const who = m.author ? (m.authorUrl ? `<a href="${escapeHtml(m.authorUrl)}">${escapeHtml(m.author)}</a>` : escapeHtml(m.author)) : 'Someone';
      return `<li class="mention"><p class="meta">${who} ${MENTION_LABELS[m.kind]}, ${timeTag(m.date)} (<a href="${escapeHtml(m.url)}">on their website</a>)</p>${m.html ? `\n<div class="entry">${m.html}</div>` : ''}</li>`;
    })
    .join('\n');
  return `<section aria-labelledby="mentions">
<h2 id="mentions">Replies, likes and mentions</h2>
<p>From other websites, each one approved by you. Also in <code>mentions/${escapeHtml(f.folder)}.json</code>.</p>
<ul>
${items}
</ul>
</section>`;
}

/** The offline page of one piece (`view/<folder>/index.html`). */
export function pieceView(f: PieceViewFacts): string {
  const e = escapeHtml;
  const tags = f.tags.length
    ? `<p class="meta">Tags: ${f.tags.map((t) => `<a href="${VIEW_ROOT}README.html#${encodeURIComponent(tagAnchor(t))}">#${e(t)}</a>`).join(' ')}</p>`
    : '';
  const where = [
    f.sitePage ? `<li><a href="${archiveHref(VIEW_ROOT, f.sitePage)}">This piece on your website</a>, in the <code>site</code> folder</li>` : '',
    `<li>The text as written, with its details: <a href="${archiveHref(VIEW_ROOT, `artifacts/${f.folder}/index.md`)}"><code>artifacts/${e(f.folder)}/index.md</code></a></li>`,
    `<li>Where it was online: <a href="${e(f.liveUrl)}">${e(f.liveUrl)}</a></li>`,
  ].join('\n');
  const main = `<article>
<h1>${e(f.title || 'Untitled')}</h1>
<p class="meta">${visibilityBadge(f.visibility)}</p>
<p class="meta">${e(f.kind[0].toUpperCase() + f.kind.slice(1))}, ${timeTag(f.date)}${f.updated ? `; changed ${timeTag(f.updated)}` : ''}</p>
${tags}
${f.summary ? `<p><em>${e(f.summary)}</em></p>` : ''}
${f.linkUrl ? `<p>About <a href="${e(f.linkUrl)}">${e(f.linkUrl)}</a></p>` : ''}
${f.cover ? `<p><img src="${archiveHref(VIEW_ROOT, f.cover.path)}" alt="${e(f.cover.alt)}"></p>` : ''}
<div class="entry">
${f.html}
</div>
</article>
${filesSection(f)}
${versionsSection(f)}
${feedbackSection(f)}
${mentionsSection(f)}
<section aria-labelledby="elsewhere">
<h2 id="elsewhere">Also in this archive</h2>
<ul>
${where}
</ul>
</section>`;
  return page(`${f.title || 'Untitled'} (${VISIBILITY_LABELS[f.visibility].name})`, readmeLink(f.owner), main);
}

/** What the page of one saved version shows. */
export interface RevisionViewFacts {
  owner: string;
  folder: string;
  /** The piece's title now (the version's own title is shown as its heading). */
  pieceTitle: string;
  number: number;
  /** How many versions the piece has (the highest number). */
  latest: number;
  previous: number | null;
  next: number | null;
  createdAt: Date;
  note: string;
  title: string;
  date: Date;
  summary: string;
  tags: string[];
  visibility: Visibility;
  /** The version's HTML, rendered from its Markdown and made offline already. */
  html: string;
}

/** The offline page of one saved version (`view/<folder>/<n>.html`). */
export function revisionView(f: RevisionViewFacts): string {
  const e = escapeHtml;
  const nav = [
    readmeLink(f.owner),
    `<li><a href="index.html">${e(f.pieceTitle || 'Untitled')}, as it is now</a></li>`,
    f.previous !== null ? `<li><a href="${f.previous}.html" rel="prev">Version ${f.previous}</a></li>` : '',
    f.next !== null ? `<li><a href="${f.next}.html" rel="next">Version ${f.next}</a></li>` : '',
  ].join('');
  const main = `<article>
<h1>${e(f.title || 'Untitled')}</h1>
<p class="note">Version ${f.number} of ${f.latest}, saved ${timeTag(f.createdAt, true)}${f.note ? `. Note: ${e(f.note)}` : ''}</p>
<p class="meta">${visibilityBadge(f.visibility)} (when this version was saved)</p>
<p class="meta">Dated ${timeTag(f.date)}${f.tags.length ? `; tags: ${f.tags.map((t) => `#${e(t)}`).join(' ')}` : ''}</p>
${f.summary ? `<p><em>${e(f.summary)}</em></p>` : ''}
<div class="entry">
${f.html}
</div>
</article>
<p class="file">The text as written: <a href="${archiveHref(VIEW_ROOT, `revisions/${f.folder}/${f.number}.md`)}"><code>revisions/${e(f.folder)}/${f.number}.md</code></a></p>`;
  return page(`${f.title || 'Untitled'}, version ${f.number}`, nav, main);
}
