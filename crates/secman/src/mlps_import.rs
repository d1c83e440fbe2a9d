//! 等保台账导入 — systems (and, optionally, each one's latest assessment) from a CSV or XLSX file
//! (UTF-8 or GBK/GB18030; the file is read by `guard::register::read_records`, the site
//! register's bounded readers). Columns by header, Chinese or English (the template's
//! [`template_columns`]). Every data row ends stored or rejected with its line and reasons:
//! the fields by the form's rules ([`crate::mlps::parse_system`], [`crate::mlps::parse_assessment`]:
//! level 1–5, dates, the filing number's shape), a repeat of a unit's system name in the file,
//! then the store ([`store::mlps::Mlps::import_systems`], one transaction): a unit outside the
//! importer's area (or not in the tree) is rejected with one generic reason, a system the unit
//! has already as existing.

use crate::mlps::{dues, parse_assessment, parse_system, AssessmentInput, Problem, SystemInput};
use standard::Date;
use store::calendar::Calendar;
use store::mlps::{ImportRow, Mlps, Refused};
use store::{Scope, StoreError};

/// The generic reason of a row whose unit the importer may not write (the same whether the
/// unit exists elsewhere or not at all).
pub const OUT_OF_SCOPE: (&str, &str) = ("所属单位没有找到，或不在您的管辖范围内。", "The unit was not found, or is outside your area.");

/// Rows of a file read at most (the header included).
pub const MAX_ROWS: usize = 100_001;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Col {
    Unit,
    Name,
    Owner,
    Purpose,
    Level,
    Cii,
    LiveOn,
    FilingNo,
    FilingOn,
    FilingAuthority,
    AssessedOn,
    Agency,
    Score,
    Conclusion,
}

/// (column, the template's header, the English key, required, what to write, an example).
const COLUMNS: [(Col, &str, &str, bool, &str, &str); 14] = [
    (Col::Unit, "单位代码", "unit_code", true, "所属单位：学校标识码（10 位），或教育行政部门的行政区划代码（6 位）；须在您的管辖范围内", "510104"),
    (Col::Name, "系统名称", "name", true, "信息系统名称；同一单位的系统名称不能重复", "学籍管理系统"),
    (Col::Owner, "责任部门", "owner", true, "负责该系统的部门或岗位，不填个人姓名", "信息中心"),
    (Col::Purpose, "用途", "purpose", false, "系统的用途", "学生学籍管理"),
    (Col::Level, "安全保护等级", "level", true, "1 至 5（也可写“第三级”）", "3"),
    (Col::Cii, "关键信息基础设施", "cii", false, "是或否，空白为否", "否"),
    (Col::LiveOn, "上线运行日期", "live_on", false, "YYYY-MM-DD；二级及以上必填（备案期限由此起算）", "2025-03-01"),
    (Col::FilingNo, "备案证明编号", "filing_no", false, "公安机关备案证明编号，如 51010199001-30001（连字符后第一位为等级）；未备案留空", "51010199001-30001"),
    (Col::FilingOn, "备案日期", "filing_on", false, "YYYY-MM-DD；填了备案编号时必填", "2025-03-20"),
    (Col::FilingAuthority, "备案机关", "filing_authority", false, "受理备案的公安机关；填了备案编号时必填", "成都市公安局锦江区分局"),
    (Col::AssessedOn, "最近测评日期", "assessed_on", false, "最近一次等级测评的日期 YYYY-MM-DD；未测评留空（以下三列随之留空）", "2026-03-02"),
    (Col::Agency, "测评机构", "agency", false, "填了测评日期时必填", "四川某测评中心"),
    (Col::Score, "综合得分", "score", false, "0 至 100", "86.5"),
    (Col::Conclusion, "测评结论", "conclusion", false, "优、良、中、差；空白时按得分给出", "良"),
];

fn column(h: &str) -> Option<Col> {
    let h = h.trim().to_lowercase();
    // "系统名称*" / "系统名称（必填）": the template marks required columns.
    let h = h.split(['(', '（']).next().unwrap_or("").trim().trim_end_matches(['*', '＊']).trim().to_string();
    COLUMNS.iter().find(|c| c.1 == h || c.2 == h).map(|c| c.0)
}

/// The columns of the import template.
pub fn template_columns() -> Vec<ingest::template::Column> {
    COLUMNS
        .iter()
        .map(|(col, header, key, required, explain, example)| ingest::template::Column {
            header: header.to_string(),
            key: key.to_string(),
            required: *required,
            requirement: if *required { "必填" } else { "选填" }.into(),
            explain: explain.to_string(),
            example: example.to_string(),
            choices: match col {
                Col::Level => Some((1..=5).map(|l| (l.to_string(), format!("第{}级", ["一", "二", "三", "四", "五"][l - 1]))).collect()),
                Col::Cii => Some(vec![("否".into(), "否".into()), ("是".into(), "是".into())]),
                Col::Conclusion => Some(store::mlps::Conclusion::ALL.iter().map(|c| (c.zh().to_string(), c.zh().to_string())).collect()),
                _ => None,
            },
        })
        .collect()
}

/// The import template as XLSX bytes.
pub fn template() -> Result<Vec<u8>, String> {
    ingest::template::workbook("等保系统", &template_columns())
}

/// A row left out, with its line (the header is line 1) and reasons (Chinese, English).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Rejected {
    pub line: u64,
    pub name: String,
    pub reasons: Vec<(String, String)>,
}

/// A file read: rows to store (with their lines) and rows rejected.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rows {
    pub valid: Vec<(u64, ImportRow)>,
    pub rejected: Vec<Rejected>,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Report {
    /// Data rows read.
    pub rows: u64,
    pub inserted: u64,
    /// With an assessment.
    pub assessed: u64,
    pub rejected: Vec<Rejected>,
}

fn reasons(p: Vec<Problem>) -> Vec<(String, String)> {
    p.into_iter().map(|p| (p.zh, p.en)).collect()
}

fn yes(v: &str) -> Option<bool> {
    match v.trim().to_lowercase().as_str() {
        "" | "否" | "no" | "n" | "0" | "false" => Some(false),
        "是" | "yes" | "y" | "1" | "true" => Some(true),
        _ => None,
    }
}

/// Reads `(line, cells)` records, the header first (blank rows skipped): the rows to store,
/// each with its due dates by the rules (`cal`), and the rows rejected with every reason.
pub fn parse(recs: Vec<(u64, Vec<String>)>, today: Date, cal: &Calendar) -> Result<Rows, (String, String)> {
    let mut recs = recs.into_iter().filter(|(_, r)| r.iter().any(|c| !c.trim().is_empty()));
    let Some((_, header)) = recs.next() else { return Err(("文件是空的。".into(), "The file is empty.".into())) };
    let cols: Vec<Option<Col>> = header.iter().map(|h| column(h)).collect();
    for (col, zh, key, required, ..) in COLUMNS {
        if required && !cols.contains(&Some(col)) {
            return Err((format!("缺少列“{zh}”，请使用导入模板。"), format!("The column {key} is missing: use the template.")));
        }
    }
    let mut out = Rows::default();
    let mut seen: std::collections::HashMap<(String, String), u64> = std::collections::HashMap::new();
    for (line, raw) in recs {
        let get = |c: Col| cols.iter().position(|x| *x == Some(c)).and_then(|i| raw.get(i)).map(|s| s.trim().to_string()).unwrap_or_default();
        let mut why = Vec::new();
        let cii = yes(&get(Col::Cii));
        if cii.is_none() {
            why.push((format!("关键信息基础设施“{}”应填“是”或“否”。", get(Col::Cii)), "Critical information infrastructure: write yes or no.".to_string()));
        }
        let input = SystemInput {
            unit_code: get(Col::Unit),
            name: get(Col::Name),
            owner: get(Col::Owner),
            purpose: get(Col::Purpose),
            level: get(Col::Level),
            cii: cii.unwrap_or(false),
            live_on: get(Col::LiveOn),
            filing_no: get(Col::FilingNo),
            filing_on: get(Col::FilingOn),
            filing_authority: get(Col::FilingAuthority),
        };
        let system = parse_system(&input, today).map_err(|p| why.extend(reasons(p))).ok();
        let a = AssessmentInput { assessed_on: get(Col::AssessedOn), agency: get(Col::Agency), score: get(Col::Score), conclusion: get(Col::Conclusion) };
        let assessment = if a.assessed_on.is_empty() && a.agency.is_empty() && a.score.is_empty() && a.conclusion.is_empty() {
            None
        } else {
            parse_assessment(&a, today).map_err(|p| why.extend(reasons(p))).ok()
        };
        let key = (input.unit_code.clone(), input.name.clone());
        if let Some(first) = seen.get(&key) {
            why.push((format!("与第 {first} 行是同一单位的同名系统。"), format!("The same unit and system name as line {first}.")));
        }
        match system {
            Some(system) if why.is_empty() => {
                seen.insert(key, line);
                let dues = dues(&system, assessment.as_ref().map(|a| a.assessed_on), &[], cal);
                out.valid.push((line, ImportRow { system, dues, assessment }));
            }
            _ => out.rejected.push(Rejected { line, name: input.name, reasons: why }),
        }
    }
    Ok(out)
}

/// Stores the rows as a writer with `scope` (one transaction); the store's refusals join the
/// rejected rows with their reason.
pub fn import(s: &mut (impl Mlps + ?Sized), scope: &Scope, rows: Rows, by: &str, now: i64) -> Result<Report, StoreError> {
    let mut report = Report { rows: (rows.valid.len() + rows.rejected.len()) as u64, rejected: rows.rejected, ..Default::default() };
    let (lines, list): (Vec<u64>, Vec<ImportRow>) = rows.valid.into_iter().unzip();
    let done = s.import_systems(scope, &list, by, now)?;
    for (i, why) in done.refused {
        let reason = match why {
            Refused::OutOfScope => (OUT_OF_SCOPE.0.to_string(), OUT_OF_SCOPE.1.to_string()),
            Refused::Exists => ("该单位已登记同名系统；修改请到系统页。".to_string(), "The unit has a system of this name already: edit it on its page.".to_string()),
        };
        report.rejected.push(Rejected { line: lines[i], name: list[i].system.name.clone(), reasons: vec![reason] });
    }
    report.inserted = done.inserted.len() as u64;
    let refused: std::collections::HashSet<u64> = report.rejected.iter().map(|r| r.line).collect();
    report.assessed = lines.iter().zip(&list).filter(|(l, r)| r.assessment.is_some() && !refused.contains(l)).count() as u64;
    report.rejected.sort_by_key(|r| r.line);
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recs(csv: &[&str]) -> Vec<(u64, Vec<String>)> {
        csv.iter().enumerate().map(|(i, l)| (i as u64 + 1, l.split(',').map(str::to_string).collect())).collect()
    }

    #[test]
    fn rows_read_checked_and_rejected_with_every_reason() {
        let today = Date::parse_iso("2026-12-07").unwrap();
        let r = parse(
            recs(&[
                "单位代码*,系统名称,责任部门,安全保护等级,关键信息基础设施,上线运行日期,备案证明编号,备案日期,备案机关,最近测评日期,测评机构,综合得分,测评结论",
                "2151010401,学籍管理系统,信息中心,第三级,否,2025-03-01,51010199001-30001,2025-03-20,锦江分局,2026-03-02,某测评中心,86.5,",
                "2151010401,门户网站,信息中心,2,,2025-03-01,,,,,,,",
                "2151010401,坏系统,信息中心,7,也许,2025-13-01,5101-1,,,2026-03-02,,95,差",
                "2151010401,学籍管理系统,信息中心,1,,,,,,,,,",
                ",,,,,,,,,,,,",
            ]),
            today,
            &Calendar::default(),
        )
        .unwrap();
        assert_eq!(r.valid.iter().map(|(l, _)| *l).collect::<Vec<_>>(), [2, 3]);
        let a = &r.valid[0].1;
        assert_eq!((a.system.level, a.assessment.as_ref().map(|x| x.conclusion)), (3, Some(store::mlps::Conclusion::Good)));
        assert_eq!(a.dues.assessment.map(|d| d.to_string()).as_deref(), Some("2027-03-02"), "a year after the assessment");
        assert!(r.valid[1].1.dues.filing.is_some(), "level 2, not filed: a filing date");
        assert_eq!(r.rejected.iter().map(|x| x.line).collect::<Vec<_>>(), [4, 5]);
        let bad = &r.rejected[0].reasons;
        assert!(bad.len() >= 4, "{bad:?}");
        assert!(bad.iter().any(|x| x.0.contains("1 至 5")) && bad.iter().any(|x| x.0.contains("“是”或“否”")) && bad.iter().any(|x| x.0.contains("不是有效日期")));
        assert!(r.rejected[1].reasons[0].0.contains("第 2 行"));
        assert!(parse(recs(&["单位代码,系统名称"]), today, &Calendar::default()).unwrap_err().0.contains("责任部门"));
    }

    #[test]
    fn the_template_reads_its_headers() {
        let cols = template_columns();
        assert_eq!(cols.len(), 14);
        assert!(cols.iter().all(|c| column(&c.header).is_some() && column(&c.key).is_some()));
        assert!(template().unwrap().starts_with(b"PK"));
    }
}
