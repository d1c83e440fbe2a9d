//! `tianfu demo`: a synthetic Sichuan province, generated and then validated as a bureau's files
//! would be; `tianfu demo generate` only writes the files.

use super::import::{import_file, print, ImportOptions, Outcome};
use super::conf::Flag;
use super::{db, fail, out, FormatArg, LangArg};
use demo::{GenOptions, HeaderStyle, OutEncoding, Planted};
use ingest::Options;
use standard::codes::DIVISIONS;
use standard::{Date, Entity, Lang};
use std::fmt::Write;
use std::path::{Path, PathBuf};
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
    /// Database (over TIANFU_DATABASE_URL and the configuration file; default
    /// data_dir/tianfu.db).
    #[arg(long)]
    pub db: Option<String>,
    #[arg(long, value_enum, default_value = "zh")]
    pub lang: LangArg,
    /// Import only; do not start the web platform afterwards.
    #[arg(long)]
    pub no_serve: bool,
    /// Where the web platform listens (default 127.0.0.1:8080).
    #[arg(long)]
    pub listen: Option<String>,
}

#[derive(clap::Subcommand)]
pub enum DemoCommand {
    /// Write schools.csv, teachers.csv, students.csv and planted.json (the exact expected result).
    Generate(GenerateArgs),
    /// Register the demo sites of the monitor with a day of synthetic checks and alerts (no
    /// network traffic; `tianfu demo` does this too).
    Sites(SitesArgs),
}

#[derive(clap::Args)]
pub struct SitesArgs {
    #[arg(long)]
    pub db: Option<String>,
    #[arg(long, value_enum, default_value = "zh")]
    pub lang: LangArg,
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
        Some(DemoCommand::Sites(x)) => {
            let lang: Lang = x.lang.into();
            let c = match super::conf::resolve(lang, &[super::conf::db_flag(x.db.as_ref())]) {
                Ok(c) => c,
                Err(code) => return code,
            };
            if let Err(code) = sichuan_only(&c, lang) {
                return code;
            }
            match demo_sites(&c, lang) {
                Ok(msg) => {
                    out(&msg);
                    0
                }
                Err(e) => fail(lang, &e.zh(), &e.to_string()),
            }
        }
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

fn run_demo(a: Args) -> u8 {
    let lang: Lang = a.lang.into();
    let zh = lang == Lang::Zh;
    let started = Instant::now();
    let c = match super::conf::resolve(lang, &[Flag::opt("--listen", "listen", a.listen.as_ref()), super::conf::db_flag(a.db.as_ref())]) {
        Ok(c) => c,
        Err(code) => return code,
    };
    if let Err(code) = sichuan_only(&c, lang) {
        return code;
    }
    let opts = GenOptions::new(a.students, a.seed, Date::today());
    out(&if zh { format!("生成演示省份（{} 名学生）到 {} ……\n", a.students, a.dir.display()) } else { format!("Generating a demo province ({} students) into {} ...\n", a.students, a.dir.display()) });
    let summary = match demo::generate(&opts, &a.dir) {
        Ok(s) => s,
        Err(e) => return fail(lang, &format!("生成失败：{e}"), &format!("generation failed: {e}")),
    };
    let target = c.db_display();
    let mut store = match db::open(&c) {
        Ok(s) => s,
        Err(e) => return fail(lang, &e.zh(), &e.to_string()),
    };
    out(&if zh { format!("导入数据库 {target} ……\n") } else { format!("Importing into {target} ...\n") });
    for (i, entity) in [Entity::School, Entity::Teacher, Entity::Student].into_iter().enumerate() {
        let path = &summary.files[i];
        let o = ImportOptions { validate: Options::new(entity), user: "demo".into(), force: false, progress: None, file_name: None, file_hash: None, scope: store::Scope::all() };
        let outcome = match import_file(store.as_mut(), path, o) {
            Ok(o) => o,
            Err(f) => return fail(lang, &f.zh, &f.en),
        };
        out("\n");
        print(&outcome, FormatArg::Text, lang);
        out(&(check_expected(&summary.planted, path, &outcome, lang) + "\n"));
    }
    // 办学条件 of every school, two school years (a clean file: nothing planted).
    let o = ImportOptions { validate: Options::new(Entity::Conditions), user: "demo".into(), force: false, progress: None, file_name: None, file_hash: None, scope: store::Scope::all() };
    match import_file(store.as_mut(), &summary.files[4], o) {
        Ok(outcome) => {
            out("\n");
            print(&outcome, FormatArg::Text, lang);
        }
        Err(f) => return fail(lang, &f.zh, &f.en),
    }
    // 演示数据：上一学年的区县汇总 (derived from this year's, marked as demo) for year-on-year.
    let last_year = match super::db::open_backend(&c).map_err(|e| store::StoreError::Unavailable(e.zh())).and_then(|mut b| demo::last_year::seed(&mut *b, a.seed)) {
        Ok(n) => n,
        Err(e) => return fail(lang, &e.zh(), &e.to_string()),
    };
    out(&if zh {
        format!("上一学年区县汇总（演示数据，由本学年汇总推算，非导入所得）：{last_year} 个区县。\n")
    } else {
        format!("Previous school year's county aggregates (demo data, derived from this year's, not imported): {last_year} counties.\n")
    });
    let cities = match store.city_counts() {
        Ok(c) => c,
        Err(e) => return fail(lang, &e.zh(), &e.to_string()),
    };
    let mut t = String::new();
    let _ = writeln!(t, "\n{}", if zh { "数据库中按市汇总：" } else { "Stored, by city:" });
    let _ = writeln!(t, "  {}{:>8} {:>10} {:>12}", pad(if zh { "市（州）" } else { "city" }, 22), if zh { "学校" } else { "schools" }, if zh { "教师" } else { "teachers" }, if zh { "学生" } else { "students" });
    let mut total = [0u64; 3];
    for c in &cities {
        let name = DIVISIONS.get(c.city).map(|d| d.name.as_str()).unwrap_or("?");
        let _ = writeln!(t, "  {}{:>8} {:>10} {:>12}", pad(name, 22), c.schools, c.teachers, c.students);
        total[0] += c.schools;
        total[1] += c.teachers;
        total[2] += c.students;
    }
    let _ = writeln!(t, "  {}{:>8} {:>10} {:>12}", pad(if zh { "合计" } else { "total" }, 22), total[0], total[1], total[2]);
    let _ = writeln!(
        t,
        "{}",
        if zh {
            format!("\n完成，用时 {:.1} 秒。再次运行会识别出相同文件而不重复导入；tianfu batches list 查看批次。", started.elapsed().as_secs_f64())
        } else {
            format!("\nDone in {:.1} s. Running it again recognises the same files and changes nothing; tianfu batches list shows the batches.", started.elapsed().as_secs_f64())
        }
    );
    drop(store);
    match demo_sites(&c, lang) {
        Ok(msg) => t.push_str(&msg),
        Err(e) => return fail(lang, &e.zh(), &e.to_string()),
    }
    if a.no_serve {
        out(&t);
        return 0;
    }
    super::serve::serve(c, lang, Some(t))
}

/// The monitor's demo sites (see [`demo::sites`]); no worker is started, nothing is probed.
fn demo_sites(c: &web::Config, lang: Lang) -> Result<String, store::StoreError> {
    let mut m = super::db::open_monitor(c)?;
    let (sites, checks) = demo::sites::seed(&mut *m, store::time::unix_now())?;
    // The 等保 register's demo systems, dated from today (some overdue, some due soon).
    let systems = demo::mlps::seed(&mut *m, standard::Date::today(), store::time::unix_now())?;
    drop(m);
    let mut b = super::db::open_backend(c).map_err(|e| store::StoreError::Unavailable(e.zh()))?;
    let files = store::attachments::Files::new(std::path::Path::new(&c.data_dir).join("attachments"), c.security.attachment_limit_mib.saturating_mul(1 << 20));
    let incidents = demo::incidents::seed(&mut *b, store::time::unix_now(), &files)?;
    let (duties, software) = demo::ledger::seed(&mut *b, standard::Date::today(), store::time::unix_now())?;
    // Duty contacts, rosters and important periods with some daily reports (some missing).
    let (contacts, shifts, reports) = demo::duty::seed(&mut *b, standard::Date::today(), store::time::unix_now())?;
    let (filings, uses) = demo::apps::seed(&mut *b, standard::Date::today(), store::time::unix_now())?;
    // 专项检查, drills and rectification items (some answered, one overdue, one verified).
    let (inspections, items) = demo::checks::seed(&mut *b, standard::Date::today(), store::time::unix_now())?;
    // The plan tracker: the 2022 provincial plan (a demo reconstruction), 17 points in six parts.
    let (plan_points, plan_updates) = demo::plan::seed(&mut *b, standard::Date::today(), store::time::unix_now())?;
    // The catalog's hand-registered demo datasets (the automatic entries come with serve's sync).
    let datasets = demo::catalog::seed(&mut *b, store::time::unix_now())?;
    Ok(if lang == Lang::Zh {
        format!("网站监测演示数据：{sites} 个演示网站，本次写入 {checks} 条模拟检测记录（不访问网络，不启动检测进程）；网络安全事件 {incidents} 起。
等保台账演示数据：本次写入 {systems} 个演示系统。
责任制与正版化演示数据：本次写入 {duties} 个清单事项、{software} 条软件台账。
值班演示数据：{contacts} 位联系人、{shifts} 个班次、{reports} 份零报告。
教育应用备案演示数据：本次写入 {filings} 个备案应用、{uses} 条学校使用记录。
专项检查演示数据：{inspections} 项专项检查，{items} 个整改项。
信息化工作要点演示数据（演示重构，非官方原文）：{plan_points} 个要点、{plan_updates} 条进展。
数据资源目录演示数据：本次登记 {datasets} 个数据资源。
")
    } else {
        format!("Monitor demo data: {sites} demo sites, {checks} synthetic checks written (no network traffic, no worker started); {incidents} incidents.
MLPS register demo data: {systems} demo systems written.
Checklist and software demo data: {duties} checklist items, {software} software entries written.
Duty demo data: {contacts} contacts, {shifts} shifts, {reports} daily reports.
Education-app demo data: {filings} filings and {uses} school uses written.
Inspections demo data: {inspections} inspections, {items} rectification items.
Work-plan demo data (a reconstruction, not the official text): {plan_points} points, {plan_updates} updates.
Catalog demo data: {datasets} datasets registered.
")
    })
}

/// The demo province is Sichuan (its cities, coordinates and codes): into an installation for
/// another province every row would be refused, so say so instead.
fn sichuan_only(c: &web::Config, lang: Lang) -> Result<(), u8> {
    if c.province.code == 51 {
        return Ok(());
    }
    let p = c.province.code;
    Err(fail(lang, &format!("演示数据是四川省（51）的，而配置的省份是 {p}：请在另一个数据目录中运行演示（如 TIANFU_PROVINCE=51 tianfu demo --db demo/tianfu.db）"), &format!("the demo data is Sichuan's (51) but the configured province is {p}: run the demo with another database (e.g. TIANFU_PROVINCE=51 tianfu demo --db demo/tianfu.db)")))
}

/// Pads to a display width, counting CJK characters as two columns.
fn pad(s: &str, width: usize) -> String {
    let w: usize = s.chars().map(|c| if (c as u32) < 0x1100 { 1 } else { 2 }).sum();
    format!("{s}{}", " ".repeat(width.saturating_sub(w)))
}

/// Compares an import with what the generator planted.
fn check_expected(planted: &Planted, path: &Path, o: &Outcome, lang: Lang) -> String {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let Some(e) = planted.files.get(name) else { return String::new() };
    let same = e.rows == o.rows_read && e.rows_rejected == o.rejected && e.errors == o.errors && e.warnings == o.warnings;
    match (lang, same) {
        (Lang::Zh, true) => format!("与预埋错误一致 ✓（预期拒收 {} 行）", e.rows_rejected),
        (Lang::Zh, false) => format!("与预埋错误不一致 ✗：预期拒收 {} 行，错误 {:?}", e.rows_rejected, e.errors),
        (Lang::En, true) => format!("Matches the planted errors ✓ ({} rows expected rejected)", e.rows_rejected),
        (Lang::En, false) => format!("Does NOT match the planted errors ✗: expected {} rejected, errors {:?}", e.rows_rejected, e.errors),
    }
}
