/** The addresses of Potluck's IndieAuth and Micropub endpoints, and of a member's profile (their portfolio). */
import type { AppContext } from '../context.ts';

export function indieAuthUrls(app: AppContext) {
  const base = app.config.siteUrl;
  return {
    issuer: `${base}/`,
    metadata: `${base}/.well-known/oauth-authorization-server`,
    authorization: `${base}/auth`,
    token: `${base}/token`,
    revocation: `${base}/token/revoke`,
    introspection: `${base}/token/introspect`,
    micropub: `${base}/micropub`,
    media: `${base}/micropub/media`,
  };
}

/** A member's canonical profile URL: their portfolio's home page. */
export function profileUrl(app: AppContext, handle: string): string {
  return `${app.config.siteUrl}/@${handle}/`;
}

/** The handle a profile URL of this site names, or null (another site, or not a portfolio's home page). */
export function handleOfProfileUrl(app: AppContext, url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.origin !== new URL(app.config.siteUrl).origin) return null;
  const match = /^\/@([a-z0-9][a-z0-9-]{0,39})\/?$/i.exec(parsed.pathname);
  return match ? match[1].toLowerCase() : null;
}
