-- Indexes for reading records back in the web console (keyset paging and searches).
-- Each costs an imported student a random B-tree insert; they serve the lists a school sees and
-- the search by name. The search by ID number or 学籍号 needs none: the record key is the ID
-- number of a resident ID card (whose 学籍号 is G + the ID number), else the 学籍号 itself.
CREATE INDEX enrolments_school ON enrolments (school_code);
CREATE INDEX students_name ON students (name);
CREATE INDEX teachers_name ON teachers (name);
