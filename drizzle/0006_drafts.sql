CREATE TABLE `drafts` (
	`owner_id` text NOT NULL,
	`key` text NOT NULL,
	`artifact_id` text,
	`base_revision` integer,
	`fields` text NOT NULL,
	`bytes` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`owner_id`, `key`),
	FOREIGN KEY (`owner_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`artifact_id`) REFERENCES `artifacts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `drafts_artifact` ON `drafts` (`artifact_id`);--> statement-breakpoint
CREATE TABLE `kept_saves` (
	`token_hash` text NOT NULL,
	`path` text NOT NULL,
	`user_id` text NOT NULL,
	`fields` text NOT NULL,
	`bytes` integer NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	PRIMARY KEY(`token_hash`, `path`)
);
--> statement-breakpoint
CREATE INDEX `kept_saves_expires` ON `kept_saves` (`expires_at`);