//! Demo plan tracker: 四川省 2022 年教育信息化工作要点 as 17 work points in the six parts
//! (顶层设计, 基础建设, 资源体系, 数据共享, 融合创新, 网络安全).
//!
//! We have no copy of the official document here: the point titles are a **demo reconstruction**,
//! plausible for the six parts and the platform's domains, not the official text — the plan's
//! title and note say so on every page. Most points are done (with an update each); one is
//! overdue (数据共享 across departments, not finished by its 2022 deadline); three long-running
//! points run to the end of the current year and are bound to live figures of the demo (the IPv6
//! rate of the monitored university sites, base-data coverage, 等保 systems overdue). Lead units
//! are the province's department, 成都市 and 锦江区; co-operating units cities and counties.
//! Written through the store (`store::plan::Plans`).

use standard::Date;
use store::plan::{Indicator, NewPlan, NewPoint, NewTask, NewUpdate, Plans, State};
use store::{Scope, StoreError};

/// The demo plan's year.
pub const YEAR: i32 = 2022;

/// Its title (marked as a reconstruction).
pub const TITLE: &str = "四川省 2022 年教育信息化工作要点（演示重构）";

/// Its note, shown with the plan.
pub const NOTE: &str = "演示数据：按六个部分重构的示意内容，不是官方文件原文";

const PROVINCE: i64 = 510000;
const CHENGDU: i64 = 510100;
const ZIGONG: i64 = 510300;
const JINJIANG: i64 = 510104;
const ZILIUJING: i64 = 510302;

/// (part, number, title, lead, co-operating, deadline ("" = end of the current year), indicator,
/// target, tasks, state, progress).
type Row = (u8, &'static str, &'static str, i64, &'static [i64], &'static str, Option<Indicator>, &'static str, &'static [&'static str], State, u8);

const POINTS: [Row; 17] = [
    (1, "1", "制定全省教育信息化“十四五”规划实施方案", PROVINCE, &[CHENGDU, ZIGONG], "2022-06-30", None, "", &["形成实施方案征求意见稿", "印发实施方案"], State::Done, 100),
    (1, "2", "完善教育数据标准和数据管理制度", PROVINCE, &[], "2022-09-30", None, "", &["修订教育基础数据标准", "印发数据管理办法"], State::Done, 100),
    (1, "3", "健全教育信息化工作协调推进机制", PROVINCE, &[CHENGDU], "2022-03-31", None, "", &["建立季度调度制度"], State::Done, 100),
    (2, "4", "推进中小学校园网络提速升级", PROVINCE, &[CHENGDU, ZIGONG], "2022-12-31", None, "", &["完成校园网摸底", "完成提速改造"], State::Done, 100),
    (2, "5", "推进高校和教育门户网站 IPv6 规模部署", PROVINCE, &[CHENGDU, ZIGONG], "", Some(Indicator::Ipv6Rate), "100%", &["完成门户网站 IPv6 改造", "开展 IPv6 支持度监测"], State::InProgress, 70),
    (2, "6", "建设全省教育专网和教育云平台", PROVINCE, &[], "2022-12-31", None, "", &["完成教育专网省级节点"], State::Done, 100),
    (3, "7", "深化国家智慧教育平台在我省的应用", PROVINCE, &[CHENGDU, ZIGONG], "2022-12-31", None, "", &["开展平台应用培训"], State::Done, 100),
    (3, "8", "建设省级优质数字教育资源库", PROVINCE, &[], "2022-11-30", None, "", &["征集优质课例资源"], State::Done, 100),
    (3, "9", "实施教师信息技术应用能力提升工程 2.0", PROVINCE, &[CHENGDU, ZIGONG], "2022-12-31", None, "", &["完成整校推进培训"], State::Done, 100),
    (4, "10", "完善学校、教师、学生基础数据库", PROVINCE, &[JINJIANG, ZILIUJING], "", Some(Indicator::BaseCoverage), "100%", &["各区县按标准报送基础数据", "开展数据质量核查"], State::InProgress, 80),
    (4, "11", "推进教育数据跨部门共享交换", PROVINCE, &[CHENGDU], "2022-12-31", None, "", &["梳理共享数据目录", "完成与公安、卫健部门数据对接"], State::InProgress, 60),
    (4, "12", "建立教育数据质量核查通报机制", PROVINCE, &[JINJIANG], "2022-10-31", None, "", &["印发核查通报办法"], State::Done, 100),
    (5, "13", "开展智慧教育示范区和示范校建设", CHENGDU, &[JINJIANG], "2022-12-31", None, "", &["遴选示范校", "开展示范区中期评估"], State::Done, 100),
    (5, "14", "推进信息科技课程和人工智能教育", JINJIANG, &[], "2022-12-31", None, "", &["开设信息科技课程"], State::Done, 100),
    (6, "15", "全面落实网络安全等级保护制度", PROVINCE, &[CHENGDU, ZIGONG], "", Some(Indicator::MlpsOverdue), "0", &["完成定级备案", "按期开展等级测评"], State::InProgress, 75),
    (6, "16", "开展网络安全攻防演练和专项检查", PROVINCE, &[CHENGDU, ZIGONG], "2022-11-30", None, "", &["组织全省攻防演练"], State::Done, 100),
    (6, "17", "落实网络安全工作责任制", PROVINCE, &[JINJIANG, ZILIUJING], "2022-12-31", None, "", &["签订网络安全责任书"], State::Done, 100),
];

fn d(s: &str) -> Date {
    Date::parse_iso(s).expect("a demo date")
}

/// Seeds the plan unless the province has its 2022 plan; returns (points, updates).
pub fn seed(s: &mut (impl Plans + ?Sized), today: Date, now: i64) -> Result<(usize, usize), StoreError> {
    let all = Scope::province(51);
    if s.plans(&all)?.iter().any(|p| p.region_code == PROVINCE && p.year == YEAR) {
        return Ok((0, 0));
    }
    let year_end = Date::parse_iso(&format!("{}-12-31", today.year)).expect("a date");
    let points = POINTS
        .iter()
        .map(|r| {
            let deadline = if r.5.is_empty() { year_end } else { d(r.5) };
            NewPoint {
                part: r.0,
                number: r.1.into(),
                title: r.2.into(),
                description: if r.5.is_empty() { "长期任务，持续推进至本年度末（演示）".into() } else { String::new() },
                lead: r.3,
                coop: r.4.to_vec(),
                deadline,
                indicator: r.6,
                target: r.7.into(),
                tasks: r.8.iter().map(|t| NewTask { text: t.to_string(), owner: r.3, deadline }).collect(),
            }
        })
        .collect();
    let plan = s.import_plan(&all, &NewPlan { year: YEAR, title: TITLE.into(), region_code: PROVINCE, note: NOTE.into(), points }, "demo", now)?;
    let pts = s.plan_points(&all, plan.id)?;
    let mut updates = 0;
    for (p, r) in pts.iter().zip(POINTS.iter()) {
        let (state, progress) = (r.9, r.10);
        let tasks = s.plan_tasks(&all, p.id)?;
        // The first task done (an update of its own) when the point has moved.
        if let Some(t) = tasks.first() {
            let u = NewUpdate { task: Some(t.id), on: d("2022-05-20"), text: format!("{}：已完成。", t.text), progress: progress.min(50), state: State::Done, attachment: None };
            s.post_plan_update(&all, p.id, &u, "demo", now)?;
            updates += 1;
        }
        let (on, text) = match state {
            State::Done => (if r.5.is_empty() { d("2022-12-20") } else { d(r.5) }, "各项任务已按期完成，材料已归档。".to_string()),
            _ if r.5.is_empty() => (today, "持续推进中，指标以实时数据为准。".to_string()),
            _ => (d("2022-11-15"), "数据目录已梳理完毕，跨部门对接尚未完成。".to_string()),
        };
        s.post_plan_update(&all, p.id, &NewUpdate { task: None, on, text, progress, state, attachment: None }, "demo", now)?;
        updates += 1;
    }
    Ok((pts.len(), updates))
}
