-- Consented enrolment: every hub membership says how it was made; an `invited` one gives no access until accepted.
ALTER TABLE `hub_members` ADD `enrolment` text DEFAULT 'invited' NOT NULL;--> statement-breakpoint
-- Rows made before this change can only be marked by what the database still knows. Nothing recorded whether a
-- membership came from a join code or from a teacher typing a handle, so a row counts as consented only when it
-- is provably one of these:
--  * the hub's owner, created with the hub (hubCreator inserts it in the same transaction, at the hub's created_at);
--  * a sign-up with a hub join code (accountRegistrar inserts the account and the membership in one transaction,
--    within the same second), in a hub one of whose codes has been used.
-- Every other row stays `invited` (the column's default): the student finds an invitation on their workspace and
-- accepts it or not, and until then the hub and its teachers see nothing of theirs. Asking again is the safe side
-- of an unknown: a membership a teacher made alone must never go on granting access. The demo school is loaded
-- after migrations by the demo loader, which acts as an admin and writes `admin`.
UPDATE `hub_members` SET `enrolment` = 'owner'
  WHERE `user_id` = (SELECT `owner_id` FROM `hubs` WHERE `hubs`.`id` = `hub_members`.`hub_id`)
    AND abs(`joined_at` - (SELECT `created_at` FROM `hubs` WHERE `hubs`.`id` = `hub_members`.`hub_id`)) <= 1000;--> statement-breakpoint
UPDATE `hub_members` SET `enrolment` = 'join_code'
  WHERE `enrolment` = 'invited'
    AND abs(`joined_at` - (SELECT `created_at` FROM `users` WHERE `users`.`id` = `hub_members`.`user_id`)) <= 1000
    AND EXISTS (SELECT 1 FROM `join_codes` WHERE `join_codes`.`hub_id` = `hub_members`.`hub_id` AND `join_codes`.`uses` > 0);
