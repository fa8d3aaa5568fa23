/**
 * The editor's safety net at the HTTP edge: a save or draft that arrives without a valid session is kept (see
 * commands/unsavedEditKeeper.ts) under a random cookie of this browser, and the student is sent to sign in; the
 * editor they come back to fills every field from the kept copy. The cross-origin check runs before any of this.
 */
import { sha256 } from '@oslojs/crypto/sha2';
import { encodeBase32LowerCaseNoPadding, encodeHexLowerCase } from '@oslojs/encoding';
import type { APIContext } from 'astro';
import { PotluckError } from '../../core/errors.ts';
import { MAX_BODY_CHARS } from '../../core/artifacts.ts';
import { isNewDraftKey } from '../../core/editor/fields.ts';
import { keepUnsavedEdit, KEPT_SAVE_MS } from '../../commands/unsavedEditKeeper.ts';
import type { AppContext } from '../context.ts';
import { readFormLimited, readTextLimited } from './bodyLimits.ts';
import { errorResponse } from './errorPage.ts';

/** The cookie that binds kept saves to this browser. */
export const KEPT_COOKIE = 'potluck_kept';
/** The most one draft or editor post may be: the longest text a piece may hold, in the widest UTF-8, and its fields. */
export const MAX_EDITOR_POST_BYTES = MAX_BODY_CHARS * 4 + 256 * 1024;

const EDITOR_PATH = /^\/workspace\/artifacts\/(new|[A-Za-z0-9_-]{1,64})\/?$/;

/** The editor address a path names (`/workspace/artifacts/new` or `/workspace/artifacts/<id>`), or null. */
export function editorPathOf(pathname: string): string | null {
  const match = EDITOR_PATH.exec(pathname);
  return match ? `/workspace/artifacts/${match[1]}` : null;
}

/** The editor address a draft key belongs to. */
export function editorPathOfDraftKey(key: string): string {
  return isNewDraftKey(key) ? '/workspace/artifacts/new' : `/workspace/artifacts/${key}`;
}

/** SHA-256 of a kept-save cookie value: what the database stores. */
export function keptTokenHash(token: string): string {
  return encodeHexLowerCase(sha256(new TextEncoder().encode(token)));
}

function keptCookieOptions(app: AppContext) {
  return { httpOnly: true, sameSite: 'lax' as const, secure: app.config.secureCookies, path: '/', maxAge: KEPT_SAVE_MS / 1000 };
}

function browserToken(context: APIContext): string {
  const existing = context.cookies.get(KEPT_COOKIE)?.value;
  if (existing && /^[a-z2-7]{32}$/.test(existing)) return existing;
  const bytes = new Uint8Array(20);
  crypto.getRandomValues(bytes);
  const token = encodeBase32LowerCaseNoPadding(bytes);
  context.cookies.set(KEPT_COOKIE, token, keptCookieOptions(context.locals.app));
  return token;
}


/** Whether this signed-out request is one the safety net keeps: an editor save, or a draft. */
export function isKeepableEdit(request: Request, pathname: string): boolean {
  if (request.method !== 'POST') return false;
  return pathname === '/api/drafts' || editorPathOf(pathname) !== null;
}

/**
 * Keeps a signed-out editor post or draft and answers: the editor's form goes to sign-in (303) with `next` back to
 * the editor; a draft gets 401 JSON saying it was kept. When it cannot be kept (too large, too many), the answer
 * says so and that the text is still in the page.
 */
export async function keepSignedOutEdit(context: APIContext): Promise<Response> {
  const app = context.locals.app;
  const isDraft = context.url.pathname === '/api/drafts';
  let path: string;
  let values: Record<string, unknown>;
  try {
    if (isDraft) {
      const body = JSON.parse(await readTextLimited(context.request, MAX_EDITOR_POST_BYTES, 'This draft')) as unknown;
      const draft = (body && typeof body === 'object' ? body : {}) as { key?: unknown; values?: unknown; baseRevision?: unknown; editor?: unknown };
      if (typeof draft.key !== 'string' || !draft.values || typeof draft.values !== 'object') {
        throw new PotluckError('VALIDATION', 'Send JSON {key, values, baseRevision, editor}.');
      }
      if (!/^[A-Za-z0-9_-]{1,70}$/.test(draft.key)) throw new PotluckError('VALIDATION', 'The draft key is not one the editor makes.');
      path = editorPathOfDraftKey(draft.key);
      values = { ...(draft.values as Record<string, unknown>), editor: draft.editor, baseRevision: draft.baseRevision == null ? undefined : String(draft.baseRevision) };
    } else {
      path = editorPathOf(context.url.pathname)!;
      const form = await readFormLimited(context.request, MAX_EDITOR_POST_BYTES);
      values = Object.fromEntries([...form].filter(([, v]) => typeof v === 'string'));
    }
    const editor = typeof values.editor === 'string' ? values.editor : '';
    if (!editor) throw new PotluckError('VALIDATION', 'This form is from an older page; Potluck could not tell whose it is.');
    keepUnsavedEdit(app, { tokenHash: keptTokenHash(browserToken(context)), path, userId: editor, values, address: context.locals.address });
  } catch (error) {
    const known = error instanceof PotluckError ? error : error instanceof SyntaxError ? new PotluckError('VALIDATION', 'The draft was not valid JSON.') : null;
    if (!known) throw error;
    const message = `You are signed out, and Potluck could not keep this text for you: ${known.message} Your text is still in the page you came from: go back, copy it somewhere safe, then sign in.`;
    if (isDraft) return Response.json({ error: { code: known.code, message }, kept: false }, { status: 401 });
    return errorResponse(known.status === 400 ? 400 : known.status, 'Signed out', message);
  }
  if (isDraft) {
    return Response.json(
      {
        error: { code: 'UNAUTHENTICATED', message: 'You are signed out. Your text is kept for an hour: sign in again and it comes back.' },
        kept: true,
        signIn: `/signin?next=${encodeURIComponent(`${path}?kept=1`)}`,
      },
      { status: 401 },
    );
  }
  return context.redirect(`/signin?next=${encodeURIComponent(`${path}?kept=1`)}`, 303);
}
