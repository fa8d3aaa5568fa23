CREATE TABLE `artifact_old_slugs` (
	`owner_id` text NOT NULL,
	`slug` text NOT NULL,
	`artifact_id` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`owner_id`, `slug`),
	FOREIGN KEY (`owner_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`artifact_id`) REFERENCES `artifacts`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `artifact_old_slugs_artifact` ON `artifact_old_slugs` (`artifact_id`);--> statement-breakpoint
CREATE TABLE `portfolio_public_changes` (
	`owner_id` text PRIMARY KEY NOT NULL,
	`digest` text NOT NULL,
	`changed_at` integer NOT NULL,
	FOREIGN KEY (`owner_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
