-- Issue 15: per-school facts for the decision screens, one row per school, recomputed for the
-- schools every import touches (in the import's transaction) and in full by `tianfu insight
-- refresh`. Counting rules: store::facts (the insight crate's definitions). Teachers' age bands
-- and retirements depend on the day: they are computed at read time from the birth buckets of
-- school_teacher_births (school x gender x birth year-month).
CREATE TABLE IF NOT EXISTS school_facts (
    school_code text PRIMARY KEY,
    name text NOT NULL,
    school_type text NOT NULL,
    titles text NOT NULL DEFAULT '{}',
    county_code bigint NOT NULL DEFAULT 0,
    school_year bigint NOT NULL DEFAULT 0,
    students bigint NOT NULL DEFAULT 0,
    g11 bigint NOT NULL DEFAULT 0,
    g12 bigint NOT NULL DEFAULT 0,
    g13 bigint NOT NULL DEFAULT 0,
    g14 bigint NOT NULL DEFAULT 0,
    g15 bigint NOT NULL DEFAULT 0,
    g16 bigint NOT NULL DEFAULT 0,
    g21 bigint NOT NULL DEFAULT 0,
    g22 bigint NOT NULL DEFAULT 0,
    g23 bigint NOT NULL DEFAULT 0,
    g31 bigint NOT NULL DEFAULT 0,
    g32 bigint NOT NULL DEFAULT 0,
    g33 bigint NOT NULL DEFAULT 0,
    boarders bigint NOT NULL DEFAULT 0,
    migrant bigint NOT NULL DEFAULT 0,
    left_behind bigint NOT NULL DEFAULT 0,
    minority bigint NOT NULL DEFAULT 0,
    disabled bigint NOT NULL DEFAULT 0,
    too_young bigint NOT NULL DEFAULT 0,
    too_old bigint NOT NULL DEFAULT 0,
    classes bigint NOT NULL DEFAULT 0,
    classes_large bigint NOT NULL DEFAULT 0,
    classes_very_large bigint NOT NULL DEFAULT 0,
    unassigned bigint NOT NULL DEFAULT 0,
    teachers bigint NOT NULL DEFAULT 0,
    full_time bigint NOT NULL DEFAULT 0,
    full_time_stated bigint NOT NULL DEFAULT 0,
    college_up bigint NOT NULL DEFAULT 0,
    bachelor_up bigint NOT NULL DEFAULT 0,
    backbone bigint NOT NULL DEFAULT 0,
    pe_arts bigint NOT NULL DEFAULT 0,
    male bigint NOT NULL DEFAULT 0,
    female bigint NOT NULL DEFAULT 0,
    gender_unknown bigint NOT NULL DEFAULT 0,
    deg_secondary bigint NOT NULL DEFAULT 0,
    deg_college bigint NOT NULL DEFAULT 0,
    deg_bachelor bigint NOT NULL DEFAULT 0,
    deg_postgrad bigint NOT NULL DEFAULT 0,
    deg_unknown bigint NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS school_facts_county ON school_facts (county_code, school_code);

CREATE TABLE IF NOT EXISTS school_teacher_births (
    school_code text NOT NULL,
    county_code bigint NOT NULL,
    gender bigint NOT NULL,      -- 0 male, 1 female, 2 unknown
    ym bigint NOT NULL,          -- birth year * 100 + month
    teachers bigint NOT NULL,
    PRIMARY KEY (school_code, gender, ym)
);
CREATE INDEX IF NOT EXISTS school_teacher_births_county ON school_teacher_births (county_code);
