/**
 * The Micropub endpoint (W3C Micropub): apps write to a member's portfolio with a Bearer token. Create, update,
 * delete and undelete go through the editor's commands (artifactSaver: validation, sanitizer, revisions;
 * artifactDeleter), pictures through the media pipeline. Each action needs its scope (403 insufficient_scope);
 * no token, or a dead one, is 401. Only the token's owner's pieces can be named: anyone else's address is answered
 * like one that does not exist. Session cookies are never read here.
 */
import { and, eq } from 'drizzle-orm';
import { saveArtifact } from '../../commands/artifactSaver.ts';
import { deleteThroughMicropub, undeleteThroughMicropub } from '../../commands/micropubDeleter.ts';
import { uploadMedia } from '../../commands/mediaUploader.ts';
import { PotluckError } from '../../core/errors.ts';
import type { AppContext } from '../context.ts';
import { artifacts, hubMembers, hubs, type Artifact, type User } from '../db/schema.ts';
import { logger } from '../logger.ts';
import { readUploadForm, toUploadFile, uploadedFile } from '../media/uploadForm.ts';
import { json, oauthError } from '../indieauth/responses.ts';
import { hasScope, type Scope } from '../indieauth/scopes.ts';
import { bearerOf, checkToken } from '../indieauth/tokens.ts';
import { indieAuthUrls } from '../indieauth/urls.ts';
import { inputFromProperties, propertiesOf } from './properties.ts';
import { storePhotos } from './photos.ts';
import { readMicropubRequest, type MicropubRequest, type Properties } from './request.ts';

type Authed = { user: User; scope: string };

function authenticate(app: AppContext, request: Request, formToken: string | null): Authed | Response {
  const { token, twice } = bearerOf(request, formToken);
  if (twice) return oauthError(400, 'invalid_request', 'Send the access token once: in the Authorization header or in the body, not both.');
  if (!token) return oauthError(401, 'unauthorized', 'Send an access token as Authorization: Bearer TOKEN.');
  const check = checkToken(app, token);
  if (!check.ok) return oauthError(check.status, check.error, check.message);
  return { user: check.user, scope: check.token.scope };
}

function needScope(auth: Authed, scope: Scope): Response | null {
  if (hasScope(auth.scope, scope)) return null;
  return oauthError(403, 'insufficient_scope', `This token may not ${scope}: sign in to the app again and allow it.`, { scope });
}

export function pieceUrl(app: AppContext, user: Pick<User, 'handle'>, slug: string): string {
  return `${app.config.siteUrl}/@${user.handle}/${slug}/`;
}

/** The slug a URL of the owner's portfolio names, or null (another site, another member, not a piece). */
function slugOf(app: AppContext, user: User, url: string): string | null {
  try {
    const parsed = new URL(url, app.config.siteUrl);
    if (parsed.origin !== new URL(app.config.siteUrl).origin) return null;
    const match = /^\/@([^/]+)\/([a-z0-9-]+)\/?$/.exec(parsed.pathname);
    return match && match[1].toLowerCase() === user.handle ? match[2] : null;
  } catch {
    return null;
  }
}

function ownPiece(app: AppContext, user: User, url: string): Artifact | null {
  const slug = slugOf(app, user, url);
  if (!slug) return null;
  return app.db.select().from(artifacts).where(and(eq(artifacts.ownerId, user.id), eq(artifacts.slug, slug))).get() ?? null;
}

function myHubs(app: AppContext, user: User) {
  return app.db
    .select({ slug: hubs.slug, title: hubs.title, tags: hubs.tags })
    .from(hubMembers)
    .innerJoin(hubs, eq(hubs.id, hubMembers.hubId))
    .where(eq(hubMembers.userId, user.id))
    .all()
    .map((h) => ({ ...h, uid: `${app.config.siteUrl}/hubs/${h.slug}/` }));
}

function errorOf(error: unknown): Response {
  if (error instanceof PotluckError) {
    const detail = [error.message, ...error.issues.map((i) => `${i.field}: ${i.message}`)].join(' ');
    if (error.status === 403) return oauthError(403, 'forbidden', detail);
    if (error.status === 404) return oauthError(400, 'invalid_request', 'There is no such piece in your portfolio.');
    if (error.status === 413) return oauthError(413, 'invalid_request', detail);
    if (error.status === 415) return oauthError(415, 'invalid_request', detail);
    return oauthError(400, 'invalid_request', detail);
  }
  throw error;
}

/** GET: `q=config`, `q=source`, `q=syndicate-to`. */
export function micropubQuery(app: AppContext, request: Request, url: URL): Response {
  const auth = authenticate(app, request, url.searchParams.get('access_token'));
  if (auth instanceof Response) return auth;
  const q = url.searchParams.get('q');
  // Reading a piece's source is for apps that may change it: a sign-in-only (profile) token never reads a draft.
  const refused = q === 'source' ? needScope(auth, 'update') : hasScope(auth.scope, 'create') ? null : needScope(auth, 'update');
  if (refused) return refused;
  const syndicateTo = () => myHubs(app, auth.user).map((h) => ({ uid: h.uid, name: h.title }));
  if (q === 'config') {
    return json({
      'media-endpoint': indieAuthUrls(app).media,
      'syndicate-to': syndicateTo(),
      q: ['config', 'source', 'syndicate-to'],
      'post-types': [
        { type: 'note', name: 'Note' },
        { type: 'article', name: 'Post' },
        { type: 'photo', name: 'Photo' },
        { type: 'bookmark', name: 'Link' },
      ],
    });
  }
  if (q === 'syndicate-to') return json({ 'syndicate-to': syndicateTo() });
  if (q === 'source') {
    const target = url.searchParams.get('url');
    if (!target) return oauthError(400, 'invalid_request', 'Say which piece: q=source&url=…');
    const piece = ownPiece(app, auth.user, target);
    if (!piece) return oauthError(400, 'invalid_request', 'There is no such piece in your portfolio.');
    const all = propertiesOf(app, piece, pieceUrl(app, auth.user, piece.slug));
    const wanted = url.searchParams.getAll('properties[]').concat(url.searchParams.getAll('properties'));
    if (wanted.length) return json({ properties: Object.fromEntries(wanted.filter((w) => w in all).map((w) => [w, all[w]])) });
    return json({ type: ['h-entry'], properties: all });
  }
  return oauthError(400, 'invalid_request', `Potluck answers q=config, q=source and q=syndicate-to${q ? `, not q=${q.slice(0, 30)}` : ''}.`);
}

/** How widely each visibility is read, least first. */
const OPENNESS = { private: 0, members: 1, unlisted: 2, public: 3 } as const;

/** POST: create, update, delete, undelete. */
export async function micropubPost(app: AppContext, request: Request): Promise<Response> {
  // A request without any token is answered before its body is read.
  const headerOnly = bearerOf(request);
  const type = request.headers.get('content-type') ?? '';
  if (!headerOnly.token && /json/i.test(type)) return oauthError(401, 'unauthorized', 'Send an access token as Authorization: Bearer TOKEN.');
  let mp: MicropubRequest;
  try {
    mp = await readMicropubRequest(request);
  } catch (error) {
    // The token check comes first: an anonymous caller learns nothing about what it sent.
    const auth = authenticate(app, request, null);
    if (auth instanceof Response) return auth;
    return errorOf(error);
  }
  const auth = authenticate(app, request, mp.accessToken);
  if (auth instanceof Response) return auth;
  try {
    switch (mp.action) {
      case 'create':
        return needScope(auth, 'create') ?? (await create(app, auth.user, mp));
      case 'update':
        return needScope(auth, 'update') ?? (await update(app, auth.user, mp));
      case 'delete': {
        const refused = needScope(auth, 'delete');
        if (refused) return refused;
        const piece = ownPiece(app, auth.user, mp.url);
        if (!piece) return oauthError(400, 'invalid_request', 'There is no such piece in your portfolio.');
        deleteThroughMicropub(app, { ownerId: auth.user.id, artifact: piece });
        return new Response(null, { status: 204 });
      }
      case 'undelete': {
        const refused = needScope(auth, 'undelete');
        if (refused) return refused;
        const slug = slugOf(app, auth.user, mp.url);
        if (!slug) return oauthError(400, 'invalid_request', 'There is no such piece in your portfolio.');
        const piece = undeleteThroughMicropub(app, { ownerId: auth.user.id, slug });
        if (piece.slug === slug) return new Response(null, { status: 204 });
        return new Response(null, { status: 201, headers: { location: pieceUrl(app, auth.user, piece.slug) } });
      }
      default:
        return oauthError(400, 'invalid_request', `Potluck does not know the action “${String(mp.action).slice(0, 30)}”.`);
    }
  } catch (error) {
    return errorOf(error);
  }
}

/** Hubs named in `mp-syndicate-to` add their first hashtag: that is how a piece reaches a Potluck hub. */
function syndicationTags(app: AppContext, user: User, props: Properties): string[] {
  const asked = (props['mp-syndicate-to'] ?? []).filter((v): v is string => typeof v === 'string');
  if (!asked.length) return [];
  const mine = myHubs(app, user);
  return asked.map((uid) => {
    const hub = mine.find((h) => h.uid === uid || h.slug === uid);
    if (!hub) throw new PotluckError('VALIDATION', `“${uid.slice(0, 80)}” is not one of your hubs (see q=syndicate-to).`);
    return hub.tags[0];
  }).filter((t): t is string => Boolean(t));
}

async function create(app: AppContext, user: User, mp: MicropubRequest): Promise<Response> {
  if (mp.type !== 'entry' && mp.type !== 'h-entry') {
    return oauthError(400, 'invalid_request', `Potluck writes h-entry posts, not h-${mp.type.replace(/^h-/, '').slice(0, 30)}.`);
  }
  const props = mp.properties;
  const photos = await storePhotos(app, user.id, props['photo'] ?? [], mp.files['photo'] ?? []);
  const input = inputFromProperties(app, user, props, photos);
  input.tags = [...(input.tags ?? []), ...syndicationTags(app, user, props)];
  const { artifact } = await saveArtifact(app, { ownerId: user.id, input, note: 'Posted with an app (Micropub)' });
  logger.info('Micropub post created', { artifactId: artifact.id, visibility: artifact.visibility });
  return new Response(null, { status: 201, headers: { location: pieceUrl(app, user, artifact.slug), 'cache-control': 'no-store' } });
}

function applyUpdate(current: Properties, mp: MicropubRequest): Properties | string {
  const next: Properties = { ...current };
  for (const [key, values] of Object.entries(mp.replace)) next[key] = values;
  for (const [key, values] of Object.entries(mp.add)) next[key] = [...(next[key] ?? []), ...values];
  if (Array.isArray(mp.remove)) {
    // An emptied property, so that what the piece had for it goes too.
    for (const key of mp.remove) next[key] = [];
  } else {
    for (const [key, values] of Object.entries(mp.remove)) {
      next[key] = (next[key] ?? []).filter((v) => !values.some((r) => JSON.stringify(r) === JSON.stringify(v)));
    }
  }
  if (!Object.keys(mp.replace).length && !Object.keys(mp.add).length && (Array.isArray(mp.remove) ? !mp.remove.length : !Object.keys(mp.remove).length)) {
    return 'An update needs replace, add or delete.';
  }
  return next;
}

async function update(app: AppContext, user: User, mp: MicropubRequest): Promise<Response> {
  const piece = ownPiece(app, user, mp.url);
  if (!piece) return oauthError(400, 'invalid_request', 'There is no such piece in your portfolio.');
  const current = propertiesOf(app, piece, pieceUrl(app, user, piece.slug));
  const next = applyUpdate(current, mp);
  if (typeof next === 'string') return oauthError(400, 'invalid_request', next);
  // Removing the title makes it a note again: its first words stand in.
  if (!next['name']?.length) next['name'] = [];
  const added = [...(mp.add['photo'] ?? []), ...(mp.replace['photo'] ?? [])];
  const photos = added.length ? await storePhotos(app, user.id, added, []) : [];
  const input = inputFromProperties(app, user, next, photos, piece);
  // An app changes what a piece says, never who may read it more widely: opening it up is the student's own choice, in
  // Potluck's editor. Making it more private is allowed.
  if (OPENNESS[input.visibility as keyof typeof OPENNESS] > OPENNESS[piece.visibility]) {
    return oauthError(403, 'forbidden', 'An app may make a piece more private, never more widely seen. Change who can see it in Potluck’s editor.');
  }
  const { artifact } = await saveArtifact(app, { ownerId: user.id, artifactId: piece.id, input, note: 'Changed with an app (Micropub)' });
  if (artifact.slug !== piece.slug) return new Response(null, { status: 201, headers: { location: pieceUrl(app, user, artifact.slug) } });
  return new Response(null, { status: 204 });
}

/** The media endpoint: one file (multipart `file`), 201 with its URL. */
export async function micropubMedia(app: AppContext, request: Request): Promise<Response> {
  const headerAuth = bearerOf(request);
  if (!headerAuth.token && !/multipart/i.test(request.headers.get('content-type') ?? '')) {
    return oauthError(401, 'unauthorized', 'Send an access token as Authorization: Bearer TOKEN.');
  }
  let form: FormData;
  try {
    form = await readUploadForm(request);
  } catch (error) {
    const auth = authenticate(app, request, null);
    if (auth instanceof Response) return auth;
    return errorOf(error);
  }
  const bodyToken = form.get('access_token');
  const auth = authenticate(app, request, typeof bodyToken === 'string' ? bodyToken : null);
  if (auth instanceof Response) return auth;
  const refused = needScope(auth, 'media');
  if (refused) return refused;
  const file = uploadedFile(form, ['file']);
  if (!file) return oauthError(400, 'invalid_request', 'Send the file in the multipart field “file”.');
  try {
    const row = await uploadMedia(app, { ownerId: auth.user.id, file: await toUploadFile(file) });
    return new Response(null, { status: 201, headers: { location: `${app.config.siteUrl}/media/${encodeURIComponent(row.id)}/`, 'cache-control': 'no-store' } });
  } catch (error) {
    return errorOf(error);
  }
}
