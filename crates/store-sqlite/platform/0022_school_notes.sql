-- 学区/服务范围说明: a school's catchment note (store::schoolmap; PostgreSQL has the same table,
-- 0034_school_notes.sql). Keyed by 学校标识码; the school itself is in the base file, so reads
-- and writes judge the school's county there first.
CREATE TABLE IF NOT EXISTS school_notes (
    school_code TEXT    PRIMARY KEY,
    note        TEXT    NOT NULL,
    updated_by  TEXT    NOT NULL,
    updated_at  INTEGER NOT NULL
);
