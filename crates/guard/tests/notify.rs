//! Notifications against a real webhook receiver on 127.0.0.1: refused by the network policy
//! until the configuration allows the network, then delivered signed to the channels that
//! subscribe to the event's topic.

mod capture;

use guard::notify::{Channel, Event, Notifier};
use guard::webhook::{generic_sign, Sender, WebhookError, WebhookKind, WebhookTarget};
use guard::{NetPolicy, StaticResolver};
use std::sync::Arc;
use store::clock::TestClock;

fn event(topic: &str) -> Event {
    Event { topic: topic.into(), title: "【待审批】转学申请 #12".into(), lines: vec!["转入：龙泉驿区第一中学".into(), "请在 3 个工作日内处理".into()], at: 1_800_000_000 }
}

fn channel(port: u16, topics: &[&str], secret: Option<&str>) -> Channel {
    Channel { topics: topics.iter().map(|t| t.to_string()).collect(), target: WebhookTarget { kind: WebhookKind::Generic, url: format!("http://127.0.0.1:{port}/hooks/{}", topics.join("-")), secret: secret.map(str::to_string) } }
}

fn notifier(policy: NetPolicy, channels: Vec<Channel>) -> Notifier {
    let sender = Arc::new(Sender::new(Arc::new(StaticResolver::new()), &[]).unwrap());
    Notifier::new(sender, policy, channels, Arc::new(TestClock::at(1_800_000_123)))
}

#[tokio::test]
async fn loopback_refused_unless_allowed() {
    let (port, mut rx) = capture::receiver("{}").await;
    let n = notifier(NetPolicy::default(), vec![channel(port, &[], None)]);
    let d = n.notify(&event("transfer_request")).await;
    assert_eq!(d.len(), 1);
    assert!(matches!(&d[0].result, Err(WebhookError::Blocked(m)) if m.contains("loopback")), "{:?}", d[0].result);
    assert_eq!(d[0].host, "127.0.0.1");
    // Nothing reached the receiver: a request that had would be queued before `notify` returned.
    assert!(rx.try_recv().is_err());
    // Allowed by configuration: delivered.
    let n = notifier(NetPolicy::default().allowing("测试", "127.0.0.1/32").unwrap(), vec![channel(port, &[], None)]);
    assert_eq!(n.notify(&event("transfer_request")).await[0].result.as_ref().unwrap(), &200);
    assert!(rx.recv().await.is_some());
}

#[tokio::test]
async fn events_go_to_the_channels_that_want_them_signed() {
    let (port, mut rx) = capture::receiver("{}").await;
    let policy = NetPolicy::default().allowing("本机", "127.0.0.1/32").unwrap();
    let n = notifier(policy, vec![channel(port, &["transfer_request", "transfer_approve"], Some("k3y")), channel(port, &["alert"], None)]);
    let d = n.notify(&event("transfer_request")).await;
    assert_eq!(d.len(), 1, "only the subscribed channel");
    assert_eq!(*d[0].result.as_ref().unwrap(), 200);
    let got = rx.recv().await.unwrap();
    assert_eq!(got.target, "/hooks/transfer_request-transfer_approve");
    assert_eq!(got.header("x-tianfu-timestamp"), Some("1800000123"), "the injected clock signs");
    assert_eq!(got.header("x-tianfu-signature").unwrap(), generic_sign("k3y", &got.body));
    let v = got.json();
    assert_eq!((v["event"].as_str(), v["title"].as_str(), v["at"].as_i64()), (Some("transfer_request"), Some("【待审批】转学申请 #12"), Some(1_800_000_000)));
    assert_eq!(v["lines"][1], "请在 3 个工作日内处理");
    // An event no channel wants is sent nowhere.
    assert!(n.notify(&event("selection_open")).await.is_empty());
    assert!(rx.try_recv().is_err());
}

#[test]
fn robots_get_their_formats() {
    let t = |kind| WebhookTarget { kind, url: "https://oapi.dingtalk.com/robot/send?access_token=x".into(), secret: Some("SEC1".into()) };
    let out = guard::notify::render(&t(WebhookKind::Dingtalk), &event("x"), 1_800_000_000_000);
    assert!(out.url.contains("&timestamp=1800000000000&sign="), "{}", out.url);
    let v: serde_json::Value = serde_json::from_slice(&out.body).unwrap();
    assert_eq!(v["markdown"]["title"], "【待审批】转学申请 #12");
    let v: serde_json::Value = serde_json::from_slice(&guard::notify::render(&t(WebhookKind::Wecom), &event("x"), 0).body).unwrap();
    assert!(v["markdown"]["content"].as_str().unwrap().contains("> 转入：龙泉驿区第一中学"));
    let v: serde_json::Value = serde_json::from_slice(&guard::notify::render(&t(WebhookKind::Feishu), &event("x"), 1_800_000_000_000).body).unwrap();
    assert_eq!(v["timestamp"], "1800000000");
}
