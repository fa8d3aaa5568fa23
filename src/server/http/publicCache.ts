/**
 * Validators for everything under `/@handle/`: computed from the portfolio's `contentVersion` (plus a one-query
 * fingerprint of its public work), the address and the render mode, BEFORE rendering, so that a visitor whose copy
 * is current gets `304 Not Modified` without the page being built. Feed routes use `portfolioValidators` directly;
 * the middleware calls `beforePublicPage` / `afterPublicPage` around public pages.
 */
import type { APIContext } from 'astro';
import { PotluckError } from '../../core/errors.ts';
import { SESSION_COOKIE_NAMES } from '../auth/sessions.ts';
import type { AppContext } from '../context.ts';
import type { User } from '../db/schema.ts';
import { getPortfolioOwner, publicChangeTime } from '../repositories/portfolio.ts';
import { pageKeyOf } from './pageCache.ts';
import { publicFingerprint } from '../repositories/publicWork.ts';
import { PERSONAL_CACHE_CONTROL, SERVER_GENERATION, conditional, makeEtag, setHeaders, withCacheHeaders, type Validators } from './caching.ts';
import type { RenderMode } from './renderMode.ts';

/** The part of Astro's context these hooks read. */
export type PublicContext = Pick<APIContext, 'request' | 'url' | 'locals' | 'cookies'>;

/**
 * The validators of one public representation of a portfolio: `variant` names what is served at `path` ('page',
 * 'rss', 'json'). Anything the public can see changing (work, showcases, profile) gives a new ETag.
 */
export function portfolioValidators(
  app: AppContext,
  owner: User,
  props: { path: string; variant: string; render: RenderMode },
): Validators {
  const fingerprint = publicFingerprint(app, owner);
  // Everything that decides what any page or feed of this portfolio shows, whatever its address.
  const content = makeEtag([
    'portfolio/1',
    SERVER_GENERATION,
    app.config.siteUrl,
    owner.handle,
    owner.contentVersion,
    // The profile shows on every page and in every feed; hashing it keeps caches right even without a version bump.
    owner.name,
    owner.bio,
    owner.siteTitle,
    owner.siteLicense,
    owner.canonicalBaseUrl,
    owner.noindex,
    owner.avatarMediaId,
    JSON.stringify(owner.links),
    fingerprint.works,
    fingerprint.revisions,
    fingerprint.showcases,
    fingerprint.lastModified?.getTime(),
  ]);
  const etag = makeEtag([content, props.path, props.variant, props.render.static, props.render.staticBase]);
  // Last-Modified moves with the ETag: a profile edit changes no piece's date, but is a change all the same.
  const changed = publicChangeTime(app, owner.id, content);
  const lastModified = fingerprint.lastModified && fingerprint.lastModified > changed ? fingerprint.lastModified : changed;
  return { etag, lastModified };
}

/**
 * Whether the response is for one person: signed in, or carrying a session cookie at all (an expired one is being
 * cleared, and that Set-Cookie must never be stored by a shared cache). The static export renders as nobody.
 */
export function isPersonal(context: PublicContext): boolean {
  if (context.locals.render?.static) return false;
  if (context.locals.user) return true;
  const cookie = context.request.headers.get('cookie') ?? '';
  return cookie.split(';').some((pair) => SESSION_COOKIE_NAMES.some((name) => pair.trim().startsWith(`${name}=`)));
}

const PORTFOLIO_PATH = /^\/@([^/]+)(?:\/|$)/;
const FEED_PATH = /\/feed\.(?:xml|json)$/;

interface Pending {
  personal: boolean;
  validators: Validators | null;
}

// Per request, from before to after: keyed by the Request object, so nothing outlives it.
const pending = new WeakMap<Request, Pending>();

function activeOwner(app: AppContext, handle: string): User | null {
  try {
    return getPortfolioOwner(app, handle);
  } catch (error) {
    if (error instanceof PotluckError) return null;
    throw error;
  }
}

/**
 * Before a GET/HEAD of `/@handle/**` (feeds excluded: their routes validate themselves): for an anonymous visitor,
 * answers `304` when their copy is current, without rendering; otherwise remembers the validators for
 * `afterPublicPage`. Returns null to go on rendering. Unknown and disabled portfolios go on to their 404.
 */
export function beforePublicPage(context: PublicContext): Response | null {
  const { request, url, locals } = context;
  if (request.method !== 'GET' && request.method !== 'HEAD') return null;
  const match = PORTFOLIO_PATH.exec(url.pathname);
  if (!match || FEED_PATH.test(url.pathname)) return null;
  if (isPersonal(context)) {
    pending.set(request, { personal: true, validators: null });
    return null;
  }
  let handle: string;
  try {
    handle = decodeURIComponent(match[1]!);
  } catch {
    return null;
  }
  // The page's cache key, not its whole address: a query string no page reads makes no other version of it.
  const key = pageKeyOf(url);
  // The server front asked the database these questions a moment ago (server/http/frontCache.ts). Its answers are
  // never newer than the page rendered now, so a change in between costs at most one more rendering later, never a
  // stale page under a current ETag.
  const fronted = locals.frontValidators;
  let validators: Validators;
  if (fronted && fronted.key === key && !locals.render.static) {
    validators = fronted.validators;
  } else {
    const owner = activeOwner(locals.app, handle);
    if (!owner) return null;
    validators = portfolioValidators(locals.app, owner, { path: key, variant: 'page', render: locals.render });
  }
  pending.set(request, { personal: false, validators });
  return conditional(request, validators, { personal: false });
}

/**
 * After rendering a page `beforePublicPage` saw: a 200 for anyone gets its ETag, Last-Modified and the public
 * Cache-Control; a page for a signed-in person gets `private, no-cache`. Both vary on Cookie. Other statuses pass.
 */
export function afterPublicPage(context: PublicContext, response: Response): Response {
  const state = pending.get(context.request);
  if (!state) return response;
  pending.delete(context.request);
  if (response.status !== 200) return response;
  // A page that sets a cookie is someone's own response, never one for a shared cache.
  const setsCookie = [...context.cookies.headers()].length > 0 || response.headers.has('set-cookie');
  if (state.personal || !state.validators || setsCookie) {
    return setHeaders(response, { 'cache-control': PERSONAL_CACHE_CONTROL, vary: 'Cookie' });
  }
  return withCacheHeaders(response, state.validators, { personal: false });
}

/** The ETag `beforePublicPage` computed for this request when it is an anonymous public page, else null. */
export function publicEtagOf(request: Request): string | null {
  const state = pending.get(request);
  return state && !state.personal && state.validators ? state.validators.etag : null;
}
