-- 软件正版化提醒 (store::ledger::Ledger::record_ledger_reminder): each reminder of the software
-- ledger sent to the group robots, once: a unit's six-monthly check ('check', the unit's code)
-- or a licence ending ('licence', the software entry's id), the date itself and the stage
-- (60, 30, 7 days ahead; 'overdue' the first day late).
CREATE TABLE IF NOT EXISTS ledger_reminders (
    subject   TEXT    NOT NULL,
    ref_id    INTEGER NOT NULL,
    due_on    TEXT    NOT NULL,
    stage     TEXT    NOT NULL,
    sent_at   INTEGER NOT NULL,
    PRIMARY KEY (subject, ref_id, due_on, stage)
);

-- 值班通知待重发 (store::duty::Duty::queue_duty_message): an incident message to a duty robot
-- that was not delivered, tried again by the minute timer until sent or a day old. No personal
-- data (the message is the notice sent to the group).
CREATE TABLE IF NOT EXISTS duty_outbox (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id INTEGER NOT NULL,
    topic      TEXT    NOT NULL,
    title      TEXT    NOT NULL,
    lines      TEXT    NOT NULL,
    queued_at  INTEGER NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 1
);
