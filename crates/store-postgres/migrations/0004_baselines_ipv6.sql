-- Baselines for tamper detection, and IPv6 support results: the latest check's flags, a window
-- of the latest probes (one bit each, newest lowest), and the daily depth crawl's schedule and
-- figures.
ALTER TABLE sites ADD COLUMN IF NOT EXISTS ipv6_aaaa boolean;
ALTER TABLE sites ADD COLUMN IF NOT EXISTS ipv6_consistent boolean;
ALTER TABLE sites ADD COLUMN IF NOT EXISTS v6_bits bigint NOT NULL DEFAULT 0;
ALTER TABLE sites ADD COLUMN IF NOT EXISTS v6_probes bigint NOT NULL DEFAULT 0;
ALTER TABLE sites ADD COLUMN IF NOT EXISTS crawl_due bigint NOT NULL DEFAULT 0;
ALTER TABLE sites ADD COLUMN IF NOT EXISTS crawl_lease bigint;
CREATE INDEX IF NOT EXISTS sites_crawl_due ON sites (crawl_due);

-- The latest page of each site, and the page a person accepted.
CREATE TABLE IF NOT EXISTS snapshots (
    site_id     bigint PRIMARY KEY REFERENCES sites (id),
    at          bigint NOT NULL,
    fingerprint text   NOT NULL,
    text        text   NOT NULL
);
CREATE TABLE IF NOT EXISTS baselines (
    site_id     bigint PRIMARY KEY REFERENCES sites (id),
    at          bigint NOT NULL,
    fingerprint text   NOT NULL,
    text        text   NOT NULL,
    accepted_by text   NOT NULL,
    accepted_at bigint NOT NULL
);

-- The latest IPv6 depth crawl of each site.
CREATE TABLE IF NOT EXISTS ipv6_crawls (
    site_id     bigint  PRIMARY KEY REFERENCES sites (id),
    at          bigint  NOT NULL,
    l2_checked  bigint  NOT NULL,
    l2_ok       bigint  NOT NULL,
    l3_checked  bigint  NOT NULL,
    l3_ok       bigint  NOT NULL,
    out_of_time boolean NOT NULL
);
