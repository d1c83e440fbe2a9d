-- Remembered aggregates of the registers (store::memo, issue 13's province scale).
-- register_versions: one row per register, bumped by the triggers below in the writing
-- transaction itself on every insert, update and delete of the rows its aggregates count.
CREATE TABLE IF NOT EXISTS register_versions (
    register TEXT    PRIMARY KEY,
    version  INTEGER NOT NULL
);
INSERT OR IGNORE INTO register_versions (register, version) VALUES ('mlps', 1), ('apps', 1), ('incidents', 1);

-- A figure as computed at a version, keyed by the reader's area ('r:lo-hi', 's:code'), the
-- canonical query and the day it was judged on ('' when it does not depend on today).
CREATE TABLE IF NOT EXISTS register_memo (
    register  TEXT    NOT NULL,
    aggregate TEXT    NOT NULL,
    area      TEXT    NOT NULL,
    query     TEXT    NOT NULL,
    day       TEXT    NOT NULL,
    version   INTEGER NOT NULL,
    payload   TEXT    NOT NULL,
    PRIMARY KEY (register, aggregate, area, query, day)
);
CREATE INDEX IF NOT EXISTS register_memo_version ON register_memo (register, version);

CREATE TRIGGER IF NOT EXISTS mlps_systems_memo_ins AFTER INSERT ON mlps_systems BEGIN UPDATE register_versions SET version = version + 1 WHERE register = 'mlps'; END;
CREATE TRIGGER IF NOT EXISTS mlps_systems_memo_upd AFTER UPDATE ON mlps_systems BEGIN UPDATE register_versions SET version = version + 1 WHERE register = 'mlps'; END;
CREATE TRIGGER IF NOT EXISTS mlps_systems_memo_del AFTER DELETE ON mlps_systems BEGIN UPDATE register_versions SET version = version + 1 WHERE register = 'mlps'; END;
CREATE TRIGGER IF NOT EXISTS app_uses_memo_ins AFTER INSERT ON app_uses BEGIN UPDATE register_versions SET version = version + 1 WHERE register = 'apps'; END;
CREATE TRIGGER IF NOT EXISTS app_uses_memo_upd AFTER UPDATE ON app_uses BEGIN UPDATE register_versions SET version = version + 1 WHERE register = 'apps'; END;
CREATE TRIGGER IF NOT EXISTS app_uses_memo_del AFTER DELETE ON app_uses BEGIN UPDATE register_versions SET version = version + 1 WHERE register = 'apps'; END;
CREATE TRIGGER IF NOT EXISTS incidents_memo_ins AFTER INSERT ON incidents BEGIN UPDATE register_versions SET version = version + 1 WHERE register = 'incidents'; END;
CREATE TRIGGER IF NOT EXISTS incidents_memo_upd AFTER UPDATE ON incidents BEGIN UPDATE register_versions SET version = version + 1 WHERE register = 'incidents'; END;
CREATE TRIGGER IF NOT EXISTS incidents_memo_del AFTER DELETE ON incidents BEGIN UPDATE register_versions SET version = version + 1 WHERE register = 'incidents'; END;

-- The register's wide filtered lists (a city's or the province's "due within 60 days" and
-- overdue list): the date range and the region are both judged in the index.
CREATE INDEX IF NOT EXISTS mlps_systems_due_region ON mlps_systems (next_due, region_code, id);
