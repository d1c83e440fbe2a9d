-- 信息化工作要点 (store::plan; the SQLite platform file has the same tables, 0020_plan.sql): a year's plan, its work points by part, the units of each point
-- (lead and co-operating, for the scope), tasks and progress updates. Dates are `YYYY-MM-DD` text.
CREATE TABLE IF NOT EXISTS plans (
    id          bigserial PRIMARY KEY,
    year        bigint  NOT NULL,
    title       text    NOT NULL,
    region_code bigint  NOT NULL,
    note        text    NOT NULL DEFAULT '',
    created_by  text    NOT NULL,
    created_at  bigint  NOT NULL,
    UNIQUE (region_code, year)
);

CREATE TABLE IF NOT EXISTS plan_points (
    id          bigserial PRIMARY KEY,
    plan_id     bigint  NOT NULL REFERENCES plans (id),
    part        bigint  NOT NULL,
    number      text    NOT NULL,
    seq         bigint  NOT NULL,
    title       text    NOT NULL,
    description text    NOT NULL DEFAULT '',
    lead_unit   bigint  NOT NULL,
    lead_region bigint  NOT NULL,
    coop        text    NOT NULL DEFAULT '',
    deadline    text    NOT NULL,
    indicator   text    NOT NULL DEFAULT '',
    target      text    NOT NULL DEFAULT '',
    state       text    NOT NULL DEFAULT 'not_started',
    progress    bigint  NOT NULL DEFAULT 0,
    updated_at  bigint  NOT NULL
);
CREATE INDEX IF NOT EXISTS plan_points_plan ON plan_points (plan_id, part, seq);

CREATE TABLE IF NOT EXISTS plan_units (
    point_id    bigint  NOT NULL REFERENCES plan_points (id),
    plan_id     bigint  NOT NULL,
    unit_code   bigint  NOT NULL,
    region_code bigint  NOT NULL,
    PRIMARY KEY (point_id, unit_code)
);
CREATE INDEX IF NOT EXISTS plan_units_region ON plan_units (region_code, point_id);
CREATE INDEX IF NOT EXISTS plan_units_unit ON plan_units (unit_code, point_id);

CREATE TABLE IF NOT EXISTS plan_tasks (
    id         bigserial PRIMARY KEY,
    point_id   bigint  NOT NULL REFERENCES plan_points (id),
    seq        bigint  NOT NULL,
    text       text    NOT NULL,
    owner_unit bigint  NOT NULL,
    deadline   text    NOT NULL,
    state      text    NOT NULL DEFAULT 'not_started'
);
CREATE INDEX IF NOT EXISTS plan_tasks_point ON plan_tasks (point_id, seq);

CREATE TABLE IF NOT EXISTS plan_updates (
    id            bigserial PRIMARY KEY,
    point_id      bigint  NOT NULL REFERENCES plan_points (id),
    task_id       bigint  NOT NULL DEFAULT 0,
    on_date       text    NOT NULL,
    text          text    NOT NULL,
    progress      bigint  NOT NULL DEFAULT 0,
    state         text    NOT NULL,
    attachment_id bigint  NOT NULL DEFAULT 0,
    author        text    NOT NULL,
    created_at    bigint  NOT NULL
);
CREATE INDEX IF NOT EXISTS plan_updates_point ON plan_updates (point_id, on_date);
