//! The security screen (`/insight/security`, its API and export) and the indicators' overview
//! (`/insight`), with hand-computed figures, on SQLite and on PostgreSQL when
//! TIANFU_TEST_DATABASE_URL is set.
//!
//! Seeded in the county officer's county (besides the school site every test env has, up): three
//! university portals of the county's bureau, two supporting IPv6 (2 / 3 = 66.7 %: red against
//! 100 %); a bureau site down; a school's level-3 system never filed (filing overdue) and a
//! bureau system whose assessment is overdue; an incident not reported upward by its deadline.

mod common;

use axum::http::StatusCode;
use common::*;
use store::monitor::{CheckSummary, FamilySummary, NewSite, SiteCategory, SiteState};
use store::Scope;

fn check(at: i64, v6: bool) -> CheckSummary {
    CheckSummary {
        at,
        state: SiteState::Up,
        v4: FamilySummary { reachable: true, status: Some(200), elapsed_ms: 40 },
        v6: FamilySummary { reachable: v6, status: v6.then_some(200), elapsed_ms: if v6 { 50 } else { 0 } },
        tls_days: Some(90),
        tls_grade: Some("A".into()),
        header_score: Some(70),
        ipv6_aaaa: v6,
        ipv6_home: v6,
        ipv6_consistent: v6.then_some(true),
        findings: vec![],
    }
}

fn seed(env: &Env) {
    let p = env.places.clone();
    with_store(env, |s| {
        let now = store::time::unix_now();
        let all = Scope::all();
        let site = |name: &str, host: &str, cat| NewSite { name: name.into(), url: format!("https://{host}/"), org_code: p.county as i64, category: cat, interval_minutes: 5 };
        let mut ids = Vec::new();
        for (name, host, v6) in [("甲大学", "a.edu.cn", true), ("乙大学", "b.edu.cn", true), ("丙大学", "c.edu.cn", false)] {
            let id = s.create_site(&all, &site(name, host, SiteCategory::University), now).unwrap().id;
            ids.push((id, v6));
        }
        for i in 0..5 {
            let at = now - 3000 + i * 300;
            for (id, v6) in &ids {
                s.record_result(*id, &check(at, *v6), at + 300).unwrap();
            }
        }
        let down = s.create_site(&all, &site("区教育局网站", "jyj.example.gov.cn", SiteCategory::Bureau), now).unwrap().id;
        s.record_result(down, &check_at(now - 60, false, 0, &[]), now + 240).unwrap();
        // 等保: a school's system never filed (due two years ago); the bureau's, assessment overdue.
        let long_ago = standard::Date::from_days_since_epoch(standard::Date::today().days_since_epoch() - 730);
        let school_sys = store::mlps::NewSystem { unit_code: p.school.parse().unwrap(), name: "学籍系统".into(), owner: "信息中心".into(), purpose: "学籍".into(), level: 3, live_on: Some(long_ago), ..Default::default() };
        s.create_system(&all, &school_sys, &store::mlps::Dues { filing: Some(long_ago), ..Default::default() }, "prov", 0).unwrap();
        let bureau_sys = store::mlps::NewSystem { unit_code: p.county as i64, name: "区教育城域网".into(), owner: "信息中心".into(), purpose: "网络".into(), level: 3, live_on: Some(long_ago), filing_no: "51010413001-00001".into(), filing_on: Some(long_ago), ..Default::default() };
        s.create_system(&all, &bureau_sys, &store::mlps::Dues { assessment: Some(long_ago), ..Default::default() }, "prov", 0).unwrap();
        // An incident discovered five hours ago, due in four, not reported upward.
        let i = store::suite_incidents::incident("门户网站被篡改", None, p.county as i64, now - 5 * 3600);
        s.insert_incident(&all, &i, &store::suite_incidents::first_step(i.reported_at)).unwrap();
    });
}

fn values(v: &serde_json::Value) -> Vec<Option<f64>> {
    v["values"].as_array().unwrap().iter().map(|x| x.as_f64()).collect()
}
fn status(v: &serde_json::Value) -> Vec<String> {
    v["status"].as_array().unwrap().iter().map(|x| x.as_str().unwrap().to_string()).collect()
}

async fn run(env: Env) {
    seed(&env);
    let p = env.places.clone();
    let county = login(&env, "county", PASSWORD).await;
    // The API: the county's rows are its units (the school, the bureau); the total as computed by hand.
    let r = send(&env, "GET", "/api/v1/insight/security", &county, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(v["level"], "county");
    let keys: Vec<&str> = v["columns"].as_array().unwrap().iter().map(|c| c["key"].as_str().unwrap()).collect();
    assert_eq!(keys, ["uni_checked", "uni_supported", "uni_rate", "sites", "down", "mlps_filing", "mlps_assessment", "incidents_open", "incidents_late"]);
    let t = &v["total"];
    let vals = values(t);
    assert_eq!((vals[0], vals[1]), (Some(3.0), Some(2.0)));
    assert!((vals[2].unwrap() - 2.0 / 3.0).abs() < 1e-9);
    assert_eq!(&vals[3..], &[Some(5.0), Some(1.0), Some(1.0), Some(1.0), Some(1.0), Some(1.0)], "5 sites (the school's and the bureau's 4), 1 down, 1 filing and 1 assessment overdue, 1 incident open and late");
    assert_eq!(status(t), ["", "", "red", "", "red", "red", "red", "", "red"]);
    let rows = v["rows"].as_array().unwrap();
    let bureau = rows.iter().find(|r| r["code"] == p.county.to_string()).expect("the bureau's row");
    assert_eq!(values(bureau), [Some(3.0), Some(2.0), Some(2.0 / 3.0), Some(4.0), Some(1.0), Some(0.0), Some(1.0), Some(1.0), Some(1.0)]);
    let school = rows.iter().find(|r| r["code"] == p.school.as_str()).expect("the school's row");
    assert_eq!(values(school), [Some(0.0), Some(0.0), None, Some(1.0), Some(0.0), Some(1.0), Some(0.0), Some(0.0), Some(0.0)]);
    assert_eq!(status(school), ["", "", "", "", "green", "red", "green", "", "green"]);
    // The page: the rate with its words, the thresholds on hover, the school linked.
    let r = send(&env, "GET", "/insight/security", &county, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("66.7%") && r.body.contains("未达标"), "{}", r.body);
    assert!(r.body.contains("高校门户网站 IPv6 支持率：") && r.body.contains("标准（高等学校门户网站）：≥ 1"), "the indicator and its threshold on hover");
    assert!(r.body.contains(&format!("href=\"/schools/{}\"", p.school)));
    // The province: the city's row carries the same figures; the other city's school site is up.
    let prov = login(&env, "prov", PASSWORD).await;
    let v: serde_json::Value = serde_json::from_str(&send(&env, "GET", "/api/v1/insight/security", &prov, None).await.body).unwrap();
    assert_eq!(v["level"], "province");
    let rows = v["rows"].as_array().unwrap();
    let city = rows.iter().find(|r| r["code"] == p.city.to_string()).unwrap();
    assert_eq!(values(city)[3..], [Some(5.0), Some(1.0), Some(1.0), Some(1.0), Some(1.0), Some(1.0)]);
    let other = rows.iter().find(|r| r["code"] == p.other_city.to_string()).unwrap();
    assert_eq!(values(other)[3..5], [Some(1.0), Some(0.0)]);
    assert_eq!(status(other), ["", "", "", "", "green", "green", "green", "", "green"]);
    // A county outside the area: 404; the city filtered to the county: its one county row.
    assert_eq!(send(&env, "GET", &format!("/api/v1/insight/security?region={}", p.other_county), &county, None).await.status, StatusCode::NOT_FOUND);
    let v: serde_json::Value = serde_json::from_str(&send(&env, "GET", &format!("/api/v1/insight/security?region={}", p.city), &prov, None).await.body).unwrap();
    assert_eq!(v["level"], "city");
    assert_eq!(v["rows"].as_array().unwrap().iter().map(|r| r["code"].as_str().unwrap().to_string()).collect::<Vec<_>>(), [p.county.to_string()]);
    // The export (CSV through the same writer as XLSX): the bureau's row and the total with their statuses.
    let r = send(&env, "GET", "/export/insight_security?format=csv", &county, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("高校门户 IPv6 支持率（判定）"), "{}", r.body);
    assert!(r.body.contains("合计,3,2,66.7%,未达标,5,1,未达标,1,未达标,1,未达标,1,1,未达标"), "{}", r.body);

    // The overview: the province's map coloured by red counts, the city's row, what to fix.
    let r = send(&env, "GET", "/insight", &prov, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("id=\"map-data\"") && r.body.contains("\"link\":\"/insight?region=\""), "the map, clicking through to a city");
    assert!(r.body.contains(&format!("href=\"/insight/security?region={}\"", p.city)), "a screen filtered to the city");
    assert!(r.body.contains("高校门户 IPv6 支持率") && r.body.contains("逾期未上报事件"), "the red cells listed");
    // The county's overview lists its school, linking to the school's page, and its bureau.
    let r = send(&env, "GET", "/insight", &county, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains(&format!("<tr data-code=\"{}\"><td><a href=\"/schools/{}\"", p.school, p.school)), "{}", r.body);
    assert!(r.body.contains(&format!("href=\"/insight/security?region={}\"", p.county)));
    // The bureau's row: 4 red cells (the rate, down, assessment, late incident).
    let at = r.body.find(&format!("<tr data-code=\"{}\">", p.county)).expect("the bureau's row");
    assert!(r.body[at..].split("</tr>").next().unwrap().contains("<td class=\"num rag-red\">4</td>"), "{}", &r.body[at..at + 600]);
    // The balance screen's verdicts join the overview: each school judged for a stage on
    // /insight/balance is counted in its row, and a failing one is listed under what to fix.
    let b: serde_json::Value = serde_json::from_str(&send(&env, "GET", "/api/v1/insight/balance", &county, None).await.body).unwrap();
    let judged: Vec<(&str, &str, Option<bool>)> = b["schools"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| [("primary", "小学"), ("junior", "初中")].into_iter().filter_map(move |(k, zh)| s[k].as_object().map(|v| (s["code"].as_str().unwrap(), zh, v["passes"].as_bool()))))
        .collect();
    assert!(!judged.is_empty(), "the test area's schools are judged for balance: {b}");
    for (code, stage, passes) in &judged {
        let at = r.body.find(&format!("<tr data-code=\"{code}\">")).expect("the school's row");
        let row = r.body[at..].split("</tr>").next().unwrap();
        assert!(row.contains("/insight/balance"), "the school's balance cell links to the screen: {row}");
        if *passes == Some(false) {
            assert!(r.body.contains(&format!("优质均衡（{stage}）")), "a failing school's stage is listed under what to fix");
        }
    }
    // An auditor reads no overview.
    let aud = login(&env, "aud", PASSWORD).await;
    assert_eq!(send(&env, "GET", "/insight", &aud, None).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn security_screen_sqlite() {
    run(sqlite("insight-sec")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn security_screen_postgres() {
    let Some(env) = blocking(|| postgres("insight-sec")) else { return };
    run(env).await;
}
