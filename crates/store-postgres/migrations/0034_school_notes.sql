-- 学区/服务范围说明: a school's catchment note (store::schoolmap; the SQLite platform file has
-- the same table, 0022_school_notes.sql).
CREATE TABLE IF NOT EXISTS school_notes (
    school_code text   PRIMARY KEY,
    note        text   NOT NULL,
    updated_by  text   NOT NULL,
    updated_at  bigint NOT NULL
);
