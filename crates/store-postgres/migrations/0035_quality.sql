-- Issue 14 (governance): data quality per provider and the collection calendar (store::quality).
-- One snapshot row per provider (a county: school_code '', or a school) and day, kept by each
-- `tianfu quality refresh` (or the console's refresh): the raw counts; scores are computed from
-- them at read time (formulas in store::quality::Counts::scores and docs/quality.md).
CREATE TABLE IF NOT EXISTS quality_snapshots (
    day                text    NOT NULL,          -- YYYY-MM-DD
    county_code        integer NOT NULL,
    school_code        text COLLATE "C" NOT NULL,          -- '' for the county's row
    name               text    NOT NULL,
    rules              text    NOT NULL,          -- rejected rows by rule code (JSON object)
    last_update        text    NOT NULL,          -- newest batch carrying the provider's records ('' none)
    students           bigint NOT NULL,
    teachers           bigint NOT NULL,
    cells              bigint NOT NULL,
    filled             bigint NOT NULL,
    rejected           bigint NOT NULL,
    missing_school     bigint NOT NULL,
    too_young          bigint NOT NULL,
    too_old            bigint NOT NULL,
    classes            bigint NOT NULL,
    classes_very_large bigint NOT NULL,
    dup_students       bigint NOT NULL,
    dup_teachers       bigint NOT NULL,
    read_rows          bigint NOT NULL,
    PRIMARY KEY (day, county_code, school_code)
);
CREATE INDEX IF NOT EXISTS quality_snapshots_provider ON quality_snapshots (county_code, school_code, day);

-- The uniqueness check groups students by 学籍号 (the same person under two keys): an index
-- makes that a scan of the index rather than a sort of the table (PostgreSQL has one already).
CREATE INDEX IF NOT EXISTS students_student_id ON students (student_id);
CREATE INDEX IF NOT EXISTS teachers_id_number ON teachers (id_number);

-- 数据采集日历: collection rounds and the reminders sent for them (at most one per county, round
-- and day).
CREATE TABLE IF NOT EXISTS collection_rounds (
    id         bigserial PRIMARY KEY,
    name       text    NOT NULL,
    entity     text    NOT NULL,
    opens_on   text    NOT NULL,
    due_on     text    NOT NULL,
    region     integer NOT NULL,                  -- the province, city or county whose counties submit
    created_by text    NOT NULL,
    created_at text    NOT NULL
);

CREATE TABLE IF NOT EXISTS collection_reminders (
    round_id    bigint NOT NULL,
    county_code integer NOT NULL,
    day         text    NOT NULL,
    PRIMARY KEY (round_id, county_code, day)
);
