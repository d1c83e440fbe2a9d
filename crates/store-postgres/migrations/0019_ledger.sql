-- 责任制落实清单与软件正版化台账 (store::ledger; the SQLite platform file has the same tables, 0013_ledger.sql).
-- A checklist a division publishes for a year, its template items, and each unit's copy.
CREATE TABLE IF NOT EXISTS duty_checklists (
    id              bigserial PRIMARY KEY,
    region_code     bigint  NOT NULL,
    year            bigint  NOT NULL,
    title           text    NOT NULL,
    include_schools boolean NOT NULL DEFAULT false,
    items           bigint NOT NULL DEFAULT 0,
    created_by      text    NOT NULL,
    created_at      bigint  NOT NULL
);
CREATE INDEX IF NOT EXISTS duty_checklists_region ON duty_checklists (region_code, year);

CREATE TABLE IF NOT EXISTS duty_template_items (
    id                bigserial PRIMARY KEY,
    checklist_id      bigint  NOT NULL REFERENCES duty_checklists (id),
    seq               bigint  NOT NULL,
    text              text    NOT NULL,
    category          text    NOT NULL,
    evidence_required boolean NOT NULL DEFAULT false
);
CREATE INDEX IF NOT EXISTS duty_template_items_list ON duty_template_items (checklist_id, seq);

CREATE TABLE IF NOT EXISTS duty_items (
    id                bigserial PRIMARY KEY,
    checklist_id      bigint  NOT NULL REFERENCES duty_checklists (id),
    year              bigint  NOT NULL,
    unit_code         bigint  NOT NULL,
    region_code       bigint  NOT NULL,
    seq               bigint  NOT NULL,
    text              text    NOT NULL,
    category          text    NOT NULL,
    evidence_required boolean NOT NULL DEFAULT false,
    owner_name        text    NOT NULL DEFAULT '',
    owner_post        text    NOT NULL DEFAULT '',
    status            text    NOT NULL DEFAULT 'not_started',
    reason            text    NOT NULL DEFAULT '',
    evidence          text    NOT NULL DEFAULT '',
    attachment_id     bigint NOT NULL DEFAULT 0,
    updated_by        text    NOT NULL,
    updated_at        bigint  NOT NULL
);
CREATE INDEX IF NOT EXISTS duty_items_region ON duty_items (checklist_id, region_code, unit_code);
CREATE INDEX IF NOT EXISTS duty_items_unit ON duty_items (unit_code, id);

-- Each unit's software, its licence and installations.
CREATE TABLE IF NOT EXISTS software_assets (
    id           bigserial PRIMARY KEY,
    unit_code    bigint  NOT NULL,
    region_code  bigint  NOT NULL,
    name         text    NOT NULL,
    vendor       text    NOT NULL DEFAULT '',
    version      text    NOT NULL DEFAULT '',
    kind         text    NOT NULL,
    licence_kind text    NOT NULL,
    licence_no   text    NOT NULL DEFAULT '',
    licensed     bigint NOT NULL DEFAULT 0,
    expires_on   text    NOT NULL DEFAULT '',
    installed    bigint NOT NULL DEFAULT 0,
    location     text    NOT NULL DEFAULT '',
    created_by   text    NOT NULL,
    created_at   bigint  NOT NULL,
    updated_at   bigint  NOT NULL
);
CREATE INDEX IF NOT EXISTS software_assets_region ON software_assets (region_code, id);
CREATE INDEX IF NOT EXISTS software_assets_unit ON software_assets (unit_code, id);

-- The six-monthly checks (正版化检查) and the next due date the rules gave.
CREATE TABLE IF NOT EXISTS software_checks (
    id          bigserial PRIMARY KEY,
    unit_code   bigint  NOT NULL,
    region_code bigint  NOT NULL,
    checked_on  text    NOT NULL,
    checker     text    NOT NULL,
    compliant   boolean NOT NULL,
    problems    text    NOT NULL DEFAULT '',
    next_due    text    NOT NULL,
    recorded_by text    NOT NULL,
    recorded_at bigint  NOT NULL
);
CREATE INDEX IF NOT EXISTS software_checks_region ON software_checks (region_code, unit_code);
CREATE INDEX IF NOT EXISTS software_checks_unit ON software_checks (unit_code, checked_on);
