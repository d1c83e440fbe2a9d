//! Demo 等保 register: systems for the city bureaus, two county bureaus and a few schools of
//! each of those counties, with filings, assessments and rectification items dated from `today`
//! so that the register always has some systems overdue, some due soon and most on time. The
//! names say （演示）; the filing numbers are made up in the real format. Written through the
//! store with the rules of `secman::mlps` (due dates by the embedded working-day calendar).

use secman::mlps as rules;
use standard::codes::DIVISIONS;
use standard::Date;
use store::calendar::Calendar;
use store::mlps::{Conclusion, Mlps, NewAssessment, NewRectification, NewSystem, SystemQuery};
use store::{Browse, SchoolQuery, Scope, StoreError};

/// What the demo needs of a backend.
pub trait DemoStore: Mlps + Browse {}
impl<T: Mlps + Browse + ?Sized> DemoStore for T {}

fn ago(today: Date, days: i64) -> Date {
    Date::from_days_since_epoch(today.days_since_epoch() - days)
}

fn system(unit: i64, name: &str, owner: &str, purpose: &str, level: u8, live: Date) -> NewSystem {
    NewSystem { unit_code: unit, name: format!("{name}（演示）"), owner: owner.into(), purpose: purpose.into(), level, cii: false, live_on: Some(live), filing_no: String::new(), filing_on: None, filing_authority: String::new() }
}

fn filed(mut s: NewSystem, seq: usize, authority: &str) -> NewSystem {
    let region = s.unit_code.to_string();
    let prefix = if region.len() == 6 { region } else { format!("51{}", &region[2..6]) };
    s.filing_no = format!("{prefix}99{:03}-{}{:04}", seq % 1000, s.level, seq % 10_000);
    s.filing_on = s.live_on.map(|d| Date::from_days_since_epoch(d.days_since_epoch() + 20));
    s.filing_authority = authority.into();
    s
}

/// Seeds the register unless the province already has systems; returns how many were written.
pub fn seed(s: &mut (impl DemoStore + ?Sized), today: Date, now: i64) -> Result<usize, StoreError> {
    let all = Scope::province(51);
    if !s.systems(&all, &SystemQuery { limit: 1, ..SystemQuery::on(today) })?.rows.is_empty() {
        return Ok(0);
    }
    let cal = Calendar::embedded();
    let by = "demo";
    let mut n = 0;
    let agency = ["四川演示信息安全测评中心", "成都演示网络安全测评有限公司"];
    // City bureaus: a level-3 network (assessed 3, 11 or 14 months ago by turns) and a level-2
    // portal, both filed.
    for (i, c) in DIVISIONS.cities_of(51).enumerate() {
        let authority = format!("{}公安局网络安全保卫支队", c.name);
        let net = filed(system(c.code as i64, &format!("{}教育城域网", c.name), "信息中心", "全市学校接入与出口", 3, ago(today, 900 + i as i64)), i * 2 + 1, &authority);
        let sys = rules::create(s, &all, &net, by, &cal, now)?;
        let last = ago(today, [90, 335, 425][i % 3]);
        rules::assess(s, &all, sys.id, &NewAssessment { assessed_on: last, agency: agency[i % 2].into(), score: Some(78.5 + (i % 5) as f64 * 3.2), conclusion: Conclusion::of_score(78.5 + (i % 5) as f64 * 3.2) }, by, &cal, now)?;
        if i % 4 == 2 {
            rules::add_item(s, &all, sys.id, &NewRectification { item: "边界访问控制策略未细化到端口级".into(), due_on: ago(today, -45) }, by, &cal, now)?;
        }
        let portal = filed(system(c.code as i64, &format!("{}教育局门户网站", c.name), "办公室", "政务公开", 2, ago(today, 1200)), i * 2 + 2, &authority);
        rules::create(s, &all, &portal, by, &cal, now)?;
        n += 2;
    }
    // Two counties: the bureau's student-status system (one filed late, one still unfiled and
    // due soon) and three schools' campus platforms, one with an overdue rectification item.
    for (k, county) in [510104u32, 510302].into_iter().enumerate() {
        let name = DIVISIONS.get(county).map(|d| d.name.clone()).unwrap_or_default();
        let authority = format!("{name}公安分局");
        let live = ago(today, if k == 0 { 50 } else { 12 });
        rules::create(s, &all, &system(county as i64, &format!("{name}学籍与资助管理系统"), "学生资助中心", "学籍、资助", 2, live), by, &cal, now)?;
        let video = filed(system(county as i64, &format!("{name}教育视频监控平台"), "安全科", "校园安全视频汇聚", 3, ago(today, 800)), 100 + k, &authority);
        let v = rules::create(s, &all, &video, by, &cal, now)?;
        rules::assess(s, &all, v.id, &NewAssessment { assessed_on: ago(today, 200), agency: agency[k].into(), score: Some(72.0), conclusion: Conclusion::Fair }, by, &cal, now)?;
        rules::add_item(s, &all, v.id, &NewRectification { item: "管理员口令未定期更换".into(), due_on: ago(today, 10) }, by, &cal, now)?;
        let done = rules::add_item(s, &all, v.id, &NewRectification { item: "审计日志留存不足六个月".into(), due_on: ago(today, 60) }, by, &cal, now)?;
        let item = s.rectifications(&all, done.id)?.into_iter().find(|r| r.item.starts_with("审计")).map(|r| r.id);
        if let Some(item) = item {
            rules::close_item(s, &all, done.id, item, ago(today, 70), "日志服务器扩容，见整改报告（演示）", &cal)?;
        }
        n += 2;
        let schools = s.schools(&Scope::Region { lo: county, hi: county }, &SchoolQuery { limit: 3, ..Default::default() })?;
        for (j, r) in schools.rows.iter().enumerate() {
            let Ok(code) = r.key.parse::<i64>() else { continue };
            let mut x = system(code, "智慧校园平台", "信息技术处", "教务、办公、家校沟通", 2, ago(today, 400 + j as i64 * 30));
            if j != 1 {
                x = filed(x, 200 + k * 10 + j, &authority);
            }
            rules::create(s, &all, &x, by, &cal, now)?;
            n += 1;
        }
    }
    Ok(n)
}
