-- Group robots (DingTalk, WeCom, Feishu, a generic JSON webhook) managed in the console by the
-- province's security officer or administrator, beside those of the configuration file. The
-- secret is never shown back in full.
CREATE TABLE IF NOT EXISTS webhook_targets (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    url        TEXT    NOT NULL,
    secret     TEXT,
    enabled    INTEGER NOT NULL DEFAULT 1,
    created_by TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
