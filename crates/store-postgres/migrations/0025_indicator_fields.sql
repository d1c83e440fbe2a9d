-- Issue 15 (decision indicators): the teacher and student fields the indicators need. Template
-- fields live in columns named by their keys (the statements follow the templates), so each new
-- field is a column; empty means not filled in.
ALTER TABLE teachers ADD COLUMN IF NOT EXISTS backbone text NOT NULL DEFAULT '';
ALTER TABLE teachers ADD COLUMN IF NOT EXISTS full_time text NOT NULL DEFAULT '';
ALTER TABLE students ADD COLUMN IF NOT EXISTS disability text NOT NULL DEFAULT '';
