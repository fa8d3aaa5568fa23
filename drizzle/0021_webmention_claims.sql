-- A received Webmention is verified by one node at a time: the node that takes it holds a claim until it ends, and
-- a node that died mid-verification leaves it to another once the claim ends (src/server/webmention/receive/verifier.ts).
ALTER TABLE `webmentions` ADD `claimed_until` integer;
