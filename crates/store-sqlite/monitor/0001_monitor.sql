-- The network-security monitor: the site register, check history and alerts. In a file of its
-- own (`<name>.monitor.db`) so that workers recording checks every few seconds never wait for an
-- import holding the base file's write lock, and an import never waits for them.
CREATE TABLE sites (
    id               INTEGER PRIMARY KEY,
    name             TEXT    NOT NULL,
    url              TEXT    NOT NULL UNIQUE,
    org_code         INTEGER NOT NULL,
    region_code      INTEGER NOT NULL,     -- the division whose scope covers the site
    category         TEXT    NOT NULL,
    interval_minutes INTEGER NOT NULL,
    enabled          INTEGER NOT NULL DEFAULT 1,
    state            TEXT    NOT NULL DEFAULT 'unknown',
    next_due         INTEGER NOT NULL,
    last_checked     INTEGER,
    ipv6_ok          INTEGER,
    claimed_by       TEXT,
    lease_until      INTEGER,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);
CREATE INDEX sites_due ON sites (next_due) WHERE enabled = 1;
CREATE INDEX sites_region ON sites (region_code, id);

-- One row per check, kept for the raw retention (7 days by default).
CREATE TABLE check_results (
    site_id         INTEGER NOT NULL REFERENCES sites (id),
    at              INTEGER NOT NULL,
    state           TEXT    NOT NULL,
    v4_ok           INTEGER NOT NULL,
    v4_status       INTEGER,
    v4_ms           INTEGER NOT NULL,
    v6_ok           INTEGER NOT NULL,
    v6_status       INTEGER,
    v6_ms           INTEGER NOT NULL,
    tls_days        INTEGER,
    tls_grade       TEXT,
    header_score    INTEGER,
    ipv6_aaaa       INTEGER NOT NULL,
    ipv6_home       INTEGER NOT NULL,
    ipv6_consistent INTEGER,
    findings        TEXT    NOT NULL
);
CREATE INDEX check_results_site_at ON check_results (site_id, at);
CREATE INDEX check_results_at ON check_results (at);

-- Raw checks rolled up by hour (kept 90 days), then by day in China Standard Time (2 years).
CREATE TABLE check_hourly (
    site_id INTEGER NOT NULL,
    bucket  INTEGER NOT NULL,
    checks  INTEGER NOT NULL,
    up      INTEGER NOT NULL,
    v4_up   INTEGER NOT NULL,
    v6_up   INTEGER NOT NULL,
    ms_sum  INTEGER NOT NULL,
    ms_max  INTEGER NOT NULL,
    PRIMARY KEY (site_id, bucket)
) WITHOUT ROWID;
CREATE INDEX check_hourly_bucket ON check_hourly (bucket);

CREATE TABLE check_daily (
    site_id INTEGER NOT NULL,
    bucket  INTEGER NOT NULL,
    checks  INTEGER NOT NULL,
    up      INTEGER NOT NULL,
    v4_up   INTEGER NOT NULL,
    v6_up   INTEGER NOT NULL,
    ms_sum  INTEGER NOT NULL,
    ms_max  INTEGER NOT NULL,
    PRIMARY KEY (site_id, bucket)
) WITHOUT ROWID;
CREATE INDEX check_daily_bucket ON check_daily (bucket);

-- open_key is 'site:kind' while the alert is open and NULL once resolved: one open alert per
-- (site, kind), any number of resolved ones.
CREATE TABLE alerts (
    id          INTEGER PRIMARY KEY,
    site_id     INTEGER NOT NULL REFERENCES sites (id),
    kind        TEXT    NOT NULL,
    severity    TEXT    NOT NULL,
    message     TEXT    NOT NULL,
    opened_at   INTEGER NOT NULL,
    last_seen   INTEGER NOT NULL,
    count       INTEGER NOT NULL DEFAULT 1,
    resolved_at INTEGER,
    open_key    TEXT UNIQUE
);
CREATE INDEX alerts_site ON alerts (site_id, id);
