-- Issue 15: 办学条件 (school conditions), one row per school and school year, imported through the
-- same batches as the registers (batches.entity 'conditions'). Template values are TEXT exactly
-- as ingest normalised them ('' for empty); the key is store::keys::conditions_key
-- ('{school}/{year}') in the C collation, like the registers' keys. SQLite base 0006 is the same.
CREATE TABLE IF NOT EXISTS conditions (
    record_key         text COLLATE "C" PRIMARY KEY,
    row_hash           bigint NOT NULL,
    school_code        text COLLATE "C" NOT NULL DEFAULT '',
    school_year        text COLLATE "C" NOT NULL DEFAULT '',
    building_area      text NOT NULL DEFAULT '',
    teaching_area      text NOT NULL DEFAULT '',
    sports_ground_area text NOT NULL DEFAULT '',
    sports_hall_area   text NOT NULL DEFAULT '',
    equipment_value    text NOT NULL DEFAULT '',
    multimedia_rooms   text NOT NULL DEFAULT '',
    library_books      text NOT NULL DEFAULT '',
    boarding_places    text NOT NULL DEFAULT '',
    county_public      text NOT NULL DEFAULT '',
    teaching_point     text NOT NULL DEFAULT '',
    batch_id           bigint NOT NULL,
    updated_at         text NOT NULL
);
-- A school's history (by school, then year) and a school year's list (by year, then school).
CREATE INDEX IF NOT EXISTS conditions_school ON conditions (school_code, school_year);
CREATE INDEX IF NOT EXISTS conditions_year ON conditions (school_year, school_code);
