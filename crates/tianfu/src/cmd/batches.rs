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
    #[arg(long, value_enum, default_value = "zh")]
    pub lang: LangArg,
}

pub fn run(a: Args) -> u8 {
    match a.command {
        BatchesCommand::List { limit, common } => list(limit, common),
        BatchesCommand::Show { id, errors, common } => show(id, errors, common),
    }
}

fn list(limit: usize, c: Common) -> u8 {
    let lang: Lang = c.lang.into();
    let cfg = match super::conf::resolve(lang, &[super::conf::db_flag(c.db.as_ref())]) {
        Ok(c) => c,
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
        if lang == Lang::Zh { "批次  类型   时间                      读取      新增      更新      未变      拒收  文件" } else { "batch entity  finished                  read  inserted   updated unchanged  rejected  file" }
    );
    for b in &batches {
        let _ = writeln!(s, "{:>5} {:<7} {:<24} {:>8} {:>9} {:>9} {:>9} {:>9}  {}", b.id, b.entity.key(), b.finished_at, b.rows_read, b.inserted, b.updated, b.unchanged, b.rejected, b.file_name);
    }
    if batches.is_empty() {
        let _ = writeln!(s, "{}", if lang == Lang::Zh { "（还没有导入批次）" } else { "(no batches yet)" });
    }
    out(&s);
    0
}

fn show(id: i64, errors: Option<PathBuf>, c: Common) -> u8 {
    let lang: Lang = c.lang.into();
    // Rejected rows hold the file's original values (ID numbers, names) in full: writing them
    // out is an unmasked export, recorded in the audit log like `tianfu export`.
    let cfg = match super::conf::resolve(lang, &[super::conf::db_flag(c.db.as_ref())]) {
        Ok(c) => c,
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
    let mut s = String::new();
    match lang {
        Lang::Zh => {
            let _ = writeln!(s, "批次 {}（{}）：{}，导入人 {}，{} 至 {}", b.id, b.entity.zh(), b.file_name, b.user, b.started_at, b.finished_at);
            let _ = writeln!(s, "读取 {}：新增 {}，更新 {}，未变 {}，拒收 {}。", b.rows_read, b.inserted, b.updated, b.unchanged, b.rejected);
        }
        Lang::En => {
            let _ = writeln!(s, "Batch {} ({}): {}, by {}, {} to {}", b.id, b.entity, b.file_name, b.user, b.started_at, b.finished_at);
            let _ = writeln!(s, "Read {}: {} inserted, {} updated, {} unchanged, {} rejected.", b.rows_read, b.inserted, b.updated, b.unchanged, b.rejected);
        }
    }
    if let Some(p) = &errors {
        let _ = writeln!(s, "{}{}", if lang == Lang::Zh { "拒收行已写入 " } else { "Rejected rows written to " }, p.display());
    }
    out(&s);
    0
}
