/**
 * How a public page is being rendered: live for a visitor, or frozen for the static export. The exporter renders
 * the same templates through the same handler and marks its requests with a per-process secret, so that no
 * visitor can ask for export mode (which changes links and hides the sign-in navigation).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';

export const STATIC_TOKEN_HEADER = 'x-potluck-static-token';
export const STATIC_BASE_HEADER = 'x-potluck-static-base';
/** Space-separated addresses where the copy being rendered is served besides its base (a GitHub Pages copy). */
export const STATIC_COPY_HEADER = 'x-potluck-static-copy';

export interface RenderMode {
  /** True while the static exporter renders. */
  static: boolean;
  /** Absolute base URL of the portfolio in this rendering, without a trailing slash: the live `/@handle` root or `--base`. */
  staticBase: string | null;
  /**
   * Where else this static copy is served (absolute, ending in '/'): a GitHub Pages copy whose canonical home is
   * elsewhere, and the address that copy had before. A copy does not list itself among the places a piece was
   * published, so publishing it records nothing that would change it.
   */
  servedAt?: string[];
}

/** The secret for this process (created once; the exporter reads the same value). */
export function staticRenderToken(): string {
  process.env.POTLUCK_STATIC_TOKEN ??= randomBytes(24).toString('base64url');
  return process.env.POTLUCK_STATIC_TOKEN;
}

/** Whether a header value is this process's static render token (compared in constant time). */
export function isStaticRenderToken(token: string | null | undefined): boolean {
  const expected = process.env.POTLUCK_STATIC_TOKEN;
  if (!token || !expected) return false;
  const a = Buffer.from(token);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The render mode a request asks for, honoured only with the right token. */
export function renderModeOf(request: Request): RenderMode {
  if (!isStaticRenderToken(request.headers.get(STATIC_TOKEN_HEADER))) return { static: false, staticBase: null };
  const servedAt = (request.headers.get(STATIC_COPY_HEADER) ?? '').split(' ').filter((url) => /^https?:\/\/\S+\/$/.test(url));
  return { static: true, staticBase: request.headers.get(STATIC_BASE_HEADER)?.replace(/\/+$/, '') || null, servedAt };
}
