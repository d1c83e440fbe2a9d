//! `tianfu import FILE --entity ...`: validate, then store in one atomic batch.

use super::validate::EntityArg;
use super::{db, fail, out, FormatArg, LangArg};
use ingest::Options;
pub use loader::{import_file, ImportOptions, Outcome};
use standard::{Entity, Lang};
use std::fmt::Write as _;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// The file: CSV/TSV (UTF-8, GBK, GB18030) or XLSX.
    pub file: PathBuf,
    #[arg(long, value_enum)]
    pub entity: EntityArg,
    /// Database: a path to a SQLite file, or a postgres:// URL (over TIANFU_DATABASE_URL and
    /// the configuration file; default data_dir/tianfu.db).
    #[arg(long)]
    pub db: Option<String>,
    #[arg(long)]
    pub encoding: Option<String>,
    #[arg(long)]
    pub sheet: Option<String>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: FormatArg,
    #[arg(long, value_enum, default_value = "zh")]
    pub lang: LangArg,
    /// Who is importing (default: the OS user).
    #[arg(long)]
    pub user: Option<String>,
    /// Import even if this exact file was imported before.
    #[arg(long)]
    pub force: bool,
    /// GB/T 2260 province prefix (over the configuration's `province`; default 51 四川).
    #[arg(long)]
    pub province: Option<u32>,
}

pub fn run(a: Args) -> u8 {
    let lang: Lang = a.lang.into();
    let entity: Entity = a.entity.into();
    let c = match super::conf::resolve(lang, &[super::conf::db_flag(a.db.as_ref()), super::conf::Flag::opt("--province", "province", a.province)]) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let mut opts = Options::new(entity);
    opts.province = c.province.code;
    opts.sheet = a.sheet.clone();
    match super::encoding_arg(lang, a.encoding.as_deref()) {
        Ok(enc) => opts.encoding = enc,
        Err(code) => return code,
    }
    if !a.file.is_file() {
        let e = ingest::IngestError::NotFound(a.file.clone());
        return fail(lang, &e.zh(), &e.to_string());
    }
    // With the audit chain: the import is recorded like the console's.
    let mut store = match db::open_backend(&c) {
        Ok(s) => s,
        Err(e) => return fail(lang, &e.zh(), &e.to_string()),
    };
    let user = db::console_user(a.user.as_deref());
    let rows = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let o = ImportOptions { validate: opts, user: user.clone(), force: a.force, progress: Some(rows.clone()), file_name: None, file_hash: None, scope: store::Scope::all() };
    let file_name = a.file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    // A bar on a terminal (rows, rows/s, time left); nothing otherwise.
    let bar = super::progress::import(&a.file, rows);
    let result = import_file(store.as_mut(), &a.file, o);
    drop(bar);
    let (target, detail, outcome) = match &result {
        Ok(o) => (
            format!("batch:{}", o.batch_id.unwrap_or(0)),
            serde_json::json!({ "file": file_name, "entity": entity.key(), "rows_read": o.rows_read, "inserted": o.inserted, "updated": o.updated,
                "unchanged": o.unchanged, "rejected": o.rejected, "already_imported": o.already_imported, "user": user, "via": "console" }),
            "ok",
        ),
        Err(_) => (String::new(), serde_json::json!({ "file": file_name, "entity": entity.key(), "user": user, "via": "console" }), "failed"),
    };
    let ev = store::AuditEvent { actor: db::console_actor(), action: "import".into(), target, detail: detail.to_string(), ip: String::new(), outcome: outcome.into() };
    if let Err(e) = store.append_audit(&ev) {
        return fail(lang, &e.zh(), &e.to_string());
    }
    match result {
        Ok(outcome) => {
            print(&outcome, a.format, lang);
            if outcome.rejected > 0 {
                1
            } else {
                0
            }
        }
        Err(f) => fail(lang, &f.zh, &f.en),
    }
}

pub fn print(o: &Outcome, format: FormatArg, lang: Lang) {
    let previous = o.previous_at.as_deref();
    if format == FormatArg::Json {
        out(&(serde_json::to_string_pretty(o).expect("serialises") + "\n"));
        return;
    }
    let mut s = String::new();
    let secs = o.elapsed_ms as f64 / 1000.0;
    match (lang, previous) {
        (Lang::Zh, Some(at)) => {
            let _ = writeln!(s, "该文件已于 {at} 作为批次 {} 导入，内容相同，未作任何更改（如需重新导入请加 --force）。", o.batch_id.unwrap_or(0));
        }
        (Lang::En, Some(at)) => {
            let _ = writeln!(s, "This file was imported at {at} as batch {}; same content, nothing changed (use --force to import it again).", o.batch_id.unwrap_or(0));
        }
        (Lang::Zh, None) => {
            let _ = writeln!(s, "批次 {}：{}（{}）", o.batch_id.unwrap_or(0), o.file, o.entity.zh());
        }
        (Lang::En, None) => {
            let _ = writeln!(s, "Batch {}: {} ({})", o.batch_id.unwrap_or(0), o.file, o.entity);
        }
    }
    let rate = if secs > 0.0 { o.rows_read as f64 / secs } else { 0.0 };
    match lang {
        Lang::Zh => {
            let _ = writeln!(s, "读取 {} 行：新增 {}，更新 {}，未变 {}，拒收 {}。用时 {secs:.2} 秒（{rate:.0} 行/秒）。", o.rows_read, o.inserted, o.updated, o.unchanged, o.rejected);
        }
        Lang::En => {
            let _ = writeln!(s, "Read {} rows: {} inserted, {} updated, {} unchanged, {} rejected, in {secs:.2} s ({rate:.0} rows/s).", o.rows_read, o.inserted, o.updated, o.unchanged, o.rejected);
        }
    }
    if !o.errors.is_empty() {
        let _ = writeln!(s, "{}", if lang == Lang::Zh { "\n拒收原因（行数）：" } else { "\nRejected because (rows):" });
        // The reason first, its rule code after it (as `tianfu batches show` prints them).
        for (code, n) in &o.errors {
            let why = super::batches::reason(lang, code);
            let _ = match lang {
                Lang::Zh => writeln!(s, "  {n:>10} 条  {why}"),
                Lang::En => writeln!(s, "  {n:>10} rows  {why}"),
            };
        }
        let _ = writeln!(
            s,
            "{}",
            match lang {
                Lang::Zh => format!("\n拒收行已保存：tianfu batches show {} --errors errors.xlsx 可导出明细。", o.batch_id.unwrap_or(0)),
                Lang::En => format!("\nRejected rows are kept: tianfu batches show {} --errors errors.xlsx writes them out.", o.batch_id.unwrap_or(0)),
            }
        );
    }
    if !o.unknown_columns.is_empty() {
        let _ = writeln!(s, "{}{}", if lang == Lang::Zh { "未识别的列（已忽略）：" } else { "Unknown columns (ignored): " }, o.unknown_columns.join(", "));
    }
    out(&s);
}
