/// <reference types="astro/client" />

declare namespace App {
  interface Locals {
    /** The signed-in person, or null. Set by the middleware from the session cookie. */
    user: import('./server/auth/sessions.ts').SessionUser | null;
    session: import('./server/auth/sessions.ts').SessionInfo | null;
    app: import('./server/context.ts').AppContext;
    /** Per-request nonce-free CSP is static; this marks pages that must not be indexed. */
    noindex: boolean;
    /** Live, or frozen for the static export (see server/http/renderMode.ts). */
    render: import('./server/http/renderMode.ts').RenderMode;
    /**
     * The address of the connection's other end, from the socket itself (server/http/siteListener.ts), whatever
     * Astro's own `clientAddress` would make of forwarding headers. Absent when the site runs some other way.
     */
    peerAddress?: string;
    /**
     * The client's address, worked out once per request by the middleware (the socket's, or the one a trusted proxy
     * names in X-Forwarded-For): what sign-in limits count and the audit log records.
     */
    address: string;
    /** The port the connection arrived on (server/http/siteListener.ts): loopback origins count only on it. */
    localPort?: number;
    /**
     * The validators of this page that the server front (server/http/frontCache.ts) worked out a moment ago and found
     * newer than its cached copy: the site uses them instead of asking the database the same questions again.
     */
    frontValidators?: import('./server/http/caching.ts').KeyedValidators;
  }
}
