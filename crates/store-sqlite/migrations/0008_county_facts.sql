-- Issue 15: per-county aggregates of the per-school facts, one row per (school year, county),
-- kept in the same transaction as the school facts (every import, `tianfu insight refresh`): the
-- sums of the county's school facts (store::facts::aggregate), its schools, those over the size
-- limit, and the teachers attributed to each stage (the sum of each school's insight::staffing
-- split, so a city's students per teacher need no school rows; st_* hold millionths of a
-- teacher, rounded). The province and city screens
-- read these; a county screen reads its schools. A school year's rows are replaced only while it
-- is the current one: last year's stay, for year-on-year. Teachers' birth buckets per county and
-- school year likewise (county_teacher_births).
CREATE TABLE county_facts (
    school_year INTEGER NOT NULL,
    county_code INTEGER NOT NULL,
    titles TEXT NOT NULL DEFAULT '{}',
    schools INTEGER NOT NULL DEFAULT 0,
    oversized INTEGER NOT NULL DEFAULT 0,
    st_primary INTEGER NOT NULL DEFAULT 0,
    st_junior INTEGER NOT NULL DEFAULT 0,
    st_senior INTEGER NOT NULL DEFAULT 0,
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
    deg_unknown INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (school_year, county_code)
) WITHOUT ROWID;
CREATE INDEX county_facts_county ON county_facts (county_code, school_year);

CREATE TABLE county_teacher_births (
    school_year INTEGER NOT NULL,
    county_code INTEGER NOT NULL,
    gender INTEGER NOT NULL,      -- 0 male, 1 female, 2 unknown
    ym INTEGER NOT NULL,          -- birth year * 100 + month
    teachers INTEGER NOT NULL,
    PRIMARY KEY (school_year, county_code, gender, ym)
) WITHOUT ROWID;
