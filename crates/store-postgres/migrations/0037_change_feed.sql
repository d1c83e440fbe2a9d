-- Issue 14 (sharing exchange): the change feed (store::share::changes) reads, per import batch,
-- the records whose place changed (school, grade, division, school type) to tell a consumer which
-- records left its grant's rows. Only those fields' entries are indexed.
CREATE INDEX IF NOT EXISTS change_log_moves ON change_log (batch_id, entity, record_key)
    WHERE field IN ('school_code', 'grade', 'region_code', 'school_type');
-- Publishing a grant's changes to NATS JetStream (optional per grant): the subject ('' = not
-- published), how far the publisher got (the feed's version and cursor) and its last error.
ALTER TABLE share_grants ADD COLUMN IF NOT EXISTS nats_subject text NOT NULL DEFAULT '';
ALTER TABLE share_grants ADD COLUMN IF NOT EXISTS nats_version bigint NOT NULL DEFAULT 0;
ALTER TABLE share_grants ADD COLUMN IF NOT EXISTS nats_after text NOT NULL DEFAULT '';
ALTER TABLE share_grants ADD COLUMN IF NOT EXISTS nats_error text NOT NULL DEFAULT '';
