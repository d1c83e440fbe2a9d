-- 专项检查、攻防演练与整改项 (store::checks; the SQLite platform file has the same tables, 0012_checks.sql).
-- Dates are `YYYY-MM-DD` text, '' when none (compared as text = as dates). A unit's region is
-- a school's county or a bureau's own code, as in the 等保 register.
CREATE TABLE IF NOT EXISTS check_inspections (
    id          bigserial PRIMARY KEY,
    issuer_code bigint NOT NULL,
    name        text    NOT NULL,
    basis       text    NOT NULL,
    starts_on   text    NOT NULL,
    deadline    text    NOT NULL,
    rect_days   bigint NOT NULL,
    items_json  text    NOT NULL,
    created_by  text    NOT NULL,
    created_at  bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS check_inspections_issuer ON check_inspections (issuer_code, id);

CREATE TABLE IF NOT EXISTS check_assignments (
    inspection_id bigint NOT NULL REFERENCES check_inspections (id),
    unit_code     bigint NOT NULL,
    region_code   bigint NOT NULL,
    state         text    NOT NULL DEFAULT 'assigned',
    answers_json  text    NOT NULL DEFAULT '[]',
    findings      bigint NOT NULL DEFAULT 0,
    submitted_by  text    NOT NULL DEFAULT '',
    submitted_at  bigint,
    PRIMARY KEY (inspection_id, unit_code)
);
CREATE INDEX IF NOT EXISTS check_assignments_region ON check_assignments (inspection_id, region_code);
CREATE INDEX IF NOT EXISTS check_assignments_unit ON check_assignments (unit_code, inspection_id);

CREATE TABLE IF NOT EXISTS check_drills (
    id             bigserial PRIMARY KEY,
    organiser_code bigint NOT NULL,
    name           text    NOT NULL,
    kind           text    NOT NULL,
    starts_on      text    NOT NULL,
    ends_on        text    NOT NULL,
    scope_text     text    NOT NULL,
    report         text    NOT NULL DEFAULT '',
    report_attachment bigint,
    created_by     text    NOT NULL,
    created_at     bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS check_drills_organiser ON check_drills (organiser_code, id);

CREATE TABLE IF NOT EXISTS check_participants (
    drill_id    bigint NOT NULL REFERENCES check_drills (id),
    unit_code   bigint NOT NULL,
    region_code bigint NOT NULL,
    team        text    NOT NULL,
    PRIMARY KEY (drill_id, unit_code)
);
CREATE INDEX IF NOT EXISTS check_participants_region ON check_participants (region_code, drill_id);

CREATE TABLE IF NOT EXISTS check_findings (
    id          bigserial PRIMARY KEY,
    drill_id    bigint NOT NULL REFERENCES check_drills (id),
    title       text    NOT NULL,
    severity    text    NOT NULL,
    unit_code   bigint NOT NULL,
    region_code bigint NOT NULL,
    target      text    NOT NULL,
    found_by    text    NOT NULL,
    item_id     bigint,
    created_at  bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS check_findings_drill ON check_findings (drill_id, id);

CREATE TABLE IF NOT EXISTS check_items (
    id            bigserial PRIMARY KEY,
    source        text    NOT NULL,
    source_id     bigint NOT NULL,
    source_ref    bigint NOT NULL,
    issuer_code   bigint NOT NULL,
    owner_unit    bigint NOT NULL,
    region_code   bigint NOT NULL,
    owner_name    text    NOT NULL,
    owner_post    text    NOT NULL,
    description   text    NOT NULL,
    severity      text    NOT NULL,
    due_on        text    NOT NULL,
    state         text    NOT NULL DEFAULT 'open',
    evidence      text    NOT NULL DEFAULT '',
    attachment_id bigint,
    submitted_at  bigint,
    review_note   text    NOT NULL DEFAULT '',
    verified_by   text    NOT NULL DEFAULT '',
    verified_at   bigint,
    created_by    text    NOT NULL,
    created_at    bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS check_items_region ON check_items (region_code, id);
CREATE INDEX IF NOT EXISTS check_items_unit ON check_items (owner_unit, id);
CREATE INDEX IF NOT EXISTS check_items_source ON check_items (source, source_id, region_code);
