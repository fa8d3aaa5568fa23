CREATE TABLE `websub_verifications` (
	`id` text PRIMARY KEY NOT NULL,
	`mode` text NOT NULL,
	`topic` text NOT NULL,
	`callback` text NOT NULL,
	`secret` text,
	`lease_seconds` integer NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `websub_verifications_due` ON `websub_verifications` (`next_attempt_at`);--> statement-breakpoint
CREATE TABLE `websub_subscriptions` (
	`id` text PRIMARY KEY NOT NULL,
	`topic` text NOT NULL,
	`callback` text NOT NULL,
	`secret` text,
	`lease_seconds` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`created_at` integer NOT NULL,
	`verified_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `websub_subscriptions_topic_callback` ON `websub_subscriptions` (`topic`,`callback`);--> statement-breakpoint
CREATE INDEX `websub_subscriptions_expiry` ON `websub_subscriptions` (`expires_at`);--> statement-breakpoint
CREATE TABLE `websub_topics` (
	`topic` text PRIMARY KEY NOT NULL,
	`body_hash` text NOT NULL,
	`changed_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `websub_deliveries` (
	`subscription_id` text PRIMARY KEY NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`last_error` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`subscription_id`) REFERENCES `websub_subscriptions`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `websub_deliveries_due` ON `websub_deliveries` (`next_attempt_at`);--> statement-breakpoint
CREATE TABLE `websub_source_subscriptions` (
	`id` text PRIMARY KEY NOT NULL,
	`source_id` text NOT NULL,
	`hub_url` text NOT NULL,
	`topic` text NOT NULL,
	`secret` text NOT NULL,
	`state` text NOT NULL,
	`lease_seconds` integer,
	`expires_at` integer,
	`requested_at` integer NOT NULL,
	`verified_at` integer,
	`last_delivery_at` integer,
	`last_error` text,
	`retry_after` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`source_id`) REFERENCES `hub_sources`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `websub_source_subscriptions_source` ON `websub_source_subscriptions` (`source_id`);
