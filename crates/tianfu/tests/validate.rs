//! `tianfu validate` end to end: real files in, the real binary, exit codes, JSON and error files.

use serde_json::Value;
use standard::ids::id_check_char;
use std::path::{Path, PathBuf};
use std::process::Command;

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("tianfu-validate-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn id(body17: &str) -> String {
    format!("{body17}{}", id_check_char(body17.as_bytes()) as char)
}

const HEAD: &str = "学籍号,身份证件号,姓名,性别码,出生日期,民族码,行政区划码,学校标识码,年级,班级,入学年月,监护人电话,现住址";

fn row(idn: &str, name: &str) -> String {
    let g = if (idn.as_bytes()[16] - b'0') % 2 == 1 { 1 } else { 2 };
    let b = &idn[6..14];
    format!("G{idn},{idn},{name},{g},{}-{}-{},01,510104,2151000001,16,3班,2016-09,13812345678,成都市锦江区", &b[..4], &b[4..6], &b[6..])
}

fn tianfu(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tianfu")).args(args).output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn json(args: &[&str]) -> (i32, Value) {
    let mut a = args.to_vec();
    a.extend(["--format", "json"]);
    let (code, out, err) = tianfu(&a);
    let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}\n{err}"));
    (code, v)
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_str().unwrap().to_string()
}

fn ids(n: usize) -> Vec<String> {
    (0..n).map(|i| id(&format!("51010420100{:03}{:03}", 101 + i % 28, 100 + i))).collect()
}

#[test]
fn clean_file_exits_0_with_exact_json() {
    let d = tmp("clean");
    let mut text = format!("{HEAD}\n");
    for (i, x) in ids(5).iter().enumerate() {
        text += &row(x, &format!("学生{i}"));
        text += "\n";
    }
    let f = write(&d, "s.csv", &text);
    let (code, v) = json(&["validate", &f, "--entity", "student"]);
    assert_eq!(code, 0);
    assert_eq!(v["entity"], "student");
    assert_eq!(v["rows_read"], 5);
    assert_eq!(v["rows_valid"], 5);
    assert_eq!(v["rows_rejected"], 0);
    assert_eq!(v["errors"], serde_json::json!({}));
    assert!(v["elapsed_ms"].is_u64());
    assert_eq!(v["unknown_columns"], serde_json::json!([]));
}

#[test]
fn duplicates_reject_the_second_and_later_occurrences() {
    let d = tmp("dups");
    let x = ids(3);
    let text = format!("{HEAD}\n{}\n{}\n{}\n{}\n{}\n", row(&x[0], "甲"), row(&x[1], "乙"), row(&x[0], "丙"), row(&x[2], "丁"), row(&x[0], "戊"));
    let f = write(&d, "s.csv", &text);
    let errs = d.join("errors.csv");
    let (code, v) = json(&["validate", &f, "--entity", "student", "--errors", errs.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert_eq!(v["rows_read"], 5);
    assert_eq!(v["rows_rejected"], 2);
    assert_eq!(v["errors"]["id_duplicate"], 2);
    assert_eq!(v["errors"]["student_id_duplicate"], 2);
    let e = std::fs::read_to_string(&errs).unwrap();
    let lines: Vec<&str> = e.lines().collect();
    assert!(lines[0].starts_with("\u{feff}行号,错误代码,错误说明,学籍号"), "{}", lines[0]);
    assert_eq!(lines.len(), 3);
    // Lines 4 and 6 of the file (the header is line 1) hold the repeats; the original values are kept.
    assert!(lines[1].starts_with("4,student_id_duplicate;id_duplicate,") && lines[1].contains(",丙,"), "{}", lines[1]);
    assert!(lines[2].starts_with("6,") && lines[2].contains(",戊,"));
}

#[test]
fn gbk_bom_tsv_english_headers_any_order_and_unknown_columns() {
    let d = tmp("enc");
    let x = ids(2);
    let utf8 = format!("{HEAD}\n{}\n{}\n", row(&x[0], "张三"), row(&x[1], "李四"));
    let gbk = encoding_rs::GBK.encode(&utf8).0.into_owned();
    let gbk_path = d.join("gbk.csv");
    std::fs::write(&gbk_path, gbk).unwrap();
    let (code, v) = json(&["validate", gbk_path.to_str().unwrap(), "--entity", "student"]);
    assert_eq!((code, v["encoding"].as_str(), v["rows_valid"].as_u64()), (0, Some("gbk"), Some(2)));
    let (_, v) = json(&["validate", gbk_path.to_str().unwrap(), "--entity", "student", "--encoding", "gb18030"]);
    assert_eq!(v["rows_valid"], 2);
    // The GBK file read as UTF-8 on request: its header does not decode, exit 2 with a reason.
    let (code, _, err) = tianfu(&["validate", gbk_path.to_str().unwrap(), "--entity", "student", "--encoding", "utf-8"]);
    assert_eq!(code, 2);
    assert!(err.contains("--encoding"), "{err}");

    let bom = write(&d, "bom.csv", &format!("\u{feff}{utf8}"));
    let (code, v) = json(&["validate", &bom, "--entity", "student"]);
    assert_eq!((code, v["rows_valid"].as_u64()), (0, Some(2)));

    // English keys, reordered columns, tabs, an extra column.
    let t = standard::Entity::Student.template();
    let keys: Vec<&str> = HEAD.split(',').map(|h| t.fields[t.match_header(h).unwrap()].key).collect();
    let mut order: Vec<usize> = (0..keys.len()).collect();
    order.reverse();
    let mut text = order.iter().map(|&i| keys[i]).collect::<Vec<_>>().join("\t") + "\tremark\n";
    for r in [row(&x[0], "张三"), row(&x[1], "李四")] {
        let cells: Vec<&str> = r.split(',').collect();
        text += &(order.iter().map(|&i| cells[i]).collect::<Vec<_>>().join("\t") + "\tx\n");
    }
    let tsv = write(&d, "s.tsv", &text);
    let (code, v) = json(&["validate", &tsv, "--entity", "student"]);
    assert_eq!((code, v["rows_valid"].as_u64()), (0, Some(2)), "{v}");
    assert_eq!(v["unknown_columns"], serde_json::json!(["remark"]));
}

#[test]
fn warnings_are_counted_and_never_reject() {
    let d = tmp("warn");
    let x = ids(1)[0].clone();
    let b = &x[6..14];
    let r = format!("G{x},{x}, 张三 ,女,{}/{}/{},汉族,510104,２１５１０００００１,16,3班,{}年9月,138-1234-5678,成都", &b[..4], b[4..6].trim_start_matches('0'), b[6..].trim_start_matches('0'), &b[..4]);
    let f = write(&d, "w.csv", &format!("{HEAD}\n{r}\n"));
    let (code, v) = json(&["validate", &f, "--entity", "student"]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["warnings"]["whitespace_trimmed"], 1);
    assert_eq!(v["warnings"]["value_mapped"], 2);
    assert_eq!(v["warnings"]["date_normalized"], 2);
    assert_eq!(v["warnings"]["fullwidth_normalized"], 1);
    assert_eq!(v["warnings"]["separators_removed"], 1);
}

#[test]
fn unreadable_files_exit_2_naming_the_problem() {
    let d = tmp("bad");
    let (code, _, err) = tianfu(&["validate", "/nonexistent/x.csv", "--entity", "student"]);
    assert_eq!(code, 2);
    assert!(err.contains("找不到文件"), "{err}");
    let (code, _, err) = tianfu(&["validate", "/nonexistent/x.csv", "--entity", "student", "--lang", "en"]);
    assert_eq!(code, 2);
    assert!(err.contains("file not found"), "{err}");
    let f = write(&d, "missing.csv", "学籍号,性别码\nG1,1\n");
    let (code, _, err) = tianfu(&["validate", &f, "--entity", "student"]);
    assert_eq!(code, 2);
    assert!(err.contains("姓名") && err.contains("身份证件号"), "{err}");
    let f = write(&d, "school.csv", "学校标识码,学校名称,办学类型,行政区划码\n2151000001,x,211,510104\n");
    let (code, _, err) = tianfu(&["validate", &f, "--entity", "student", "--lang", "en"]);
    assert_eq!(code, 2);
    assert!(err.contains("--entity school"), "{err}");
    let f = write(&d, "empty.csv", "");
    assert_eq!(tianfu(&["validate", &f, "--entity", "student"]).0, 2);
    std::fs::write(d.join("x.xls"), [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]).unwrap();
    let (code, _, err) = tianfu(&["validate", d.join("x.xls").to_str().unwrap(), "--entity", "student"]);
    assert_eq!(code, 2);
    assert!(err.contains("另存为 XLSX 格式"), "{err}");
}

#[test]
fn reference_schools_give_school_unknown() {
    let d = tmp("ref");
    let schools = write(&d, "schools.csv", "学校标识码,学校名称,办学类型,行政区划码\n2151000001,第一小学,211,510104\n2151000002,坏学校,999,510104\n");
    let x = ids(2);
    let r2 = row(&x[1], "李四").replace("2151000001", "2151000002");
    let f = write(&d, "s.csv", &format!("{HEAD}\n{}\n{r2}\n", row(&x[0], "张三")));
    let (code, v) = json(&["validate", &f, "--entity", "student", "--ref", &schools]);
    assert_eq!(code, 1);
    assert_eq!(v["errors"]["school_unknown"], 1);
    assert_eq!(v["rows_valid"], 1);
}

#[test]
fn xlsx_in_and_xlsx_errors_out_with_highlighted_cells() {
    let d = tmp("xlsx");
    let x = ids(3);
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("学生").unwrap();
    for (c, h) in HEAD.split(',').enumerate() {
        ws.write_string(0, c as u16, h).unwrap();
    }
    let date = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    for (r, idn) in x.iter().enumerate() {
        let cells: Vec<String> = row(idn, "王五").split(',').map(String::from).collect();
        for (c, v) in cells.iter().enumerate() {
            let (rr, cc) = (r as u32 + 1, c as u16);
            match c {
                // Birth date as a real Excel date; grade and region as numbers.
                4 => {
                    let d = rust_xlsxwriter::ExcelDateTime::parse_from_str(v).unwrap();
                    ws.write_datetime_with_format(rr, cc, &d, &date).unwrap();
                }
                6 | 8 => {
                    ws.write_number(rr, cc, v.parse::<f64>().unwrap()).unwrap();
                }
                _ => {
                    ws.write_string(rr, cc, v).unwrap();
                }
            }
        }
    }
    ws.write_string(3, 3, "9").unwrap(); // third data row: a bad sex code
    let f = d.join("s.xlsx");
    wb.save(&f).unwrap();
    let errs = d.join("errors.xlsx");
    let (code, v) = json(&["validate", f.to_str().unwrap(), "--entity", "student", "--sheet", "学生", "--errors", errs.to_str().unwrap()]);
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["rows_read"], 3);
    assert_eq!(v["errors"]["gender_enum"], 1);
    assert_eq!(v["warnings"]["date_normalized"], 3);
    let (code, _, err) = tianfu(&["validate", f.to_str().unwrap(), "--entity", "student", "--sheet", "nope"]);
    assert_eq!(code, 2);
    assert!(err.contains("学生"), "{err}");
    // The error workbook reads back: header, one row, the line number and the original value.
    let mut book = ingest::xlsx::Workbook::open(&errs).unwrap();
    let mut rows = Vec::new();
    book.rows(None, |_, cells| {
        rows.push(cells.to_vec());
        true
    })
    .unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0][0], "行号");
    assert_eq!(rows[1][0], "4");
    assert_eq!(rows[1][1], "gender_enum");
    assert_eq!(rows[1][3 + 3], "9");
    // The offending cell carries a fill (a style other than the plain one).
    let styles = zip_entry(&errs, "xl/worksheets/sheet1.xml");
    assert!(styles.contains("r=\"G2\" s=\""), "the sex cell is styled");
}

fn zip_entry(path: &Path, name: &str) -> String {
    use std::io::Read;
    let mut z = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut s = String::new();
    z.by_name(name).unwrap().read_to_string(&mut s).unwrap();
    s
}

#[test]
fn xlsx_larger_than_the_pipeline_buffers_completes() {
    // More rows than the chunks in flight can hold: the collector must run beside the workers.
    let d = tmp("xlsx-big");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in HEAD.split(',').enumerate() {
        ws.write_string(0, c as u16, h).unwrap();
    }
    let n = 60_000u32;
    for r in 0..n {
        let idn = id(&format!("5101042010{:02}{:02}{:03}", 1 + r % 12, 1 + (r / 12) % 28, (r / 336) % 1000));
        for (c, v) in row(&idn, "赵六").split(',').enumerate() {
            ws.write_string(r + 1, c as u16, v).unwrap();
        }
    }
    let f = d.join("big.xlsx");
    wb.save(&f).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_tianfu"))
        .args(["validate", f.to_str().unwrap(), "--entity", "student", "--format", "json"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        assert!(started.elapsed().as_secs() < 120, "validate hung on a large XLSX");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["rows_read"], n);
    assert_eq!(v["rows_read"].as_u64(), Some(v["rows_valid"].as_u64().unwrap() + v["rows_rejected"].as_u64().unwrap()));
}
