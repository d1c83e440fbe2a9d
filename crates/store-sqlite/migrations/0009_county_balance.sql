-- Issue 15: per county and 办学条件 school year, what the province and city screens would
-- otherwise compute from every school per request (store::conditions::KeptBalance): the migrant
-- children (compulsory grades) in the county's county-run public schools, and the county's
-- 优质均衡 figures per stage (schools judged, passing, unknown; each indicator's weighted
-- dispersion and unweighted CV) as JSON whose floats are their bit patterns (read back exactly).
-- Rewritten with the county aggregates (every import — a 办学条件 import touches its schools —,
-- `tianfu insight refresh`) for every school year with 办学条件 and for '' (an area without any);
-- a county without school facts has no row. Keyed by the 办学条件 year because the screens use
-- the newest year in the area. The migration recomputes the facts, the county aggregates and these
-- rows of the data the store holds.
CREATE TABLE county_balance (
    cond_year TEXT NOT NULL,
    county_code INTEGER NOT NULL,
    migrant_public INTEGER NOT NULL DEFAULT 0,
    balance TEXT NOT NULL,
    PRIMARY KEY (cond_year, county_code)
) WITHOUT ROWID;
CREATE INDEX county_balance_county ON county_balance (county_code);
