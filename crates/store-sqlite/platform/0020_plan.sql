-- 信息化工作要点 (store::plan): a year's plan, its work points by part, the units of each point
-- (lead and co-operating, for the scope), tasks and progress updates. Dates are `YYYY-MM-DD` text.
CREATE TABLE IF NOT EXISTS plans (
    id          INTEGER PRIMARY KEY,
    year        INTEGER NOT NULL,
    title       TEXT    NOT NULL,
    region_code INTEGER NOT NULL,
    note        TEXT    NOT NULL DEFAULT '',
    created_by  TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    UNIQUE (region_code, year)
);

CREATE TABLE IF NOT EXISTS plan_points (
    id          INTEGER PRIMARY KEY,
    plan_id     INTEGER NOT NULL REFERENCES plans (id),
    part        INTEGER NOT NULL,
    number      TEXT    NOT NULL,
    seq         INTEGER NOT NULL,
    title       TEXT    NOT NULL,
    description TEXT    NOT NULL DEFAULT '',
    lead_unit   INTEGER NOT NULL,
    lead_region INTEGER NOT NULL,
    coop        TEXT    NOT NULL DEFAULT '',
    deadline    TEXT    NOT NULL,
    indicator   TEXT    NOT NULL DEFAULT '',
    target      TEXT    NOT NULL DEFAULT '',
    state       TEXT    NOT NULL DEFAULT 'not_started',
    progress    INTEGER NOT NULL DEFAULT 0,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS plan_points_plan ON plan_points (plan_id, part, seq);

CREATE TABLE IF NOT EXISTS plan_units (
    point_id    INTEGER NOT NULL REFERENCES plan_points (id),
    plan_id     INTEGER NOT NULL,
    unit_code   INTEGER NOT NULL,
    region_code INTEGER NOT NULL,
    PRIMARY KEY (point_id, unit_code)
);
CREATE INDEX IF NOT EXISTS plan_units_region ON plan_units (region_code, point_id);
CREATE INDEX IF NOT EXISTS plan_units_unit ON plan_units (unit_code, point_id);

CREATE TABLE IF NOT EXISTS plan_tasks (
    id         INTEGER PRIMARY KEY,
    point_id   INTEGER NOT NULL REFERENCES plan_points (id),
    seq        INTEGER NOT NULL,
    text       TEXT    NOT NULL,
    owner_unit INTEGER NOT NULL,
    deadline   TEXT    NOT NULL,
    state      TEXT    NOT NULL DEFAULT 'not_started'
);
CREATE INDEX IF NOT EXISTS plan_tasks_point ON plan_tasks (point_id, seq);

CREATE TABLE IF NOT EXISTS plan_updates (
    id            INTEGER PRIMARY KEY,
    point_id      INTEGER NOT NULL REFERENCES plan_points (id),
    task_id       INTEGER NOT NULL DEFAULT 0,
    on_date       TEXT    NOT NULL,
    text          TEXT    NOT NULL,
    progress      INTEGER NOT NULL DEFAULT 0,
    state         TEXT    NOT NULL,
    attachment_id INTEGER NOT NULL DEFAULT 0,
    author        TEXT    NOT NULL,
    created_at    INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS plan_updates_point ON plan_updates (point_id, on_date);
