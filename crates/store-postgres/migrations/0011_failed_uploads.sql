-- Uploads that failed before anything was imported (issue 12): kept so that the import history
-- shows them, with their reason and a retry link, after a restart. No personal data, no server
-- paths (store::failed_uploads::scrub); the uploader's area (area_lo..area_hi, or one school)
-- cuts reads to the reader's scope. Pruned on insert: the newest 1,000 rows, none older than
-- 90 days.
CREATE TABLE IF NOT EXISTS failed_uploads (
    id          bigserial PRIMARY KEY,
    account     text    NOT NULL,
    entity      text    NOT NULL,
    file_name   text    NOT NULL,
    reason_zh   text    NOT NULL,
    reason_en   text    NOT NULL,
    at          bigint  NOT NULL,
    area_lo     bigint  NOT NULL,
    area_hi     bigint  NOT NULL,
    area_school text
);
CREATE INDEX IF NOT EXISTS failed_uploads_account ON failed_uploads (account, id);
CREATE INDEX IF NOT EXISTS failed_uploads_at ON failed_uploads (at);
