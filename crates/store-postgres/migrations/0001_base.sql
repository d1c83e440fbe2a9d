-- 0001: the base databases (crates/store/schema/README.md).
--
-- Additive and idempotent: every object is created only if missing. Runs inside one
-- transaction together with the org_units seed and the schema_version row.
-- Template values are TEXT exactly as ingest normalised them ('' for empty). Natural keys and
-- every school_code use the C collation: byte order (as SQLite's), memcmp-fast to sort and
-- index, and one collation on both sides of every join. row_hash comes right after the key:
-- an import reads (key, row_hash) of every stored row, and early columns are cheaper to reach.
-- Kept within what openGauss and KingbaseES accept: no extensions, no JSONB, no MERGE.

CREATE TABLE IF NOT EXISTS org_units (
    code        bigint PRIMARY KEY,          -- 6-digit GB/T 2260 division or 10-digit 学校标识码
    name        text NOT NULL,
    level       text NOT NULL,               -- province / city / county / school
    parent_code bigint
);
CREATE INDEX IF NOT EXISTS org_units_parent ON org_units (parent_code);

CREATE TABLE IF NOT EXISTS batches (
    id          bigserial PRIMARY KEY,
    entity      text NOT NULL,
    file_name   text NOT NULL,
    file_hash   text NOT NULL,
    user_name   text NOT NULL,
    started_at  text NOT NULL,
    finished_at text,                        -- set at commit; a batch is visible only once committed
    rows_read   bigint NOT NULL DEFAULT 0,
    inserted    bigint NOT NULL DEFAULT 0,
    updated     bigint NOT NULL DEFAULT 0,
    unchanged   bigint NOT NULL DEFAULT 0,
    rejected    bigint NOT NULL DEFAULT 0,
    report_json text NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS batches_hash ON batches (entity, file_hash);

CREATE TABLE IF NOT EXISTS schools (
    school_code text COLLATE "C" PRIMARY KEY,
    row_hash    bigint NOT NULL,
    name        text NOT NULL DEFAULT '',
    school_type text NOT NULL DEFAULT '',
    region_code text NOT NULL DEFAULT '',
    urban_rural text NOT NULL DEFAULT '',
    credit_code text NOT NULL DEFAULT '',
    address     text NOT NULL DEFAULT '',
    longitude   text NOT NULL DEFAULT '',
    latitude    text NOT NULL DEFAULT '',
    principal   text NOT NULL DEFAULT '',
    phone       text NOT NULL DEFAULT '',
    postal_code text NOT NULL DEFAULT '',
    batch_id    bigint NOT NULL,
    updated_at  text NOT NULL
) WITH (fillfactor = 90);

CREATE TABLE IF NOT EXISTS teachers (
    record_key     text COLLATE "C" PRIMARY KEY,
    row_hash       bigint NOT NULL,
    id_type        text NOT NULL DEFAULT '',
    id_number      text NOT NULL DEFAULT '',
    name           text NOT NULL DEFAULT '',
    gender_code    text NOT NULL DEFAULT '',
    birth_date     text NOT NULL DEFAULT '',
    ethnicity_code text NOT NULL DEFAULT '',
    school_code    text COLLATE "C" NOT NULL DEFAULT '',
    hire_date      text NOT NULL DEFAULT '',
    subject        text NOT NULL DEFAULT '',
    phone          text NOT NULL DEFAULT '',
    education      text NOT NULL DEFAULT '',
    title          text NOT NULL DEFAULT '',
    batch_id       bigint NOT NULL,
    updated_at     text NOT NULL
) WITH (fillfactor = 90);
CREATE INDEX IF NOT EXISTS teachers_school ON teachers (school_code);

-- The student's personal fields; the enrolment fields live in enrolments.
CREATE TABLE IF NOT EXISTS students (
    record_key     text COLLATE "C" PRIMARY KEY,
    row_hash       bigint NOT NULL,             -- of all template fields, enrolment included
    student_id     text NOT NULL DEFAULT '',
    id_type        text NOT NULL DEFAULT '',
    id_number      text NOT NULL DEFAULT '',
    name           text NOT NULL DEFAULT '',
    gender_code    text NOT NULL DEFAULT '',
    birth_date     text NOT NULL DEFAULT '',
    ethnicity_code text NOT NULL DEFAULT '',
    region_code    text NOT NULL DEFAULT '',
    guardian_phone text NOT NULL DEFAULT '',
    address        text NOT NULL DEFAULT '',
    boarding       text NOT NULL DEFAULT '',
    left_behind    text NOT NULL DEFAULT '',
    migrant_child  text NOT NULL DEFAULT '',
    batch_id       bigint NOT NULL,
    updated_at     text NOT NULL
) WITH (fillfactor = 90);

-- Each student's current enrolment (one row per student).
CREATE TABLE IF NOT EXISTS enrolments (
    record_key      text COLLATE "C" PRIMARY KEY,
    school_code     text COLLATE "C" NOT NULL DEFAULT '',
    county_code     integer,                     -- the school's county; NULL without a school
    grade           text NOT NULL DEFAULT '',
    class_name      text NOT NULL DEFAULT '',
    enrollment_date text NOT NULL DEFAULT '',
    batch_id        bigint NOT NULL
) WITH (fillfactor = 90);

CREATE TABLE IF NOT EXISTS transfers (
    id            bigserial PRIMARY KEY,
    student_key   text COLLATE "C" NOT NULL,
    from_school   text NOT NULL,
    to_school     text NOT NULL,
    transfer_date text NOT NULL,
    batch_id      bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS transfers_student ON transfers (student_key);

CREATE TABLE IF NOT EXISTS change_log (
    id         bigserial PRIMARY KEY,
    batch_id   bigint NOT NULL,
    entity     text NOT NULL,
    record_key text COLLATE "C" NOT NULL,
    field      text NOT NULL,
    old_value  text NOT NULL,
    new_value  text NOT NULL
);
CREATE INDEX IF NOT EXISTS change_log_record ON change_log (entity, record_key);

CREATE TABLE IF NOT EXISTS rejected_rows (
    batch_id bigint NOT NULL,
    line     bigint NOT NULL,
    raw_json text NOT NULL,
    codes    text NOT NULL,
    PRIMARY KEY (batch_id, line)
);

-- Students by the school's county and grade, kept current by every import (deltas, never a
-- recount). grade 0 holds students whose grade is empty; cells that reach zero are deleted.
CREATE TABLE IF NOT EXISTS student_counts (
    county_code integer NOT NULL,
    grade       integer NOT NULL,
    students    bigint NOT NULL,
    PRIMARY KEY (county_code, grade)
);

CREATE TABLE IF NOT EXISTS exports (
    id        bigserial PRIMARY KEY,
    user_name text NOT NULL,
    at        text NOT NULL,
    entity    text NOT NULL,
    filter    text NOT NULL,
    format    text NOT NULL,
    rows      bigint NOT NULL,
    masked    boolean NOT NULL
);
