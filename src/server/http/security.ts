/** HTTP security policy: which requests are cross-origin, and the headers every response carries. */

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Whether an unsafe request comes from another site. Every content type is covered (Astro's own check only looks at
 * form content types, and spellings such as `Multipart/Form-Data; boundary=` or `text/plain;charset=x` must not slip
 * by). Browsers send `Origin` on every cross-origin POST; `Sec-Fetch-Site` and `Referer` back it up. A request with
 * none of them is not from a browser page (curl, the CLI) and carries no ambient credentials that matter here.
 */
export function isCrossOriginWrite(request: Request, allowedOrigins: string[]): boolean {
  if (!UNSAFE_METHODS.has(request.method.toUpperCase())) return false;
  const origin = request.headers.get('origin');
  if (origin !== null) return !allowedOrigins.includes(origin.toLowerCase());
  const fetchSite = request.headers.get('sec-fetch-site');
  if (fetchSite && fetchSite !== 'same-origin' && fetchSite !== 'none') return true;
  const referer = request.headers.get('referer');
  if (referer) {
    try {
      return !allowedOrigins.includes(new URL(referer).origin.toLowerCase());
    } catch {
      return true;
    }
  }
  return false;
}

/** A strict CSP: nothing from other origins, no inline script or style, no framing, forms post only here. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob:",
  "media-src 'self'",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers on every response (securityHeaders adds Strict-Transport-Security where the configuration says). */
export const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'strict-origin-when-cross-origin',
  'x-frame-options': 'DENY',
  'permissions-policy': 'camera=(self), microphone=(), geolocation=(), interest-cohort=()',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

/**
 * The security headers of every response for this configuration: SECURITY_HEADERS, plus Strict-Transport-Security
 * on an https site (POTLUCK_HSTS).
 */
export function securityHeaders(config: { hsts: string | null }): Record<string, string> {
  return config.hsts ? { ...SECURITY_HEADERS, 'strict-transport-security': config.hsts } : SECURITY_HEADERS;
}

/** Adds every security header a response does not set itself (media files keep their own stricter CSP). */
export function addSecurityHeaders(headers: Headers, config: { hsts: string | null }): void {
  for (const [name, value] of Object.entries(securityHeaders(config))) if (!headers.has(name)) headers.set(name, value);
}
