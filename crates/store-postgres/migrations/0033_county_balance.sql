-- Issue 15: per county and 办学条件 school year, what the province and city screens would
-- otherwise compute from every school per request (store::conditions::KeptBalance): the migrant
-- children (compulsory grades) in the county's county-run public schools, and the county's
-- 优质均衡 figures per stage (schools judged, passing, unknown; each indicator's weighted
-- dispersion and unweighted CV) as JSON whose floats are their bit patterns (read back exactly).
-- Rewritten with the county aggregates (every import — a 办学条件 import touches its schools —,
-- `tianfu insight refresh`) for every school year with 办学条件 and for '' (an area without any);
-- a county without school facts has no row. Keyed by the 办学条件 year because the screens use
-- the newest year in the area. A store upgraded with data gets its rows at its next import or
-- `tianfu insight refresh` (each keeps every county still missing a row); until then the
-- screens compute them per request, as before.
CREATE TABLE IF NOT EXISTS county_balance (
    cond_year text NOT NULL,
    county_code bigint NOT NULL,
    migrant_public bigint NOT NULL DEFAULT 0,
    balance text NOT NULL,
    PRIMARY KEY (cond_year, county_code)
);
CREATE INDEX IF NOT EXISTS county_balance_county ON county_balance (county_code);
