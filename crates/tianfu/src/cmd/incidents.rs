//! `tianfu incidents sweep`: the incidents' deadline sweep once, without the monitor's worker
//! (`tianfu serve` also runs it every minute): every open incident not reported upward by its
//! deadline is escalated one level up the tree (each level once, audited
//! `incident_escalate`), one message per escalation goes to the console's group robots (topic
//! `incident`) and to the duty robots of the incident's unit and of the unit it went to
//! (`web::sweep::once`, the messages of the server's timer), and what was escalated is printed.
//! A review (复盘) overdue since recovery (`security.incident_review_days` working days,
//! `--review-days`) is announced once the same way. Exit codes: 0 done, 2 it could not be done.

use super::{db, fail, out, LangArg};
use standard::Lang;
use std::sync::Arc;
use web::ConfigExt;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: IncidentsCommand,
    #[arg(long, global = true)]
    pub db: Option<String>,
    #[arg(long, value_enum, default_value = "zh", global = true)]
    pub lang: LangArg,
    /// Working days after recovery by which the review is due (`security.incident_review_days`).
    #[arg(long, global = true)]
    pub review_days: Option<u64>,
}

#[derive(clap::Subcommand)]
pub enum IncidentsCommand {
    /// Escalate overdue incidents once and notify the group and duty robots (超时升级检查).
    Sweep,
}

pub fn run(a: Args) -> u8 {
    let lang: Lang = a.lang.into();
    let zh = lang == Lang::Zh;
    let c = match super::conf::resolve(lang, &[super::conf::db_flag(a.db.as_ref()), super::conf::Flag::opt("--review-days", "security.incident_review_days", a.review_days)]) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let rules = match c.incident_rules() {
        Ok(r) => r,
        Err(e) => return fail(lang, &format!("配置错误：{e}"), &format!("configuration error: {e}")),
    };
    let mut s = match db::open_backend(&c) {
        Ok(s) => s,
        Err(e) => return fail(lang, &e.zh(), &e.to_string()),
    };
    let IncidentsCommand::Sweep = a.command;
    let clock: Arc<dyn store::clock::Clock> = Arc::new(store::clock::SystemClock);
    let resolver: Arc<dyn guard::Resolver> = match guard::SystemResolver::new() {
        Ok(r) => Arc::new(r),
        Err(_) => Arc::new(guard::StaticResolver::new()),
    };
    let targets = guard::target::TargetCheck::new(c.net_policy().unwrap_or_default(), resolver);
    let outbox = match web::remind::Outbox::of_targets(&targets, clock.clone()) {
        Ok(o) => o,
        Err(e) => return fail(lang, &format!("无法创建推送客户端：{e}"), &format!("cannot set up the webhook client: {e}")),
    };
    let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return fail(lang, &format!("无法启动运行时：{e}"), &format!("cannot start the runtime: {e}")),
    };
    // This thread is outside the runtime: the sends block on it. The group robots and the
    // duty robots of the units concerned, as the server's timer does.
    let (report, sent) = match web::sweep::once(s.as_mut(), &rules, &outbox, rt.handle(), clock.as_ref(), c.public_url.as_deref()) {
        Ok(x) => x,
        Err(e) => return fail(lang, &e.zh(), &e.to_string()),
    };
    drop(s);
    let mut text = String::new();
    for n in &report.notices {
        text.push_str(&format!("{}\n  {}\n", n.title, n.lines.join("\n  ")));
    }
    if zh {
        text.push_str(&format!("超时未报 {} 起，本次升级 {} 起；通知已发送 {} 条，失败 {} 条\n", report.overdue, report.escalated.len(), sent.sent, sent.failed));
    } else {
        text.push_str(&format!("{} overdue, {} escalated now; {} notices sent, {} failed\n", report.overdue, report.escalated.len(), sent.sent, sent.failed));
    }
    out(&text);
    0
}
