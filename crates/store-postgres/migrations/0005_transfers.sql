-- 转学与调动: requests to move a student or a teacher between two areas of the organisation tree
-- (the rules are in store::transfers). `pending_key` is `entity:record_key` while the request
-- waits and NULL afterwards: one waiting request per record.
CREATE TABLE IF NOT EXISTS transfer_requests (
    id            bigserial PRIMARY KEY,
    entity        text NOT NULL,
    record_key    text COLLATE "C" NOT NULL,
    from_school   text COLLATE "C" NOT NULL,
    from_county   integer,
    to_school     text COLLATE "C" NOT NULL,
    to_county     integer,
    reason        text NOT NULL DEFAULT '',
    requested_by  text NOT NULL,
    requested_at  bigint NOT NULL,
    state         text NOT NULL,
    decided_by    text,
    decided_at    bigint,
    note          text NOT NULL DEFAULT '',
    batch_id      bigint,
    pending_key   text COLLATE "C" UNIQUE
);
CREATE INDEX IF NOT EXISTS transfer_requests_from ON transfer_requests (from_county, from_school);
CREATE INDEX IF NOT EXISTS transfer_requests_to ON transfer_requests (to_county, to_school);
