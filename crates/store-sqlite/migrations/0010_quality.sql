-- Issue 14 (governance): data quality per provider and the collection calendar (store::quality).
-- One snapshot row per provider (a county: school_code '', or a school) and day, kept by each
-- `tianfu quality refresh` (or the console's refresh): the raw counts; scores are computed from
-- them at read time (formulas in store::quality::Counts::scores and docs/quality.md).
CREATE TABLE quality_snapshots (
    day                TEXT    NOT NULL,          -- YYYY-MM-DD
    county_code        INTEGER NOT NULL,
    school_code        TEXT    NOT NULL,          -- '' for the county's row
    name               TEXT    NOT NULL,
    rules              TEXT    NOT NULL,          -- rejected rows by rule code (JSON object)
    last_update        TEXT    NOT NULL,          -- newest batch carrying the provider's records ('' none)
    students           INTEGER NOT NULL,
    teachers           INTEGER NOT NULL,
    cells              INTEGER NOT NULL,
    filled             INTEGER NOT NULL,
    rejected           INTEGER NOT NULL,
    missing_school     INTEGER NOT NULL,
    too_young          INTEGER NOT NULL,
    too_old            INTEGER NOT NULL,
    classes            INTEGER NOT NULL,
    classes_very_large INTEGER NOT NULL,
    dup_students       INTEGER NOT NULL,
    dup_teachers       INTEGER NOT NULL,
    read_rows          INTEGER NOT NULL,
    PRIMARY KEY (day, county_code, school_code)
) WITHOUT ROWID;
CREATE INDEX quality_snapshots_provider ON quality_snapshots (county_code, school_code, day);

-- The uniqueness check groups students by 学籍号 (the same person under two keys): an index
-- makes that a scan of the index rather than a sort of the table (PostgreSQL has one already).
CREATE INDEX students_student_id ON students (student_id);
CREATE INDEX teachers_id_number ON teachers (id_number);

-- 数据采集日历: collection rounds and the reminders sent for them (at most one per county, round
-- and day).
CREATE TABLE collection_rounds (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    entity     TEXT    NOT NULL,
    opens_on   TEXT    NOT NULL,
    due_on     TEXT    NOT NULL,
    region     INTEGER NOT NULL,                  -- the province, city or county whose counties submit
    created_by TEXT    NOT NULL,
    created_at TEXT    NOT NULL
);

CREATE TABLE collection_reminders (
    round_id    INTEGER NOT NULL,
    county_code INTEGER NOT NULL,
    day         TEXT    NOT NULL,
    PRIMARY KEY (round_id, county_code, day)
) WITHOUT ROWID;
