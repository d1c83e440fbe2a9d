//! `tianfu calendar`: the working-day calendar that deadlines count in. `import FILE` stores a
//! year's holidays and adjusted working days (from the State Council's yearly notice) in the
//! database, replacing the embedded or previously imported year, and records it in the audit
//! log; `show YEAR` prints the effective year; `due DATE N` the end of the Nth working day.
//! Exit codes: 0 done, 1 the file was refused (nothing stored), 2 it could not be done.

use super::{db, fail, out, LangArg};
use standard::{Date, Lang};
use store::calendar::{self, Calendar};
use store::clock::SystemClock;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: CalendarCommand,
    #[arg(long, global = true)]
    pub db: Option<String>,
    #[arg(long, value_enum, default_value = "zh", global = true)]
    pub lang: LangArg,
}

#[derive(clap::Subcommand)]
pub enum CalendarCommand {
    /// Store one year's arrangement from a file of `date,kind,name` lines, kind `holiday` or
    /// `workday` (导入某年放假调休安排).
    Import {
        file: std::path::PathBuf,
        /// The year the file must describe (default: the year of its first date).
        #[arg(long)]
        year: Option<u16>,
    },
    /// Print a year's holidays and adjusted working days as in effect (显示某年安排).
    Show { year: u16 },
    /// The Nth working day after DATE (YYYY-MM-DD), the deadline "by the end of the Nth working
    /// day" (计算第 N 个工作日).
    Due { date: String, n: u32 },
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
    match a.command {
        CalendarCommand::Import { file, year } => {
            let text = match std::fs::read(&file) {
                Ok(b) => match String::from_utf8(b) {
                    Ok(t) => t,
                    Err(_) => return refused(lang, "文件应为 UTF-8 编码", "the file must be UTF-8"),
                },
                Err(e) => return fail(lang, &format!("无法读取 {}：{e}", file.display()), &format!("cannot read {}: {e}", file.display())),
            };
            let actor = db::console_actor();
            match calendar::import(s.as_mut(), &text, year, &actor, &SystemClock) {
                Ok(y) => {
                    let holidays = y.days.iter().filter(|d| d.kind == calendar::DayKind::Holiday).count();
                    let detail = serde_json::json!({ "year": y.year, "holidays": holidays, "workdays": y.days.len() - holidays }).to_string();
                    let e = store::AuditEvent { actor, action: "calendar_import".into(), target: format!("calendar:{}", y.year), detail, ip: String::new(), outcome: "ok".into() };
                    if let Err(e) = s.append_audit(&e) {
                        return fail(lang, &e.zh(), &e.to_string());
                    }
                    let msg = match lang {
                        Lang::Zh => format!("已导入 {} 年：放假 {holidays} 天，调休上班 {} 天。\n", y.year, y.days.len() - holidays),
                        Lang::En => format!("imported {}: {holidays} holidays, {} adjusted working days\n", y.year, y.days.len() - holidays),
                    };
                    out(&msg);
                    0
                }
                Err(store::StoreError::Conflict(m)) => {
                    let _ = std::io::Write::write_all(&mut std::io::stderr(), format!("{m}\n").as_bytes());
                    1
                }
                Err(e) => fail(lang, &e.zh(), &e.to_string()),
            }
        }
        CalendarCommand::Show { year } => {
            let c = match Calendar::load(s.as_mut()) {
                Ok(c) => c,
                Err(e) => return fail(lang, &e.zh(), &e.to_string()),
            };
            let mut text = String::new();
            match c.years().find(|(y, _)| *y == year) {
                Some((_, source)) => {
                    for l in source.lines() {
                        text.push_str(&format!("# {l}\n"));
                    }
                }
                None => text.push_str(&format!("# {year} 年的安排未知，只按周末休息（not known: weekends only）\n")),
            }
            let mut day = Date { year, month: 1, day: 1 };
            while day.year == year {
                if let Some(name) = c.name_of(day) {
                    let kind = if c.is_working_day(day) { "workday" } else { "holiday" };
                    text.push_str(&format!("{day},{kind},{name}\n"));
                }
                day = Date::from_days_since_epoch(day.days_since_epoch() + 1);
            }
            out(&text);
            0
        }
        CalendarCommand::Due { date, n } => {
            let Some(d) = Date::parse_iso(&date) else { return fail(lang, "日期应写成 YYYY-MM-DD", "write the date as YYYY-MM-DD") };
            let c = match Calendar::load(s.as_mut()) {
                Ok(c) => c,
                Err(e) => return fail(lang, &e.zh(), &e.to_string()),
            };
            let due = c.add_working_days(d, n);
            if !c.knows(due.year) || !c.knows(d.year) {
                let _ = std::io::Write::write_all(&mut std::io::stderr(), "warning: 该年份的放假安排未导入，只按周末计算（the year's holidays are not known: weekends only）\n".as_bytes());
            }
            out(&format!("{due}\n"));
            0
        }
    }
}

/// Exit code 1: the file was read and refused.
fn refused(lang: Lang, zh: &str, en: &str) -> u8 {
    fail(lang, zh, en);
    1
}
