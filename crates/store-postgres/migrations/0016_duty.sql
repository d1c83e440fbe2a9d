-- 值班与重要时期保障 (store::duty; the SQLite platform file has the same tables, 0010_duty.sql): each unit's duty contacts, roster shifts and duty-group robot;
-- important periods with their daily 零报告 reports and the reminders sent for missing ones.
-- Dates are `YYYY-MM-DD` text (China time); instants are Unix seconds.
CREATE TABLE IF NOT EXISTS duty_contacts (
    id           bigserial PRIMARY KEY,
    unit_code    bigint  NOT NULL,
    region_code  bigint  NOT NULL,
    name         text    NOT NULL,
    post         text    NOT NULL,
    office_phone text    NOT NULL DEFAULT '',
    mobile       text    NOT NULL DEFAULT '',
    created_by   text    NOT NULL,
    created_at   bigint  NOT NULL,
    updated_at   bigint  NOT NULL
);
CREATE INDEX IF NOT EXISTS duty_contacts_unit ON duty_contacts (unit_code, id);
CREATE INDEX IF NOT EXISTS duty_contacts_region ON duty_contacts (region_code, id);

CREATE TABLE IF NOT EXISTS duty_shifts (
    id          bigserial PRIMARY KEY,
    unit_code   bigint  NOT NULL,
    region_code bigint  NOT NULL,
    starts_at   bigint  NOT NULL,
    ends_at     bigint  NOT NULL CHECK (ends_at > starts_at),
    contact_id  bigint  NOT NULL REFERENCES duty_contacts (id),
    leader_id   bigint  REFERENCES duty_contacts (id),
    note        text    NOT NULL DEFAULT '',
    created_by  text    NOT NULL,
    created_at  bigint  NOT NULL
);
CREATE INDEX IF NOT EXISTS duty_shifts_unit ON duty_shifts (unit_code, starts_at);
CREATE INDEX IF NOT EXISTS duty_shifts_region ON duty_shifts (region_code, starts_at);

CREATE TABLE IF NOT EXISTS duty_channels (
    unit_code   bigint PRIMARY KEY,
    region_code bigint  NOT NULL,
    webhook_id  bigint  NOT NULL,
    updated_by  text    NOT NULL,
    updated_at  bigint  NOT NULL
);

CREATE TABLE IF NOT EXISTS duty_periods (
    id             bigserial PRIMARY KEY,
    area_code      bigint  NOT NULL,
    area_lo        bigint  NOT NULL,
    area_hi        bigint  NOT NULL,
    name           text    NOT NULL,
    starts_on      text    NOT NULL,
    ends_on        text    NOT NULL CHECK (ends_on >= starts_on),
    full_day       boolean NOT NULL DEFAULT false,
    schools_report boolean NOT NULL DEFAULT false,
    cutoff_minutes bigint  NOT NULL DEFAULT 960,
    created_by     text    NOT NULL,
    created_at     bigint  NOT NULL
);
CREATE INDEX IF NOT EXISTS duty_periods_area ON duty_periods (area_lo, area_hi);

CREATE TABLE IF NOT EXISTS duty_reports (
    id          bigserial PRIMARY KEY,
    period_id   bigint  NOT NULL REFERENCES duty_periods (id),
    unit_code   bigint  NOT NULL,
    region_code bigint  NOT NULL,
    day         text    NOT NULL,
    all_clear   boolean NOT NULL,
    body        text    NOT NULL DEFAULT '',
    incident_id bigint ,
    late        boolean NOT NULL DEFAULT false,
    filed_by    text    NOT NULL,
    filed_at    bigint  NOT NULL,
    UNIQUE (period_id, day, unit_code)
);
CREATE INDEX IF NOT EXISTS duty_reports_region ON duty_reports (period_id, day, region_code);

CREATE TABLE IF NOT EXISTS duty_reminders (
    period_id bigint  NOT NULL,
    day       text    NOT NULL,
    unit_code bigint  NOT NULL,
    sent_at   bigint  NOT NULL,
    PRIMARY KEY (period_id, day, unit_code)
);
