-- 数据共享交换 (store::share; PostgreSQL has the same tables, 0036_share.sql): consumer
-- organisations and their linked data-consumer accounts, requests, grants, the per-minute rate
-- window of each grant and its usage per day (UTC+8). Lists are comma-separated codes; dates
-- `YYYY-MM-DD`; times unix seconds (0 when none).
CREATE TABLE IF NOT EXISTS share_consumers (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE,
    department  TEXT    NOT NULL,
    credit_code TEXT    NOT NULL DEFAULT '',
    contact     TEXT    NOT NULL,
    created_by  TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS share_consumer_accounts (
    consumer_id INTEGER NOT NULL REFERENCES share_consumers (id),
    user_id     INTEGER NOT NULL UNIQUE,
    PRIMARY KEY (consumer_id, user_id)
);

CREATE TABLE IF NOT EXISTS share_requests (
    id              INTEGER PRIMARY KEY,
    consumer_id     INTEGER NOT NULL REFERENCES share_consumers (id),
    dataset_id      INTEGER NOT NULL REFERENCES catalog_datasets (id),
    dataset_version INTEGER NOT NULL,
    dataset_key     TEXT    NOT NULL,
    dataset_name    TEXT    NOT NULL,
    provider_code   INTEGER NOT NULL,
    share_type      TEXT    NOT NULL,
    purpose         TEXT    NOT NULL,
    fields          TEXT    NOT NULL,
    region          INTEGER NOT NULL,
    grades          TEXT    NOT NULL DEFAULT '',
    school_types    TEXT    NOT NULL DEFAULT '',
    period_from     TEXT    NOT NULL,
    period_to       TEXT    NOT NULL,
    state           TEXT    NOT NULL,
    due_at          INTEGER NOT NULL DEFAULT 0,
    reasons         TEXT    NOT NULL DEFAULT '',
    requested_by    TEXT    NOT NULL,
    requested_at    INTEGER NOT NULL,
    decided_by      TEXT    NOT NULL DEFAULT '',
    decided_at      INTEGER NOT NULL DEFAULT 0,
    reminded_at     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS share_requests_due ON share_requests (state, due_at);

CREATE TABLE IF NOT EXISTS share_grants (
    id              INTEGER PRIMARY KEY,
    request_id      INTEGER NOT NULL UNIQUE REFERENCES share_requests (id),
    consumer_id     INTEGER NOT NULL REFERENCES share_consumers (id),
    dataset_id      INTEGER NOT NULL,
    dataset_key     TEXT    NOT NULL,
    dataset_name    TEXT    NOT NULL,
    provider_code   INTEGER NOT NULL,
    fields          TEXT    NOT NULL,
    region          INTEGER NOT NULL,
    grades          TEXT    NOT NULL DEFAULT '',
    school_types    TEXT    NOT NULL DEFAULT '',
    valid_from      TEXT    NOT NULL,
    expires_at      INTEGER NOT NULL,
    rate_per_minute INTEGER NOT NULL,
    created_by      TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    revoked_at      INTEGER NOT NULL DEFAULT 0,
    revoked_by      TEXT    NOT NULL DEFAULT '',
    revoked_why     TEXT    NOT NULL DEFAULT ''
);

CREATE TABLE IF NOT EXISTS share_rate (
    grant_id INTEGER PRIMARY KEY REFERENCES share_grants (id),
    minute   INTEGER NOT NULL,
    calls    INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS share_usage (
    grant_id INTEGER NOT NULL REFERENCES share_grants (id),
    day      TEXT    NOT NULL,
    calls    INTEGER NOT NULL,
    row_count INTEGER NOT NULL,
    PRIMARY KEY (grant_id, day)
);
