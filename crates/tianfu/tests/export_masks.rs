//! `tianfu export` (issue 10): a masked export masks every personal field exactly as the console
//! and the API do (`store::mask`, one function per kind of field) — so it never holds a birth date
//! (the hidden 8 digits of the ID number) or a full name — and its CSV cells cannot start a
//! formula in a spreadsheet; an unmasked export imports back unchanged. On SQLite, and on
//! PostgreSQL when TIANFU_TEST_DATABASE_URL is set.

mod common;
use common::{data_dir_for, tianfu};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use store::{Entity, RecordFilter, Store};

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("tianfu-export-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A database: a SQLite file, or a PostgreSQL schema of its own (dropped at the end).
struct Db {
    url: String,
    pg: Option<(String, String)>,
}

impl Db {
    fn sqlite(path: &Path) -> Db {
        Db { url: path.to_str().unwrap().to_string(), pg: None }
    }

    fn postgres(tag: &str) -> Option<Db> {
        let base = store_postgres::testing::database_url()?;
        let schema = format!("export_{}_{tag}", std::process::id());
        let sep = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{sep}options=-csearch_path%3D{schema}");
        let mut c = postgres::Client::connect(&base, postgres::NoTls).unwrap();
        c.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")).unwrap();
        let (code, _, err) = tianfu(&["migrate", "--db", &url]);
        assert_eq!(code, 0, "{err}");
        Some(Db { url, pg: Some((base, schema)) })
    }

    fn store(&self) -> Box<dyn Store> {
        match &self.pg {
            Some(_) => Box::new(store_postgres::PgStore::connect(&self.url).unwrap()),
            None => Box::new(store_sqlite::SqliteStore::open(Path::new(&self.url)).unwrap()),
        }
    }

    fn import(&self, file: &Path, entity: &str) {
        let (code, out, err) = tianfu(&["import", file.to_str().unwrap(), "--entity", entity, "--db", &self.url, "--format", "json"]);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out} {err}"));
        assert_eq!((code, v["rejected"].as_u64()), (0, Some(0)), "{file:?}: {out}");
    }

    /// Every stored record of `entity`, in key order.
    fn records(&self, entity: Entity) -> Vec<Vec<String>> {
        let mut out = Vec::new();
        self.store()
            .export(entity, &RecordFilter::default(), &mut |v| {
                out.push(v.to_vec());
                Ok(())
            })
            .unwrap();
        out
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        if let Some((base, schema)) = &self.pg {
            if let Ok(mut c) = postgres::Client::connect(base, postgres::NoTls) {
                let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
            }
        }
        let _ = std::fs::remove_dir_all(data_dir_for(&self.url));
    }
}

fn id(body17: &str) -> String {
    format!("{body17}{}", standard::ids::id_check_char(body17.as_bytes()) as char)
}

/// A CSV text's data rows, each cell as a spreadsheet would read it (quotes undone, nothing else).
fn cells(csv: &str) -> Vec<Vec<String>> {
    let data = csv.trim_start_matches('\u{feff}').as_bytes();
    let mut p = ingest::csv::Parser::new(data, b',', 1);
    let mut rec = ingest::csv::Record::default();
    let mut rows = Vec::new();
    while p.next_into(&mut rec) {
        rows.push((0..rec.len()).map(|i| String::from_utf8(rec.field(i).to_vec()).unwrap()).collect());
    }
    rows.remove(0); // the header
    rows
}

/// The demo's first school, and students and teachers of it whose values start formulas.
fn hostile(dir: &Path, demo: &Path) -> (PathBuf, PathBuf) {
    let schools = std::fs::read_to_string(demo.join("schools.csv")).unwrap();
    let school = schools.lines().nth(1).unwrap().trim_start_matches('\u{feff}').split(',').next().unwrap().to_string();
    let mut s = String::from("学籍号,身份证件号,姓名,性别码,出生日期,民族码,行政区划码,学校标识码,年级,班级,入学年月,监护人电话,现住址\n");
    let values = ["=HYPERLINK(\"\"http://x.example/\"\",\"\"点我\"\")", "+1+1", "-2", "@SUM(A1)", "＝1+1", "'=已有撇号"];
    let short = ["=2+3", "+1+1", "-2", "@SUM(A1)", "＝1+1", "'=撇号"];
    for (n, v) in values.iter().enumerate() {
        let c = short[n];
        let idn = id(&format!("51010420110507{n:03}"));
        let g = if n % 2 == 1 { 1 } else { 2 };
        s.push_str(&format!("G{idn},{idn},欧阳明{n},{g},2011-05-07,01,510104,{school},15,\"{c}\",2017-09,1380000000{n},\"{v}成都市锦江区某街{n}号\"\n"));
    }
    let sp = dir.join("hostile-students.csv");
    std::fs::write(&sp, s).unwrap();
    let mut t = String::from("身份证件号,姓名,性别码,出生日期,学校标识码,任教学科,手机号码,专业技术职务\n");
    for (n, v) in short.iter().enumerate() {
        let idn = id(&format!("51010419850312{n:03}"));
        let g = if n % 2 == 1 { 1 } else { 2 };
        t.push_str(&format!("{idn},司马光{n},{g},1985-03-12,{school},\"{v}\",1390000000{n},一级教师\n"));
    }
    let tp = dir.join("hostile-teachers.csv");
    std::fs::write(&tp, t).unwrap();
    (sp, tp)
}

fn check(db: &Db, dir: &Path, tag: &str) {
    for entity in [Entity::Student, Entity::Teacher, Entity::School] {
        let stored = db.records(entity);
        assert!(stored.len() > if entity == Entity::School { 0 } else { 6 }, "{entity}");
        let t = entity.template();
        let col = |k: &str| t.index(k).unwrap();
        let (code, out, err) = tianfu(&["export", "--entity", entity.key(), "--db", &db.url]);
        assert_eq!(code, 0, "{err}");
        let rows = cells(&out);
        assert_eq!(rows.len(), stored.len());
        let personal: Vec<usize> = (0..t.fields.len()).filter(|&i| store::mask::is_personal(entity, t.fields[i].key)).collect();
        if entity != Entity::School {
            assert!(personal.contains(&col("birth_date")) && personal.contains(&col("name")) && personal.contains(&col("id_number")));
        }
        for (row, v) in rows.iter().zip(&stored) {
            for (i, f) in t.fields.iter().enumerate() {
                // One function: the cell is exactly what the console and the API show.
                let want = store::mask::field(entity, f.key, &v[i]);
                assert_eq!(ingest::formula::restore(&row[i]), want, "{entity} {}", f.key);
                assert!(!row[i].starts_with(['=', '+', '-', '@', '\t', '\r', '＝', '＋', '－', '＠']), "{entity} {}: {:?} starts a formula", f.key, row[i]);
            }
            if entity != Entity::School {
                // Nothing of the birth date past the year (the ID number's hidden 8 digits), no full name.
                let line = row.join(",");
                let birth = &v[col("birth_date")];
                let idn = &v[col("id_number")];
                for hidden in [birth.clone(), birth.replace('-', ""), idn.get(6..14).unwrap_or("~").to_string()] {
                    assert!(hidden.len() < 8 || !line.contains(&hidden), "{entity} {tag}: {hidden} in {line}");
                }
                assert!(!line.contains(&v[col("name")]), "{entity}: the full name in {line}");
            }
        }
    }
    // The unmasked export imports back unchanged, formula-looking values included.
    let copy = Db::sqlite(&dir.join(format!("copy-{tag}.db")));
    for entity in [Entity::School, Entity::Teacher, Entity::Student] {
        let (code, out, err) = tianfu(&["export", "--entity", entity.key(), "--db", &db.url, "--unmasked"]);
        assert_eq!(code, 0, "{err}");
        assert!(out.contains(if entity == Entity::Teacher { ",'=2+3," } else { "\"'=HYPERLINK(" }) || entity == Entity::School, "{entity}: the mark is in the file");
        let f = dir.join(format!("{}-{tag}.csv", entity.key()));
        std::fs::write(&f, out).unwrap();
        copy.import(&f, entity.key());
        let (a, b) = (db.records(entity), copy.records(entity));
        let by_key = |v: &Vec<Vec<String>>| v.iter().map(|r| (r.join("\u{1}"), ())).collect::<HashMap<_, _>>();
        assert_eq!(a.len(), b.len(), "{entity}");
        assert_eq!(by_key(&a), by_key(&b), "{entity}: the round trip changed a record");
    }
}

#[test]
fn masked_export_is_the_consoles_mask_and_csv_cells_cannot_start_formulas() {
    let dir = tmp("masks");
    let demo = dir.join("demo");
    let (code, _, err) = tianfu(&["demo", "generate", "--students", "300", "--seed", "5", "--error-rate", "0", "--out", demo.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let (hs, ht) = hostile(&dir, &demo);
    let mut dbs = vec![("sqlite", Db::sqlite(&dir.join("t.db")))];
    dbs.extend(Db::postgres("masks").map(|d| ("postgres", d)));
    for (tag, db) in &dbs {
        db.import(&demo.join("schools.csv"), "school");
        db.import(&demo.join("teachers.csv"), "teacher");
        db.import(&demo.join("students.csv"), "student");
        db.import(&hs, "student");
        db.import(&ht, "teacher");
        check(db, &dir, tag);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Error files are CSV outputs too: a rejected row's formula-looking cells are marked in
/// `validate --errors x.csv` and `batches show --errors x.csv`.
#[test]
fn error_csvs_cannot_start_formulas() {
    let dir = tmp("errors");
    let head = "学籍号,身份证件号,姓名,性别码,出生日期,民族码,行政区划码,学校标识码,年级,班级,入学年月,监护人电话,现住址";
    let bad = "=HYPERLINK(\"\"http://x.example/\"\",\"\"点我\"\")";
    let f = dir.join("s.csv");
    std::fs::write(&f, format!("{head}\n\"{bad}\",-1,@SUM(A1),+1,2011-05-07,01,510104,2151010401,15,＝1,2017-09,-13800000000,\"{bad}\"\n")).unwrap();
    let e1 = dir.join("validate-errors.csv");
    let (code, _, err) = tianfu(&["validate", f.to_str().unwrap(), "--entity", "student", "--errors", e1.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    let mut files = vec![e1];
    let mut dbs = vec![("sqlite", Db::sqlite(&dir.join("t.db")))];
    dbs.extend(Db::postgres("errors").map(|d| ("postgres", d)));
    for (tag, db) in &dbs {
        let (_, out, err) = tianfu(&["import", f.to_str().unwrap(), "--entity", "student", "--db", &db.url, "--format", "json"]);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out} {err}"));
        let e2 = dir.join(format!("batch-errors-{tag}.csv"));
        let (code, _, err) = tianfu(&["batches", "show", &v["batch_id"].to_string(), "--errors", e2.to_str().unwrap(), "--db", &db.url]);
        assert_eq!(code, 0, "{err}");
        files.push(e2);
    }
    for e in files {
        let text = std::fs::read_to_string(&e).unwrap();
        let rows = cells(&text);
        assert_eq!(rows.len(), 1, "{text}");
        let row = &rows[0];
        for c in row {
            assert!(!c.starts_with(['=', '+', '-', '@', '\t', '\r', '＝', '＋', '－', '＠']), "{e:?}: {c:?} starts a formula");
        }
        for want in ["'=HYPERLINK(\"http://x.example/\",\"点我\")", "'-1", "'@SUM(A1)", "'+1", "'＝1", "'-13800000000"] {
            assert!(row.iter().any(|c| c == want), "{e:?}: no cell {want:?} in {row:?}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
