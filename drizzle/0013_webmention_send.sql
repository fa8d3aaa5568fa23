CREATE TABLE `webmention_sends` (
	`id` text PRIMARY KEY NOT NULL,
	`artifact_id` text,
	`owner_id` text,
	`hub_item_id` text,
	`source` text NOT NULL,
	`target` text NOT NULL,
	`linked` integer DEFAULT true NOT NULL,
	`status` text NOT NULL,
	`endpoint` text,
	`http_status` integer,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer,
	`last_attempt_at` integer,
	`last_error` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`owner_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`hub_item_id`) REFERENCES `hub_items`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `webmention_sends_source_target` ON `webmention_sends` (`source`,`target`);--> statement-breakpoint
CREATE INDEX `webmention_sends_artifact` ON `webmention_sends` (`artifact_id`);--> statement-breakpoint
CREATE INDEX `webmention_sends_due` ON `webmention_sends` (`status`,`next_attempt_at`);--> statement-breakpoint
CREATE TABLE `hub_features` (
	`artifact_id` text NOT NULL,
	`hub_id` text NOT NULL,
	`first_seen_at` integer NOT NULL,
	PRIMARY KEY(`artifact_id`, `hub_id`),
	FOREIGN KEY (`artifact_id`) REFERENCES `artifacts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`hub_id`) REFERENCES `hubs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `hub_features_hub` ON `hub_features` (`hub_id`);
