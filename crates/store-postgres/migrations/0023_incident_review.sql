-- The post-incident review's deadline (复盘期限): set when an incident is recovered, N working
-- days later by store::calendar (secman::incidents). review_reminded_at: the sweep's one message
-- about an overdue review.
ALTER TABLE incidents ADD COLUMN IF NOT EXISTS recovered_at bigint;
ALTER TABLE incidents ADD COLUMN IF NOT EXISTS review_due_at bigint;
ALTER TABLE incidents ADD COLUMN IF NOT EXISTS review_reminded_at bigint;
CREATE INDEX IF NOT EXISTS incidents_review_due ON incidents (review_due_at) WHERE state = 'recovered';
