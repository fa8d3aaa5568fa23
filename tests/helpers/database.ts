/**
 * Which database the suite runs on (scripts/test.ts runs it on both). A few tests are about SQLite itself (the bytes
 * of its file, its statement cache, its change counter) and are skipped on PostgreSQL, saying so in their title.
 */
export const onPostgresSuite = process.env.POTLUCK_TEST_DATABASE === 'postgres';

/** A title suffix for a test skipped on PostgreSQL, with the reason. */
export function sqliteOnly(reason: string): string {
  return onPostgresSuite ? ` (skipped on PostgreSQL: ${reason})` : '';
}
