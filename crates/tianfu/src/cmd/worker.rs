//! `tianfu worker`: checks the registered sites as they fall due, until Ctrl-C. Run one on each
//! of several hosts against one PostgreSQL database to share the load.

use super::{db, fail, probe, LangArg};
use guard::webhook::WebhookTarget;
use guard::worker::{Options, Worker};
use guard::{Config, Prober};
use standard::Lang;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use store::clock::Clock;

#[derive(clap::Args)]
pub struct Args {
    #[arg(long)]
    pub db: Option<String>,
    /// Checks in flight at once.
    #[arg(long, default_value_t = 32)]
    pub concurrency: usize,
    /// Sites claimed per cycle.
    #[arg(long, default_value_t = 128)]
    pub batch: usize,
    /// Seconds allowed for fetching a home page over each address family.
    #[arg(long, default_value_t = 15.0)]
    pub timeout: f64,
    /// Webhook targets: a JSON file `[{"kind": "dingtalk|wecom|feishu|generic", "url": …,
    /// "secret": …}]` (a file, so that secrets stay out of the process list).
    #[arg(long, value_name = "FILE")]
    pub webhooks: Option<PathBuf>,
    /// Extra trusted CA certificates (PEM), for sites and webhooks.
    #[arg(long, value_name = "FILE")]
    pub ca: Vec<PathBuf>,
    /// Pin a host name to an address: HOST:PORT:ADDR (repeatable).
    #[arg(long, value_name = "HOST:PORT:ADDR")]
    pub resolve: Vec<String>,
    /// Hours between two IPv6 depth crawls of a site (levels 2 and 3 of its internal links).
    #[arg(long, default_value_t = 24.0)]
    pub crawl_hours: f64,
    /// Depth crawls in flight at once; 0 turns them off.
    #[arg(long, default_value_t = 2)]
    pub crawl_concurrency: usize,
    /// Run one cycle (and one round of due crawls) and exit (for cron and tests).
    #[arg(long)]
    pub once: bool,
    /// Serve /metrics (checks and findings by kind) and /healthz on this address, for the
    /// addresses in `metrics_allow` of tianfu.toml (default: this machine) (监控指标地址).
    #[arg(long, value_name = "ADDR")]
    pub metrics_listen: Option<String>,
    #[command(flatten)]
    pub policy: super::targets::PolicyArgs,
    #[arg(long, value_enum, default_value = "zh")]
    pub lang: LangArg,
}

pub fn run(a: Args) -> u8 {
    let lang: Lang = a.lang.into();
    if !(a.timeout > 0.0 && a.timeout < 3600.0) || a.concurrency == 0 {
        return fail(lang, "--timeout 应为 0 到 3600 秒，--concurrency 至少为 1", "--timeout must be 0–3600 s and --concurrency at least 1");
    }
    // Held while checking: `tianfu restore` refuses to replace the files meanwhile.
    let _instance = match super::conf::resolve(lang, &[super::conf::db_flag(a.db.as_ref())]) {
        Ok(c) => match super::instance::hold(&c.data_dir, lang) {
            Ok(f) => f,
            Err(code) => return code,
        },
        Err(code) => return code,
    };
    let webhooks: Vec<WebhookTarget> = match &a.webhooks {
        None => Vec::new(),
        Some(p) => match std::fs::read_to_string(p).map_err(|e| e.to_string()).and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string())) {
            Ok(w) => w,
            Err(e) => return fail(lang, &format!("告警推送配置 {}：{e}", p.display()), &format!("webhook file {}: {e}", p.display())),
        },
    };
    let cfg = match super::conf::resolve(lang, &[super::conf::db_flag(a.db.as_ref())]) {
        Ok(c) => c,
        Err(code) => return code,
    };
    // `[security]`: the incident rules the intake and the sweep follow; bad settings stop here.
    let rules = match web::ConfigExt::incident_rules(&cfg) {
        Ok(r) => r,
        Err(e) => return fail(lang, &format!("配置错误：{e}"), &format!("configuration error: {e}")),
    };
    let policy = match super::targets::policy(lang, &cfg, &a.policy) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let mut config = Config { timeout: Duration::from_secs_f64(a.timeout), policy, ..Config::default() };
    if let Err(code) = probe::load_cas(lang, &a.ca, &mut config) {
        return code;
    }
    let pins = match probe::parse_pins(lang, &a.resolve) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return fail(lang, &format!("无法启动运行时：{e}"), &format!("cannot start the runtime: {e}")),
    };
    let opener = db::monitor_opener(&cfg);
    if !(a.crawl_hours >= 1.0 / 60.0 && a.crawl_hours <= 24.0 * 365.0) {
        return fail(lang, "--crawl-hours 应在 1 分钟到一年之间", "--crawl-hours must be between a minute and a year");
    }
    let reminder_sender = match guard::webhook::Sender::new(Arc::new(probe::resolver(&pins)), &config.extra_cas) {
        Ok(x) => Arc::new(x),
        Err(e) => return fail(lang, &format!("无法创建推送客户端：{e}"), &format!("cannot set up the webhook client: {e}")),
    };
    let options = Options {
        concurrency: a.concurrency,
        batch: a.batch.max(1),
        webhooks: webhooks.clone(),
        public_url: cfg.public_url.clone(),
        crawl_interval_minutes: (a.crawl_hours * 60.0).round() as u32,
        crawl_concurrency: a.crawl_concurrency,
        after_cycle: Some(incidents_hook(&cfg, rules, Reminders { webhooks: webhooks.clone(), policy: config.policy.clone(), sender: reminder_sender })),
        ..Options::default()
    };
    let r: Result<(), (String, String)> = rt.block_on(async {
        let prober = Prober::new(config, Arc::new(probe::resolver(&pins))).map_err(|e| (format!("无法创建检测器：{e}"), format!("cannot set up the probe: {e}")))?;
        let w = Worker::new(&opener, Arc::new(prober), options).await.map_err(|e| (e.zh(), e.to_string()))?;
        if a.once {
            let r = w.cycle().await.map_err(|e| (e.zh(), e.to_string()))?;
            let c = w.crawl_round().await.map_err(|e| (e.zh(), e.to_string()))?;
            let mut v = serde_json::to_value(&r).expect("report serialises");
            v["crawls"] = serde_json::to_value(&c).expect("report serialises");
            let line = v.to_string();
            super::out(&format!("{line}\n"));
            return Ok(());
        }
        let (stop_metrics, metrics_stopped) = tokio::sync::oneshot::channel::<()>();
        if let Some(addr) = &a.metrics_listen {
            let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| (format!("无法监听 {addr}：{e}"), format!("cannot listen on {addr}: {e}")))?;
            let at = listener.local_addr().map(|a| a.to_string()).unwrap_or_else(|_| addr.clone());
            // The same `metrics_allow` as the server's.
            let allow = cfg.metrics_allow.clone();
            eprintln!("{}", if lang == Lang::Zh { format!("监控指标：http://{at}/metrics") } else { format!("metrics: http://{at}/metrics") });
            tokio::spawn(async move {
                let stopped = async {
                    let _ = metrics_stopped.await;
                };
                if let Err(e) = web::routes::ops::serve_metrics(listener, &allow, stopped).await {
                    tracing::error!(error = %e, "metrics listener failed");
                }
            });
        }
        eprintln!("{}", if lang == Lang::Zh { "监测进程已启动，按 Ctrl-C 停止" } else { "worker started; Ctrl-C stops it" });
        // Checks done so far, on a terminal.
        let _line = super::progress::worker();
        let r = w.run(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| (e.zh(), e.to_string()));
        let _ = stop_metrics.send(());
        r
    });
    match r {
        Ok(()) => 0,
        Err((zh, en)) => fail(lang, &zh, &en),
    }
}

/// The monitor → incident path: after each cycle the findings open or update incidents
/// (`secman::incidents::intake`; each new one sent to the duty robot of its unit), the day's
/// reminders go out (`web::remind::run`, the function `tianfu serve` and `tianfu remind` use:
/// 等保 and duty missing reports, each once) and overdue incidents are escalated (`sweep`,
/// its notices sent to the group robots and the duty robots), through one connection of its
/// own opened when first needed.
/// Where the messages go: the configuration file's robots and the console's enabled ones,
/// under the monitor's address policy.
struct Reminders {
    webhooks: Vec<WebhookTarget>,
    policy: guard::NetPolicy,
    sender: Arc<guard::webhook::Sender>,
}

fn incidents_hook(cfg: &::config::Config, rules: secman::incidents::Rules, reminders: Reminders) -> guard::worker::AfterCycle {
    let cfg = cfg.clone();
    let conn: Arc<std::sync::Mutex<Option<Box<dyn store::Backend>>>> = Arc::default();
    // What went out today (the reminders themselves are recorded in the database).
    let daily: Arc<std::sync::Mutex<web::remind::Daily>> = Arc::default();
    let clock: Arc<dyn store::clock::Clock> = Arc::new(store::clock::SystemClock);
    let out = web::remind::Outbox { sender: reminders.sender, policy: reminders.policy, extra: reminders.webhooks, clock: clock.clone() };
    guard::worker::AfterCycle(Arc::new(move |_| {
        let mut g = conn.lock().map_err(|_| "incident intake: a panic poisoned its connection".to_string())?;
        if g.is_none() {
            *g = Some(super::db::open_backend(&cfg).map_err(|e| format!("网络安全事件登记无法打开数据库（incident intake cannot open the database）：{}", e.zh()))?);
        }
        let s = g.as_mut().expect("opened above");
        let handle = tokio::runtime::Handle::current();
        let url = cfg.public_url.as_deref();
        let opened = secman::incidents::intake(&mut **s, &rules, clock.as_ref()).map_err(|e| format!("网络安全事件登记失败（incident intake failed）：{}", e.zh()))?.opened;
        // New incidents to the people on duty (failures logged; the intake stands).
        if !opened.is_empty() {
            match web::remind::reported_messages(&mut **s, clock.as_ref(), &opened, url).and_then(|m| Ok((m, s.webhooks(&store::Scope::all())?))) {
                Ok((m, hooks)) if !m.is_empty() => {
                    if let Err(e) = web::remind::deliver_duty(&mut **s, &out, &handle, &hooks, m) {
                        tracing::warn!(error = %e.zh(), "事件值班通知失败（incident duty message failed）");
                    }
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e.zh(), "事件值班通知失败（incident duty message failed）"),
            }
        }
        // The day's reminders (their failures are logged; incidents go on).
        {
            let mut d = daily.lock().map_err(|_| "reminders: a panic poisoned the day".to_string())?;
            match web::remind::run(&mut **s, &out, &handle, clock.as_ref(), url, Some(&mut d)) {
                Ok(r) if r.mlps.failed > 0 => tracing::warn!(failed = r.mlps.failed, "等保提醒未全部送达，稍后重试（MLPS reminders partly failed; retried）"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e.zh(), "提醒失败（reminders failed）"),
            }
        }
        // The deadline sweep: overdue incidents escalated (once per level; cheap when none is
        // due), each escalation announced to the group robots and the duty robots.
        let r = secman::incidents::sweep(&mut **s, &rules, clock.as_ref()).map_err(|e| format!("网络安全事件超时检查失败（incident deadline sweep failed）：{}", e.zh()))?;
        if !r.escalated.is_empty() {
            let got = s.webhooks(&store::Scope::all()).and_then(|hooks| Ok((web::remind::escalated_messages(&mut **s, clock.as_ref(), &r, url)?, hooks)));
            match got {
                Ok((duty, hooks)) => {
                    let n = out.notifier(out.channels(&hooks));
                    let sent = handle.block_on(web::sweep::deliver(&n, &r.notices, clock.now(), url));
                    let (ok, failed) = web::remind::deliver_duty(&mut **s, &out, &handle, &hooks, duty).unwrap_or((0, 0));
                    tracing::info!(escalated = r.escalated.len(), sent = sent.sent + ok, failed = sent.failed + failed, "incident deadline sweep");
                }
                Err(e) => tracing::warn!(error = %e.zh(), "超时升级通知失败（escalation notices failed）"),
            }
        }
        Ok(())
    }))
}
