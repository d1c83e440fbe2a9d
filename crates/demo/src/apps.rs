//! Demo education-app register: a dozen filings (the numbers made up in the real 教APP备 format,
//! the provider's credit code a valid GB 32100 example), one app on the block list, and uses by
//! the province's first six schools in every state of the review, dated from `today` so that some
//! annual re-reviews are overdue. Written through the store (the names say （演示）).

use standard::Date;
use store::apps::{Apps, FilingQuery, FilingStatus, NewBlock, NewFiling, NewUse, UseChange, UseState};
use store::{Browse, SchoolQuery, Scope, StoreError};

/// What the demo needs of a backend.
pub trait DemoStore: Apps + Browse {}
impl<T: Apps + Browse + ?Sized> DemoStore for T {}

fn ago(today: Date, days: i64) -> Date {
    Date::from_days_since_epoch(today.days_since_epoch() - days)
}

const APPS: &[(&str, &str, &str, &str, &str, bool)] = &[
    ("作业练习（演示）", "ios,android", "name,school_class,grades", "camera,storage", "homework", true),
    ("家校通（演示）", "ios,android,miniprogram", "name,mobile,guardian,school_class", "notifications", "home_school", true),
    ("智慧课堂（演示）", "android,harmonyos,web", "name,school_class", "microphone,camera", "teaching", true),
    ("校园安全（演示）", "android,ios", "name,face,location", "location,camera,bluetooth", "management", true),
    ("阅读打卡（演示）", "miniprogram", "name,school_class", "", "homework", true),
    ("口算天天练（演示）", "ios,android", "name,grades", "microphone", "homework", true),
    ("教师备课（演示）", "web", "name", "storage", "teaching", false),
    ("考试测评（演示）", "web,android", "name,student_id,grades", "camera", "assessment", true),
    ("体质健康（演示）", "android,ios", "name,health", "bluetooth", "management", true),
    ("英语听说（演示）", "ios,android", "name,voice", "microphone", "teaching", true),
    ("校车接送（演示）", "miniprogram", "name,mobile,location", "location", "management", true),
    ("刷题神器（演示）", "android", "name,mobile,device", "contacts,phone,sms", "homework", true),
];

/// Seeds the register unless the province already has filings; returns (filings, uses).
pub fn seed(s: &mut (impl DemoStore + ?Sized), today: Date, now: i64) -> Result<(usize, usize), StoreError> {
    let all = Scope::province(51);
    if !s.filings(&all, &FilingQuery { limit: 1, ..Default::default() })?.rows.is_empty() {
        return Ok((0, 0));
    }
    let by = "demo";
    let list = |v: &str| v.split(',').filter(|t| !t.is_empty()).map(str::to_string).collect::<Vec<_>>();
    let mut ids = Vec::new();
    for (i, (name, platforms, data, perms, purpose, minors)) in APPS.iter().enumerate() {
        let f = NewFiling {
            filing_no: format!("教APP备{:07}号", 1_100_871 + i * 37),
            provider: format!("演示教育科技有限公司{}", ["甲", "乙", "丙", "丁"][i % 4]),
            credit_code: "91350100M000100Y43".into(),
            app_name: (*name).into(),
            version: format!("{}.{}.0", 2 + i % 3, i % 7),
            platforms: list(platforms),
            icp_no: format!("川ICP备{:08}号-1", 20_260_000 + i),
            mlps_no: if i % 3 == 0 { format!("51010499{:03}-30{:03}", i, i) } else { String::new() },
            permissions: list(perms),
            personal_data: list(data),
            minors: *minors,
            filed_on: Some(ago(today, 400 - i as i64 * 20)),
            status: if i == 6 { FilingStatus::Cancelled } else { FilingStatus::Valid },
        };
        ids.push((s.create_filing(&all, &f, by, now)?, *purpose));
    }
    // The last app collects contacts and SMS for homework: blocked by the province.
    let (bad, _) = &ids[ids.len() - 1];
    s.block(&all, &NewBlock { filing_no: bad.new.filing_no.clone(), reason: "超范围收集学生个人信息（通讯录、短信），未通过审查（演示）".into(), blocked_on: Some(ago(today, 30)), ..Default::default() }, by, now)?;
    let mut uses = 0;
    {
        // The province's first six schools (whatever the demo's size, they exist).
        let schools = s.schools(&all, &SchoolQuery { limit: 6, ..Default::default() })?;
        for (j, r) in schools.rows.iter().enumerate() {
            let Ok(code) = r.key.parse::<i64>() else { continue };
            for (k, (f, purpose)) in ids.iter().take(ids.len() - 1).enumerate().filter(|(k, _)| (k + j) % 3 == 0) {
                if f.new.status == FilingStatus::Cancelled {
                    continue;
                }
                let u = s.create_use(&all, &NewUse { school_code: code, filing_id: f.id, purpose: (*purpose).into(), chosen_by: ["教务处", "德育处", "三年级语文组", "信息技术处"][k % 4].into() }, by, now)?;
                uses += 1;
                let stage = (k + j) % 5;
                if stage == 0 {
                    continue;
                }
                let reviewed = ago(today, 20 + (k as i64 * 53) % 500);
                s.set_use_state(&all, u.id, UseState::Proposed, UseState::SchoolApproved, &UseChange { school_reviewed_on: Some(reviewed), ..Default::default() }, now)?;
                match stage {
                    1 => {}
                    2 => {
                        s.set_use_state(&all, u.id, UseState::SchoolApproved, UseState::Rejected, &UseChange { reason: Some("未说明收集学生人脸信息的必要性（演示）".into()), ..Default::default() }, now)?;
                    }
                    _ => {
                        let approved = Date::from_days_since_epoch(reviewed.days_since_epoch() + 5);
                        let due = secman::apps::review_due(approved);
                        s.set_use_state(&all, u.id, UseState::SchoolApproved, UseState::CountyApproved, &UseChange { county_approved_on: Some(approved), review_due: Some(due), ..Default::default() }, now)?;
                    }
                }
            }
        }
    }
    Ok((ids.len(), uses))
}
