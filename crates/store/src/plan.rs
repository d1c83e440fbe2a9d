//! 信息化工作要点 — the plan tracker of issue 15: a year's informatization plan as data.
//!
//! A plan (year, title, the issuing division: the province 510000 for the provincial plan, a
//! city or county for its own) holds work points in parts 1–6 (顶层设计, 基础建设, 资源体系,
//! 数据共享, 融合创新, 网络安全), each with a lead unit, co-operating units, a deadline, tasks,
//! an optional indicator bound to a live figure, and progress updates (with an evidence file of
//! `store::attachments`).
//!
//! Scope, enforced here for every read and write:
//! * a point is read by the issuer's area (a region scope covering the plan's division), and by
//!   every scope holding its lead unit or one of its co-operating units (`plan_units`, judged
//!   like a register's unit, [`crate::ledger::may_write_unit`]); a plan is read when one of its
//!   points is, or by its issuer's area;
//! * a plan is imported by a region scope covering its division ([`crate::ledger::may_publish`]),
//!   every unit inside that division and in the tree, all points or none (one transaction);
//! * an update is posted by the lead unit's area or the issuer's; anything else (unknown or
//!   outside) is [`StoreError::OutOfScope`], one answer.
//!
//! Dates are `YYYY-MM-DD` text.

use crate::sql::{Arg, Dialect, SqlRow, Where};
use crate::{Scope, StoreError};
use serde::{Deserialize, Serialize};
use standard::Date;

/// The six parts of a provincial plan (部分), by number 1–6.
pub const PARTS: [(&str, &str); 6] = [
    ("顶层设计", "Top-level design"),
    ("基础建设", "Infrastructure"),
    ("资源体系", "Digital resources"),
    ("数据共享", "Data sharing"),
    ("融合创新", "Integration and innovation"),
    ("网络安全", "Cyber security"),
];

/// A part's number by its number or its Chinese name.
pub fn part_of(s: &str) -> Option<u8> {
    let s = s.trim();
    if let Ok(n) = s.parse::<u8>() {
        return (1..=6).contains(&n).then_some(n);
    }
    PARTS.iter().position(|p| p.0 == s || s.ends_with(p.0)).map(|i| i as u8 + 1)
}

/// The live figures a point may be bound to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Indicator {
    /// IPv6 support of the monitored university sites (monitor), %.
    Ipv6Rate,
    /// Schools with students on record / all schools (base data), %.
    BaseCoverage,
    /// 等保 systems overdue (filing or assessment), count.
    MlpsOverdue,
}

impl Indicator {
    pub const ALL: [Indicator; 3] = [Indicator::Ipv6Rate, Indicator::BaseCoverage, Indicator::MlpsOverdue];
    pub fn code(self) -> &'static str {
        match self {
            Indicator::Ipv6Rate => "ipv6_rate",
            Indicator::BaseCoverage => "base_coverage",
            Indicator::MlpsOverdue => "mlps_overdue",
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            Indicator::Ipv6Rate => "高校网站 IPv6 支持率",
            Indicator::BaseCoverage => "基础数据覆盖率（有学生数据的学校占比）",
            Indicator::MlpsOverdue => "等保逾期系统数",
        }
    }
    pub fn en(self) -> &'static str {
        match self {
            Indicator::Ipv6Rate => "IPv6 rate of university sites",
            Indicator::BaseCoverage => "Base-data coverage (schools with students on record)",
            Indicator::MlpsOverdue => "等保 systems overdue",
        }
    }
    pub fn parse(s: &str) -> Option<Indicator> {
        let s = s.trim();
        Self::ALL.into_iter().find(|i| i.code() == s || i.zh() == s)
    }
}

/// 进度状态 as posted (overdue is judged from the deadline, [`Point::status`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    NotStarted,
    InProgress,
    Done,
}

impl State {
    pub const ALL: [State; 3] = [State::NotStarted, State::InProgress, State::Done];
    pub fn code(self) -> &'static str {
        match self {
            State::NotStarted => "not_started",
            State::InProgress => "in_progress",
            State::Done => "done",
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            State::NotStarted => "未开始",
            State::InProgress => "进行中",
            State::Done => "已完成",
        }
    }
    pub fn en(self) -> &'static str {
        match self {
            State::NotStarted => "Not started",
            State::InProgress => "In progress",
            State::Done => "Done",
        }
    }
    pub fn parse(s: &str) -> Option<State> {
        let s = s.trim();
        Self::ALL.into_iter().find(|x| x.code() == s || x.zh() == s)
    }
}

/// A point's status on a day: its state, or 逾期 when not done after its deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    NotStarted,
    InProgress,
    Done,
    Overdue,
}

impl Status {
    pub const ALL: [Status; 4] = [Status::NotStarted, Status::InProgress, Status::Done, Status::Overdue];
    pub fn code(self) -> &'static str {
        match self {
            Status::NotStarted => "not_started",
            Status::InProgress => "in_progress",
            Status::Done => "done",
            Status::Overdue => "overdue",
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            Status::NotStarted => "未开始",
            Status::InProgress => "进行中",
            Status::Done => "已完成",
            Status::Overdue => "逾期",
        }
    }
    pub fn en(self) -> &'static str {
        match self {
            Status::NotStarted => "Not started",
            Status::InProgress => "In progress",
            Status::Done => "Done",
            Status::Overdue => "Overdue",
        }
    }
}

/// A task of a point as imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTask {
    pub text: String,
    /// The owner unit (the point's lead unit when the file names none).
    pub owner: i64,
    pub deadline: Date,
}

/// A work point as imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPoint {
    pub part: u8,
    /// 编号 as written ("1", "2.3").
    pub number: String,
    pub title: String,
    pub description: String,
    pub lead: i64,
    pub coop: Vec<i64>,
    pub deadline: Date,
    pub indicator: Option<Indicator>,
    /// The target as written ("100%", "≤ 3").
    pub target: String,
    pub tasks: Vec<NewTask>,
}

/// A plan as imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPlan {
    pub year: i32,
    pub title: String,
    /// The issuing division.
    pub region_code: i64,
    /// A note shown with the plan (e.g. "demo reconstruction").
    pub note: String,
    pub points: Vec<NewPoint>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    pub id: i64,
    pub year: i32,
    pub title: String,
    pub region_code: i64,
    pub note: String,
    /// All points of the plan (not only those the reader sees).
    pub points: u32,
    pub created_by: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Point {
    pub id: i64,
    pub plan_id: i64,
    pub part: u8,
    pub number: String,
    pub seq: u32,
    pub title: String,
    pub description: String,
    pub lead: i64,
    pub lead_region: i64,
    pub coop: Vec<i64>,
    pub deadline: Date,
    pub indicator: Option<Indicator>,
    pub target: String,
    pub state: State,
    /// 0–100 as last posted.
    pub progress: u8,
    pub updated_at: i64,
}

impl Point {
    /// The status on `today`: done, else overdue after the deadline, else the posted state.
    pub fn status(&self, today: Date) -> Status {
        match self.state {
            State::Done => Status::Done,
            _ if self.deadline < today => Status::Overdue,
            State::InProgress => Status::InProgress,
            State::NotStarted => Status::NotStarted,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    pub id: i64,
    pub point_id: i64,
    pub seq: u32,
    pub text: String,
    pub owner: i64,
    pub deadline: Date,
    pub state: State,
}

/// A progress update as posted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUpdate {
    /// A task of the point, or the point itself.
    pub task: Option<i64>,
    pub on: Date,
    pub text: String,
    /// The point's progress 0–100 after this update.
    pub progress: u8,
    pub state: State,
    pub attachment: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Update {
    pub id: i64,
    pub point_id: i64,
    pub task: Option<i64>,
    pub on: Date,
    pub text: String,
    pub progress: u8,
    pub state: State,
    pub attachment: Option<i64>,
    pub author: String,
    pub created_at: i64,
}

/// Counts of one part's (or the whole plan's) points by status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PartStatus {
    /// 1–6; 0 for the total.
    pub part: u8,
    pub points: u32,
    pub not_started: u32,
    pub in_progress: u32,
    pub done: u32,
    pub overdue: u32,
}

impl PartStatus {
    /// Done / points.
    pub fn rate(&self) -> Option<f64> {
        (self.points > 0).then(|| f64::from(self.done) / f64::from(self.points))
    }
}

/// Status by part (the six parts, those with points) and the total last (part 0).
pub fn by_part(points: &[Point], today: Date) -> Vec<PartStatus> {
    let mut parts: Vec<PartStatus> = (1..=6).map(|p| PartStatus { part: p, ..Default::default() }).collect();
    let mut total = PartStatus::default();
    for p in points {
        let i = usize::from(p.part.clamp(1, 6)) - 1;
        for s in [&mut parts[i], &mut total] {
            s.points += 1;
            match p.status(today) {
                Status::NotStarted => s.not_started += 1,
                Status::InProgress => s.in_progress += 1,
                Status::Done => s.done += 1,
                Status::Overdue => s.overdue += 1,
            }
        }
    }
    parts.retain(|p| p.points > 0);
    parts.push(total);
    parts
}

/// Who reads plans (within their area): the officers, school administrators, security officers
/// and the auditor; a data consumer sees nothing.
pub fn role_reads(role: crate::Role) -> bool {
    crate::ledger::role_reads(role)
}

/// Who posts updates on the points their area leads: the readers but the auditor.
pub fn role_writes(role: crate::Role) -> bool {
    crate::ledger::role_writes(role)
}

/// Who imports plans: the province, city and county officers (for their division).
pub fn role_imports(role: crate::Role) -> bool {
    crate::ledger::role_publishes(role)
}

/// The update rule: the lead unit's area, or the issuing division's.
pub fn may_update(scope: &Scope, plan_region: i64, p: &Point) -> bool {
    crate::ledger::may_write_unit(scope, p.lead_region, p.lead) || crate::ledger::may_publish(scope, plan_region)
}

/// What a backend provides (as [`crate::ledger::LedgerSql`]).
pub trait PlanSql {
    fn plan_dialect(&self) -> Dialect;
    fn plan_rows(&mut self, sql: &str, args: Vec<Arg>, each: &mut dyn FnMut(&dyn SqlRow) -> Result<(), StoreError>) -> Result<(), StoreError>;
    fn plan_exec(&mut self, sql: &str, args: Vec<Arg>) -> Result<u64, StoreError>;
    /// `BEGIN`, `COMMIT`, `ROLLBACK`.
    fn plan_batch(&mut self, sql: &str) -> Result<(), StoreError>;
    fn plan_org(&mut self, code: i64) -> Result<Option<(String, Option<i64>)>, StoreError>;
}

/// The plan tracker's storage, scoped.
pub trait Plans {
    /// Stores a plan with all its points and tasks, or nothing: OutOfScope when the scope may not
    /// issue for the division or a unit lies outside it, Conflict for a unit not in the tree or
    /// a plan of the division and year already there.
    fn import_plan(&mut self, scope: &Scope, p: &NewPlan, by: &str, now: i64) -> Result<Plan, StoreError>;
    /// Plans the scope reads, newest year first.
    fn plans(&mut self, scope: &Scope) -> Result<Vec<Plan>, StoreError>;
    fn plan(&mut self, scope: &Scope, id: i64) -> Result<Option<Plan>, StoreError>;
    /// The plan's points the scope reads, by part and order.
    fn plan_points(&mut self, scope: &Scope, plan: i64) -> Result<Vec<Point>, StoreError>;
    fn plan_point(&mut self, scope: &Scope, id: i64) -> Result<Option<Point>, StoreError>;
    /// A point's tasks; empty when the scope does not read the point.
    fn plan_tasks(&mut self, scope: &Scope, point: i64) -> Result<Vec<Task>, StoreError>;
    /// A point's updates, newest first; empty when the scope does not read the point.
    fn plan_updates(&mut self, scope: &Scope, point: i64) -> Result<Vec<Update>, StoreError>;
    /// Posts an update (and sets the point's progress and state, or the task's state);
    /// OutOfScope when the point is unknown, unread or not the writer's to update, or the task is
    /// not the point's.
    fn post_plan_update(&mut self, scope: &Scope, point: i64, u: &NewUpdate, by: &str, now: i64) -> Result<Update, StoreError>;
}

const PLAN_COLS: &str = "p.id, p.year, p.title, p.region_code, p.note, (SELECT COUNT(*) FROM plan_points x WHERE x.plan_id = p.id), p.created_by, p.created_at";
const POINT_COLS: &str = "t.id, t.plan_id, t.part, t.number, t.seq, t.title, t.description, t.lead_unit, t.lead_region, t.coop, t.deadline, t.indicator, t.target, t.state, t.progress, t.updated_at, p.region_code";
const TASK_COLS: &str = "id, point_id, seq, text, owner_unit, deadline, state";
const UPDATE_COLS: &str = "id, point_id, task_id, on_date, text, progress, state, attachment_id, author, created_at";

fn bad(what: &str, v: &str) -> StoreError {
    StoreError::Internal(format!("unknown {what} {v}"))
}

fn date(r: &dyn SqlRow, i: usize) -> Result<Date, StoreError> {
    let s = r.string(i)?;
    Date::parse_iso(&s).ok_or_else(|| bad("date", &s))
}

fn state(r: &dyn SqlRow, i: usize) -> Result<State, StoreError> {
    let s = r.string(i)?;
    State::parse(&s).ok_or_else(|| bad("state", &s))
}

fn plan_from(r: &dyn SqlRow) -> Result<Plan, StoreError> {
    Ok(Plan { id: r.i64(0)?, year: r.i64(1)? as i32, title: r.string(2)?, region_code: r.i64(3)?, note: r.string(4)?, points: r.i64(5)?.max(0) as u32, created_by: r.string(6)?, created_at: r.i64(7)? })
}

/// A point and its plan's division.
fn point_from(r: &dyn SqlRow) -> Result<(Point, i64), StoreError> {
    let ind = r.string(11)?;
    Ok((
        Point {
            id: r.i64(0)?,
            plan_id: r.i64(1)?,
            part: r.i64(2)?.clamp(1, 6) as u8,
            number: r.string(3)?,
            seq: r.i64(4)?.max(0) as u32,
            title: r.string(5)?,
            description: r.string(6)?,
            lead: r.i64(7)?,
            lead_region: r.i64(8)?,
            coop: r.string(9)?.split(',').filter_map(|c| c.trim().parse().ok()).collect(),
            deadline: date(r, 10)?,
            indicator: if ind.is_empty() { None } else { Some(Indicator::parse(&ind).ok_or_else(|| bad("indicator", &ind))?) },
            target: r.string(12)?,
            state: state(r, 13)?,
            progress: r.i64(14)?.clamp(0, 100) as u8,
            updated_at: r.i64(15)?,
        },
        r.i64(16)?,
    ))
}

fn task_from(r: &dyn SqlRow) -> Result<Task, StoreError> {
    Ok(Task { id: r.i64(0)?, point_id: r.i64(1)?, seq: r.i64(2)?.max(0) as u32, text: r.string(3)?, owner: r.i64(4)?, deadline: date(r, 5)?, state: state(r, 6)? })
}

fn update_from(r: &dyn SqlRow) -> Result<Update, StoreError> {
    Ok(Update {
        id: r.i64(0)?,
        point_id: r.i64(1)?,
        task: r.opt_i64(2)?.filter(|t| *t > 0),
        on: date(r, 3)?,
        text: r.string(4)?,
        progress: r.i64(5)?.clamp(0, 100) as u8,
        state: state(r, 6)?,
        attachment: r.opt_i64(7)?.filter(|a| *a > 0),
        author: r.string(8)?,
        created_at: r.i64(9)?,
    })
}

fn rows<T>(db: &mut (impl PlanSql + ?Sized), sql: &str, args: Vec<Arg>, decode: fn(&dyn SqlRow) -> Result<T, StoreError>) -> Result<Vec<T>, StoreError> {
    let sql = db.plan_dialect().render(sql).into_owned();
    let mut out = Vec::new();
    db.plan_rows(&sql, args, &mut |r| {
        out.push(decode(r)?);
        Ok(())
    })?;
    Ok(out)
}

fn exec(db: &mut (impl PlanSql + ?Sized), sql: &str, args: Vec<Arg>) -> Result<u64, StoreError> {
    let sql = db.plan_dialect().render(sql).into_owned();
    db.plan_exec(&sql, args)
}

fn region_of(db: &mut (impl PlanSql + ?Sized), unit: i64) -> Result<i64, StoreError> {
    let node = db.plan_org(unit)?;
    crate::monitor::sql::site_region(unit, node).map_err(|_| StoreError::Conflict(format!("单位代码 {unit} 不在组织机构树中，请填写学校标识码或教育行政部门的行政区划代码（unknown unit {unit}）")))
}

/// The scope's condition on points (alias `t`, plan `p`): the issuer's area, or a unit of the
/// point inside the scope. None for a scope that reads nothing.
fn point_scope(w: &mut Where, scope: &Scope) -> Option<()> {
    let c = match scope {
        Scope::Region { lo, hi } => {
            let (a, b) = (w.arg(i64::from(*lo)), w.arg(i64::from(*hi)));
            format!("(p.region_code BETWEEN {a} AND {b} OR EXISTS (SELECT 1 FROM plan_units u WHERE u.point_id = t.id AND u.region_code BETWEEN {a} AND {b}))")
        }
        Scope::School { code, .. } => {
            let a = w.arg(code.parse::<i64>().unwrap_or(-1));
            format!("EXISTS (SELECT 1 FROM plan_units u WHERE u.point_id = t.id AND u.unit_code = {a})")
        }
        Scope::Nothing => return None,
    };
    w.cond(c);
    Some(())
}

/// The same rule in Rust, on a point's units (the second cut after SQL).
fn reads_point(scope: &Scope, plan_region: i64, units: &[(i64, i64)]) -> bool {
    crate::ledger::may_publish(scope, plan_region) || units.iter().any(|(u, r)| crate::ledger::may_write_unit(scope, *r, *u))
}

fn points_where(db: &mut (impl PlanSql + ?Sized), scope: &Scope, extra: &str, arg: i64) -> Result<Vec<Point>, StoreError> {
    let mut w = Where::new(db.plan_dialect());
    let c = format!("{extra} = {}", w.arg(arg));
    w.cond(c);
    if point_scope(&mut w, scope).is_none() {
        return Ok(Vec::new());
    }
    let sql = format!("SELECT {POINT_COLS} FROM plan_points t JOIN plans p ON p.id = t.plan_id{} ORDER BY t.part, t.seq, t.id", w.where_());
    let mut got = Vec::new();
    db.plan_rows(&sql, w.args, &mut |r| {
        got.push(point_from(r)?);
        Ok(())
    })?;
    let mut out = Vec::with_capacity(got.len());
    for (p, region) in got {
        let mut units = vec![(p.lead, p.lead_region)];
        units.extend(rows(db, "SELECT unit_code, region_code FROM plan_units WHERE point_id = ?1", vec![p.id.into()], |r| Ok((r.i64(0)?, r.i64(1)?)))?);
        if reads_point(scope, region, &units) {
            out.push(p);
        }
    }
    Ok(out)
}

fn point_in(db: &mut (impl PlanSql + ?Sized), scope: &Scope, id: i64) -> Result<Option<(Point, i64)>, StoreError> {
    let Some(p) = points_where(db, scope, "t.id", id)?.into_iter().next() else { return Ok(None) };
    let region = rows(db, "SELECT region_code FROM plans WHERE id = ?1", vec![p.plan_id.into()], |r| r.i64(0))?.into_iter().next().unwrap_or(0);
    Ok(Some((p, region)))
}

fn import_all(db: &mut (impl PlanSql + ?Sized), p: &NewPlan, placed: &[(i64, Vec<(i64, i64)>)], by: &str, now: i64) -> Result<i64, StoreError> {
    let ids = rows(
        db,
        "INSERT INTO plans (year, title, region_code, note, created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
        vec![i64::from(p.year).into(), p.title.trim().into(), p.region_code.into(), p.note.trim().into(), by.into(), now.into()],
        |r| r.i64(0),
    )?;
    let id = *ids.first().ok_or_else(|| StoreError::Internal("no id returned".into()))?;
    for (i, (pt, (lead_region, units))) in p.points.iter().zip(placed).enumerate() {
        let coop = pt.coop.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(",");
        let pid = rows(
            db,
            "INSERT INTO plan_points (plan_id, part, number, seq, title, description, lead_unit, lead_region, coop, deadline, indicator, target, state, progress, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 'not_started', 0, ?13) RETURNING id",
            vec![
                id.into(),
                i64::from(pt.part).into(),
                pt.number.trim().into(),
                (i as i64 + 1).into(),
                pt.title.trim().into(),
                pt.description.trim().into(),
                pt.lead.into(),
                (*lead_region).into(),
                coop.into(),
                pt.deadline.to_string().into(),
                pt.indicator.map(|x| x.code()).unwrap_or("").into(),
                pt.target.trim().into(),
                now.into(),
            ],
            |r| r.i64(0),
        )?;
        let pid = *pid.first().ok_or_else(|| StoreError::Internal("no id returned".into()))?;
        for (u, r) in units {
            exec(db, "INSERT INTO plan_units (point_id, plan_id, unit_code, region_code) VALUES (?1, ?2, ?3, ?4)", vec![pid.into(), id.into(), (*u).into(), (*r).into()])?;
        }
        for (j, t) in pt.tasks.iter().enumerate() {
            exec(
                db,
                "INSERT INTO plan_tasks (point_id, seq, text, owner_unit, deadline, state) VALUES (?1, ?2, ?3, ?4, ?5, 'not_started')",
                vec![pid.into(), (j as i64 + 1).into(), t.text.trim().into(), t.owner.into(), t.deadline.to_string().into()],
            )?;
        }
    }
    Ok(id)
}

impl<T: PlanSql + ?Sized> Plans for T {
    fn import_plan(&mut self, scope: &Scope, p: &NewPlan, by: &str, now: i64) -> Result<Plan, StoreError> {
        if !crate::ledger::may_publish(scope, p.region_code) {
            return Err(StoreError::OutOfScope);
        }
        let (lo, hi) = crate::region_range(u32::try_from(p.region_code).unwrap_or(0));
        let division = Scope::Region { lo, hi };
        // Every unit placed (lead first), each inside the division, before anything is written.
        let mut placed = Vec::with_capacity(p.points.len());
        for pt in &p.points {
            let mut units: Vec<(i64, i64)> = Vec::new();
            let mut lead_region = 0;
            for (k, &u) in std::iter::once(&pt.lead).chain(&pt.coop).chain(pt.tasks.iter().map(|t| &t.owner)).enumerate() {
                let r = region_of(self, u)?;
                if !crate::ledger::may_write_unit(&division, r, u) || !crate::ledger::may_write_unit(scope, r, u) {
                    return Err(StoreError::OutOfScope);
                }
                if k == 0 {
                    lead_region = r;
                }
                if !units.iter().any(|x| x.0 == u) {
                    units.push((u, r));
                }
            }
            placed.push((lead_region, units));
        }
        let exists = rows(self, "SELECT COUNT(*) FROM plans WHERE region_code = ?1 AND year = ?2", vec![p.region_code.into(), i64::from(p.year).into()], |r| r.i64(0))?;
        if exists.first().copied().unwrap_or(0) > 0 {
            return Err(StoreError::Conflict(format!("{} 年的工作要点已导入；下一年的计划请按新年度导入（the plan of {} is there already）", p.year, p.year)));
        }
        self.plan_batch("BEGIN")?;
        match import_all(self, p, &placed, by, now) {
            Ok(id) => {
                self.plan_batch("COMMIT")?;
                let found = rows(self, &format!("SELECT {PLAN_COLS} FROM plans p WHERE p.id = ?1"), vec![id.into()], plan_from)?;
                found.into_iter().next().ok_or_else(|| StoreError::Internal("plan vanished".into()))
            }
            Err(e) => {
                let _ = self.plan_batch("ROLLBACK");
                Err(e)
            }
        }
    }

    fn plans(&mut self, scope: &Scope) -> Result<Vec<Plan>, StoreError> {
        let mut w = Where::new(self.plan_dialect());
        if point_scope(&mut w, scope).is_none() {
            return Ok(Vec::new());
        }
        let sql = format!("SELECT {PLAN_COLS} FROM plans p WHERE p.id IN (SELECT t.plan_id FROM plan_points t JOIN plans p ON p.id = t.plan_id{}) ORDER BY p.year DESC, p.id DESC", w.where_());
        let mut out = Vec::new();
        self.plan_rows(&sql, w.args, &mut |r| {
            out.push(plan_from(r)?);
            Ok(())
        })?;
        // Plans of the scope's own division with no point yet are none (an import stores all).
        Ok(out)
    }

    fn plan(&mut self, scope: &Scope, id: i64) -> Result<Option<Plan>, StoreError> {
        Ok(self.plans(scope)?.into_iter().find(|p| p.id == id))
    }

    fn plan_points(&mut self, scope: &Scope, plan: i64) -> Result<Vec<Point>, StoreError> {
        points_where(self, scope, "t.plan_id", plan)
    }

    fn plan_point(&mut self, scope: &Scope, id: i64) -> Result<Option<Point>, StoreError> {
        Ok(point_in(self, scope, id)?.map(|x| x.0))
    }

    fn plan_tasks(&mut self, scope: &Scope, point: i64) -> Result<Vec<Task>, StoreError> {
        if point_in(self, scope, point)?.is_none() {
            return Ok(Vec::new());
        }
        rows(self, &format!("SELECT {TASK_COLS} FROM plan_tasks WHERE point_id = ?1 ORDER BY seq, id"), vec![point.into()], task_from)
    }

    fn plan_updates(&mut self, scope: &Scope, point: i64) -> Result<Vec<Update>, StoreError> {
        if point_in(self, scope, point)?.is_none() {
            return Ok(Vec::new());
        }
        rows(self, &format!("SELECT {UPDATE_COLS} FROM plan_updates WHERE point_id = ?1 ORDER BY on_date DESC, id DESC"), vec![point.into()], update_from)
    }

    fn post_plan_update(&mut self, scope: &Scope, point: i64, u: &NewUpdate, by: &str, now: i64) -> Result<Update, StoreError> {
        let Some((p, region)) = point_in(self, scope, point)? else { return Err(StoreError::OutOfScope) };
        if !may_update(scope, region, &p) {
            return Err(StoreError::OutOfScope);
        }
        if let Some(t) = u.task {
            let n = rows(self, "SELECT COUNT(*) FROM plan_tasks WHERE id = ?1 AND point_id = ?2", vec![t.into(), point.into()], |r| r.i64(0))?;
            if n.first().copied().unwrap_or(0) == 0 {
                return Err(StoreError::OutOfScope);
            }
        }
        self.plan_batch("BEGIN")?;
        let r = (|| -> Result<i64, StoreError> {
            let ids = rows(
                self,
                "INSERT INTO plan_updates (point_id, task_id, on_date, text, progress, state, attachment_id, author, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id",
                vec![point.into(), u.task.unwrap_or(0).into(), u.on.to_string().into(), u.text.trim().into(), i64::from(u.progress.min(100)).into(), u.state.code().into(), u.attachment.unwrap_or(0).into(), by.into(), now.into()],
                |r| r.i64(0),
            )?;
            match u.task {
                Some(t) => {
                    exec(self, "UPDATE plan_tasks SET state = ?2 WHERE id = ?1", vec![t.into(), u.state.code().into()])?;
                    exec(self, "UPDATE plan_points SET progress = ?2, updated_at = ?3 WHERE id = ?1", vec![point.into(), i64::from(u.progress.min(100)).into(), now.into()])?;
                }
                None => {
                    exec(self, "UPDATE plan_points SET progress = ?2, state = ?3, updated_at = ?4 WHERE id = ?1", vec![point.into(), i64::from(u.progress.min(100)).into(), u.state.code().into(), now.into()])?;
                }
            }
            ids.first().copied().ok_or_else(|| StoreError::Internal("no id returned".into()))
        })();
        let id = match r {
            Ok(id) => {
                self.plan_batch("COMMIT")?;
                id
            }
            Err(e) => {
                let _ = self.plan_batch("ROLLBACK");
                return Err(e);
            }
        };
        rows(self, &format!("SELECT {UPDATE_COLS} FROM plan_updates WHERE id = ?1"), vec![id.into()], update_from)?.into_iter().next().ok_or_else(|| StoreError::Internal("update vanished".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(part: u8, state: State, deadline: &str) -> Point {
        Point { id: 1, plan_id: 1, part, number: "1".into(), seq: 1, title: "t".into(), description: String::new(), lead: 510000, lead_region: 510000, coop: vec![], deadline: Date::parse_iso(deadline).unwrap(), indicator: None, target: String::new(), state, progress: 0, updated_at: 0 }
    }

    #[test]
    fn status_and_parts() {
        let today = Date::parse_iso("2022-12-01").unwrap();
        let ps = [point(1, State::Done, "2022-06-30"), point(1, State::InProgress, "2022-06-30"), point(2, State::NotStarted, "2022-12-31"), point(6, State::InProgress, "2022-12-31")];
        assert_eq!(ps[0].status(today), Status::Done);
        assert_eq!(ps[1].status(today), Status::Overdue, "past its deadline, not done");
        assert_eq!(ps[1].status(Date::parse_iso("2022-06-30").unwrap()), Status::InProgress, "the deadline day itself is in time");
        let b = by_part(&ps, today);
        assert_eq!(b.iter().map(|p| p.part).collect::<Vec<_>>(), [1, 2, 6, 0]);
        assert_eq!((b[0].points, b[0].done, b[0].overdue), (2, 1, 1));
        assert_eq!(b[3].points, 4);
        assert_eq!(b[0].rate(), Some(0.5));
        assert_eq!(part_of("网络安全"), Some(6));
        assert_eq!(part_of("三、资源体系"), Some(3));
        assert_eq!(part_of("7"), None);
    }
}
