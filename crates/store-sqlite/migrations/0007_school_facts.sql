-- Issue 15: per-school facts for the decision screens, one row per school, recomputed for the
-- schools every import touches (in the import's transaction) and in full by `tianfu insight
-- refresh`. Counting rules: store::facts (the insight crate's definitions). Teachers' age bands
-- and retirements depend on the day: they are computed at read time from the birth buckets of
-- school_teacher_births (school x gender x birth year-month).
CREATE TABLE school_facts (
    school_code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    school_type TEXT NOT NULL,
    titles TEXT NOT NULL DEFAULT '{}',
    county_code INTEGER NOT NULL DEFAULT 0,
    school_year INTEGER NOT NULL DEFAULT 0,
    students INTEGER NOT NULL DEFAULT 0,
    g11 INTEGER NOT NULL DEFAULT 0,
    g12 INTEGER NOT NULL DEFAULT 0,
    g13 INTEGER NOT NULL DEFAULT 0,
    g14 INTEGER NOT NULL DEFAULT 0,
    g15 INTEGER NOT NULL DEFAULT 0,
    g16 INTEGER NOT NULL DEFAULT 0,
    g21 INTEGER NOT NULL DEFAULT 0,
    g22 INTEGER NOT NULL DEFAULT 0,
    g23 INTEGER NOT NULL DEFAULT 0,
    g31 INTEGER NOT NULL DEFAULT 0,
    g32 INTEGER NOT NULL DEFAULT 0,
    g33 INTEGER NOT NULL DEFAULT 0,
    boarders INTEGER NOT NULL DEFAULT 0,
    migrant INTEGER NOT NULL DEFAULT 0,
    left_behind INTEGER NOT NULL DEFAULT 0,
    minority INTEGER NOT NULL DEFAULT 0,
    disabled INTEGER NOT NULL DEFAULT 0,
    too_young INTEGER NOT NULL DEFAULT 0,
    too_old INTEGER NOT NULL DEFAULT 0,
    classes INTEGER NOT NULL DEFAULT 0,
    classes_large INTEGER NOT NULL DEFAULT 0,
    classes_very_large INTEGER NOT NULL DEFAULT 0,
    unassigned INTEGER NOT NULL DEFAULT 0,
    teachers INTEGER NOT NULL DEFAULT 0,
    full_time INTEGER NOT NULL DEFAULT 0,
    full_time_stated INTEGER NOT NULL DEFAULT 0,
    college_up INTEGER NOT NULL DEFAULT 0,
    bachelor_up INTEGER NOT NULL DEFAULT 0,
    backbone INTEGER NOT NULL DEFAULT 0,
    pe_arts INTEGER NOT NULL DEFAULT 0,
    male INTEGER NOT NULL DEFAULT 0,
    female INTEGER NOT NULL DEFAULT 0,
    gender_unknown INTEGER NOT NULL DEFAULT 0,
    deg_secondary INTEGER NOT NULL DEFAULT 0,
    deg_college INTEGER NOT NULL DEFAULT 0,
    deg_bachelor INTEGER NOT NULL DEFAULT 0,
    deg_postgrad INTEGER NOT NULL DEFAULT 0,
    deg_unknown INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX school_facts_county ON school_facts (county_code, school_code);

CREATE TABLE school_teacher_births (
    school_code TEXT NOT NULL,
    county_code INTEGER NOT NULL,
    gender INTEGER NOT NULL,      -- 0 male, 1 female, 2 unknown
    ym INTEGER NOT NULL,          -- birth year * 100 + month
    teachers INTEGER NOT NULL,
    PRIMARY KEY (school_code, gender, ym)
) WITHOUT ROWID;
CREATE INDEX school_teacher_births_county ON school_teacher_births (county_code);
