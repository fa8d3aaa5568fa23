/**
 * Between microformats2 properties and Potluck artifacts. A Micropub h-entry becomes the same ArtifactInput the
 * editor saves (title, Markdown body, tags, date, visibility), and a stored piece is answered as properties for
 * `q=source`. Visibility is chosen here and never by accident: the school's default, `private` for a draft, and
 * only what the app asks for explicitly otherwise (Public then still needs the student's own right to publish).
 */
import type { ArtifactInput } from '../../core/artifacts.ts';
import { slugFromTitle } from '../../core/artifacts.ts';
import { can } from '../../core/policy.ts';
import type { Visibility } from '../../core/visibility.ts';
import type { AppContext } from '../context.ts';
import type { Artifact, User } from '../db/schema.ts';
import { getPolicy } from '../policy.ts';
import { publicSharingSubject } from '../policyFacts.ts';
import { htmlToMarkdown } from './htmlToMarkdown.ts';
import type { Properties } from './request.ts';

const first = (props: Properties, name: string): unknown => props[name]?.[0];
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** The Markdown of a `content` value: text is Markdown, `{html}` is sanitized and converted, `{value}` is text. */
export function contentToMarkdown(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const v = value as { html?: unknown; value?: unknown; markdown?: unknown };
    if (typeof v.html === 'string') return htmlToMarkdown(v.html);
    if (typeof v.markdown === 'string') return v.markdown;
    if (typeof v.value === 'string') return v.value;
  }
  return '';
}

/** A title for a note that has none: its first words, then "…", never "(untitled)". */
export function titleFromText(markdown: string, date: Date): string {
  const words = markdown
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[#*_`>~]/g, ' ')
    .split(/\s+/)
    .filter(Boolean);
  if (words.length === 0) return `Note of ${date.toISOString().slice(0, 10)}`;
  let title = '';
  for (const word of words) {
    if ((title + ' ' + word).trim().length > 60) return `${title}…`;
    title = (title + ' ' + word).trim();
  }
  return title;
}

/** Micropub visibility words to Potluck's: `protected` is the class-only kind. */
function visibilityOf(word: string | undefined): Visibility | null {
  if (!word) return null;
  const w = word.toLowerCase();
  if (w === 'public' || w === 'unlisted' || w === 'private') return w;
  if (w === 'members' || w === 'protected') return 'members';
  return null;
}

/**
 * The visibility of a piece written through Micropub: `post-status=draft` is private; an explicit `visibility` is
 * honoured (Public then goes through the same consent check as the editor, which refuses it when not allowed); the
 * school's default otherwise, lowered to Class members when it is Public and this student may not publish publicly.
 */
export function chooseVisibility(app: AppContext, owner: User, props: Properties, current?: Visibility): Visibility {
  if (str(first(props, 'post-status'))?.toLowerCase() === 'draft') return 'private';
  const asked = visibilityOf(str(first(props, 'visibility')));
  if (asked) return asked;
  if (current) return current;
  const fallback = getPolicy(app).defaultVisibility;
  if (fallback === 'public' && !can(owner, 'publish', publicSharingSubject(app, owner.id))) return 'members';
  return fallback;
}

export function categoriesOf(props: Properties): string[] {
  return (props['category'] ?? []).filter((c): c is string => typeof c === 'string');
}

/** The date of `published`, or an error message. */
export function publishedOf(props: Properties): Date | undefined | string {
  const text = str(first(props, 'published'));
  if (!text) return undefined;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? `“published” is not a date: ${text.slice(0, 40)}` : date;
}

/** An ArtifactInput from properties; `mediaMarkdown` are the pictures' snippets to add after the text. */
export function inputFromProperties(
  app: AppContext,
  owner: User,
  props: Properties,
  mediaMarkdown: string[],
  base?: Artifact,
): ArtifactInput {
  const content = props['content'] !== undefined ? contentToMarkdown(first(props, 'content')) : (base?.body ?? '');
  const body = [content.trim(), ...mediaMarkdown].filter(Boolean).join('\n\n');
  const published = publishedOf(props);
  const date = published instanceof Date ? published : (base?.date ?? app.now());
  const name = str(first(props, 'name'))?.trim();
  const bookmark = str(first(props, 'bookmark-of'));
  const slugWord = str(first(props, 'mp-slug'));
  return {
    title: name || (props['name'] !== undefined || !base ? titleFromText(body, date) : base.title),
    summary: props['summary'] !== undefined ? (str(first(props, 'summary')) ?? '') : (base?.summary ?? ''),
    kind: bookmark ? 'link' : (base?.kind ?? 'post'),
    linkUrl: bookmark ?? base?.linkUrl ?? null,
    visibility: chooseVisibility(app, owner, props, base?.visibility),
    format: base?.format ?? 'markdown',
    body,
    tags: props['category'] !== undefined || !base ? categoriesOf(props) : base.tags,
    date: published instanceof Date || !base ? date : base.date,
    coverMediaId: base?.coverMediaId ?? null,
    canonical: base?.canonical ?? null,
    ...(slugWord ? { slug: slugFromTitle(slugWord) || undefined } : base ? { slug: base.slug } : {}),
  };
}

/** A stored piece as h-entry properties (`q=source`). */
export function propertiesOf(app: AppContext, artifact: Artifact, url: string): Properties {
  const props: Properties = {
    name: [artifact.title],
    content: [artifact.body],
    published: [artifact.date.toISOString()],
    updated: [artifact.updatedAt.toISOString()],
    url: [url],
    visibility: [artifact.visibility === 'members' ? 'protected' : artifact.visibility],
    'post-status': [artifact.visibility === 'private' ? 'draft' : 'published'],
  };
  if (artifact.summary) props.summary = [artifact.summary];
  if (artifact.tags.length) props.category = [...artifact.tags];
  if (artifact.linkUrl) props['bookmark-of'] = [artifact.linkUrl];
  return props;
}
