//! Demo 专项检查, drills and rectification items: the province's inspection of every bureau,
//! 成都's inspection of its schools (some answered, with findings turned into items, one item
//! overdue, one submitted, one verified), and 成都's attack-defence drill with its findings.
//! Dated from `today`; names say （演示）. Written through the store with the rules of
//! `secman::checks` (due dates by the embedded working-day calendar).

use standard::Date;
use store::calendar::Calendar;
use store::checks::*;
use store::{Scope, StoreError};

fn ago(today: Date, days: i64) -> Date {
    Date::from_days_since_epoch(today.days_since_epoch() - days)
}

fn yes(text: &str, evidence: bool) -> ChecklistItem {
    ChecklistItem { text: text.into(), kind: ItemKind::YesNo, evidence_required: evidence }
}

fn answer(item: u32, v: Verdict, note: &str, evidence: &str) -> Answer {
    Answer { item, verdict: Some(v), note: note.into(), evidence: evidence.into(), attachment: None }
}

/// Seeds unless the province already has an inspection; returns (inspections, items) written.
pub fn seed(s: &mut (impl Checks + ?Sized), today: Date, now: i64) -> Result<(usize, usize), StoreError> {
    let all = Scope::province(51);
    if !s.inspections(&all, None, 1)?.rows.is_empty() {
        return Ok((0, 0));
    }
    let cal = Calendar::embedded();
    let by = "demo";
    let bureaus = NewInspection {
        issuer_code: 510000,
        name: "2026 年教育系统网络安全责任制落实情况专项检查（演示）".into(),
        basis: "川教函〔2026〕演示1号".into(),
        starts_on: ago(today, 20),
        deadline: ago(today, -25),
        rect_days: 20,
        items: vec![yes("已成立网络安全和信息化领导小组并明确责任分工", true), yes("已制定网络安全事件应急预案并开展演练", true), ChecklistItem { text: "说明本单位网站和信息系统的备份方式".into(), kind: ItemKind::Text, evidence_required: false }],
    };
    s.create_inspection(&all, &bureaus, &Target::AllBureaus, by, now)?;
    let schools = NewInspection {
        issuer_code: 510100,
        name: "2026 年中小学校园网站安全专项检查（演示）".into(),
        basis: "成教函〔2026〕演示8号".into(),
        starts_on: ago(today, 30),
        deadline: ago(today, -10),
        rect_days: 10,
        items: vec![yes("网站已完成工信部备案和公安备案", true), yes("管理后台已限制访问来源并启用强口令", false), yes("近一年未发生网页篡改或数据泄露", false), ChecklistItem { text: "说明网站内容审核流程".into(), kind: ItemKind::Text, evidence_required: false }],
    };
    let chengdu = Scope::Region { lo: 510100, hi: 510199 };
    let (insp, _) = s.create_inspection(&chengdu, &schools, &Target::AllSchools, by, now)?;
    let mut items = 0;
    // A few units (锦江区's first) answer: some clean, some with findings (due 10 working days after).
    let mut units = s.assignments(&chengdu, insp.id, Some(510104), None, 8)?.rows;
    for a in s.assignments(&chengdu, insp.id, None, None, 8)?.rows {
        if units.len() < 8 && !units.iter().any(|u| u.unit_code == a.unit_code) {
            units.push(a);
        }
    }
    for (k, a) in units.iter().enumerate() {
        let mut sheet = vec![
            answer(0, Verdict::Compliant, "", "备案号川备演示号"),
            answer(1, if k % 3 == 0 { Verdict::NotCompliant } else { Verdict::Compliant }, if k % 3 == 0 { "后台可从互联网直接访问，口令为弱口令" } else { "" }, ""),
            answer(2, Verdict::Compliant, "", ""),
            answer(3, Verdict::Compliant, "信息员初审、分管校领导终审", ""),
        ];
        if k % 4 == 3 {
            sheet[0] = answer(0, Verdict::NotCompliant, "尚未办理公安备案", "");
        }
        if k >= 6 {
            s.save_answers(&chengdu, insp.id, a.unit_code, &sheet[..2], None, by, now)?;
            continue;
        }
        let submitted = ago(today, 25 - k as i64 * 3);
        let due = cal.add_working_days(submitted, insp.new.rect_days);
        let a = s.save_answers(&chengdu, insp.id, a.unit_code, &sheet, Some(("刘老师（演示）", "信息技术中心主任", due)), by, now)?;
        items += a.findings as usize;
    }
    // Move some items along: one submitted, one verified, the rest open (some overdue).
    let raised = s.items(&chengdu, &ItemQuery { source_id: Some(insp.id), ..ItemQuery::on(today) })?.rows;
    if let Some(it) = raised.first() {
        s.submit_item(&chengdu, it.id, "已关闭后台公网访问并重置全部口令（演示）", None, now)?;
        s.review_item(&chengdu, it.id, true, "", by, now)?;
    }
    if let Some(it) = raised.get(1) {
        s.submit_item(&chengdu, it.id, "已提交公安备案申请，受理回执见附件（演示）", None, now)?;
    }
    // 成都's drill: the 锦江区 bureau and two schools defend, a red team attacks.
    let drill = s.create_drill(&chengdu, &NewDrill { organiser_code: 510100, name: "2026 年成都市教育系统网络攻防演练（演示）".into(), kind: DrillKind::Drill, starts_on: ago(today, 40), ends_on: ago(today, 36), scope_text: "各区县教育城域网出口、学校门户网站及学籍系统".into() }, by, now)?;
    s.add_participant(&chengdu, drill.id, 510104, Team::Blue)?;
    for a in units.iter().take(2) {
        s.add_participant(&chengdu, drill.id, a.unit_code, Team::Blue)?;
    }
    let targets = [(510104i64, "锦江区教育城域网远程接入网关", "远程接入设备存在已公开漏洞未修补", Severity::Critical), (units.first().map_or(510104, |a| a.unit_code), "学校门户网站", "门户网站存在数据库注入漏洞", Severity::High), (units.get(1).map_or(510104, |a| a.unit_code), "家校沟通平台", "接口未鉴权，可遍历学生姓名", Severity::High)];
    for (unit, target, title, severity) in targets {
        let f = NewFinding { title: format!("{title}（演示）"), severity, unit_code: unit, target: target.into(), found_by: "红队第一组".into(), owner_name: "王工（演示）".into(), owner_post: "网络管理员".into(), due_on: cal.add_working_days(ago(today, 36), 15) };
        s.add_finding(&chengdu, drill.id, &f, by, now)?;
        items += 1;
    }
    s.set_report(&chengdu, drill.id, "演练发现高危及以上问题 3 个，均已下发整改；总体防守得分 82 分（演示）。", None)?;
    s.create_drill(&chengdu, &NewDrill { organiser_code: 510100, name: "2026 年成都市中小学网络安全技能竞赛（演示）".into(), kind: DrillKind::Contest, starts_on: ago(today, -30), ends_on: ago(today, -29), scope_text: "各区县选拔的教师代表队".into() }, by, now)?;
    Ok((2, items))
}
