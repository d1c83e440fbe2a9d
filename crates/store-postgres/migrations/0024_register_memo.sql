-- Remembered aggregates of the registers (store::memo, issue 13's province scale; the SQLite
-- platform file has the same tables, 0018_register_memo.sql).
CREATE TABLE IF NOT EXISTS register_versions (
    register text   PRIMARY KEY,
    version  bigint NOT NULL
);
INSERT INTO register_versions (register, version) VALUES ('mlps', 1), ('apps', 1), ('incidents', 1) ON CONFLICT DO NOTHING;

CREATE TABLE IF NOT EXISTS register_memo (
    register  text   NOT NULL,
    aggregate text   NOT NULL,
    area      text   NOT NULL,
    query     text   NOT NULL,
    day       text   NOT NULL,
    version   bigint NOT NULL,
    payload   text   NOT NULL,
    PRIMARY KEY (register, aggregate, area, query, day)
);
CREATE INDEX IF NOT EXISTS register_memo_version ON register_memo (register, version);

-- Bumped once per writing statement, in its transaction (the row lock makes concurrent writers
-- of one register queue at this row until the first commits).
CREATE OR REPLACE FUNCTION register_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE register_versions SET version = version + 1 WHERE register = TG_ARGV[0];
    RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS mlps_systems_memo ON mlps_systems;
CREATE TRIGGER mlps_systems_memo AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON mlps_systems FOR EACH STATEMENT EXECUTE FUNCTION register_version_bump('mlps');
DROP TRIGGER IF EXISTS app_uses_memo ON app_uses;
CREATE TRIGGER app_uses_memo AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON app_uses FOR EACH STATEMENT EXECUTE FUNCTION register_version_bump('apps');
DROP TRIGGER IF EXISTS incidents_memo ON incidents;
CREATE TRIGGER incidents_memo AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON incidents FOR EACH STATEMENT EXECUTE FUNCTION register_version_bump('incidents');

-- The register's wide filtered lists: the date range and the region judged in the index.
CREATE INDEX IF NOT EXISTS mlps_systems_due_region ON mlps_systems (next_due, region_code, id);
