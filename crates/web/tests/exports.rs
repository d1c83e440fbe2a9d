//! Exports of the console's lists and the 统计报表: a county officer's export holds exactly the
//! county, masked by default, recorded in the audit log with its rows; CSV cells cannot start
//! formulas; an unmasked export needs a role that may reveal, a confirmation and the session's
//! CSRF token. On SQLite, and on PostgreSQL when TIANFU_TEST_DATABASE_URL is set.

mod common;

use axum::http::StatusCode;
use common::*;
use std::collections::HashSet;
use store::{AuditFilter, Entity, SchoolQuery, Scope};

/// RFC 4180 rows of a CSV text (quoted fields, doubled quotes), without its BOM.
fn csv_rows(text: &str) -> Vec<Vec<String>> {
    let text = text.strip_prefix('\u{feff}').expect("a BOM for Excel and WPS");
    let mut rows = Vec::new();
    let (mut row, mut cell, mut quoted) = (Vec::new(), String::new(), false);
    let mut it = text.chars().peekable();
    while let Some(c) = it.next() {
        match (c, quoted) {
            ('"', true) if it.peek() == Some(&'"') => {
                cell.push('"');
                it.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => row.push(std::mem::take(&mut cell)),
            ('\r', false) => {}
            ('\n', false) => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (c, _) => cell.push(c),
        }
    }
    assert!(row.is_empty() && cell.is_empty(), "the file ends with a line break");
    rows
}

/// The rows of an XLSX's first sheet, read back with the importer's own reader.
fn xlsx_rows(env: &Env, bytes: &[u8]) -> Vec<Vec<String>> {
    let path = env.dir.0.join(format!("export-{}.xlsx", bytes.len()));
    std::fs::write(&path, bytes).unwrap();
    let mut wb = ingest::xlsx::Workbook::open(&path).expect("a workbook");
    wb.collect(None, 1_000_000, 1 << 30).unwrap().into_iter().map(|(_, r)| r).collect()
}

/// The newest `export` entries with this outcome, newest first.
fn exports(env: &Env, actor: &str, outcome: &str) -> Vec<serde_json::Value> {
    with_store(env, |s| s.audit_entries(&AuditFilter { action: Some("export".into()), actor: Some(actor.into()), limit: 100, ..Default::default() }).unwrap())
        .into_iter()
        .filter(|e| e.outcome == outcome)
        .map(|e| serde_json::from_str(&e.detail).unwrap())
        .collect()
}

fn col(entity: Entity, key: &str) -> usize {
    entity.template().index(key).unwrap()
}

async fn county_exports(env: Env) {
    let p = env.places.clone();
    let a = login(&env, "county", PASSWORD).await;
    let county = Scope::Region { lo: p.county, hi: p.county };
    let want: u64 = with_store(&env, |s| s.grade_counts(&county).unwrap().iter().map(|g| g.students).sum());
    let schools: HashSet<String> = with_store(&env, |s| s.schools(&county, &SchoolQuery { limit: 500, ..Default::default() }).unwrap().rows.into_iter().map(|r| r.key).collect());
    assert!(want > 100, "{want}");

    // CSV: the county's students, every one, masked.
    let r = send(&env, "GET", "/export/students?format=csv", &a, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let rows = csv_rows(&r.body);
    let t = Entity::Student.template();
    assert_eq!(rows[0], t.fields.iter().map(|f| f.zh.to_string()).collect::<Vec<_>>(), "the template's Chinese headers");
    assert_eq!(rows.len() as u64 - 1, want, "exactly the county's students");
    let (sc, id, name, sid) = (col(Entity::Student, "school_code"), col(Entity::Student, "id_number"), col(Entity::Student, "name"), col(Entity::Student, "student_id"));
    for row in &rows[1..] {
        assert!(schools.contains(&row[sc]), "a school outside the county: {}", row[sc]);
        assert!(row[id].is_empty() || row[id].contains("********"), "ID number masked: {}", row[id]);
        assert!(row[name].ends_with('*'), "name masked: {}", row[name]);
    }
    let e = &exports(&env, "county", "ok")[0];
    assert_eq!((e["list"].as_str(), e["format"].as_str(), e["masked"].as_bool(), e["rows"].as_u64()), (Some("students"), Some("csv"), Some(true), Some(want)));
    assert_eq!(exports(&env, "county", "started")[0]["rows"], 0, "recorded before the first row");

    // XLSX with a filter: one school, masked, read back by the importer's reader.
    let r = send(&env, "GET", &format!("/export/students?format=xlsx&school={}", p.school), &a, None).await;
    assert_eq!(r.status, StatusCode::OK);
    let cd = with_headers(&env, &a, &format!("/export/students?format=xlsx&school={}", p.school)).await;
    assert!(cd.contains("filename*=UTF-8''%E5%AD%A6%E7%94%9F_") && cd.ends_with(".xlsx"), "a Chinese file name: {cd}");
    let rows = xlsx_rows(&env, &r.bytes);
    let in_school = with_store(&env, |s| s.grade_counts(&Scope::School { code: p.school.clone(), county: p.county }).unwrap().iter().map(|g| g.students).sum::<u64>());
    assert_eq!(rows.len() as u64 - 1, in_school);
    assert!(rows[1..].iter().all(|r| r[sc] == p.school && (r[id].is_empty() || r[id].contains("********"))));
    assert!(rows[1..].iter().any(|r| r[id].contains("********")));
    let e = &exports(&env, "county", "ok")[0];
    assert_eq!((e["format"].as_str(), e["rows"].as_u64(), e["filter"]["school"].as_str()), (Some("xlsx"), Some(in_school), Some(p.school.as_str())));

    // Another county's region filter gives nothing of it.
    let r = send(&env, "GET", &format!("/export/teachers?format=csv&region={}", p.other_county), &a, None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(csv_rows(&r.body).len(), 1, "the header only");

    // The province's students: many pages of the keyset listing, none twice, none left out.
    let prov = login(&env, "prov", PASSWORD).await;
    let all: u64 = with_store(&env, |s| s.grade_counts(&common::PROVINCE).unwrap().iter().map(|g| g.students).sum());
    assert!(all > 5 * store::browse::MAX_PAGE as u64, "{all}");
    let rows = csv_rows(&send(&env, "GET", "/export/students?format=csv", &prov, None).await.body);
    assert_eq!(rows.len() as u64 - 1, all);
    let full = format!("_csrf={}&format=csv", prov.csrf.clone().unwrap());
    let rows = csv_rows(&send(&env, "POST", "/export/students/full", &prov, Some(&full)).await.body);
    assert_eq!(rows[1..].iter().map(|r| r[sid].clone()).collect::<HashSet<_>>().len() as u64, all, "every student once");

    // The unmasked export: a confirmation first, then the form with the session's token.
    let page = send(&env, "GET", &format!("/export/students/full?school={}", p.school), &a, None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("export-confirm-form") && page.body.contains(&format!("name=\"school\" value=\"{}\"", p.school)));
    let body = form(&[("format", "csv"), ("school", &p.school)]);
    assert_eq!(send(&env, "POST", "/export/students/full", &Auth { csrf: None, ..a.clone() }, Some(&body)).await.status, StatusCode::FORBIDDEN, "no CSRF token");
    let r = send(&env, "POST", "/export/students/full", &a, Some(&format!("_csrf={}&{body}", a.csrf.clone().unwrap()))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let rows = csv_rows(&r.body);
    assert_eq!(rows.len() as u64 - 1, in_school);
    assert!(rows[1..].iter().any(|r| r[id].len() == 18 && !r[id].contains('*')), "ID numbers in full");
    let e = &exports(&env, "county", "ok")[0];
    assert_eq!((e["masked"].as_bool(), e["rows"].as_u64()), (Some(false), Some(in_school)));
    // Unmasked is only for people.
    assert_eq!(send(&env, "GET", "/export/schools/full", &a, None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(send(&env, "GET", "/export/nothing?format=csv", &a, None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(send(&env, "GET", "/export/students?format=pdf", &a, None).await.status, StatusCode::BAD_REQUEST);

    // Roles that may not reveal: refused, and nothing recorded as exported.
    let api = Auth { bearer: Some(env.token.clone()), ..Default::default() };
    assert_eq!(send(&env, "GET", "/export/students/full", &api, None).await.status, StatusCode::FORBIDDEN);
    assert_eq!(send(&env, "POST", "/export/students/full", &api, Some("format=csv")).await.status, StatusCode::FORBIDDEN);
    assert!(exports(&env, "api", "started").is_empty());
    let sec = login(&env, "sec", PASSWORD).await;
    assert_eq!(send(&env, "GET", "/export/students?format=csv", &sec, None).await.status, StatusCode::FORBIDDEN);
    let r = send(&env, "POST", "/export/students/full", &sec, Some(&format!("_csrf={}&format=csv", sec.csrf.clone().unwrap()))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

/// The header a download carries, read through the router.
async fn with_headers(env: &Env, a: &Auth, uri: &str) -> String {
    use tower::ServiceExt;
    let req = axum::http::Request::builder().uri(uri).header("cookie", a.cookie.clone().unwrap()).body(axum::body::Body::empty()).unwrap();
    let r = env.app.router.clone().oneshot(req).await.unwrap();
    r.headers().get("content-disposition").unwrap().to_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn county_exports_sqlite() {
    county_exports(sqlite("exports")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn county_exports_postgres() {
    let Some(env) = blocking(|| postgres("exports")) else { return };
    county_exports(env).await;
}

/// The unmasked export for every role: only roles that may reveal, each exactly its area.
async fn unmasked_by_role(env: Env) {
    let p = env.places.clone();
    for (name, role) in accounts() {
        let a = login(&env, name, PASSWORD).await;
        let r = send(&env, "POST", "/export/teachers/full", &a, Some(&format!("_csrf={}&format=csv", a.csrf.clone().unwrap()))).await;
        if !role.may_reveal() {
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{name}");
            assert!(exports(&env, name, "started").is_empty(), "{name}: a refused export is not begun");
            continue;
        }
        assert_eq!(r.status, StatusCode::OK, "{name}");
        let area = match role {
            store::Role::CityOfficer => Scope::Region { lo: p.city, hi: p.city + 99 },
            store::Role::CountyOfficer => Scope::Region { lo: p.county, hi: p.county },
            store::Role::SchoolAdmin => Scope::School { code: p.school.clone(), county: p.county },
            _ => common::PROVINCE,
        };
        let want = with_store(&env, |s| {
            let (mut n, mut q) = (0u64, store::PersonQuery { limit: 500, ..Default::default() });
            loop {
                let page = s.people(&area, Entity::Teacher, &q).unwrap();
                n += page.rows.len() as u64;
                match page.next {
                    Some(c) => q.after = Some(c),
                    None => return n,
                }
            }
        });
        let rows = csv_rows(&r.body);
        assert_eq!(rows.len() as u64 - 1, want, "{name}: exactly the teachers of the area");
        let id = col(Entity::Teacher, "id_number");
        assert!(rows[1..].iter().all(|r| !r[id].contains('*')), "{name}: in full");
        let e = &exports(&env, name, "ok")[0];
        assert_eq!((e["masked"].as_bool(), e["rows"].as_u64()), (Some(false), Some(rows.len() as u64 - 1)));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unmasked_by_role_sqlite() {
    unmasked_by_role(sqlite("exports-roles")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unmasked_by_role_postgres() {
    let Some(env) = blocking(|| postgres("exports-roles")) else { return };
    unmasked_by_role(env).await;
}

/// Sites, alerts, the audit log, batches and the report: each scoped as its page.
async fn other_lists(env: Env) {
    let p = env.places.clone();
    // A site whose name a spreadsheet would run: the CSV cell carries the apostrophe.
    with_store(&env, |s| {
        let site = store::monitor::NewSite { name: "=HYPERLINK(\"http://x.test\",\"点击\")".into(), url: "https://formula.example.edu.cn/".into(), org_code: p.school.parse().unwrap(), category: store::monitor::SiteCategory::School, interval_minutes: 30 };
        s.create_site(&Scope::all(), &site, store::time::unix_now()).unwrap();
    });
    let county = login(&env, "county", PASSWORD).await;
    let r = send(&env, "GET", "/export/sites?format=csv&all=1", &county, None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("\"'=HYPERLINK(\"\"http://x.test\"\",\"\"点击\"\")\""), "formula guarded: {}", r.body);
    let rows = csv_rows(&r.body);
    assert_eq!(rows.len(), 3, "the county's two sites, not the other city's: {rows:?}");
    assert!(!r.body.contains("外市学校门户网站"));
    // Alerts: the county's only.
    let rows = csv_rows(&send(&env, "GET", "/export/alerts?format=csv&state=all", &county, None).await.body);
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0][1], "网站");
    assert_eq!(rows[1][1], "本县学校门户网站");
    let prov = login(&env, "prov", PASSWORD).await;
    let rows = xlsx_rows(&env, &send(&env, "GET", "/export/alerts?format=xlsx&state=all", &prov, None).await.bytes);
    assert_eq!(rows.len(), 3, "the province sees both alerts");
    // The list's own filters: no alert is closed yet.
    let rows = csv_rows(&send(&env, "GET", "/export/alerts?format=csv&state=closed", &prov, None).await.body);
    assert_eq!(rows.len(), 1, "the header only: {rows:?}");
    assert_eq!(send(&env, "GET", "/export/alerts?format=csv&level=bogus", &prov, None).await.status, StatusCode::BAD_REQUEST);
    // Batches: the province administrator's (the demo import was theirs); a county officer has none.
    let rows = csv_rows(&send(&env, "GET", "/export/batches?format=csv", &prov, None).await.body);
    assert_eq!(rows.len(), 5, "four imports (the conditions too): {rows:?}");
    assert_eq!(csv_rows(&send(&env, "GET", "/export/batches?format=csv", &county, None).await.body).len(), 1);
    // The audit log: the auditor's, with the exports above in it, in Chinese.
    let aud = login(&env, "aud", PASSWORD).await;
    assert_eq!(send(&env, "GET", "/export/audit?format=csv", &county, None).await.status, StatusCode::FORBIDDEN);
    let r = send(&env, "GET", "/export/audit?format=csv&action=export", &aud, None).await;
    let rows = csv_rows(&r.body);
    assert!(rows.len() > 5, "{rows:?}");
    assert!(rows[1..].iter().all(|r| r[3] == "导出"), "{rows:?}");
    assert!(rows[1..].iter().any(|r| r[7] == "开始") && rows[1..].iter().any(|r| r[7] == "成功"));

    // 统计报表: the county officer's county and the total; the province's cities with subtotals.
    let r = send(&env, "GET", "/overview/report.xlsx", &county, None).await;
    assert_eq!(r.status, StatusCode::OK);
    let rows = xlsx_rows(&env, &r.bytes);
    let head = rows.iter().position(|r| r.first().map(String::as_str) == Some("地区代码")).unwrap();
    assert_eq!(rows[head][..9], ["地区代码", "地区", "学校数", "教师数", "学生数", "小学", "初中", "高中", "未填年级"]);
    let body = &rows[head + 1..];
    assert_eq!(body.len(), 2, "{body:?}");
    assert_eq!(body[0][0], p.county.to_string());
    assert_eq!(body[1][1], "合计");
    let want: u64 = with_store(&env, |s| s.grade_counts(&Scope::Region { lo: p.county, hi: p.county }).unwrap().iter().map(|g| g.students).sum());
    assert_eq!(body[1][4], want.to_string());
    let stages: u64 = body[1][5..9].iter().map(|v| v.parse::<u64>().unwrap()).sum();
    assert_eq!(stages, want, "the stages add up to the students");
    let rows = xlsx_rows(&env, &send(&env, "GET", "/overview/report.xlsx", &prov, None).await.bytes);
    let subtotals = rows.iter().filter(|r| r.get(1).is_some_and(|n| n.ends_with(" 小计"))).count();
    assert!(subtotals >= 2, "a subtotal per city: {rows:?}");
    let total = rows.last().unwrap();
    assert_eq!(total[1], "合计");
    let all: u64 = with_store(&env, |s| s.grade_counts(&common::PROVINCE).unwrap().iter().map(|g| g.students).sum());
    assert_eq!(total[4], all.to_string());
    assert_eq!(send(&env, "GET", "/overview/report.xlsx", &aud, None).await.status, StatusCode::FORBIDDEN);
    let e = &exports(&env, "prov", "ok")[0];
    assert_eq!(e["what"], "report");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_lists_sqlite() {
    other_lists(sqlite("exports-lists")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_lists_postgres() {
    let Some(env) = blocking(|| postgres("exports-lists")) else { return };
    other_lists(env).await;
}

/// API exports (issue 12): a county data consumer's token exports exactly its county's students,
/// each personal field as `store::mask` masks it (never the stored value), as CSV and XLSX,
/// audited as its own with `via: api` and the rows written; no unmasked export and no ID number
/// in the address through the API.
async fn api_exports(env: Env) {
    let p = env.places.clone();
    let county = Scope::Region { lo: p.other_county, hi: p.other_county };
    let b = Auth { bearer: Some(env.other_token.clone()), ..Default::default() };
    let t = Entity::Student.template();
    // Every student of the county, masked field by field, from the store itself.
    let mut want: Vec<Vec<String>> = with_store(&env, |s| {
        let mut q = store::PersonQuery { limit: store::browse::MAX_PAGE, ..Default::default() };
        let mut all = Vec::new();
        loop {
            let page = s.people(&county, Entity::Student, &q).unwrap();
            all.extend(page.rows.iter().map(|r| r.values().zip(t.fields.iter()).map(|(v, f)| store::mask::field(Entity::Student, f.key, v)).collect::<Vec<String>>()));
            match page.next {
                Some(n) => q.after = Some(n),
                None => return all,
            }
        }
    });
    assert!(want.len() > 100, "{}", want.len());
    let r = send(&env, "GET", "/api/v1/exports/students?format=csv", &b, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let mut rows = csv_rows(&r.body);
    assert_eq!(rows[0], t.fields.iter().map(|f| f.zh.to_string()).collect::<Vec<_>>(), "the template's headers");
    let mut got = rows.split_off(1);
    got.sort();
    want.sort();
    assert_eq!(got.len(), want.len(), "exactly the county's students");
    assert!(got == want, "every row as store::mask masks it");
    let id = col(Entity::Student, "id_number");
    assert!(got.iter().all(|row| row[id].is_empty() || row[id].contains("********")), "ID numbers masked");
    // The other county's school is not in the county token's file, nor anything of it by region.
    assert!(!r.body.contains(&p.school), "a school outside the county");
    let outside = send(&env, "GET", &format!("/api/v1/exports/students?format=csv&region={}", p.county), &b, None).await;
    assert!(outside.status == StatusCode::NOT_FOUND || csv_rows(&outside.body).len() == 1, "{}: {}", outside.status, &outside.body[..outside.body.len().min(300)]);
    let e = exports(&env, "api2", "ok");
    assert_eq!((e[0]["via"].as_str(), e[0]["list"].as_str(), e[0]["masked"].as_bool()), (Some("api"), Some("students"), Some(true)));
    assert_eq!(e.iter().find(|x| x["rows"].as_u64() == Some(want.len() as u64)).map(|x| x["format"].clone()), Some("csv".into()), "{e:?}");
    // XLSX: the same rows.
    let x = send(&env, "GET", "/api/v1/exports/students?format=xlsx", &b, None).await;
    assert_eq!(x.status, StatusCode::OK);
    assert!(x.bytes.starts_with(b"PK\x03\x04"));
    assert_eq!(xlsx_rows(&env, &x.bytes).len(), want.len() + 1);
    // Schools, sites and alerts of the county's area; the whole province's token sees more.
    for list in ["schools", "teachers", "sites", "alerts"] {
        let a = send(&env, "GET", &format!("/api/v1/exports/{list}?format=csv"), &b, None).await;
        assert_eq!(a.status, StatusCode::OK, "{list}: {}", a.body);
        assert!(!a.body.contains(&p.school), "{list}: a school outside the county");
    }
    let prov = Auth { bearer: Some(env.token.clone()), ..Default::default() };
    let all = send(&env, "GET", "/api/v1/exports/students?format=csv", &prov, None).await;
    assert!(csv_rows(&all.body).len() > want.len() + 1);
    // Refused: no format, an ID number in the address, an unmasked export, a list that is not one.
    let refused = [
        ("/api/v1/exports/students", StatusCode::BAD_REQUEST),
        ("/api/v1/exports/students?format=pdf", StatusCode::BAD_REQUEST),
        ("/api/v1/exports/students?format=csv&id=51010420140901002X", StatusCode::BAD_REQUEST),
        ("/api/v1/exports/students/full?format=csv", StatusCode::NOT_FOUND),
        ("/api/v1/exports/people?format=csv", StatusCode::NOT_FOUND),
    ];
    for (uri, status) in refused {
        let r = send(&env, "GET", uri, &b, None).await;
        assert_eq!(r.status, status, "{uri}: {}", r.body);
        assert!(r.body.starts_with("{\"error\""), "{uri}: the JSON envelope: {}", r.body);
        assert!(!r.body.contains("51010420140901002X"), "the number is not echoed");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_exports_sqlite() {
    api_exports(sqlite("exports-api")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_exports_postgres() {
    let Some(env) = blocking(|| postgres("exports-api")) else { return };
    api_exports(env).await;
}

/// The catalog's export: the datasets the caller reads under the list's filters — a county officer
/// its own draft beside every published entry, never another county's draft; the auditor the
/// published ones; the share filter as the page applies it; fields with the personal ones marked;
/// audited with its rows.
async fn catalog_export(env: Env) {
    let p = env.places.clone();
    with_store(&env, |s| {
        s.catalog_sync(&Scope::all(), &store::catalog_auto::derive(51), "test", 0).unwrap();
        for (provider, status) in [(p.county, store::catalog::Status::Draft), (p.other_county, store::catalog::Status::Draft)] {
            let n = store::suite_catalog::dataset(i64::from(provider), &format!("{provider} 体质健康汇总"), status);
            s.catalog_register(&Scope::all(), &n, "prov", 0).unwrap();
        }
    });
    let published = with_store(&env, |s| {
        let q = store::catalog::CatalogQuery { limit: 500, ..Default::default() };
        s.catalog_list(&Scope::Nothing, &q).unwrap().rows.len()
    });
    assert!(published >= 14, "the automatic entries are published: {published}");
    let county = login(&env, "county", PASSWORD).await;
    let r = send(&env, "GET", "/export/catalog?format=csv", &county, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let rows = csv_rows(&r.body);
    assert_eq!(rows[0][0], "资源代码");
    assert_eq!(rows.len(), 1 + published + 1, "the published entries and the county's own draft: {rows:?}");
    assert!(rows.iter().any(|r| r[2] == format!("{} 体质健康汇总", p.county)));
    assert!(!r.body.contains(&format!("{} 体质健康汇总", p.other_county)), "another county's draft");
    let students = rows.iter().find(|r| r[2] == "学生基本信息").expect("the students' entry");
    assert_eq!(students[7], "有条件共享");
    assert!(students[16].contains("*（"), "personal fields marked with their mask: {}", students[16]);
    // The page's filters apply, the XLSX holds the same rows.
    let rows = csv_rows(&send(&env, "GET", "/export/catalog?format=csv&share=unconditional&origin=auto", &county, None).await.body);
    assert!(rows.len() > 1 && rows[1..].iter().all(|r| r[7] == "无条件共享" && r[14] == "平台自动编目"), "{rows:?}");
    assert_eq!(send(&env, "GET", "/export/catalog?format=csv&share=mars", &county, None).await.status, StatusCode::BAD_REQUEST);
    let x = xlsx_rows(&env, &send(&env, "GET", "/export/catalog?format=xlsx", &county, None).await.bytes);
    assert_eq!(x.len(), 1 + published + 1);
    let aud = login(&env, "aud", PASSWORD).await;
    let rows = csv_rows(&send(&env, "GET", "/export/catalog?format=csv", &aud, None).await.body);
    assert_eq!(rows.len(), 1 + published, "the auditor reads the published entries only");
    let e = &exports(&env, "county", "ok")[0];
    assert_eq!(e["list"], "catalog", "{e}");
    assert_eq!(e["rows"], published as u64 + 1, "{e}");
    let page = send(&env, "GET", "/catalog?share=conditional", &county, None).await;
    let bar: Vec<&str> = page.body.lines().filter(|l| l.contains("export-catalog")).collect();
    assert!(page.body.contains("href=\"/export/catalog?format=xlsx&amp;q=&#38;class=&#38;provider=&#38;share=conditional&#38;origin=\""), "the page's export bar keeps its filters: {bar:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catalog_export_sqlite() {
    catalog_export(sqlite("exports-catalog")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catalog_export_postgres() {
    let Some(env) = blocking(|| postgres("exports-catalog")) else { return };
    catalog_export(env).await;
}
