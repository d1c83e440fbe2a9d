//! 提醒与值班通知 — the day's reminders and the messages to the people on duty, one function
//! each, shared by `tianfu serve` (its minute timer, [`crate::sweep::spawn`]), `tianfu worker`
//! (its after-cycle hook) and `tianfu remind` (once, from the command line):
//!
//! - [`run`]: the day's 等保 reminders (`secman::mlps::remind`, to every robot, topic `mlps`),
//!   the software-ledger reminders (`secman::ledger::remind`: a unit's six-monthly check due in
//!   30 or 7 days or late since yesterday, a licence ending in 60, 30 or 7 days; to every
//!   robot, topic `software`) and the duty missing-report reminders of every running period after its cut-off
//!   (`secman::duty::due_reminders`, to the units' duty robots). Each reminder goes out once:
//!   both record what was sent (a duty reminder not delivered gives its claim back, and is
//!   tried again at the next run that day); a [`Daily`] memory only spares the timer the
//!   queries.
//! - [`incident_messages`]: an incident reported or escalated, as a message to the duty robot of
//!   its unit (the nearest bureau's above it when the unit has none) and, for an escalation, of
//!   the unit it went to; no personal data. One not delivered is queued (`duty_outbox`) and
//!   tried again by each [`run`] (every minute in the server) until sent or [`RETRY_SECS`] old.
//! - In [`run`] too: 有条件 sharing requests past their answer deadline (`store::share`), one
//!   reminder each to every robot (topic `share`), at the first run after the deadline.

use guard::notify::{Channel, Event, Notifier};
use guard::webhook::{Sender, WebhookTarget};
use secman::duty::Message;
use standard::Date;
use std::collections::HashMap;
use std::sync::Arc;
use store::clock::Clock;
use store::monitor::StoredWebhook;
use store::{AuditEvent, Backend, Scope, StoreError};

/// The 等保 reminders go out after this hour of the day (Beijing time): not in the night.
pub const MLPS_HOUR: i64 = 8;

/// How messages leave: the webhook client, the monitor's address policy, and the robots of the
/// configuration file (the worker's `--webhooks`; they receive what every console robot does).
#[derive(Clone)]
pub struct Outbox {
    pub sender: Arc<Sender>,
    pub policy: guard::NetPolicy,
    pub extra: Vec<WebhookTarget>,
    pub clock: Arc<dyn Clock>,
}

impl Outbox {
    /// An outbox with the resolver and address policy of the registration check.
    pub fn of_targets(targets: &guard::target::TargetCheck, clock: Arc<dyn Clock>) -> Result<Outbox, String> {
        let sender = Sender::new(targets.resolver(), &[]).map_err(|e| e.to_string())?;
        Ok(Outbox { sender: Arc::new(sender), policy: targets.policy().clone(), extra: Vec::new(), clock })
    }

    /// The group robots (every topic): the configuration file's and the console's enabled ones.
    pub fn channels(&self, hooks: &[StoredWebhook]) -> Vec<Channel> {
        let mut ch: Vec<Channel> = self.extra.iter().cloned().map(|target| Channel { topics: Vec::new(), target }).collect();
        ch.extend(hooks.iter().filter(|w| w.enabled).filter_map(WebhookTarget::of_stored).map(|target| Channel { topics: Vec::new(), target }));
        ch
    }

    /// A notifier over `channels`.
    pub fn notifier(&self, channels: Vec<Channel>) -> Notifier {
        Notifier::new(self.sender.clone(), self.policy.clone(), channels, self.clock.clone())
    }

    /// Sends duty-robot messages, each to its robot (a console webhook, when enabled):
    /// (sent, failed). Failures are logged by host, never by URL.
    pub async fn send_duty(&self, hooks: &[StoredWebhook], msgs: Vec<Message>) -> (usize, usize) {
        let (mut ok, mut failed) = (0, 0);
        for m in msgs {
            if self.send_one(hooks, m).await {
                ok += 1;
            } else {
                failed += 1;
            }
        }
        (ok, failed)
    }

    /// Sends duty-robot messages: how many were delivered, and those that were not.
    pub async fn send_duty_keeping(&self, hooks: &[StoredWebhook], msgs: Vec<Message>) -> (usize, Vec<Message>) {
        let (mut ok, mut kept) = (0, Vec::new());
        for m in msgs {
            if self.send_one(hooks, m.clone()).await {
                ok += 1;
            } else {
                kept.push(m);
            }
        }
        (ok, kept)
    }

    /// Sends one duty-robot message: whether its robot took it (false when the robot is gone,
    /// disabled, refused by the address policy, or answered other than 2xx).
    pub async fn send_one(&self, hooks: &[StoredWebhook], m: Message) -> bool {
        let Some(t) = hooks.iter().find(|w| w.id == m.webhook_id && w.enabled).and_then(WebhookTarget::of_stored) else {
            return false;
        };
        let n = self.notifier(vec![Channel { topics: Vec::new(), target: t }]);
        let e = Event { topic: m.topic, title: m.title, lines: m.lines, at: self.clock.now() };
        let mut took = false;
        for d in n.notify(&e).await {
            match d.result {
                Ok(code) if (200..300).contains(&code) => took = true,
                _ => tracing::warn!(host = %d.host, "值班通知发送失败（duty message not delivered）"),
            }
        }
        took
    }
}

/// What the timer remembers between ticks: the day the 等保 reminders went out whole, and per
/// duty period the day its reminders were claimed.
#[derive(Debug, Default, Clone)]
pub struct Daily {
    pub mlps_day: Option<Date>,
    /// The day the software-ledger reminders went out whole.
    pub ledger_day: Option<Date>,
    pub duty_days: HashMap<i64, Date>,
    /// The day the data-quality snapshot was taken and the collection reminders went out.
    pub quality_day: Option<Date>,
}

/// What a run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct DayReport {
    /// The 等保 reminders (none run: all zero).
    pub mlps: secman::mlps::RemindReport,
    /// The software-ledger reminders (checks due, licences ending; none run: all zero).
    pub ledger: secman::mlps::RemindReport,
    /// Duty periods past their cut-off looked at.
    pub duty_periods: usize,
    /// Units reminded of a missing report.
    pub duty_units: usize,
    /// Duty messages sent / failed.
    pub duty_sent: usize,
    pub duty_failed: usize,
    /// Incident messages to duty robots tried again: delivered now / still waiting.
    pub retry_sent: usize,
    pub retry_waiting: usize,
    /// Data quality: the rows of the day's snapshot, and the collection reminders (one per
    /// county still missing from a round, at most once a day) sent / failed.
    pub quality_rows: u64,
    pub quality_sent: usize,
    pub quality_failed: usize,
    /// Sharing requests past their answer deadline: reminders sent / failed (each request once).
    pub share_sent: usize,
    pub share_failed: usize,
}

/// The day's reminders once, on `s` at the clock's time. To be called off the async runtime's
/// workers (a blocking thread of `handle`'s runtime, or a thread outside it): the messages are
/// sent through `handle.block_on`. With `daily` (the timers), parts already done today are
/// skipped and the 等保 reminders wait for [`MLPS_HOUR`]; without (`tianfu remind`), everything
/// due now is looked at (still each reminder once).
pub fn run(s: &mut dyn Backend, out: &Outbox, handle: &tokio::runtime::Handle, clock: &dyn Clock, public_url: Option<&str>, daily: Option<&mut Daily>) -> Result<DayReport, StoreError> {
    let timer = daily.is_some();
    let mut fresh = Daily::default();
    let daily = daily.unwrap_or(&mut fresh);
    let now = clock.now();
    let today = clock.today();
    let mut rep = DayReport::default();
    let mut hooks: Option<Vec<StoredWebhook>> = None;
    // 等保: once a day after MLPS_HOUR, again the same day while a send failed.
    let hour = (now + store::clock::CST_OFFSET_SECS).rem_euclid(86_400) / 3600;
    if daily.mlps_day != Some(today) && (hour >= MLPS_HOUR || !timer) {
        let hs = s.webhooks(&Scope::all())?;
        let notifier = out.notifier(out.channels(&hs));
        hooks = Some(hs);
        let mut send = |m: &secman::mlps::Message| {
            let e = Event { topic: secman::mlps::TOPIC.into(), title: m.title.clone(), lines: m.lines.clone(), at: now };
            let d = handle.block_on(notifier.notify(&e));
            for x in d.iter().filter(|x| !matches!(x.result, Ok(c) if (200..300).contains(&c))) {
                tracing::warn!(host = %x.host, "等保提醒发送失败（MLPS reminder not delivered）");
            }
            d.iter().any(|x| matches!(x.result, Ok(c) if (200..300).contains(&c)))
        };
        rep.mlps = secman::mlps::remind(s, today, now, public_url, &mut send)?;
        if rep.mlps.failed == 0 {
            daily.mlps_day = Some(today);
        }
    }
    // 软件正版化: the same hours, once a day, again the same day while a send failed.
    if daily.ledger_day != Some(today) && (hour >= MLPS_HOUR || !timer) {
        if hooks.is_none() {
            hooks = Some(s.webhooks(&Scope::all())?);
        }
        let notifier = out.notifier(out.channels(hooks.as_deref().unwrap_or_default()));
        let mut send = |title: &str, lines: &[String]| {
            let e = Event { topic: secman::ledger::TOPIC.into(), title: title.to_string(), lines: lines.to_vec(), at: now };
            let d = handle.block_on(notifier.notify(&e));
            for x in d.iter().filter(|x| !matches!(x.result, Ok(c) if (200..300).contains(&c))) {
                tracing::warn!(host = %x.host, "软件正版化提醒发送失败（software ledger reminder not delivered）");
            }
            d.iter().any(|x| matches!(x.result, Ok(c) if (200..300).contains(&c)))
        };
        rep.ledger = secman::ledger::remind(s, today, now, public_url, &mut send)?;
        if rep.ledger.failed == 0 {
            daily.ledger_day = Some(today);
        }
    }
    // 数据质量: the day's snapshot (the trends' points), then the collection rounds' reminders
    // for counties still missing (recorded before sending: at most once per county and day).
    if daily.quality_day != Some(today) && (hour >= MLPS_HOUR || !timer) {
        rep.quality_rows = s.refresh_quality(&Scope::all(), today)?;
        let due = store::quality::due_reminders(s, today)?;
        if !due.is_empty() {
            if hooks.is_none() {
                hooks = Some(s.webhooks(&Scope::all())?);
            }
            let notifier = out.notifier(out.channels(hooks.as_deref().unwrap_or_default()));
            for (round, c) in &due {
                let mut lines = vec![
                    format!("轮次：{}", round.new.name),
                    format!("区县：{}（{}）", c.name, c.county),
                    format!("截止日期：{}，{}", round.new.due_on, c.status.zh()),
                ];
                if let Some(u) = public_url {
                    lines.push(format!("报送情况：{}/quality/rounds/{}", u.trim_end_matches('/'), round.id));
                }
                let e = Event { topic: "quality".into(), title: format!("【数据采集催报】{}：{}", c.name, round.new.name), lines, at: now };
                let d = handle.block_on(notifier.notify(&e));
                if d.iter().any(|x| matches!(x.result, Ok(code) if (200..300).contains(&code))) {
                    rep.quality_sent += 1;
                } else {
                    rep.quality_failed += 1;
                    tracing::warn!(county = c.county, "数据采集催报发送失败（collection reminder not delivered）");
                }
            }
            let detail = serde_json::json!({ "day": today.to_string(), "counties": due.len(), "sent": rep.quality_sent, "failed": rep.quality_failed }).to_string();
            let outcome = if rep.quality_failed == 0 { "ok" } else { "failed" };
            s.append_audit(&AuditEvent { actor: "system".into(), action: "quality_remind".into(), target: format!("quality:{today}"), detail, ip: String::new(), outcome: outcome.into() })?;
        }
        daily.quality_day = Some(today);
    }
    // 数据共享: 有条件 requests past their answer deadline, each reminded once (marked before it is
    // sent: at most once), to every robot, topic `share`; the province's console marks them overdue.
    let overdue = s.share_overdue_to_remind(now)?;
    if !overdue.is_empty() {
        if hooks.is_none() {
            hooks = Some(s.webhooks(&Scope::all())?);
        }
        let notifier = out.notifier(out.channels(hooks.as_deref().unwrap_or_default()));
        for q in &overdue {
            let mut lines = vec![
                format!("申请编号：{}", q.id),
                format!("使用方：{}", q.consumer_name),
                format!("数据资源：{}（提供方 {}）", q.dataset_name, q.provider_code),
                format!("答复期限：{}，已逾期，请提供方尽快审核", crate::routes::share::when(q.due_at)),
            ];
            if let Some(u) = public_url {
                lines.push(format!("审核：{}/share#queue", u.trim_end_matches('/')));
            }
            let e = Event { topic: "share".into(), title: format!("【共享申请逾期未答复】{}", q.dataset_name), lines, at: now };
            let d = handle.block_on(notifier.notify(&e));
            if d.iter().any(|x| matches!(x.result, Ok(code) if (200..300).contains(&code))) {
                rep.share_sent += 1;
            } else {
                rep.share_failed += 1;
                tracing::warn!(request = q.id, "共享申请逾期提醒发送失败（sharing request reminder not delivered）");
            }
        }
        let ids: Vec<i64> = overdue.iter().map(|q| q.id).collect();
        let detail = serde_json::json!({ "requests": ids.len(), "sent": rep.share_sent, "failed": rep.share_failed }).to_string();
        let outcome = if rep.share_failed == 0 { "ok" } else { "failed" };
        s.append_audit(&AuditEvent { actor: "system".into(), action: "share_remind".into(), target: format!("share_requests:{}", ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")), detail, ip: String::new(), outcome: outcome.into() })?;
    }
    // 零报告: every period running today, once its cut-off has passed. A message not
    // delivered gives its units' claims back: tried again at the next run (tick) of the day.
    for p in s.periods(&Scope::all(), 500)? {
        if !p.holds(today) || now < p.cutoff_of(today) || daily.duty_days.get(&p.id) == Some(&today) {
            continue;
        }
        let (m, units) = secman::duty::due_reminders(s, clock, &Scope::all(), &p)?;
        rep.duty_periods += 1;
        let (mut sent, mut failed) = (0, 0);
        if !m.is_empty() {
            if hooks.is_none() {
                hooks = Some(s.webhooks(&Scope::all())?);
            }
            let hs = hooks.as_deref().unwrap_or_default();
            for msg in m {
                let codes = msg.units.clone();
                if handle.block_on(out.send_one(hs, msg)) {
                    sent += 1;
                } else {
                    failed += 1;
                    s.release_reminders(p.id, today, &codes)?;
                }
            }
        }
        if failed == 0 {
            daily.duty_days.insert(p.id, today);
        }
        rep.duty_sent += sent;
        rep.duty_failed += failed;
        if units > 0 {
            rep.duty_units += units;
            let detail = serde_json::json!({ "day": today.to_string(), "units": units, "messages": sent + failed, "sent": sent, "failed": failed }).to_string();
            let outcome = if failed == 0 { "ok" } else { "failed" };
            s.append_audit(&AuditEvent { actor: "system".into(), action: "duty_remind".into(), target: format!("duty_period:{}", p.id), detail, ip: String::new(), outcome: outcome.into() })?;
        }
    }
    // Incident messages to duty robots not delivered earlier: tried again.
    let (sent, left) = retry_queued(s, out, handle, &mut hooks, now)?;
    rep.retry_sent = sent;
    rep.retry_waiting = left;
    Ok(rep)
}

/// The duty-robot messages about incident `id` (topic `incident`): to the robot of its unit
/// (or the nearest bureau's above it) and, when `escalated_to` is given, to that unit's too —
/// one message per robot. `title` and `lines` are the notice (no personal data); the posts on
/// duty are added by `secman::duty::notify_on_duty`.
pub fn incident_messages(s: &mut dyn Backend, clock: &dyn Clock, unit: i64, escalated_to: Option<i64>, title: &str, lines: &[String]) -> Result<Vec<Message>, StoreError> {
    let mut out: Vec<Message> = Vec::new();
    for u in std::iter::once(unit).chain(escalated_to) {
        if let Some(m) = secman::duty::notify_on_duty(s, clock, &Scope::all(), u, secman::incidents::NOTICE_TOPIC, title, lines)? {
            if !out.iter().any(|x| x.webhook_id == m.webhook_id) {
                out.push(m);
            }
        }
    }
    Ok(out)
}

/// The messages for newly reported incidents `ids` (console, API, the monitor's intake).
pub fn reported_messages(s: &mut dyn Backend, clock: &dyn Clock, ids: &[i64], public_url: Option<&str>) -> Result<Vec<Message>, StoreError> {
    let mut out = Vec::new();
    for id in ids {
        let Some(i) = s.incident(&Scope::all(), *id)? else { continue };
        let unit = secman::incidents::unit_label(s, &i);
        let title = format!("【事件报告】网络安全事件 #{}：{}", i.id, i.title);
        let mut lines = vec![format!("发生单位：{unit}"), format!("事件分级：{}", secman::incidents::classes::grade_label(i.grade_or_proposed()))];
        if let Some(u) = public_url {
            lines.push(format!("事件详情：{}/incidents/{}", u.trim_end_matches('/'), i.id));
        }
        out.extend(incident_messages(s, clock, i.unit_code, None, &title, &lines)?);
    }
    Ok(out)
}

/// The messages for the escalations of a sweep: each notice to the duty robots of the
/// incident's unit and of the unit it went to.
pub fn escalated_messages(s: &mut dyn Backend, clock: &dyn Clock, report: &secman::incidents::SweepReport, public_url: Option<&str>) -> Result<Vec<Message>, StoreError> {
    let mut out = Vec::new();
    for (id, to) in &report.escalated {
        let Some(i) = s.incident(&Scope::all(), *id)? else { continue };
        let Some(n) = report.notices.iter().find(|n| n.incident == *id) else { continue };
        let mut lines = n.lines.clone();
        if let Some(u) = public_url {
            lines.push(format!("事件详情：{}/incidents/{}", u.trim_end_matches('/'), id));
        }
        out.extend(incident_messages(s, clock, i.unit_code, Some(*to), &n.title, &lines)?);
    }
    Ok(out)
}

/// How long an incident message not delivered to a duty robot is tried again (each run of
/// [`run`]: every minute in the server) before it is given up.
pub const RETRY_SECS: i64 = 86_400;

/// Queues incident messages that were not delivered, to be tried again by [`run`].
pub fn queue_failed(s: &mut dyn Backend, failed: Vec<Message>, now: i64) -> Result<(), StoreError> {
    for m in failed {
        let q = store::duty::QueuedMessage { id: 0, webhook_id: m.webhook_id, topic: m.topic, title: m.title, lines: m.lines, queued_at: now, attempts: 1 };
        s.queue_duty_message(&Scope::all(), &q, now)?;
    }
    Ok(())
}

/// Sends incident messages to the duty robots off the runtime's workers (the sends block on
/// `handle`); those not delivered are queued and tried again by [`run`]: (sent, failed).
pub fn deliver_duty(s: &mut dyn Backend, out: &Outbox, handle: &tokio::runtime::Handle, hooks: &[StoredWebhook], msgs: Vec<Message>) -> Result<(usize, usize), StoreError> {
    if msgs.is_empty() {
        return Ok((0, 0));
    }
    let (ok, failed) = handle.block_on(out.send_duty_keeping(hooks, msgs));
    let n = failed.len();
    queue_failed(s, failed, out.clock.now())?;
    Ok((ok, n))
}

/// The queued incident messages tried again (those queued more than [`RETRY_SECS`] ago given
/// up): (sent now, still waiting).
pub fn retry_queued(s: &mut dyn Backend, out: &Outbox, handle: &tokio::runtime::Handle, hooks: &mut Option<Vec<StoredWebhook>>, now: i64) -> Result<(usize, usize), StoreError> {
    let queued = s.queued_duty_messages(&Scope::all(), now - RETRY_SECS, 200)?;
    if queued.is_empty() {
        return Ok((0, 0));
    }
    if hooks.is_none() {
        *hooks = Some(s.webhooks(&Scope::all())?);
    }
    let hs = hooks.as_deref().unwrap_or_default();
    let (mut sent, mut left) = (0, 0);
    for q in queued {
        let m = Message { webhook_id: q.webhook_id, topic: q.topic, title: q.title, lines: q.lines, units: Vec::new() };
        let ok = handle.block_on(out.send_one(hs, m));
        s.settle_duty_message(&Scope::all(), q.id, ok)?;
        if ok {
            sent += 1;
        } else {
            left += 1;
        }
    }
    Ok((sent, left))
}

/// Sends incident messages from inside the server (the robots read through the pool); those
/// not delivered are queued and tried again by the minute timer ([`run`]).
pub async fn send_duty(app: &Arc<crate::state::AppState>, msgs: Vec<Message>) -> Result<(usize, usize), String> {
    if msgs.is_empty() {
        return Ok((0, 0));
    }
    let hooks = app.pool.run(move |s| Ok(s.webhooks(&Scope::all())?)).await.map_err(|e| format!("{e:?}"))?;
    let out = Outbox::of_targets(&app.targets, app.clock.clone())?;
    let (ok, failed) = out.send_duty_keeping(&hooks, msgs).await;
    let n = failed.len();
    if n > 0 {
        let now = app.clock.now();
        app.pool.run(move |s| Ok(queue_failed(s, failed, now)?)).await.map_err(|e| format!("{e:?}"))?;
    }
    Ok((ok, n))
}

/// The server's daily reminders, one timer tick.
pub async fn round(app: &Arc<crate::state::AppState>, daily: &Arc<std::sync::Mutex<Daily>>) -> Result<DayReport, String> {
    let out = Outbox::of_targets(&app.targets, app.clock.clone())?;
    let clock = app.clock.clone();
    let url = app.config.public_url.clone();
    let daily = daily.clone();
    let handle = tokio::runtime::Handle::current();
    app.pool
        .run(move |s| {
            let mut d = daily.lock().map_err(|_| crate::error::AppError::Unavailable("reminders: poisoned".into()))?;
            Ok(run(s, &out, &handle, clock.as_ref(), url.as_deref(), Some(&mut d))?)
        })
        .await
        .map_err(|e| format!("{e:?}"))
}
