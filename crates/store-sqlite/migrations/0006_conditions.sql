-- Issue 15: 办学条件 (school conditions), one row per school and school year, imported through the
-- same batches as the registers. Template fields live in columns named by their keys, TEXT exactly
-- as ingest normalised them ('' for empty), like the registers' tables.
CREATE TABLE conditions (
    id                 INTEGER PRIMARY KEY,
    record_key         TEXT    NOT NULL UNIQUE,   -- store::keys::conditions_key: '{school}/{year}'
    school_code        TEXT    NOT NULL REFERENCES schools (school_code),
    school_year        TEXT    NOT NULL,
    building_area      TEXT    NOT NULL,
    teaching_area      TEXT    NOT NULL,
    sports_ground_area TEXT    NOT NULL,
    sports_hall_area   TEXT    NOT NULL,
    equipment_value    TEXT    NOT NULL,
    multimedia_rooms   TEXT    NOT NULL,
    library_books      TEXT    NOT NULL,
    boarding_places    TEXT    NOT NULL,
    county_public      TEXT    NOT NULL,
    teaching_point     TEXT    NOT NULL,
    row_hash           INTEGER NOT NULL,
    batch_id           INTEGER NOT NULL REFERENCES batches (id),
    updated_at         TEXT    NOT NULL
);
-- A school's history (by school, then year) and a school year's list (by year, then school).
CREATE INDEX conditions_school ON conditions (school_code, school_year);
CREATE INDEX conditions_year ON conditions (school_year, school_code);

-- batches.entity gains 'conditions'. 0001 wrote a CHECK listing the three registers; widening a
-- CHECK changes nothing on disk, so the table's recorded SQL is edited in place (SQLite's
-- documented procedure for loosening a constraint: writable_schema, then a new schema_version
-- so every connection re-reads the schema).
PRAGMA writable_schema = ON;
UPDATE sqlite_schema SET sql = replace(sql, 'CHECK (entity IN (''school'', ''teacher'', ''student''))', 'CHECK (entity IN (''school'', ''teacher'', ''student'', ''conditions''))')
 WHERE type = 'table' AND name = 'batches';
PRAGMA writable_schema = OFF;
