-- 等保附件 (issue 13): an assessment's report file (测评报告) and a rectification item's evidence
-- file, ids of `attachments` (0: none).
ALTER TABLE mlps_assessments ADD COLUMN report_attachment INTEGER NOT NULL DEFAULT 0;
ALTER TABLE mlps_rectifications ADD COLUMN attachment_id INTEGER NOT NULL DEFAULT 0;
