/**
 * Disconnecting GitHub: the stored (sealed) token is deleted. The published site stays on GitHub and the publish
 * targets stay here (they hold no secret), so connecting again lets the student publish where they left off.
 */
import type { AppContext } from '../server/context.ts';
import { deleteGitHubConnection } from '../server/github/connections.ts';

/** Deletes the student's GitHub connection and its token; returns whether there was one. */
export function disconnectGitHub(app: AppContext, props: { userId: string }): { disconnected: boolean } {
  return { disconnected: deleteGitHubConnection(app, props.userId) };
}
