-- Shared pieces below the domains (store::calendar, store::attachments).
-- A year of the working-day calendar imported by `tianfu calendar import`, in its file form
-- (date,kind,name lines); it replaces the embedded year of the same number.
CREATE TABLE IF NOT EXISTS calendar_years (
    year        INTEGER PRIMARY KEY,
    days        TEXT    NOT NULL,
    imported_by TEXT    NOT NULL,
    imported_at INTEGER NOT NULL
);

-- One row per upload; the file itself lives once under <data dir>/attachments/<ab>/<sha256>.
-- Read through the reader's area: owner_region (a region, or a school's county) and owner_school.
CREATE TABLE IF NOT EXISTS attachments (
    id           INTEGER PRIMARY KEY,
    sha256       TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    size         INTEGER NOT NULL,
    kind         TEXT    NOT NULL,
    owner_region INTEGER NOT NULL,
    owner_school TEXT,
    uploaded_by  TEXT    NOT NULL,
    uploaded_at  INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS attachments_region ON attachments (owner_region, id);
CREATE INDEX IF NOT EXISTS attachments_school ON attachments (owner_school, id);
CREATE INDEX IF NOT EXISTS attachments_sha256 ON attachments (sha256);
