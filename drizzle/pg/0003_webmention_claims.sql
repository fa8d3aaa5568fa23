-- A received Webmention is verified by one node at a time (the twin of drizzle/0021_webmention_claims.sql).
ALTER TABLE "webmentions" ADD COLUMN "claimed_until" bigint;
