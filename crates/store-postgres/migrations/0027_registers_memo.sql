-- Remembered aggregates of the inspections', the responsibility checklist's and the software
-- ledger's registers (store::memo, issue 13's province scale; 0024 made the tables and the
-- bump function). SQLite platform 0020 has the same registers.
INSERT INTO register_versions (register, version) VALUES ('checks', 1), ('duty_items', 1), ('software', 1) ON CONFLICT DO NOTHING;

DROP TRIGGER IF EXISTS check_assignments_memo ON check_assignments;
CREATE TRIGGER check_assignments_memo AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON check_assignments FOR EACH STATEMENT EXECUTE FUNCTION register_version_bump('checks');
DROP TRIGGER IF EXISTS check_items_memo ON check_items;
CREATE TRIGGER check_items_memo AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON check_items FOR EACH STATEMENT EXECUTE FUNCTION register_version_bump('checks');
DROP TRIGGER IF EXISTS duty_items_memo ON duty_items;
CREATE TRIGGER duty_items_memo AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON duty_items FOR EACH STATEMENT EXECUTE FUNCTION register_version_bump('duty_items');
DROP TRIGGER IF EXISTS software_assets_memo ON software_assets;
CREATE TRIGGER software_assets_memo AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON software_assets FOR EACH STATEMENT EXECUTE FUNCTION register_version_bump('software');
DROP TRIGGER IF EXISTS software_checks_memo ON software_checks;
CREATE TRIGGER software_checks_memo AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON software_checks FOR EACH STATEMENT EXECUTE FUNCTION register_version_bump('software');
