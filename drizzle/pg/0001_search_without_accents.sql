-- Search that finds "eleve" in "Élève" and the other way round, as SQLite's FTS5 tokenizer (unicode61 with
-- remove_diacritics) does: a text search configuration that passes every word through the unaccent dictionary
-- before the simple one (lower case, no stemming). Words joined by hyphens are indexed as their parts only
-- ("sonnet-like" is "sonnet" and "like"), as FTS5 splits them. unaccent is a trusted extension (PostgreSQL 13+):
-- the database's owner may create it.
CREATE EXTENSION IF NOT EXISTS unaccent;
--> statement-breakpoint
CREATE TEXT SEARCH CONFIGURATION potluck_search (COPY = simple);
--> statement-breakpoint
ALTER TEXT SEARCH CONFIGURATION potluck_search
	ALTER MAPPING FOR asciiword, word, numword, hword_asciipart, hword_part, hword_numpart WITH unaccent, simple;
--> statement-breakpoint
ALTER TEXT SEARCH CONFIGURATION potluck_search DROP MAPPING FOR asciihword, hword, numhword;
--> statement-breakpoint
DROP INDEX "artifacts_search";
--> statement-breakpoint
ALTER TABLE "artifacts" DROP COLUMN "search";
--> statement-breakpoint
ALTER TABLE "artifacts" ADD COLUMN "search" tsvector GENERATED ALWAYS AS (
	setweight(to_tsvector('potluck_search', coalesce("title", '')), 'A') ||
	setweight(to_tsvector('potluck_search', coalesce("summary", '')), 'B') ||
	setweight(to_tsvector('potluck_search', coalesce("tags", '')), 'B') ||
	setweight(to_tsvector('potluck_search', coalesce("body", '')), 'C')
) STORED;
--> statement-breakpoint
CREATE INDEX "artifacts_search" ON "artifacts" USING gin ("search");
