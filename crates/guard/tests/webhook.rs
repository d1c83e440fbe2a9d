//! Webhooks against a real receiver on 127.0.0.1: the body each platform expects, and the
//! signature verified the way the platform verifies it.

mod capture;

use guard::webhook::{dingtalk_sign, feishu_sign, generic_sign, Notice, Sender, WebhookError, WebhookKind, WebhookTarget};
use guard::StaticResolver;
use std::sync::Arc;

fn sender() -> Sender {
    Sender::new(Arc::new(StaticResolver::new()), &[]).unwrap()
}

fn notice(recovered: bool) -> Notice {
    Notice { site_name: "锦江实验小学".into(), site_url: "https://jjsy.example.edu.cn/".into(), kind: "down".into(), severity: "critical".into(), message: "网站无法访问：连接失败".into(), at: 1_800_000_000, recovered, link: None }
}

fn target(kind: WebhookKind, url: String, secret: Option<&str>) -> WebhookTarget {
    WebhookTarget { kind, url, secret: secret.map(str::to_string) }
}

fn query(target: &str, key: &str) -> Option<String> {
    let q = target.split_once('?')?.1;
    q.split('&').find_map(|kv| kv.strip_prefix(&format!("{key}="))).map(|v| {
        // Undo the percent-encoding of base64's + / =.
        v.replace("%2B", "+").replace("%2F", "/").replace("%3D", "=")
    })
}

#[tokio::test]
async fn dingtalk_markdown_signed() {
    let (port, mut rx) = capture::receiver(r#"{"errcode":0,"errmsg":"ok"}"#).await;
    let t = target(WebhookKind::Dingtalk, format!("http://127.0.0.1:{port}/robot/send?access_token=abc"), Some("SECabc"));
    assert_eq!(sender().send(&t, &notice(false)).await.unwrap(), 200);
    let got = rx.recv().await.unwrap();
    assert_eq!(got.method, "POST");
    assert!(got.target.starts_with("/robot/send?access_token=abc&timestamp="), "{}", got.target);
    let ts: i64 = query(&got.target, "timestamp").unwrap().parse().unwrap();
    let now_ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
    assert!((now_ms - ts).abs() < 60_000, "DingTalk refuses a timestamp more than an hour off");
    assert_eq!(query(&got.target, "sign").unwrap(), dingtalk_sign("SECabc", ts));
    assert!(got.header("content-type").unwrap().starts_with("application/json"));
    let v = got.json();
    assert_eq!(v["msgtype"], "markdown");
    assert_eq!(v["markdown"]["title"], "【告警】锦江实验小学 网站无法访问");
    let text = v["markdown"]["text"].as_str().unwrap();
    assert!(text.contains("连接失败") && text.contains("严重") && text.contains("2027-01-15 16:00:00（北京时间）"), "{text}");
}

#[tokio::test]
async fn wecom_markdown_recovery() {
    let (port, mut rx) = capture::receiver(r#"{"errcode":0,"errmsg":"ok"}"#).await;
    let t = target(WebhookKind::Wecom, format!("http://127.0.0.1:{port}/cgi-bin/webhook/send?key=k1"), None);
    sender().send(&t, &notice(true)).await.unwrap();
    let got = rx.recv().await.unwrap();
    assert_eq!(got.target, "/cgi-bin/webhook/send?key=k1");
    let v = got.json();
    assert_eq!(v["msgtype"], "markdown");
    let content = v["markdown"]["content"].as_str().unwrap();
    assert!(content.contains("【恢复】锦江实验小学") && content.contains("color=\"info\""), "{content}");
}

#[tokio::test]
async fn feishu_text_signed_in_body() {
    let (port, mut rx) = capture::receiver(r#"{"code":0,"msg":"success"}"#).await;
    let t = target(WebhookKind::Feishu, format!("http://127.0.0.1:{port}/open-apis/bot/v2/hook/xyz"), Some("fs-secret"));
    sender().send(&t, &notice(false)).await.unwrap();
    let v = rx.recv().await.unwrap().json();
    assert_eq!(v["msg_type"], "text");
    assert!(v["content"]["text"].as_str().unwrap().starts_with("【告警】锦江实验小学"));
    let ts: i64 = v["timestamp"].as_str().unwrap().parse().unwrap();
    assert_eq!(v["sign"].as_str().unwrap(), feishu_sign("fs-secret", ts));
}

#[tokio::test]
async fn generic_json_signed_over_the_body() {
    let (port, mut rx) = capture::receiver("{}").await;
    let t = target(WebhookKind::Generic, format!("http://127.0.0.1:{port}/hooks/tianfu"), Some("k3y"));
    sender().send(&t, &notice(true)).await.unwrap();
    let got = rx.recv().await.unwrap();
    assert_eq!(got.header("x-tianfu-signature").unwrap(), generic_sign("k3y", &got.body));
    assert!(generic_sign("k3y", &got.body).starts_with("sha256=") && generic_sign("k3y", &got.body).len() == 7 + 64);
    let v = got.json();
    assert_eq!((v["event"].as_str(), v["kind"].as_str(), v["site"]["url"].as_str()), (Some("recovery"), Some("down"), Some("https://jjsy.example.edu.cn/")));
    assert_eq!(got.header("x-tianfu-timestamp").unwrap(), v["sent_at"].to_string());
    // Another secret does not verify.
    assert_ne!(got.header("x-tianfu-signature").unwrap(), generic_sign("other", &got.body));
}

#[tokio::test]
async fn refusal_in_the_answer_is_an_error() {
    let (port, _rx) = capture::receiver(r#"{"errcode":310000,"errmsg":"sign not match"}"#).await;
    let t = target(WebhookKind::Dingtalk, format!("http://127.0.0.1:{port}/robot/send?access_token=abc"), Some("x"));
    let e = sender().send(&t, &notice(false)).await.unwrap_err();
    assert!(matches!(e, WebhookError::Rejected { status: 200, ref body } if body.contains("sign not match")), "{e:?}");
}
