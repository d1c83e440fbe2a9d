//! 下钻 (issue 15): every figure of the class-size, teachers and students screens that counts
//! people or classes links to the records behind it, and those records are exactly the figure.
//! Over the demo province of the test environment, as the county officer: for each linked
//! column of each screen, the county's total and one school's figure equal the rows of its link
//! walked page by page through the API; the console list and the export of a drilled list agree;
//! the drilled rows are masked as the plain list's; another county is out of reach; an unknown
//! key is a 400 naming the allowed keys. On SQLite, and on PostgreSQL when
//! TIANFU_TEST_DATABASE_URL is set.

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::Value;
use std::collections::HashSet;

fn json(r: &Resp) -> Value {
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    serde_json::from_str(&r.body).unwrap()
}

/// The items of an API people list, every page (pages of 500, a drilled page may be short).
async fn walk(env: &Env, auth: &Auth, link: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut after = String::new();
    for _ in 0..1_000 {
        let sep = if link.contains('?') { '&' } else { '?' };
        let uri = format!("{link}{sep}limit=500{}", if after.is_empty() { String::new() } else { format!("&after={}", enc(&after)) });
        let v = json(&send(env, "GET", &uri, auth, None).await);
        items.extend(v["items"].as_array().unwrap().iter().cloned());
        match v["next"].as_str() {
            Some(n) => after = n.to_string(),
            None => return items,
        }
    }
    panic!("{link}: more than 1,000 pages");
}

/// An item without its sealed reference (the rest is what the list shows).
fn shown(v: &Value) -> String {
    let mut v = v.clone();
    v.as_object_mut().unwrap().remove("ref");
    v.to_string()
}

async fn run(env: Env) {
    let p = env.places.clone();
    let county = login(&env, "county", PASSWORD).await;
    let mut checked = 0;
    let mut drilled_school_rows: Vec<Value> = Vec::new();
    for screen in ["students", "teachers", "classes"] {
        let v = json(&send(&env, "GET", &format!("/api/v1/insight/{screen}"), &county, None).await);
        assert_eq!(v["level"], "county");
        let cols: Vec<String> = v["columns"].as_array().unwrap().iter().map(|c| c["key"].as_str().unwrap().to_string()).collect();
        // The total (the county) and the school of the test.
        let school = v["rows"].as_array().unwrap().iter().find(|r| r["code"] == p.school.as_str()).expect("the school's row").clone();
        for (what, row) in [("county", &v["total"]), ("school", &school)] {
            let links = row["links"].as_array().unwrap_or_else(|| panic!("{screen} {what}: links"));
            assert_eq!(links.len(), cols.len());
            for (i, link) in links.iter().enumerate() {
                let Some(link) = link.as_str() else { continue };
                let figure = row["values"][i].as_f64().unwrap();
                let key = &cols[i];
                // A share links to the list of its count: compare with that column's figure.
                let count_col = match key.as_str() {
                    "large_share" => "large",
                    "very_large_share" => "very_large",
                    "anomaly_share" => "anomaly",
                    "pe_arts_per_100" => "pe_arts",
                    k => k,
                };
                let want = if count_col == key {
                    figure
                } else {
                    row["values"][cols.iter().position(|c| c == count_col).unwrap()].as_f64().unwrap()
                };
                if what == "school" {
                    assert!(link.contains(&format!("school={}", p.school)), "{link}");
                } else {
                    assert!(!link.contains("school=") && !link.contains("region="), "the county officer's total is its own area: {link}");
                }
                let got = if link.starts_with("/api/v1/insight/classes/list") {
                    json(&send(&env, "GET", link, &county, None).await)["classes"].as_array().unwrap().len()
                } else if let Some(share) = ["female_share", "bachelor_share"].iter().find(|k| **k == key) {
                    // Shares of teachers: the count is share × teachers.
                    let teachers = row["values"][cols.iter().position(|c| c == "teachers").unwrap()].as_f64().unwrap();
                    let n = walk(&env, &county, link).await.len();
                    assert!((n as f64 - figure * teachers).abs() < 0.5, "{screen} {what} {share}: {n} of {teachers} against {figure}");
                    checked += 1;
                    continue;
                } else {
                    let items = walk(&env, &county, link).await;
                    if what == "school" && link.contains("drill=") {
                        drilled_school_rows.extend(items.iter().filter(|x| x.get("student_id").is_some()).cloned());
                    }
                    items.len()
                };
                assert_eq!(got as f64, want, "{screen} {what} {key}: {link}");
                checked += 1;
            }
        }
    }
    // Every drill key of both lists, and the class bands, were walked for the county and the school.
    assert!(checked >= 40, "{checked}");

    // The drilled rows are masked as the plain list's rows: the same text, row for row.
    let plain: HashSet<String> = walk(&env, &county, &format!("/api/v1/students?school={}", p.school)).await.iter().map(shown).collect();
    assert!(!drilled_school_rows.is_empty());
    for r in &drilled_school_rows {
        assert!(plain.contains(&shown(r)), "a drilled row not as the plain list shows it: {r}");
        assert!(r["name"].as_str().unwrap().ends_with('*'), "masked: {r}");
    }

    // The console list and its export agree with the figure.
    let v = json(&send(&env, "GET", "/api/v1/insight/students", &county, None).await);
    let boarders = v["total"]["values"][1].as_f64().unwrap() as u64;
    assert!(boarders > 0);
    let page = send(&env, "GET", "/students?drill=boarders&size=20", &county, None).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("仅显示：住校生"), "the chip");
    assert!(page.body.contains(&format!("共 {boarders} 条")), "the total is the figure ({boarders})");
    assert!(page.body.contains("drill=boarders"), "links keep the drill");
    let html = send(&env, "GET", "/insight/students", &county, None).await;
    assert!(html.body.contains("href=\"/students?school=") && html.body.contains("&#38;drill=boarders\""), "the screen links its figures");
    let csv = send(&env, "GET", "/export/students?format=csv&drill=boarders", &county, None).await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.body);
    assert_eq!(csv.body.trim_end().lines().count() as u64 - 1, boarders, "the export holds the drilled rows");

    // Another county: nothing (the list is cut to the scope), the class list 404.
    let other = walk(&env, &county, &format!("/api/v1/students?region={}&drill=boarders", p.other_county)).await;
    assert!(other.is_empty());
    let other = walk(&env, &county, &format!("/api/v1/teachers?school={}&drill=female", p.other_school)).await;
    assert!(other.is_empty());
    let r = send(&env, "GET", &format!("/api/v1/insight/classes/list?region={}&band=large", p.other_county), &county, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = send(&env, "GET", &format!("/api/v1/insight/classes/list?school={}&band=very_large", p.other_school), &county, None).await;
    assert!(json(&r)["classes"].as_array().unwrap().is_empty());

    // An unknown key, a key of the other list, an unknown band: 400 saying what is allowed.
    for uri in ["/api/v1/students?drill=nope", "/api/v1/teachers?drill=boarders", "/students?drill=female"] {
        let r = send(&env, "GET", uri, &county, None).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{uri}: {}", r.body);
        assert!(r.body.contains("female") || r.body.contains("boarders"), "{uri}: the allowed keys: {}", r.body);
    }
    let r = send(&env, "GET", "/api/v1/insight/classes/list?band=huge", &county, None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // The province's class list is refused (kept to a county or a school), and its city rows'
    // class figures open the screen one level down.
    let prov = login(&env, "prov", PASSWORD).await;
    let r = send(&env, "GET", "/api/v1/insight/classes/list?band=large", &prov, None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    let v = json(&send(&env, "GET", "/api/v1/insight/classes", &prov, None).await);
    let city = &v["rows"][0];
    assert_eq!(city["links"][2].as_str().unwrap(), format!("/api/v1/insight/classes?region={}", city["code"].as_str().unwrap()));
    assert!(v["total"]["links"][2].is_null());
    // A role that does not read the lists sees the figures without links.
    let sec = login(&env, "sec", PASSWORD).await;
    let v = json(&send(&env, "GET", "/api/v1/insight/students", &sec, None).await);
    assert!(v["total"].get("links").is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drill_down_sqlite() {
    run(sqlite("drill")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drill_down_postgres() {
    let Some(env) = blocking(|| postgres("drill")) else { return };
    run(env).await;
}
