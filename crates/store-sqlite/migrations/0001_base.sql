-- Tianfu base databases on SQLite: the schema of crates/store/schema/README.md.
-- Template fields are TEXT exactly as ingest normalised them ('' for empty).
-- Applied once, in a transaction, by store_sqlite::migrate; never edited after release:
-- later changes go in new, additive files (0002_*.sql, ...).

-- The organisation tree: province -> city -> county (GB/T 2260, seeded by the migration code),
-- then schools (level 'school', parent = the school's county), kept current by school imports.
CREATE TABLE org_units (
    code        INTEGER PRIMARY KEY,          -- 6-digit division or 10-digit 学校标识码
    name        TEXT    NOT NULL,
    level       TEXT    NOT NULL CHECK (level IN ('province', 'city', 'county', 'school')),
    parent_code INTEGER
);
CREATE INDEX org_units_parent ON org_units (parent_code);

CREATE TABLE batches (
    id          INTEGER PRIMARY KEY,
    entity      TEXT    NOT NULL CHECK (entity IN ('school', 'teacher', 'student')),
    file_name   TEXT    NOT NULL,
    file_hash   TEXT    NOT NULL,
    user_name   TEXT    NOT NULL,
    started_at  TEXT    NOT NULL,
    finished_at TEXT,                         -- set at commit, in the batch's own transaction
    rows_read   INTEGER NOT NULL DEFAULT 0,
    inserted    INTEGER NOT NULL DEFAULT 0,
    updated     INTEGER NOT NULL DEFAULT 0,
    unchanged   INTEGER NOT NULL DEFAULT 0,
    rejected    INTEGER NOT NULL DEFAULT 0,
    report_json TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX batches_hash ON batches (entity, file_hash);

CREATE TABLE schools (
    school_code TEXT    PRIMARY KEY,
    name        TEXT    NOT NULL,
    school_type TEXT    NOT NULL,
    region_code TEXT    NOT NULL,
    urban_rural TEXT    NOT NULL,
    credit_code TEXT    NOT NULL,
    address     TEXT    NOT NULL,
    longitude   TEXT    NOT NULL,
    latitude    TEXT    NOT NULL,
    principal   TEXT    NOT NULL,
    phone       TEXT    NOT NULL,
    postal_code TEXT    NOT NULL,
    row_hash    INTEGER NOT NULL,
    batch_id    INTEGER NOT NULL REFERENCES batches (id),
    updated_at  TEXT    NOT NULL
);
CREATE INDEX schools_region ON schools (region_code);

CREATE TABLE teachers (
    id             INTEGER PRIMARY KEY,
    record_key     TEXT    NOT NULL UNIQUE,
    id_type        TEXT    NOT NULL,
    id_number      TEXT    NOT NULL,
    name           TEXT    NOT NULL,
    gender_code    TEXT    NOT NULL,
    birth_date     TEXT    NOT NULL,
    ethnicity_code TEXT    NOT NULL,
    school_code    TEXT    NOT NULL REFERENCES schools (school_code),
    hire_date      TEXT    NOT NULL,
    subject        TEXT    NOT NULL,
    phone          TEXT    NOT NULL,
    education      TEXT    NOT NULL,
    title          TEXT    NOT NULL,
    row_hash       INTEGER NOT NULL,
    batch_id       INTEGER NOT NULL REFERENCES batches (id),
    updated_at     TEXT    NOT NULL
);
CREATE INDEX teachers_school ON teachers (school_code);

-- Students: a rowid table (new students are appended), found by the unique record_key index.
-- The current enrolment lives in `enrolments`, keyed by the student's rowid.
CREATE TABLE students (
    id             INTEGER PRIMARY KEY,
    record_key     TEXT    NOT NULL UNIQUE,
    student_id     TEXT    NOT NULL,
    id_type        TEXT    NOT NULL,
    id_number      TEXT    NOT NULL,
    name           TEXT    NOT NULL,
    gender_code    TEXT    NOT NULL,
    birth_date     TEXT    NOT NULL,
    ethnicity_code TEXT    NOT NULL,
    region_code    TEXT    NOT NULL,
    guardian_phone TEXT    NOT NULL,
    address        TEXT    NOT NULL,
    boarding       TEXT    NOT NULL,
    left_behind    TEXT    NOT NULL,
    migrant_child  TEXT    NOT NULL,
    row_hash       INTEGER NOT NULL,             -- store::keys::row_hash of all template values
    batch_id       INTEGER NOT NULL,
    updated_at     TEXT    NOT NULL
);

CREATE TABLE enrolments (
    student_id      INTEGER PRIMARY KEY,         -- students.id (written together; no FK check per row)
    school_code     TEXT    NOT NULL,            -- '' when the record names no school
    county_code     INTEGER,                     -- the school's county; NULL without a school
    grade           TEXT    NOT NULL,
    class_name      TEXT    NOT NULL,
    enrollment_date TEXT    NOT NULL,
    batch_id        INTEGER NOT NULL
);
-- Serves exports by region (a range of county codes) and by school (its county, then a filter on
-- the code: a county has a few hundred schools). One integer index: every index on this table
-- costs about a microsecond per imported student.
CREATE INDEX enrolments_county ON enrolments (county_code);

CREATE TABLE transfers (
    id            INTEGER PRIMARY KEY,
    student_key   TEXT    NOT NULL,
    from_school   TEXT    NOT NULL,
    to_school     TEXT    NOT NULL,
    transfer_date TEXT    NOT NULL,
    batch_id      INTEGER NOT NULL REFERENCES batches (id)
);
CREATE INDEX transfers_student ON transfers (student_key);

CREATE TABLE change_log (
    id         INTEGER PRIMARY KEY,
    batch_id   INTEGER NOT NULL REFERENCES batches (id),
    entity     TEXT    NOT NULL,
    record_key TEXT    NOT NULL,
    field      TEXT    NOT NULL,
    old_value  TEXT    NOT NULL,
    new_value  TEXT    NOT NULL
);
CREATE INDEX change_log_record ON change_log (record_key, entity);

CREATE TABLE rejected_rows (
    batch_id INTEGER NOT NULL REFERENCES batches (id),
    line     INTEGER NOT NULL,
    raw_json TEXT    NOT NULL,
    codes    TEXT    NOT NULL,
    PRIMARY KEY (batch_id, line)
) WITHOUT ROWID;

-- Students by the school's county and grade (0 = no grade given), kept current by every
-- student batch at commit; cells that reach zero are deleted.
CREATE TABLE student_counts (
    county_code INTEGER NOT NULL,
    grade       INTEGER NOT NULL,
    students    INTEGER NOT NULL,
    PRIMARY KEY (county_code, grade)
) WITHOUT ROWID;

CREATE TABLE exports (
    id        INTEGER PRIMARY KEY,
    user_name TEXT    NOT NULL,
    at        TEXT    NOT NULL,
    entity    TEXT    NOT NULL,
    filter    TEXT    NOT NULL,
    format    TEXT    NOT NULL,
    rows      INTEGER NOT NULL,
    masked    INTEGER NOT NULL
);
