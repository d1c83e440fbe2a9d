-- Baselines for tamper detection, and IPv6 support results: the latest check's flags, a window
-- of the latest probes (one bit each, newest lowest), and the daily depth crawl's schedule and
-- figures.
ALTER TABLE sites ADD COLUMN ipv6_aaaa INTEGER;
ALTER TABLE sites ADD COLUMN ipv6_consistent INTEGER;
ALTER TABLE sites ADD COLUMN v6_bits INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sites ADD COLUMN v6_probes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sites ADD COLUMN crawl_due INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sites ADD COLUMN crawl_lease INTEGER;
CREATE INDEX sites_crawl_due ON sites (crawl_due) WHERE enabled = 1;

-- The latest page of each site, and the page a person accepted.
CREATE TABLE snapshots (
    site_id     INTEGER PRIMARY KEY REFERENCES sites (id),
    at          INTEGER NOT NULL,
    fingerprint TEXT    NOT NULL,
    text        TEXT    NOT NULL
);
CREATE TABLE baselines (
    site_id     INTEGER PRIMARY KEY REFERENCES sites (id),
    at          INTEGER NOT NULL,
    fingerprint TEXT    NOT NULL,
    text        TEXT    NOT NULL,
    accepted_by TEXT    NOT NULL,
    accepted_at INTEGER NOT NULL
);

-- The latest IPv6 depth crawl of each site.
CREATE TABLE ipv6_crawls (
    site_id     INTEGER PRIMARY KEY REFERENCES sites (id),
    at          INTEGER NOT NULL,
    l2_checked  INTEGER NOT NULL,
    l2_ok       INTEGER NOT NULL,
    l3_checked  INTEGER NOT NULL,
    l3_ok       INTEGER NOT NULL,
    out_of_time INTEGER NOT NULL
);
