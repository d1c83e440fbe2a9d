-- Issue 14 (sharing exchange): the change feed (store::share::changes) reads, per import batch,
-- the records whose place changed (school, grade, division, school type) to tell a consumer which
-- records left its grant's rows. Only those fields' entries are indexed.
CREATE INDEX change_log_moves ON change_log (batch_id, entity, record_key)
    WHERE field IN ('school_code', 'grade', 'region_code', 'school_type');
