/** What the owner sees of a piece's Webmentions: one line per page it links to (or linked to), newest first. */
import { desc, eq, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { prepared } from '../../db/prepared.ts';
import { webmentionSends } from '../../db/schema.ts';

/** One sent (or waiting) Webmention, as the editor lists it. */
export interface SentMention {
  target: string;
  endpoint: string | null;
  status: 'queued' | 'sent' | 'no-endpoint' | 'failed';
  httpStatus: number | null;
  attempts: number;
  /** When it was last tried (null: not yet). */
  at: Date | null;
  nextAttemptAt: Date | null;
  lastError: string | null;
  /** The piece still links there (false: it was told the link is gone). */
  linked: boolean;
}

/** The piece's Webmentions. Callers have checked that the viewer owns the piece. */
export function listSentMentions(app: AppContext, artifactId: string): SentMention[] {
  const statement = prepared(app.db, 'webmentionSends.ofPiece', (db) =>
    db
      .select({
        target: webmentionSends.target,
        endpoint: webmentionSends.endpoint,
        status: webmentionSends.status,
        httpStatus: webmentionSends.httpStatus,
        attempts: webmentionSends.attempts,
        at: webmentionSends.lastAttemptAt,
        nextAttemptAt: webmentionSends.nextAttemptAt,
        lastError: webmentionSends.lastError,
        linked: webmentionSends.linked,
      })
      .from(webmentionSends)
      .where(eq(webmentionSends.artifactId, sql.placeholder('artifact')))
      .orderBy(desc(webmentionSends.updatedAt), webmentionSends.target)
      .prepare(),
  );
  return statement.all({ artifact: artifactId });
}

/** The status in words, for the list. */
export function describeSent(m: SentMention): string {
  switch (m.status) {
    case 'sent':
      return `Sent (${m.httpStatus ?? 'accepted'})`;
    case 'no-endpoint':
      return 'No Webmention endpoint: that site does not take them';
    case 'failed':
      return m.httpStatus ? `Not accepted (${m.httpStatus})` : 'Could not be sent';
    default:
      return m.attempts > 0 ? `Waiting to try again (tried ${m.attempts} ${m.attempts === 1 ? 'time' : 'times'})` : 'Waiting to be sent';
  }
}
