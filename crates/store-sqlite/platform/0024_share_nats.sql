-- Publishing a grant's changes to NATS JetStream (optional per grant): the subject ('' = not
-- published), how far the publisher got (the feed's version and cursor) and its last error.
ALTER TABLE share_grants ADD COLUMN nats_subject TEXT NOT NULL DEFAULT '';
ALTER TABLE share_grants ADD COLUMN nats_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE share_grants ADD COLUMN nats_after TEXT NOT NULL DEFAULT '';
ALTER TABLE share_grants ADD COLUMN nats_error TEXT NOT NULL DEFAULT '';
