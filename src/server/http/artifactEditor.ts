/**
 * The artifact editor at the HTTP edge: the new and edit pages hand their request here; the cookie and the body are
 * read (with the editor's size limits) and the editor's commands do the rest (commands/editorLoader.ts,
 * commands/editorSubmitter.ts).
 */
import { and, eq } from 'drizzle-orm';
import type { AstroCookies } from 'astro';
import { can } from '../../core/policy.ts';
import { loadEditor } from '../../commands/editorLoader.ts';
import { submitEditor } from '../../commands/editorSubmitter.ts';
import type { EditorOutcome, EditorSubject, EditorView } from '../../commands/editorView.ts';
import type { AppContext } from '../context.ts';
import { media } from '../db/schema.ts';
import { publicSharingSubject } from '../policyFacts.ts';
import { readFormLimited } from './bodyLimits.ts';
import { KEPT_COOKIE, MAX_EDITOR_POST_BYTES, keptTokenHash } from './keptEdits.ts';

export type { EditorView };

export interface EditorRequest extends EditorSubject {
  request: Request;
  url: URL;
  cookies: AstroCookies;
}

/** The editor on a GET. */
export function showEditor(app: AppContext, props: EditorRequest): EditorView {
  const token = props.cookies.get(KEPT_COOKIE)?.value;
  return loadEditor(app, { user: props.user, artifact: props.artifact, searchParams: props.url.searchParams, keptTokenHash: token ? keptTokenHash(token) : undefined });
}

/** The editor on a POST: save (redirect), or the page again with the outcome. */
export async function handleEditorPost(app: AppContext, props: EditorRequest): Promise<EditorOutcome> {
  const form = await readFormLimited(props.request, MAX_EDITOR_POST_BYTES);
  return submitEditor(app, { user: props.user, artifact: props.artifact, form });
}

/** The editor for this request: a GET shows it; a POST runs the form, and may answer with a redirect. */
export async function editorFor(app: AppContext, props: EditorRequest): Promise<EditorOutcome> {
  return props.request.method === 'POST' ? handleEditorPost(app, props) : { kind: 'page', view: showEditor(app, props) };
}

/** The owner's images for pickers. */
export function ownImages(app: AppContext, ownerId: string) {
  return app.db
    .select({ id: media.id, filename: media.filename, alt: media.alt })
    .from(media)
    .where(and(eq(media.ownerId, ownerId), eq(media.kind, 'image')))
    .all();
}

/** Whether this person may choose Public under the instance policy (core/policy.ts, "publicSharing"). */
export function mayPublish(app: AppContext, userId: string): boolean {
  const subject = publicSharingSubject(app, userId);
  return can({ id: userId, role: 'student' }, 'publish', subject);
}
