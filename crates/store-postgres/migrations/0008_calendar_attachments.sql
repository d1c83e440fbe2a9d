-- Shared pieces below the domains (store::calendar, store::attachments).
-- A year of the working-day calendar imported by `tianfu calendar import`, in its file form
-- (date,kind,name lines); it replaces the embedded year of the same number.
CREATE TABLE IF NOT EXISTS calendar_years (
    year        integer PRIMARY KEY,
    days        text    NOT NULL,
    imported_by text    NOT NULL,
    imported_at bigint  NOT NULL
);

-- One row per upload; the file itself lives once under <data dir>/attachments/<ab>/<sha256>.
-- Read through the reader's area: owner_region (a region, or a school's county) and owner_school.
CREATE TABLE IF NOT EXISTS attachments (
    id           bigserial PRIMARY KEY,
    sha256       text    NOT NULL,
    name         text    NOT NULL,
    size         bigint  NOT NULL,
    kind         text    NOT NULL,
    owner_region integer NOT NULL,
    owner_school text,
    uploaded_by  text    NOT NULL,
    uploaded_at  bigint  NOT NULL
);
CREATE INDEX IF NOT EXISTS attachments_region ON attachments (owner_region, id);
CREATE INDEX IF NOT EXISTS attachments_school ON attachments (owner_school, id);
CREATE INDEX IF NOT EXISTS attachments_sha256 ON attachments (sha256);
