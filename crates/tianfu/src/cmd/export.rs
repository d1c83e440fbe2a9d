//! `tianfu export --entity ... --format csv|xlsx`: stored records in the template, masked by
//! default; every export is recorded.

use super::validate::EntityArg;
use super::{db, fail, LangArg};
use rust_xlsxwriter::{Format, Workbook, Worksheet};
use standard::{Entity, Lang};
use std::io::Write;
use std::path::PathBuf;
use store::{ExportEntry, RecordFilter, StoreError};

#[derive(clap::Args)]
pub struct Args {
    #[arg(long, value_enum)]
    pub entity: EntityArg,
    #[arg(long, value_enum, default_value = "csv")]
    pub format: OutFormat,
    /// Only records of schools in this province, city or county (GB/T 2260 code).
    #[arg(long)]
    pub region: Option<u32>,
    /// Only records of this school (学校标识码).
    #[arg(long)]
    pub school: Option<String>,
    /// Write to FILE (required for xlsx); CSV goes to standard output otherwise.
    #[arg(long, short)]
    pub out: Option<PathBuf>,
    /// Header row: zh (Chinese headers) or en (English keys).
    #[arg(long, default_value = "zh")]
    pub headers: String,
    /// Export ID numbers, 学籍号, names, phone numbers, addresses and birth dates in full (recorded
    /// as unmasked).
    #[arg(long)]
    pub unmasked: bool,
    #[arg(long)]
    pub user: Option<String>,
    #[arg(long)]
    pub db: Option<String>,
    #[arg(long, value_enum, default_value = "zh")]
    pub lang: LangArg,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum, PartialEq, Eq)]
pub enum OutFormat {
    Csv,
    Xlsx,
}

const XLSX_ROWS_PER_SHEET: u32 = 1_000_000;

/// A value as the export writes it: masked by its field's mask, if any, into `scratch`.
fn masked<'a>(mask: Option<store::mask::Kind>, v: &'a str, scratch: &'a mut String) -> &'a str {
    match mask {
        Some(k) if !v.is_empty() => {
            scratch.clear();
            store::mask::apply_into(k, v, scratch);
            scratch
        }
        _ => v,
    }
}

pub fn run(a: Args) -> u8 {
    let lang: Lang = a.lang.into();
    let entity: Entity = a.entity.into();
    if a.format == OutFormat::Xlsx && a.out.is_none() {
        return fail(lang, "导出 xlsx 需要用 --out 指定文件", "xlsx export needs --out FILE");
    }
    let t = entity.template();
    // The masks of the console and the API (store::mask, one list of personal fields).
    let masks: Vec<Option<store::mask::Kind>> = t.fields.iter().map(|f| if a.unmasked { None } else { store::mask::kind_of(entity, f.key) }).collect();
    let mut scratch = String::new();
    let headers: Vec<&str> = t.fields.iter().map(|f| if a.headers == "en" { f.key } else { f.zh }).collect();
    let mut store = match db::open(a.db.as_deref()) {
        Ok(s) => s,
        Err(e) => return fail(lang, &e.zh(), &e.to_string()),
    };
    let filter = RecordFilter { region: a.region, school: a.school.clone() };
    let mut io_err: Option<String> = None;
    let result: Result<u64, StoreError> = match a.format {
        OutFormat::Csv => {
            let sink: Box<dyn Write> = match &a.out {
                Some(p) => match std::fs::File::create(p) {
                    Ok(f) => Box::new(f),
                    Err(e) => return fail(lang, &format!("无法创建 {}：{e}", p.display()), &format!("cannot create {}: {e}", p.display())),
                },
                None => Box::new(std::io::stdout().lock()),
            };
            let mut w = std::io::BufWriter::with_capacity(1 << 16, sink);
            let _ = w.write_all(b"\xEF\xBB\xBF");
            let _ = writeln!(w, "{}", headers.join(","));
            let mut line = String::new();
            let r = store.export(entity, &filter, &mut |v| {
                line.clear();
                for (i, x) in v.iter().enumerate() {
                    if i > 0 {
                        line.push(',');
                    }
                    // Quoted as needed, formula-looking cells marked (OWASP CSV injection).
                    ingest::formula::push_field(&mut line, masked(masks[i], x, &mut scratch));
                }
                line.push('\n');
                w.write_all(line.as_bytes()).map_err(|e| {
                    io_err = Some(e.to_string());
                    StoreError::Internal(format!("writing the export: {e}"))
                })
            });
            if let Err(e) = w.flush() {
                io_err.get_or_insert(e.to_string());
            }
            r
        }
        OutFormat::Xlsx => {
            let path = a.out.clone().expect("checked above");
            let bold = Format::new().set_bold();
            let mut sheets: Vec<Worksheet> = Vec::new();
            let mut row = 0u32;
            let new_sheet = |sheets: &mut Vec<Worksheet>| {
                let mut ws = Worksheet::new();
                for (c, h) in headers.iter().enumerate() {
                    let _ = ws.write_string_with_format(0, c as u16, *h, &bold);
                }
                sheets.push(ws);
            };
            new_sheet(&mut sheets);
            let r = store.export(entity, &filter, &mut |v| {
                if row >= XLSX_ROWS_PER_SHEET {
                    new_sheet(&mut sheets);
                    row = 0;
                }
                row += 1;
                let ws = sheets.last_mut().expect("a sheet");
                for (i, x) in v.iter().enumerate() {
                    // Text cells: ID numbers and codes must not become numbers, nor text formulas.
                    ws.write_string(row, i as u16, masked(masks[i], x, &mut scratch)).map_err(|e| StoreError::Internal(e.to_string()))?;
                }
                Ok(())
            });
            let mut wb = Workbook::new();
            for s in sheets {
                wb.push_worksheet(s);
            }
            if let Err(e) = wb.save(&path) {
                io_err = Some(format!("{}: {e}", path.display()));
            }
            r
        }
    };
    let rows = match result {
        Ok(n) => n,
        Err(e) => return fail(lang, &e.zh(), &e.to_string()),
    };
    if let Some(e) = io_err {
        return fail(lang, &format!("写出失败：{e}"), &format!("writing failed: {e}"));
    }
    let mut desc = Vec::new();
    if let Some(r) = a.region {
        desc.push(format!("region={r}"));
    }
    if let Some(s) = &a.school {
        desc.push(format!("school={s}"));
    }
    let entry = ExportEntry {
        user: db::console_user(a.user.as_deref()),
        at: String::new(),
        entity,
        filter: desc.join("&"),
        format: match a.format {
            OutFormat::Csv => "csv".into(),
            OutFormat::Xlsx => "xlsx".into(),
        },
        rows,
        masked: !a.unmasked,
    };
    if let Err(e) = store.log_export(&entry) {
        return fail(lang, &e.zh(), &e.to_string());
    }
    let msg = match lang {
        Lang::Zh => format!("已导出 {rows} 条{}记录（{}），已记入导出日志。\n", entity.zh(), if a.unmasked { "未脱敏" } else { "已脱敏" }),
        Lang::En => format!("Exported {rows} {entity} records ({}); recorded in the export log.\n", if a.unmasked { "unmasked" } else { "masked" }),
    };
    let _ = std::io::stderr().write_all(msg.as_bytes());
    0
}
