//! `tianfu quality refresh`: recounts every provider's data quality (`store::quality`: the
//! counts behind the completeness, validity, timeliness, consistency and uniqueness scores) and
//! keeps them as today's snapshot (replacing one taken earlier today), printing the rows kept and
//! the seconds it took. The console's daily timer takes the same snapshot; run this after a
//! large import or a restore. Audited (`quality_refresh`). Exit codes: 0 done, 2 not done.

use super::{db, fail, out, FormatArg, LangArg};
use standard::Lang;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: QualityCommand,
    #[arg(long, global = true)]
    pub db: Option<String>,
    #[arg(long, value_enum, default_value = "text", global = true)]
    pub format: FormatArg,
    #[arg(long, value_enum, default_value = "zh", global = true)]
    pub lang: LangArg,
}

#[derive(clap::Subcommand)]
pub enum QualityCommand {
    /// Recount every provider's data quality as today's snapshot (重算数据质量得分).
    Refresh,
}

pub fn run(a: Args) -> u8 {
    let lang: Lang = a.lang.into();
    let c = match super::conf::resolve(lang, &[super::conf::db_flag(a.db.as_ref())]) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let mut s = match db::open_backend(&c) {
        Ok(s) => s,
        Err(e) => return fail(lang, &e.zh(), &e.to_string()),
    };
    let QualityCommand::Refresh = a.command;
    let day = standard::Date::today();
    let t = std::time::Instant::now();
    let n = match s.refresh_quality(&store::Scope::all(), day) {
        Ok(n) => n,
        Err(e) => return fail(lang, &e.zh(), &e.to_string()),
    };
    let ms = t.elapsed().as_millis() as u64;
    let seconds = (ms as f64 / 10.0).round() / 100.0;
    let detail = serde_json::json!({ "via": "cli", "day": day.to_string(), "rows": n, "seconds": seconds }).to_string();
    let e = store::AuditEvent { actor: db::console_actor(), action: "quality_refresh".into(), target: format!("quality:{day}"), detail, ip: String::new(), outcome: "ok".into() };
    if let Err(e) = s.append_audit(&e) {
        return fail(lang, &e.zh(), &e.to_string());
    }
    if a.format == FormatArg::Json {
        out(&format!("{{\"rows\": {n}, \"day\": \"{day}\", \"elapsed_ms\": {ms}}}\n"));
    } else if lang == Lang::Zh {
        out(&format!("已重算 {n} 个报送单位（区县和学校）的数据质量，快照日期 {day}，用时 {seconds:.2} 秒\n"));
    } else {
        out(&format!("recounted the data quality of {n} providers (counties and schools) for {day} in {seconds:.2} s\n"));
    }
    0
}
