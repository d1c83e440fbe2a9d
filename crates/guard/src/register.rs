//! 网站登记 — the site register's bulk import from CSV or XLSX. Columns by header, Chinese or English:
//! 名称/name, 网址/url, 单位代码/org_code, 类别/category, 检查间隔/interval_minutes (optional,
//! default [`DEFAULT_INTERVAL`]). UTF-8 (with or without BOM) or GBK/GB18030. Every data row
//! ends either upserted by URL or rejected with its reasons: [`parse_sites_csv`] (the fields),
//! [`screen_rows`] (the address: no intranet or reserved targets), [`import_site_rows`] (the
//! owner, then the upsert). The console and `tianfu sites import` both run [`read_site_file`],
//! [`screen_rows`] and [`import_scoped`]: one import, judged by the writer's area.

use crate::target::TargetCheck;
use serde::Serialize;
use std::collections::HashMap;
use std::path::Path;
use store::monitor::{validate_site, Monitor, NewSite, SiteCategory, UpsertCounts};
use store::{Browse, OrgUnit, Scope, StoreError};

/// Minutes between checks when the file does not say.
pub const DEFAULT_INTERVAL: u32 = 5;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RejectedSite {
    /// 1-based line of the file (the header is line 1).
    pub line: u64,
    pub raw: Vec<String>,
    /// Chinese first, English in parentheses.
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SiteRows {
    pub valid: Vec<(u64, NewSite)>,
    pub rejected: Vec<RejectedSite>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub rows: u64,
    pub counts: UpsertCounts,
    pub rejected: Vec<RejectedSite>,
}

fn decode(bytes: &[u8]) -> String {
    let b = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(b) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::GB18030.decode_without_bom_handling(b).0.into_owned(),
    }
}

/// RFC 4180 records: quoted fields with `""` escapes and line breaks; returns (line, fields).
fn records(text: &str) -> Vec<(u64, Vec<String>)> {
    let mut out = Vec::new();
    let (mut field, mut fields) = (String::new(), Vec::new());
    let (mut quoted, mut line, mut start) = (false, 1u64, 1u64);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            ('"', true) => quoted = false,
            ('"', false) if field.is_empty() => quoted = true,
            (',', false) => fields.push(std::mem::take(&mut field)),
            ('\r', false) => {}
            ('\n', false) => {
                fields.push(std::mem::take(&mut field));
                if fields.iter().any(|f| !f.trim().is_empty()) {
                    out.push((start, std::mem::take(&mut fields)));
                }
                fields.clear();
                line += 1;
                start = line;
            }
            (c, _) => {
                if c == '\n' {
                    line += 1;
                }
                field.push(c)
            }
        }
    }
    fields.push(field);
    if fields.iter().any(|f| !f.trim().is_empty()) {
        out.push((start, fields));
    }
    out
}

#[derive(Clone, Copy, PartialEq)]
enum Col {
    Name,
    Url,
    Org,
    Category,
    Interval,
}

fn column(h: &str) -> Option<Col> {
    let h = h.trim().to_lowercase();
    // "名称*": the template marks required columns with a star.
    let h = h.split(['(', '（']).next().unwrap_or("").trim().trim_end_matches(['*', '＊']).trim().to_string();
    Some(match h.as_str() {
        "名称" | "网站名称" | "name" => Col::Name,
        "网址" | "url" => Col::Url,
        "单位代码" | "org_code" => Col::Org,
        "类别" | "category" => Col::Category,
        "检查间隔" | "interval_minutes" | "interval" => Col::Interval,
        _ => return None,
    })
}

/// The columns of the register's import template (学校/教师/学生 have theirs in `ingest`).
pub fn template_columns() -> Vec<ingest::template::Column> {
    let col = |header: &str, key: &str, required: bool, explain: &str, example: &str| ingest::template::Column {
        header: header.into(),
        key: key.into(),
        required,
        requirement: if required { "必填" } else { "选填" }.into(),
        explain: explain.into(),
        example: example.into(),
        choices: None,
    };
    let mut category = col("类别", "category", true, "网站类别：可填英文代码或中文名称", "school");
    category.choices = Some(SiteCategory::ALL.iter().map(|c| (c.code().to_string(), c.zh().to_string())).collect());
    vec![
        col("名称", "name", true, "网站名称", "示例中学门户网站"),
        col("网址", "url", true, "以 http:// 或 https:// 开头的完整网址；已登记的网址将被更新", "https://www.example.edu.cn/"),
        col("单位代码", "org_code", true, "主办单位：学校标识码（10 位），或教育行政部门的县级行政区划代码（6 位）；须在您的管辖范围内", "510104"),
        category,
        col("检查间隔", "interval_minutes", false, &format!("两次检查之间的分钟数（{}–{}），空白为 {DEFAULT_INTERVAL}", store::monitor::MIN_INTERVAL, store::monitor::MAX_INTERVAL), "5"),
    ]
}

/// The register's import template as XLSX bytes.
pub fn template() -> Result<Vec<u8>, String> {
    ingest::template::workbook("网站", &template_columns())
}

/// Reads a CSV file of sites: valid rows, and rejected ones with reasons (the target is checked
/// by [`screen_rows`], the organisation by [`import_site_rows`]'s caller, which has the tree).
pub fn parse_sites_csv(bytes: &[u8]) -> Result<SiteRows, String> {
    parse_site_records(records(&decode(bytes)))
}

/// The same for rows read otherwise (an XLSX sheet): `(line, cells)`, the header first; blank
/// rows are skipped.
pub fn parse_site_records(recs: Vec<(u64, Vec<String>)>) -> Result<SiteRows, String> {
    let mut recs = recs.into_iter().filter(|(_, r)| r.iter().any(|c| !c.trim().is_empty()));
    let Some((_, header)) = recs.next() else { return Err("文件是空的（the file is empty）".into()) };
    let cols: Vec<Option<Col>> = header.iter().map(|h| column(h)).collect();
    for (need, zh) in [(Col::Name, "名称"), (Col::Url, "网址"), (Col::Org, "单位代码"), (Col::Category, "类别")] {
        if !cols.contains(&Some(need)) {
            return Err(format!("缺少列“{zh}”（missing column {zh}）"));
        }
    }
    let mut out = SiteRows::default();
    let mut seen = std::collections::HashMap::new();
    for (line, raw) in recs {
        let get = |c: Col| cols.iter().position(|x| *x == Some(c)).and_then(|i| raw.get(i)).map(|s| s.trim()).unwrap_or("");
        let mut reasons = Vec::new();
        let org = get(Col::Org).parse::<i64>().ok();
        if org.is_none() {
            reasons.push(format!("单位代码无效：{}（invalid organisation code）", get(Col::Org)));
        }
        let category = SiteCategory::parse(get(Col::Category));
        if category.is_none() {
            reasons.push(format!("类别无效：{}（one of university, vocational, school, bureau, other）", get(Col::Category)));
        }
        let interval = match get(Col::Interval) {
            "" => Some(DEFAULT_INTERVAL),
            s => s.parse::<u32>().ok(),
        };
        if interval.is_none() {
            reasons.push(format!("检查间隔无效：{}（the interval must be whole minutes）", get(Col::Interval)));
        }
        let site = NewSite { name: get(Col::Name).to_string(), url: get(Col::Url).to_string(), org_code: org.unwrap_or(0), category: category.unwrap_or(SiteCategory::Other), interval_minutes: interval.unwrap_or(DEFAULT_INTERVAL) };
        if let Err(e) = validate_site(&site) {
            reasons.push(e);
        }
        if let Some(first) = seen.get(&site.url) {
            reasons.push(format!("网址与第 {first} 行重复（the URL repeats line {first}）"));
        }
        if reasons.is_empty() {
            seen.insert(site.url.clone(), line);
            out.valid.push((line, site));
        } else {
            out.rejected.push(RejectedSite { line, raw, reasons });
        }
    }
    Ok(out)
}

/// Moves the valid rows whose URL the registration check refuses ([`TargetCheck`]: an
/// internal or reserved address, or a name that resolves only to such) to the rejected ones,
/// with the reason. Every import runs this before [`import_site_rows`].
pub async fn screen_rows(rows: &mut SiteRows, check: &TargetCheck) {
    let verdicts = {
        let urls: Vec<&str> = rows.valid.iter().map(|(_, s)| s.url.as_str()).collect();
        check.check_many(&urls).await
    };
    for ((line, site), v) in std::mem::take(&mut rows.valid).into_iter().zip(verdicts) {
        match v {
            Ok(()) => rows.valid.push((line, site)),
            Err(r) => rows.rejected.push(RejectedSite { line, raw: raw_of(&site), reasons: vec![r.reason()] }),
        }
    }
    rows.rejected.sort_by_key(|r| r.line);
}

fn raw_of(site: &NewSite) -> Vec<String> {
    vec![site.name.clone(), site.url.clone(), site.org_code.to_string(), site.category.code().to_string(), site.interval_minutes.to_string()]
}

/// Why the store refused a row: the owner, or the site already registered under the URL, lies
/// outside the writer's area — one reason for both, which does not tell whether the URL is taken.
pub const OUT_OF_SCOPE: &str = "不在您的管辖范围内：所填单位不属于您，或该网址已由其他地区登记（outside your area: the owner is not yours, or another area registered the URL）";

/// Upserts parsed rows as a writer with `scope`, rejecting those whose organisation
/// `check_org` refuses (with its reason, e.g. not in the tree) and those the store refuses for
/// the writer's area, in one transaction.
pub fn import_site_rows<M: Monitor + ?Sized>(store: &mut M, scope: &Scope, rows: SiteRows, now: i64, check_org: &mut dyn FnMut(i64) -> Result<Option<String>, StoreError>) -> Result<ImportReport, ImportError> {
    let mut report = ImportReport { rows: (rows.valid.len() + rows.rejected.len()) as u64, rejected: rows.rejected, ..Default::default() };
    let mut ok = Vec::new();
    for (line, site) in rows.valid {
        match check_org(site.org_code)? {
            None => ok.push((line, site)),
            Some(reason) => report.rejected.push(RejectedSite { line, raw: raw_of(&site), reasons: vec![reason] }),
        }
    }
    let sites: Vec<NewSite> = ok.iter().map(|(_, s)| s.clone()).collect();
    let done = store.upsert_sites(scope, &sites, now)?;
    for i in done.refused {
        let (line, site) = &ok[i];
        report.rejected.push(RejectedSite { line: *line, raw: raw_of(site), reasons: vec![OUT_OF_SCOPE.into()] });
    }
    report.rejected.sort_by_key(|r| r.line);
    report.counts = done.counts;
    Ok(report)
}

/// The largest CSV of sites read, MiB: the import takes [`MAX_ROWS`] rows at most (a CSV of them
/// is ≈ 15 MB) and a CSV is parsed in memory.
pub const MAX_CSV_MIB: u64 = 32;

/// Rows of a register read at most (the header included).
pub const MAX_ROWS: usize = 100_001;

/// The rows of the first sheet of an XLSX workbook on disk, as (row number, cells): the bounded
/// reader's caps, and at most [`MAX_ROWS`] rows and 64 MiB of text kept in memory.
pub fn xlsx_records(path: &Path) -> Result<Vec<(u64, Vec<String>)>, String> {
    let read = ingest::xlsx::Workbook::open(path).and_then(|mut wb| wb.collect(None, MAX_ROWS, 64 << 20));
    read.map_err(|e| format!("无法读取 XLSX 文件：{}（{e}）", e.zh()))
}

/// Reads a register file: a legacy workbook (.xls, .et, .ods) by its content, XLSX by its name
/// or its ZIP signature, else CSV (at most [`MAX_CSV_MIB`]). `name` is the name the file was given (an upload's, or the path).
pub fn read_site_file(path: &Path, name: &str) -> Result<SiteRows, String> {
    read_records(path, name).and_then(parse_site_records)
}

/// The records of a register file (`(line, cells)`, the header first), read as
/// [`read_site_file`] reads: the bounded readers of `ingest` for workbooks, CSV in UTF-8 or
/// GBK/GB18030 at most [`MAX_CSV_MIB`]. Other registers' imports (等保) read through this too.
pub fn read_records(path: &Path, name: &str) -> Result<Vec<(u64, Vec<String>)>, String> {
    use std::io::Read;
    let cannot = |e: std::io::Error| format!("无法读取文件：{e}（cannot read the file）");
    let mut head = Vec::new();
    std::fs::File::open(path).map_err(cannot)?.take(128).read_to_end(&mut head).map_err(cannot)?;
    if let Some(kind) = ingest::legacy::Legacy::sniff(&head) {
        // The copy goes beside the file (the console's private upload folder), else to the
        // temporary folder; it is removed when read.
        let convert = |dir: &Path| ingest::legacy::convert(path, kind, None, dir);
        let copy = match path.parent().filter(|d| !d.as_os_str().is_empty()) {
            Some(d) => convert(d).or_else(|_| convert(&std::env::temp_dir())),
            None => convert(&std::env::temp_dir()),
        }
        .map_err(|e| format!("{}（{}）", e.zh, e.en))?;
        return xlsx_records(&copy.path);
    }
    let zip = head.starts_with(b"PK\x03\x04");
    if zip || name.to_ascii_lowercase().ends_with(".xlsx") {
        return xlsx_records(path);
    }
    let cap = MAX_CSV_MIB << 20;
    let mut bytes = Vec::new();
    std::fs::File::open(path).map_err(cannot)?.take(cap + 1).read_to_end(&mut bytes).map_err(cannot)?;
    if bytes.len() as u64 > cap {
        return Err(format!("文件超过 {MAX_CSV_MIB} MiB（the file is over {MAX_CSV_MIB} MiB）"));
    }
    Ok(csv_records(&bytes))
}

/// The records of CSV bytes (UTF-8 with or without BOM, else GBK/GB18030; RFC 4180 quoting),
/// also for other registers' imports (等保 systems, education-app filings).
pub fn csv_records(bytes: &[u8]) -> Vec<(u64, Vec<String>)> {
    records(&decode(bytes))
}

/// Whether a site owned by `unit` lies inside the scope (the cut of the store's list queries:
/// a site lies in its owner's region, see `store::monitor::region_of`).
pub fn owner_in_scope(scope: &Scope, unit: &OrgUnit) -> bool {
    let region = store::monitor::region_of(unit);
    match scope {
        Scope::Region { lo, hi } => (*lo as i64..=*hi as i64).contains(&region),
        Scope::School { code, .. } => unit.code.to_string() == *code,
        Scope::Nothing => false,
    }
}

/// The import as a writer with `scope`: every owner looked up in the organisation tree and
/// judged against the scope first (the upsert holds the store after), then [`import_site_rows`],
/// whose store refuses the rows outside the writer's area once more, inside the upsert.
pub fn import_scoped<S: Monitor + Browse + ?Sized>(store: &mut S, scope: &Scope, rows: SiteRows, now: i64) -> Result<ImportReport, ImportError> {
    let mut verdict: HashMap<i64, Option<String>> = HashMap::new();
    for (_, site) in &rows.valid {
        if let std::collections::hash_map::Entry::Vacant(e) = verdict.entry(site.org_code) {
            let v = match store.org_unit(site.org_code)? {
                None => Some(format!("单位代码 {} 不在组织机构树中（unknown organisation）", site.org_code)),
                Some(u) if !owner_in_scope(scope, &u) => Some(format!("单位 {}（{}）不在您的管辖范围内（outside your area）", u.name, u.code)),
                Some(_) => None,
            };
            e.insert(v);
        }
    }
    let mut check = |code: i64| Ok(verdict.get(&code).cloned().flatten());
    import_site_rows(store, scope, rows, now, &mut check)
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{0}")]
    File(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_legacy_register_is_read_like_xlsx() {
        let d = std::env::temp_dir().join(format!("tianfu-site-legacy-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/sites.xls");
        let path = d.join("网站名单.xls");
        std::fs::copy(fixture, &path).unwrap();
        let rows = read_site_file(&path, "网站名单.xls");
        let left = std::fs::read_dir(&d).unwrap().count();
        let _ = std::fs::remove_dir_all(&d);
        let rows = rows.unwrap();
        assert_eq!(rows.valid.iter().map(|(l, s)| (*l, s.name.as_str(), s.org_code, s.interval_minutes)).collect::<Vec<_>>(), [(2, "四川大学", 510000, 10), (3, "锦江区教育局", 510104, 5)]);
        assert_eq!(rows.rejected.iter().map(|r| r.line).collect::<Vec<_>>(), [4]);
        assert_eq!(left, 1, "the converted copy is removed");
    }

    #[test]
    fn the_template_reads_back_with_one_valid_example_row() {
        let path = std::env::temp_dir().join(format!("tianfu-site-template-{}.xlsx", std::process::id()));
        std::fs::write(&path, template().unwrap()).unwrap();
        let rows = read_site_file(&path, "网站导入模板.xlsx");
        let _ = std::fs::remove_file(&path);
        let rows = rows.unwrap();
        assert!(rows.rejected.is_empty(), "{:?}", rows.rejected);
        assert_eq!(rows.valid.len(), 1);
        assert_eq!((rows.valid[0].0, rows.valid[0].1.category, rows.valid[0].1.org_code), (2, SiteCategory::School, 510104));
    }

    #[test]
    fn rows_valid_and_rejected_with_reasons() {
        let csv = "\u{feff}名称,网址,单位代码,类别,检查间隔（分钟）\r\n\
            四川大学,https://www.scu.edu.cn/,510000,高校,10\r\n\
            \"锦江区教育局, 门户\",http://jj.example.gov.cn/,510104,bureau,\r\n\
            坏的,ftp://x,abc,火星,-1\r\n\
            重复,https://www.scu.edu.cn/,510000,university,5\r\n\r\n";
        let r = parse_sites_csv(csv.as_bytes()).unwrap();
        assert_eq!(r.valid.len(), 2);
        assert_eq!(r.valid[0].1, NewSite { name: "四川大学".into(), url: "https://www.scu.edu.cn/".into(), org_code: 510000, category: SiteCategory::University, interval_minutes: 10 });
        assert_eq!((r.valid[1].0, r.valid[1].1.name.as_str(), r.valid[1].1.interval_minutes), (3, "锦江区教育局, 门户", DEFAULT_INTERVAL));
        assert_eq!(r.rejected.iter().map(|x| (x.line, x.reasons.len())).collect::<Vec<_>>(), [(4, 4), (5, 1)]);
        assert!(r.rejected[1].reasons[0].contains("第 2 行"));
    }

    #[test]
    fn english_headers_gbk_and_missing_columns() {
        let (gbk, _, _) = encoding_rs::GBK.encode("name,url,org_code,category\n成都七中,https://cdqz.example.edu.cn/,2151010401,中学\n");
        let r = parse_sites_csv(&gbk).unwrap();
        assert_eq!((r.valid[0].1.name.as_str(), r.valid[0].1.category), ("成都七中", SiteCategory::School));
        assert!(parse_sites_csv("名称,网址\n".as_bytes()).unwrap_err().contains("单位代码"));
        assert!(parse_sites_csv(b"").is_err());
    }
}
