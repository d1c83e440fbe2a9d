//! `tianfu remind`: the day's reminders once, without the server or the worker (both also send
//! them, once a day): the 等保 reminders (`secman::mlps::remind`, to the console's group robots,
//! topic `mlps`), the software-ledger reminders (`secman::ledger::remind`, topic `software`)
//! and the duty missing-report reminders of every running period past its cut-off
//! (`secman::duty::due_reminders`, to the units' duty robots) — through `web::remind::run`, the
//! function the server's timer and the worker share. Each reminder goes out once however often
//! this runs (both are recorded). Prints the counts. Exit codes: 0 done, 2 it could not be done.

use super::{db, fail, out, FormatArg, LangArg};
use standard::Lang;
use std::sync::Arc;
use web::ConfigExt;

#[derive(clap::Args)]
pub struct Args {
    #[arg(long)]
    pub db: Option<String>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: FormatArg,
    #[arg(long, value_enum, default_value = "zh")]
    pub lang: LangArg,
}

pub fn run(a: Args) -> u8 {
    let lang: Lang = a.lang.into();
    let c = match super::conf::resolve(lang, &[super::conf::db_flag(a.db.as_ref())]) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let policy = match c.net_policy() {
        Ok(p) => p,
        Err(e) => return fail(lang, &format!("配置错误：{e}"), &format!("configuration error: {e}")),
    };
    let mut s = match db::open_backend(&c) {
        Ok(s) => s,
        Err(e) => return fail(lang, &e.zh(), &e.to_string()),
    };
    let resolver: Arc<dyn guard::Resolver> = match guard::SystemResolver::new() {
        Ok(r) => Arc::new(r),
        Err(_) => Arc::new(guard::StaticResolver::new()),
    };
    let clock: Arc<dyn store::clock::Clock> = Arc::new(store::clock::SystemClock);
    let targets = guard::target::TargetCheck::new(policy, resolver);
    let outbox = match web::remind::Outbox::of_targets(&targets, clock.clone()) {
        Ok(o) => o,
        Err(e) => return fail(lang, &format!("无法创建推送客户端：{e}"), &format!("cannot set up the webhook client: {e}")),
    };
    let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return fail(lang, &format!("无法启动运行时：{e}"), &format!("cannot start the runtime: {e}")),
    };
    // This thread is outside the runtime: the sends block on it.
    let r = match web::remind::run(s.as_mut(), &outbox, rt.handle(), clock.as_ref(), c.public_url.as_deref(), None) {
        Ok(r) => r,
        Err(e) => return fail(lang, &e.zh(), &e.to_string()),
    };
    drop(s);
    let m = r.mlps;
    let l = r.ledger;
    let text = match (a.format, lang) {
        (FormatArg::Json, _) => format!("{}\n", serde_json::to_string(&r).expect("report serialises")),
        (FormatArg::Text, Lang::Zh) => format!(
            "等保提醒：今日到期 {} 条，本次发送 {} 条，此前已发 {} 条，失败 {} 条\n软件正版化提醒：今日到期 {} 条，本次发送 {} 条，此前已发 {} 条，失败 {} 条\n零报告提醒：已过截止时间的保障期 {} 个，提醒单位 {} 个；发送 {} 条，失败 {} 条\n值班通知重发：送达 {} 条，待重发 {} 条\n",
            m.due, m.sent, m.already, m.failed, l.due, l.sent, l.already, l.failed, r.duty_periods, r.duty_units, r.duty_sent, r.duty_failed, r.retry_sent, r.retry_waiting
        ),
        (FormatArg::Text, _) => format!(
            "MLPS reminders: {} due today, {} sent now, {} sent before, {} failed\nSoftware ledger reminders: {} due today, {} sent now, {} sent before, {} failed\nDuty missing reports: {} periods past their cut-off, {} units reminded; {} messages sent, {} failed\nDuty messages retried: {} delivered, {} waiting\n",
            m.due, m.sent, m.already, m.failed, l.due, l.sent, l.already, l.failed, r.duty_periods, r.duty_units, r.duty_sent, r.duty_failed, r.retry_sent, r.retry_waiting
        ),
    };
    out(&text);
    if m.failed + l.failed + r.duty_failed > 0 {
        return fail(lang, "部分提醒未送达（等保提醒下次运行时重试）", "some reminders were not delivered (MLPS reminders are retried at the next run)");
    }
    0
}
