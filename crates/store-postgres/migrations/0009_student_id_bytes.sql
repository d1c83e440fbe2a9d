-- 学籍号 compared byte by byte (COLLATE "C"), as SQLite compares it: the column holds a letter and
-- digits, so no ordering changes, and its index is built with memcmp and abbreviated keys instead
-- of the locale's strcoll (0.67 s → 0.47 s for 1 M students, a tenth of a first import's time).
ALTER TABLE students ALTER COLUMN student_id TYPE text COLLATE "C";
