/** The client's address of a request, as the audit log records it: the socket's peer, or the trusted proxy's word. */
import { clientAddress, type TrustedProxies } from '../net/clientAddress.ts';

/** What this needs from Astro's context. */
export interface AddressContext {
  locals: App.Locals;
  request: Request;
  clientAddress?: string;
}

/** The address of the request's client (after trusted proxies), or null when the adapter cannot tell. */
export function requestAddress(context: AddressContext, trustedProxies: TrustedProxies): string | null {
  let peer = context.locals.peerAddress;
  if (!peer) {
    try {
      peer = context.clientAddress;
    } catch {
      // Astro throws when the adapter gives no address (e.g. prerendering).
    }
  }
  if (!peer) return null;
  return clientAddress(peer, context.request.headers.get('x-forwarded-for'), trustedProxies);
}
