-- Jobs any node can run: what a job needs (input), and a lease that its node renews while it works (the twin of
-- drizzle/0020_job_leases.sql).
ALTER TABLE "jobs" ADD COLUMN "input" text;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "lease_until" bigint;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "leased_by" text;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "attempts" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX "jobs_waiting" ON "jobs" USING btree ("status","kind","created_at");--> statement-breakpoint
ALTER TABLE "notifications" ADD COLUMN "email_claimed_until" bigint;
