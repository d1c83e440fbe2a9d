//! Duty contacts (mobile numbers masked), the roster (the coming 30 days and the past 7) and a
//! period's reports as XLSX or CSV, through the one export writer (`crate::download`, audited with
//! the row count by `routes::exports`).

use crate::download::Sheet;
use crate::error::AppError;
use crate::i18n::T;
use crate::export_job::{Job, List};
use serde::Deserialize;
use store::duty::day_start;
use store::Scope;

#[derive(Deserialize, Default, Clone)]
pub struct Filters {
    /// The period (reports only).
    #[serde(default)]
    pub id: String,
}

fn h(t: T, zh: &[&str], en: &[&str]) -> Vec<String> {
    if t.is_en() { en } else { zh }.iter().map(|s| s.to_string()).collect()
}

pub fn contacts(scope: Scope, auditor: Option<i64>, t: T) -> Result<Job, AppError> {
    Ok(Job {
        list: List::DutyContacts,
        headers: h(t, &["单位代码", "姓名", "岗位", "办公电话", "手机号码"], &["Unit code", "Name", "Post", "Office phone", "Mobile"]),
        filter: serde_json::json!({}),
        produce: Box::new(move |s, sheet: &mut Sheet| {
            let scope = crate::routes::area(s, &scope, auditor)?;
            for c in s.contacts(&scope, None, store::browse::MAX_PAGE)? {
                for v in [c.new.unit_code.to_string(), c.new.name, c.new.post, c.new.office_phone, store::mask::phone(&c.new.mobile)] {
                    sheet.cell(&v)?;
                }
                sheet.end_row()?;
            }
            Ok(())
        }),
    })
}

pub fn roster(scope: Scope, auditor: Option<i64>, t: T, today: standard::Date) -> Result<Job, AppError> {
    let from = day_start(today) - 7 * 86_400;
    let to = day_start(today) + 30 * 86_400;
    Ok(Job {
        list: List::DutyRoster,
        headers: h(t, &["单位代码", "开始", "结束", "值班人员", "岗位", "带班领导", "备注"], &["Unit code", "Starts", "Ends", "On duty", "Post", "Leader", "Note"]),
        filter: serde_json::json!({ "from": (today.days_since_epoch() - 7), "days": 37 }),
        produce: Box::new(move |s, sheet: &mut Sheet| {
            let scope = crate::routes::area(s, &scope, auditor)?;
            for x in s.shifts(&scope, None, from, to, store::browse::MAX_PAGE)? {
                for v in [x.new.unit_code.to_string(), super::when(x.new.starts_at), super::when(x.new.ends_at), x.contact_name, x.contact_post, x.leader_name, x.new.note] {
                    sheet.cell(&v)?;
                }
                sheet.end_row()?;
            }
            Ok(())
        }),
    })
}

pub fn reports(f: Filters, scope: Scope, auditor: Option<i64>, t: T) -> Result<Job, AppError> {
    let id = f.id.trim().parse::<i64>().map_err(|_| AppError::NotFound)?;
    Ok(Job {
        list: List::DutyReports,
        headers: h(t, &["日期", "单位代码", "情况", "说明", "关联事件", "迟报", "报送人"], &["Day", "Unit code", "State", "Description", "Incident", "Late", "Filed by"]),
        filter: serde_json::json!({ "id": id }),
        produce: Box::new(move |s, sheet: &mut Sheet| {
            let scope = crate::routes::area(s, &scope, auditor)?;
            for r in s.reports(&scope, id, None, store::browse::MAX_PAGE)? {
                let state = if r.new.all_clear { t.s("无异常", "All clear") } else { t.s("有情况", "Events") };
                let late = if r.late { t.s("是", "yes") } else { t.s("否", "no") };
                for v in [r.new.day.to_string(), r.new.unit_code.to_string(), state.to_string(), r.new.body, r.new.incident_id.map(|i| i.to_string()).unwrap_or_default(), late.to_string(), r.filed_by] {
                    sheet.cell(&v)?;
                }
                sheet.end_row()?;
            }
            Ok(())
        }),
    })
}

/// The important periods of the area, newest first: the dates, the duty asked, who reports, the
/// cut-off and, for a period under way, today's reports (expected, filed, late, missing).
pub fn periods(scope: Scope, auditor: Option<i64>, t: T, today: standard::Date) -> Result<Job, AppError> {
    Ok(Job {
        list: List::DutyPeriods,
        headers: h(
            t,
            &["名称", "保障范围代码", "保障范围", "开始日期", "结束日期", "24 小时值班", "报送单位", "每日截止", "状态", "今日应报", "今日已报", "今日迟报", "今日未报"],
            &["Name", "Area code", "Area", "Starts", "Ends", "24-hour duty", "Who reports", "Daily cut-off", "State", "Expected today", "Filed today", "Late today", "Missing today"],
        ),
        filter: serde_json::json!({}),
        produce: Box::new(move |s, sheet: &mut Sheet| {
            let scope = crate::routes::area(s, &scope, auditor)?;
            for p in s.periods(&scope, 100_000)? {
                let area = s.unit_name(i64::from(p.new.area_code))?.unwrap_or_else(|| p.new.area_code.to_string());
                let state = if p.holds(today) {
                    t.s("进行中", "ongoing")
                } else if today < p.new.starts_on {
                    t.s("未开始", "not started")
                } else {
                    t.s("已结束", "ended")
                };
                let day = if p.holds(today) {
                    let st = s.day_status(&scope, p.id, today, None)?;
                    let sum = |f: fn(&store::duty::RegionStatus) -> u64| st.regions.iter().map(f).sum::<u64>().to_string();
                    [sum(|r| r.expected), sum(|r| r.reported), sum(|r| r.late), sum(|r| r.missing)]
                } else {
                    Default::default()
                };
                let [expected, reported, late, missing] = day;
                let yes = if p.new.full_day { t.s("是", "yes") } else { t.s("否", "no") };
                for v in [p.new.name.clone(), p.new.area_code.to_string(), area, p.new.starts_on.to_string(), p.new.ends_on.to_string(), yes.to_string(), t.s(p.new.reporters.zh(), p.new.reporters.en()).to_string(), secman::duty::cutoff_text(p.new.cutoff_minutes), state.to_string(), expected, reported, late, missing] {
                    sheet.cell(&v)?;
                }
                sheet.end_row()?;
            }
            Ok(())
        }),
    })
}
