-- 软件正版化提醒 (store::ledger::Ledger::record_ledger_reminder; the SQLite platform file has the
-- same tables, 0016_reminders_outbox.sql): each reminder of the software ledger sent once.
CREATE TABLE IF NOT EXISTS ledger_reminders (
    subject   text   NOT NULL,
    ref_id    bigint NOT NULL,
    due_on    text   NOT NULL,
    stage     text   NOT NULL,
    sent_at   bigint NOT NULL,
    PRIMARY KEY (subject, ref_id, due_on, stage)
);

-- 值班通知待重发 (store::duty::Duty::queue_duty_message): an incident message to a duty robot
-- not delivered, tried again by the minute timer until sent or a day old.
CREATE TABLE IF NOT EXISTS duty_outbox (
    id         bigserial PRIMARY KEY,
    webhook_id bigint NOT NULL,
    topic      text   NOT NULL,
    title      text   NOT NULL,
    lines      text   NOT NULL,
    queued_at  bigint NOT NULL,
    attempts   bigint NOT NULL DEFAULT 1
);
