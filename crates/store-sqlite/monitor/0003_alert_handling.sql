-- Handling alerts (issue 12): a person's state beside the probe's. `resolved_at` stays what the
-- checks say (the problem is gone); `status` is what people did: open (未处理) → acked (已确认)
-- → closed (已关闭, with a disposition 处置说明). Steps are checked and audited by
-- store::monitor::handling (store::flow), not here.
ALTER TABLE alerts ADD COLUMN status TEXT NOT NULL DEFAULT 'open';
ALTER TABLE alerts ADD COLUMN assignee TEXT;
ALTER TABLE alerts ADD COLUMN closed_by TEXT;
ALTER TABLE alerts ADD COLUMN closed_at INTEGER;
ALTER TABLE alerts ADD COLUMN disposition TEXT;
CREATE INDEX alerts_status ON alerts (status, id);
-- Notes (批注) on an alert: who wrote what when; never edited.
CREATE TABLE alert_notes (
    id       INTEGER PRIMARY KEY,
    alert_id INTEGER NOT NULL REFERENCES alerts (id),
    author   TEXT    NOT NULL,
    at       INTEGER NOT NULL,
    text     TEXT    NOT NULL
);
CREATE INDEX alert_notes_alert ON alert_notes (alert_id, id);
