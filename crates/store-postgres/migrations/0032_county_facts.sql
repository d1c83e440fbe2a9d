-- Issue 15: per-county aggregates of the per-school facts, one row per (school year, county),
-- kept in the same transaction as the school facts (every import, `tianfu insight refresh`): the
-- sums of the county's school facts (store::facts::aggregate), its schools, those over the size
-- limit, and the teachers attributed to each stage (the sum of each school's insight::staffing
-- split, so a city's students per teacher need no school rows; st_* hold millionths of a
-- teacher, rounded). The province and city screens
-- read these; a county screen reads its schools. A school year's rows are replaced only while it
-- is the current one: last year's stay, for year-on-year. Teachers' birth buckets per county and
-- school year likewise (county_teacher_births).
CREATE TABLE IF NOT EXISTS county_facts (
    school_year bigint NOT NULL,
    county_code bigint NOT NULL,
    titles text NOT NULL DEFAULT '{}',
    schools bigint NOT NULL DEFAULT 0,
    oversized bigint NOT NULL DEFAULT 0,
    st_primary bigint NOT NULL DEFAULT 0,
    st_junior bigint NOT NULL DEFAULT 0,
    st_senior bigint NOT NULL DEFAULT 0,
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
    deg_unknown bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (school_year, county_code)
);
CREATE INDEX IF NOT EXISTS county_facts_county ON county_facts (county_code, school_year);

CREATE TABLE IF NOT EXISTS county_teacher_births (
    school_year bigint NOT NULL,
    county_code bigint NOT NULL,
    gender bigint NOT NULL,      -- 0 male, 1 female, 2 unknown
    ym bigint NOT NULL,          -- birth year * 100 + month
    teachers bigint NOT NULL,
    PRIMARY KEY (school_year, county_code, gender, ym)
);
