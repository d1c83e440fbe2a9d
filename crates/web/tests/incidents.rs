//! 网络安全事件 beyond the lifecycle: the deployment's `[security]` settings reach the pages (a
//! 2007 deployment confirms with the 2007 classes); attachments (stored, listed, on the timeline,
//! downloaded by those who read the incident only, refused with the reason); exports; paging.

mod common;

use axum::http::StatusCode;
use common::*;
use store::Scope;

/// An incident reported at the county officer's county, as the store takes it.
fn county_incident(env: &Env, title: &str) -> i64 {
    let county = env.places.county as i64;
    with_store(env, |s| {
        let i = store::suite_incidents::incident(title, None, county, store::time::unix_now());
        s.insert_incident(&Scope::all(), &i, &store::suite_incidents::first_step(i.reported_at)).unwrap()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_2007_deployment_confirms_with_the_2007_classes() {
    let env = sqlite("inc-2007");
    let id = county_incident(&env, "某校门户网站感染病毒");
    let county = login(&env, "county", PASSWORD).await;
    // The default: GB/T 20986-2023.
    let page = send(&env, "GET", &format!("/incidents/{id}"), &county, None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("value=\"C01-01\"") && !page.body.contains("value=\"CVI\""), "2023 classes by default");
    let env = rebuild(env, |mut c| {
        c.security.incident_classification = "2007".into();
        c
    });
    let county = login(&env, "county", PASSWORD).await;
    let page = send(&env, "GET", &format!("/incidents/{id}"), &county, None).await;
    assert!(page.body.contains("value=\"CVI\"") && page.body.contains("有害程序事件"), "the 2007 classes offered");
    assert!(!page.body.contains("value=\"C01-01\""), "and not the 2023 ones");
    let (status, classes) = api_json(&env, "GET", "/api/v1/incidents/classes", &county, &serde_json::Value::Null).await;
    assert_eq!(status, StatusCode::OK);
    assert!(classes["edition"].as_str().unwrap().contains("2007"), "{classes}");
    // Confirming with a 2007 subclass is taken; a 2023 one is refused in Chinese.
    let bad = send(&env, "POST", &format!("/incidents/{id}/confirm"), &county, Some(&form(&[("_csrf", county.csrf.as_deref().unwrap()), ("class_code", "C01-01"), ("grade", "4")]))).await;
    assert_eq!(bad.status, StatusCode::CONFLICT, "{}", bad.body);
    assert!(bad.body.contains("事件分类无效"), "{}", bad.body);
    let ok = send(&env, "POST", &format!("/incidents/{id}/confirm"), &county, Some(&form(&[("_csrf", county.csrf.as_deref().unwrap()), ("class_code", "CVI"), ("grade", "4")]))).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
}

/// A multipart upload of one file to `uri` (the session's CSRF token first, as the form sends it).
async fn attach(env: &Env, auth: &Auth, uri: &str, name: &str, mime: &str, bytes: &[u8]) -> Resp {
    use axum::body::Body;
    use axum::http::{header, Request};
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let boundary = "----tianfu-incident-boundary";
    let mut body = csrf_part(boundary, auth);
    body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: {mime}\r\n\r\n").as_bytes());
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let req = Request::builder()
        .method("POST")
        .uri(uri)
        .header(header::COOKIE, auth.cookie.clone().unwrap_or_default())
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
        .body(Body::from(body))
        .unwrap();
    let r = env.app.router.clone().oneshot(req).await.unwrap();
    let status = r.status();
    let location = r.headers().get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let bytes = r.into_body().collect().await.unwrap().to_bytes().to_vec();
    Resp { status, location, set_cookie: vec![], body: String::from_utf8_lossy(&bytes).into_owned(), bytes }
}

/// The raw response of a GET (its headers).
async fn get_raw(env: &Env, uri: &str, auth: &Auth) -> axum::response::Response {
    use axum::body::Body;
    use axum::http::{header, Request};
    use tower::ServiceExt;
    let req = Request::builder().uri(uri).header(header::COOKIE, auth.cookie.clone().unwrap_or_default()).body(Body::empty()).unwrap();
    env.app.router.clone().oneshot(req).await.unwrap()
}

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";

/// An officer of the other county (another city's), made for the test.
fn other_county_officer(env: &Env) {
    let org = env.places.other_county as i64;
    with_store(env, |s| {
        let u = store::NewUser { name: "qy".into(), display_name: "qy".into(), role: store::Role::CountyOfficer, org_code: org, password_hash: web::auth::hash_password(PASSWORD), must_change_password: false };
        s.create_user(&PROVINCE, &u).unwrap();
    });
}

async fn attachments_on(env: Env) {
    use http_body_util::BodyExt;
    let id = county_incident(&env, "某校网站被植入暗链");
    other_county_officer(&env);
    let county = login(&env, "county", PASSWORD).await;
    let uri = format!("/incidents/{id}/files");
    let ok = attach(&env, &county, &uri, "首页截图.pdf", "application/pdf", PDF).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let page = send(&env, "GET", &format!("/incidents/{id}"), &county, None).await;
    assert!(page.body.contains("首页截图.pdf"), "listed on the page");
    assert!(page.body.contains("data-action=\"attach\""), "a step on the timeline");
    let (status, files) = api_json(&env, "GET", &format!("/api/v1/incidents/{id}/files"), &county, &serde_json::Value::Null).await;
    assert_eq!(status, StatusCode::OK);
    let href = files[0]["href"].as_str().unwrap().to_string();
    assert_eq!(files[0]["name"], "首页截图.pdf");
    // Downloaded as an attachment, never sniffed; audited.
    let r = get_raw(&env, &href, &county).await;
    assert_eq!(r.status(), StatusCode::OK);
    let h = r.headers().clone();
    assert!(h["content-disposition"].to_str().unwrap().starts_with("attachment;"), "{h:?}");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["content-type"], "application/pdf");
    assert_eq!(r.into_body().collect().await.unwrap().to_bytes().as_ref(), PDF);
    let logged = with_store(&env, |s| s.audit_entries(&store::AuditFilter { action: Some("incident_attachment_download".into()), limit: 10, ..Default::default() }).unwrap());
    assert_eq!(logged.len(), 1, "the download is audited");
    // Refused with the reason in Chinese: a wrong type, a disguised file, an executable.
    for (name, mime, bytes, want) in [
        ("说明.exe", "application/octet-stream", &b"MZ\x90\0"[..], "附件类型不支持"),
        ("截图.png", "image/png", PDF, "内容与文件扩展名不符"),
        ("run.txt", "text/plain", &b"#!/bin/sh\nrm -rf /\n"[..], "不接受可执行文件"),
    ] {
        let r = attach(&env, &county, &uri, name, mime, bytes).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{name}: {}", r.body);
        assert!(r.body.contains(want), "{name}: {}", r.body);
    }
    // Another county: neither attaches nor downloads (404, as for a missing incident).
    let qy = login(&env, "qy", PASSWORD).await;
    let r = attach(&env, &qy, &uri, "x.pdf", "application/pdf", PDF).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    assert_eq!(get_raw(&env, &href, &qy).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(get_raw(&env, &format!("/incidents/{}/files/1", id + 1000), &qy).await.status(), StatusCode::NOT_FOUND);
    let (status, _) = api_json(&env, "GET", &format!("/api/v1/incidents/{id}/files"), &qy, &serde_json::Value::Null).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The data consumer sees nothing.
    let token = Auth { bearer: Some(env.token.clone()), ..Default::default() };
    let (status, _) = api_json(&env, "GET", &format!("/api/v1/incidents/{id}/files"), &token, &serde_json::Value::Null).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Over the configured cap.
    let env = rebuild(env, |mut c| {
        c.security.attachment_limit_mib = 1;
        c
    });
    let county = login(&env, "county", PASSWORD).await;
    let mut big = PDF.to_vec();
    big.resize(1_200_000, b' ');
    let r = attach(&env, &county, &uri, "大文件.pdf", "application/pdf", &big).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body.contains("1 MB"), "{}", r.body);
    let (_, files) = api_json(&env, "GET", &format!("/api/v1/incidents/{id}/files"), &county, &serde_json::Value::Null).await;
    assert_eq!(files.as_array().unwrap().len(), 1, "nothing refused was kept");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attachments_sqlite() {
    attachments_on(sqlite("inc-files")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attachments_postgres() {
    let Some(env) = blocking(|| postgres("inc-files")) else { return };
    attachments_on(env).await;
}

/// Rows of a CSV export (no quoted line breaks in incidents' cells here).
fn csv_lines(bytes: &[u8]) -> Vec<String> {
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    text.trim_start_matches('\u{feff}').lines().map(str::to_string).collect()
}

/// Paging past 200 with sealed cursors (refused for another account or other filters), the
/// list's exports with its filters (scoped, audited) and one incident's report as a workbook.
async fn pages_and_exports(env: Env) {
    let county_code = env.places.county as i64;
    let other = env.places.other_county as i64;
    let ids: Vec<i64> = with_store(&env, |s| {
        let now = store::time::unix_now();
        let mut ids = Vec::new();
        for n in 0..205 {
            let i = store::suite_incidents::incident(&format!("本区事件{n:03}"), None, county_code, now);
            ids.push(s.insert_incident(&Scope::all(), &i, &store::suite_incidents::first_step(now)).unwrap());
        }
        let i = store::suite_incidents::incident("外区事件不应出现", None, other, now);
        s.insert_incident(&Scope::all(), &i, &store::suite_incidents::first_step(now)).unwrap();
        ids
    });
    let county = login(&env, "county", PASSWORD).await;
    let first = send(&env, "GET", "/incidents", &county, None).await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(first.body.matches("data-incident=").count(), 200, "a page of 200");
    assert!(first.body.contains("共 <b>205</b>"), "the totals count every page");
    let at = first.body.find("id=\"incident-next\"").map(|_| first.body.find("&amp;after=").unwrap()).expect("a next link");
    let cursor: String = first.body[at + "&amp;after=".len()..].chars().take_while(|c| c.is_ascii_hexdigit()).collect();
    let second = send(&env, "GET", &format!("/incidents?state=&grade=&region=&overdue=&after={cursor}"), &county, None).await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.body);
    assert_eq!(second.body.matches("data-incident=").count(), 5, "the rest");
    assert!(second.body.contains(&format!("data-incident=\"{}\"", ids[0])) && !second.body.contains("incident-next"), "the oldest, and no further page");
    assert!(!second.body.contains("外区事件不应出现"));
    // Another filter or another account: the generic refusal.
    let r = send(&env, "GET", &format!("/incidents?state=reported&after={cursor}"), &county, None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("翻页参数无效"), "{}", r.body);
    let prov = login(&env, "prov", PASSWORD).await;
    let r = send(&env, "GET", &format!("/incidents?after={cursor}"), &prov, None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // The API pages alike.
    let (status, p1) = api_json(&env, "GET", "/api/v1/incidents", &county, &serde_json::Value::Null).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(p1["items"].as_array().unwrap().len(), 200);
    let next = p1["next"].as_str().unwrap().to_string();
    let (_, p2) = api_json(&env, "GET", &format!("/api/v1/incidents?after={next}"), &county, &serde_json::Value::Null).await;
    assert_eq!((p2["items"].as_array().unwrap().len(), p2["next"].is_null()), (5, true));
    let (status, _) = api_json(&env, "GET", &format!("/api/v1/incidents?after={next}"), &prov, &serde_json::Value::Null).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "another account's cursor");
    // The exports: every page, the filters kept, the area only; audited with the row count.
    let csv = send(&env, "GET", "/export/incidents?format=csv", &county, None).await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.body);
    let lines = csv_lines(&csv.bytes);
    assert!(lines[0].starts_with("事件编号,事件名称,发生单位代码"), "{}", lines[0]);
    assert_eq!(lines.len(), 1 + 205, "every page");
    assert!(!csv.body.contains("外区事件不应出现"));
    with_store(&env, |s| {
        let i = s.incident(&Scope::all(), ids[7]).unwrap().unwrap();
        let mut c = i.clone();
        c.state = store::incidents::IncidentState::Closed;
        let st = store::incidents::Step { incident_id: i.id, at: i.reported_at + 1, actor: "sec".into(), action: "close".into(), state: c.state, note: "已整改完毕，恢复正常".into(), to_unit: None };
        assert!(s.update_incident(&Scope::all(), &c, i.state, &st).unwrap());
    });
    let csv = send(&env, "GET", "/export/incidents?format=csv&state=closed", &county, None).await;
    let lines = csv_lines(&csv.bytes);
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[1].contains("本区事件007") && lines[1].contains("已结案"), "{}", lines[1]);
    let xlsx = send(&env, "GET", "/export/incidents?format=xlsx&overdue=1", &county, None).await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert!(xlsx.bytes.starts_with(b"PK"), "a workbook");
    let log = with_store(&env, |s| s.audit_entries(&store::AuditFilter { action: Some("export".into()), limit: 20, ..Default::default() }).unwrap());
    assert!(log.iter().any(|e| e.target == "incidents" && e.detail.contains("\"rows\":205")), "{log:?}");
    // One incident's report as a workbook: elements, then the course of events.
    let r = get_raw(&env, &format!("/incidents/{}/report.xlsx", ids[7]), &county).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-disposition"].to_str().unwrap().starts_with("attachment;"));
    let bytes = http_body_util::BodyExt::collect(r.into_body()).await.unwrap().to_bytes();
    let text = xlsx_text(&env, &bytes);
    for want in ["网络安全事件报告", "本区事件007", "处置经过", "结案总结", "已整改完毕，恢复正常"] {
        assert!(text.contains(want), "{want} in the report");
    }
    let qy_scope_report = get_raw(&env, &format!("/incidents/{}/report.xlsx", ids[7]), &login(&env, "school", PASSWORD).await).await;
    assert_eq!(qy_scope_report.status(), StatusCode::NOT_FOUND, "a school does not read its county bureau's incident");
    let log = with_store(&env, |s| s.audit_entries(&store::AuditFilter { action: Some("incident_report_export".into()), limit: 5, ..Default::default() }).unwrap());
    assert_eq!(log.len(), 1);
}

/// The cells of a workbook's first sheet, read back with the importer's own reader.
fn xlsx_text(env: &Env, bytes: &[u8]) -> String {
    let path = env.dir.0.join(format!("report-{}.xlsx", bytes.len()));
    std::fs::write(&path, bytes).unwrap();
    let mut wb = ingest::xlsx::Workbook::open(&path).expect("a workbook");
    wb.collect(None, 1_000_000, 1 << 30).unwrap().into_iter().map(|(_, r)| r.join("|")).collect::<Vec<_>>().join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_and_exports_sqlite() {
    pages_and_exports(sqlite("inc-pages")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_and_exports_postgres() {
    let Some(env) = blocking(|| postgres("inc-pages")) else { return };
    pages_and_exports(env).await;
}

/// A webhook receiver on 127.0.0.1: answers 200 `{}` and hands each request's body on.
async fn receiver() -> (u16, tokio::sync::mpsc::UnboundedReceiver<String>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut c, _)) = l.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                loop {
                    let n = c.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        break;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    let text = String::from_utf8_lossy(&buf).into_owned();
                    if let Some(end) = text.find("\r\n\r\n") {
                        let len = text[..end].lines().find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse::<usize>().unwrap_or(0))).unwrap_or(0);
                        if buf.len() >= end + 4 + len {
                            let _ = tx.send(String::from_utf8_lossy(&buf[end + 4..end + 4 + len]).into_owned());
                            let _ = c.write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}").await;
                            break;
                        }
                    }
                }
            });
        }
    });
    (port, rx)
}

/// The sweep without the worker: an overdue incident escalated once (a second run at the same
/// time and later within the period does nothing), one message per escalation to the console's
/// robots with the title, unit, grade and how late; none to a robot that is switched off.
async fn sweep_notifies(env: Env) {
    let (port, mut rx) = receiver().await;
    let t0 = 1_800_000_000;
    let county_code = env.places.county as i64;
    let school = env.places.school.clone();
    let id = with_store(&env, |s| {
        let mut i = store::suite_incidents::incident("某校门户网站首页被篡改", Some(&school), county_code, t0);
        i.proposed_grade = Some(3);
        i.due_at = t0 + 4 * 3600;
        let id = s.insert_incident(&Scope::all(), &i, &store::suite_incidents::first_step(t0)).unwrap();
        let w = |name: &str, enabled: bool| store::monitor::StoredWebhook { id: 0, name: name.into(), kind: "generic".into(), url: format!("http://127.0.0.1:{port}/hooks/{name}"), secret: None, enabled, created_by: "prov".into(), created_at: t0 };
        s.add_webhook(&Scope::all(), &w("on", true)).unwrap();
        let off = s.add_webhook(&Scope::all(), &w("off", true)).unwrap();
        s.set_webhook_enabled(&Scope::all(), off, false).unwrap();
        id
    });
    let clock = std::sync::Arc::new(store::clock::TestClock::at(t0 + 3 * 3600));
    let rules = secman::incidents::Rules::default();
    let policy = guard::NetPolicy::default().allowing("本机", "127.0.0.1/32").unwrap();
    let targets = guard::target::TargetCheck::new(policy, std::sync::Arc::new(guard::StaticResolver::new()));
    // Through the app's pool (its connections write the audit chain).
    let pool = env.app.state.pool.clone();
    let run = |clock: std::sync::Arc<store::clock::TestClock>| {
        let pool = pool.clone();
        async move { pool.run(move |s| Ok(web::sweep::sweep(s, &rules, clock.as_ref())?)).await.unwrap() }
    };
    // Not yet due: nothing.
    let (r, ch) = run(clock.clone()).await;
    assert!(r.escalated.is_empty() && r.notices.is_empty() && ch.is_empty());
    // 90 minutes late: escalated to the school's county, one message to the robot that is on.
    clock.set(t0 + 4 * 3600 + 90 * 60);
    let (r, ch) = run(clock.clone()).await;
    assert_eq!(r.escalated, vec![(id, county_code)]);
    assert_eq!(ch.len(), 1, "the enabled robot only");
    let n = web::sweep::notifier(&targets, ch, clock.clone()).unwrap();
    let sent = web::sweep::deliver(&n, &r.notices, t0, Some("https://tianfu.example.edu.cn/")).await;
    assert_eq!(sent, web::sweep::Sent { sent: 1, failed: 0 });
    let body: serde_json::Value = serde_json::from_str(&rx.recv().await.unwrap()).unwrap();
    assert_eq!(body["event"], "incident");
    let title = body["title"].as_str().unwrap();
    assert!(title.contains(&format!("#{id}")) && title.contains("某校门户网站首页被篡改"), "{title}");
    let lines = body["lines"].as_array().unwrap().iter().map(|l| l.as_str().unwrap().to_string()).collect::<Vec<_>>().join("\n");
    assert!(lines.contains("发生单位：") && lines.contains("事件分级：Ⅲ级"), "{lines}");
    assert!(lines.contains("90 分钟") && lines.contains(&format!("/incidents/{id}")), "{lines}");
    assert!(!lines.contains(&format!("发生单位：{school}")), "the school by name, not by code: {lines}");
    // Idempotent: the same minute again, and later within the period, escalate nothing more.
    let (r, _) = run(clock.clone()).await;
    assert!(r.escalated.is_empty() && r.notices.is_empty());
    clock.advance(3600);
    assert!(run(clock.clone()).await.0.escalated.is_empty());
    assert!(rx.try_recv().is_err(), "no second message");
    let steps = with_store(&env, |s| s.incident_steps(&Scope::all(), id).unwrap());
    assert_eq!(steps.iter().filter(|s| s.action == "escalate").count(), 1, "one escalation recorded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sweep_notifies_sqlite() {
    sweep_notifies(sqlite("inc-sweep")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sweep_notifies_postgres() {
    let Some(env) = blocking(|| postgres("inc-sweep")) else { return };
    sweep_notifies(env).await;
}
