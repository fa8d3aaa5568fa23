-- Each saved version keeps the HTML it was rendered to, so the archive's offline pages show old versions without
-- rendering them again. Versions saved before this (and versions an archive brought in) have none and are rendered
-- when an archive is written.
ALTER TABLE `revisions` ADD `html` text;
