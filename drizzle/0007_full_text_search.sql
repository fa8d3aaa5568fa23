-- Full-text search over artifacts (title, summary, body, tags), written by hand: drizzle-kit cannot describe
-- virtual tables or triggers. Read by src/server/repositories/search.ts.
--
-- What is indexed as the body: the Markdown source the student wrote, not the text of the sanitized HTML. Both hold
-- the same words, but only the source is a column SQL can index as it is: the HTML's text would need an
-- application function registered on every connection that ever writes `artifacts` (the CLI, the sqlite3 shell, a
-- future copy tool), and any change to that function would make the 'delete' commands below remove other words
-- than were indexed, corrupting the index. The source also finds what a student remembers typing (a link's
-- address, a code word). Snippets are cleaned of Markdown punctuation when shown (core/search.ts).
--
-- Nothing is stored twice: the index is an external-content FTS5 table that reads its text from `artifacts`
-- through a view. The view goes through `artifact_search_docs`, whose INTEGER PRIMARY KEY is a stable document
-- number, because the implicit rowid of `artifacts` (a table keyed by text) may change on VACUUM, which account
-- deletion runs. Drafts live in their own table and are never indexed.
--
-- A fifth column, `owner`, holds one token per piece naming its owner ('u' and the hex of the owner's id, so the id
-- itself is not written here): search matches it together with the words, so that FTS5 only walks the pieces of
-- the people a search may cover (a student's 100, not everyone's 10,000). It narrows; it never decides who may
-- read what (server/repositories/search.ts still applies the visibility rules in SQL). Its bm25 weight is 0.
--
-- Kept in step by triggers, so every write to `artifacts` (saves, restores, imports, the demo loader, deletes and
-- the cascade of an account deletion) updates the index in the same transaction. An edit or a deleted piece
-- leaves its old entries in the index, marked deleted, until FTS5 merges segments (FTS5's secure-delete option
-- would remove them at once, but made every save about 70 ms slower on 10,000 pieces). Deleting an account
-- rebuilds the index in one merge ('optimize', about a second for 10,000 pieces): no entry of theirs survives
-- it, the connection's secure_delete pragma zeroes the freed pages, and account deletion's VACUUM drops them.
CREATE TABLE `artifact_search_docs` (
	`doc` integer PRIMARY KEY,
	`artifact_id` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `artifact_search_docs_artifact` ON `artifact_search_docs` (`artifact_id`);
--> statement-breakpoint
CREATE VIEW `artifact_search_content` AS
	SELECT d.`doc` AS `doc`, a.`title` AS `title`, a.`summary` AS `summary`, a.`body` AS `body`, a.`tags` AS `tags`,
		'u' || lower(hex(a.`owner_id`)) AS `owner`
	FROM `artifact_search_docs` d JOIN `artifacts` a ON a.`id` = d.`artifact_id`;
--> statement-breakpoint
CREATE VIRTUAL TABLE `artifact_search` USING fts5(
	title, summary, body, tags, owner,
	content = 'artifact_search_content', content_rowid = 'doc',
	tokenize = 'unicode61 remove_diacritics 2',
	prefix = '2 3'
);
--> statement-breakpoint
CREATE TRIGGER `artifact_search_insert` AFTER INSERT ON `artifacts` BEGIN
	INSERT INTO `artifact_search_docs` (`artifact_id`) VALUES (new.`id`);
	INSERT INTO `artifact_search` (`rowid`, `title`, `summary`, `body`, `tags`, `owner`)
		SELECT `doc`, new.`title`, new.`summary`, new.`body`, new.`tags`, 'u' || lower(hex(new.`owner_id`)) FROM `artifact_search_docs` WHERE `artifact_id` = new.`id`;
END;
--> statement-breakpoint
CREATE TRIGGER `artifact_search_delete` AFTER DELETE ON `artifacts` BEGIN
	INSERT INTO `artifact_search` (`artifact_search`, `rowid`, `title`, `summary`, `body`, `tags`, `owner`)
		SELECT 'delete', `doc`, old.`title`, old.`summary`, old.`body`, old.`tags`, 'u' || lower(hex(old.`owner_id`)) FROM `artifact_search_docs` WHERE `artifact_id` = old.`id`;
	DELETE FROM `artifact_search_docs` WHERE `artifact_id` = old.`id`;
END;
--> statement-breakpoint
-- Only when an indexed column (or the id) really changes: a save that touches nothing searchable costs nothing here.
CREATE TRIGGER `artifact_search_update` AFTER UPDATE OF `id`, `owner_id`, `title`, `summary`, `body`, `tags` ON `artifacts`
WHEN old.`id` IS NOT new.`id` OR old.`owner_id` IS NOT new.`owner_id` OR old.`title` IS NOT new.`title`
	OR old.`summary` IS NOT new.`summary` OR old.`body` IS NOT new.`body` OR old.`tags` IS NOT new.`tags`
BEGIN
	INSERT INTO `artifact_search` (`artifact_search`, `rowid`, `title`, `summary`, `body`, `tags`, `owner`)
		SELECT 'delete', `doc`, old.`title`, old.`summary`, old.`body`, old.`tags`, 'u' || lower(hex(old.`owner_id`)) FROM `artifact_search_docs` WHERE `artifact_id` = old.`id`;
	UPDATE `artifact_search_docs` SET `artifact_id` = new.`id` WHERE `artifact_id` = old.`id`;
	INSERT INTO `artifact_search` (`rowid`, `title`, `summary`, `body`, `tags`, `owner`)
		SELECT `doc`, new.`title`, new.`summary`, new.`body`, new.`tags`, 'u' || lower(hex(new.`owner_id`)) FROM `artifact_search_docs` WHERE `artifact_id` = new.`id`;
END;
--> statement-breakpoint
-- Backfill: one document number per existing artifact, then the index built from the view.
INSERT INTO `artifact_search_docs` (`artifact_id`) SELECT `id` FROM `artifacts` ORDER BY `created_at`, `id`;
--> statement-breakpoint
INSERT INTO `artifact_search` (`artifact_search`) VALUES ('rebuild');
--> statement-breakpoint
-- After an account is deleted (its artifacts went with it, by cascade), one full merge leaves nothing of them.
CREATE TRIGGER `artifact_search_forget_account` AFTER DELETE ON `users` BEGIN
	INSERT INTO `artifact_search` (`artifact_search`) VALUES ('optimize');
END;
