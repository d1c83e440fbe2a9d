-- Lists sorted by grade and by time (issue 12): each order served by an index leading with the
-- column a county's or school's list is cut by, so that a county's deep pages stay a keyset range,
-- and one without it for wider areas (walked in order, each row's county checked).
-- `enrolments.batch_id` becomes the batch that last changed the student (any field; the batch
-- writes it whenever the student's row changes): bring existing rows up to that.
UPDATE enrolments SET batch_id = (SELECT s.batch_id FROM students s WHERE s.id = enrolments.student_id)
 WHERE batch_id <> (SELECT s.batch_id FROM students s WHERE s.id = enrolments.student_id);
CREATE INDEX enrolments_county_grade ON enrolments (county_code, grade);
CREATE INDEX enrolments_grade ON enrolments (grade);
CREATE INDEX enrolments_county_batch ON enrolments (county_code, batch_id);
CREATE INDEX enrolments_batch ON enrolments (batch_id);
CREATE INDEX teachers_school_batch ON teachers (school_code, batch_id);
CREATE INDEX teachers_batch ON teachers (batch_id);
