//! 事件导出: the list as CSV or XLSX (`/export/incidents`, the list's filters kept, every page of
//! them, through the one export writer: scoped, audited with its row count), and one incident's
//! report as a workbook (`/incidents/{id}/report.xlsx`): the same content as the printable
//! report — the incident's elements, then the course of events — in the shape a bureau files
//! upward. Incidents hold no personal data (names of people are not among their fields).

use super::{actor, read_one, read_scope, Filters, View};
use crate::auth::Identity;
use crate::download::{self, Sheet, Stop, XLSX};
use crate::error::AppError;
use crate::i18n::T;
use crate::export_job::{Job, List};
use crate::routes::{ip, ready, require, Me, Peer};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use rust_xlsxwriter::{Format, FormatBorder, Workbook};
use secman::incidents::UNIT_KINDS;
use std::sync::Arc;

/// A unit kind in words.
fn kind_label(t: &T, k: &str) -> String {
    match (t.is_en(), UNIT_KINDS.iter().find(|(c, _)| *c == k)) {
        (false, Some((_, zh))) => (*zh).to_string(),
        (true, _) | (false, None) => k.to_string(),
    }
}

/// The export of the list with filters `f` (from the newest, every page), read at `now`.
pub fn job(f: Filters, me: &Identity, t: T, now: i64) -> Result<Job, AppError> {
    // Every page from the first (a cursor in the address is not carried into the export).
    let mut q = Filters { after: String::new(), ..f.clone() }.query(now)?;
    q.limit = 500;
    let filter = serde_json::json!({"state": f.state.trim(), "grade": f.grade.trim(), "region": f.region.trim(), "overdue": f.overdue.trim(), "review_overdue": f.review_overdue.trim()});
    let h = |zh: &[&str], en: &[&str]| -> Vec<String> { if t.is_en() { en } else { zh }.iter().map(|s| s.to_string()).collect() };
    let headers = h(
        &["事件编号", "事件名称", "发生单位代码", "发生单位", "单位类别", "状态", "事件分类", "事件分级", "来源", "发现时间", "报告时限", "向上级报告时间", "超时未报", "已升级至", "最后更新"],
        &["No.", "Title", "Unit code", "Unit", "Unit kind", "State", "Class", "Grade", "Source", "Discovered", "Report by", "Reported upward", "Overdue", "Escalated to", "Updated"],
    );
    let (who, org) = (actor(me, ""), me.user.org_code);
    Ok(Job {
        list: List::Incidents,
        headers,
        filter,
        produce: Box::new(move |s, sheet: &mut Sheet| {
            let scope = read_scope(s, &who, org).map_err(|e| Stop::Failed(format!("{e:?}")))?;
            loop {
                let page = s.incidents(&scope, &q)?;
                for i in &page {
                    let v = View::of(i, &who, now);
                    let class = v.class_label.clone().or_else(|| v.proposed_class_label.as_ref().map(|l| format!("{}{l}", t.s("建议：", "proposed: ")))).unwrap_or_default();
                    let grade = if v.grade.is_some() { v.grade_label.clone() } else if v.proposed_grade.is_some() { format!("{}{}", t.s("建议：", "proposed: "), v.proposed_grade_label()) } else { String::new() };
                    let source = if v.source == "monitor" { t.s("网站监测", "site monitor") } else { t.s("人工报告", "reported") };
                    for cell in [
                        v.id.to_string(),
                        v.title.clone(),
                        v.unit_code.to_string(),
                        v.unit(),
                        kind_label(&t, &v.unit_kind),
                        t.s(&v.state_label, &v.state_label_en).to_string(),
                        class,
                        grade,
                        source.to_string(),
                        t.time(v.discovered_at),
                        t.time(v.due_at),
                        v.reported_up_at.map(|x| t.time(x)).unwrap_or_default(),
                        if v.overdue { t.s("是", "yes") } else { t.s("否", "no") }.to_string(),
                        v.escalated_to_name.clone().unwrap_or_default(),
                        t.time(v.updated_at),
                    ] {
                        sheet.cell(&cell)?;
                    }
                    sheet.end_row()?;
                }
                match page.last() {
                    Some(last) if page.len() >= q.limit => q.before = Some(last.id),
                    _ => return Ok(()),
                }
            }
        }),
    })
}

/// The workbook of one incident's report: elements, then the course of events.
fn report_book(v: &View, steps: &[super::StepView], t: &T, now: i64) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(t.s("事件报告", "Incident report"))?;
    let title = Format::new().set_bold().set_font_size(16);
    let head = Format::new().set_bold().set_border(FormatBorder::Thin).set_background_color(rust_xlsxwriter::Color::RGB(0xEEF2F7));
    let cell = Format::new().set_border(FormatBorder::Thin).set_text_wrap();
    ws.set_column_width(0, 20)?;
    ws.set_column_width(1, 18)?;
    ws.set_column_width(2, 16)?;
    ws.set_column_width(3, 60)?;
    ws.write_string_with_format(0, 0, t.s("网络安全事件报告", "Cybersecurity incident report"), &title)?;
    ws.write_string(1, 0, format!("{}{}", t.s("导出时间：", "Exported: "), t.time(now)))?;
    let class = v.class_label.clone().unwrap_or_else(|| t.s("待确认", "not confirmed").to_string());
    let facts: Vec<(&str, String)> = vec![
        (t.s("事件编号", "No."), v.id.to_string()),
        (t.s("事件名称", "Title"), v.title.clone()),
        (t.s("发生单位", "Unit"), v.unit()),
        (t.s("单位类别", "Unit kind"), kind_label(t, &v.unit_kind)),
        (t.s("事件分类", "Class"), class),
        (t.s("事件分级", "Grade"), v.grade_label.clone()),
        (t.s("当前状态", "State"), t.s(&v.state_label, &v.state_label_en).to_string()),
        (t.s("发现时间", "Discovered"), t.time(v.discovered_at)),
        (t.s("报告时限", "Report by"), t.time(v.due_at)),
        (t.s("向上级报告", "Reported upward"), v.reported_up_at.map(|x| t.time(x)).unwrap_or_else(|| t.s("未报告", "not yet").to_string())),
        (t.s("情况说明", "Description"), v.description.clone()),
        (t.s("事件总结", "Review"), v.review.clone()),
    ];
    let mut row = 3u32;
    for (k, val) in &facts {
        ws.write_string_with_format(row, 0, *k, &head)?;
        ws.merge_range(row, 1, row, 3, val, &cell)?;
        row += 1;
    }
    row += 1;
    ws.write_string_with_format(row, 0, t.s("处置经过", "Course of events"), &Format::new().set_bold().set_font_size(13))?;
    row += 1;
    for (c, h) in [t.s("时间", "Time"), t.s("环节", "Step"), t.s("经办", "By"), t.s("内容", "What")].iter().enumerate() {
        ws.write_string_with_format(row, c as u16, *h, &head)?;
    }
    for s in steps {
        row += 1;
        let by = crate::labels::actor_label(t, &s.actor).map_or_else(|| s.actor.clone(), str::to_string);
        let what = match &s.to_unit {
            Some(u) => format!("{}{u}。{}", t.s("报告/升级至", "to "), s.note),
            None => s.note.clone(),
        };
        for (c, val) in [t.time(s.at), t.s(&s.action_label, &s.action_label_en).to_string(), by, what].iter().enumerate() {
            ws.write_string_with_format(row, c as u16, val, &cell)?;
        }
    }
    wb.save_to_buffer()
}

/// `GET /incidents/{id}/report.xlsx`: the report of an incident the caller reads (404
/// otherwise), audited (`incident_report_export`).
pub async fn report(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Path(id): Path<i64>) -> Result<Response, AppError> {
    let me = ready(me)?;
    require(super::may_read(&me))?;
    let (v, steps) = read_one(&app, &me, id).await?;
    let t = T { lang: crate::auth::lang(&headers, &app) };
    use store::clock::Clock;
    let bytes = report_book(&v, &steps, &t, app.clock.now()).map_err(|e| AppError::Internal(format!("incident report: {e}")))?;
    app.audit_by(&me, "incident_report_export", &format!("incident:{id}"), serde_json::json!({ "steps": steps.len(), "bytes": bytes.len() }).to_string(), &ip(&headers, &peer)).await?;
    let name = format!("{}{id}.xlsx", t.s("网络安全事件报告-", "incident-report-"));
    Ok((download::headers(XLSX, &name, &format!("incident-report-{id}.xlsx")), bytes).into_response())
}
