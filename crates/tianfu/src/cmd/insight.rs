//! `tianfu insight refresh`: recomputes every school's facts (`store::facts`: students by grade,
//! class sizes, teachers, birth buckets) from the stored rows in one transaction, and prints how
//! many schools were written and the seconds it took. Imports keep the facts of the schools they
//! touch current on their own; a refresh is for after a restore, for the demo, and once a year
//! after 1 September (the students' age–grade fit is counted for the school year of the day).
//! Each refresh is audited (`insight_refresh`: the console user, the scope, the schools written
//! and the seconds taken). Exit codes: 0 done, 2 it could not be done.

use super::{db, fail, out, FormatArg, LangArg};
use standard::Lang;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: InsightCommand,
    #[arg(long, global = true)]
    pub db: Option<String>,
    #[arg(long, value_enum, default_value = "text", global = true)]
    pub format: FormatArg,
    #[arg(long, value_enum, default_value = "zh", global = true)]
    pub lang: LangArg,
}

#[derive(clap::Subcommand)]
pub enum InsightCommand {
    /// Recompute every school's facts from the stored rows (重算各校指标事实).
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
    let InsightCommand::Refresh = a.command;
    let t = std::time::Instant::now();
    let n = match s.refresh_facts(&store::Scope::all()) {
        Ok(n) => n,
        Err(e) => return fail(lang, &e.zh(), &e.to_string()),
    };
    let ms = t.elapsed().as_millis() as u64;
    if let Err(e) = audit(s.as_mut(), &db::console_actor(), n as u64, ms) {
        return fail(lang, &e.zh(), &e.to_string());
    }
    if a.format == FormatArg::Json {
        out(&format!("{{\"schools\": {n}, \"elapsed_ms\": {ms}}}\n"));
    } else if lang == Lang::Zh {
        out(&format!("已重算 {n} 所学校的指标事实，用时 {:.2} 秒\n", ms as f64 / 1000.0));
    } else {
        out(&format!("recomputed the facts of {n} schools in {:.2} s\n", ms as f64 / 1000.0));
    }
    0
}

/// The refresh's audit entry: who (the console user), what (every school: the CLI refreshes the
/// whole tree), how many schools were written, in how many seconds.
pub fn audit(s: &mut dyn store::Backend, actor: &str, schools: u64, ms: u64) -> Result<(), store::StoreError> {
    let detail = serde_json::json!({ "via": "cli", "scope": "all", "schools_written": schools, "seconds": (ms as f64 / 10.0).round() / 100.0 }).to_string();
    s.append_audit(&store::AuditEvent { actor: actor.to_string(), action: "insight_refresh".into(), target: "insight".into(), detail, ip: String::new(), outcome: "ok".into() }).map(|_| ())
}
