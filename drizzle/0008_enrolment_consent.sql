-- Written by hand (see drizzle/meta/_journal.json); replaced by a generated migration when the schema settles.
SELECT 1;
