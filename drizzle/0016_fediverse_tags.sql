CREATE TABLE `hub_tag_sources` (
	`source_id` text PRIMARY KEY NOT NULL,
	`hub_id` text NOT NULL,
	`server` text NOT NULL,
	`tag` text NOT NULL,
	FOREIGN KEY (`source_id`) REFERENCES `hub_sources`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`hub_id`) REFERENCES `hubs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `hub_fediverse_accounts` (
	`id` text PRIMARY KEY NOT NULL,
	`hub_id` text NOT NULL,
	`acct` text NOT NULL,
	`member_id` text NOT NULL,
	`added_by` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`hub_id`) REFERENCES `hubs`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`member_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`added_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `hub_fediverse_accounts_acct` ON `hub_fediverse_accounts` (`hub_id`,`acct`);--> statement-breakpoint
CREATE TABLE `hub_held_items` (
	`id` text PRIMARY KEY NOT NULL,
	`hub_id` text NOT NULL,
	`source_id` text NOT NULL,
	`dedupe_key` text NOT NULL,
	`acct` text,
	`profile_url` text,
	`url` text,
	`excerpt` text DEFAULT '' NOT NULL,
	`item` text NOT NULL,
	`status` text DEFAULT 'held' NOT NULL,
	`held_at` integer NOT NULL,
	`decided_by` text,
	`decided_at` integer,
	FOREIGN KEY (`hub_id`) REFERENCES `hubs`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`source_id`) REFERENCES `hub_sources`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`decided_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `hub_held_items_post` ON `hub_held_items` (`hub_id`,`dedupe_key`);--> statement-breakpoint
CREATE INDEX `hub_held_items_queue` ON `hub_held_items` (`hub_id`,`status`,`held_at`);
