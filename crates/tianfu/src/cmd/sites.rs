//! `tianfu sites import FILE` and `tianfu sites list`: the monitor's site register at the
//! console (an administrator with access to the server sees the whole province).

use super::{db, fail, out, FormatArg, LangArg};
use standard::Lang;
use std::path::PathBuf;
use store::monitor::{SiteCategory, SiteQuery, SiteState};

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: SitesCommand,
    #[arg(long, global = true)]
    pub db: Option<String>,
    #[arg(long, value_enum, default_value = "zh", global = true)]
    pub lang: LangArg,
    #[arg(long, value_enum, default_value = "text", global = true)]
    pub format: FormatArg,
    #[command(flatten)]
    pub policy: super::targets::PolicyArgs,
}

#[derive(clap::Subcommand)]
pub enum SitesCommand {
    /// Register sites from a CSV or XLSX file (名称, 网址, 单位代码, 类别, 检查间隔), upserted by URL.
    /// Sites whose address is, or resolves to, an internal or reserved address are rejected
    /// unless their network is allowed (--allow-network, [[monitor.allow]]).
    Import {
        file: PathBuf,
        /// Pin a host name to an address for the check of the targets: HOST:PORT:ADDR
        /// (repeatable), as for `tianfu worker`.
        #[arg(long, value_name = "HOST:PORT:ADDR")]
        resolve: Vec<String>,
    },
    /// List registered sites.
    List {
        /// A GB/T 2260 code: sites of that province, city or county.
        #[arg(long)]
        region: Option<u32>,
        /// university, vocational, school, bureau, other
        #[arg(long)]
        category: Option<String>,
        /// unknown, up, warning, down
        #[arg(long)]
        state: Option<String>,
        /// Disabled sites too.
        #[arg(long)]
        all: bool,
    },
    /// Accept a site's latest page as its baseline (tamper detection compares with it), or
    /// renew it after a change that was meant; `--missing` accepts every site that has none.
    Baseline {
        /// The site's id (see `tianfu sites list`).
        id: Option<i64>,
        #[arg(long, conflicts_with = "id")]
        missing: bool,
        /// With --missing: only the sites of this province, city or county.
        #[arg(long)]
        region: Option<u32>,
        /// Who accepts (kept with the baseline).
        #[arg(long, default_value = "console")]
        by: String,
    },
    /// IPv6 support: each category's rate and every site's result.
    Ipv6 {
        #[arg(long)]
        region: Option<u32>,
        #[arg(long)]
        category: Option<String>,
    },
}

pub fn run(a: Args) -> u8 {
    let lang: Lang = a.lang.into();
    let zh = lang == Lang::Zh;
    let c = match super::conf::resolve(lang, &[super::conf::db_flag(a.db.as_ref())]) {
        Ok(c) => c,
        Err(code) => return code,
    };
    // An administrator at the server sees the whole configured province.
    let province = web::ConfigExt::province_scope(&c);
    let province_name = web::ConfigExt::province_name(&c, zh);
    let mut s = match db::open_monitor(&c) {
        Ok(s) => s,
        Err(e) => return fail(lang, &e.zh(), &e.to_string()),
    };
    match a.command {
        SitesCommand::Import { file, resolve } => {
            let mut rows = match guard::register::read_site_file(&file, &file.to_string_lossy()) {
                Ok(r) => r,
                Err(e) => return fail(lang, &e, &e),
            };
            // The targets first (the same check as the console's), then the owners and the upsert
            // (the console's scoped import, as the whole province).
            let policy = match super::targets::policy(lang, &c, &a.policy) {
                Ok(p) => p,
                Err(code) => return code,
            };
            let pins = match super::probe::parse_pins(lang, &resolve) {
                Ok(p) => p,
                Err(code) => return code,
            };
            let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                Ok(rt) => rt,
                Err(e) => return fail(lang, &format!("无法启动运行时：{e}"), &format!("cannot start the runtime: {e}")),
            };
            rt.block_on(async {
                let check = guard::target::TargetCheck::new(policy, std::sync::Arc::new(super::probe::resolver(&pins)));
                guard::register::screen_rows(&mut rows, &check).await;
            });
            let r = guard::register::import_scoped(&mut *s, &store::Scope::all(), rows, store::time::unix_now());
            let r = match r {
                Ok(r) => r,
                Err(guard::register::ImportError::File(e)) => return fail(lang, &e, &e),
                Err(guard::register::ImportError::Store(e)) => return fail(lang, &e.zh(), &e.to_string()),
            };
            match a.format {
                FormatArg::Json => out(&(serde_json::to_string_pretty(&r).expect("report serialises") + "\n")),
                FormatArg::Text => {
                    let c = r.counts;
                    out(&if zh {
                        format!("读取 {} 行：新增 {}，更新 {}，未变 {}，拒绝 {}\n", r.rows, c.inserted, c.updated, c.unchanged, r.rejected.len())
                    } else {
                        format!("{} rows: {} added, {} updated, {} unchanged, {} rejected\n", r.rows, c.inserted, c.updated, c.unchanged, r.rejected.len())
                    });
                    for x in &r.rejected {
                        out(&if zh { format!("  第 {} 行：{}\n", x.line, x.reasons.join("；")) } else { format!("  line {}: {}\n", x.line, x.reasons.join("; ")) });
                    }
                }
            }
            u8::from(!r.rejected.is_empty())
        }
        SitesCommand::List { region, category, state, all } => {
            let category = match category.as_deref().map(|c| SiteCategory::parse(c).ok_or(c)).transpose() {
                Ok(c) => c,
                Err(c) => return fail(lang, &format!("未知类别 {c}"), &format!("unknown category {c}")),
            };
            let state = match state.as_deref().map(|x| SiteState::parse(x).ok_or(x)).transpose() {
                Ok(x) => x,
                Err(x) => return fail(lang, &format!("未知状态 {x}"), &format!("unknown state {x}")),
            };
            let q = SiteQuery { region, category, state, include_disabled: all, after: None, limit: store::browse::MAX_PAGE };
            let rows = match s.all_sites(&province, &q) {
                Ok(rows) => rows,
                Err(e) => return fail(lang, &e.zh(), &e.to_string()),
            };
            match a.format {
                FormatArg::Json => out(&(serde_json::to_string_pretty(&rows).expect("sites serialise") + "\n")),
                FormatArg::Text => {
                    for x in &rows {
                        let st = if zh { x.state.zh() } else { x.state.code() };
                        let cat = if zh { x.category.zh() } else { x.category.code() };
                        out(&format!("{:>6} {:<8} {:<10} {:<12} {:>5}m {} {}{}\n", x.id, st, cat, x.org_code, x.interval_minutes, x.url, x.name, if x.enabled { "" } else { " (停用/disabled)" }));
                    }
                }
            }
            0
        }
        SitesCommand::Baseline { id, missing, region, by } => {
            let now = store::time::unix_now();
            let r = match (id, missing) {
                // A site that does not exist answers like one without a page yet.
                (Some(id), _) => match s.accept_baseline(&store::Scope::all(), id, &by, now) {
                    Err(store::StoreError::OutOfScope) => Ok(0),
                    r => r.map(u64::from),
                },
                (None, true) => {
                    let scope = match region {
                        None => Some(province.clone()),
                        Some(r) => province.narrow(r),
                    };
                    match scope {
                        Some(sc) => s.accept_missing_baselines(&sc, &by, now),
                        None => return fail(lang, &format!("地区代码 {} 不在{province_name}内", region.unwrap_or(0)), &format!("the region {} is not in {province_name}", region.unwrap_or(0))),
                    }
                }
                (None, false) => return fail(lang, "请给出站点编号，或 --missing", "give a site id, or --missing"),
            };
            match r {
                Ok(n) if id.is_some() && n == 0 => fail(
                    lang,
                    "该站点尚无检测到的首页（或不存在），请在检测后再设基线",
                    "the site has no page checked yet (or does not exist): accept a baseline after a check",
                ),
                Ok(n) => {
                    out(&if zh { format!("已设基线：{n} 个站点\n") } else { format!("baselines accepted: {n} site(s)\n") });
                    0
                }
                Err(e) => fail(lang, &e.zh(), &e.to_string()),
            }
        }
        SitesCommand::Ipv6 { region, category } => {
            let category = match category.as_deref().map(|c| SiteCategory::parse(c).ok_or(c)).transpose() {
                Ok(c) => c,
                Err(c) => return fail(lang, &format!("未知类别 {c}"), &format!("unknown category {c}")),
            };
            let scope = match region.map(|r| (r, province.narrow(r))) {
                None => province.clone(),
                Some((_, Some(s))) => s,
                Some((r, None)) => return fail(lang, &format!("地区代码 {r} 不在{province_name}内"), &format!("the region {r} is not in {province_name}")),
            };
            let results = match s.ipv6_results(&scope, category) {
                Ok(r) => r,
                Err(e) => return fail(lang, &e.zh(), &e.to_string()),
            };
            let rates = store::monitor::category_rates(&results);
            let pct = |r: Option<f64>| r.map(|r| format!("{:.1}%", r * 100.0)).unwrap_or_else(|| "—".into());
            match a.format {
                FormatArg::Json => {
                    let sites: Vec<serde_json::Value> = results
                        .iter()
                        .map(|r| {
                            let mut v = serde_json::to_value(r).expect("serialises");
                            v["supported"] = r.supported().into();
                            v["success_rate"] = r.success_rate().into();
                            v["level2_rate"] = r.l2_rate().into();
                            v["level3_rate"] = r.l3_rate().into();
                            v
                        })
                        .collect();
                    out(&(serde_json::to_string_pretty(&serde_json::json!({ "categories": rates, "sites": sites })).expect("serialises") + "\n"));
                }
                FormatArg::Text => {
                    for c in &rates {
                        let name = if zh { c.category.zh() } else { c.category.code() };
                        out(&if zh {
                            format!("{name}：{} 个站点，已检测 {}，支持 IPv6 {}（{}），二级链接 {}，三级链接 {}\n", c.sites, c.checked, c.supported, pct(c.rate), pct(c.l2_rate), pct(c.l3_rate))
                        } else {
                            format!("{name}: {} sites, {} checked, {} support IPv6 ({}), level-2 links {}, level-3 links {}\n", c.sites, c.checked, c.supported, pct(c.rate), pct(c.l2_rate), pct(c.l3_rate))
                        });
                    }
                    for r in &results {
                        let mark = if r.checked.is_none() { "?" } else if r.supported() { "✓" } else { "✗" };
                        out(&format!("{:>6} {mark} AAAA={} home={} probes={}/{} L2={} L3={} {}\n", r.site_id, r.aaaa as u8, r.home as u8, r.successes, r.probes, pct(r.l2_rate()), pct(r.l3_rate()), r.url));
                    }
                }
            }
            0
        }
    }
}
