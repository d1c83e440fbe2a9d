//! 统计报表: the overview's figures as a workbook — schools, teachers and students of every
//! county in the caller's area by 学段 (primary, junior, senior), with a subtotal per city when
//! the area spans several, a total, and the student–teacher ratio; numbers as numbers with
//! thousands separators. Read through the same scoped calls as the overview
//! (`Browse::region_figures`, `Browse::grade_counts` of each county's part of the scope).

use crate::download::{self, XLSX};
use crate::error::AppError;
use crate::figures::name_of;
use crate::i18n::T;
use crate::routes::{ip, ready, require, Me, Peer};
use crate::state::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Workbook};
use std::sync::Arc;
use store::{Entity, OrgLevel, Scope};

/// One line of the report.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Line {
    pub code: String,
    pub name: String,
    pub schools: u64,
    pub teachers: u64,
    pub students: u64,
    /// 小学, 初中, 高中, no grade.
    pub stages: [u64; 4],
    /// 0: a county (or the school), 1: a city's subtotal, 2: the total.
    pub level: u8,
}

impl Line {
    fn add(&mut self, o: &Line) {
        self.schools += o.schools;
        self.teachers += o.teachers;
        self.students += o.students;
        for i in 0..4 {
            self.stages[i] += o.stages[i];
        }
    }
}

/// The 学段 of a 学籍 grade code (`11`..`16`, `21`..`23`, `31`..`33`).
fn stage(grade: u8) -> usize {
    match grade / 10 {
        1 => 0,
        2 => 1,
        3 => 2,
        _ => 3,
    }
}

/// The report's lines for `scope`: counties (or the school), city subtotals when the area holds
/// several cities, and the total last.
pub fn lines(s: &mut dyn store::Backend, scope: &Scope, t: &T) -> Result<Vec<Line>, AppError> {
    let mut out = Vec::new();
    let mut total = Line { name: t.s("合计", "Total").into(), level: 2, ..Default::default() };
    if let Scope::School { code, .. } = scope {
        let mut l = Line { code: code.clone(), ..Default::default() };
        l.name = s.record(scope, Entity::School, code)?.map(|r| crate::present::get(Entity::School, &r, "name").to_string()).unwrap_or_else(|| code.clone());
        if let Some(f) = s.region_figures(scope, OrgLevel::School)?.first() {
            (l.schools, l.teachers, l.students) = (f.schools, f.teachers, f.students);
        }
        for g in s.grade_counts(scope)? {
            l.stages[stage(g.grade)] += g.students;
        }
        total.add(&l);
        out.push(l);
        out.push(total);
        return Ok(out);
    }
    let counties = s.region_figures(scope, OrgLevel::County)?;
    let cities: std::collections::BTreeSet<u32> = counties.iter().map(|c| c.code / 100 * 100).collect();
    let several = cities.len() > 1;
    for city in cities {
        let mut sub = Line { code: city.to_string(), name: format!("{}{}", name_of(city), t.s(" 小计", " subtotal")), level: 1, ..Default::default() };
        for c in counties.iter().filter(|c| c.code / 100 * 100 == city) {
            let mut l = Line { code: c.code.to_string(), name: name_of(c.code), schools: c.schools, teachers: c.teachers, students: c.students, ..Default::default() };
            if let Some(part) = scope.narrow(c.code) {
                for g in s.grade_counts(&part)? {
                    l.stages[stage(g.grade)] += g.students;
                }
            }
            sub.add(&l);
            out.push(l);
        }
        total.add(&sub);
        if several {
            out.push(sub);
        }
    }
    out.push(total);
    Ok(out)
}

fn ratio(l: &Line) -> Option<f64> {
    (l.teachers > 0).then(|| (l.students as f64 / l.teachers as f64 * 10.0).round() / 10.0)
}

/// The workbook of `lines`: a title, where the figures come from, a header, the lines.
pub fn workbook(lines: &[Line], area: &str, day: &str, t: &T) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(t.s("统计报表", "Statistics"))?;
    let title = Format::new().set_bold().set_font_size(14);
    let head = Format::new().set_bold().set_background_color(Color::RGB(0xE8EEF5)).set_border(FormatBorder::Thin).set_align(FormatAlign::Center).set_text_wrap();
    let text = Format::new().set_border(FormatBorder::Thin);
    let num = Format::new().set_num_format("#,##0").set_border(FormatBorder::Thin);
    let dec = Format::new().set_num_format("0.0").set_border(FormatBorder::Thin);
    let sub = |f: &Format| f.clone().set_bold().set_background_color(Color::RGB(0xF3F4F6));
    ws.write_string_with_format(0, 0, format!("{area} {}", t.s("教育统计报表", "education statistics")), &title)?;
    ws.write_string(1, 0, format!("{}{day}{}", t.s("数据截至 ", "Figures as of "), t.s("；学生按学段统计（学籍年级）。", "; students by stage (grade in the register).")))?;
    let headers: [&str; 10] = if t.is_en() {
        ["Code", "Region", "Schools", "Teachers", "Students", "Primary", "Junior secondary", "Senior secondary", "No grade", "Students per teacher"]
    } else {
        ["地区代码", "地区", "学校数", "教师数", "学生数", "小学", "初中", "高中", "未填年级", "生师比"]
    };
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(3, c as u16, *h, &head)?;
        ws.set_column_width(c as u16, if c == 1 { 24.0 } else { 12.0 })?;
    }
    ws.set_freeze_panes(4, 2)?;
    for (i, l) in lines.iter().enumerate() {
        let r = 4 + i as u32;
        let (tf, nf, df) = if l.level > 0 { (sub(&text), sub(&num), sub(&dec)) } else { (text.clone(), num.clone(), dec.clone()) };
        ws.write_string_with_format(r, 0, &l.code, &tf)?;
        ws.write_string_with_format(r, 1, &l.name, &tf)?;
        for (c, v) in [l.schools, l.teachers, l.students, l.stages[0], l.stages[1], l.stages[2], l.stages[3]].into_iter().enumerate() {
            ws.write_number_with_format(r, 2 + c as u16, v as f64, &nf)?;
        }
        match ratio(l) {
            Some(x) => ws.write_number_with_format(r, 9, x, &df)?,
            None => ws.write_string_with_format(r, 9, "", &df)?,
        };
    }
    wb.save_to_buffer()
}

/// `GET /overview/report.xlsx`: the report of the caller's area, audited like every export.
pub async fn report(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(me.user.role.reads_overview())?;
    let t = T { lang: crate::auth::lang(&headers, &app) };
    let scope = me.scope.clone();
    let lines = app.pool.run(move |s| lines(s, &scope, &t)).await?;
    let day: String = store::time::rfc3339(app.clock.now() + store::clock::CST_OFFSET_SECS).chars().take(10).collect();
    let bytes = workbook(&lines, &me.org_name, &day, &t).map_err(|e| AppError::Internal(format!("report: {e}")))?;
    let detail = serde_json::json!({"what": "report", "list": "overview", "format": "xlsx", "masked": true, "via": "console", "rows": lines.len()});
    app.audit_by(&me, "export", "report", detail.to_string(), &ip(&headers, &peer)).await?;
    let name = format!("{}_{}_{}.xlsx", t.s("统计报表", "statistics"), me.org_name, day.replace('-', ""));
    Ok((download::headers(XLSX, &name, &format!("report-{}.xlsx", day.replace('-', ""))), bytes).into_response())
}
