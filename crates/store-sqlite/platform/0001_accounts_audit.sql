-- Accounts, sessions, API tokens and the audit log. They live in a file of their own beside the
-- base databases (`<name>.platform.db`): an import holds the base file's write lock for its
-- whole batch (a minute at 15 M students), and sign-ins and audit entries must not wait for it.
CREATE TABLE users (
    id                   INTEGER PRIMARY KEY,
    name                 TEXT    NOT NULL UNIQUE,
    display_name         TEXT    NOT NULL,
    role                 TEXT    NOT NULL,
    org_code             INTEGER NOT NULL,
    password_hash        TEXT    NOT NULL,
    must_change_password INTEGER NOT NULL,
    disabled             INTEGER NOT NULL DEFAULT 0,
    failed_logins        INTEGER NOT NULL DEFAULT 0,
    locked_until         INTEGER,
    created_at           INTEGER NOT NULL,
    last_login_at        INTEGER
);

CREATE TABLE sessions (
    token_hash TEXT    PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    csrf       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    last_seen  INTEGER NOT NULL,
    ip         TEXT    NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_seen ON sessions (last_seen);

CREATE TABLE api_tokens (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    token_hash TEXT    NOT NULL UNIQUE,
    prefix     TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    created_by TEXT    NOT NULL,
    revoked_at INTEGER
);

-- Append-only and hash-chained (store::audit). Ids are assigned by the writer (max + 1), never
-- reused: a gap means deleted entries.
CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    at        TEXT    NOT NULL,
    actor     TEXT    NOT NULL,
    action    TEXT    NOT NULL,
    target    TEXT    NOT NULL,
    detail    TEXT    NOT NULL,
    ip        TEXT    NOT NULL,
    outcome   TEXT    NOT NULL,
    prev_hash TEXT    NOT NULL,
    hash      TEXT    NOT NULL
);
CREATE INDEX audit_at ON audit_log (at);
CREATE INDEX audit_actor ON audit_log (actor, id);
CREATE INDEX audit_action ON audit_log (action, id);

-- After pruning: the last pruned entry, where the chain now starts. One row.
CREATE TABLE audit_anchor (
    one     INTEGER PRIMARY KEY CHECK (one = 1),
    last_id INTEGER NOT NULL,
    hash    TEXT    NOT NULL
);

CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
-- Only entries up to the anchor (pruned by retention, anchor written first) may be deleted.
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_log
WHEN OLD.id > COALESCE((SELECT last_id FROM audit_anchor), 0)
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
