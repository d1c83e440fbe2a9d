-- Lists sorted by grade and by time (issue 12): each order served by an index leading with the
-- column a county's list is cut by (a county's deep pages stay one index range), and one without
-- it for wider areas. `enrolments.batch_id` becomes the batch that last changed the student (any
-- field; every batch now writes it when the student's row changes): bring existing rows up to it.
UPDATE enrolments e SET batch_id = s.batch_id FROM students s WHERE s.record_key = e.record_key AND e.batch_id <> s.batch_id;
CREATE INDEX IF NOT EXISTS enrolments_county_grade ON enrolments (county_code, grade, record_key);
CREATE INDEX IF NOT EXISTS enrolments_grade_key ON enrolments (grade, record_key);
CREATE INDEX IF NOT EXISTS enrolments_county_batch ON enrolments (county_code, batch_id, record_key);
CREATE INDEX IF NOT EXISTS enrolments_batch_key ON enrolments (batch_id, record_key);
CREATE INDEX IF NOT EXISTS teachers_school_batch ON teachers (school_code, batch_id, record_key);
CREATE INDEX IF NOT EXISTS teachers_batch_key ON teachers (batch_id, record_key);
