-- The network-security monitor: the site register, check history and alerts.
-- Plain SQL that openGauss and KingbaseES accept: no partial indexes are relied on (one open
-- alert per site and kind is kept by a unique open_key that is NULL once resolved).
CREATE TABLE IF NOT EXISTS sites (
    id               bigserial PRIMARY KEY,
    name             text    NOT NULL,
    url              text    NOT NULL UNIQUE,
    org_code         bigint  NOT NULL,
    region_code      bigint  NOT NULL,   -- the division whose scope covers the site
    category         text    NOT NULL,
    interval_minutes bigint  NOT NULL,
    enabled          boolean NOT NULL DEFAULT true,
    state            text    NOT NULL DEFAULT 'unknown',
    next_due         bigint  NOT NULL,
    last_checked     bigint,
    ipv6_ok          boolean,
    claimed_by       text,
    lease_until      bigint,
    created_at       bigint  NOT NULL,
    updated_at       bigint  NOT NULL
);
CREATE INDEX IF NOT EXISTS sites_due ON sites (next_due);
CREATE INDEX IF NOT EXISTS sites_region ON sites (region_code, id);

CREATE TABLE IF NOT EXISTS check_results (
    site_id         bigint  NOT NULL REFERENCES sites (id),
    at              bigint  NOT NULL,
    state           text    NOT NULL,
    v4_ok           boolean NOT NULL,
    v4_status       integer,
    v4_ms           bigint  NOT NULL,
    v6_ok           boolean NOT NULL,
    v6_status       integer,
    v6_ms           bigint  NOT NULL,
    tls_days        integer,
    tls_grade       text,
    header_score    integer,
    ipv6_aaaa       boolean NOT NULL,
    ipv6_home       boolean NOT NULL,
    ipv6_consistent boolean,
    findings        text    NOT NULL
);
CREATE INDEX IF NOT EXISTS check_results_site_at ON check_results (site_id, at);
CREATE INDEX IF NOT EXISTS check_results_at ON check_results (at);

CREATE TABLE IF NOT EXISTS check_hourly (
    site_id bigint NOT NULL,
    bucket  bigint NOT NULL,
    checks  bigint NOT NULL,
    up      bigint NOT NULL,
    v4_up   bigint NOT NULL,
    v6_up   bigint NOT NULL,
    ms_sum  bigint NOT NULL,
    ms_max  bigint NOT NULL,
    PRIMARY KEY (site_id, bucket)
);
CREATE INDEX IF NOT EXISTS check_hourly_bucket ON check_hourly (bucket);

CREATE TABLE IF NOT EXISTS check_daily (
    site_id bigint NOT NULL,
    bucket  bigint NOT NULL,
    checks  bigint NOT NULL,
    up      bigint NOT NULL,
    v4_up   bigint NOT NULL,
    v6_up   bigint NOT NULL,
    ms_sum  bigint NOT NULL,
    ms_max  bigint NOT NULL,
    PRIMARY KEY (site_id, bucket)
);
CREATE INDEX IF NOT EXISTS check_daily_bucket ON check_daily (bucket);

CREATE TABLE IF NOT EXISTS alerts (
    id          bigserial PRIMARY KEY,
    site_id     bigint NOT NULL REFERENCES sites (id),
    kind        text   NOT NULL,
    severity    text   NOT NULL,
    message     text   NOT NULL,
    opened_at   bigint NOT NULL,
    last_seen   bigint NOT NULL,
    count       bigint NOT NULL DEFAULT 1,
    resolved_at bigint,
    open_key    text UNIQUE
);
CREATE INDEX IF NOT EXISTS alerts_site ON alerts (site_id, id);
