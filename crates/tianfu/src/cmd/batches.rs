//! `tianfu batches list|show ID [--errors FILE]`: import batches and their rejected rows.

use super::{db, fail, out, FormatArg, LangArg};
use standard::Lang;
use std::fmt::Write as _;
use std::path::PathBuf;
use store::{AuditEvent, BatchSummary};

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: BatchesCommand,
}

#[derive(clap::Subcommand)]
pub enum BatchesCommand {
    /// Recent batches, newest first.
    List {
        #[arg(long, default_value_t = 20)]
        limit: usize,
        #[command(flatten)]
        common: Common,
    },
    /// One batch, with its rejected rows written to --errors FILE.csv|FILE.xlsx.
    Show {
        id: i64,
        #[arg(long, value_name = "FILE")]
        errors: Option<PathBuf>,
        #[command(flatten)]
        common: Common,
    },
}

#[derive(clap::Args)]
pub struct Common {
    #[arg(long)]
    pub db: Option<String>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: FormatArg,
    /// zh or en; by default the configuration's `lang` (Chinese unless set to en).
    #[arg(long, value_enum)]
    pub lang: Option<LangArg>,
}

impl Common {
    /// The language asked for, else the configuration's; and the configuration.
    fn resolve(&self) -> Result<(Lang, ::config::Config), u8> {
        let asked: Option<Lang> = self.lang.map(Into::into);
        let cfg = super::conf::resolve(asked.unwrap_or(Lang::Zh), &[super::conf::db_flag(self.db.as_ref())])?;
        let lang = asked.unwrap_or(if cfg.lang == "en" { Lang::En } else { Lang::Zh });
        Ok((lang, cfg))
    }
}

/// How many rejected rows `show` lists (by line, with their reasons); the rest are counted.
const SHOWN_ROWS: usize = 20;

/// A rule's reason in `lang`, the code after it in parentheses (issue 12: the reason first, the
/// code secondary); an unknown code is shown as it is.
pub(crate) fn reason(lang: Lang, code: &str) -> String {
    let text = standard::Rule::from_code(code).map(|r| r.message(lang)).or_else(|| standard::Warning::from_code(code).map(|w| w.message(lang)));
    match (text, lang) {
        (Some(t), Lang::Zh) => format!("{t}（{code}）"),
        (Some(t), Lang::En) => format!("{t} ({code})"),
        (None, _) => code.to_string(),
    }
}

pub fn run(a: Args) -> u8 {
    match a.command {
        BatchesCommand::List { limit, common } => list(limit, common),
        BatchesCommand::Show { id, errors, common } => show(id, errors, common),
    }
}

fn list(limit: usize, c: Common) -> u8 {
    let (lang, cfg) = match c.resolve() {
        Ok(v) => v,
        Err(code) => return code,
    };
    let mut store = match db::open(&cfg) {
        Ok(s) => s,
        Err(e) => return fail(lang, &e.zh(), &e.to_string()),
    };
    let batches = match store.list_batches(limit) {
        Ok(b) => b,
        Err(e) => return fail(lang, &e.zh(), &e.to_string()),
    };
    if c.format == FormatArg::Json {
        out(&(serde_json::to_string_pretty(&batches).expect("serialises") + "\n"));
        return 0;
    }
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{}",
        if lang == Lang::Zh { "批次  类型    时间                         读取      新增      更新      未变      拒收  文件" } else { "batch entity  finished                  read  inserted   updated unchanged  rejected  file" }
    );
    for b in &batches {
        // A Chinese entity name is two characters of double width: padded to 5 characters, 7 columns.
        let entity = if lang == Lang::Zh { format!("{:<5}", b.entity.zh()) } else { format!("{:<7}", b.entity.key()) };
        let _ = writeln!(s, "{:>5} {entity} {:<24} {:>8} {:>9} {:>9} {:>9} {:>9}  {}", b.id, b.finished_at, b.rows_read, b.inserted, b.updated, b.unchanged, b.rejected, b.file_name);
    }
    if batches.is_empty() {
        let _ = writeln!(s, "{}", if lang == Lang::Zh { "（还没有导入批次）" } else { "(no batches yet)" });
    }
    out(&s);
    0
}

fn show(id: i64, errors: Option<PathBuf>, c: Common) -> u8 {
    // Rejected rows hold the file's original values (ID numbers, names) in full: writing them
    // out is an unmasked export, recorded in the audit log like `tianfu export`.
    let (lang, cfg) = match c.resolve() {
        Ok(v) => v,
        Err(code) => return code,
    };
    let mut store = match db::open_backend(&cfg) {
        Ok(s) => s,
        Err(e) => return fail(lang, &e.zh(), &e.to_string()),
    };
    let b: BatchSummary = match store.get_batch(id) {
        Ok(Some(b)) => b,
        Ok(None) => return fail(lang, &format!("没有编号为 {id} 的批次（tianfu batches list 可查看已有批次）"), &format!("there is no batch {id} (tianfu batches list shows the batches)")),
        Err(e) => return fail(lang, &e.zh(), &e.to_string()),
    };
    if let Some(path) = &errors {
        let log = |s: &mut dyn store::Backend, outcome: &str, rows: u64| {
            let detail = serde_json::json!({ "what": "rejected_rows", "entity": b.entity.key(), "masked": false, "rows": rows, "to": path.display().to_string() });
            s.append_audit(&AuditEvent { actor: db::console_actor(), action: "export".into(), target: format!("batch:{id}"), detail: detail.to_string(), ip: String::new(), outcome: outcome.into() })
        };
        if let Err(e) = log(store.as_mut(), "started", 0) {
            return fail(lang, &e.zh(), &e.to_string());
        }
        let written = loader::write_errors(store.as_mut(), &b, path, lang);
        let logged = log(store.as_mut(), if written.is_ok() { "ok" } else { "failed" }, *written.as_ref().unwrap_or(&0));
        if let Err(f) = written {
            return fail(lang, &f.zh, &f.en);
        }
        if let Err(e) = logged {
            return fail(lang, &e.zh(), &e.to_string());
        }
    }
    if c.format == FormatArg::Json {
        out(&(serde_json::to_string_pretty(&b).expect("serialises") + "\n"));
        return 0;
    }
    // The rejected rows by line and reason (no values: those go to --errors only, audited).
    let mut rows = Vec::new();
    let listed = store.rejected_rows(b.id, &mut |r| {
        if rows.len() < SHOWN_ROWS {
            rows.push((r.line, r.codes));
        }
        Ok(())
    });
    if let Err(e) = listed {
        return fail(lang, &e.zh(), &e.to_string());
    }
    out(&summary(lang, &b, &rows));
    let mut s = String::new();
    if let Some(p) = &errors {
        let _ = writeln!(s, "{}{}", if lang == Lang::Zh { "拒收行已写入 " } else { "Rejected rows written to " }, p.display());
    }
    out(&s);
    0
}

/// The text of `show`: the batch, its counts (条) and time (秒), the reasons with their rows, and
/// the first rejected rows by line — each reason first, its rule code after it in parentheses.
fn summary(lang: Lang, b: &BatchSummary, rows: &[(u64, Vec<String>)]) -> String {
    let report: serde_json::Value = serde_json::from_str(&b.report_json).unwrap_or_default();
    let zh = lang == Lang::Zh;
    let mut s = String::new();
    // `console`: the server's command line without a known operator (as the console says it).
    let who = match (b.user.as_str(), zh) {
        ("console", true) => "服务器命令行",
        ("console", false) => "the server command line",
        (u, _) => u,
    };
    let secs = report["elapsed_ms"].as_u64().map(|ms| format!("{:.1}", ms as f64 / 1000.0));
    if zh {
        let _ = write!(s, "批次 {}（{}）：{}，导入人 {}，{} 至 {}", b.id, b.entity.zh(), b.file_name, who, b.started_at, b.finished_at);
        let _ = writeln!(s, "{}", secs.map(|x| format!("，耗时 {x} 秒")).unwrap_or_default());
        let _ = writeln!(s, "读取 {} 条：新增 {} 条，更新 {} 条，未变 {} 条，拒收 {} 条。", b.rows_read, b.inserted, b.updated, b.unchanged, b.rejected);
    } else {
        let _ = write!(s, "Batch {} ({}): {}, by {}, {} to {}", b.id, b.entity, b.file_name, who, b.started_at, b.finished_at);
        let _ = writeln!(s, "{}", secs.map(|x| format!(", took {x} s")).unwrap_or_default());
        let _ = writeln!(s, "Read {} rows: {} inserted, {} updated, {} unchanged, {} rejected.", b.rows_read, b.inserted, b.updated, b.unchanged, b.rejected);
    }
    if let Some(v) = report["standard"].as_str().filter(|v| !v.is_empty()) {
        let _ = writeln!(s, "{}", if zh { format!("校验依据：数据标准 {v} 版。") } else { format!("Validated against the data standard, version {v}.") });
    }
    let mut reasons: Vec<(String, u64)> = report["errors"].as_object().map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_u64().unwrap_or(0))).collect()).unwrap_or_default();
    reasons.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    if !reasons.is_empty() {
        let _ = writeln!(s, "{}", if zh { "拒收原因：" } else { "Why rows were rejected:" });
        for (code, n) in &reasons {
            if zh {
                let _ = writeln!(s, "  {}：{n} 条", reason(lang, code));
            } else {
                let _ = writeln!(s, "  {}: {n} row{}", reason(lang, code), if *n == 1 { "" } else { "s" });
            }
        }
    }
    if !rows.is_empty() {
        let _ = writeln!(s, "{}", if zh { format!("拒收行（前 {} 条）：", rows.len()) } else { format!("Rejected rows (the first {}):", rows.len()) });
        for (line, codes) in rows {
            let why: Vec<String> = codes.iter().map(|c| reason(lang, c)).collect();
            if zh {
                let _ = writeln!(s, "  第 {line} 行：{}", why.join("；"));
            } else {
                let _ = writeln!(s, "  line {line}: {}", why.join("; "));
            }
        }
        let more = b.rejected.saturating_sub(rows.len() as u64);
        if more > 0 {
            let _ = writeln!(s, "{}", if zh { format!("  另有 {more} 条拒收行：用 --errors 文件.xlsx 导出全部明细。") } else { format!("  {more} more rejected rows: write them all out with --errors FILE.xlsx.") });
        }
    }
    s
}
