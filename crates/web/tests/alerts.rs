//! Handling alerts in the console (issue 12): the security officer lands on the security
//! overview, acknowledges, assigns, annotates and closes an alert (a disposition required), the
//! badge follows; another county's officer neither sees nor touches it; every step is audited.
//! And the alert robots' 测试 button, against a real receiver on 127.0.0.1, refused by the
//! address policy until the configuration allows loopback. On SQLite and PostgreSQL.

mod common;

use axum::http::StatusCode;
use common::*;
use store::monitor::{AlertQuery, AlertStatus};
use store::Scope;

fn alert_of(env: &Env, site: i64) -> i64 {
    with_store(env, |s| s.alerts_page(&Scope::all(), &AlertQuery { limit: 100, ..Default::default() }).unwrap().rows.into_iter().find(|a| a.site_id == site).unwrap().id)
}

async fn badge(env: &Env, a: &Auth) -> String {
    send(env, "GET", "/alerts/badge", a, None).await.body
}

async fn handled(env: Env) {
    let (own, other) = (alert_of(&env, env.own_site), alert_of(&env, env.other_site));
    let sec = login(&env, "sec", PASSWORD).await;
    let csrf = sec.csrf.clone().unwrap();
    let post = |path: String, body: String| {
        let (env, sec) = (&env, &sec);
        async move { send(env, "POST", &path, sec, Some(&body)).await }
    };
    // The security officer's landing page is the security overview.
    assert_eq!(send(&env, "GET", "/", &sec, None).await.location, "/security");
    let page = send(&env, "GET", "/security", &sec, None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("安全态势") && page.body.contains("待处理告警") && page.body.contains("IPv6 差距") && page.body.contains("id=\"sec-sites-all\">2<"), "{}", page.body);
    assert!(badge(&env, &sec).await.contains(">2<"));
    // The checks are fresh (the seeded sites are due now): no warning. Once a site has waited
    // an hour past its due time, the board and the overview say the checks have stopped.
    assert!(!page.body.contains("检测服务未运行"));
    let now = store::time::unix_now();
    with_store(&env, |s| s.record_result(env.own_site, &check_at(now - 7200, true, 100, &[]), now - 3600).unwrap());
    for path in ["/security", "/sites"] {
        let body = send(&env, "GET", path, &sec, None).await.body;
        assert!(body.contains("检测服务未运行（最近一次检测："), "{path}");
    }
    // 确认: the badge counts what nobody has taken.
    let r = post(format!("/alerts/{own}/ack"), format!("_csrf={csrf}")).await;
    assert_eq!((r.status, r.location.as_str()), (StatusCode::SEE_OTHER, format!("/alerts/{own}?done=ack").as_str()));
    assert!(badge(&env, &sec).await.contains(">1<"));
    assert_eq!(post(format!("/alerts/{own}/ack"), format!("_csrf={csrf}")).await.status, StatusCode::BAD_REQUEST, "acknowledged once");
    // 指派: to the county's officer (the own site's county), not to the other county's alert.
    assert_eq!(post(format!("/alerts/{own}/assign"), format!("_csrf={csrf}&assignee=county")).await.status, StatusCode::SEE_OTHER);
    let r = post(format!("/alerts/{other}/assign"), format!("_csrf={csrf}&assignee=county")).await;
    assert!(r.status == StatusCode::BAD_REQUEST && r.body.contains("只能指派给"), "{}", r.status);
    // 批注 and 关闭 (the disposition is required).
    assert_eq!(post(format!("/alerts/{own}/note"), format!("_csrf={csrf}&text={}", enc("已电话通知学校网管"))).await.status, StatusCode::SEE_OTHER);
    let r = post(format!("/alerts/{own}/close"), format!("_csrf={csrf}&text=")).await;
    assert!(r.status == StatusCode::BAD_REQUEST && r.body.contains("处置说明"), "{}", r.status);
    assert_eq!(post(format!("/alerts/{own}/close"), format!("_csrf={csrf}&text={}", enc("隐藏链接已删除，复查正常"))).await.status, StatusCode::SEE_OTHER);
    let a = with_store(&env, |s| s.alert_in(&Scope::all(), own).unwrap().unwrap());
    assert_eq!((a.status, a.assignee.as_deref(), a.closed_by.as_deref(), a.disposition.as_deref()), (AlertStatus::Closed, Some("county"), Some("sec"), Some("隐藏链接已删除，复查正常")));
    let page = send(&env, "GET", &format!("/alerts/{own}"), &sec, None).await.body;
    assert!(page.contains("已电话通知学校网管") && page.contains("隐藏链接已删除，复查正常") && page.contains("已关闭"));
    // The list: closed alerts leave the default view and appear under 已关闭.
    let list = send(&env, "GET", "/alerts", &sec, None).await.body;
    assert!(!list.contains(&format!("data-alert=\"{own}\"")) && list.contains(&format!("data-alert=\"{other}\"")));
    assert!(send(&env, "GET", "/alerts?state=closed", &sec, None).await.body.contains(&format!("data-alert=\"{own}\"")));
    assert!(send(&env, "GET", "/alerts?level=critical", &sec, None).await.body.contains("没有符合条件的告警"));
    assert_eq!(send(&env, "GET", "/alerts?level=severe", &sec, None).await.status, StatusCode::BAD_REQUEST);
    // The county's officer: the other county's alert does not exist for it.
    let county = login(&env, "county", PASSWORD).await;
    let cc = county.csrf.clone().unwrap();
    assert_eq!(send(&env, "GET", &format!("/alerts/{other}"), &county, None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(send(&env, "POST", &format!("/alerts/{other}/ack"), &county, Some(&format!("_csrf={cc}"))).await.status, StatusCode::NOT_FOUND);
    assert!(badge(&env, &county).await.is_empty(), "its own alert is taken");
    // The log: each step by name and outcome; the refused ones too, but not the unseen alert.
    let log = with_store(&env, |s| s.audit_entries(&store::AuditFilter { limit: 200, ..Default::default() }).unwrap());
    let steps: Vec<(String, String, String)> = log.iter().rev().filter(|e| e.action.starts_with("alert_")).map(|e| (e.actor.clone(), e.action.clone(), e.outcome.clone())).collect();
    let want: Vec<(String, String, String)> = [("sec", "alert_ack", "ok"), ("sec", "alert_ack", "denied"), ("sec", "alert_assign", "ok"), ("sec", "alert_assign", "denied"), ("sec", "alert_note", "ok"), ("sec", "alert_close", "denied"), ("sec", "alert_close", "ok")]
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect();
    assert_eq!(steps, want);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alerts_handled_in_the_console_sqlite() {
    handled(sqlite("alerts")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alerts_handled_in_the_console_postgres() {
    let Some(env) = blocking(|| postgres("alerts")) else { return };
    handled(env).await;
}

/// One HTTP request captured by [`receiver`]: its head and body.
struct Got {
    head: String,
    body: String,
}

/// A webhook receiver on 127.0.0.1 that answers 200 to each request and hands it over.
async fn receiver() -> (u16, tokio::sync::mpsc::UnboundedReceiver<Got>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut c, _)) = l.accept().await {
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            let (head, body) = loop {
                let n = c.read(&mut chunk).await.unwrap_or(0);
                if n == 0 {
                    break (String::from_utf8_lossy(&buf).to_string(), String::new());
                }
                buf.extend_from_slice(&chunk[..n]);
                let text = String::from_utf8_lossy(&buf).to_string();
                if let Some(i) = text.find("\r\n\r\n") {
                    let head = text[..i].to_string();
                    let len: usize = head.lines().find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap_or(0))).unwrap_or(0);
                    if buf.len() >= i + 4 + len {
                        break (head, String::from_utf8_lossy(&buf[i + 4..i + 4 + len]).to_string());
                    }
                }
            };
            let _ = c.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}").await;
            let _ = tx.send(Got { head, body });
        }
    });
    (port, rx)
}

async fn robots(env: Env) {
    let (port, mut got) = receiver().await;
    let sec = login(&env, "sec", PASSWORD).await;
    let csrf = sec.csrf.clone().unwrap();
    let url = format!("http://127.0.0.1:{port}/hook?access_token=TOKEN123");
    let r = send(&env, "POST", "/webhooks", &sec, Some(&format!("_csrf={csrf}&name={}&kind=generic&url={}&secret=SECRET456", enc("省厅值班群"), enc(&url)))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let id = with_store(&env, |s| s.webhooks(&Scope::all()).unwrap()[0].id);
    // The list shows the host, never the path's token or the secret.
    let page = send(&env, "GET", "/webhooks", &sec, None).await.body;
    assert!(page.contains("省厅值班群") && page.contains(&format!("127.0.0.1:{port}")) && !page.contains("TOKEN123") && !page.contains("SECRET456"));
    // Loopback is not allowed by default: refused by the address policy, nothing sent.
    let r = send(&env, "POST", &format!("/webhooks/{id}/test"), &sec, Some(&format!("_csrf={csrf}"))).await;
    assert!(r.status == StatusCode::BAD_REQUEST && r.body.contains("测试消息发送失败") && !r.body.contains("TOKEN123"), "{}", r.status);
    assert!(got.try_recv().is_err());
    // Once the configuration allows the network, the test message arrives, signed.
    let env = rebuild(env, |mut c| {
        c.monitor.allow.push(web::config::AllowedNetwork { name: "本机测试".into(), cidr: "127.0.0.0/8".into() });
        c.public_url = Some("https://tianfu.example.gov.cn".into());
        c
    });
    let sec = login(&env, "sec", PASSWORD).await;
    let csrf = sec.csrf.clone().unwrap();
    let r = send(&env, "POST", &format!("/webhooks/{id}/test"), &sec, Some(&format!("_csrf={csrf}"))).await;
    assert_eq!((r.status, r.location.as_str()), (StatusCode::SEE_OTHER, "/webhooks?tested=ok:200"));
    let g = tokio::time::timeout(std::time::Duration::from_secs(5), got.recv()).await.unwrap().unwrap();
    assert!(g.head.starts_with("POST /hook?access_token=TOKEN123 "), "{}", g.head);
    assert!(g.head.to_ascii_lowercase().contains("x-tianfu-signature: sha256="), "{}", g.head);
    let v: serde_json::Value = serde_json::from_str(&g.body).unwrap();
    assert_eq!(v["title"], "【测试】天府平台告警推送");
    assert!(v["lines"].as_array().unwrap().iter().any(|l| l == "告警处置：https://tianfu.example.gov.cn/alerts"), "{v}");
    assert!(send(&env, "GET", "/webhooks?tested=ok:200", &sec, None).await.body.contains("测试消息已发送"));
    // Disabled, then deleted; each audited.
    assert_eq!(send(&env, "POST", &format!("/webhooks/{id}/disable"), &sec, Some(&format!("_csrf={csrf}"))).await.status, StatusCode::SEE_OTHER);
    assert!(!with_store(&env, |s| s.webhooks(&Scope::all()).unwrap()[0].enabled));
    assert_eq!(send(&env, "POST", &format!("/webhooks/{id}/delete"), &sec, Some(&format!("_csrf={csrf}"))).await.status, StatusCode::SEE_OTHER);
    assert!(with_store(&env, |s| s.webhooks(&Scope::all()).unwrap().is_empty()));
    assert_eq!(send(&env, "POST", &format!("/webhooks/{id}/delete"), &sec, Some(&format!("_csrf={csrf}"))).await.status, StatusCode::NOT_FOUND);
    let log = with_store(&env, |s| s.audit_entries(&store::AuditFilter { limit: 200, ..Default::default() }).unwrap());
    let acts: Vec<(String, String)> = log.iter().rev().filter(|e| e.action.starts_with("webhook_")).map(|e| (e.action.clone(), e.outcome.clone())).collect();
    let want: Vec<(String, String)> = [("webhook_add", "ok"), ("webhook_test", "failed"), ("webhook_test", "ok"), ("webhook_disable", "ok"), ("webhook_delete", "ok")].iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
    assert_eq!(acts, want);
    assert!(log.iter().all(|e| !e.detail.contains("TOKEN123") && !e.detail.contains("SECRET456")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alert_robots_tested_against_a_real_receiver_sqlite() {
    robots(sqlite("robots")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alert_robots_tested_against_a_real_receiver_postgres() {
    let Some(env) = blocking(|| postgres("robots")) else { return };
    robots(env).await;
}
