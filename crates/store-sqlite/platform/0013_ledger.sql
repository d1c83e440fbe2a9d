-- 责任制落实清单与软件正版化台账 (store::ledger). Dates are `YYYY-MM-DD` text, '' when none.
-- A checklist a division publishes for a year, its template items, and each unit's copy.
CREATE TABLE IF NOT EXISTS duty_checklists (
    id              INTEGER PRIMARY KEY,
    region_code     INTEGER NOT NULL,
    year            INTEGER NOT NULL,
    title           TEXT    NOT NULL,
    include_schools INTEGER NOT NULL DEFAULT 0,
    items           INTEGER NOT NULL DEFAULT 0,
    created_by      TEXT    NOT NULL,
    created_at      INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS duty_checklists_region ON duty_checklists (region_code, year);

CREATE TABLE IF NOT EXISTS duty_template_items (
    id                INTEGER PRIMARY KEY,
    checklist_id      INTEGER NOT NULL REFERENCES duty_checklists (id),
    seq               INTEGER NOT NULL,
    text              TEXT    NOT NULL,
    category          TEXT    NOT NULL,
    evidence_required INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS duty_template_items_list ON duty_template_items (checklist_id, seq);

CREATE TABLE IF NOT EXISTS duty_items (
    id                INTEGER PRIMARY KEY,
    checklist_id      INTEGER NOT NULL REFERENCES duty_checklists (id),
    year              INTEGER NOT NULL,
    unit_code         INTEGER NOT NULL,
    region_code       INTEGER NOT NULL,
    seq               INTEGER NOT NULL,
    text              TEXT    NOT NULL,
    category          TEXT    NOT NULL,
    evidence_required INTEGER NOT NULL DEFAULT 0,
    owner_name        TEXT    NOT NULL DEFAULT '',
    owner_post        TEXT    NOT NULL DEFAULT '',
    status            TEXT    NOT NULL DEFAULT 'not_started',
    reason            TEXT    NOT NULL DEFAULT '',
    evidence          TEXT    NOT NULL DEFAULT '',
    attachment_id     INTEGER NOT NULL DEFAULT 0,
    updated_by        TEXT    NOT NULL,
    updated_at        INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS duty_items_region ON duty_items (checklist_id, region_code, unit_code);
CREATE INDEX IF NOT EXISTS duty_items_unit ON duty_items (unit_code, id);

-- Each unit's software, its licence and installations.
CREATE TABLE IF NOT EXISTS software_assets (
    id           INTEGER PRIMARY KEY,
    unit_code    INTEGER NOT NULL,
    region_code  INTEGER NOT NULL,
    name         TEXT    NOT NULL,
    vendor       TEXT    NOT NULL DEFAULT '',
    version      TEXT    NOT NULL DEFAULT '',
    kind         TEXT    NOT NULL,
    licence_kind TEXT    NOT NULL,
    licence_no   TEXT    NOT NULL DEFAULT '',
    licensed     INTEGER NOT NULL DEFAULT 0,
    expires_on   TEXT    NOT NULL DEFAULT '',
    installed    INTEGER NOT NULL DEFAULT 0,
    location     TEXT    NOT NULL DEFAULT '',
    created_by   TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS software_assets_region ON software_assets (region_code, id);
CREATE INDEX IF NOT EXISTS software_assets_unit ON software_assets (unit_code, id);

-- The six-monthly checks (正版化检查) and the next due date the rules gave.
CREATE TABLE IF NOT EXISTS software_checks (
    id          INTEGER PRIMARY KEY,
    unit_code   INTEGER NOT NULL,
    region_code INTEGER NOT NULL,
    checked_on  TEXT    NOT NULL,
    checker     TEXT    NOT NULL,
    compliant   INTEGER NOT NULL,
    problems    TEXT    NOT NULL DEFAULT '',
    next_due    TEXT    NOT NULL,
    recorded_by TEXT    NOT NULL,
    recorded_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS software_checks_region ON software_checks (region_code, unit_code);
CREATE INDEX IF NOT EXISTS software_checks_unit ON software_checks (unit_code, checked_on);
