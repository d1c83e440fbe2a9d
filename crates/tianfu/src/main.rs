//! `tianfu`: the command line. It parses flags and calls into the crates; no logic lives here.
#![forbid(unsafe_code)]

mod cmd;

use clap::{Parser, Subcommand};

/// mimalloc instead of glibc's allocator: the web server's request path is allocation-bound
/// (an API page of 100 students is some 4,000 small allocations; glibc's malloc and free were
/// about 40% of its CPU time in profiles, mostly under contention between worker threads).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "tianfu", version, about = "天府 Tianfu — 教育数据与网络安全平台 / education data and network security platform")]
struct Cli {
    /// The configuration file (default: TIANFU_CONFIG, else tianfu.toml in the working folder
    /// when it exists). Every command reads it: defaults → file → TIANFU_* → flags.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<std::path::PathBuf>,
    /// Logs on stderr: text (human-readable) or json, one object a line (default: log_format
    /// of the configuration, else text) (日志格式).
    #[arg(long, global = true, value_enum)]
    log_format: Option<cmd::logging::LogFormat>,
    /// Which log events are written: a level or per-target levels, e.g. `info` or
    /// `warn,web=debug` (default: log_level of the configuration, RUST_LOG, else info for serve
    /// and worker, warn for other commands) (日志级别).
    #[arg(long, global = true)]
    log_level: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check a bulk file of schools, teachers or students against the data standard
    /// (校验学校、教师或学生数据文件).
    Validate(cmd::validate::Args),
    /// Demo data: generate a synthetic province, or run the demo (生成演示数据并校验).
    Demo(cmd::demo::Args),
    /// Validate a file and store it in one atomic batch (导入数据).
    Import(cmd::import::Args),
    /// Import batches and their rejected rows (导入批次).
    Batches(cmd::batches::Args),
    /// Export stored records, masked unless --unmasked (导出数据).
    Export(cmd::export::Args),
    /// Students by county and grade (按区县、年级统计学生).
    Stats(cmd::stats::Args),
    /// The decision indicators' per-school facts: recompute them all (决策指标：重算事实).
    Insight(cmd::insight::Args),
    /// Data quality per provider: keep today's snapshot (数据质量：重算得分).
    Quality(cmd::quality::Args),
    /// Apply database migrations (PostgreSQL) (数据库迁移).
    Migrate(cmd::migrate::Args),
    /// Run the web platform (启动 Web 平台).
    Serve(cmd::serve::Args),
    /// Accounts at the console (用户管理).
    User(cmd::user::Args),
    /// The audit log: verify its hash chain (审计日志校验).
    Audit(cmd::audit::Args),
    /// Print the data standard (templates, rules, code tables) as Markdown (打印数据标准).
    Standard(cmd::standard::Args),
    /// A consistent copy of the store, its secret and audit checkpoint, while the server runs
    /// (备份：运行中也可执行).
    Backup(cmd::backup::Args),
    /// Check a backup and put it back, then verify the audit log (从备份恢复).
    Restore(cmd::restore::Args),
    /// Check one website now: DNS, IPv4 and IPv6, TLS, security headers, content (网站安全检测).
    Probe(cmd::probe::Args),
    /// The monitor's site register: import a CSV file, list sites (监测网站登记).
    Sites(cmd::sites::Args),
    /// Check registered sites as they fall due, send alerts (网站监测进程).
    Worker(cmd::worker::Args),
    /// The working-day calendar: import a year's holidays and 调休, show it, count working days
    /// (工作日历).
    Calendar(cmd::calendar::Args),
    /// The data resource catalog: bring the automatic entries up to date (数据资源目录同步).
    Catalog(cmd::catalog::Args),
    /// Security incidents: the deadline sweep once, with notices to the group robots (网络安全事件超时检查).
    Incidents(cmd::incidents::Args),
    /// The day's 等保 and duty missing-report reminders once, each sent once (当日提醒).
    Remind(cmd::remind::Args),
    /// The effective configuration and where each value comes from (当前配置及其来源).
    Config(cmd::config::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    cmd::conf::set_file(cli.config.clone());
    // One subscriber for every command, from the configuration every command reads.
    let server = matches!(&cli.command, Command::Serve(_) | Command::Worker(_));
    let (format, level) = cmd::logging::resolve(cli.log_format, cli.log_level.as_deref(), server);
    cmd::logging::init(format, &level);
    let code = match cli.command {
        Command::Validate(a) => cmd::validate::run(a),
        Command::Demo(a) => cmd::demo::run(a),
        Command::Import(a) => cmd::import::run(a),
        Command::Batches(a) => cmd::batches::run(a),
        Command::Export(a) => cmd::export::run(a),
        Command::Migrate(a) => cmd::migrate::run(a),
        Command::Calendar(a) => cmd::calendar::run(a),
        Command::Catalog(a) => cmd::catalog::run(a),
        Command::Incidents(a) => cmd::incidents::run(a),
        Command::Remind(a) => cmd::remind::run(a),
        Command::Stats(a) => cmd::stats::run(a),
        Command::Insight(a) => cmd::insight::run(a),
        Command::Quality(a) => cmd::quality::run(a),
        Command::Standard(a) => cmd::standard::run(a),
        Command::Serve(a) => cmd::serve::run(a),
        Command::User(a) => cmd::user::run(a),
        Command::Audit(a) => cmd::audit::run(a),
        Command::Backup(a) => cmd::backup::run(a),
        Command::Restore(a) => cmd::restore::run(a),
        Command::Probe(a) => cmd::probe::run(a),
        Command::Sites(a) => cmd::sites::run(a),
        Command::Worker(a) => cmd::worker::run(a),
        Command::Config(a) => cmd::config::run(a),
    };
    ExitCode::from(code)
}
