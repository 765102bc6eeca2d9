-- The premises ban behind a decision is named with its row version (its etag when it decided), as
-- the deciding arrangement is named with its version: an auditor sees which state of the ban
-- decided. Decisions stored before this have 0.
ALTER TABLE decisions ADD COLUMN premises_ban_version BIGINT NOT NULL DEFAULT 0;
