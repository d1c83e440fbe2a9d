-- 专项检查、攻防演练与整改项 (store::checks; PostgreSQL has the same tables, 0018_checks.sql).
-- Dates are `YYYY-MM-DD` text, '' when none (compared as text = as dates). A unit's region is
-- a school's county or a bureau's own code, as in the 等保 register.
CREATE TABLE IF NOT EXISTS check_inspections (
    id          INTEGER PRIMARY KEY,
    issuer_code INTEGER NOT NULL,
    name        TEXT    NOT NULL,
    basis       TEXT    NOT NULL,
    starts_on   TEXT    NOT NULL,
    deadline    TEXT    NOT NULL,
    rect_days   INTEGER NOT NULL,
    items_json  TEXT    NOT NULL,
    created_by  TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS check_inspections_issuer ON check_inspections (issuer_code, id);

CREATE TABLE IF NOT EXISTS check_assignments (
    inspection_id INTEGER NOT NULL REFERENCES check_inspections (id),
    unit_code     INTEGER NOT NULL,
    region_code   INTEGER NOT NULL,
    state         TEXT    NOT NULL DEFAULT 'assigned',
    answers_json  TEXT    NOT NULL DEFAULT '[]',
    findings      INTEGER NOT NULL DEFAULT 0,
    submitted_by  TEXT    NOT NULL DEFAULT '',
    submitted_at  INTEGER,
    PRIMARY KEY (inspection_id, unit_code)
);
CREATE INDEX IF NOT EXISTS check_assignments_region ON check_assignments (inspection_id, region_code);
CREATE INDEX IF NOT EXISTS check_assignments_unit ON check_assignments (unit_code, inspection_id);

CREATE TABLE IF NOT EXISTS check_drills (
    id             INTEGER PRIMARY KEY,
    organiser_code INTEGER NOT NULL,
    name           TEXT    NOT NULL,
    kind           TEXT    NOT NULL,
    starts_on      TEXT    NOT NULL,
    ends_on        TEXT    NOT NULL,
    scope_text     TEXT    NOT NULL,
    report         TEXT    NOT NULL DEFAULT '',
    report_attachment INTEGER,
    created_by     TEXT    NOT NULL,
    created_at     INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS check_drills_organiser ON check_drills (organiser_code, id);

CREATE TABLE IF NOT EXISTS check_participants (
    drill_id    INTEGER NOT NULL REFERENCES check_drills (id),
    unit_code   INTEGER NOT NULL,
    region_code INTEGER NOT NULL,
    team        TEXT    NOT NULL,
    PRIMARY KEY (drill_id, unit_code)
);
CREATE INDEX IF NOT EXISTS check_participants_region ON check_participants (region_code, drill_id);

CREATE TABLE IF NOT EXISTS check_findings (
    id          INTEGER PRIMARY KEY,
    drill_id    INTEGER NOT NULL REFERENCES check_drills (id),
    title       TEXT    NOT NULL,
    severity    TEXT    NOT NULL,
    unit_code   INTEGER NOT NULL,
    region_code INTEGER NOT NULL,
    target      TEXT    NOT NULL,
    found_by    TEXT    NOT NULL,
    item_id     INTEGER,
    created_at  INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS check_findings_drill ON check_findings (drill_id, id);

CREATE TABLE IF NOT EXISTS check_items (
    id            INTEGER PRIMARY KEY,
    source        TEXT    NOT NULL,
    source_id     INTEGER NOT NULL,
    source_ref    INTEGER NOT NULL,
    issuer_code   INTEGER NOT NULL,
    owner_unit    INTEGER NOT NULL,
    region_code   INTEGER NOT NULL,
    owner_name    TEXT    NOT NULL,
    owner_post    TEXT    NOT NULL,
    description   TEXT    NOT NULL,
    severity      TEXT    NOT NULL,
    due_on        TEXT    NOT NULL,
    state         TEXT    NOT NULL DEFAULT 'open',
    evidence      TEXT    NOT NULL DEFAULT '',
    attachment_id INTEGER,
    submitted_at  INTEGER,
    review_note   TEXT    NOT NULL DEFAULT '',
    verified_by   TEXT    NOT NULL DEFAULT '',
    verified_at   INTEGER,
    created_by    TEXT    NOT NULL,
    created_at    INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS check_items_region ON check_items (region_code, id);
CREATE INDEX IF NOT EXISTS check_items_unit ON check_items (owner_unit, id);
CREATE INDEX IF NOT EXISTS check_items_source ON check_items (source, source_id, region_code);
