//! 通知 — notifications for the domains (a transfer waiting for approval, a sharing request, a
//! deadline close) through the same group robots and webhooks as the monitor's alerts.
//!
//! A domain calls [`Notifier::notify`] with an [`Event`]; the notifier sends it to every
//! configured [`Channel`] whose topics include the event's, signed as each platform requires
//! (`crate::webhook`), and only to addresses the network policy permits: a webhook URL that
//! names (or resolves to) loopback, a private network or a metadata address is refused unless
//! the configuration allows that network, like the monitor's probes. Events carry no personal
//! data: the caller writes titles and lines for a group chat (counts, schools, links).

use crate::webhook::{Outgoing, Sender, WebhookError, WebhookKind, WebhookTarget};
use crate::NetPolicy;
use serde_json::json;
use std::sync::Arc;
use store::clock::Clock;

/// Something that happened, for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// A stable code channels subscribe to, e.g. `transfer_request`.
    pub topic: String,
    /// One line, Chinese first (e.g. `【待审批】转学申请 #12`).
    pub title: String,
    pub lines: Vec<String>,
    /// Unix seconds when it happened.
    pub at: i64,
}

/// Where events of some topics go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    /// Topics sent here; empty for every topic.
    pub topics: Vec<String>,
    pub target: WebhookTarget,
}

impl Channel {
    pub fn wants(&self, topic: &str) -> bool {
        self.topics.is_empty() || self.topics.iter().any(|t| t == topic)
    }
}

/// What became of one send.
#[derive(Debug)]
pub struct Delivery {
    pub kind: WebhookKind,
    /// The receiver's host (never its URL: it may carry an access token).
    pub host: String,
    pub result: Result<u16, WebhookError>,
}

/// The request for `target` (pure: `now_ms` is the signing time).
pub fn render(target: &WebhookTarget, e: &Event, now_ms: i64) -> Outgoing {
    let generic = json!({ "event": e.topic, "title": e.title, "lines": e.lines, "at": e.at, "sent_at": now_ms / 1000 });
    crate::webhook::envelope(target, now_ms, &e.title, &e.title, &e.lines, generic)
}

/// Sends events to channels. Cheap to share behind an `Arc`.
pub struct Notifier {
    sender: Arc<Sender>,
    policy: NetPolicy,
    channels: Vec<Channel>,
    clock: Arc<dyn Clock>,
}

impl Notifier {
    pub fn new(sender: Arc<Sender>, policy: NetPolicy, channels: Vec<Channel>, clock: Arc<dyn Clock>) -> Notifier {
        Notifier { sender, policy, channels, clock }
    }

    /// Sends `e` to every channel that wants it, at once; one delivery each, in channel order.
    /// A failure is reported, never retried here (the caller logs it without the URL).
    pub async fn notify(&self, e: &Event) -> Vec<Delivery> {
        let now_ms = self.clock.now_millis();
        let sends = self.channels.iter().filter(|c| c.wants(&e.topic)).map(|c| {
            let out = render(&c.target, e, now_ms);
            let host = crate::url::Url::parse(&c.target.url).map(|u| u.host).unwrap_or_default();
            async move { Delivery { kind: c.target.kind, host, result: self.sender.send_checked(&out, &self.policy).await } }
        });
        futures_util::future::join_all(sends).await
    }
}
