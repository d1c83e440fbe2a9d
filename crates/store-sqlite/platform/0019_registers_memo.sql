-- Remembered aggregates of the inspections', the responsibility checklist's and the software
-- ledger's registers (store::memo, issue 13's province scale; 0018 made the tables).
INSERT OR IGNORE INTO register_versions (register, version) VALUES ('checks', 1), ('duty_items', 1), ('software', 1);

-- checks: the inspections' progress counts assignments and rectification items.
CREATE TRIGGER IF NOT EXISTS check_assignments_memo_ins AFTER INSERT ON check_assignments BEGIN UPDATE register_versions SET version = version + 1 WHERE register = 'checks'; END;
CREATE TRIGGER IF NOT EXISTS check_assignments_memo_upd AFTER UPDATE ON check_assignments BEGIN UPDATE register_versions SET version = version + 1 WHERE register = 'checks'; END;
CREATE TRIGGER IF NOT EXISTS check_assignments_memo_del AFTER DELETE ON check_assignments BEGIN UPDATE register_versions SET version = version + 1 WHERE register = 'checks'; END;
CREATE TRIGGER IF NOT EXISTS check_items_memo_ins AFTER INSERT ON check_items BEGIN UPDATE register_versions SET version = version + 1 WHERE register = 'checks'; END;
CREATE TRIGGER IF NOT EXISTS check_items_memo_upd AFTER UPDATE ON check_items BEGIN UPDATE register_versions SET version = version + 1 WHERE register = 'checks'; END;
CREATE TRIGGER IF NOT EXISTS check_items_memo_del AFTER DELETE ON check_items BEGIN UPDATE register_versions SET version = version + 1 WHERE register = 'checks'; END;
-- duty_items: the checklist's completion by region and by unit.
CREATE TRIGGER IF NOT EXISTS duty_items_memo_ins AFTER INSERT ON duty_items BEGIN UPDATE register_versions SET version = version + 1 WHERE register = 'duty_items'; END;
CREATE TRIGGER IF NOT EXISTS duty_items_memo_upd AFTER UPDATE ON duty_items BEGIN UPDATE register_versions SET version = version + 1 WHERE register = 'duty_items'; END;
CREATE TRIGGER IF NOT EXISTS duty_items_memo_del AFTER DELETE ON duty_items BEGIN UPDATE register_versions SET version = version + 1 WHERE register = 'duty_items'; END;
-- software: the ledger's units and their checks (overdue by region, totals).
CREATE TRIGGER IF NOT EXISTS software_assets_memo_ins AFTER INSERT ON software_assets BEGIN UPDATE register_versions SET version = version + 1 WHERE register = 'software'; END;
CREATE TRIGGER IF NOT EXISTS software_assets_memo_upd AFTER UPDATE ON software_assets BEGIN UPDATE register_versions SET version = version + 1 WHERE register = 'software'; END;
CREATE TRIGGER IF NOT EXISTS software_assets_memo_del AFTER DELETE ON software_assets BEGIN UPDATE register_versions SET version = version + 1 WHERE register = 'software'; END;
CREATE TRIGGER IF NOT EXISTS software_checks_memo_ins AFTER INSERT ON software_checks BEGIN UPDATE register_versions SET version = version + 1 WHERE register = 'software'; END;
CREATE TRIGGER IF NOT EXISTS software_checks_memo_upd AFTER UPDATE ON software_checks BEGIN UPDATE register_versions SET version = version + 1 WHERE register = 'software'; END;
CREATE TRIGGER IF NOT EXISTS software_checks_memo_del AFTER DELETE ON software_checks BEGIN UPDATE register_versions SET version = version + 1 WHERE register = 'software'; END;
