-- 值班与重要时期保障 (store::duty): each unit's duty contacts, roster shifts and duty-group robot;
-- important periods with their daily 零报告 reports and the reminders sent for missing ones.
-- Dates are `YYYY-MM-DD` text (China time); instants are Unix seconds.
CREATE TABLE IF NOT EXISTS duty_contacts (
    id           INTEGER PRIMARY KEY,
    unit_code    INTEGER NOT NULL,
    region_code  INTEGER NOT NULL,
    name         TEXT    NOT NULL,
    post         TEXT    NOT NULL,
    office_phone TEXT    NOT NULL DEFAULT '',
    mobile       TEXT    NOT NULL DEFAULT '',
    created_by   TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS duty_contacts_unit ON duty_contacts (unit_code, id);
CREATE INDEX IF NOT EXISTS duty_contacts_region ON duty_contacts (region_code, id);

CREATE TABLE IF NOT EXISTS duty_shifts (
    id          INTEGER PRIMARY KEY,
    unit_code   INTEGER NOT NULL,
    region_code INTEGER NOT NULL,
    starts_at   INTEGER NOT NULL,
    ends_at     INTEGER NOT NULL CHECK (ends_at > starts_at),
    contact_id  INTEGER NOT NULL REFERENCES duty_contacts (id),
    leader_id   INTEGER REFERENCES duty_contacts (id),
    note        TEXT    NOT NULL DEFAULT '',
    created_by  TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS duty_shifts_unit ON duty_shifts (unit_code, starts_at);
CREATE INDEX IF NOT EXISTS duty_shifts_region ON duty_shifts (region_code, starts_at);

CREATE TABLE IF NOT EXISTS duty_channels (
    unit_code   INTEGER PRIMARY KEY,
    region_code INTEGER NOT NULL,
    webhook_id  INTEGER NOT NULL,
    updated_by  TEXT    NOT NULL,
    updated_at  INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS duty_periods (
    id             INTEGER PRIMARY KEY,
    area_code      INTEGER NOT NULL,
    area_lo        INTEGER NOT NULL,
    area_hi        INTEGER NOT NULL,
    name           TEXT    NOT NULL,
    starts_on      TEXT    NOT NULL,
    ends_on        TEXT    NOT NULL CHECK (ends_on >= starts_on),
    full_day       INTEGER NOT NULL DEFAULT 0,
    schools_report INTEGER NOT NULL DEFAULT 0,
    cutoff_minutes INTEGER NOT NULL DEFAULT 960,
    created_by     TEXT    NOT NULL,
    created_at     INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS duty_periods_area ON duty_periods (area_lo, area_hi);

CREATE TABLE IF NOT EXISTS duty_reports (
    id          INTEGER PRIMARY KEY,
    period_id   INTEGER NOT NULL REFERENCES duty_periods (id),
    unit_code   INTEGER NOT NULL,
    region_code INTEGER NOT NULL,
    day         TEXT    NOT NULL,
    all_clear   INTEGER NOT NULL,
    body        TEXT    NOT NULL DEFAULT '',
    incident_id INTEGER,
    late        INTEGER NOT NULL DEFAULT 0,
    filed_by    TEXT    NOT NULL,
    filed_at    INTEGER NOT NULL,
    UNIQUE (period_id, day, unit_code)
);
CREATE INDEX IF NOT EXISTS duty_reports_region ON duty_reports (period_id, day, region_code);

CREATE TABLE IF NOT EXISTS duty_reminders (
    period_id INTEGER NOT NULL,
    day       TEXT    NOT NULL,
    unit_code INTEGER NOT NULL,
    sent_at   INTEGER NOT NULL,
    PRIMARY KEY (period_id, day, unit_code)
);
