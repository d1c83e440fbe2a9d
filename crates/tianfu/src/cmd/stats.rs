//! `tianfu stats`: students by county and grade, from the aggregate kept current at import.

use super::{db, fail, out, FormatArg, LangArg};
use standard::codes::DIVISIONS;
use standard::Lang;
use std::collections::BTreeMap;
use std::fmt::Write as _;

#[derive(clap::Args)]
pub struct Args {
    /// Only this province, city or county (GB/T 2260 code).
    #[arg(long)]
    pub region: Option<u32>,
    #[arg(long)]
    pub db: Option<String>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: FormatArg,
    #[arg(long, value_enum, default_value = "zh")]
    pub lang: LangArg,
}

#[derive(serde::Serialize)]
struct Stats {
    counts: Vec<store::CountyGrade>,
    total: u64,
    /// Time the query took, in microseconds.
    query_us: u64,
}

pub fn run(a: Args) -> u8 {
    let lang: Lang = a.lang.into();
    let c = match super::conf::resolve(lang, &[super::conf::db_flag(a.db.as_ref())]) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let mut store = match db::open(&c) {
        Ok(s) => s,
        Err(e) => return fail(lang, &e.zh(), &e.to_string()),
    };
    let t = std::time::Instant::now();
    let counts = match store.student_counts(a.region) {
        Ok(c) => c,
        Err(e) => return fail(lang, &e.zh(), &e.to_string()),
    };
    let query_us = t.elapsed().as_micros() as u64;
    let total = counts.iter().map(|c| c.students).sum();
    if a.format == FormatArg::Json {
        out(&(serde_json::to_string_pretty(&Stats { counts, total, query_us }).expect("serialises") + "\n"));
        return 0;
    }
    let grades = [11u8, 12, 13, 14, 15, 16, 21, 22, 23, 31, 32, 33];
    let mut by_county: BTreeMap<u32, [u64; 12]> = BTreeMap::new();
    for c in &counts {
        if let Some(i) = grades.iter().position(|g| *g == c.grade) {
            by_county.entry(c.county).or_default()[i] += c.students;
        }
    }
    let mut s = String::new();
    let _ = write!(s, "{:<8}{:<12}", if lang == Lang::Zh { "区划码" } else { "code" }, if lang == Lang::Zh { "县（区）" } else { "county" });
    for g in grades {
        let _ = write!(s, "{g:>8}");
    }
    let _ = writeln!(s, "{:>10}", if lang == Lang::Zh { "合计" } else { "total" });
    for (county, row) in &by_county {
        let name = DIVISIONS.get(*county).map(|d| d.name.as_str()).unwrap_or("?");
        let _ = write!(s, "{county:<8}{name:<12}");
        for n in row {
            let _ = write!(s, "{n:>8}");
        }
        let _ = writeln!(s, "{:>10}", row.iter().sum::<u64>());
    }
    let _ = writeln!(
        s,
        "{}",
        match lang {
            Lang::Zh => format!("学生合计 {total}；查询用时 {:.2} 毫秒（按区县×年级的汇总表）。", query_us as f64 / 1000.0),
            Lang::En => format!("{total} students; query took {:.2} ms (county × grade aggregate).", query_us as f64 / 1000.0),
        }
    );
    out(&s);
    0
}
