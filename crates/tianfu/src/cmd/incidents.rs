//! `tianfu incidents sweep`: the incidents' deadline sweep once, without the monitor's worker
//! (`tianfu serve` also runs it every minute): every open incident not reported upward by its
//! deadline is escalated one level up the tree (each level once, audited
//! `incident_escalate`), one message per escalation goes to the console's group robots (topic
//! `incident`), and what was escalated is printed. A review (复盘) overdue since recovery
//! (`security.incident_review_days` working days, `--review-days`) is announced once the same way. Exit codes: 0 done, 2 it could not be done.

use super::{db, fail, out, LangArg};
use standard::Lang;
use std::sync::Arc;
use store::clock::Clock;
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
    /// Escalate overdue incidents once and notify the group robots (超时升级检查).
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
    let (report, channels) = match web::sweep::sweep(s.as_mut(), &rules, clock.as_ref()) {
        Ok(x) => x,
        Err(e) => return fail(lang, &e.zh(), &e.to_string()),
    };
    drop(s);
    let mut text = String::new();
    for n in &report.notices {
        text.push_str(&format!("{}\n  {}\n", n.title, n.lines.join("\n  ")));
    }
    let mut sent = web::sweep::Sent::default();
    if !report.notices.is_empty() && !channels.is_empty() {
        let resolver: Arc<dyn guard::Resolver> = match guard::SystemResolver::new() {
            Ok(r) => Arc::new(r),
            Err(_) => Arc::new(guard::StaticResolver::new()),
        };
        let targets = guard::target::TargetCheck::new(c.net_policy().unwrap_or_default(), resolver);
        let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
            Ok(rt) => rt,
            Err(e) => return fail(lang, &format!("无法启动运行时：{e}"), &format!("cannot start the runtime: {e}")),
        };
        sent = rt.block_on(async {
            match web::sweep::notifier(&targets, channels, clock.clone()) {
                Ok(n) => web::sweep::deliver(&n, &report.notices, clock.now(), c.public_url.as_deref()).await,
                Err(e) => {
                    tracing::warn!(error = %e, "incident notices not sent");
                    web::sweep::Sent { sent: 0, failed: report.notices.len() }
                }
            }
        });
    }
    if zh {
        text.push_str(&format!("超时未报 {} 起，本次升级 {} 起；通知已发送 {} 条，失败 {} 条\n", report.overdue, report.escalated.len(), sent.sent, sent.failed));
    } else {
        text.push_str(&format!("{} overdue, {} escalated now; {} notices sent, {} failed\n", report.overdue, report.escalated.len(), sent.sent, sent.failed));
    }
    out(&text);
    0
}
