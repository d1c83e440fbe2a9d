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
