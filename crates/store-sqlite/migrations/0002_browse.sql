-- Indexes for reading records back in the web console (keyset paging and searches).
-- Each costs about a microsecond per imported student; they serve the lists a school sees, the
-- search by name and the search by 学籍号 (the ID number is the record_key).
CREATE INDEX enrolments_school ON enrolments (school_code);
CREATE INDEX students_name ON students (name);
CREATE INDEX students_student_id ON students (student_id);
CREATE INDEX teachers_name ON teachers (name);
