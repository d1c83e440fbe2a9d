-- 教育移动应用备案 (store::apps): the province's provider filings, its block list, and the
-- schools' use of apps (proposed → school_approved → county_approved, re-reviewed yearly).
-- Dates are `YYYY-MM-DD` text, '' when none; lists are comma-joined codes of standard::apps.
CREATE TABLE IF NOT EXISTS app_filings (
    id            INTEGER PRIMARY KEY,
    filing_no     TEXT    NOT NULL UNIQUE CHECK (filing_no <> ''),
    provider      TEXT    NOT NULL,
    credit_code   TEXT    NOT NULL,
    app_name      TEXT    NOT NULL,
    version       TEXT    NOT NULL,
    platforms     TEXT    NOT NULL DEFAULT '',
    icp_no        TEXT    NOT NULL DEFAULT '',
    mlps_no       TEXT    NOT NULL DEFAULT '',
    permissions   TEXT    NOT NULL DEFAULT '',
    personal_data TEXT    NOT NULL DEFAULT '',
    minors        INTEGER NOT NULL DEFAULT 0,
    filed_on      TEXT    NOT NULL DEFAULT '',
    status        TEXT    NOT NULL DEFAULT 'valid',
    created_by    TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS app_blocks (
    id           INTEGER PRIMARY KEY,
    filing_no    TEXT NOT NULL DEFAULT '',
    app_name     TEXT NOT NULL DEFAULT '',
    credit_code  TEXT NOT NULL DEFAULT '',
    reason       TEXT NOT NULL,
    blocked_on   TEXT NOT NULL DEFAULT '',
    blocked_by   TEXT NOT NULL,
    unblocked_on TEXT NOT NULL DEFAULT '',
    unblocked_by TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS app_blocks_filing ON app_blocks (filing_no);

CREATE TABLE IF NOT EXISTS app_uses (
    id                 INTEGER PRIMARY KEY,
    school_code        INTEGER NOT NULL,
    region_code        INTEGER NOT NULL,
    filing_id          INTEGER NOT NULL REFERENCES app_filings (id),
    purpose            TEXT    NOT NULL,
    chosen_by          TEXT    NOT NULL,
    app_name           TEXT    NOT NULL,
    filing_no          TEXT    NOT NULL,
    state              TEXT    NOT NULL,
    reason             TEXT    NOT NULL DEFAULT '',
    school_reviewed_on TEXT    NOT NULL DEFAULT '',
    county_approved_on TEXT    NOT NULL DEFAULT '',
    review_due         TEXT    NOT NULL DEFAULT '',
    created_by         TEXT    NOT NULL,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS app_uses_region ON app_uses (region_code, id);
CREATE INDEX IF NOT EXISTS app_uses_school ON app_uses (school_code, id);
CREATE INDEX IF NOT EXISTS app_uses_filing ON app_uses (filing_id, id);
-- Covering for the counts by state and the overdue counts by region (index-only).
CREATE INDEX IF NOT EXISTS app_uses_state ON app_uses (state, region_code, review_due, id);
CREATE INDEX IF NOT EXISTS app_uses_due ON app_uses (state, review_due, id);
-- A state filter over a wide area: walked in id order, stopped at a page.
CREATE INDEX IF NOT EXISTS app_uses_state_id ON app_uses (state, id);
