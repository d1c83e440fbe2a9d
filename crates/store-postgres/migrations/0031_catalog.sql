-- 数据资源目录 (store::catalog; the SQLite platform file has the same tables, 0021_catalog.sql).
-- A dataset's identity and its current version's searchable columns; every version's metadata
-- in catalog_versions and its fields in catalog_fields, so a grant can name (dataset, version)
-- and field names. Dates are `YYYY-MM-DD` text ('' when none).
CREATE TABLE IF NOT EXISTS catalog_datasets (
    id            bigserial PRIMARY KEY,
    resource_code text    NOT NULL UNIQUE,
    origin        text    NOT NULL,
    auto_key      text    NOT NULL DEFAULT '',
    provider_code bigint  NOT NULL,
    version       bigint  NOT NULL,
    status        text    NOT NULL,
    name          text    NOT NULL,
    share_type    text    NOT NULL,
    class_code    text    NOT NULL,
    search_text   text    NOT NULL,
    fields        bigint NOT NULL DEFAULT 0,
    created_by    text    NOT NULL,
    created_at    bigint  NOT NULL,
    updated_at    bigint  NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS catalog_datasets_auto ON catalog_datasets (auto_key) WHERE auto_key <> '';
CREATE INDEX IF NOT EXISTS catalog_datasets_provider ON catalog_datasets (provider_code);

CREATE TABLE IF NOT EXISTS catalog_versions (
    dataset_id      bigint  NOT NULL REFERENCES catalog_datasets (id),
    version         bigint  NOT NULL,
    class_code      text    NOT NULL,
    name            text    NOT NULL,
    provider_code   bigint  NOT NULL,
    provider_name   text    NOT NULL,
    summary         text    NOT NULL,
    format          text    NOT NULL,
    share_type      text    NOT NULL,
    share_condition text    NOT NULL DEFAULT '',
    legal_basis     text    NOT NULL DEFAULT '',
    method          text    NOT NULL,
    cycle           text    NOT NULL,
    status          text    NOT NULL,
    keywords        text    NOT NULL DEFAULT '',
    publish_date    text    NOT NULL DEFAULT '',
    note            text    NOT NULL DEFAULT '',
    changed_by      text    NOT NULL,
    changed_at      bigint  NOT NULL,
    PRIMARY KEY (dataset_id, version)
);

CREATE TABLE IF NOT EXISTS catalog_fields (
    dataset_id  bigint  NOT NULL,
    version     bigint  NOT NULL,
    seq         bigint  NOT NULL,
    name        text    NOT NULL,
    title       text    NOT NULL,
    data_type   text    NOT NULL,
    description text    NOT NULL DEFAULT '',
    personal    boolean NOT NULL DEFAULT false,
    mask_kind   text    NOT NULL DEFAULT '',
    PRIMARY KEY (dataset_id, version, seq),
    UNIQUE (dataset_id, version, name),
    FOREIGN KEY (dataset_id, version) REFERENCES catalog_versions (dataset_id, version)
);
