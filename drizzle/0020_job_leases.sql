-- Jobs any node can run: what a job needs (input), and a lease that its node renews while it works. A lease that
-- ended belongs to a node that stopped, and another node takes the job over (src/server/jobs/queue.ts).
ALTER TABLE `jobs` ADD `input` text;--> statement-breakpoint
ALTER TABLE `jobs` ADD `lease_until` integer;--> statement-breakpoint
ALTER TABLE `jobs` ADD `leased_by` text;--> statement-breakpoint
ALTER TABLE `jobs` ADD `attempts` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `jobs_waiting` ON `jobs` (`status`,`kind`,`created_at`);--> statement-breakpoint
-- A notification email's claim is a lease too: a node that dies mid-send leaves it to another once it ends.
ALTER TABLE `notifications` ADD `email_claimed_until` integer;
