-- Written by hand, the same SQL drizzle-kit generates for these tables; drizzle/meta/0010_snapshot.json holds the schema they lead to.
CREATE TABLE `audit_events` (
	`id` text PRIMARY KEY NOT NULL,
	`at` integer NOT NULL,
	`action` text NOT NULL,
	`outcome` text DEFAULT 'ok' NOT NULL,
	`actor_id` text,
	`actor_handle` text,
	`subject_type` text,
	`subject_id` text,
	`subject_user_id` text,
	`subject_handle` text,
	`address` text,
	`details` text DEFAULT '{}' NOT NULL
);
--> statement-breakpoint
CREATE INDEX `audit_events_at` ON `audit_events` (`at`);--> statement-breakpoint
CREATE INDEX `audit_events_actor` ON `audit_events` (`actor_id`,`at`);--> statement-breakpoint
CREATE INDEX `audit_events_subject_user` ON `audit_events` (`subject_user_id`,`at`);
