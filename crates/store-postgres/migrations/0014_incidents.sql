-- Incidents by the emergency plan (store::incidents; rules in the secman crate).
-- An incident belongs to an org unit: a school (school, and its county in region) or a division
-- (region is its own code). Reads are cut to the reader's area over region / school.
CREATE TABLE IF NOT EXISTS incidents (
    id             bigserial PRIMARY KEY,
    title          text    NOT NULL,
    unit_code      bigint  NOT NULL,
    region         bigint  NOT NULL,
    school         text,
    unit_kind      text    NOT NULL,
    class_code     text,
    grade          bigint ,
    proposed_class text,
    proposed_grade bigint ,
    state          text    NOT NULL,
    source         text    NOT NULL,
    site_id        bigint ,
    finding        text,
    alert_id       bigint ,
    evidence       text    NOT NULL,
    description    text    NOT NULL,
    review         text    NOT NULL,
    discovered_at  bigint  NOT NULL,
    reported_at    bigint  NOT NULL,
    due_at         bigint  NOT NULL,
    reported_up_at bigint ,
    escalated_to   bigint ,
    escalated_at   bigint ,
    seen           bigint  NOT NULL,
    last_seen      bigint  NOT NULL,
    updated_at     bigint  NOT NULL
);
CREATE INDEX IF NOT EXISTS incidents_region ON incidents (region, id);
CREATE INDEX IF NOT EXISTS incidents_school ON incidents (school, id);
-- The deadline sweep and the overdue lists: open incidents not yet reported upward.
CREATE INDEX IF NOT EXISTS incidents_due ON incidents (due_at) WHERE reported_up_at IS NULL AND state <> 'closed';
-- The monitor's de-duplication key: one open incident per site and finding.
CREATE INDEX IF NOT EXISTS incidents_site ON incidents (site_id, finding) WHERE site_id IS NOT NULL;

-- The timeline: each step with who, when, what; reports upward name whom (to_unit).
CREATE TABLE IF NOT EXISTS incident_steps (
    id          bigserial PRIMARY KEY,
    incident_id bigint  NOT NULL REFERENCES incidents (id),
    at          bigint  NOT NULL,
    actor       text    NOT NULL,
    action      text    NOT NULL,
    state       text    NOT NULL,
    note        text    NOT NULL,
    to_unit     text
);
CREATE INDEX IF NOT EXISTS incident_steps_incident ON incident_steps (incident_id, at);
