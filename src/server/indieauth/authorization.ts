/**
 * An authorization request (IndieAuth §5.2) as an app sends it, checked before the consent page shows anything:
 * `response_type=code`, a valid client_id, a redirect_uri that belongs to the client, a PKCE S256 challenge (plain
 * is refused: no downgrade), and the scopes Potluck knows. Every refusal is shown on Potluck's page; nothing here
 * redirects, so a crafted link cannot send a student anywhere.
 */
import type { AppContext } from '../context.ts';
import { checkClientId, fetchClientInfo, redirectAllowed, type ClientInfo } from './clients.ts';
import { parseScopes, type Scope } from './scopes.ts';

export interface AuthorizationRequest {
  clientId: string;
  redirectUri: string;
  state: string;
  codeChallenge: string;
  scopes: Scope[];
  /** The profile URL the person typed into the app, if it sent one (a hint only). */
  me: string;
}

export type CheckedRequest = { ok: true; request: AuthorizationRequest; client: ClientInfo } | { ok: false; message: string };

const CHALLENGE = /^[A-Za-z0-9_-]{43,128}$/;

/** Reads the request's parameters (from the query string of GET, or the consent form's hidden fields). */
export async function checkAuthorizationRequest(app: AppContext, params: URLSearchParams | FormData): Promise<CheckedRequest> {
  const get = (name: string) => {
    const value = params.get(name);
    return typeof value === 'string' ? value : '';
  };
  const responseType = get('response_type') || 'code';
  // `id` is the old, authentication-only spelling of `code`.
  if (responseType !== 'code' && responseType !== 'id') {
    return { ok: false, message: `The app asked for response_type=${responseType.slice(0, 40)}; Potluck only gives authorization codes (response_type=code).` };
  }
  const clientId = checkClientId(get('client_id'));
  if (!clientId.ok) return clientId;
  const redirectUri = get('redirect_uri');
  if (!redirectUri) return { ok: false, message: 'The app did not say where to send you back (redirect_uri is missing).' };
  const method = get('code_challenge_method');
  const challenge = get('code_challenge');
  if (!challenge || !method) {
    return { ok: false, message: 'The app did not send a PKCE code challenge (code_challenge with code_challenge_method=S256), which Potluck requires to keep the code from being stolen.' };
  }
  if (method !== 'S256') {
    return { ok: false, message: `The app asked for the PKCE method “${method.slice(0, 20)}”; Potluck accepts only S256.` };
  }
  if (!CHALLENGE.test(challenge)) return { ok: false, message: 'The app’s code_challenge is not a base64url S256 value.' };
  const state = get('state');
  if (state.length > 1000) return { ok: false, message: 'The app’s state parameter is too long.' };

  const client = await fetchClientInfo(app, clientId.url.href);
  if (!redirectAllowed(client, redirectUri)) {
    return {
      ok: false,
      message: `The app ${client.name} asked to send you back to ${safeHost(redirectUri)}, which is not its own site and is not listed by it. Potluck did not send you there. Close this page, or tell the app’s makers.`,
    };
  }
  return {
    ok: true,
    request: { clientId: clientId.url.href, redirectUri: new URL(redirectUri).href, state, codeChallenge: challenge, scopes: parseScopes(get('scope')), me: get('me') },
    client,
  };
}

function safeHost(url: string): string {
  try {
    return new URL(url).host || 'another address';
  } catch {
    return 'an address that is not valid';
  }
}

/** The redirect back to the app with `params` added to its redirect_uri (which may have a query of its own). */
export function redirectBack(redirectUri: string, params: Record<string, string>): string {
  const url = new URL(redirectUri);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.href;
}
