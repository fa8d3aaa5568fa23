CREATE TABLE `hub_assignments` (
	`id` text PRIMARY KEY NOT NULL,
	`hub_id` text NOT NULL,
	`title` text NOT NULL,
	`tag` text NOT NULL,
	`due_at` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`hub_id`) REFERENCES `hubs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `hub_assignments_hub_tag` ON `hub_assignments` (`hub_id`,`tag`);--> statement-breakpoint
CREATE TABLE `hub_hides` (
	`id` text PRIMARY KEY NOT NULL,
	`hub_id` text NOT NULL,
	`artifact_id` text,
	`source_id` text,
	`item_key` text,
	`title` text DEFAULT '' NOT NULL,
	`reason` text NOT NULL,
	`hidden_by` text,
	`hidden_at` integer NOT NULL,
	FOREIGN KEY (`hub_id`) REFERENCES `hubs`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`artifact_id`) REFERENCES `artifacts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`source_id`) REFERENCES `hub_sources`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`hidden_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `hub_hides_artifact` ON `hub_hides` (`hub_id`,`artifact_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `hub_hides_item` ON `hub_hides` (`hub_id`,`source_id`,`item_key`);--> statement-breakpoint
CREATE TABLE `hub_items` (
	`id` text PRIMARY KEY NOT NULL,
	`hub_id` text NOT NULL,
	`source_id` text NOT NULL,
	`key` text NOT NULL,
	`url_key` text,
	`url` text,
	`title` text NOT NULL,
	`content_html` text NOT NULL,
	`excerpt` text DEFAULT '' NOT NULL,
	`image` text,
	`author_name` text,
	`published` integer,
	`updated` integer,
	`sort_date` integer NOT NULL,
	`tags` text DEFAULT '[]' NOT NULL,
	`fingerprint` text NOT NULL,
	`first_seen_at` integer NOT NULL,
	`changed_at` integer NOT NULL,
	FOREIGN KEY (`hub_id`) REFERENCES `hubs`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`source_id`) REFERENCES `hub_sources`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `hub_items_source_key` ON `hub_items` (`source_id`,`key`);--> statement-breakpoint
CREATE INDEX `hub_items_hub_date` ON `hub_items` (`hub_id`,`sort_date`);--> statement-breakpoint
CREATE INDEX `hub_items_hub_url` ON `hub_items` (`hub_id`,`url_key`);--> statement-breakpoint
CREATE TABLE `hub_sources` (
	`id` text PRIMARY KEY NOT NULL,
	`hub_id` text NOT NULL,
	`member_id` text,
	`added_by` text,
	`url` text NOT NULL,
	`url_key` text NOT NULL,
	`page_url` text,
	`site_url` text,
	`title` text DEFAULT '' NOT NULL,
	`match_all` integer DEFAULT false NOT NULL,
	`etag` text,
	`last_modified` text,
	`next_fetch_at` integer NOT NULL,
	`hold_until` integer,
	`lease_until` integer,
	`last_fetch_at` integer,
	`last_success_at` integer,
	`last_status` integer,
	`last_outcome` text,
	`last_error` text,
	`last_error_code` text,
	`consecutive_failures` integer DEFAULT 0 NOT NULL,
	`flagged_at` integer,
	`stopped_at` integer,
	`stopped_reason` text,
	`moved_from` text,
	`moved_at` integer,
	`items_found` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`hub_id`) REFERENCES `hubs`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`member_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`added_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `hub_sources_hub_url` ON `hub_sources` (`hub_id`,`url_key`);--> statement-breakpoint
CREATE INDEX `hub_sources_due` ON `hub_sources` (`next_fetch_at`);--> statement-breakpoint
ALTER TABLE `hubs` ADD `term_start` integer;--> statement-breakpoint
ALTER TABLE `hubs` ADD `term_end` integer;--> statement-breakpoint
ALTER TABLE `hubs` ADD `poll_interval_minutes` integer DEFAULT 30 NOT NULL;--> statement-breakpoint
ALTER TABLE `hubs` ADD `updated_at` integer;