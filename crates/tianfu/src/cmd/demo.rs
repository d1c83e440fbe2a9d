//! `tianfu demo`: a synthetic Sichuan province, generated and then validated as a bureau's files
//! would be; `tianfu demo generate` only writes the files.

use super::validate::load_school_codes;
use super::{fail, out, LangArg};
use demo::{GenOptions, HeaderStyle, OutEncoding, Planted};
use ingest::{Options, RejectedRow, Report, Sink};
use standard::codes::DIVISIONS;
use standard::{Date, Entity, Lang, SchoolCode};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

#[derive(clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    #[command(subcommand)]
    pub command: Option<DemoCommand>,
    /// Students in the demo province (schools and teachers follow from it).
    #[arg(long, default_value_t = 200_000)]
    pub students: u64,
    /// Where the demo files go.
    #[arg(long, default_value = "tianfu-data/demo")]
    pub dir: PathBuf,
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
    #[arg(long, value_enum, default_value = "zh")]
    pub lang: LangArg,
}

#[derive(clap::Subcommand)]
pub enum DemoCommand {
    /// Write schools.csv, teachers.csv, students.csv and planted.json (the exact expected result).
    Generate(GenerateArgs),
}

#[derive(clap::Args)]
pub struct GenerateArgs {
    #[arg(long, default_value_t = 200_000)]
    pub students: u64,
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
    /// Share of rows given exactly one planted error (0–1).
    #[arg(long, default_value_t = 0.02)]
    pub error_rate: f64,
    /// Share of other rows given one normalisation warning (0–1).
    #[arg(long, default_value_t = 0.01)]
    pub warning_rate: f64,
    #[arg(long)]
    pub out: PathBuf,
    /// utf-8 or gbk.
    #[arg(long, default_value = "utf-8")]
    pub encoding: String,
    /// Header row: zh (Chinese headers) or en (English keys).
    #[arg(long, default_value = "zh")]
    pub headers: String,
    #[arg(long, value_enum, default_value = "zh")]
    pub lang: LangArg,
}

pub fn run(a: Args) -> u8 {
    match a.command {
        Some(DemoCommand::Generate(g)) => generate(g),
        None => run_demo(a),
    }
}

fn generate(g: GenerateArgs) -> u8 {
    let lang: Lang = g.lang.into();
    let mut opts = GenOptions::new(g.students, g.seed, Date::today());
    opts.error_rate = g.error_rate;
    opts.warning_rate = g.warning_rate;
    opts.encoding = match g.encoding.to_ascii_lowercase().as_str() {
        "utf-8" | "utf8" => OutEncoding::Utf8,
        "gbk" => OutEncoding::Gbk,
        other => return fail(lang, &format!("不支持的编码 “{other}”：可用 utf-8 或 gbk"), &format!("unknown encoding “{other}”: use utf-8 or gbk")),
    };
    opts.headers = match g.headers.as_str() {
        "zh" => HeaderStyle::Chinese,
        "en" => HeaderStyle::English,
        other => return fail(lang, &format!("--headers 应为 zh 或 en，而不是 “{other}”"), &format!("--headers must be zh or en, not “{other}”")),
    };
    let started = Instant::now();
    match demo::generate(&opts, &g.out) {
        Ok(s) => {
            let secs = started.elapsed().as_secs_f64();
            out(&match lang {
                Lang::Zh => format!("已生成 {} 所学校、{} 名教师、{} 名学生，写入 {}（{secs:.1} 秒）；预期校验结果见 planted.json。\n", s.schools, s.teachers, s.students, g.out.display()),
                Lang::En => format!("Generated {} schools, {} teachers, {} students into {} ({secs:.1} s); the expected validation result is in planted.json.\n", s.schools, s.teachers, s.students, g.out.display()),
            });
            0
        }
        Err(e) => fail(lang, &format!("生成失败：{e}"), &format!("generation failed: {e}")),
    }
}

/// Counts valid rows by city: schools by their region, people by their school's region.
struct ByCity {
    entity: Entity,
    school_field: usize,
    region_field: usize,
    school_city: Arc<HashMap<u64, u32>>,
    counts: BTreeMap<u32, u64>,
    own_cities: HashMap<u64, u32>,
}

impl Sink for ByCity {
    fn valid(&mut self, _line: u64, v: &[&str]) -> Result<(), String> {
        let city = match self.entity {
            Entity::School => {
                let region: u32 = v[self.region_field].parse().unwrap_or(0);
                let city = DIVISIONS.city_of(region).map(|d| d.code).unwrap_or(0);
                if let Ok(code) = SchoolCode::parse(v[self.school_field]) {
                    self.own_cities.insert(code.value(), city);
                }
                city
            }
            _ => SchoolCode::parse(v[self.school_field]).ok().and_then(|c| self.school_city.get(&c.value()).copied()).unwrap_or(0),
        };
        *self.counts.entry(city).or_default() += 1;
        Ok(())
    }
    fn rejected(&mut self, _row: &RejectedRow) -> Result<(), String> {
        Ok(())
    }
}

fn run_demo(a: Args) -> u8 {
    let lang: Lang = a.lang.into();
    let zh = lang == Lang::Zh;
    let started = Instant::now();
    let opts = GenOptions::new(a.students, a.seed, Date::today());
    out(&if zh { format!("生成演示省份（{} 名学生）到 {} ……\n", a.students, a.dir.display()) } else { format!("Generating a demo province ({} students) into {} ...\n", a.students, a.dir.display()) });
    let summary = match demo::generate(&opts, &a.dir) {
        Ok(s) => s,
        Err(e) => return fail(lang, &format!("生成失败：{e}"), &format!("generation failed: {e}")),
    };
    let mut school_city: HashMap<u64, u32> = HashMap::new();
    let mut table: BTreeMap<u32, [u64; 3]> = BTreeMap::new();
    let mut text = String::new();
    for (i, entity) in [Entity::School, Entity::Teacher, Entity::Student].into_iter().enumerate() {
        let path = &summary.files[i];
        let mut o = Options::new(entity);
        o.keep_valid = true;
        if entity != Entity::School {
            o.schools = match load_school_codes(&summary.files[0], 51) {
                Ok(s) => Some(Arc::new(s)),
                Err(e) => return fail(lang, &e.zh(), &e.to_string()),
            };
        }
        let t = entity.template();
        let mut sink = ByCity {
            entity,
            school_field: t.index("school_code").expect("every template has school_code"),
            region_field: t.index("region_code").unwrap_or(0),
            school_city: Arc::new(school_city.clone()),
            counts: BTreeMap::new(),
            own_cities: HashMap::new(),
        };
        let report = match ingest::run(path, &o, &mut sink) {
            Ok(r) => r,
            Err(e) => return fail(lang, &e.zh(), &e.to_string()),
        };
        if entity == Entity::School {
            school_city = std::mem::take(&mut sink.own_cities);
        }
        for (city, n) in sink.counts {
            table.entry(city).or_default()[i] += n;
        }
        let _ = write!(text, "\n{}", report.to_text(lang));
        let _ = writeln!(text, "{}", check_expected(&summary.planted, path, &report, lang));
    }
    out(&text);
    let _ = writeln!(text);
    let mut t = String::new();
    let _ = writeln!(t, "\n{}", if zh { "按市汇总（有效记录）：" } else { "By city (valid records):" });
    let _ = writeln!(t, "  {:<12} {:>8} {:>10} {:>12}", if zh { "市" } else { "city" }, if zh { "学校" } else { "schools" }, if zh { "教师" } else { "teachers" }, if zh { "学生" } else { "students" });
    let mut total = [0u64; 3];
    for (city, n) in &table {
        let name = DIVISIONS.get(*city).map(|d| d.name.as_str()).unwrap_or("?");
        let _ = writeln!(t, "  {:<12} {:>8} {:>10} {:>12}", name, n[0], n[1], n[2]);
        for k in 0..3 {
            total[k] += n[k];
        }
    }
    let _ = writeln!(t, "  {:<12} {:>8} {:>10} {:>12}", if zh { "合计" } else { "total" }, total[0], total[1], total[2]);
    let _ = writeln!(t, "{}", if zh { format!("\n完成，用时 {:.1} 秒。错误明细：tianfu validate FILE --entity ... --errors errors.xlsx", started.elapsed().as_secs_f64()) } else { format!("\nDone in {:.1} s. Row-level errors: tianfu validate FILE --entity ... --errors errors.xlsx", started.elapsed().as_secs_f64()) });
    out(&t);
    0
}

/// Compares a report with what the generator planted.
fn check_expected(planted: &Planted, path: &Path, report: &Report, lang: Lang) -> String {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let Some(e) = planted.files.get(name) else { return String::new() };
    let same = e.rows == report.rows_read && e.rows_rejected == report.rows_rejected && e.errors == report.errors && e.warnings == report.warnings;
    match (lang, same) {
        (Lang::Zh, true) => format!("与预埋错误一致 ✓（预期拒收 {} 行）", e.rows_rejected),
        (Lang::Zh, false) => format!("与预埋错误不一致 ✗：预期拒收 {} 行，错误 {:?}", e.rows_rejected, e.errors),
        (Lang::En, true) => format!("Matches the planted errors ✓ ({} rows expected rejected)", e.rows_rejected),
        (Lang::En, false) => format!("Does NOT match the planted errors ✗: expected {} rejected, errors {:?}", e.rows_rejected, e.errors),
    }
}
