//! `tianfu standard --template ENTITY`: the import templates written by the real binary, and the
//! real `tianfu validate` accepting each as written (its one example row valid).

mod common;
use common::{tianfu, tmp_dir};
use serde_json::Value;

#[test]
fn each_template_is_written_and_its_example_row_validates() {
    let d = tmp_dir("templates", "cli");
    for entity in ["school", "teacher", "student"] {
        let path = d.0.join(format!("{entity}.xlsx"));
        let p = path.to_str().unwrap();
        let (code, out, err) = tianfu(&["standard", "--template", entity, "--out", p]);
        assert_eq!(code, 0, "{entity}: {out}{err}");
        assert!(out.contains("导入模板") && out.contains(p), "{out}");
        let bytes = std::fs::read(&path).unwrap();
        assert!(bytes.starts_with(b"PK\x03\x04"), "{entity}");
        let (code, out, err) = tianfu(&["validate", p, "--entity", entity, "--format", "json"]);
        assert_eq!(code, 0, "{entity}: {out}{err}");
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!((v["rows_read"].as_u64(), v["rows_valid"].as_u64(), v["rows_rejected"].as_u64()), (Some(1), Some(1), Some(0)), "{entity}: {v}");
    }
    // The site register's template, and the default file name (学生导入模板.xlsx in the folder).
    let (code, out, err) = tianfu(&["standard", "--template", "site", "--out", d.0.join("site.xlsx").to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(std::fs::read(d.0.join("site.xlsx")).unwrap().starts_with(b"PK\x03\x04"));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tianfu")).args(["standard", "--template", "student"]).current_dir(&d.0).output().unwrap();
    assert!(out.status.success());
    assert!(d.0.join("学生导入模板.xlsx").is_file());
    // An unknown entity is a usage error naming the choices.
    let (code, _, err) = tianfu(&["standard", "--template", "alien"]);
    assert_eq!(code, 2);
    assert!(err.contains("student"), "{err}");
}
