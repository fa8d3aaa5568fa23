/** JSON answers of the OAuth and Micropub endpoints: never cached, errors in the OAuth shape. */
import { readTextLimited } from '../http/bodyLimits.ts';

export const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };

/** `{error, error_description}` with a status; 401s say how to authenticate. */
export function oauthError(status: number, error: string, description: string, extra: Record<string, unknown> = {}): Response {
  const headers: Record<string, string> = { ...NO_STORE };
  if (status === 401) headers['www-authenticate'] = `Bearer error="${error}"`;
  if (status === 403 && error === 'insufficient_scope') headers['www-authenticate'] = `Bearer error="insufficient_scope"`;
  return Response.json({ error, error_description: description, ...extra }, { status, headers });
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return Response.json(body, { status, headers: { ...NO_STORE, ...headers } });
}

/** The parameters of a form post (urlencoded or multipart) or JSON object body; `{}` for anything else. */
export async function readParams(request: Request, maxBytes = 1024 * 1024): Promise<URLSearchParams> {
  const type = request.headers.get('content-type') ?? '';
  const params = new URLSearchParams();
  const text = await readTextLimited(request, maxBytes);
  if (/application\/json/i.test(type)) {
    try {
      const doc = JSON.parse(text) as unknown;
      if (doc && typeof doc === 'object' && !Array.isArray(doc)) {
        for (const [k, v] of Object.entries(doc)) if (typeof v === 'string') params.set(k, v);
      }
    } catch {
      /* empty parameters: the endpoint says what is missing */
    }
    return params;
  }
  for (const [k, v] of new URLSearchParams(text)) params.append(k, v);
  return params;
}
