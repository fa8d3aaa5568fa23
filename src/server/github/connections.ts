/**
 * A student's GitHub connection as stored: who they are on GitHub and their token, sealed with the instance key
 * (secretBox.ts) and bound to their user id. The token is opened only to make a request and never leaves the server.
 */
import { eq } from 'drizzle-orm';
import { PotluckError } from '../../core/errors.ts';
import type { AppContext } from '../context.ts';
import { githubConnections } from '../db/schema.ts';
import { open, seal, sealingKey } from './secretBox.ts';

/** What pages may show about a connection (never the token). */
export interface GitHubConnectionInfo {
  login: string;
  tokenKind: 'pat' | 'oauth';
  checkedAt: Date;
  createdAt: Date;
}

const contextFor = (userId: string) => `github-token:${userId}`;

/** The connection of a user, without the token; null when not connected. */
export function getGitHubConnection(app: AppContext, userId: string): GitHubConnectionInfo | null {
  const row = app.db.select().from(githubConnections).where(eq(githubConnections.userId, userId)).get();
  return row ? { login: row.login, tokenKind: row.tokenKind, checkedAt: row.checkedAt, createdAt: row.createdAt } : null;
}

/** Stores (or replaces) a user's connection, sealing the token. */
export function storeGitHubConnection(app: AppContext, props: { userId: string; login: string; token: string; tokenKind: 'pat' | 'oauth' }): void {
  const now = app.now();
  const tokenSealed = seal(sealingKey(app.config), props.token, contextFor(props.userId));
  app.db
    .insert(githubConnections)
    .values({ userId: props.userId, login: props.login, tokenSealed, tokenKind: props.tokenKind, checkedAt: now, createdAt: now })
    .onConflictDoUpdate({
      target: githubConnections.userId,
      set: { login: props.login, tokenSealed, tokenKind: props.tokenKind, checkedAt: now },
    })
    .run();
}

/** Removes a user's connection and its sealed token; true when there was one. */
export function deleteGitHubConnection(app: AppContext, userId: string): boolean {
  return app.db.delete(githubConnections).where(eq(githubConnections.userId, userId)).run().changes > 0;
}

/** The token of a connected user, opened for one use; a clear error when not connected or no longer readable. */
export function openGitHubToken(app: AppContext, userId: string): { login: string; token: string } {
  const row = app.db.select().from(githubConnections).where(eq(githubConnections.userId, userId)).get();
  if (!row) throw new PotluckError('CONFLICT', 'Connect GitHub first: paste a token on the Publish page.');
  const token = open(sealingKey(app.config), row.tokenSealed, contextFor(userId));
  if (token === null) {
    throw new PotluckError(
      'CONFLICT',
      'Your saved GitHub token can no longer be read (this Potluck\'s key changed: secret.key or POTLUCK_SECRET). Disconnect and connect GitHub again.',
    );
  }
  return { login: row.login, token };
}
