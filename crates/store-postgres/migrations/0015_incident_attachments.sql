-- Attachments of incidents (evidence, reports): the attachment's row is store::attachments';
-- the step that added it is on the incident's timeline (action attach).
CREATE TABLE IF NOT EXISTS incident_attachments (
    incident_id   bigint NOT NULL REFERENCES incidents (id),
    attachment_id bigint NOT NULL REFERENCES attachments (id),
    step_id       bigint NOT NULL REFERENCES incident_steps (id),
    PRIMARY KEY (incident_id, attachment_id)
);
