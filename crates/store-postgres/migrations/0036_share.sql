-- 数据共享交换 (store::share; the SQLite platform file has the same tables, 0023_share.sql): consumer
-- organisations and their linked data-consumer accounts, requests, grants, the per-minute rate
-- window of each grant and its usage per day (UTC+8). Lists are comma-separated codes; dates
-- `YYYY-MM-DD`; times unix seconds (0 when none).
CREATE TABLE IF NOT EXISTS share_consumers (
    id          bigserial PRIMARY KEY,
    name        text    NOT NULL UNIQUE,
    department  text    NOT NULL,
    credit_code text    NOT NULL DEFAULT '',
    contact     text    NOT NULL,
    created_by  text    NOT NULL,
    created_at  bigint NOT NULL
);

CREATE TABLE IF NOT EXISTS share_consumer_accounts (
    consumer_id bigint NOT NULL REFERENCES share_consumers (id),
    user_id     bigint NOT NULL UNIQUE,
    PRIMARY KEY (consumer_id, user_id)
);

CREATE TABLE IF NOT EXISTS share_requests (
    id              bigserial PRIMARY KEY,
    consumer_id     bigint NOT NULL REFERENCES share_consumers (id),
    dataset_id      bigint NOT NULL REFERENCES catalog_datasets (id),
    dataset_version bigint NOT NULL,
    dataset_key     text    NOT NULL,
    dataset_name    text    NOT NULL,
    provider_code   bigint NOT NULL,
    share_type      text    NOT NULL,
    purpose         text    NOT NULL,
    fields          text    NOT NULL,
    region          bigint NOT NULL,
    grades          text    NOT NULL DEFAULT '',
    school_types    text    NOT NULL DEFAULT '',
    period_from     text    NOT NULL,
    period_to       text    NOT NULL,
    state           text    NOT NULL,
    due_at          bigint NOT NULL DEFAULT 0,
    reasons         text    NOT NULL DEFAULT '',
    requested_by    text    NOT NULL,
    requested_at    bigint NOT NULL,
    decided_by      text    NOT NULL DEFAULT '',
    decided_at      bigint NOT NULL DEFAULT 0,
    reminded_at     bigint NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS share_requests_due ON share_requests (state, due_at);

CREATE TABLE IF NOT EXISTS share_grants (
    id              bigserial PRIMARY KEY,
    request_id      bigint NOT NULL UNIQUE REFERENCES share_requests (id),
    consumer_id     bigint NOT NULL REFERENCES share_consumers (id),
    dataset_id      bigint NOT NULL,
    dataset_key     text    NOT NULL,
    dataset_name    text    NOT NULL,
    provider_code   bigint NOT NULL,
    fields          text    NOT NULL,
    region          bigint NOT NULL,
    grades          text    NOT NULL DEFAULT '',
    school_types    text    NOT NULL DEFAULT '',
    valid_from      text    NOT NULL,
    expires_at      bigint NOT NULL,
    rate_per_minute bigint NOT NULL,
    created_by      text    NOT NULL,
    created_at      bigint NOT NULL,
    revoked_at      bigint NOT NULL DEFAULT 0,
    revoked_by      text    NOT NULL DEFAULT '',
    revoked_why     text    NOT NULL DEFAULT ''
);

CREATE TABLE IF NOT EXISTS share_rate (
    grant_id bigint PRIMARY KEY REFERENCES share_grants (id),
    minute   bigint NOT NULL,
    calls    bigint NOT NULL
);

CREATE TABLE IF NOT EXISTS share_usage (
    grant_id bigint NOT NULL REFERENCES share_grants (id),
    day      text    NOT NULL,
    calls    bigint NOT NULL,
    row_count bigint NOT NULL,
    PRIMARY KEY (grant_id, day)
);
