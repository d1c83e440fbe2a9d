-- Incidents by the emergency plan (store::incidents; rules in the secman crate).
-- An incident belongs to an org unit: a school (school, and its county in region) or a division
-- (region is its own code). Reads are cut to the reader's area over region / school.
CREATE TABLE IF NOT EXISTS incidents (
    id             INTEGER PRIMARY KEY,
    title          TEXT    NOT NULL,
    unit_code      INTEGER NOT NULL,
    region         INTEGER NOT NULL,
    school         TEXT,
    unit_kind      TEXT    NOT NULL,
    class_code     TEXT,
    grade          INTEGER,
    proposed_class TEXT,
    proposed_grade INTEGER,
    state          TEXT    NOT NULL,
    source         TEXT    NOT NULL,
    site_id        INTEGER,
    finding        TEXT,
    alert_id       INTEGER,
    evidence       TEXT    NOT NULL,
    description    TEXT    NOT NULL,
    review         TEXT    NOT NULL,
    discovered_at  INTEGER NOT NULL,
    reported_at    INTEGER NOT NULL,
    due_at         INTEGER NOT NULL,
    reported_up_at INTEGER,
    escalated_to   INTEGER,
    escalated_at   INTEGER,
    seen           INTEGER NOT NULL,
    last_seen      INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS incidents_region ON incidents (region, id);
CREATE INDEX IF NOT EXISTS incidents_school ON incidents (school, id);
-- The deadline sweep and the overdue lists: open incidents not yet reported upward.
CREATE INDEX IF NOT EXISTS incidents_due ON incidents (due_at) WHERE reported_up_at IS NULL AND state <> 'closed';
-- The monitor's de-duplication key: one open incident per site and finding.
CREATE INDEX IF NOT EXISTS incidents_site ON incidents (site_id, finding) WHERE site_id IS NOT NULL;

-- The timeline: each step with who, when, what; reports upward name whom (to_unit).
CREATE TABLE IF NOT EXISTS incident_steps (
    id          INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    at          INTEGER NOT NULL,
    actor       TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    state       TEXT    NOT NULL,
    note        TEXT    NOT NULL,
    to_unit     TEXT
);
CREATE INDEX IF NOT EXISTS incident_steps_incident ON incident_steps (incident_id, at);
