ALTER TABLE `media` ADD `source_sha256` text;--> statement-breakpoint
ALTER TABLE `users` ADD `content_version` integer DEFAULT 0 NOT NULL;