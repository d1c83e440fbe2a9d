//! `tianfu calendar` on the real binary: the embedded 2026 arrangement counts deadlines, an
//! imported year is stored (and audited) and replaces the embedded one, a refused file stores
//! nothing and exits 1.

mod common;
use std::path::Path;
use std::process::Command;

fn tianfu(args: &[&str], dir: &Path) -> (i32, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_tianfu")).args(args).current_dir(dir).env_remove("TIANFU_DATABASE_URL").output().unwrap();
    (o.status.code().unwrap_or(-1), String::from_utf8_lossy(&o.stdout).into_owned(), String::from_utf8_lossy(&o.stderr).into_owned())
}

#[test]
fn import_show_and_count() {
    let dir = common::tmp_dir("cli-calendar", "import");
    let p = &dir.0;
    // Friday 2026-02-13 + 2 working days: Saturday 2/14 (调休), then Tuesday 2/24 after 春节.
    let (code, out, err) = tianfu(&["calendar", "due", "2026-02-13", "2", "--db", "t.db"], p);
    assert_eq!((code, out.as_str()), (0, "2026-02-24\n"), "{err}");
    let (code, out, _) = tianfu(&["calendar", "show", "2026", "--db", "t.db"], p);
    assert_eq!(code, 0);
    assert!(out.contains("国办发明电〔2025〕7号") && out.contains("2026-02-14,workday,春节调休") && out.contains("2026-10-07,holiday,国庆节"), "{out}");
    // A refused file: exit 1, nothing stored.
    std::fs::write(p.join("bad.csv"), "2027-02-06,holiday,春节\n2027-02-06,workday,春节调休\n").unwrap();
    let (code, _, err) = tianfu(&["calendar", "import", "bad.csv", "--db", "t.db"], p);
    assert_eq!(code, 1);
    assert!(err.contains("第 2 行") && err.contains("既放假又上班"), "{err}");
    let (_, out, _) = tianfu(&["calendar", "show", "2027", "--db", "t.db"], p);
    assert!(out.contains("未知"), "{out}");
    // 2027 imported: its Spring Festival now counts.
    std::fs::write(p.join("2027.csv"), "# 测试通知\ndate,kind,name\n2027-02-05,holiday,春节\n2027-02-08,holiday,春节\n2027-02-20,workday,春节调休\n").unwrap();
    let (code, out, err) = tianfu(&["calendar", "import", "2027.csv", "--year", "2027", "--db", "t.db"], p);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("2027") && out.contains("放假 2 天"), "{out}");
    let (_, out, _) = tianfu(&["calendar", "due", "2027-02-04", "1", "--db", "t.db"], p);
    assert_eq!(out, "2027-02-09\n");
    let (_, out, _) = tianfu(&["calendar", "show", "2027", "--db", "t.db"], p);
    assert!(out.contains("# 测试通知") && out.contains("2027-02-20,workday"), "{out}");
    // The import is in the audit log.
    let c = rusqlite::Connection::open(p.join("t.platform.db")).unwrap();
    let (action, target): (String, String) = c.query_row("SELECT action, target FROM audit_log WHERE action = 'calendar_import'", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    assert_eq!((action.as_str(), target.as_str()), ("calendar_import", "calendar:2027"));
}
