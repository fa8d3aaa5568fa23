CREATE TABLE `webmentions` (
	`id` text PRIMARY KEY NOT NULL,
	`artifact_id` text NOT NULL,
	`owner_id` text NOT NULL,
	`source` text NOT NULL,
	`target` text NOT NULL,
	`source_host` text NOT NULL,
	`status` text NOT NULL,
	`reason` text,
	`kind` text,
	`decision` text DEFAULT 'pending' NOT NULL,
	`teacher_approved_at` integer,
	`teacher_approved_by` text,
	`author_name` text,
	`author_url` text,
	`author_photo` text,
	`url` text,
	`published` integer,
	`content_html` text,
	`received_at` integer NOT NULL,
	`verified_at` integer,
	FOREIGN KEY (`artifact_id`) REFERENCES `artifacts`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`owner_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`teacher_approved_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `webmentions_source_target` ON `webmentions` (`source`,`target`);--> statement-breakpoint
CREATE INDEX `webmentions_artifact` ON `webmentions` (`artifact_id`,`status`,`decision`);--> statement-breakpoint
CREATE INDEX `webmentions_owner` ON `webmentions` (`owner_id`,`received_at`);--> statement-breakpoint
CREATE INDEX `webmentions_status` ON `webmentions` (`status`,`received_at`);--> statement-breakpoint
CREATE TABLE `webmention_blocks` (
	`owner_id` text NOT NULL,
	`domain` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`owner_id`, `domain`),
	FOREIGN KEY (`owner_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
