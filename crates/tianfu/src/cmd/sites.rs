//! `tianfu sites import FILE` and `tianfu sites list`: the monitor's site register at the
//! console (an administrator with access to the server sees the whole province).

use super::{db, fail, out, FormatArg, LangArg};
use standard::Lang;
use std::path::PathBuf;
use store::monitor::{SiteCategory, SiteQuery, SiteState};
use store::Scope;

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
}

#[derive(clap::Subcommand)]
pub enum SitesCommand {
    /// Register sites from a CSV file (名称, 网址, 单位代码, 类别, 检查间隔), upserted by URL.
    Import { file: PathBuf },
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
}

const PROVINCE: Scope = Scope::Region { lo: 510000, hi: 519999 };

pub fn run(a: Args) -> u8 {
    let lang: Lang = a.lang.into();
    let zh = lang == Lang::Zh;
    let mut s = match db::open_monitor(a.db.as_deref()) {
        Ok(s) => s,
        Err(e) => return fail(lang, &e.zh(), &e.to_string()),
    };
    match a.command {
        SitesCommand::Import { file } => {
            let bytes = match std::fs::read(&file) {
                Ok(b) => b,
                Err(e) => return fail(lang, &format!("无法读取 {}：{e}", file.display()), &format!("cannot read {}: {e}", file.display())),
            };
            let rows = match guard::register::parse_sites_csv(&bytes) {
                Ok(r) => r,
                Err(e) => return fail(lang, &e, &e),
            };
            // The owners are looked up in the tree first: the import holds the store after.
            let mut known = std::collections::HashMap::new();
            for (_, site) in &rows.valid {
                if let std::collections::hash_map::Entry::Vacant(v) = known.entry(site.org_code) {
                    match s.org_unit(site.org_code) {
                        Ok(u) => v.insert(u.is_some()),
                        Err(e) => return fail(lang, &e.zh(), &e.to_string()),
                    };
                }
            }
            let mut lookup = |code: i64| Ok(known.get(&code).copied().unwrap_or(false));
            let r = guard::register::import_sites(&mut *s, &bytes, store::time::unix_now(), &mut lookup);
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
            let mut q = SiteQuery { region, category, state, include_disabled: all, after: None, limit: store::browse::MAX_PAGE };
            let mut rows = Vec::new();
            loop {
                let page = match s.sites(&PROVINCE, &q) {
                    Ok(p) => p,
                    Err(e) => return fail(lang, &e.zh(), &e.to_string()),
                };
                rows.extend(page.rows);
                match page.next {
                    Some(n) => q.after = Some(n),
                    None => break,
                }
            }
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
    }
}
