-- 等保 2.0 台账 (store::mlps): information systems of the units, their assessments and
-- rectification items. Dates are `YYYY-MM-DD` text, '' when none (compared as text = as dates);
-- the due dates are computed by secman::mlps and kept here for the overdue lists.
CREATE TABLE IF NOT EXISTS mlps_systems (
    id               INTEGER PRIMARY KEY,
    unit_code        INTEGER NOT NULL,
    region_code      INTEGER NOT NULL,
    name             TEXT    NOT NULL,
    owner            TEXT    NOT NULL,
    purpose          TEXT    NOT NULL,
    level            INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
    cii              INTEGER NOT NULL DEFAULT 0,
    live_on          TEXT    NOT NULL DEFAULT '',
    filing_no        TEXT    NOT NULL DEFAULT '',
    filing_on        TEXT    NOT NULL DEFAULT '',
    filing_authority TEXT    NOT NULL DEFAULT '',
    last_assessed    TEXT    NOT NULL DEFAULT '',
    filing_due       TEXT    NOT NULL DEFAULT '',
    assessment_due   TEXT    NOT NULL DEFAULT '',
    rect_due         TEXT    NOT NULL DEFAULT '',
    next_due         TEXT    NOT NULL DEFAULT '',
    open_items       INTEGER NOT NULL DEFAULT 0,
    created_by       TEXT    NOT NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS mlps_systems_region ON mlps_systems (region_code, id);
CREATE INDEX IF NOT EXISTS mlps_systems_unit ON mlps_systems (unit_code, id);
CREATE INDEX IF NOT EXISTS mlps_systems_due ON mlps_systems (next_due, id);

CREATE TABLE IF NOT EXISTS mlps_assessments (
    id          INTEGER PRIMARY KEY,
    system_id   INTEGER NOT NULL REFERENCES mlps_systems (id),
    assessed_on TEXT    NOT NULL,
    agency      TEXT    NOT NULL,
    score       INTEGER,
    conclusion  TEXT    NOT NULL,
    recorded_by TEXT    NOT NULL,
    recorded_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS mlps_assessments_system ON mlps_assessments (system_id, assessed_on);

CREATE TABLE IF NOT EXISTS mlps_rectifications (
    id         INTEGER PRIMARY KEY,
    system_id  INTEGER NOT NULL REFERENCES mlps_systems (id),
    item       TEXT    NOT NULL,
    due_on     TEXT    NOT NULL,
    done_on    TEXT    NOT NULL DEFAULT '',
    evidence   TEXT    NOT NULL DEFAULT '',
    created_by TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS mlps_rectifications_system ON mlps_rectifications (system_id, due_on);
