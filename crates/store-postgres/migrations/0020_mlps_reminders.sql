-- 等保提醒 (store::mlps::Mlps::record_reminder; the SQLite platform file has the same table,
-- 0014_mlps_reminders.sql): each reminder of a system's due date sent to the group robots, once.
CREATE TABLE IF NOT EXISTS mlps_reminders (
    system_id bigint NOT NULL REFERENCES mlps_systems (id),
    due       text   NOT NULL,
    due_on    text   NOT NULL,
    stage     text   NOT NULL,
    sent_at   bigint NOT NULL,
    PRIMARY KEY (system_id, due, due_on, stage)
);

-- The region completion counts (store::mlps::Mlps::completion) read this index alone
-- (an index-only scan), in region order (bench-security: 22,000 units, 60,000 systems).
CREATE INDEX IF NOT EXISTS mlps_systems_completion ON mlps_systems (region_code, level, filing_no, last_assessed, assessment_due, next_due);
