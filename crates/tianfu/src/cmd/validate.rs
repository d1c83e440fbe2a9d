//! `tianfu validate FILE --entity school|teacher|student`

use super::{fail, out, FormatArg, LangArg};
use ingest::errors_file::ErrorsFile;
use ingest::{NullSink, Options, RejectedRow, Sink};
use standard::{Entity, Lang, SchoolCode};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(clap::Args)]
pub struct Args {
    /// The file: CSV or TSV (UTF-8, UTF-8 with BOM, GBK, GB18030) or XLSX.
    pub file: PathBuf,
    /// What the rows are.
    #[arg(long, value_enum)]
    pub entity: EntityArg,
    /// Text encoding; detected when omitted (BOM, else UTF-8 if valid, else GBK/GB18030).
    #[arg(long)]
    pub encoding: Option<String>,
    /// XLSX sheet name (default: the first sheet).
    #[arg(long)]
    pub sheet: Option<String>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: FormatArg,
    #[arg(long, value_enum, default_value = "zh")]
    pub lang: LangArg,
    /// Write every rejected row, with its line, rule codes and messages, to FILE.csv or FILE.xlsx.
    #[arg(long, value_name = "FILE")]
    pub errors: Option<PathBuf>,
    /// A schools file: each teacher's or student's school must be one of its valid rows.
    #[arg(long = "ref", value_name = "SCHOOLS")]
    pub reference: Option<PathBuf>,
    /// GB/T 2260 province prefix of region codes (over the configuration's `province`; default
    /// 51 = Sichuan).
    #[arg(long)]
    pub province: Option<u32>,
    /// Worker threads (default: one per core).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum, PartialEq, Eq)]
pub enum EntityArg {
    School,
    Teacher,
    Student,
    /// 办学条件: a school's conditions in a school year.
    Conditions,
}

impl From<EntityArg> for Entity {
    fn from(e: EntityArg) -> Entity {
        match e {
            EntityArg::School => Entity::School,
            EntityArg::Teacher => Entity::Teacher,
            EntityArg::Student => Entity::Student,
            EntityArg::Conditions => Entity::Conditions,
        }
    }
}

pub fn run(a: Args) -> u8 {
    let lang: Lang = a.lang.into();
    let c = match super::conf::resolve(lang, &[super::conf::Flag::opt("--province", "province", a.province)]) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let province = c.province.code;
    let mut opts = Options::new(a.entity.into());
    opts.province = province;
    opts.threads = a.threads;
    opts.sheet = a.sheet.clone();
    match super::encoding_arg(lang, a.encoding.as_deref()) {
        Ok(enc) => opts.encoding = enc,
        Err(code) => return code,
    }
    if let Some(r) = &a.reference {
        match load_school_codes(r, province) {
            Ok(set) => opts.schools = Some(Arc::new(set)),
            Err(e) => return fail(lang, &format!("学校名录 {}：{}", r.display(), e.zh()), &format!("school register {}: {e}", r.display())),
        }
    }
    let result = match &a.errors {
        Some(path) => {
            let mut sink = match ErrorsFile::create(path, lang) {
                Ok(s) => s,
                Err(e) => return fail(lang, &format!("无法创建错误文件 {}：{e}", path.display()), &format!("cannot create the errors file {}: {e}", path.display())),
            };
            let r = ingest::run(&a.file, &opts, &mut sink);
            match sink.finish() {
                Ok(()) => r,
                Err(e) => return fail(lang, &format!("写错误文件失败：{e}"), &format!("writing the errors file failed: {e}")),
            }
        }
        None => ingest::run(&a.file, &opts, &mut NullSink),
    };
    let report = match result {
        Ok(r) => r,
        Err(e) => return fail(lang, &e.zh(), &e.to_string()),
    };
    match a.format {
        FormatArg::Json => out(&(serde_json::to_string_pretty(&report).expect("report serialises") + "\n")),
        FormatArg::Text => out(&report.to_text(lang)),
    }
    if report.rows_rejected > 0 {
        1
    } else {
        0
    }
}

/// The school codes of the valid rows of a schools file.
pub fn load_school_codes(path: &Path, province: u32) -> Result<HashSet<u64>, ingest::IngestError> {
    struct Codes(HashSet<u64>, usize);
    impl Sink for Codes {
        fn begin(&mut self, c: &ingest::Columns) -> Result<(), String> {
            self.1 = c.entity.template().index("school_code").expect("school template has school_code");
            Ok(())
        }
        fn valid(&mut self, _line: u64, values: &[&str]) -> Result<(), String> {
            if let Ok(code) = SchoolCode::parse(values[self.1]) {
                self.0.insert(code.value());
            }
            Ok(())
        }
        fn rejected(&mut self, _row: &RejectedRow) -> Result<(), String> {
            Ok(())
        }
    }
    let mut opts = Options::new(Entity::School);
    opts.province = province;
    opts.keep_valid = true;
    let mut sink = Codes(HashSet::new(), 0);
    ingest::run(path, &opts, &mut sink)?;
    Ok(sink.0)
}
