-- 转学与调动: requests to move a student or a teacher between two areas of the organisation tree
-- (the rules are in store::transfers). `pending_key` is `entity:record_key` while the request
-- waits and NULL afterwards: one waiting request per record, kept by a unique column (many
-- NULLs are allowed).
CREATE TABLE transfer_requests (
    id            INTEGER PRIMARY KEY,
    entity        TEXT NOT NULL,
    record_key    TEXT NOT NULL,
    from_school   TEXT NOT NULL,
    from_county   INTEGER,
    to_school     TEXT NOT NULL,
    to_county     INTEGER,
    reason        TEXT NOT NULL DEFAULT '',
    requested_by  TEXT NOT NULL,
    requested_at  INTEGER NOT NULL,
    state         TEXT NOT NULL,
    decided_by    TEXT,
    decided_at    INTEGER,
    note          TEXT NOT NULL DEFAULT '',
    batch_id      INTEGER,
    pending_key   TEXT UNIQUE
);
CREATE INDEX transfer_requests_from ON transfer_requests (from_county, from_school);
CREATE INDEX transfer_requests_to ON transfer_requests (to_county, to_school);
