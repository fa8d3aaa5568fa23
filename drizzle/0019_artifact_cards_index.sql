-- Lists of pieces (a workspace page, a hub's contributions, the progress view) read only a piece's card columns.
-- A row keeps its body and HTML before those columns, so reading them from the table walks the text's overflow
-- pages; this index holds them, so the lists never touch the table. It starts with (owner_id, date), so it also
-- does the work of artifacts_owner_date, which goes.
CREATE INDEX `artifacts_owner_cards` ON `artifacts` (`owner_id`,`date`,`created_at`,`visibility`,`kind`,`id`,`slug`,`title`,`summary`,`tags`);--> statement-breakpoint
DROP INDEX `artifacts_owner_date`;
