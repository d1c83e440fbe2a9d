//! 事件时限检查 without the monitor's worker: the deadline sweep (`secman::incidents::sweep`)
//! run once (`tianfu incidents sweep`) or every minute inside `tianfu serve` ([`spawn`]), and its
//! notices — one per escalation: the incident's title, unit, grade and how late, no personal
//! data — sent through `guard::notify` (topic `incident`) to the enabled group robots of the
//! console (`/webhooks`), under the monitor's address policy. Idempotent: the sweep records each
//! escalation once, so only a new escalation is announced. Each escalation also goes to the duty
//! robots of the incident's unit and of the unit it went to (`crate::remind`).

use guard::notify::{Channel, Event, Notifier};
use guard::webhook::{Sender, WebhookTarget};
use secman::incidents::{Notice, Rules, SweepReport, NOTICE_TOPIC};
use std::sync::Arc;
use std::time::Duration;
use store::clock::Clock;
use store::{Backend, StoreError};

/// The channels incidents go to: the console's enabled robots (every topic).
pub fn channels(s: &mut dyn Backend) -> Result<Vec<Channel>, StoreError> {
    Ok(s.webhooks(&store::Scope::all())?.iter().filter(|w| w.enabled).filter_map(WebhookTarget::of_stored).map(|target| Channel { topics: Vec::new(), target }).collect())
}

/// The sweep once on `s`, and the channels its notices go to (read only when there are some).
pub fn sweep(s: &mut dyn Backend, rules: &Rules, clock: &dyn Clock) -> Result<(SweepReport, Vec<Channel>), StoreError> {
    let r = secman::incidents::sweep(s, rules, clock)?;
    let ch = if r.notices.is_empty() { Vec::new() } else { channels(s)? };
    Ok((r, ch))
}

/// What became of the notices: (sent, failed).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sent {
    pub sent: usize,
    pub failed: usize,
}

/// Sends each notice to every channel; failures are logged by host, never by URL.
pub async fn deliver(notifier: &Notifier, notices: &[Notice], at: i64, public_url: Option<&str>) -> Sent {
    let mut out = Sent::default();
    for n in notices {
        let mut lines = n.lines.clone();
        if let Some(u) = public_url {
            lines.push(format!("事件详情：{}/incidents/{}", u.trim_end_matches('/'), n.incident));
        }
        let e = Event { topic: NOTICE_TOPIC.into(), title: n.title.clone(), lines, at };
        for d in notifier.notify(&e).await {
            match d.result {
                Ok(code) if (200..300).contains(&code) => out.sent += 1,
                Ok(code) => {
                    out.failed += 1;
                    tracing::warn!(host = %d.host, status = code, "incident notice refused by the receiver");
                }
                Err(e) => {
                    out.failed += 1;
                    tracing::warn!(host = %d.host, error = %e, "incident notice not sent");
                }
            }
        }
    }
    out
}

/// A notifier over `channels` with the address policy and resolver of the registration check.
pub fn notifier(targets: &guard::target::TargetCheck, channels: Vec<Channel>, clock: Arc<dyn Clock>) -> Result<Notifier, String> {
    let sender = Sender::new(targets.resolver(), &[]).map_err(|e| e.to_string())?;
    Ok(Notifier::new(Arc::new(sender), targets.policy().clone(), channels, clock))
}

/// The sweep once outside the server (`tianfu incidents sweep`), on `s` at the clock's time:
/// each new escalation's notice to the group robots (`out`'s channels: the configuration's and
/// the console's enabled robots) and to the duty robots of the incident's unit and of the unit
/// it went to — the messages the server's timer sends. To be called off the runtime's workers
/// (the sends block on `handle`).
pub fn once(s: &mut dyn Backend, rules: &Rules, out: &crate::remind::Outbox, handle: &tokio::runtime::Handle, clock: &dyn Clock, public_url: Option<&str>) -> Result<(SweepReport, Sent), StoreError> {
    let r = secman::incidents::sweep(s, rules, clock)?;
    let mut sent = Sent::default();
    if r.escalated.is_empty() && r.notices.is_empty() {
        return Ok((r, sent));
    }
    let hooks = s.webhooks(&store::Scope::all())?;
    let duty = if r.escalated.is_empty() { Vec::new() } else { crate::remind::escalated_messages(s, clock, &r, public_url)? };
    let channels = out.channels(&hooks);
    if !r.notices.is_empty() && !channels.is_empty() {
        sent = handle.block_on(deliver(&out.notifier(channels), &r.notices, clock.now(), public_url));
    }
    let (ok, failed) = crate::remind::deliver_duty(s, out, handle, &hooks, duty)?;
    sent.sent += ok;
    sent.failed += failed;
    Ok((r, sent))
}

/// One round inside the server: sweep through the pool, then notify.
pub async fn round(app: &Arc<crate::state::AppState>) -> Result<(SweepReport, Sent), String> {
    let rules = crate::routes::incidents::rules(app);
    let clock = app.clock.clone();
    let url = app.config.public_url.clone();
    let (report, channels, duty) = app
        .pool
        .run(move |s| {
            let (r, ch) = sweep(s, &rules, clock.as_ref())?;
            // The people on duty of the incident's unit and of the unit it went to.
            let duty = if r.escalated.is_empty() { Vec::new() } else { crate::remind::escalated_messages(s, clock.as_ref(), &r, url.as_deref())? };
            Ok((r, ch, duty))
        })
        .await
        .map_err(|e| format!("{e:?}"))?;
    let mut sent = Sent::default();
    if !report.notices.is_empty() && !channels.is_empty() {
        let n = notifier(&app.targets, channels, app.clock.clone())?;
        sent = deliver(&n, &report.notices, app.clock.now(), app.config.public_url.as_deref()).await;
    }
    let (ok, failed) = crate::remind::send_duty(app, duty).await?;
    sent.sent += ok;
    sent.failed += failed;
    Ok((report, sent))
}

/// The server's timer: a round every minute (the first a minute after start), and the day's
/// reminders (`crate::remind::round`: 等保 and duty missing reports, each once).
pub fn spawn(app: Arc<crate::state::AppState>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let daily: Arc<std::sync::Mutex<crate::remind::Daily>> = Arc::default();
        let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + Duration::from_secs(60), Duration::from_secs(60));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            tick.tick().await;
            match round(&app).await {
                Ok((r, s)) if !r.escalated.is_empty() => tracing::info!(escalated = r.escalated.len(), sent = s.sent, failed = s.failed, "incident deadline sweep"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "incident deadline sweep failed"),
            }
            match crate::remind::round(&app, &daily).await {
                Ok(r) if r.mlps.sent + r.mlps.failed + r.duty_units > 0 => tracing::info!(mlps_sent = r.mlps.sent, mlps_failed = r.mlps.failed, duty_units = r.duty_units, duty_sent = r.duty_sent, "daily reminders"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "daily reminders failed"),
            }
        }
    })
}
