//! The generator's promise, checked end to end: validating the generated files with
//! `standard::RowChecker` (and duplicate detection on its keys) gives exactly what
//! `planted.json` says, and the output is deterministic.

use demo::{generate, planted, Expected, GenOptions, HeaderStyle, OutEncoding, Planted};
use standard::{Context, Date, Entity, RowChecker, SchoolCode, Warning};
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn today() -> Date {
    Date::new(2026, 11, 29).unwrap()
}

/// A scratch directory, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let p = std::env::temp_dir().join(format!("tianfu-demo-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        Scratch(p)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn opts(students: u64, seed: u64, error_rate: f64) -> GenOptions {
    GenOptions {
        error_rate,
        warning_rate: 0.01,
        ..GenOptions::new(students, seed, today())
    }
}

/// RFC 4180 records of the generator's own output: `\n` line ends, quotes only around fields.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    field.push('"');
                } else {
                    quoted = false;
                }
            } else {
                field.push(c);
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => quoted = true,
            ',' => record.push(std::mem::take(&mut field)),
            '\n' => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            _ => field.push(c),
        }
    }
    assert!(!quoted, "unclosed quote");
    assert!(
        field.is_empty() && record.is_empty(),
        "the last line must end with \\n"
    );
    records
}

fn read_records(path: &Path) -> Vec<Vec<String>> {
    parse_csv(&std::fs::read_to_string(path).unwrap())
}

/// Validates one file as the ingest pipeline would and reports in `planted.json`'s shape.
fn validate(path: &Path, entity: Entity, ctx: &Context, headers: HeaderStyle) -> Expected {
    let mut records = read_records(path).into_iter();
    let header = records.next().expect("header");
    let t = entity.template();
    let want: Vec<&str> = t
        .fields
        .iter()
        .map(|f| {
            if headers == HeaderStyle::Chinese {
                f.zh
            } else {
                f.key
            }
        })
        .collect();
    assert_eq!(header, want, "{}", path.display());
    let mut checker = RowChecker::new(entity, ctx.clone());
    let mut seen: HashSet<(u8, u128)> = HashSet::new();
    let mut got = Expected {
        entity: Some(entity),
        ..Expected::default()
    };
    let mut warnings = [0u64; 16];
    for (line, rec) in records.enumerate() {
        assert_eq!(rec.len(), t.fields.len(), "line {}", line + 2);
        let out = checker.check(rec.iter().map(String::as_str));
        let mut rules = out.rules;
        // Duplicates: a key seen before breaks its rule; the first occurrence does not.
        for k in &out.keys {
            if !seen.insert((k.slot, k.key)) {
                rules.insert(k.rule);
            }
        }
        for w in &out.warnings {
            for x in w.iter() {
                warnings[x as usize] += 1;
            }
        }
        got.rows += 1;
        if rules.is_empty() {
            got.rows_valid += 1;
        } else {
            got.rows_rejected += 1;
            for r in rules.iter() {
                *got.errors.entry(r.code().to_string()).or_default() += 1;
            }
        }
    }
    for w in Warning::ALL {
        if warnings[*w as usize] > 0 {
            got.warnings
                .insert(w.code().to_string(), warnings[*w as usize]);
        }
    }
    got
}

fn context(dir: &Path, today: Date) -> Context {
    let codes: HashSet<u64> = read_records(&dir.join("schools.csv"))
        .iter()
        .skip(1)
        .filter_map(|r| SchoolCode::parse(&r[0]).ok())
        .map(|c| c.value())
        .collect();
    Context {
        today,
        province: 51,
        schools: Some(Arc::new(codes)),
        scope: None,
    }
}

/// Generates, validates every file, and checks the result against planted.json.
fn assert_exact(o: &GenOptions, name: &str) -> Planted {
    let dir = Scratch::new(name);
    let summary = generate(o, &dir.0).unwrap();
    let planted = Planted::read(&dir.0.join("planted.json")).unwrap();
    assert_eq!(planted, summary.planted);
    // The expectation holds on the generation date and on any later one.
    let later = Date::from_days_since_epoch(o.today.days_since_epoch() + 500);
    for day in [o.today, later] {
        let ctx = context(&dir.0, day);
        for (file, entity) in [
            ("schools.csv", Entity::School),
            ("teachers.csv", Entity::Teacher),
            ("students.csv", Entity::Student),
        ] {
            let got = validate(&dir.0.join(file), entity, &ctx, o.headers);
            assert_eq!(got, planted.files[file], "{name}: {file} on {day}");
        }
    }
    assert_eq!(summary.schools, planted.files["schools.csv"].rows);
    assert_eq!(summary.teachers, planted.files["teachers.csv"].rows);
    assert_eq!(summary.students, o.students);
    planted
}

#[test]
fn validation_finds_exactly_what_was_planted() {
    let planted = assert_exact(&opts(20_000, 7, 0.05), "exact");
    for entity in Entity::ALL {
        let file = format!("{}s.csv", entity.key());
        let e = &planted.files[&file];
        for kind in planted::kinds(entity) {
            assert!(
                e.errors.get(kind.code()).copied().unwrap_or(0) >= 1,
                "{file}: no {}",
                kind.code()
            );
        }
        assert_eq!(
            e.errors.len(),
            planted::kinds(entity).len(),
            "{file}: {:?}",
            e.errors
        );
        // Each planted row breaks one rule.
        assert_eq!(e.errors.values().sum::<u64>(), e.rows_rejected);
    }
    let students = &planted.files["students.csv"];
    assert_eq!(students.rows, 20_000);
    assert_eq!(students.rows_rejected, 1000);
    let teachers = &planted.files["teachers.csv"];
    assert_eq!(teachers.rows, 1200);
    assert!(planted.files["schools.csv"].rows_valid >= 29);
}

#[test]
fn exact_for_other_dates_sizes_and_rates() {
    // Before 1 September the school year under way began the year before.
    let spring = GenOptions {
        today: Date::new(2025, 3, 1).unwrap(),
        warning_rate: 0.3,
        ..opts(3_000, 3, 0.2)
    };
    let p = assert_exact(&spring, "spring");
    for w in Warning::ALL.iter().take(4) {
        assert!(
            p.files["students.csv"].warnings.contains_key(w.code()),
            "{}",
            w.code()
        );
        assert!(
            p.files["teachers.csv"].warnings.contains_key(w.code()),
            "{}",
            w.code()
        );
    }
    assert_exact(
        &GenOptions {
            headers: HeaderStyle::English,
            ..opts(500, 11, 1.0)
        },
        "all-bad",
    );
    for n in [0, 1, 7, 60] {
        assert_exact(&opts(n, n + 100, 0.05), &format!("tiny-{n}"));
    }
}

#[test]
fn clean_run_has_no_errors_and_unique_ids() {
    let o = GenOptions {
        warning_rate: 0.0,
        ..opts(10_000, 42, 0.0)
    };
    let p = assert_exact(&o, "clean");
    for e in p.files.values() {
        assert_eq!(e.rows_rejected, 0);
        assert!(e.warnings.is_empty());
    }
    let dir = Scratch::new("clean-ids");
    generate(&o, &dir.0).unwrap();
    let mut ids = HashSet::new();
    let mut n = 0;
    for (file, id_type, id) in [("teachers.csv", 0, 1), ("students.csv", 1, 2)] {
        for r in read_records(&dir.0.join(file)).iter().skip(1) {
            if r[id_type] == "1" {
                assert!(ids.insert(r[id].clone()), "{} repeats", r[id]);
                n += 1;
            }
        }
    }
    assert!(n > 10_000, "{n}");
    // Every pupil and teacher is at a school of the register; pupils' 学籍号 are unique.
    let codes: HashSet<String> = read_records(&dir.0.join("schools.csv"))
        .iter()
        .skip(1)
        .map(|r| r[0].clone())
        .collect();
    let sids: HashSet<String> = read_records(&dir.0.join("students.csv"))
        .iter()
        .skip(1)
        .map(|r| r[0].clone())
        .collect();
    assert_eq!(sids.len(), 10_000);
    for r in read_records(&dir.0.join("students.csv")).iter().skip(1) {
        assert!(codes.contains(&r[8]));
    }
}

fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    [
        "schools.csv",
        "teachers.csv",
        "students.csv",
        "planted.json",
    ]
    .iter()
    .map(|f| (f.to_string(), std::fs::read(dir.join(f)).unwrap()))
    .collect()
}

#[test]
fn same_options_same_bytes() {
    let (a, b, c) = (
        Scratch::new("det-a"),
        Scratch::new("det-b"),
        Scratch::new("det-c"),
    );
    let o = opts(5_000, 99, 0.05);
    generate(&o, &a.0).unwrap();
    generate(&o, &b.0).unwrap();
    generate(&opts(5_000, 100, 0.05), &c.0).unwrap();
    assert_eq!(files(&a.0), files(&b.0));
    assert_ne!(files(&a.0)["students.csv"], files(&c.0)["students.csv"]);
    let text = String::from_utf8(files(&a.0)["students.csv"].clone()).unwrap();
    assert!(!text.starts_with('\u{feff}') && !text.contains('\r'));
}

#[test]
fn gbk_output_decodes_to_the_utf8_output() {
    let (u, g) = (Scratch::new("enc-utf8"), Scratch::new("enc-gbk"));
    let o = GenOptions {
        warning_rate: 0.2,
        ..opts(4_000, 5, 0.05)
    };
    generate(&o, &u.0).unwrap();
    generate(
        &GenOptions {
            encoding: OutEncoding::Gbk,
            ..o.clone()
        },
        &g.0,
    )
    .unwrap();
    let (fu, fg) = (files(&u.0), files(&g.0));
    for f in ["schools.csv", "teachers.csv", "students.csv"] {
        let (text, had_errors) = encoding_rs::GBK.decode_without_bom_handling(&fg[f]);
        assert!(!had_errors, "{f}");
        assert_eq!(text.as_bytes(), &fu[f][..], "{f}");
        assert_ne!(fg[f], fu[f], "{f} should hold Chinese text");
    }
    // The expectations do not depend on the encoding.
    let (pu, pg) = (
        Planted::read(&u.0.join("planted.json")).unwrap(),
        Planted::read(&g.0.join("planted.json")).unwrap(),
    );
    assert_eq!(pu.files, pg.files);
    assert_eq!(pg.encoding, "gbk");
}

#[test]
fn rejects_bad_rates() {
    let dir = Scratch::new("bad");
    assert!(generate(&opts(10, 1, 1.5), &dir.0).is_err());
    assert!(generate(
        &GenOptions {
            warning_rate: f64::NAN,
            ..opts(10, 1, 0.0)
        },
        &dir.0
    )
    .is_err());
}

/// The same exactness check at scale: `DEMO_STUDENTS=1000000 cargo test --release -p demo --
/// --ignored large` (default 1,000,000 pupils).
#[test]
#[ignore]
fn large_province_is_exact() {
    let n = std::env::var("DEMO_STUDENTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let o = opts(n, 2024, 0.02);
    let start = std::time::Instant::now();
    let dir = Scratch::new("large-timing");
    generate(&o, &dir.0).unwrap();
    eprintln!(
        "generated {n} pupils in {:.2} s",
        start.elapsed().as_secs_f64()
    );
    drop(dir);
    assert_exact(&o, "large");
}
