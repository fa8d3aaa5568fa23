CREATE TABLE `github_connections` (
	`user_id` text PRIMARY KEY NOT NULL,
	`login` text NOT NULL,
	`token_sealed` text NOT NULL,
	`token_kind` text NOT NULL,
	`checked_at` integer NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text,
	`kind` text NOT NULL,
	`status` text NOT NULL,
	`progress` text,
	`result` text,
	`error` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `jobs_user` ON `jobs` (`user_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `publish_targets` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`owner` text NOT NULL,
	`repo` text NOT NULL,
	`branch` text DEFAULT 'gh-pages' NOT NULL,
	`domain` text,
	`canonical` integer DEFAULT false NOT NULL,
	`last_commit_sha` text,
	`last_tree` text,
	`last_published_at` integer,
	`last_files_changed` integer,
	`site_url` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `publish_targets_user_repo` ON `publish_targets` (`user_id`,`owner`,`repo`);