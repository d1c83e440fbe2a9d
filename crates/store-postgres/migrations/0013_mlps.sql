-- 等保 2.0 台账 (store::mlps; the SQLite platform file has the same tables, 0007_mlps.sql): information systems of the units, their assessments and
-- rectification items. Dates are `YYYY-MM-DD` text, '' when none (compared as text = as dates);
-- the due dates are computed by secman::mlps and kept here for the overdue lists.
CREATE TABLE IF NOT EXISTS mlps_systems (
    id               bigserial PRIMARY KEY,
    unit_code        bigint  NOT NULL,
    region_code      bigint  NOT NULL,
    name             text    NOT NULL,
    owner            text    NOT NULL,
    purpose          text    NOT NULL,
    level            bigint  NOT NULL CHECK (level BETWEEN 1 AND 5),
    cii              boolean NOT NULL DEFAULT false,
    live_on          text    NOT NULL DEFAULT '',
    filing_no        text    NOT NULL DEFAULT '',
    filing_on        text    NOT NULL DEFAULT '',
    filing_authority text    NOT NULL DEFAULT '',
    last_assessed    text    NOT NULL DEFAULT '',
    filing_due       text    NOT NULL DEFAULT '',
    assessment_due   text    NOT NULL DEFAULT '',
    rect_due         text    NOT NULL DEFAULT '',
    next_due         text    NOT NULL DEFAULT '',
    open_items       bigint  NOT NULL DEFAULT 0,
    created_by       text    NOT NULL,
    created_at       bigint  NOT NULL,
    updated_at       bigint  NOT NULL
);
CREATE INDEX IF NOT EXISTS mlps_systems_region ON mlps_systems (region_code, id);
CREATE INDEX IF NOT EXISTS mlps_systems_unit ON mlps_systems (unit_code, id);
CREATE INDEX IF NOT EXISTS mlps_systems_due ON mlps_systems (next_due, id);

CREATE TABLE IF NOT EXISTS mlps_assessments (
    id          bigserial PRIMARY KEY,
    system_id   bigint NOT NULL REFERENCES mlps_systems (id),
    assessed_on text    NOT NULL,
    agency      text    NOT NULL,
    score       bigint,
    conclusion  text    NOT NULL,
    recorded_by text    NOT NULL,
    recorded_at bigint  NOT NULL
);
CREATE INDEX IF NOT EXISTS mlps_assessments_system ON mlps_assessments (system_id, assessed_on);

CREATE TABLE IF NOT EXISTS mlps_rectifications (
    id         bigserial PRIMARY KEY,
    system_id  bigint NOT NULL REFERENCES mlps_systems (id),
    item       text    NOT NULL,
    due_on     text    NOT NULL,
    done_on    text    NOT NULL DEFAULT '',
    evidence   text    NOT NULL DEFAULT '',
    created_by text    NOT NULL,
    created_at bigint  NOT NULL
);
CREATE INDEX IF NOT EXISTS mlps_rectifications_system ON mlps_rectifications (system_id, due_on);
