-- Handling alerts (issue 12): a person's state beside the probe's. `resolved_at` stays what the
-- checks say (the problem is gone); `status` is what people did: open (未处理) → acked (已确认)
-- → closed (已关闭, with a disposition 处置说明). Steps are checked and audited by
-- store::monitor::handling (store::flow), not here.
ALTER TABLE alerts ADD COLUMN IF NOT EXISTS status text NOT NULL DEFAULT 'open';
ALTER TABLE alerts ADD COLUMN IF NOT EXISTS assignee text;
ALTER TABLE alerts ADD COLUMN IF NOT EXISTS closed_by text;
ALTER TABLE alerts ADD COLUMN IF NOT EXISTS closed_at bigint;
ALTER TABLE alerts ADD COLUMN IF NOT EXISTS disposition text;
CREATE INDEX IF NOT EXISTS alerts_status ON alerts (status, id);
-- Notes (批注) on an alert: who wrote what when; never edited.
CREATE TABLE IF NOT EXISTS alert_notes (
    id       bigserial PRIMARY KEY,
    alert_id bigint NOT NULL REFERENCES alerts (id),
    author   text   NOT NULL,
    at       bigint NOT NULL,
    text     text   NOT NULL
);
CREATE INDEX IF NOT EXISTS alert_notes_alert ON alert_notes (alert_id, id);
-- Group robots managed in the console by the province's security officer or administrator,
-- beside those of the configuration file. The secret is never shown back in full.
CREATE TABLE IF NOT EXISTS webhook_targets (
    id         bigserial PRIMARY KEY,
    name       text    NOT NULL,
    kind       text    NOT NULL,
    url        text    NOT NULL,
    secret     text,
    enabled    boolean NOT NULL DEFAULT true,
    created_by text    NOT NULL,
    created_at bigint  NOT NULL
);
