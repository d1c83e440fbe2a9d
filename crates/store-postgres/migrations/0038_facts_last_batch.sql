-- Issue 14 (数据质量 at 15 M students): each school's facts keep the newest batch carrying a
-- record of the school (its school row, a teacher, an enrolment), kept by every import with the
-- rest of the facts (store::facts::SchoolFacts::last_batch). The quality refresh reads it instead
-- of scanning every enrolment for each school's newest batch. Filled here from the rows already
-- stored. (0037 is another branch's.)
ALTER TABLE school_facts ADD COLUMN IF NOT EXISTS last_batch bigint NOT NULL DEFAULT 0;
UPDATE school_facts f SET last_batch = m.b FROM (
    SELECT school_code, MAX(b) AS b FROM (
        SELECT school_code, MAX(batch_id) AS b FROM enrolments GROUP BY school_code
        UNION ALL SELECT school_code, MAX(batch_id) FROM teachers GROUP BY school_code
        UNION ALL SELECT school_code, batch_id FROM schools
    ) AS u GROUP BY school_code
) AS m WHERE m.school_code = f.school_code;
