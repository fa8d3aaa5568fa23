/** Codes and tokens: random, shown once, and stored only as their SHA-256. */
import { createHash, randomBytes } from 'node:crypto';

/** A new secret: 32 random bytes, base64url. */
export function newSecret(prefix = ''): string {
  return prefix + randomBytes(32).toString('base64url');
}

/** What is stored for a secret. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** The S256 PKCE challenge of a verifier (RFC 7636): base64url of its SHA-256, without padding. */
export function s256(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}
