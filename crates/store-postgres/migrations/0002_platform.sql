-- 0002: the web platform — accounts, sessions, API tokens, the audit log — and the indexes the
-- console reads records back with.
--
-- Additive and idempotent like 0001. The platform tables live beside the base tables (SQLite
-- keeps them in a file of their own because an import holds that file's only write lock; here
-- rows are locked one by one, and an import does not block a sign-in or an audit entry).
-- Names and times compared or sorted as text use the C collation: byte order, as SQLite's.

CREATE TABLE IF NOT EXISTS users (
    id                   bigserial PRIMARY KEY,
    name                 text COLLATE "C" NOT NULL UNIQUE,
    display_name         text NOT NULL,
    role                 text NOT NULL,
    org_code             bigint NOT NULL,
    password_hash        text NOT NULL,
    must_change_password boolean NOT NULL,
    disabled             boolean NOT NULL DEFAULT false,
    failed_logins        integer NOT NULL DEFAULT 0,
    locked_until         bigint,
    created_at           bigint NOT NULL,
    last_login_at        bigint
);

CREATE TABLE IF NOT EXISTS sessions (
    token_hash text COLLATE "C" PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users (id),
    csrf       text NOT NULL,
    created_at bigint NOT NULL,
    last_seen  bigint NOT NULL,
    ip         text NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_user ON sessions (user_id);
CREATE INDEX IF NOT EXISTS sessions_seen ON sessions (last_seen);

CREATE TABLE IF NOT EXISTS api_tokens (
    id         bigserial PRIMARY KEY,
    name       text NOT NULL,
    user_id    bigint NOT NULL REFERENCES users (id),
    token_hash text COLLATE "C" NOT NULL UNIQUE,
    prefix     text NOT NULL,
    created_at bigint NOT NULL,
    created_by text NOT NULL,
    revoked_at bigint
);

-- Append-only and hash-chained (store::audit). Ids are assigned by the writer (newest + 1,
-- under an advisory lock), never reused: a gap means deleted entries.
CREATE TABLE IF NOT EXISTS audit_log (
    id        bigint PRIMARY KEY,
    at        text COLLATE "C" NOT NULL,
    actor     text NOT NULL,
    action    text NOT NULL,
    target    text NOT NULL,
    detail    text NOT NULL,
    ip        text NOT NULL,
    outcome   text NOT NULL,
    prev_hash text NOT NULL,
    hash      text NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_at ON audit_log (at);
CREATE INDEX IF NOT EXISTS audit_actor ON audit_log (actor, id);
CREATE INDEX IF NOT EXISTS audit_action ON audit_log (action, id);

-- After pruning: the last pruned entry, where the chain now starts. One row.
CREATE TABLE IF NOT EXISTS audit_anchor (
    one     integer PRIMARY KEY CHECK (one = 1),
    last_id bigint NOT NULL,
    hash    text NOT NULL
);

-- Refuses UPDATE and TRUNCATE, and DELETE of entries after the anchor (retention pruning
-- writes the anchor first, in the same transaction). The anchor is read in the trigger's own
-- schema, whatever the session's search_path.
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$
DECLARE
    anchor bigint;
BEGIN
    IF TG_OP = 'DELETE' THEN
        EXECUTE 'SELECT last_id FROM ' || quote_ident(TG_TABLE_SCHEMA) || '.audit_anchor' INTO anchor;
        IF OLD.id <= COALESCE(anchor, 0) THEN
            RETURN OLD;
        END IF;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$ LANGUAGE plpgsql;

-- CREATE TRIGGER has no IF NOT EXISTS (nor, before PostgreSQL 14, OR REPLACE).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = 'audit_log'::regclass AND tgname = 'audit_no_update') THEN
        CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_log
            FOR EACH ROW EXECUTE PROCEDURE audit_log_append_only();
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = 'audit_log'::regclass AND tgname = 'audit_no_delete') THEN
        CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_log
            FOR EACH ROW EXECUTE PROCEDURE audit_log_append_only();
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = 'audit_log'::regclass AND tgname = 'audit_no_truncate') THEN
        CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit_log
            FOR EACH STATEMENT EXECUTE PROCEDURE audit_log_append_only();
    END IF;
END;
$$;

-- Reading back (crate::browse): keyset pages in a region (county, key), in one school (key),
-- by name prefix (a range on the C collation), and by 学籍号; schools by region.
CREATE INDEX IF NOT EXISTS enrolments_school_key ON enrolments (school_code, record_key);
CREATE INDEX IF NOT EXISTS enrolments_county_key ON enrolments (county_code, record_key);
CREATE INDEX IF NOT EXISTS students_name_key ON students (name COLLATE "C", record_key);
CREATE INDEX IF NOT EXISTS students_student_id ON students (student_id);
CREATE INDEX IF NOT EXISTS teachers_name_key ON teachers (name COLLATE "C", record_key);
CREATE INDEX IF NOT EXISTS schools_region ON schools (region_code);
