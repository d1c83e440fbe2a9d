//! The network-security monitor in the console and the API: a county officer sees exactly the
//! sites (and alerts) of its county on the board, the API and the alert list; another county's
//! site is 404; creating or editing outside the area is refused; auditors are refused; CSV and
//! XLSX imports report per row; every change is audited. On SQLite, and on PostgreSQL when
//! TIANFU_TEST_DATABASE_URL is set.

mod common;

use axum::http::StatusCode;
use common::*;
use store::monitor::{NewSite, SiteCategory};
use store::{AuditFilter, Role};



fn audit_of(env: &Env, action: &str) -> Vec<store::AuditEntry> {
    with_store(env, |s| s.audit_entries(&AuditFilter { action: Some(action.into()), limit: 100, ..Default::default() }).unwrap())
}


/// A one-sheet workbook of rows.
fn xlsx(rows: &[Vec<&str>]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32, c as u16, *v).unwrap();
        }
    }
    wb.save_to_buffer().unwrap()
}

async fn monitor(env: Env) {
    let p = env.places.clone();
    let (own, other) = (env.own_site, env.other_site);
    // A site of the county's own bureau and one of the city's (outside the county officer's area).
    let (bureau, city_site) = with_store(&env, |s| {
        let now = store::time::unix_now();
        let b = s.create_site(&store::Scope::all(), &NewSite { name: "本县教育局网站".into(), url: "https://county-bureau.example.edu.cn/".into(), org_code: p.county as i64, category: SiteCategory::Bureau, interval_minutes: 5 }, now).unwrap();
        let c = s.create_site(&store::Scope::all(), &NewSite { name: "本市教育局网站".into(), url: "https://city-bureau.example.edu.cn/".into(), org_code: p.city as i64, category: SiteCategory::Bureau, interval_minutes: 5 }, now).unwrap();
        (b.id, c.id)
    });
    let county = login(&env, "county", PASSWORD).await;

    // The board: the county's sites only, with the state tiles counting them.
    let r = send(&env, "GET", "/sites", &county, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    for (name, shown) in [("本县学校门户网站", true), ("本县教育局网站", true), ("外市学校门户网站", false), ("本市教育局网站", false)] {
        assert_eq!(r.body.contains(name), shown, "county board and {name}");
    }
    assert!(r.body.contains("id=\"count-all\">2<"), "tiles: {}", &r.body[r.body.find("state-tiles").unwrap()..][..600]);
    assert!(r.body.contains("id=\"count-warning\">1<") && r.body.contains("id=\"count-unknown\">1<"));
    let r = send(&env, "GET", "/sites?state=unknown&category=bureau", &county, None).await;
    assert!(r.body.contains("本县教育局网站") && !r.body.contains("本县学校门户网站"));
    let city = login(&env, "city", PASSWORD).await;
    let r = send(&env, "GET", "/sites", &city, None).await;
    assert!(r.body.contains("本市教育局网站") && r.body.contains("本县学校门户网站") && !r.body.contains("外市学校门户网站"));

    // A site's page: fields, findings in Chinese, the open alert, the charts' data.
    let r = send(&env, "GET", &format!("/sites/{own}"), &county, None).await;
    assert_eq!(r.status, StatusCode::OK);
    for want in ["缺少安全响应头", "发现隐藏链接", "id=\"rt-chart\"", "id=\"avail-chart\"", "id=\"site-charts\"", "87.50%", "id=\"site-actions\"", "id=\"findings\""] {
        assert!(r.body.contains(want), "site page lacks {want}");
    }
    for path in [format!("/sites/{other}"), format!("/sites/{city_site}"), format!("/sites/{other}/edit"), "/sites/999999".into()] {
        assert_eq!(send(&env, "GET", &path, &county, None).await.status, StatusCode::NOT_FOUND, "{path}");
    }
    // In English by the switch.
    let en = Auth { cookie: Some(format!("{}; lang=en", county.cookie.clone().unwrap())), ..county.clone() };
    let r = send(&env, "GET", &format!("/sites/{own}"), &en, None).await;
    for want in ["Response time", "Findings of the latest check", "Security headers missing", "Hidden links", "Open alerts"] {
        assert!(r.body.contains(want), "English site page lacks {want}");
    }
    let r = send(&env, "GET", "/sites", &en, None).await;
    assert!(r.body.contains("Site monitor") && r.body.contains("Last check (Beijing)") && r.body.contains("Not checked"));
    // The alert list: the county's alert, linked, in Chinese.
    let r = send(&env, "GET", "/alerts", &county, None).await;
    assert!(r.body.contains(&format!("href=\"/sites/{own}\"")) && !r.body.contains(&format!("href=\"/sites/{other}\"")) && r.body.contains("发现隐藏链接"));

    // The API, as the county officer (session) and as the other county's token.
    let (st, v) = api_json(&env, "GET", "/api/v1/sites", &county, &serde_json::Value::Null).await;
    assert_eq!(st, StatusCode::OK);
    let mut ids: Vec<i64> = v["items"].as_array().unwrap().iter().map(|s| s["id"].as_i64().unwrap()).collect();
    ids.sort();
    assert_eq!(ids, [own, bureau]);
    let (st, v) = api_json(&env, "GET", &format!("/api/v1/sites/{own}"), &county, &serde_json::Value::Null).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v["open_alerts"][0]["kind"], "hidden_link");
    assert_eq!(v["history"]["24h"]["checks"], 8);
    assert_eq!(v["last_check"]["findings"][1], "hidden_link");
    assert_eq!(api_json(&env, "GET", &format!("/api/v1/sites/{other}"), &county, &serde_json::Value::Null).await.0, StatusCode::NOT_FOUND);
    let (_, v) = api_json(&env, "GET", "/api/v1/alerts", &county, &serde_json::Value::Null).await;
    assert!(v["items"].as_array().unwrap().iter().all(|a| a["site_id"] == own), "{v}");
    let other_api = Auth { bearer: Some(env.other_token.clone()), ..Default::default() };
    let (_, v) = api_json(&env, "GET", "/api/v1/sites?limit=500", &other_api, &serde_json::Value::Null).await;
    assert_eq!(v["items"].as_array().unwrap().iter().map(|s| s["id"].as_i64().unwrap()).collect::<Vec<_>>(), [other]);
    // A data consumer reads but does not manage.
    let (st, _) = api_json(&env, "POST", "/api/v1/sites", &other_api, &serde_json::json!({"name": "x", "url": "https://x.example.edu.cn/", "org_code": p.other_county, "category": "bureau"})).await;
    assert_eq!(st, StatusCode::FORBIDDEN);

    // Managing: outside the area refused, inside registered and audited.
    let r = send(&env, "GET", "/sites/new", &county, None).await;
    assert_eq!(r.status, StatusCode::OK);
    let csrf = county.csrf.clone().unwrap();
    let bad = form(&[("_csrf", &csrf), ("name", "外县网站"), ("url", "https://out.example.edu.cn/"), ("org_code", &p.other_county.to_string()), ("category", "bureau"), ("interval_minutes", "10")]);
    let r = send(&env, "POST", "/sites/new", &county, Some(&bad)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("不在您的管辖范围内") && r.body.contains("id=\"form-error\""), "{}", r.body);
    // Every problem of the form at once (issue 12), in Chinese, each beside its field, the values kept.
    let invalid = form(&[("_csrf", &csrf), ("name", ""), ("url", "ftp://x"), ("org_code", "abc"), ("category", "火星"), ("interval_minutes", "0")]);
    let r = send(&env, "POST", "/sites/new", &county, Some(&invalid)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("请更正以下 5 处问题"), "{}", r.body);
    for (field, says) in [("name", "请填写网站名称"), ("url", "网址应为完整的网站地址"), ("org_code", "所属单位代码应为行政区划代码"), ("category", "请从列表中选择网站类别"), ("interval_minutes", "检查间隔应为 1–10080 之间的整数分钟")] {
        assert!(r.body.contains(&format!("<li><a href=\"#{field}\">{says}")), "{field} is not listed at the top: {}", r.body);
        assert!(r.body.contains(&format!("aria-describedby=\"{field}-err\"")) && r.body.contains(&format!("<span class=\"field-err\" id=\"{field}-err\">{says}")), "{field}'s problem is not beside it: {}", r.body);
    }
    assert!(r.body.contains("value=\"ftp://x\"") && r.body.contains("value=\"abc\"") && r.body.contains("value=\"0\""), "the values entered are kept: {}", r.body);
    assert!(!r.body.contains("(the ") && !r.body.contains("（the "), "no English in the Chinese form: {}", r.body);
    // A well-formed form with a wrong name and an owner outside the area: both at once, the
    // area's refusal (known only from the tree) beside the owner.
    let two = form(&[("_csrf", &csrf), ("name", " "), ("url", "https://out2.example.edu.cn/"), ("org_code", &p.other_county.to_string()), ("category", "bureau"), ("interval_minutes", "10")]);
    let r = send(&env, "POST", "/sites/new", &county, Some(&two)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("请更正以下 2 处问题") && r.body.contains("id=\"name-err\">请填写网站名称"), "{}", r.body);
    assert!(r.body.contains("id=\"org_code-err\">") && r.body[r.body.find("id=\"org_code-err\">").unwrap()..].starts_with("id=\"org_code-err\">单位") && r.body.contains("不在您的管辖范围内"), "{}", r.body);
    // In English: the same problems in English, no Chinese message.
    let en = Auth { cookie: county.cookie.as_ref().map(|c| format!("{c}; lang=en")), ..county.clone() };
    let r = send(&env, "POST", "/sites/new", &en, Some(&invalid)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("Please correct 5 problems") && r.body.contains("Enter the site&#39;s name") && r.body.contains("whole number of minutes from 1 to 10080"), "{}", r.body);
    assert!(!r.body.contains("请填写网站名称"), "{}", r.body);
    let good = form(&[("_csrf", &csrf), ("name", "本县第二网站"), ("url", "https://second.example.edu.cn/"), ("org_code", &p.school), ("category", "中小学校"), ("interval_minutes", "15")]);
    let r = send(&env, "POST", "/sites/new", &county, Some(&good)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let new_id: i64 = r.location.trim_start_matches("/sites/").parse().unwrap();
    let r = send(&env, "POST", "/sites/new", &county, Some(&good)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "the same URL twice");
    assert!(audit_of(&env, "site_create").iter().any(|e| e.actor == "county" && e.target == format!("site:{new_id}")));
    // Without the CSRF token: refused.
    let r = send(&env, "POST", "/sites/new", &county, Some(&good.replace(&format!("_csrf={csrf}&"), ""))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Editing: another county's site is 404, the own one changes (and is audited).
    let edit = form(&[("_csrf", &csrf), ("name", "改名"), ("url", "https://other-school.example.edu.cn/"), ("org_code", &p.other_school), ("category", "school"), ("interval_minutes", "5")]);
    assert_eq!(send(&env, "POST", &format!("/sites/{other}/edit"), &county, Some(&edit)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(send(&env, "POST", &format!("/sites/{other}/disable"), &county, Some(&format!("_csrf={csrf}"))).await.status, StatusCode::NOT_FOUND);
    // Moving an own site to another county's owner is refused too.
    let away = form(&[("_csrf", &csrf), ("name", "本县第二网站"), ("url", "https://second.example.edu.cn/"), ("org_code", &p.other_school), ("category", "school"), ("interval_minutes", "15")]);
    assert_eq!(send(&env, "POST", &format!("/sites/{new_id}/edit"), &county, Some(&away)).await.status, StatusCode::BAD_REQUEST);
    let renamed = form(&[("_csrf", &csrf), ("name", "本县第二网站（新）"), ("url", "https://second.example.edu.cn/"), ("org_code", &p.school), ("category", "school"), ("interval_minutes", "20")]);
    assert_eq!(send(&env, "POST", &format!("/sites/{new_id}/edit"), &county, Some(&renamed)).await.status, StatusCode::SEE_OTHER);
    assert_eq!(with_store(&env, |s| s.site(new_id).unwrap().unwrap().interval_minutes), 20);
    assert!(audit_of(&env, "site_update").iter().any(|e| e.target == format!("site:{new_id}") && e.detail.contains("本县第二网站（新）")));
    assert_eq!(send(&env, "POST", &format!("/sites/{new_id}/disable"), &county, Some(&format!("_csrf={csrf}"))).await.status, StatusCode::SEE_OTHER);
    assert!(!with_store(&env, |s| s.site(new_id).unwrap().unwrap().enabled));
    assert!(!send(&env, "GET", "/sites", &county, None).await.body.contains("本县第二网站"), "disabled sites are hidden by default");
    assert!(send(&env, "GET", "/sites?all=1", &county, None).await.body.contains("本县第二网站"));
    assert_eq!(audit_of(&env, "site_disable").len(), 1);

    // The API: create and change inside the area, refused outside.
    let (st, v) = api_json(&env, "POST", "/api/v1/sites", &county, &serde_json::json!({"name": "接口登记", "url": "https://api.example.edu.cn/", "org_code": p.county, "category": "bureau", "interval_minutes": 10})).await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    let api_id = v["id"].as_i64().unwrap();
    let (st, _) = api_json(&env, "POST", "/api/v1/sites", &county, &serde_json::json!({"name": "外", "url": "https://api-out.example.edu.cn/", "org_code": p.other_county, "category": "bureau"})).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    let (st, v) = api_json(&env, "POST", "/api/v1/sites", &county, &serde_json::json!({"name": "x", "url": "ftp://x", "org_code": p.county, "category": "bureau"})).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert!(v["error"]["message"].as_str().unwrap().contains("网址无效"), "{v}");
    let (st, v) = api_json(&env, "PUT", &format!("/api/v1/sites/{api_id}"), &county, &serde_json::json!({"name": "接口登记（改）", "url": "https://api.example.edu.cn/", "org_code": p.county, "category": "other", "enabled": false})).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!((v["name"].as_str(), v["enabled"].as_bool(), v["category"].as_str()), (Some("接口登记（改）"), Some(false), Some("other")));
    let (st, _) = api_json(&env, "PUT", &format!("/api/v1/sites/{other}"), &county, &serde_json::json!({"name": "x", "url": "https://other-school.example.edu.cn/", "org_code": p.county, "category": "other"})).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    assert!(audit_of(&env, "site_create").iter().any(|e| e.target == format!("site:{api_id}") && e.detail.contains("\"via\":\"api\"")));

    // Import: CSV and XLSX, per-row report, outside the area rejected with the reason.
    let csv = format!(
        "名称,网址,单位代码,类别,检查间隔\n导入一,https://import-1.example.edu.cn/,{},教育局,10\n导入外县,https://import-2.example.edu.cn/,{},教育局,\n坏行,ftp://bad,{},火星,5\n",
        p.county, p.other_county, p.county
    );
    let r = upload_sites(&env, &county, "sites.csv", csv.as_bytes()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("id=\"rows-read\">3<") && r.body.contains("id=\"rows-inserted\">1<") && r.body.contains("id=\"rows-rejected\">2<"), "{}", r.body);
    assert!(r.body.contains("不在您的管辖范围内") && r.body.contains("网址无效"), "{}", r.body);
    let county_s = p.county.to_string();
    let book = xlsx(&[
        vec!["name", "url", "org_code", "category", "interval_minutes"],
        vec!["表格导入", "https://xlsx-1.example.edu.cn/", &county_s, "bureau", "5"],
        vec!["导入一（更新）", "https://import-1.example.edu.cn/", &county_s, "bureau", "10"],
        vec!["无单位", "https://xlsx-2.example.edu.cn/", "519999", "bureau", "5"],
        vec!["抢登外市网站", "https://other-school.example.edu.cn/", &county_s, "bureau", "5"],
    ]);
    let r = upload_sites(&env, &county, "名单.xlsx", &book).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("id=\"rows-read\">4<") && r.body.contains("id=\"rows-inserted\">1<") && r.body.contains("id=\"rows-updated\">1<") && r.body.contains("id=\"rows-rejected\">2<"), "{}", r.body);
    assert!(r.body.contains("data-line=\"4\"") && r.body.contains("已由其他地区登记"), "the rejected rows are named by their lines: {}", r.body);
    assert_eq!(with_store(&env, |s| s.site(other).unwrap().unwrap().name), "外市学校门户网站", "another area's site is not taken over by an import");
    let r = upload_sites(&env, &county, "x.xlsx", b"PK\x03\x04 not a workbook").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(audit_of(&env, "site_import").len(), 2);
    let r = send(&env, "GET", "/sites?all=1", &county, None).await;
    assert!(r.body.contains("表格导入") && r.body.contains("导入一（更新）") && !r.body.contains("导入外县"));

    // Roles: the auditor reads none of it; a school administrator reads its own site but manages none.
    let aud = login(&env, "aud", PASSWORD).await;
    for path in ["/sites", "/alerts", &format!("/sites/{own}"), "/api/v1/sites", "/api/v1/alerts"] {
        assert_eq!(send(&env, "GET", path, &aud, None).await.status, StatusCode::FORBIDDEN, "auditor {path}");
    }
    let school = login(&env, "school", PASSWORD).await;
    let r = send(&env, "GET", "/sites", &school, None).await;
    assert!(r.body.contains("本县学校门户网站") && !r.body.contains("本县教育局网站") && !r.body.contains("id=\"add-site\""));
    assert_eq!(send(&env, "GET", "/sites/new", &school, None).await.status, StatusCode::FORBIDDEN);
    let sec = login(&env, "sec", PASSWORD).await;
    let r = send(&env, "GET", &format!("/sites/{other}/edit"), &sec, None).await;
    assert_eq!(r.status, StatusCode::OK, "the security officer manages the province's sites");
    // The menu: the monitor for those who read it.
    assert!(send(&env, "GET", "/sites", &county, None).await.body.contains("id=\"nav-alerts\""));
    assert!(!send(&env, "GET", "/audit", &aud, None).await.body.contains("id=\"nav-sites\""));
    assert!(Role::ALL.iter().all(|r| !r.manages_sites() || r.reads_monitor()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn monitor_pages_api_and_import_sqlite() {
    monitor(sqlite("monitor")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn monitor_pages_api_and_import_postgres() {
    let Some(env) = blocking(|| postgres("monitor")) else {
        eprintln!("TIANFU_TEST_DATABASE_URL not set: skipping the PostgreSQL monitor test");
        return;
    };
    monitor(env).await;
}
