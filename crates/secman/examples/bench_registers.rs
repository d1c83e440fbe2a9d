//! Province-scale benchmark of the inspections', ledger's and duty registers (issue 13: "every
//! register list and the overdue lists answer in < 100 ms p99 on 2 cores"), on SQLite and, when
//! `TIANFU_BENCH_DATABASE_URL` (or `TIANFU_TEST_DATABASE_URL`) names a PostgreSQL database, on
//! PostgreSQL in a schema of its own (dropped after; KEEP=1 keeps both).
//!
//! Seeded through the store traits on SQLite: UNITS schools (default 22,000) over the province's
//! 183 counties; one province-wide special inspection assigned to every school, answered and
//! submitted by most (ANSWERED per mille, default 850), one in six of those with one or two
//! not-compliant answers (a few thousand rectification items, due dates around today); one
//! responsibility checklist of ITEMS items (default 10) published to every school (220,000 item
//! rows), then put in mixed states by one bulk UPDATE (bench only); SOFTWARE entries per school
//! (default 5) and a check for most schools, spread over 18 months, so that many are overdue.
//! PostgreSQL gets the same rows, copied from SQLite in multi-row INSERTs.
//!
//! Then each figure RUNS times (default 200): p50, p99 and the first run (a remembered figure's
//! recount), with the load average. Usage: `make bench-registers`; `SMALL=1 make
//! bench-registers` (2,200 schools, 50 runs) for a quick run.

use standard::{Date, Entity};
use std::time::Instant;
use store::checks::{Answer, ChecklistItem, Checks, ItemKind, ItemQuery, NewInspection, Target, Verdict};
use store::ledger::{Category, Flag, Ledger, LicenceKind, NewCheck, NewChecklist, NewSoftware, SoftwareKind, SoftwareQuery, TemplateItem};
use store::mlps::MlpsSql;
use store::{AuditLog, Browse, Scope, Store};

trait Db: Store + Checks + Ledger + MlpsSql + AuditLog + Browse {}
impl<T: Store + Checks + Ledger + MlpsSql + AuditLog + Browse> Db for T {}

fn env(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

const TODAY: &str = "2026-12-07";
const T0: i64 = 1_796_000_000; // 2026-12-01

fn main() {
    let small = std::env::var("SMALL").is_ok();
    let units = env("UNITS", if small { 2_200 } else { 22_000 });
    let runs = env("RUNS", if small { 50 } else { 200 }).max(10);
    let items = env("ITEMS", 10);
    let software = env("SOFTWARE", 5);
    let answered = env("ANSWERED", 850);
    let dir = std::env::temp_dir().join(format!("tianfu-bench-registers-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let url = std::env::var("TIANFU_BENCH_DATABASE_URL").or_else(|_| std::env::var("TIANFU_TEST_DATABASE_URL")).ok();
    let schema = format!("tianfu_bench_registers_{}", std::process::id());
    let mut pg = None;
    let ids;
    {
        let mut s = store_sqlite::SqliteStore::open(&dir.join("t.db")).unwrap();
        s.set_audit_chain(store::audit::AuditChain::temporary());
        println!("== SQLite: {units} units, {items} checklist items each, {software} software entries each (load average {}) ==", load());
        let (schools, seeded) = seed(&mut s, units, items, software, answered);
        ids = seeded;
        if let Some(url) = &url {
            let (mut p, _) = store_postgres::PgStore::connect_with_schema_and_migrate(url, &schema).unwrap();
            p.set_audit_chain(store::audit::AuditChain::temporary());
            let t = Instant::now();
            seed_schools(&mut p, &schools);
            copy_registers(&mut s, &mut p);
            println!("seed PostgreSQL: {units} schools through the store, the registers copied from SQLite in {:.1} s", t.elapsed().as_secs_f64());
            pg = Some(p);
        }
        measure("SQLite", &mut s, runs, ids);
    }
    let keep = std::env::var("KEEP").is_ok();
    if keep {
        println!("kept: SQLite {}, PostgreSQL schema {schema}", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
    match (url, pg) {
        (Some(url), Some(mut p)) => {
            println!("== PostgreSQL: {units} units (load average {}) ==", load());
            measure("PostgreSQL", &mut p, runs, ids);
            drop(p);
            if !keep {
                postgres::Client::connect(&url, postgres::NoTls).unwrap().batch_execute(&format!("DROP SCHEMA \"{schema}\" CASCADE")).unwrap();
            }
        }
        _ => println!("PostgreSQL: skipped (set TIANFU_BENCH_DATABASE_URL)"),
    }
}

/// The 1-minute load average (the machine is shared: read the figures beside it).
fn load() -> String {
    std::fs::read_to_string("/proc/loadavg").ok().and_then(|l| l.split_whitespace().next().map(str::to_string)).unwrap_or_else(|| "?".into())
}

/// The tables written by the seeding, in the order their references need.
const COPIED: &[&str] = &["check_inspections", "check_assignments", "check_items", "duty_checklists", "duty_template_items", "duty_items", "software_assets", "software_checks"];

/// Copies the registers' rows from the SQLite store to PostgreSQL (bench only): the columns and
/// their types are PostgreSQL's, the values SQLite's, as literals in INSERTs of 1,000 rows.
fn copy_registers(from: &mut store_sqlite::SqliteStore, to: &mut store_postgres::PgStore) {
    to.mlps_batch("BEGIN").unwrap();
    for table in COPIED {
        let mut cols: Vec<(String, String)> = Vec::new();
        to.mlps_rows(
            "SELECT column_name::text, data_type::text FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
            vec![(*table).into()],
            &mut |r| {
                cols.push((r.string(0)?, r.string(1)?));
                Ok(())
            },
        )
        .unwrap();
        let names = cols.iter().map(|c| c.0.as_str()).collect::<Vec<_>>().join(", ");
        let mut rows: Vec<String> = Vec::new();
        from.mlps_rows(&format!("SELECT {names} FROM {table}"), vec![], &mut |r| {
            let mut v = Vec::with_capacity(cols.len());
            for (i, (_, kind)) in cols.iter().enumerate() {
                v.push(match kind.as_str() {
                    "boolean" => r.opt_bool(i)?.map_or("NULL".into(), |b| b.to_string()),
                    "bigint" | "integer" | "smallint" => r.opt_i64(i)?.map_or("NULL".into(), |n| n.to_string()),
                    _ => r.opt_string(i)?.map_or("NULL".into(), |t| format!("'{}'", t.replace('\'', "''"))),
                });
            }
            rows.push(format!("({})", v.join(", ")));
            Ok(())
        })
        .unwrap();
        for chunk in rows.chunks(1000) {
            to.mlps_batch(&format!("INSERT INTO {table} ({names}) VALUES {}", chunk.join(","))).unwrap();
        }
        if cols.iter().any(|c| c.0 == "id") {
            to.mlps_batch(&format!("SELECT setval(pg_get_serial_sequence('{table}', 'id'), GREATEST(1, (SELECT COALESCE(MAX(id), 0) FROM {table})))")).unwrap();
        }
    }
    to.mlps_batch("COMMIT; ANALYZE").unwrap();
}

fn plus(d: Date, n: i64) -> Date {
    Date::from_days_since_epoch(d.days_since_epoch() + n)
}

fn counties() -> Vec<u32> {
    standard::codes::DIVISIONS.counties_of(51).map(|d| d.code).collect()
}

fn seed_schools(s: &mut dyn Db, schools: &[(String, u32)]) {
    let t = Instant::now();
    let rows: Vec<Vec<String>> = schools.iter().map(|(code, county)| store::suite::school(code, &county.to_string(), &format!("学校{code}"))).collect();
    store::suite::import(s, Entity::School, "bench-schools", &rows);
    println!("seed: {} schools in {:.1} s", schools.len(), t.elapsed().as_secs_f64());
}

/// Seeds the registers through the store traits; returns the schools and (inspection, checklist).
fn seed(s: &mut dyn Db, units: usize, items: usize, software: usize, answered: usize) -> (Vec<(String, u32)>, (i64, i64)) {
    let counties = counties();
    let today = Date::parse_iso(TODAY).unwrap();
    let all = Scope::province(51);
    let schools: Vec<(String, u32)> = (0..units).map(|i| (format!("2{}{:03}", counties[i % counties.len()], i / counties.len()), counties[i % counties.len()])).collect();
    seed_schools(s, &schools);

    // The special inspection: every school, four yes/no items.
    let t = Instant::now();
    s.mlps_batch("BEGIN").unwrap();
    let sheet: Vec<ChecklistItem> = ["口令策略", "补丁更新", "数据备份", "日志留存"].iter().map(|x| ChecklistItem { text: x.to_string(), kind: ItemKind::YesNo, evidence_required: false }).collect();
    let ni = NewInspection { issuer_code: 510000, name: "全省网络安全专项检查".into(), basis: "省教育厅通知".into(), starts_on: plus(today, -60), deadline: plus(today, -10), rect_days: 30, items: sheet };
    let (insp, assigned) = s.create_inspection(&all, &ni, &Target::AllSchools, "bench", T0).unwrap();
    let (mut submitted, mut raised) = (0, 0);
    for (i, (code, _)) in schools.iter().enumerate() {
        if (i * 7919) % 1000 >= answered {
            continue;
        }
        let bad = if i % 6 == 0 { 1 + i % 2 } else { 0 };
        let answers: Vec<Answer> = (0..4u32)
            .map(|k| {
                let no = (k as usize) < bad;
                Answer { item: k, verdict: Some(if no { Verdict::NotCompliant } else { Verdict::Compliant }), note: if no { "未落实".into() } else { String::new() }, ..Default::default() }
            })
            .collect();
        let due = plus(today, (i as i64 % 90) - 45);
        s.save_answers(&all, insp.id, code.parse().unwrap(), &answers, Some(("张老师", "信息中心主任", due)), "bench", T0).unwrap();
        submitted += 1;
        raised += bad;
    }
    s.mlps_batch("COMMIT").unwrap();
    println!("seed: inspection assigned to {assigned} units, {submitted} submitted, {raised} rectification items in {:.1} s", t.elapsed().as_secs_f64());

    // The responsibility checklist: ITEMS items to every school, then mixed states.
    let t = Instant::now();
    s.mlps_batch("BEGIN").unwrap();
    let cats = [Category::Leadership, Category::Rules, Category::Technical, Category::Emergency, Category::Training];
    let nc = NewChecklist {
        region_code: 510000,
        year: 2026,
        title: "2026 年网络安全责任清单".into(),
        include_schools: true,
        items: (0..items).map(|k| TemplateItem { text: format!("责任事项 {}", k + 1), category: cats[k % cats.len()], evidence_required: k % 3 == 0 }).collect(),
    };
    let codes: Vec<i64> = schools.iter().map(|(c, _)| c.parse().unwrap()).collect();
    let list = s.publish_checklist(&all, &nc, &codes, "bench", T0).unwrap();
    // Mixed states (bench only, one statement): a unit's items settled in proportion to its
    // place, so that some units are complete and the regions' rates differ.
    let n = s
        .mlps_exec(
            "UPDATE duty_items SET status = CASE WHEN (unit_code % 10) > seq THEN 'done' WHEN (unit_code % 10) = seq THEN 'in_progress' WHEN unit_code % 17 = 0 THEN 'not_applicable' ELSE 'not_started' END WHERE checklist_id = ?1",
            vec![list.id.into()],
        )
        .unwrap();
    s.mlps_batch("COMMIT").unwrap();
    println!("seed: checklist to {} units, {n} item rows in {:.1} s", list.units, t.elapsed().as_secs_f64());

    // The software ledger: SOFTWARE entries per school, a check for nine in ten over 18 months.
    let t = Instant::now();
    s.mlps_batch("BEGIN").unwrap();
    let kinds = [SoftwareKind::Os, SoftwareKind::Office, SoftwareKind::Antivirus, SoftwareKind::Other];
    let lk = [LicenceKind::Commercial, LicenceKind::Procured, LicenceKind::OpenSource, LicenceKind::Free];
    let (mut entries, mut checks) = (0, 0);
    for (i, (code, _)) in schools.iter().enumerate() {
        let unit: i64 = code.parse().unwrap();
        for k in 0..software {
            let j = i * software + k;
            let n = NewSoftware {
                unit_code: unit,
                name: format!("软件{k}"),
                vendor: "厂商".into(),
                version: "1.0".into(),
                kind: kinds[j % kinds.len()],
                licence_kind: lk[j % lk.len()],
                licence_no: format!("L{j}"),
                licensed: 50,
                // One in 23 over-installed, expiry over ±2 years (some within 60 days).
                installed: if j % 23 == 0 { 60 } else { 40 },
                expires_on: (j % 3 != 0).then(|| plus(today, (j as i64 * 37) % 1460 - 730)),
                location: "机房".into(),
            };
            s.create_software(&all, &n, "bench", T0).unwrap();
            entries += 1;
        }
        if i % 10 != 0 {
            let on = plus(today, -((i as i64 * 13) % 548));
            let c = NewCheck { unit_code: unit, checked_on: on, checker: "李老师".into(), compliant: i % 4 != 0, problems: String::new() };
            s.add_check(&all, &c, plus(on, 365), "bench", T0).unwrap();
            checks += 1;
        }
    }
    s.mlps_batch("COMMIT").unwrap();
    println!("seed: {entries} software entries, {checks} checks in {:.1} s", t.elapsed().as_secs_f64());
    (schools, (insp.id, list.id))
}

/// Every figure RUNS times: p50, p99 and the first run (a remembered figure's recount).
fn measure(backend: &str, s: &mut dyn Db, runs: usize, (insp, list): (i64, i64)) {
    let counties = counties();
    let today = Date::parse_iso(TODAY).unwrap();
    let all = Scope::province(51);
    let county = Scope::Region { lo: counties[0], hi: counties[0] };
    let city = Scope::Region { lo: 510100, hi: 510199 };
    let mut time = |what: &str, f: &mut dyn FnMut(&mut dyn Db) -> usize| {
        let mut v = Vec::with_capacity(runs);
        let mut rows = 0;
        for _ in 0..runs {
            let t = Instant::now();
            rows = f(s);
            v.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        let first = v[0];
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        let p99 = v[(runs * 99 / 100).min(runs - 1)];
        println!("{backend:<10} {what:<46} rows {rows:>6}  p50 {:>7.2} ms  p99 {:>7.2} ms  first {first:>7.2} ms{}", v[runs / 2], p99, if p99 > 100.0 { "  (over 100 ms)" } else { "" });
    };
    time("inspection progress by region, province", &mut |s| s.progress(&all, insp, None, false, today).unwrap().len());
    time("inspection progress by region, a city", &mut |s| s.progress(&city, insp, None, false, today).unwrap().len());
    time("inspection progress, a county (by unit)", &mut |s| s.progress(&county, insp, None, true, today).unwrap().len());
    let iq = ItemQuery::on(today);
    time("rectification items, province (first page)", &mut |s| s.items(&all, &iq).unwrap().rows.len());
    time("rectification items, a county", &mut |s| s.items(&county, &iq).unwrap().rows.len());
    let oq = ItemQuery { overdue: true, ..ItemQuery::on(today) };
    time("rectification items overdue, province", &mut |s| s.items(&all, &oq).unwrap().rows.len());
    time("rectification items overdue, a county", &mut |s| s.items(&county, &oq).unwrap().rows.len());
    time("checklist completion by region, province", &mut |s| s.duty_completion(&all, list, None, false).unwrap().len());
    time("checklist completion by region, a city", &mut |s| s.duty_completion(&city, list, None, false).unwrap().len());
    time("checklist, a county's units", &mut |s| s.duty_completion(&county, list, None, true).unwrap().len());
    time("software checks by region, province", &mut |s| s.check_regions(&all, today).unwrap().len());
    time("software overdue units, province (200)", &mut |s| s.unit_checks(&all, None, Some(today), 200).unwrap().len());
    let fq = SoftwareQuery { flag: Some(Flag::OverInstalled), ..SoftwareQuery::on(today) };
    time("software flagged (over-installed), province", &mut |s| s.software_list(&all, &fq).unwrap().rows.len());
    time("software flagged (over-installed), a county", &mut |s| s.software_list(&county, &fq).unwrap().rows.len());
    let eq = SoftwareQuery { flag: Some(Flag::Expiring), ..SoftwareQuery::on(today) };
    time("software flagged (expiring), province", &mut |s| s.software_list(&all, &eq).unwrap().rows.len());
    time("software totals, province", &mut |s| s.software_totals(&all, &SoftwareQuery::on(today)).unwrap().entries as usize);
    println!("{backend:<10} load average after: {}", load());
}
