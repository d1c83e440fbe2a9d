//! Demo 责任制 / 正版化 registers: the province's checklist for the year (bureaus and schools of
//! two counties settled to different degrees, so that the completion by region has something to
//! show), and software entries with their six-monthly checks for the bureaus and a few schools
//! of those counties — one over-installed, the bureaus' office licence ending soon, one unit overdue for its
//! check, one (the second county's bureau) never checked. Names say （演示）. Written through the store with the rules of
//! `secman::ledger`.

use secman::ledger as rules;
use standard::Date;
use store::ledger::{DutyQuery, DutyStatus, DutyUpdate, Ledger, LicenceKind, NewCheck, NewSoftware, SoftwareKind};
use store::{Browse, SchoolQuery, Scope, StoreError};

/// What the demo needs of a backend.
pub trait DemoStore: Ledger + Browse {}
impl<T: Ledger + Browse + ?Sized> DemoStore for T {}

fn ago(today: Date, days: i64) -> Date {
    Date::from_days_since_epoch(today.days_since_epoch() - days)
}

fn software(unit: i64, name: &str, vendor: &str, kind: SoftwareKind, licence: LicenceKind, licensed: u32, installed: u32, expires: Option<Date>, location: &str) -> NewSoftware {
    NewSoftware { unit_code: unit, name: name.into(), vendor: vendor.into(), version: String::new(), kind, licence_kind: licence, licence_no: if licence.counted() { format!("SCZC-{unit}-01（演示）") } else { String::new() }, licensed, expires_on: expires, installed, location: location.into() }
}

/// Seeds both registers unless the province already has a checklist; returns (items, entries).
pub fn seed(s: &mut (impl DemoStore + ?Sized), today: Date, now: i64) -> Result<(usize, usize), StoreError> {
    let all = Scope::province(51);
    if !s.checklists(&all)?.is_empty() {
        return Ok((0, 0));
    }
    let by = "demo";
    let counties = [510104u32, 510302];
    // The checklist, for the bureaus of the two counties and their schools.
    let input = rules::ChecklistInput { year: today.year.to_string(), title: format!("{} 年网络安全责任制落实清单（演示）", today.year), include_schools: true, items: rules::DEFAULT_ITEMS.into() };
    let mut items = 0;
    for (k, county) in counties.into_iter().enumerate() {
        let c = rules::parse_checklist(&input, i64::from(county), today).map_err(|p| StoreError::Internal(p[0].zh.clone()))?;
        let list = rules::publish(s, &all, &c, by, now)?;
        let rows = s.duty_items(&all, &DutyQuery { checklist: Some(list.id), limit: 500, ..Default::default() })?.rows;
        items += rows.len();
        for (i, d) in rows.iter().enumerate() {
            // 锦江区 settles most items, 自流井区 about half; every fifth in progress.
            let status = match (k, i % 5) {
                (_, 4) => DutyStatus::InProgress,
                (0, 3) if d.category == store::ledger::Category::Technical => DutyStatus::NotApplicable,
                (0, _) => DutyStatus::Done,
                (_, 0 | 1) => DutyStatus::Done,
                _ => DutyStatus::NotStarted,
            };
            if status == DutyStatus::NotStarted {
                continue;
            }
            let u = DutyUpdate {
                owner_name: ["王明", "李芳", "张伟", "刘洋"][i % 4].into(),
                owner_post: if d.unit_code < 1_000_000 { "分管副局长".into() } else { "分管副校长".into() },
                status,
                reason: if status == DutyStatus::NotApplicable { "本单位无自建信息系统（演示）".into() } else { String::new() },
                evidence: if status == DutyStatus::Done { "已印发文件并存档（演示）".into() } else { String::new() },
                attachment: None,
            };
            s.update_duty_item(&all, d.id, &u, by, now)?;
        }
    }
    // Software: each county bureau and its first three schools.
    let mut entries = 0;
    for (k, county) in counties.into_iter().enumerate() {
        let mut units = vec![i64::from(county)];
        let schools = s.schools(&Scope::Region { lo: county, hi: county }, &SchoolQuery { limit: 3, ..Default::default() })?;
        units.extend(schools.rows.iter().filter_map(|r| r.key.parse::<i64>().ok()));
        for (j, &unit) in units.iter().enumerate() {
            let list = [
                software(unit, "Windows 11 专业版（演示）", "微软", SoftwareKind::Os, LicenceKind::Procured, 60, if j == 1 { 66 } else { 58 }, None, "计算机教室、办公室"),
                software(unit, "WPS Office 专业版（演示）", "金山办公", SoftwareKind::Office, LicenceKind::Procured, 80, 75, Some(if j == 0 { ago(today, -40) } else { ago(today, -400) }), "全部办公电脑"),
                software(unit, "终端杀毒软件（演示）", "奇安信", SoftwareKind::Antivirus, LicenceKind::Commercial, 100, 90, Some(ago(today, -200)), "全部终端"),
                software(unit, "LibreOffice（演示）", "The Document Foundation", SoftwareKind::Office, LicenceKind::OpenSource, 0, 20, None, "计算机教室二"),
            ];
            for n in &list {
                s.create_software(&all, n, by, now)?;
                entries += 1;
            }
            // Checks: most units checked two months ago; the first county's last school seven
            // months ago (overdue); the second county's bureau never.
            let days = match (k, j) {
                (1, 0) => continue,
                (0, j) if j > 0 && j + 1 == units.len() => 210,
                _ => 60,
            };
            let c = NewCheck { unit_code: unit, checked_on: ago(today, days), checker: "李华".into(), compliant: j != 1, problems: if j == 1 { "Windows 超出授权安装 6 套，已要求限期卸载或补购（演示）".into() } else { String::new() } };
            rules::record_check(s, &all, &c, by, now)?;
        }
    }
    Ok((items, entries))
}
