/**
 * README.html at the top of an exported archive: the archive's front door, a plain page a graduate (or a parent, or
 * a future employer) can open by double-clicking, that says what is inside and what to do with it, without any
 * software or network. It links to the website in site/ and to the offline page of every piece of every visibility
 * (views.ts), listed by date and by tag. Styles inline, no scripts, no images, relative links only, nothing fetched
 * from anywhere. Pure.
 */
import { archiveDay, offlinePageHead, escapeHtml, tagAnchor, VISIBILITY_LABELS, type Visibility } from './views.ts';

/** One message of a feedback thread, as README.html shows it. */
export interface ReadmeFeedbackMessage {
  author: string;
  role: 'owner' | 'teacher' | 'reviewer';
  revision: number;
  date: Date;
  /** The text as written (Markdown), shown as plain text. */
  body: string;
}

/** One piece in README.html's lists. */
export interface ReadmePiece {
  title: string;
  date: Date;
  visibility: Visibility;
  tags: string[];
  /** Its offline page, from the archive root (already a relative URL). */
  href: string;
  versions: number;
  feedback: number;
}

/** What the README says about one archive. */
export interface ArchiveReadmeFacts {
  name: string;
  handle: string;
  exportedAt: Date;
  /** Where the archive came from (this instance's address). */
  instanceUrl: string;
  artifacts: { total: number; public: number; unlisted: number; members: number; private: number };
  revisions: number;
  files: number;
  showcases: number;
  hubs: number;
  /** The feedback threads (feedback/<folder>.md), each shown in full so they can be read with nothing but a browser. */
  feedback?: { title: string; file: string; messages: ReadmeFeedbackMessage[]; href?: string }[];
  /** Every piece, with its offline page (absent: the README lists none). */
  pieces?: ReadmePiece[];
  /** How many approved Webmentions (mentions/<folder>.json) the archive holds. */
  mentions?: number;
  /** Whether site/ was included, and how many pages it has. */
  site: { pages: number; base: string } | null;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en')} ${n === 1 ? one : many}`;

const WHO: Record<ReadmeFeedbackMessage['role'], string> = { owner: 'you', teacher: 'teacher', reviewer: 'classmate you invited to review' };

const dayOf = archiveDay;

/** The feedback section: what feedback is, where its files are, and every thread, readable right here. */
function feedbackSection(threads: NonNullable<ArchiveReadmeFacts['feedback']>): string {
  const e = escapeHtml;
  const intro = `<p><strong>Feedback</strong> is the conversation about a piece of work: what your teachers (and classmates you
invited to review it) wrote about it, and your replies. Only you, the people in the conversation and, if your school
allowed it, your family could read it. It was never on your public website, and it is not in the <code>site</code>
folder.</p>`;
  if (threads.length === 0) {
    return `${intro}
<p>Nobody wrote feedback on your work, so this archive has no <code>feedback</code> folder.</p>`;
  }
  const messages = threads.reduce((sum, t) => sum + t.messages.length, 0);
  const list = threads
    .map(
      (t) => `<section class="thread">
<h3>${t.href ? `<a href="${t.href}#feedback">${e(t.title)}</a>` : e(t.title)}</h3>
<p class="file">Saved in <code>${e(t.file)}</code></p>
<ol>
${t.messages
  .map(
    (m) => `<li><p class="who"><strong>${e(m.author)}</strong> (${WHO[m.role]}), on version ${m.revision.toLocaleString('en')} of the piece, ${e(dayOf(m.date))}</p>
<div class="text">${e(m.body)}</div></li>`,
  )
  .join('\n')}
</ol>
</section>`,
    )
    .join('\n');
  return `${intro}
<p>There ${messages === 1 ? 'is' : 'are'} ${plural(messages, 'message')} on ${plural(threads.length, 'piece')}. Each conversation is
a file in the <code>feedback</code> folder (a text file any editor opens: who wrote each message and when at the
top, then the messages in order). You can also read them all here:</p>
${list}`;
}

/** One line of a list of pieces: the title linked to its page, when it is dated, who could read it. */
function pieceItem(p: ReadmePiece): string {
  const e = escapeHtml;
  const extra = [p.versions > 1 ? plural(p.versions, 'saved version') : '', p.feedback ? plural(p.feedback, 'feedback message') : '']
    .filter(Boolean)
    .join(', ');
  return `<li><a href="${p.href}">${e(p.title || 'Untitled')}</a>, <time datetime="${p.date.toISOString()}">${e(dayOf(p.date))}</time>
<span class="visibility visibility-${p.visibility}">${VISIBILITY_LABELS[p.visibility].name}</span>${extra ? ` <span class="meta">(${extra})</span>` : ''}</li>`;
}

/** Every piece, newest first by year, then by tag: the table of contents of the whole archive. */
function piecesSection(pieces: ReadmePiece[]): string {
  if (pieces.length === 0) return '';
  const byDate = [...pieces].sort((a, b) => b.date.getTime() - a.date.getTime() || a.title.localeCompare(b.title));
  const years = new Map<number, ReadmePiece[]>();
  for (const p of byDate) years.set(p.date.getUTCFullYear(), [...(years.get(p.date.getUTCFullYear()) ?? []), p]);
  const tags = new Map<string, ReadmePiece[]>();
  for (const p of byDate) for (const t of p.tags) tags.set(t, [...(tags.get(t) ?? []), p]);
  const names = [...tags.keys()].sort((a, b) => a.localeCompare(b));
  const legend = (Object.keys(VISIBILITY_LABELS) as Visibility[])
    .map((v) => `<li><span class="visibility visibility-${v}">${VISIBILITY_LABELS[v].name}</span>: ${VISIBILITY_LABELS[v].meaning}</li>`)
    .join('\n');
  return `<h2 id="by-date">Your work by date</h2>
<p>Every piece, of every kind, whoever could see it: click a title to read it, with its pictures and files, every
saved version, the feedback on it and the replies from other websites. Each is marked with who could read it:</p>
<ul>
${legend}
</ul>
${[...years]
  .map(([year, list]) => `<h3 id="year-${year}">${year}</h3>\n<ul>\n${list.map(pieceItem).join('\n')}\n</ul>`)
  .join('\n')}
<h2 id="by-tag">Your work by tag</h2>
${
  names.length
    ? `<p>${names.map((t) => `<a href="#${encodeURIComponent(tagAnchor(t))}">#${escapeHtml(t)}</a>`).join(' ')}</p>
${names.map((t) => `<h3 id="${escapeHtml(tagAnchor(t))}">#${escapeHtml(t)}</h3>\n<ul>\n${tags.get(t)!.map(pieceItem).join('\n')}\n</ul>`).join('\n')}`
    : '<p>None of your work has tags.</p>'
}
`;
}

/** The README page. */
export function archiveReadme(facts: ArchiveReadmeFacts): string {
  const e = escapeHtml;
  const a = facts.artifacts;
  const date = facts.exportedAt.toISOString().slice(0, 10);
  const hidden = a.private + a.members + a.unlisted;
  return `${offlinePageHead(`${facts.name}'s Potluck archive`)}<body>
<main>
<h1>${e(facts.name)}'s work, all of it</h1>
<nav aria-label="Contents">
<h2 id="contents">In this page</h2>
<ul>
${facts.site ? '<li><a href="#website">Your website</a></li>' : ''}
${facts.pieces?.length ? '<li><a href="#by-date">Your work by date</a></li>\n<li><a href="#by-tag">Your work by tag</a></li>' : ''}
<li><a href="#feedback">Feedback on your work</a></li>
<li><a href="#move">Move to another Potluck</a></li>
<li><a href="#rebuild">Rebuild the website</a></li>
<li><a href="#folder">What is in this folder</a></li>
</ul>
</nav>
<p>This folder is a complete copy of everything <strong>@${e(facts.handle)}</strong> made on Potluck
(<span>${e(facts.instanceUrl)}</span>), saved on ${e(date)}. It belongs to you. It needs no account, no
internet and no special program to read.</p>
<ul>
<li>${plural(a.total, 'piece')} of work (${plural(a.public, 'public piece')}${hidden ? `, and ${hidden.toLocaleString('en')} that only you or your class could see` : ''})</li>
<li>${plural(facts.revisions, 'saved version')} of that work (the whole history of every piece)</li>
<li>${plural(facts.files, 'picture and file', 'pictures and files')}, at full size</li>
<li>${plural(facts.showcases, 'showcase')} and the records of ${plural(facts.hubs, 'course hub')}</li>
${facts.mentions ? `<li>${plural(facts.mentions, 'reply, like or mention', 'replies, likes and mentions')} from other websites that you approved (in the <code>mentions</code> folder: one file per piece, in JSON, with who wrote each, when, where, and the text)</li>\n` : ''}${facts.feedback?.length ? `<li>${plural(facts.feedback.reduce((sum, t) => sum + t.messages.length, 0), 'feedback message')} from the conversations about your work (<a href="#feedback">read them below</a>)</li>\n` : ''}
</ul>
<p class="note"><strong>Keep this archive private.</strong> It holds work you chose not to publish (private,
members-only and unlisted pieces) and the feedback on your work. Only the <code>site</code> folder is meant to be shared: it contains your public
work and nothing else.</p>

<h2 id="website">Look at your website</h2>
${
  facts.site
    ? `<p><a href="site/index.html"><strong>Open your website</strong></a> (or open the <code>site</code> folder and double-click
<code>index.html</code>). Your portfolio opens in your web browser exactly as it looked online
(${plural(facts.site.pages, 'page')}), and every link works without internet. It shows your public work only.</p>
<p>To put it online again, upload the <em>contents</em> of the <code>site</code> folder to any web host (GitHub Pages,
Netlify, your school's or your own server). Nothing else is needed: it is plain web pages.</p>`
    : `<p>This archive was made without the <code>site</code> folder. You can make the website from the archive at any
time with Potluck (see "Rebuild the website" below).</p>`
}

${piecesSection(facts.pieces ?? [])}
<h2 id="feedback">Feedback on your work</h2>
${feedbackSection(facts.feedback ?? [])}

<h2 id="move">Move to another Potluck</h2>
<p>Any Potluck can take this archive back, with every piece, picture, showcase, saved version and feedback
conversation:</p>
<ul>
<li>Sign in, open <strong>Workspace → Import an archive</strong>, and choose this zip file. Importing the same
archive twice changes nothing the second time.</li>
<li>Or, for whoever runs that Potluck: <code>potluck import archive.zip --handle YOUR-HANDLE</code>.</li>
</ul>

<h2 id="rebuild">Rebuild the website without a server</h2>
<p>With a copy of Potluck on any computer (it is free software), this makes the website again from the archive alone,
without running a server or having an account:</p>
<pre>potluck build archive.zip --out my-site --base https://you.example.org/</pre>
<p><code>--base</code> is the address where you will publish it (it can be left out).</p>

<h2 id="folder">What is in this folder</h2>
<dl>
<dt><code>site/</code></dt>
<dd>Your public website, ready to open or upload.</dd>
<dt><code>artifacts/</code></dt>
<dd>One folder per piece of work. <code>index.md</code> is the text (Markdown, which any text editor opens), with
its details at the top between two <code>---</code> lines: title, date, tags, who could see it. Pictures and files
are beside it, at full size.</dd>
<dt><code>view/</code></dt>
<dd>The pages this file links to: one page per piece of work (with its pictures, feedback and replies) and one per
saved version, to read in a browser. They are made from the files below and can be deleted without losing anything.</dd>
<dt><code>revisions/</code></dt>
<dd>Every saved version of every piece: <code>revisions/&lt;piece&gt;/1.md</code> is the first version, the highest
number the latest. The pictures they show are in the piece's folder under <code>artifacts/</code>.</dd>
<dt><code>collections/</code></dt>
<dd>Your showcases: a title, the pieces in order, and your introduction.</dd>
<dt><code>feedback/</code></dt>
<dd>The feedback conversations (when someone wrote feedback), one file per piece of work, named like the piece's
folder under <code>artifacts/</code>. At the top, between two <code>---</code> lines: which piece it is and, for each message,
who wrote it, their role, the version of the piece and the date. Below: each message's text, after a line like
<code>&lt;!-- feedback:… --&gt;</code> that marks where it starts.</dd>
<dt><code>media/</code></dt>
<dd>Pictures and files you uploaded but did not use in a piece, and your profile picture.</dd>
<dt><code>hubs.json</code></dt>
<dd>The course hubs you were part of, and where each piece was shared (syndicated).</dd>
<dt><code>feed.json</code></dt>
<dd>Your public work as a JSON Feed, for feed readers and other sites.</dd>
<dt><code>potluck.json</code>, <code>media.json</code>, <code>variants/</code></dt>
<dd>Details for Potluck itself: your profile, descriptions of your pictures, and picture sizes already made (they
make the next import faster; deleting <code>variants/</code> loses nothing).</dd>
</dl>
<p>The format is called <code>potluck-archive/1</code>. It is open and plain on purpose: text files, pictures and JSON
that other tools can read too.</p>
</main>
</body>
</html>
`;
}
