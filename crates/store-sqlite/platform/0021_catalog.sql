-- 数据资源目录 (store::catalog; PostgreSQL has the same tables, 0031_catalog.sql).
-- A dataset's identity and its current version's searchable columns; every version's metadata
-- in catalog_versions and its fields in catalog_fields, so a grant can name (dataset, version)
-- and field names. Dates are `YYYY-MM-DD` text ('' when none).
CREATE TABLE IF NOT EXISTS catalog_datasets (
    id            INTEGER PRIMARY KEY,
    resource_code TEXT    NOT NULL UNIQUE,
    origin        TEXT    NOT NULL,
    auto_key      TEXT    NOT NULL DEFAULT '',
    provider_code INTEGER NOT NULL,
    version       INTEGER NOT NULL,
    status        TEXT    NOT NULL,
    name          TEXT    NOT NULL,
    share_type    TEXT    NOT NULL,
    class_code    TEXT    NOT NULL,
    search_text   TEXT    NOT NULL,
    fields        INTEGER NOT NULL DEFAULT 0,
    created_by    TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS catalog_datasets_auto ON catalog_datasets (auto_key) WHERE auto_key <> '';
CREATE INDEX IF NOT EXISTS catalog_datasets_provider ON catalog_datasets (provider_code);

CREATE TABLE IF NOT EXISTS catalog_versions (
    dataset_id      INTEGER NOT NULL REFERENCES catalog_datasets (id),
    version         INTEGER NOT NULL,
    class_code      TEXT    NOT NULL,
    name            TEXT    NOT NULL,
    provider_code   INTEGER NOT NULL,
    provider_name   TEXT    NOT NULL,
    summary         TEXT    NOT NULL,
    format          TEXT    NOT NULL,
    share_type      TEXT    NOT NULL,
    share_condition TEXT    NOT NULL DEFAULT '',
    legal_basis     TEXT    NOT NULL DEFAULT '',
    method          TEXT    NOT NULL,
    cycle           TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    keywords        TEXT    NOT NULL DEFAULT '',
    publish_date    TEXT    NOT NULL DEFAULT '',
    note            TEXT    NOT NULL DEFAULT '',
    changed_by      TEXT    NOT NULL,
    changed_at      INTEGER NOT NULL,
    PRIMARY KEY (dataset_id, version)
);

CREATE TABLE IF NOT EXISTS catalog_fields (
    dataset_id  INTEGER NOT NULL,
    version     INTEGER NOT NULL,
    seq         INTEGER NOT NULL,
    name        TEXT    NOT NULL,
    title       TEXT    NOT NULL,
    data_type   TEXT    NOT NULL,
    description TEXT    NOT NULL DEFAULT '',
    personal    INTEGER NOT NULL DEFAULT 0,
    mask_kind   TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (dataset_id, version, seq),
    UNIQUE (dataset_id, version, name),
    FOREIGN KEY (dataset_id, version) REFERENCES catalog_versions (dataset_id, version)
);
