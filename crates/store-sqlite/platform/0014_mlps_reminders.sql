-- 等保提醒 (store::mlps::Mlps::record_reminder): each reminder of a system's due date sent to the
-- group robots, once: the system, which date (filing, assessment, rectification), the date
-- itself and the stage (60, 30, 7 days ahead; 'late' the first day late).
CREATE TABLE IF NOT EXISTS mlps_reminders (
    system_id INTEGER NOT NULL REFERENCES mlps_systems (id),
    due       TEXT    NOT NULL,
    due_on    TEXT    NOT NULL,
    stage     TEXT    NOT NULL,
    sent_at   INTEGER NOT NULL,
    PRIMARY KEY (system_id, due, due_on, stage)
);

-- The region completion counts (store::mlps::Mlps::completion) read this index alone, in
-- region order, instead of the table (bench-security: 22,000 units, 60,000 systems).
CREATE INDEX IF NOT EXISTS mlps_systems_completion ON mlps_systems (region_code, level, filing_no, last_assessed, assessment_due, next_due);
