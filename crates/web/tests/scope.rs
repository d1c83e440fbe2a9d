//! The role × route matrix: for every role and every page and API route, what it may reach, and
//! that nothing outside the user's subtree is visible — records of another county are 404, lists
//! and counts never include them. On SQLite, and on PostgreSQL when TIANFU_TEST_DATABASE_URL is set.

mod common;

use axum::http::StatusCode;
use common::*;
use std::collections::HashSet;
use store::{Entity, PersonQuery, Role, SchoolQuery, Scope};

struct Refs {
    own_student: String,
    other_student: String,
    own_teacher: String,
    other_teacher: String,
    /// Every school and its county.
    schools: Vec<(String, u32)>,
    /// A student's ID number in the other school (for search by ID).
    other_student_key: String,
    /// The open alert of the own county's site and of the other's.
    own_alert: i64,
    other_alert: i64,
    /// 等保 systems of the own school and of the other (overdue: never filed).
    own_system: i64,
    other_system: i64,
    /// Incidents of the own county (its bureau) and of the other county.
    own_incident: i64,
    other_incident: i64,
    /// Software entries of the own school and of the other; the province's checklist and an
    /// item of it of each school.
    own_software: i64,
    other_software: i64,
    checklist: i64,
    own_item: i64,
    other_item: i64,
    /// An attachment of each.
    own_file: i64,
    other_file: i64,
    /// The evidence file of each school's checklist item.
    own_duty_file: i64,
    other_duty_file: i64,
    /// The evidence file of each school's answer to its county's inspection.
    own_answer_file: i64,
    other_answer_file: i64,
    /// Each system's assessment with its report file, and its item with its evidence file.
    own_mlps_files: (i64, i64, i64, i64),
    other_mlps_files: (i64, i64, i64, i64),
    /// Important periods of the own county and of the other (bureaus and schools report).
    own_period: i64,
    other_period: i64,
    /// The duty contact of the own school and of the other (made with the periods).
    own_contact: i64,
    other_contact: i64,
    /// An education app filed with the province, and its use by the own school and the other.
    app_filing: i64,
    own_use: i64,
    other_use: i64,
    /// 专项检查 and drills issued by the own county (to its school) and by the other county.
    own_check: i64,
    other_check: i64,
    /// The data resource catalog: a published dataset of the province, a draft of the own
    /// county's bureau and one of the other county's.
    published_dataset: i64,
    own_draft: i64,
    other_draft: i64,
    /// Collection rounds (store::quality) of the own city and of the other; the quality
    /// snapshot is taken with them.
    own_round: i64,
    other_round: i64,
    own_drill: i64,
    other_drill: i64,
    /// Each drill's rectification item (its finding's), submitted with an evidence file.
    own_item_file: (i64, i64),
    other_item_file: (i64, i64),
    /// The province's work plan; a point led by the own school and one by the other, each
    /// with an update carrying an evidence file: (point, file).
    plan: i64,
    own_point: (i64, i64),
    other_point: (i64, i64),
}

/// The other county's incident's title: no answer to a role that does not see there holds it.
const OTHER_INCIDENT: &str = "外区网站被篡改事件";

fn incident_in(s: &mut dyn store::Backend, title: &str, county: u32) -> i64 {
    let i = store::suite_incidents::incident(title, None, county as i64, store::time::unix_now());
    s.insert_incident(&Scope::all(), &i, &store::suite_incidents::first_step(i.reported_at)).unwrap()
}

/// A PDF attached to an incident of `county` (stored under the app's data folder).
fn file_of(env: &Env, s: &mut dyn store::Backend, incident: i64, county: u32) -> i64 {
    let files = store::attachments::Files::new(std::path::Path::new(&env.app.state.config.data_dir).join("attachments"), 1 << 20);
    let owner = store::attachments::Owner { region: county, school: None };
    let scope = Scope::Region { lo: county, hi: county };
    let a = store::attachments::save(s, &files, &scope, "sec", owner, "证据.pdf", None, &mut &b"%PDF-1.4\n%%EOF\n"[..], &store::clock::SystemClock).unwrap();
    let step = store::incidents::Step { incident_id: incident, at: a.uploaded_at, actor: "sec".into(), action: "attach".into(), state: store::incidents::IncidentState::Reported, note: a.name.clone(), to_unit: None };
    s.attach_to_incident(&scope, incident, a.id, &step).unwrap();
    a.id
}

/// A PDF kept as the evidence of checklist item `item` of `school` (in `county`).
fn duty_file_of(env: &Env, s: &mut dyn store::Backend, item: i64, school: &str, county: u32) -> i64 {
    let files = store::attachments::Files::new(std::path::Path::new(&env.app.state.config.data_dir).join("attachments"), 1 << 20);
    let owner = store::attachments::Owner { region: county, school: Some(school.into()) };
    let scope = Scope::Region { lo: county, hi: county };
    let a = store::attachments::save(s, &files, &scope, "sec", owner, "领导小组文件.pdf", None, &mut &b"%PDF-1.4\n%%EOF\n"[..], &store::clock::SystemClock).unwrap();
    let d = s.duty_item(&scope, item).unwrap().unwrap();
    let u = store::ledger::DutyUpdate { owner_name: d.owner_name, owner_post: d.owner_post, status: d.status, reason: d.reason, evidence: d.evidence, attachment: Some(a.id) };
    s.update_duty_item(&scope, item, &u, "sec", 0).unwrap();
    a.id
}

/// A PDF kept as the evidence of `school`'s answer to item 1 of inspection `check`.
fn answer_file_of(env: &Env, s: &mut dyn store::Backend, check: i64, school: &str, county: u32) -> i64 {
    let files = store::attachments::Files::new(std::path::Path::new(&env.app.state.config.data_dir).join("attachments"), 1 << 20);
    let owner = store::attachments::Owner { region: county, school: Some(school.into()) };
    let scope = Scope::Region { lo: county, hi: county };
    let a = store::attachments::save(s, &files, &scope, "sec", owner, "检查证明.pdf", None, &mut &b"%PDF-1.4\n%%EOF\n"[..], &store::clock::SystemClock).unwrap();
    s.attach_answer(&scope, check, school.parse().unwrap(), 0, a.id).unwrap();
    a.id
}

/// An assessment of system `sys` with a report file and an item with an evidence file:
/// (assessment, report file, item, evidence file).
fn mlps_files_of(env: &Env, s: &mut dyn store::Backend, sys: i64, school: &str, county: u32) -> (i64, i64, i64, i64) {
    let files = store::attachments::Files::new(std::path::Path::new(&env.app.state.config.data_dir).join("attachments"), 1 << 20);
    let scope = Scope::Region { lo: county, hi: county };
    let keep = |s: &mut dyn store::Backend, name: &str| {
        let owner = store::attachments::Owner { region: county, school: Some(school.into()) };
        store::attachments::save(s, &files, &scope, "sec", owner, name, None, &mut &b"%PDF-1.4\n%%EOF\n"[..], &store::clock::SystemClock).unwrap().id
    };
    let a = s.add_assessment(&scope, sys, &store::mlps::NewAssessment { assessed_on: standard::Date::today(), agency: "测评中心".into(), score: None, conclusion: store::mlps::Conclusion::Good }, "sec", 0).unwrap().id;
    let rf = keep(s, "测评报告.pdf");
    s.set_assessment_report(&scope, sys, a, rf).unwrap();
    let i = s.add_rectification(&scope, sys, &store::mlps::NewRectification { item: "口令策略".into(), due_on: standard::Date::today() }, "sec", 0).unwrap().id;
    let ef = keep(s, "整改报告.pdf");
    s.attach_rectification(&scope, sys, i, ef).unwrap();
    (a, rf, i, ef)
}

/// A filed app (the province's register) and a proposed use of it by `school`.
fn app_filing(s: &mut dyn store::Backend) -> i64 {
    let f = store::suite_apps::filing(1100871, "作业帮手");
    match s.filing_by_no(&Scope::all(), &f.filing_no).unwrap() {
        Some(x) => x.id,
        None => s.create_filing(&Scope::all(), &f, "prov", 0).unwrap().id,
    }
}

fn app_use(s: &mut dyn store::Backend, filing: i64, school: &str) -> i64 {
    let u = store::apps::NewUse { school_code: school.parse().unwrap(), filing_id: filing, purpose: "teaching".into(), chosen_by: "教务处".into() };
    s.create_use(&Scope::all(), &u, "prov", 0).unwrap().id
}

fn refs(env: &Env) -> Refs {
    let mut s = (env.opener)().unwrap();
    let p = &env.places;
    let first = |s: &mut dyn store::Backend, e: Entity, code: &str, county: u32| {
        let sc = Scope::School { code: code.into(), county };
        s.people(&sc, e, &PersonQuery { limit: 1, ..Default::default() }).unwrap().rows[0].key.clone()
    };
    let own_student = first(s.as_mut(), Entity::Student, &p.school, p.county);
    let other_student = first(s.as_mut(), Entity::Student, &p.other_school, p.other_county);
    let own_teacher = first(s.as_mut(), Entity::Teacher, &p.school, p.county);
    let other_teacher = first(s.as_mut(), Entity::Teacher, &p.other_school, p.other_county);
    let schools = s
        .schools(&Scope::Region { lo: 510000, hi: 519999 }, &SchoolQuery { limit: 500, ..Default::default() })
        .unwrap()
        .rows
        .iter()
        .map(|r| (r.key.clone(), web::present::get(Entity::School, r, "region_code").parse().unwrap()))
        .collect();
    let own_incident = incident_in(s.as_mut(), "本区网站被篡改事件", p.county);
    let checklist = checklist_of(s.as_mut());
    let (own_system, other_system) = (system_of(s.as_mut(), &p.school), system_of(s.as_mut(), &p.other_school));
    let (own_check, other_check) = (check_in(s.as_mut(), p.county, &p.school), check_in(s.as_mut(), p.other_county, &p.other_school));
    let (own_item, other_item) = (item_of(s.as_mut(), &p.school), item_of(s.as_mut(), &p.other_school));
    let other_incident = incident_in(s.as_mut(), OTHER_INCIDENT, p.other_county);
    Refs {
        own_student: web::seal::seal(&own_student),
        other_student: web::seal::seal(&other_student),
        own_teacher: web::seal::seal(&own_teacher),
        other_teacher: web::seal::seal(&other_teacher),
        schools,
        other_student_key: other_student,
        own_alert: alert_of(s.as_mut(), env.own_site),
        other_alert: alert_of(s.as_mut(), env.other_site),
        own_system,
        other_system,
        own_mlps_files: mlps_files_of(env, s.as_mut(), own_system, &p.school, p.county),
        other_mlps_files: mlps_files_of(env, s.as_mut(), other_system, &p.other_school, p.other_county),
        own_software: software_of(s.as_mut(), &p.school),
        other_software: software_of(s.as_mut(), &p.other_school),
        checklist,
        own_item,
        other_item,
        own_duty_file: duty_file_of(env, s.as_mut(), own_item, &p.school, p.county),
        other_duty_file: duty_file_of(env, s.as_mut(), other_item, &p.other_school, p.other_county),
        own_incident,
        other_incident,
        own_file: file_of(env, s.as_mut(), own_incident, p.county),
        other_file: file_of(env, s.as_mut(), other_incident, p.other_county),
        own_period: period_in(s.as_mut(), p.county, &p.school),
        other_period: period_in(s.as_mut(), p.other_county, &p.other_school),
        own_contact: s.contacts(&Scope::all(), Some(p.school.parse().unwrap()), 10).unwrap()[0].id,
        other_contact: s.contacts(&Scope::all(), Some(p.other_school.parse().unwrap()), 10).unwrap()[0].id,
        app_filing: app_filing(s.as_mut()),
        own_use: { let f = app_filing(s.as_mut()); app_use(s.as_mut(), f, &p.school) },
        other_use: { let f = app_filing(s.as_mut()); app_use(s.as_mut(), f, &p.other_school) },
        own_check,
        other_check,
        own_answer_file: answer_file_of(env, s.as_mut(), own_check, &p.school, p.county),
        other_answer_file: answer_file_of(env, s.as_mut(), other_check, &p.other_school, p.other_county),
        own_round: round_of(s.as_mut(), p.city),
        other_round: round_of(s.as_mut(), p.other_city),
        published_dataset: dataset_of(s.as_mut(), 510000, store::catalog::Status::Published),
        own_draft: dataset_of(s.as_mut(), i64::from(p.county), store::catalog::Status::Draft),
        other_draft: dataset_of(s.as_mut(), i64::from(p.other_county), store::catalog::Status::Draft),
        own_item_file: { let d = drill_in(s.as_mut(), p.county, &p.school); item_file_of(env, s.as_mut(), d, &p.school, p.county) },
        other_item_file: { let d = drill_in(s.as_mut(), p.other_county, &p.other_school); item_file_of(env, s.as_mut(), d, &p.other_school, p.other_county) },
        own_drill: drill_in(s.as_mut(), p.county, &p.school),
        other_drill: drill_in(s.as_mut(), p.other_county, &p.other_school),
        plan: plan_of(s.as_mut(), &p.school, &p.other_school),
        own_point: { let pl = plan_of(s.as_mut(), &p.school, &p.other_school); point_file_of(env, s.as_mut(), pl, "1", &p.school, p.county) },
        other_point: { let pl = plan_of(s.as_mut(), &p.school, &p.other_school); point_file_of(env, s.as_mut(), pl, "2", &p.other_school, p.other_county) },
    }
}

/// The province's plan (imported once): point 1 led by `school`, point 2 by `other`.
fn plan_of(s: &mut dyn store::Backend, school: &str, other: &str) -> i64 {
    if let Some(p) = s.plans(&Scope::all()).unwrap().first() {
        return p.id;
    }
    let day = standard::Date::today();
    let point = |n: &str, lead: &str| store::plan::NewPoint { part: 2, number: n.into(), title: format!("校园网络升级 {n}"), description: String::new(), lead: lead.parse().unwrap(), coop: vec![], deadline: day, indicator: Some(store::plan::Indicator::BaseCoverage), target: "100%".into(), tasks: vec![store::plan::NewTask { text: "完成方案".into(), owner: lead.parse().unwrap(), deadline: day }] };
    let p = store::plan::NewPlan { year: 2026, title: "省级信息化工作要点".into(), region_code: 510000, note: String::new(), points: vec![point("1", school), point("2", other)] };
    s.import_plan(&Scope::all(), &p, "prov", 0).unwrap().id
}

/// Point `n` of the plan with an update carrying a PDF of its lead `school` (in `county`).
fn point_file_of(env: &Env, s: &mut dyn store::Backend, plan: i64, n: &str, school: &str, county: u32) -> (i64, i64) {
    let scope = Scope::Region { lo: county, hi: county };
    let point = s.plan_points(&Scope::all(), plan).unwrap().into_iter().find(|p| p.number == n).unwrap().id;
    let files = store::attachments::Files::new(std::path::Path::new(&env.app.state.config.data_dir).join("attachments"), 1 << 20);
    let owner = store::attachments::Owner { region: county, school: Some(school.into()) };
    let a = store::attachments::save(s, &files, &scope, "sec", owner, "进展材料.pdf", None, &mut &b"%PDF-1.4\n%%EOF\n"[..], &store::clock::SystemClock).unwrap();
    let u = store::plan::NewUpdate { task: None, on: standard::Date::today(), text: "方案已完成".into(), progress: 30, state: store::plan::State::InProgress, attachment: Some(a.id) };
    s.post_plan_update(&scope, point, &u, "sec", 0).unwrap();
    (point, a.id)
}

/// The alert of a site (seeded: one each).
fn alert_of(s: &mut dyn store::Backend, site: i64) -> i64 {
    let all = s.alerts_page(&Scope::all(), &store::monitor::AlertQuery { limit: 100, ..Default::default() }).unwrap().rows;
    all.iter().find(|a| a.site_id == site).expect("a seeded alert").id
}

/// A level-3 system of a school, live for two years, never filed nor assessed: overdue.
fn system_of(s: &mut dyn store::Backend, school: &str) -> i64 {
    let live = standard::Date::from_days_since_epoch(standard::Date::today().days_since_epoch() - 730);
    let new = store::mlps::NewSystem { unit_code: school.parse().unwrap(), name: format!("{school} 学籍系统"), owner: "信息中心".into(), purpose: "学籍".into(), level: 3, live_on: Some(live), ..Default::default() };
    let dues = store::mlps::Dues { filing: Some(live), ..Default::default() };
    s.create_system(&Scope::all(), &new, &dues, "prov", 0).unwrap().id
}

/// A software entry of a unit, over-installed.
fn software_of(s: &mut dyn store::Backend, unit: &str) -> i64 {
    let new = store::ledger::NewSoftware { unit_code: unit.parse().unwrap(), name: format!("{unit} 办公软件"), vendor: "金山".into(), version: "2023".into(), kind: store::ledger::SoftwareKind::Office, licence_kind: store::ledger::LicenceKind::Procured, licence_no: "SCZC-1".into(), licensed: 10, expires_on: None, installed: 12, location: "机房".into() };
    let id = s.create_software(&Scope::all(), &new, "prov", 0).unwrap().id;
    // Its six-monthly check, with the problems found naming the unit (an export that leaked it
    // outside the scope would show the code).
    let today = standard::Date::today();
    let check = store::ledger::NewCheck { unit_code: new.unit_code, checked_on: today, checker: "检查员".into(), compliant: false, problems: format!("{unit} 超装 2 套") };
    s.add_check(&Scope::all(), &check, standard::Date::from_days_since_epoch(today.days_since_epoch() + 182), "prov", 0).unwrap();
    id
}

/// A checklist of the province for every bureau and school (published once).
fn checklist_of(s: &mut dyn store::Backend) -> i64 {
    if let Some(c) = s.checklists(&Scope::all()).unwrap().first() {
        return c.id;
    }
    let c = store::ledger::NewChecklist { region_code: 510000, year: 2026, title: "省级责任制清单".into(), include_schools: true, items: vec![store::ledger::TemplateItem { text: "成立网络安全领导小组".into(), category: store::ledger::Category::Leadership, evidence_required: true }] };
    secman::ledger::publish(s, &Scope::all(), &c, "prov", 0).unwrap().id
}

/// A unit's first item of that checklist.
fn item_of(s: &mut dyn store::Backend, unit: &str) -> i64 {
    let q = store::ledger::DutyQuery { unit: Some(unit.parse().unwrap()), limit: 10, ..Default::default() };
    s.duty_items(&Scope::all(), &q).unwrap().rows[0].id
}

/// An important period over a county, running today, with a duty contact of `school`.
fn period_in(s: &mut dyn store::Backend, county: u32, school: &str) -> i64 {
    let today = standard::Date::today();
    let new = store::duty::NewPeriod { area_code: county, name: format!("{county} 保障期"), starts_on: today, ends_on: today, full_day: true, reporters: store::duty::Reporters::BureausAndSchools, cutoff_minutes: store::duty::DEFAULT_CUTOFF };
    s.create_contact(&Scope::all(), &store::duty::NewContact { unit_code: school.parse().unwrap(), name: "值班人".into(), post: "值班员".into(), office_phone: String::new(), mobile: "13800001111".into() }, "prov", 0).unwrap();
    s.create_period(&Scope::all(), &new, "prov", 0).unwrap().id
}

/// An inspection issued by a county to one of its schools.
fn check_in(s: &mut dyn store::Backend, county: u32, school: &str) -> i64 {
    use store::checks::*;
    let day = standard::Date::today();
    let new = NewInspection { issuer_code: county.into(), name: format!("{county} 专项检查"), basis: "文号".into(), starts_on: day, deadline: day, rect_days: 10, items: vec![ChecklistItem { text: "责任制".into(), kind: ItemKind::YesNo, evidence_required: false }] };
    s.create_inspection(&Scope::all(), &new, &Target::Units(vec![school.parse().unwrap()]), "prov", 0).unwrap().0.id
}

/// A drill of a county with its school taking part, and a finding (an item) of the school.
fn drill_in(s: &mut dyn store::Backend, county: u32, school: &str) -> i64 {
    use store::checks::*;
    let day = standard::Date::today();
    let d = s.create_drill(&Scope::all(), &NewDrill { organiser_code: county.into(), name: format!("{county} 攻防演练"), kind: DrillKind::Drill, starts_on: day, ends_on: day, scope_text: "门户网站".into() }, "prov", 0).unwrap();
    let unit: i64 = school.parse().unwrap();
    s.add_participant(&Scope::all(), d.id, unit, Team::Blue).unwrap();
    let f = NewFinding { title: format!("{county} 弱口令"), severity: Severity::High, unit_code: unit, target: "门户网站".into(), found_by: "红队".into(), owner_name: "王工".into(), owner_post: "网管".into(), due_on: day };
    s.add_finding(&Scope::all(), d.id, &f, "prov", 0).unwrap();
    d.id
}

/// The rectification item of drill `drill`'s finding at `school`, submitted with a PDF as its
/// evidence: (item, file).
fn item_file_of(env: &Env, s: &mut dyn store::Backend, drill: i64, school: &str, county: u32) -> (i64, i64) {
    use store::checks::*;
    let scope = Scope::Region { lo: county, hi: county };
    let unit: i64 = school.parse().unwrap();
    let item = s.items(&scope, &ItemQuery { source_id: Some(drill), limit: 100, ..ItemQuery::on(standard::Date::today()) }).unwrap().rows.into_iter().find(|i| i.new.source_id == drill && i.new.owner_unit == unit).unwrap().id;
    let files = store::attachments::Files::new(std::path::Path::new(&env.app.state.config.data_dir).join("attachments"), 1 << 20);
    let owner = store::attachments::Owner { region: county, school: Some(school.into()) };
    let a = store::attachments::save(s, &files, &scope, "sec", owner, "整改报告.pdf", None, &mut &b"%PDF-1.4\n%%EOF\n"[..], &store::clock::SystemClock).unwrap();
    s.submit_item(&scope, item, "已整改，见附件", Some(a.id), 0).unwrap();
    (item, a.id)
}

/// A hand-made dataset of a bureau.
/// A student round of `region`'s counties, due yesterday, after a quality snapshot of today.
fn round_of(s: &mut dyn store::Backend, region: u32) -> i64 {
    let today = standard::Date::today();
    s.refresh_quality(&Scope::all(), today).unwrap();
    let day = |n: i64| standard::Date::from_days_since_epoch(today.days_since_epoch() + n);
    let n = store::quality::NewRound { name: format!("{region} 秋季开学普查"), entity: store::Entity::Student, opens_on: day(-30), due_on: day(-1), region };
    s.create_round(&Scope::all(), &n, "prov").unwrap()
}

fn dataset_of(s: &mut dyn store::Backend, provider: i64, status: store::catalog::Status) -> i64 {
    let n = store::suite_catalog::dataset(provider, &format!("{provider} 学生体质健康汇总"), status);
    s.catalog_register(&Scope::all(), &n, "prov", 0).unwrap().id
}

/// What a route needs.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Need {
    Overview,
    Records,
    /// Records, and searching them by number (roles that may reveal).
    Reveal,
    Import,
    Users,
    Audit,
    Monitor,
    /// The province's security officer and administrator (alert robots).
    Webhooks,
    /// The organisation-tree picker: whoever chooses a region, a school or an owner.
    Orgs,
    /// The 等保 register (store::mlps::role_reads; the auditor reads, writes nothing).
    Mlps,
    /// The 等保 register's forms (store::mlps::role_writes: not the auditor).
    MlpsWrite,
    /// Incidents (store::incidents::reads; an auditor reads its node's).
    Incidents,
    /// The checklist and software registers (store::ledger::role_reads; the auditor reads its node's).
    Ledger,
    /// The software register's forms (store::ledger::role_writes: not the auditor).
    LedgerWrite,
    /// Publishing a checklist (store::ledger::role_publishes).
    Publish,
    /// Duty and important periods (store::duty::role_reads; the auditor reads its node's).
    Duty,
    /// A duty contact's edit form (store::duty::role_writes: not the auditor).
    DutyWrite,
    /// The education-app filings and block list (store::apps::role_reads: the province's, read
    /// by every area).
    Apps,
    /// The schools' uses of apps (store::apps::role_reads_uses).
    AppUses,
    /// Writing app filings: the form, the import and its templates (store::apps::role_writes_filings).
    AppFilingsWrite,
    /// Inspections, drills and items (store::checks::role_reads; the auditor reads its node's).
    Checks,
    /// Answering an inspection (store::checks::role_answers).
    ChecksAnswer,
    /// Issuing an inspection, planning a drill (store::checks::role_issues).
    ChecksIssue,
    /// The plan tracker (store::plan::role_reads; the auditor reads its node's).
    Plan,
    /// Importing a plan (store::plan::role_imports).
    PlanImport,
    /// The data resource catalog's published entries (store::catalog::role_reads: everyone).
    Catalog,
    /// Registering and editing datasets (store::catalog::role_writes).
    CatalogWrite,
    /// A draft: read by the officers who may write it only (the province all, a city or county
    /// its own area's); every other role gets 404, whatever its area.
    CatalogDraft,
    /// A school's catchment note (store::schoolmap::role_writes: the province's, cities' and
    /// counties' officers).
    NoteWrite,
    /// The sharing exchange (store::share::role_reads; each list cut to the caller's side).
    Share,
    /// A grant's delivery (rows, streams, the change feed): data consumers only, and a grant
    /// that is not the caller's answers as one that does not exist (404).
    SharePull,
    Signed,
}

/// Whether the route names something of the other county (then 404 for those who may read
/// records but not there).
#[derive(Clone, Copy, PartialEq, Debug)]
enum Target {
    Own,
    Other,
    Any,
}

fn allowed(role: Role, need: Need) -> bool {
    match need {
        Need::Overview => role.reads_overview(),
        Need::Records => role.reads_base_data(),
        Need::Reveal => role.may_reveal(),
        Need::Import => role.may_import(),
        Need::Users => role.manages_users(),
        Need::Audit => role.reads_audit(),
        Need::Monitor => role.reads_monitor(),
        Need::Webhooks => matches!(role, Role::ProvinceAdmin | Role::SecurityOfficer),
        Need::Orgs => role.reads_base_data() || role.manages_users() || role.manages_sites(),
        Need::Mlps => store::mlps::role_reads(role),
        Need::MlpsWrite => store::mlps::role_writes(role),
        Need::Incidents => store::incidents::reads(role),
        Need::Ledger => store::ledger::role_reads(role),
        Need::LedgerWrite => store::ledger::role_writes(role),
        Need::Publish => store::ledger::role_publishes(role),
        Need::Duty => store::duty::role_reads(role),
        Need::DutyWrite => store::duty::role_writes(role),
        Need::Apps => store::apps::role_reads(role),
        Need::AppUses => store::apps::role_reads_uses(role),
        Need::AppFilingsWrite => store::apps::role_writes_filings(role),
        Need::Checks => store::checks::role_reads(role),
        Need::ChecksAnswer => store::checks::role_answers(role),
        Need::ChecksIssue => store::checks::role_issues(role),
        Need::Plan => store::plan::role_reads(role),
        Need::PlanImport => store::plan::role_imports(role),
        Need::Catalog | Need::CatalogDraft => store::catalog::role_reads(role),
        Need::CatalogWrite => store::catalog::role_writes(role),
        Need::NoteWrite => store::schoolmap::role_writes(role),
        Need::Share => store::share::role_reads(role),
        Need::SharePull => role == Role::DataConsumer,
        Need::Signed => true,
    }
}

/// Whether the user at this role sees the other county.
fn sees_other(role: Role) -> bool {
    matches!(role, Role::ProvinceAdmin | Role::DataConsumer | Role::SecurityOfficer)
}

fn routes(p: &Places, r: &Refs, own_site: i64, other_site: i64) -> Vec<(&'static str, String, Need, Target)> {
    vec![
        ("GET", "/sites".into(), Need::Monitor, Target::Any),
        ("GET", format!("/sites?region={}", p.other_county), Need::Monitor, Target::Any),
        ("GET", format!("/sites/{own_site}"), Need::Monitor, Target::Own),
        ("GET", format!("/sites/{own_site}?range=7d"), Need::Monitor, Target::Own),
        ("GET", format!("/sites/{other_site}"), Need::Monitor, Target::Other),
        ("GET", format!("/sites/{other_site}?range=90d"), Need::Monitor, Target::Other),
        ("GET", "/alerts".into(), Need::Monitor, Target::Any),
        ("GET", "/alerts?state=all".into(), Need::Monitor, Target::Any),
        ("GET", format!("/alerts?state=all&level=high&kind=hidden_link&from=2020-01-01&region={}", p.other_county), Need::Monitor, Target::Any),
        ("GET", format!("/alerts/{}", r.own_alert), Need::Monitor, Target::Own),
        ("GET", format!("/alerts/{}", r.other_alert), Need::Monitor, Target::Other),
        ("GET", "/alerts/badge".into(), Need::Signed, Target::Any),
        ("GET", "/security".into(), Need::Monitor, Target::Any),
        ("GET", "/webhooks".into(), Need::Webhooks, Target::Any),
        ("GET", "/api/v1/alerts?state=all&kind=hidden_link".into(), Need::Monitor, Target::Any),
        ("GET", "/api/v1/sites".into(), Need::Monitor, Target::Any),
        ("GET", format!("/api/v1/sites/{own_site}"), Need::Monitor, Target::Own),
        ("GET", format!("/api/v1/sites/{other_site}"), Need::Monitor, Target::Other),
        ("GET", "/api/v1/alerts?open=false".into(), Need::Monitor, Target::Any),
        ("GET", "/ipv6".into(), Need::Monitor, Target::Any),
        ("GET", format!("/ipv6?region={}", p.other_county), Need::Monitor, Target::Other),
        ("GET", "/api/v1/ipv6".into(), Need::Monitor, Target::Any),
        ("GET", format!("/api/v1/ipv6?region={}", p.other_county), Need::Monitor, Target::Other),
        ("GET", "/overview".into(), Need::Overview, Target::Any),
        ("GET", format!("/overview/region/{}", p.city), Need::Overview, Target::Own),
        ("GET", format!("/overview/region/{}", p.other_city), Need::Overview, Target::Other),
        ("GET", format!("/overview/region/{}", p.county), Need::Overview, Target::Own),
        ("GET", format!("/overview/region/{}", p.other_county), Need::Overview, Target::Other),
        // 决策指标 (routes::insight): the screens, a region inside or outside the area, the API, the exports.
        ("GET", "/insight/classes".into(), Need::Overview, Target::Any),
        ("GET", "/insight/teachers".into(), Need::Overview, Target::Any),
        ("GET", "/insight/students".into(), Need::Overview, Target::Any),
        ("GET", format!("/insight/teachers?region={}", p.county), Need::Overview, Target::Own),
        ("GET", format!("/insight/classes?region={}", p.city), Need::Overview, Target::Own),
        ("GET", format!("/insight/classes?region={}", p.other_county), Need::Overview, Target::Other),
        ("GET", format!("/insight/students?region={}", p.other_city), Need::Overview, Target::Other),
        ("GET", "/api/v1/insight/teachers".into(), Need::Overview, Target::Any),
        ("GET", format!("/api/v1/insight/classes?region={}", p.county), Need::Overview, Target::Own),
        ("GET", format!("/api/v1/insight/students?region={}", p.other_county), Need::Overview, Target::Other),
        ("GET", "/export/insight_classes?format=xlsx".into(), Need::Overview, Target::Any),
        ("GET", format!("/export/insight_teachers?format=csv&region={}", p.county), Need::Overview, Target::Own),
        ("GET", format!("/export/insight_students?format=csv&region={}", p.other_county), Need::Overview, Target::Other),
        // 下钻: the drilled lists (cut to the scope like the plain ones) and the class lists.
        ("GET", format!("/students?region={}&drill=boarders", p.county), Need::Records, Target::Any),
        ("GET", format!("/teachers?school={}&drill=retiring_5", p.other_school), Need::Records, Target::Any),
        ("GET", format!("/api/v1/students?region={}&drill=anomaly", p.other_county), Need::Records, Target::Any),
        ("GET", "/api/v1/teachers?drill=backbone".into(), Need::Records, Target::Any),
        ("GET", format!("/export/students?format=csv&region={}&drill=migrant", p.county), Need::Records, Target::Any),
        ("GET", format!("/insight/classes/list?region={}&band=large", p.county), Need::Records, Target::Own),
        ("GET", format!("/insight/classes/list?school={}&band=very_large", p.other_school), Need::Records, Target::Any),
        ("GET", format!("/insight/classes/list?region={}&band=very_large", p.other_county), Need::Records, Target::Other),
        ("GET", format!("/api/v1/insight/classes/list?region={}&band=very_large", p.county), Need::Records, Target::Own),
        ("GET", format!("/api/v1/insight/classes/list?region={}&band=large", p.other_county), Need::Records, Target::Other),
        ("GET", "/insight/balance".into(), Need::Overview, Target::Any),
        ("GET", format!("/insight/balance?region={}", p.city), Need::Overview, Target::Own),
        ("GET", format!("/insight/balance?region={}", p.county), Need::Overview, Target::Own),
        ("GET", format!("/insight/balance?region={}", p.other_county), Need::Overview, Target::Other),
        ("GET", "/api/v1/insight/balance".into(), Need::Overview, Target::Any),
        ("GET", format!("/api/v1/insight/balance?region={}", p.county), Need::Overview, Target::Own),
        ("GET", format!("/api/v1/insight/balance?region={}", p.other_city), Need::Overview, Target::Other),
        ("GET", "/export/insight_balance?format=xlsx".into(), Need::Overview, Target::Any),
        ("GET", format!("/export/insight_balance?format=csv&region={}", p.county), Need::Overview, Target::Own),
        ("GET", format!("/export/insight_balance?format=csv&region={}", p.other_county), Need::Overview, Target::Other),
        // The security screen and the indicators' overview (issue 15).
        ("GET", "/insight/security".into(), Need::Overview, Target::Any),
        ("GET", format!("/insight/security?region={}", p.county), Need::Overview, Target::Own),
        ("GET", format!("/insight/security?region={}", p.other_city), Need::Overview, Target::Other),
        ("GET", "/api/v1/insight/security".into(), Need::Overview, Target::Any),
        ("GET", format!("/api/v1/insight/security?region={}", p.other_county), Need::Overview, Target::Other),
        ("GET", "/export/insight_security?format=xlsx".into(), Need::Overview, Target::Any),
        ("GET", format!("/export/insight_security?format=csv&region={}", p.other_county), Need::Overview, Target::Other),
        ("GET", "/insight".into(), Need::Overview, Target::Any),
        ("GET", format!("/insight?region={}", p.city), Need::Overview, Target::Own),
        ("GET", format!("/insight?region={}", p.county), Need::Overview, Target::Own),
        ("GET", format!("/insight?region={}", p.other_county), Need::Overview, Target::Other),
        ("GET", "/schools".into(), Need::Records, Target::Any),
        ("GET", format!("/schools?region={}", p.other_county), Need::Records, Target::Any),
        ("GET", "/schools/points.json".into(), Need::Records, Target::Any),
        ("GET", "/schools/suggest?q=%E5%AD%A6".into(), Need::Records, Target::Any),
        ("GET", "/org/picker?schools=1".into(), Need::Orgs, Target::Any),
        ("GET", "/org/picker?schools=1&q=%E5%AD%A6".into(), Need::Orgs, Target::Any),
        ("GET", format!("/org/picker?schools=1&county={}", p.other_county), Need::Orgs, Target::Any),
        ("GET", "/students?sort=name&size=20".into(), Need::Records, Target::Any),
        ("GET", "/students?sort=school&size=100&page=3".into(), Need::Records, Target::Any),
        ("GET", "/teachers?sort=school&page=2".into(), Need::Records, Target::Any),
        ("GET", "/students?sort=grade&size=20&page=2".into(), Need::Records, Target::Any),
        ("GET", "/students?sort=time&size=50".into(), Need::Records, Target::Any),
        ("GET", "/teachers?sort=time&page=2".into(), Need::Records, Target::Any),
        ("GET", format!("/schools/{}", p.school), Need::Records, Target::Own),
        ("GET", format!("/schools/{}", p.other_school), Need::Records, Target::Other),
        ("GET", format!("/api/v1/schools/{}/conditions", p.school), Need::Records, Target::Own),
        ("GET", format!("/api/v1/schools/{}/conditions", p.other_school), Need::Records, Target::Other),
        // 学校地图 (issue 14): the page, its view data, the API, the flagged export, the notes.
        ("GET", "/schools/map".into(), Need::Records, Target::Any),
        ("GET", format!("/schools/map?region={}&stage=primary", p.other_county), Need::Records, Target::Any),
        ("GET", "/schools/map.json?bbox=97,26,109,35".into(), Need::Records, Target::Any),
        ("GET", format!("/schools/map.json?region={}", p.other_county), Need::Records, Target::Any),
        ("GET", "/api/v1/schools/map?bbox=97,26,109,35".into(), Need::Records, Target::Any),
        ("GET", "/api/v1/schools/map/flagged".into(), Need::Records, Target::Any),
        ("GET", format!("/api/v1/schools/{}/note", p.school), Need::Records, Target::Own),
        ("GET", format!("/api/v1/schools/{}/note", p.other_school), Need::Records, Target::Other),
        ("GET", "/export/school_map_flagged?format=csv".into(), Need::Records, Target::Any),
        ("GET", "/api/v1/exports/school_map_flagged?format=xlsx".into(), Need::Records, Target::Any),
        ("POST", format!("/schools/{}/note?id=zzz&note=%E6%9C%8D%E5%8A%A1", p.school), Need::NoteWrite, Target::Own),
        ("POST", format!("/schools/{}/note?id=zzz&note=x", p.other_school), Need::NoteWrite, Target::Other),
        ("POST", format!("/api/v1/schools/{}/note?id=zzz", p.school), Need::NoteWrite, Target::Own),
        ("POST", format!("/api/v1/schools/{}/note?id=zzz", p.other_school), Need::NoteWrite, Target::Other),
        ("GET", "/teachers".into(), Need::Records, Target::Any),
        ("GET", format!("/teachers?school={}", p.other_school), Need::Records, Target::Any),
        ("GET", format!("/teachers/{}", r.own_teacher), Need::Records, Target::Own),
        ("GET", format!("/teachers/{}", r.other_teacher), Need::Records, Target::Other),
        ("GET", "/students".into(), Need::Records, Target::Any),
        ("GET", format!("/students?region={}", p.other_county), Need::Records, Target::Any),
        // Posted (the number in the body, never the address); answered by a redirect to the list.
        ("POST", format!("/students/search?id={}", r.other_student_key), Need::Reveal, Target::Any),
        ("POST", format!("/teachers/search?id={}", r.other_student_key), Need::Reveal, Target::Any),
        ("GET", "/students?name=%E7%8E%8B%E5%B0%8F".into(), Need::Records, Target::Any),
        ("GET", format!("/students/{}", r.own_student), Need::Records, Target::Own),
        ("GET", format!("/students/{}", r.other_student), Need::Records, Target::Other),
        ("GET", "/imports".into(), Need::Import, Target::Any),
        ("GET", "/imports/batches/1".into(), Need::Import, Target::Other),
        ("GET", "/imports/batches/1/errors.xlsx".into(), Need::Import, Target::Other),
        ("GET", "/standard".into(), Need::Signed, Target::Any),
        ("GET", "/standard/templates/student.xlsx".into(), Need::Signed, Target::Any),
        ("GET", "/standard/templates/site.xlsx".into(), Need::Signed, Target::Any),
        ("GET", format!("/standard/versions/{}", standard::versions::VERSION), Need::Signed, Target::Any),
        ("GET", format!("/standard/versions/{}.md", standard::versions::VERSION), Need::Signed, Target::Any),
        ("GET", "/standard/templates/conditions.xlsx".into(), Need::Signed, Target::Any),
        ("GET", "/users".into(), Need::Users, Target::Any),
        ("GET", "/audit".into(), Need::Audit, Target::Any),
        ("GET", "/api/v1/me".into(), Need::Signed, Target::Any),
        ("GET", "/api/v1/overview".into(), Need::Overview, Target::Any),
        ("GET", format!("/api/v1/overview/regions/{}", p.other_city), Need::Overview, Target::Other),
        ("GET", "/api/v1/schools?limit=500".into(), Need::Records, Target::Any),
        ("GET", format!("/api/v1/schools/{}", p.other_school), Need::Records, Target::Other),
        ("GET", format!("/api/v1/schools/{}", p.school), Need::Records, Target::Own),
        ("GET", "/api/v1/teachers?limit=500".into(), Need::Records, Target::Any),
        ("GET", format!("/api/v1/teachers/{}", r.other_teacher), Need::Records, Target::Other),
        ("GET", "/api/v1/students?limit=500".into(), Need::Records, Target::Any),
        ("GET", format!("/api/v1/students?limit=500&region={}", p.other_county), Need::Records, Target::Any),
        ("POST", format!("/api/v1/students/search?id={}", r.other_student_key), Need::Reveal, Target::Any),
        ("POST", format!("/api/v1/teachers/search?id={}", r.other_student_key), Need::Reveal, Target::Any),
        ("GET", format!("/api/v1/students/{}", r.own_student), Need::Records, Target::Own),
        ("GET", format!("/api/v1/students/{}", r.other_student), Need::Records, Target::Other),
        ("GET", "/api/v1/batches".into(), Need::Import, Target::Any),
        ("GET", "/api/v1/batches/1".into(), Need::Import, Target::Other),
        ("GET", "/api/v1/audit".into(), Need::Audit, Target::Any),
        ("GET", "/api/v1/users".into(), Need::Users, Target::Any),
        // Exports (issue 12): as their lists, CSV so that the body is searched for leaks.
        ("GET", "/export/schools?format=csv".into(), Need::Records, Target::Any),
        ("GET", format!("/export/schools?format=csv&region={}", p.other_county), Need::Records, Target::Any),
        ("GET", "/export/teachers?format=csv".into(), Need::Records, Target::Any),
        ("GET", "/export/students?format=csv".into(), Need::Records, Target::Any),
        ("GET", format!("/export/students?format=csv&region={}", p.other_county), Need::Records, Target::Any),
        ("GET", format!("/export/students?format=csv&id={}", r.other_student_key), Need::Reveal, Target::Any),
        ("GET", "/export/students?format=xlsx".into(), Need::Records, Target::Any),
        ("GET", "/export/students/full".into(), Need::Reveal, Target::Any),
        ("GET", "/export/sites?format=csv&all=1".into(), Need::Monitor, Target::Any),
        ("GET", "/export/alerts?format=csv&state=all".into(), Need::Monitor, Target::Any),
        ("GET", "/export/audit?format=csv".into(), Need::Audit, Target::Any),
        ("GET", "/export/batches?format=csv".into(), Need::Import, Target::Any),
        ("GET", "/overview/report.xlsx".into(), Need::Overview, Target::Any),
        // API exports (issue 12): the same lists for token clients, masked.
        ("GET", "/api/v1/exports/schools?format=csv".into(), Need::Records, Target::Any),
        ("GET", "/api/v1/exports/conditions?format=csv".into(), Need::Records, Target::Any),
        ("GET", "/export/conditions?format=xlsx".into(), Need::Records, Target::Any),
        ("GET", format!("/export/conditions?format=csv&region={}", p.other_county), Need::Records, Target::Any),
        ("GET", format!("/api/v1/exports/schools?format=csv&region={}", p.other_county), Need::Records, Target::Any),
        ("GET", "/api/v1/exports/teachers?format=csv".into(), Need::Records, Target::Any),
        ("GET", "/api/v1/exports/students?format=csv".into(), Need::Records, Target::Any),
        ("GET", format!("/api/v1/exports/students?format=csv&region={}", p.other_county), Need::Records, Target::Any),
        ("GET", "/api/v1/exports/students?format=xlsx".into(), Need::Records, Target::Any),
        ("GET", "/api/v1/exports/sites?format=csv&all=1".into(), Need::Monitor, Target::Any),
        ("GET", "/api/v1/exports/alerts?format=csv&state=all".into(), Need::Monitor, Target::Any),
        ("GET", "/api/v1/exports/audit?format=csv".into(), Need::Audit, Target::Any),
        ("GET", "/api/v1/exports/batches?format=csv".into(), Need::Import, Target::Any),
        // The 等保 register (issue 13).
        ("GET", "/mlps".into(), Need::Mlps, Target::Any),
        ("GET", format!("/mlps?region={}&level=3&state=overdue", p.other_county), Need::Mlps, Target::Any),
        ("GET", format!("/mlps/{}", r.own_system), Need::Mlps, Target::Own),
        ("GET", format!("/mlps/{}", r.other_system), Need::Mlps, Target::Other),
        ("GET", format!("/mlps/{}/assessments/{}/files/{}", r.own_system, r.own_mlps_files.0, r.own_mlps_files.1), Need::Mlps, Target::Own),
        ("GET", format!("/mlps/{}/assessments/{}/files/{}", r.other_system, r.other_mlps_files.0, r.other_mlps_files.1), Need::Mlps, Target::Other),
        ("GET", format!("/mlps/{}/items/{}/files/{}", r.own_system, r.own_mlps_files.2, r.own_mlps_files.3), Need::Mlps, Target::Own),
        ("GET", format!("/mlps/{}/items/{}/files/{}", r.other_system, r.other_mlps_files.2, r.other_mlps_files.3), Need::Mlps, Target::Other),
        ("GET", format!("/api/v1/mlps/systems/{}/assessments/{}/report/{}", r.own_system, r.own_mlps_files.0, r.own_mlps_files.1), Need::Mlps, Target::Own),
        ("GET", format!("/api/v1/mlps/systems/{}/items/{}/evidence/{}", r.other_system, r.other_mlps_files.2, r.other_mlps_files.3), Need::Mlps, Target::Other),
        ("GET", format!("/mlps/{}/edit", r.own_system), Need::MlpsWrite, Target::Own),
        ("GET", format!("/mlps/{}/edit", r.other_system), Need::MlpsWrite, Target::Other),
        ("GET", "/mlps/new".into(), Need::MlpsWrite, Target::Any),
        ("GET", "/mlps/import".into(), Need::MlpsWrite, Target::Any),
        ("GET", "/mlps/import/template".into(), Need::MlpsWrite, Target::Any),
        ("GET", "/mlps/overdue".into(), Need::Mlps, Target::Any),
        ("GET", format!("/mlps/overdue?region={}", p.other_county), Need::Mlps, Target::Any),
        ("GET", "/api/v1/mlps/systems".into(), Need::Mlps, Target::Any),
        ("GET", format!("/api/v1/mlps/systems/{}", r.own_system), Need::Mlps, Target::Own),
        ("GET", format!("/api/v1/mlps/systems/{}", r.other_system), Need::Mlps, Target::Other),
        ("GET", "/api/v1/mlps/overdue".into(), Need::Mlps, Target::Any),
        ("GET", "/api/v1/mlps/completion".into(), Need::Mlps, Target::Any),
        ("GET", "/export/mlps?format=csv".into(), Need::Mlps, Target::Any),
        // Incidents (issue 13): the own county's are the county bureau's (not a school's).
        ("GET", "/incidents".into(), Need::Incidents, Target::Any),
        ("GET", "/incidents?state=reported&grade=4&overdue=1".into(), Need::Incidents, Target::Any),
        ("GET", format!("/incidents?region={}", p.other_county), Need::Incidents, Target::Any),
        ("GET", format!("/incidents/{}", r.own_incident), Need::Incidents, Target::Own),
        ("GET", format!("/incidents/{}/print", r.own_incident), Need::Incidents, Target::Own),
        ("GET", format!("/incidents/{}", r.other_incident), Need::Incidents, Target::Other),
        ("GET", format!("/incidents/{}/print", r.other_incident), Need::Incidents, Target::Other),
        ("GET", "/api/v1/incidents".into(), Need::Incidents, Target::Any),
        ("GET", format!("/api/v1/incidents/{}", r.own_incident), Need::Incidents, Target::Own),
        ("GET", format!("/api/v1/incidents/{}", r.other_incident), Need::Incidents, Target::Other),
        ("GET", "/api/v1/incidents/classes".into(), Need::Incidents, Target::Any),
        // 数据质量 (routes::quality, issue 14): the ranking, a provider, its drill-downs, the
        // export, the API, the collection calendar and a round.
        ("GET", "/quality".into(), Need::Records, Target::Any),
        ("GET", format!("/quality/{}", p.county), Need::Records, Target::Own),
        ("GET", format!("/quality/{}?school={}", p.county, p.school), Need::Records, Target::Own),
        ("GET", format!("/quality/{}", p.other_county), Need::Records, Target::Other),
        ("GET", format!("/quality/{}?school={}", p.other_county, p.other_school), Need::Records, Target::Other),
        ("GET", format!("/quality/{}/records/dup_students?school={}", p.county, p.school), Need::Records, Target::Own),
        ("GET", format!("/quality/{}/records/rejected?school={}", p.county, p.school), Need::Records, Target::Own),
        ("GET", format!("/quality/{}/records/dup_teachers", p.other_county), Need::Records, Target::Other),
        ("GET", "/export/quality?format=csv".into(), Need::Records, Target::Any),
        ("GET", "/api/v1/quality".into(), Need::Records, Target::Any),
        ("GET", format!("/api/v1/quality/{}", p.county), Need::Records, Target::Own),
        ("GET", format!("/api/v1/quality/{}", p.other_county), Need::Records, Target::Other),
        ("GET", "/quality/rounds".into(), Need::Records, Target::Any),
        ("GET", format!("/quality/rounds/{}", r.own_round), Need::Records, Target::Own),
        ("GET", format!("/quality/rounds/{}", r.other_round), Need::Records, Target::Other),
        // The data resource catalog (issue 14).
        ("GET", "/catalog".into(), Need::Catalog, Target::Any),
        ("GET", "/catalog?q=%E4%BD%93%E8%B4%A8&class=3&share=unconditional".into(), Need::Catalog, Target::Any),
        ("GET", format!("/catalog?provider={}", p.other_county), Need::Catalog, Target::Any),
        ("GET", format!("/catalog/{}", r.published_dataset), Need::Catalog, Target::Any),
        ("GET", format!("/catalog/{}?version=1", r.published_dataset), Need::Catalog, Target::Any),
        ("GET", format!("/catalog/{}", r.own_draft), Need::CatalogDraft, Target::Own),
        ("GET", format!("/catalog/{}", r.other_draft), Need::CatalogDraft, Target::Other),
        ("GET", "/catalog/new".into(), Need::CatalogWrite, Target::Any),
        ("GET", format!("/catalog/{}/edit", r.own_draft), Need::CatalogWrite, Target::Own),
        ("GET", format!("/catalog/{}/edit", r.other_draft), Need::CatalogWrite, Target::Other),
        ("GET", "/catalog.jsonld".into(), Need::Catalog, Target::Any),
        ("GET", "/api/v1/catalog".into(), Need::Catalog, Target::Any),
        ("GET", "/api/v1/catalog/dcat".into(), Need::Catalog, Target::Any),
        ("GET", format!("/api/v1/catalog/{}", r.published_dataset), Need::Catalog, Target::Any),
        ("GET", format!("/api/v1/catalog/{}/versions", r.published_dataset), Need::Catalog, Target::Any),
        ("GET", format!("/api/v1/catalog/{}", r.own_draft), Need::CatalogDraft, Target::Own),
        ("GET", format!("/api/v1/catalog/{}", r.other_draft), Need::CatalogDraft, Target::Other),
        ("GET", format!("/api/v1/catalog/{}/versions", r.other_draft), Need::CatalogDraft, Target::Other),
        // The responsibility checklist and the software ledger (issue 13).
        ("GET", "/duties".into(), Need::Ledger, Target::Any),
        ("GET", "/duties/new".into(), Need::Publish, Target::Any),
        ("GET", format!("/duties/{}", r.checklist), Need::Ledger, Target::Any),
        ("GET", format!("/duties/{}?region={}", r.checklist, p.other_county), Need::Ledger, Target::Any),
        ("GET", format!("/duties/{}?region={}", r.checklist, p.county), Need::Ledger, Target::Any),
        ("GET", format!("/duties/{}/units/{}", r.checklist, p.school), Need::Ledger, Target::Own),
        ("GET", format!("/duties/{}/units/{}", r.checklist, p.other_school), Need::Ledger, Target::Other),
        ("GET", format!("/duties/items/{}", r.own_item), Need::LedgerWrite, Target::Own),
        ("GET", format!("/duties/items/{}", r.other_item), Need::LedgerWrite, Target::Other),
        ("GET", format!("/duties/items/{}/files/{}", r.own_item, r.own_duty_file), Need::Ledger, Target::Own),
        ("GET", format!("/duties/items/{}/files/{}", r.other_item, r.other_duty_file), Need::Ledger, Target::Other),
        ("GET", format!("/api/v1/ledger/duties/{}/evidence/{}", r.own_item, r.own_duty_file), Need::Ledger, Target::Own),
        ("GET", format!("/api/v1/ledger/duties/{}/evidence/{}", r.other_item, r.other_duty_file), Need::Ledger, Target::Other),
        ("GET", "/software".into(), Need::Ledger, Target::Any),
        ("GET", format!("/software?region={}&flag=over_installed", p.other_county), Need::Ledger, Target::Any),
        ("GET", "/software/new".into(), Need::LedgerWrite, Target::Any),
        ("GET", format!("/software/{}/edit", r.own_software), Need::LedgerWrite, Target::Own),
        ("GET", format!("/software/{}/edit", r.other_software), Need::LedgerWrite, Target::Other),
        ("GET", "/software/checks".into(), Need::Ledger, Target::Any),
        ("GET", "/software/checks?overdue=1".into(), Need::Ledger, Target::Any),
        ("GET", format!("/software/checks?unit={}", p.other_school), Need::Ledger, Target::Any),
        ("GET", "/api/v1/ledger/checklists".into(), Need::Ledger, Target::Any),
        ("GET", format!("/api/v1/ledger/checklists/{}/completion", r.checklist), Need::Ledger, Target::Any),
        ("GET", format!("/api/v1/ledger/duties?checklist={}", r.checklist), Need::Ledger, Target::Any),
        ("GET", "/api/v1/ledger/software".into(), Need::Ledger, Target::Any),
        ("GET", "/api/v1/ledger/checks?overdue=1".into(), Need::Ledger, Target::Any),
        ("GET", "/api/v1/ledger/checks/regions".into(), Need::Ledger, Target::Any),
        ("GET", "/export/duties?format=csv".into(), Need::Ledger, Target::Any),
        ("GET", "/export/software?format=csv".into(), Need::Ledger, Target::Any),
        ("GET", format!("/incidents/{}/files/{}", r.own_incident, r.own_file), Need::Incidents, Target::Own),
        ("GET", format!("/incidents/{}/files/{}", r.other_incident, r.other_file), Need::Incidents, Target::Other),
        ("GET", format!("/api/v1/incidents/{}/files", r.own_incident), Need::Incidents, Target::Own),
        ("GET", format!("/api/v1/incidents/{}/files", r.other_incident), Need::Incidents, Target::Other),
        ("GET", "/export/incidents?format=csv".into(), Need::Incidents, Target::Any),
        ("GET", "/export/incidents?format=xlsx&state=reported&overdue=1".into(), Need::Incidents, Target::Any),
        ("GET", format!("/incidents/{}/report.xlsx", r.own_incident), Need::Incidents, Target::Own),
        ("GET", format!("/incidents/{}/report.xlsx", r.other_incident), Need::Incidents, Target::Other),
        // Duty and important periods (issue 13).
        ("GET", "/duty".into(), Need::Duty, Target::Any),
        ("GET", format!("/duty?unit={}", p.other_school), Need::Duty, Target::Any),
        ("GET", "/duty/periods".into(), Need::Duty, Target::Any),
        ("GET", format!("/duty/periods/{}", r.own_period), Need::Duty, Target::Own),
        ("GET", format!("/duty/periods/{}?region={}", r.own_period, p.county), Need::Duty, Target::Own),
        ("GET", format!("/duty/periods/{}", r.other_period), Need::Duty, Target::Other),
        ("GET", "/api/v1/duty/contacts".into(), Need::Duty, Target::Any),
        ("GET", format!("/duty/contacts/{}/edit", r.own_contact), Need::DutyWrite, Target::Own),
        ("GET", format!("/duty/contacts/{}/edit", r.other_contact), Need::DutyWrite, Target::Other),
        ("GET", "/api/v1/duty/periods".into(), Need::Duty, Target::Any),
        ("GET", format!("/api/v1/duty/periods/{}/status", r.own_period), Need::Duty, Target::Own),
        ("GET", format!("/api/v1/duty/periods/{}/status", r.other_period), Need::Duty, Target::Other),
        ("GET", format!("/api/v1/duty/on-duty/{}", p.school), Need::Duty, Target::Own),
        ("GET", format!("/api/v1/duty/on-duty/{}", p.other_school), Need::Duty, Target::Other),
        ("GET", "/export/duty_contacts?format=csv".into(), Need::Duty, Target::Any),
        ("GET", "/export/duty_roster?format=csv".into(), Need::Duty, Target::Any),
        ("GET", format!("/export/duty_reports?format=csv&id={}", r.own_period), Need::Duty, Target::Own),
        // Education apps (issue 13): the province's filings are read by every area; uses by area.
        ("GET", "/apps".into(), Need::Apps, Target::Any),
        ("GET", "/apps?q=%E4%BD%9C%E4%B8%9A&status=valid".into(), Need::Apps, Target::Any),
        ("GET", format!("/apps/{}", r.app_filing), Need::Apps, Target::Any),
        ("GET", "/api/v1/apps/filings".into(), Need::Apps, Target::Any),
        ("GET", format!("/api/v1/apps/filings/{}", r.app_filing), Need::Apps, Target::Any),
        ("GET", "/api/v1/apps/blocks".into(), Need::Apps, Target::Any),
        ("GET", "/apps/uses".into(), Need::AppUses, Target::Any),
        ("GET", format!("/apps/uses?state=proposed&region={}", p.other_county), Need::AppUses, Target::Any),
        ("GET", format!("/apps/uses/{}", r.own_use), Need::AppUses, Target::Own),
        ("GET", format!("/apps/uses/{}", r.other_use), Need::AppUses, Target::Other),
        ("GET", "/apps/uses/overdue".into(), Need::AppUses, Target::Any),
        ("GET", format!("/apps/uses/overdue?region={}", p.other_county), Need::AppUses, Target::Any),
        ("GET", "/api/v1/apps/uses".into(), Need::AppUses, Target::Any),
        ("GET", format!("/api/v1/apps/uses/{}", r.own_use), Need::AppUses, Target::Own),
        ("GET", format!("/api/v1/apps/uses/{}", r.other_use), Need::AppUses, Target::Other),
        ("GET", "/api/v1/apps/uses/overdue".into(), Need::AppUses, Target::Any),
        ("GET", "/export/apps?format=csv".into(), Need::Apps, Target::Any),
        ("GET", "/export/apps_uses?format=csv".into(), Need::AppUses, Target::Any),
        ("GET", "/apps/new".into(), Need::AppFilingsWrite, Target::Any),
        ("GET", "/apps/import".into(), Need::AppFilingsWrite, Target::Any),
        ("GET", "/apps/import/template".into(), Need::AppFilingsWrite, Target::Any),
        ("GET", "/apps/import/template?format=csv".into(), Need::AppFilingsWrite, Target::Any),
        ("GET", format!("/export/apps_uses?format=xlsx&region={}", p.other_county), Need::AppUses, Target::Any),
        // 专项检查, drills and rectification items (issue 13).
        ("GET", "/checks".into(), Need::Checks, Target::Any),
        ("GET", format!("/checks/{}", r.own_check), Need::Checks, Target::Own),
        ("GET", format!("/checks/{}", r.other_check), Need::Checks, Target::Other),
        ("GET", format!("/checks/{}?region={}", r.own_check, p.county), Need::Checks, Target::Own),
        ("GET", format!("/checks/{}/answer?unit={}", r.own_check, p.school), Need::ChecksAnswer, Target::Own),
        ("GET", format!("/checks/{}/answer?unit={}", r.other_check, p.other_school), Need::ChecksAnswer, Target::Other),
        ("GET", format!("/checks/{}/units/{}", r.own_check, p.school), Need::Checks, Target::Own),
        ("GET", format!("/checks/{}/units/{}", r.other_check, p.other_school), Need::Checks, Target::Other),
        ("GET", format!("/checks/{}/units/{}/files/{}", r.own_check, p.school, r.own_answer_file), Need::Checks, Target::Own),
        ("GET", format!("/checks/{}/units/{}/files/{}", r.other_check, p.other_school, r.other_answer_file), Need::Checks, Target::Other),
        ("GET", format!("/api/v1/checks/inspections/{}/units/{}/files/{}", r.own_check, p.school, r.own_answer_file), Need::Checks, Target::Own),
        ("GET", format!("/api/v1/checks/inspections/{}/units/{}/files/{}", r.other_check, p.other_school, r.other_answer_file), Need::Checks, Target::Other),
        ("GET", format!("/rectifications/{}/files/{}", r.own_item_file.0, r.own_item_file.1), Need::Checks, Target::Own),
        ("GET", format!("/rectifications/{}/files/{}", r.other_item_file.0, r.other_item_file.1), Need::Checks, Target::Other),
        ("GET", format!("/api/v1/checks/items/{}/evidence/{}", r.own_item_file.0, r.own_item_file.1), Need::Checks, Target::Own),
        ("GET", format!("/api/v1/checks/items/{}/evidence/{}", r.other_item_file.0, r.other_item_file.1), Need::Checks, Target::Other),
        ("GET", "/rectifications".into(), Need::Checks, Target::Any),
        ("GET", format!("/rectifications?state=overdue&source=drill&region={}", p.other_county), Need::Checks, Target::Any),
        ("GET", "/drills".into(), Need::Checks, Target::Any),
        ("GET", "/checks/new".into(), Need::ChecksIssue, Target::Any),
        ("GET", "/drills/new".into(), Need::ChecksIssue, Target::Any),
        ("GET", format!("/drills/{}", r.own_drill), Need::Checks, Target::Own),
        ("GET", format!("/drills/{}", r.other_drill), Need::Checks, Target::Other),
        ("GET", "/api/v1/checks/inspections".into(), Need::Checks, Target::Any),
        ("GET", format!("/api/v1/checks/inspections/{}/progress", r.own_check), Need::Checks, Target::Own),
        ("GET", format!("/api/v1/checks/inspections/{}/progress", r.other_check), Need::Checks, Target::Other),
        ("GET", "/api/v1/checks/items".into(), Need::Checks, Target::Any),
        ("GET", "/api/v1/checks/drills".into(), Need::Checks, Target::Any),
        ("GET", format!("/api/v1/checks/drills/{}/findings", r.own_drill), Need::Checks, Target::Own),
        ("GET", format!("/api/v1/checks/drills/{}/findings", r.other_drill), Need::Checks, Target::Other),
        ("GET", "/export/rectifications?format=csv&state=open".into(), Need::Checks, Target::Any),
        ("GET", format!("/export/check_progress?format=xlsx&inspection={}", r.own_check), Need::Checks, Target::Any),
        ("GET", format!("/export/check_progress?format=csv&inspection={}", r.other_check), Need::Checks, Target::Any),
        ("GET", "/export/inspections?format=csv".into(), Need::Checks, Target::Any),
        ("GET", "/export/inspections?format=xlsx".into(), Need::Checks, Target::Any),
        ("GET", "/export/drills?format=csv".into(), Need::Checks, Target::Any),
        ("GET", "/export/drills?format=xlsx".into(), Need::Checks, Target::Any),
        ("GET", "/export/software_checks?format=csv".into(), Need::Ledger, Target::Any),
        ("GET", format!("/export/software_checks?format=xlsx&overdue=1&region={}", p.other_county), Need::Ledger, Target::Any),
        ("GET", "/export/duty_periods?format=csv".into(), Need::Duty, Target::Any),
        ("GET", "/export/duty_periods?format=xlsx".into(), Need::Duty, Target::Any),
        ("GET", "/export/apps_overdue?format=csv".into(), Need::AppUses, Target::Any),
        ("GET", "/export/app_blocks?format=csv".into(), Need::Apps, Target::Any),
        ("GET", format!("/export/apps_overdue?format=xlsx&region={}", p.other_county), Need::AppUses, Target::Any),
        // The plan tracker (issue 15): a unit reads the points it leads or co-operates in.
        ("GET", "/plans".into(), Need::Plan, Target::Any),
        ("GET", format!("/plans/{}", r.plan), Need::Plan, Target::Any),
        ("GET", format!("/plans/{}/print", r.plan), Need::Plan, Target::Any),
        ("GET", format!("/plans/points/{}", r.own_point.0), Need::Plan, Target::Own),
        ("GET", format!("/plans/points/{}", r.other_point.0), Need::Plan, Target::Other),
        ("GET", format!("/plans/points/{}/files/{}", r.own_point.0, r.own_point.1), Need::Plan, Target::Own),
        ("GET", format!("/plans/points/{}/files/{}", r.other_point.0, r.other_point.1), Need::Plan, Target::Other),
        ("GET", "/plans/import".into(), Need::PlanImport, Target::Any),
        ("GET", "/plans/import/template".into(), Need::PlanImport, Target::Any),
        ("GET", "/api/v1/plan/plans".into(), Need::Plan, Target::Any),
        ("GET", format!("/api/v1/plan/plans/{}", r.plan), Need::Plan, Target::Any),
        ("GET", format!("/api/v1/plan/points/{}", r.own_point.0), Need::Plan, Target::Own),
        ("GET", format!("/api/v1/plan/points/{}", r.other_point.0), Need::Plan, Target::Other),
        ("GET", format!("/export/plan?format=csv&plan={}", r.plan), Need::Plan, Target::Any),
        ("GET", format!("/export/plan?format=xlsx&plan={}", r.plan), Need::Plan, Target::Any),
        // The sharing exchange (issue 14): the console page and the management API's lists.
        ("GET", "/share".into(), Need::Share, Target::Any),
        ("GET", "/api/v1/share/consumers".into(), Need::Share, Target::Any),
        ("GET", "/api/v1/share/requests".into(), Need::Share, Target::Any),
        ("GET", "/api/v1/share/grants".into(), Need::Share, Target::Any),
        ("GET", "/api/v1/share/usage".into(), Need::Share, Target::Any),
        ("GET", "/api/v1/share/999999/rows".into(), Need::SharePull, Target::Any),
        ("GET", "/api/v1/share/999999/rows.csv".into(), Need::SharePull, Target::Any),
        ("GET", "/api/v1/share/999999/rows.jsonl".into(), Need::SharePull, Target::Any),
        ("GET", "/api/v1/share/999999/changes?since=0".into(), Need::SharePull, Target::Any),
        ("POST", format!("/share/consumers?id=none&name={}&department=other&contact=x", "%E7%9F%A9%E9%98%B5%E4%BD%BF%E7%94%A8%E6%96%B9"), Need::Users, Target::Any),
        ("GET", "/export/catalog?format=csv".into(), Need::Catalog, Target::Any),
        ("GET", "/export/catalog?format=xlsx&share=conditional".into(), Need::Catalog, Target::Any),
    ]
}

/// The value of a form's `id` field.
fn r_key(fields: &str) -> String {
    fields.split('&').find_map(|kv| kv.strip_prefix("id=")).unwrap_or("").to_string()
}

async fn matrix(env: Env) {
    let r = blocking(|| refs(&env));
    let p = env.places.clone();
    let mut who: Vec<(String, Role, Auth)> = Vec::new();
    for (name, role) in accounts() {
        who.push((name.to_string(), role, login(&env, name, PASSWORD).await));
    }
    who.push(("api".into(), Role::DataConsumer, Auth { bearer: Some(env.token.clone()), ..Default::default() }));
    let mut checked = 0;
    for (name, role, auth) in &who {
        let scope_counties: Box<dyn Fn(u32) -> bool> = match role {
            // The security officer's area is the province too: it reads no records (403 above)
            // but the monitor's sites of every school, whose owners are named by code.
            Role::ProvinceAdmin | Role::DataConsumer | Role::SecurityOfficer => Box::new(|_| true),
            Role::CityOfficer => Box::new(move |c| c / 100 == p.city / 100),
            Role::CountyOfficer | Role::SchoolAdmin => Box::new(move |c| c == p.county),
            _ => Box::new(|_| false),
        };
        // Schools a response must never name for this user.
        let hidden: HashSet<&str> = r
            .schools
            .iter()
            .filter(|(code, c)| !scope_counties(*c) || (*role == Role::SchoolAdmin && *code != p.school))
            .map(|(code, _)| code.as_str())
            .collect();
        for (method, path, need, target) in routes(&p, &r, env.own_site, env.other_site) {
            // A data consumer's token reaches the API; the console pages need a session.
            let resp = if method == "POST" {
                // A form: the fields after '?' go in the body with the session's token; a
                // redirect is followed (it must not carry the number).
                let (to, fields) = path.split_once('?').unwrap();
                let r = if to.starts_with("/api/") {
                    let (status, v) = api_json(&env, method, to, auth, &serde_json::json!({ "id": r_key(fields) })).await;
                    Resp { status, location: String::new(), set_cookie: vec![], body: v.to_string(), bytes: vec![] }
                } else {
                    send(&env, method, to, auth, Some(&format!("_csrf={}&{fields}", auth.csrf.clone().unwrap_or_default()))).await
                };
                if r.status == StatusCode::SEE_OTHER {
                    assert!(!r.location.contains(&r_key(fields)), "{name}: {}", r.location);
                    send(&env, "GET", &r.location, auth, None).await
                } else {
                    r
                }
            } else {
                send(&env, method, &path, auth, None).await
            };
            let own_batch = path.contains("batches/1") && *name == "prov";
            // The auditor (at the province) reads every incident; a school's administrator
            // not its county bureau's.
            // The auditor at the province reads the whole 等保 register too, and the duty, apps
            // and ledger registers.
            let sees = sees_other(*role) || (matches!(need, Need::Incidents | Need::Checks | Need::Mlps | Need::Duty | Need::Apps | Need::AppUses | Need::Ledger | Need::Plan) && *role == Role::Auditor);
            let want = if !allowed(*role, need) {
                StatusCode::FORBIDDEN
            } else if need == Need::Incidents && target == Target::Own && *role == Role::SchoolAdmin {
                StatusCode::NOT_FOUND
            } else if need == Need::SharePull {
                StatusCode::NOT_FOUND
            } else if need == Need::CatalogDraft && !(store::catalog::role_writes(*role) && (target == Target::Own || *role == Role::ProvinceAdmin)) {
                StatusCode::NOT_FOUND
            } else if target == Target::Other && !sees && !own_batch {
                StatusCode::NOT_FOUND
            } else {
                StatusCode::OK
            };
            assert_eq!(resp.status, want, "{name} ({role:?}) {method} {path}: {}", &resp.body[..resp.body.len().min(300)]);
            if resp.status == StatusCode::OK {
                // A code the user typed into a filter is echoed in the form; anything else is a leak.
                // The auditor reads inspections and items of its node's area (the province here),
                // and the whole 等保 register (its session scope, which holds no records, names no
                // school elsewhere).
                // The audit log names the school a catchment note was written for (`school_note`,
                // target `school:<code>`): the auditor at the province reads its area's entries.
                let auditor_reads = matches!(need, Need::Checks | Need::Mlps | Need::Duty | Need::Apps | Need::AppUses | Need::Ledger | Need::Plan | Need::Audit) && *role == Role::Auditor;
                for code in hidden.iter().filter(|c| !path.contains(*c) && !auditor_reads) {
                    assert!(!resp.body.contains(code), "{name} ({role:?}) {path} shows school {code} outside the scope");
                }
                assert!(sees || !resp.body.contains(OTHER_INCIDENT), "{name} {path} shows the other county's incident");
                for other in [&r.other_student, &r.other_teacher] {
                    if !sees_other(*role) {
                        assert!(!resp.body.contains(other.as_str()), "{name} {path} links to a record outside the scope");
                    }
                }
            }
            checked += 1;
        }
    }
    assert!(checked > 250, "{checked}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn role_route_matrix_sqlite() {
    matrix(sqlite("matrix")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn role_route_matrix_postgres() {
    let Some(env) = blocking(|| postgres("matrix")) else {
        eprintln!("TIANFU_TEST_DATABASE_URL not set: skipping the PostgreSQL matrix");
        return;
    };
    matrix(env).await;
}

/// Counts and lists of a county officer cover exactly the county.
async fn counts_are_scoped(env: Env) {
    let p = env.places.clone();
    let a = login(&env, "county", PASSWORD).await;
    let o: serde_json::Value = serde_json::from_str(&send(&env, "GET", "/api/v1/overview", &a, None).await.body).unwrap();
    let regions = o["regions"].as_array().unwrap();
    assert_eq!(regions.len(), 1);
    assert_eq!(regions[0]["code"].as_u64().unwrap() as u32, p.county);
    let want: u64 = with_store(&env, |s| s.grade_counts(&Scope::Region { lo: p.county, hi: p.county }).unwrap().iter().map(|g| g.students).sum());
    assert_eq!(o["students"].as_u64().unwrap(), want);
    // Walking every page of the API gives exactly the county's students, none twice.
    let mut seen = HashSet::new();
    let mut after = String::new();
    loop {
        let body = send(&env, "GET", &format!("/api/v1/students?limit=200&after={}", enc(&after)), &a, None).await.body;
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        for it in v["items"].as_array().unwrap() {
            let school = it["school_code"].as_str().unwrap();
            let c = with_store(&env, |s| s.record(&Scope::Region { lo: 510000, hi: 519999 }, Entity::School, school).unwrap().unwrap());
            assert_eq!(web::present::get(Entity::School, &c, "region_code").parse::<u32>().unwrap(), p.county);
            assert!(seen.insert(it["ref"].as_str().unwrap().to_string()));
        }
        match v["next"].as_str() {
            Some(n) => after = n.to_string(),
            None => break,
        }
    }
    assert_eq!(seen.len() as u64, want);
    // The other county's token sees none of this county's students.
    let b = Auth { bearer: Some(env.other_token.clone()), ..Default::default() };
    let v: serde_json::Value = serde_json::from_str(&send(&env, "GET", &format!("/api/v1/students?limit=500&school={}", p.school), &b, None).await.body).unwrap();
    assert!(v["items"].as_array().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn county_counts_and_pages_sqlite() {
    counts_are_scoped(sqlite("counts")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn county_counts_and_pages_postgres() {
    let Some(env) = blocking(|| postgres("counts")) else { return };
    counts_are_scoped(env).await;
}

/// The console's lists and record pages of a county officer: the total (共 N 条) counts only the
/// county, a school of another county is neither counted nor suggested, a school chosen by its
/// name filters the list, and a record's change history shows masked until revealed — and goes
/// with the record when it moves out of a school admin's reach.
async fn lists_and_history_are_scoped(env: Env) {
    let p = env.places.clone();
    let a = login(&env, "county", PASSWORD).await;
    let county = Scope::Region { lo: p.county, hi: p.county };
    let want: u64 = with_store(&env, |s| s.grade_counts(&county).unwrap().iter().map(|g| g.students).sum());
    assert!(want > 20);
    let page = send(&env, "GET", "/students?size=20", &a, None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(&format!("共 {want} 条")), "{}", &page.body[..page.body.len().min(3000)]);
    assert_eq!(page.body.matches("<tr><td data-label=\"学籍号\"><a href=\"/students/").count(), 20, "a page of 20");
    let schools = with_store(&env, |s| s.schools(&county, &SchoolQuery { limit: 500, ..Default::default() }).unwrap().rows.len());
    let list = send(&env, "GET", "/schools?size=20", &a, None).await;
    assert!(list.body.contains(&format!("共 {schools} 所学校")), "the schools' total is the county's");
    let other = send(&env, "GET", &format!("/students?school={}", p.other_school), &a, None).await;
    assert!(other.body.contains("共 0 条") && !other.body.contains("<tr><td data-label=\"学籍号\"><a href=\"/students/"));
    let sug = send(&env, "GET", &format!("/schools/suggest?q={}", p.other_school), &a, None).await;
    assert_eq!(sug.status, StatusCode::OK);
    assert!(!sug.body.contains("<option"), "a school outside the scope is not suggested: {}", sug.body);
    let name = with_store(&env, |s| web::present::get(Entity::School, &s.record(&county, Entity::School, &p.school).unwrap().unwrap(), "name").to_string());
    let sug = send(&env, "GET", &format!("/schools/suggest?q={}", enc(&name)), &a, None).await;
    assert!(sug.body.contains(&format!("{name}（{}）", p.school)), "{}", sug.body);
    let prov = login(&env, "prov", PASSWORD).await;
    let other_name = with_store(&env, |s| web::present::get(Entity::School, &s.record(&Scope::all(), Entity::School, &p.other_school).unwrap().unwrap(), "name").to_string());
    let sug = send(&env, "GET", &format!("/schools/suggest?q={}", enc(&other_name)), &a, None).await;
    assert!(!sug.body.contains(&p.other_school), "not by name either");
    assert!(send(&env, "GET", &format!("/schools/suggest?q={}", enc(&other_name)), &prov, None).await.body.contains(&p.other_school));
    // The tree picker offers the county and its schools, nothing of another county.
    let tree = send(&env, "GET", "/org/picker?schools=1", &a, None).await.body;
    assert!(tree.contains(&format!("data-org-code=\"{}\"", p.county)) && !tree.contains(&format!("data-org-code=\"{}\"", p.other_county)), "{tree}");
    let kids = send(&env, "GET", &format!("/org/picker?schools=1&county={}", p.county), &a, None).await.body;
    assert!(kids.contains(&format!("data-org-code=\"{}\"", p.school)), "{kids}");
    let kids = send(&env, "GET", &format!("/org/picker?schools=1&county={}", p.other_county), &a, None).await.body;
    assert!(!kids.contains("data-org-code"), "{kids}");
    let found = send(&env, "GET", &format!("/org/picker?schools=1&q={}", enc(&other_name)), &a, None).await.body;
    assert!(!found.contains(&p.other_school), "{found}");
    let found = send(&env, "GET", &format!("/org/picker?schools=1&q={}", enc(&name)), &a, None).await.body;
    assert!(found.contains(&p.school), "{found}");
    // The school chosen from the suggestions filters the list; the list names schools.
    let at_school = with_store(&env, |s| s.count_people(&county, Entity::Student, &PersonQuery { school: Some(p.school.clone()), ..Default::default() }).unwrap().n);
    let label = format!("{name}（{}）", p.school);
    let page = send(&env, "GET", &format!("/students?school={}&sort=name&size=100", enc(&label)), &a, None).await;
    assert!(page.body.contains(&format!("共 {at_school} 条")), "{}", &page.body[..page.body.len().min(3000)]);
    assert_eq!(unlabelled(&page.body).matches(&format!("<td>{}</td><td>{name}</td>", p.school)).count() as u64, at_school.min(100), "each row names its school beside the code");
    let jump = send(&env, "GET", "/students?sort=school&size=20&page=2", &a, None).await;
    assert_eq!(jump.status, StatusCode::OK);
    assert!(jump.body.contains("第 2 /"), "jumped to page 2");
    assert_eq!(send(&env, "GET", "/students?sort=age", &a, None).await.status, StatusCode::BAD_REQUEST, "only indexed orders");
    assert_eq!(send(&env, "GET", "/teachers?sort=grade", &a, None).await.status, StatusCode::BAD_REQUEST, "teachers have no grade");
    // By grade: the grade column's header sorts, pages follow in grade order; a cursor made for
    // one order is refused by another with the generic message.
    let by_grade = send(&env, "GET", "/students?sort=grade&size=20", &a, None).await;
    let active = by_grade.body.split("class=\"sort active\" href=\"").nth(1).and_then(|r| r.split('"').next()).unwrap_or_default();
    assert!(active.contains("sort=grade"), "the grade header is the active order: {active}");
    let next = by_grade.body.split("id=\"next-page\" href=\"/students?").nth(1).and_then(|r| r.split('"').next()).expect("a second page").replace("&amp;", "&").replace("&#38;", "&");
    let after = next.split("after=").nth(1).unwrap().split('&').next().unwrap().to_string();
    assert_eq!(send(&env, "GET", &format!("/students?{next}"), &a, None).await.status, StatusCode::OK);
    let crossed = send(&env, "GET", &format!("/students?sort=time&size=20&after={after}"), &a, None).await;
    assert_eq!(crossed.status, StatusCode::BAD_REQUEST);
    assert!(crossed.body.contains("翻页参数无效") && !crossed.body.contains(&after), "generic, nothing echoed");
    // A student of the school changes phone and moves to another school of the county.
    let (key, new_school) = with_store(&env, |s| {
        let r = s.people(&Scope::School { code: p.school.clone(), county: p.county }, Entity::Student, &PersonQuery { limit: 1, ..Default::default() }).unwrap().rows.remove(0);
        let to = s.schools(&Scope::all(), &SchoolQuery { limit: 50, ..Default::default() }).unwrap().rows.into_iter().map(|r| r.key).find(|c| *c != p.school).expect("a second school");
        let t = Entity::Student.template();
        let mut v: Vec<String> = r.values().map(str::to_string).collect();
        v[t.index("guardian_phone").unwrap()] = "13912345678".into();
        v[t.index("school_code").unwrap()] = to.clone();
        let meta = store::BatchMeta { entity: Entity::Student, file_name: "move.csv".into(), file_hash: "move".into(), user: "prov".into(), scope: Scope::all() };
        let mut b = s.begin_import(&meta).unwrap();
        b.record(2, &v.iter().map(String::as_str).collect::<Vec<_>>()).unwrap();
        b.commit(1, "{}").unwrap();
        (r.key, to)
    });
    let sealed = web::seal::seal(&key);
    // By time: the student just changed heads the province's list.
    let newest = send(&env, "GET", "/students?sort=time&size=20", &prov, None).await.body;
    let first = newest.split("<tbody>").nth(1).and_then(|b| b.split("<a href=\"").nth(1)).and_then(|h| h.split('"').next()).unwrap_or_default().to_string();
    assert_eq!(first, format!("/students/{sealed}"), "the newest change first");
    let rec = send(&env, "GET", &format!("/students/{sealed}"), &prov, None).await;
    assert_eq!(rec.status, StatusCode::OK);
    assert!(rec.body.contains("异动记录") && rec.body.contains("id=\"history-moves\"") && rec.body.contains("id=\"history-changes\""), "{}", rec.body);
    assert!(rec.body.contains(&format!("（{new_school}）")) && rec.body.contains(&format!("{name}（{}）", p.school)), "the move, with the schools' names");
    assert!(!rec.body.contains("13912345678") && rec.body.contains("139****5678"), "the new phone masked");
    let shown = send(&env, "POST", &format!("/students/{sealed}/reveal"), &prov, Some(&format!("_csrf={}", prov.csrf.clone().unwrap()))).await;
    assert!(shown.body.contains("13912345678") && shown.body.contains("id=\"history-changes\""), "revealed with the record (audited)");
    let moved_out = with_store(&env, |s| s.record(&county, Entity::School, &new_school).unwrap().is_none());
    if moved_out {
        assert_eq!(send(&env, "GET", &format!("/students/{sealed}"), &a, None).await.status, StatusCode::NOT_FOUND, "the county it left");
    }
    let old = login(&env, "school", PASSWORD).await;
    assert_eq!(send(&env, "GET", &format!("/students/{sealed}"), &old, None).await.status, StatusCode::NOT_FOUND, "the school it left sees neither record nor history");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_and_history_sqlite() {
    lists_and_history_are_scoped(sqlite("lists")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_and_history_postgres() {
    let Some(env) = blocking(|| postgres("lists")) else { return };
    lists_and_history_are_scoped(env).await;
}

/// A page without its cells' column names (`data-label`, for the phone's cards).
fn unlabelled(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(at) = rest.find(" data-label=\"") {
        out.push_str(&rest[..at]);
        let after = &rest[at + " data-label=\"".len()..];
        rest = &after[after.find('"').map_or(after.len(), |e| e + 1)..];
    }
    out.push_str(rest);
    out
}

/// The `data-code`s of the rows of the table `id` in a page.
fn row_codes(body: &str, id: &str) -> Vec<String> {
    let Some(start) = body.find(&format!("id=\"{id}\"")) else { return vec![] };
    let table = &body[start..start + body[start..].find("</table>").unwrap()];
    table.split("<tr data-code=\"").skip(1).map(|r| r[..r.find('"').unwrap()].to_string()).collect()
}

/// The row of `code` in the table `id`, as its cells' texts (tags dropped).
fn row_cells(body: &str, id: &str, code: &str) -> Vec<String> {
    let start = body.find(&format!("id=\"{id}\"")).unwrap();
    let at = start + body[start..].find(&format!("<tr data-code=\"{code}\"")).unwrap();
    let row = &body[at..at + body[at..].find("</tr>").unwrap()];
    row.split("<td").skip(1).map(|c| {
        let mut out = String::new();
        let mut tag = true; // inside the opening <td …>
        for ch in c.chars() {
            match ch {
                '<' => tag = true,
                '>' => tag = false,
                _ if !tag => out.push(ch),
                _ => {}
            }
        }
        out.replace(',', "").trim().to_string()
    }).collect()
}

/// The overview's views of divisions: a city officer's overview lists its counties only, each
/// linked to its view and its school list; a county's view compares its schools with the
/// store's figures and the county with its city and the province; another county is 404 and
/// names nothing of it.
async fn overview_views(env: Env) {
    let p = env.places.clone();
    let name = |c: u32| standard::codes::DIVISIONS.get(c).unwrap().name.clone();
    let city = login(&env, "city", PASSWORD).await;
    let body = send(&env, "GET", "/overview", &city, None).await.body;
    let counties = row_codes(&body, "region-table");
    assert!(!counties.is_empty(), "the city officer's overview lists no counties");
    for c in &counties {
        let c: u32 = c.parse().unwrap();
        assert!(c / 100 == p.city / 100 && c % 100 != 0, "{c} is not a county of {}", p.city);
        assert!(body.contains(&format!("href=\"/overview/region/{c}\"")) && body.contains(&format!("href=\"/schools?region={c}\"")), "county {c} is not linked");
    }
    assert!(counties.contains(&p.county.to_string()));
    for code in [p.other_city, p.other_county] {
        let r = send(&env, "GET", &format!("/overview/region/{code}"), &city, None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "city officer, /overview/region/{code}");
        assert!(!r.body.contains(&name(code)), "the 404 of {code} names it");
    }
    // The county's view, from the city: each school with the store's students, teachers and classes.
    let r = send(&env, "GET", &format!("/overview/region/{}", p.county), &city, None).await;
    assert_eq!(r.status, StatusCode::OK);
    let want = with_store(&env, |s| s.school_figures(&Scope::Region { lo: p.county, hi: p.county }).unwrap());
    assert!(!want.is_empty());
    assert_eq!(row_codes(&r.body, "school-compare"), want.iter().map(|f| f.code.clone()).collect::<Vec<_>>());
    for f in &want {
        let cells = row_cells(&r.body, "school-compare", &f.code);
        assert_eq!(cells[0], f.name);
        assert_eq!((&cells[2], &cells[3], &cells[6]), (&f.students.to_string(), &f.teachers.to_string(), &f.classes.to_string()), "{}", f.code);
        assert!(r.body.contains(&format!("href=\"/schools/{}\"", f.code)));
    }
    assert!(r.body.contains(&format!("href=\"/overview/region/{}\"", p.city)), "the breadcrumb links the city for its officer");
    // The county officer lands on the county's view: schools compared, and the county against
    // its city and the province (three rows); the breadcrumb links nothing above the county.
    let county = login(&env, "county", PASSWORD).await;
    let body = send(&env, "GET", "/overview", &county, None).await.body;
    assert_eq!(row_codes(&body, "school-compare").len(), want.len());
    let compare = &body[body.find("id=\"compare-table\"").expect("comparison")..];
    let compare = &compare[..compare.find("</table>").unwrap()];
    assert_eq!(compare.matches("<tr><td>").count(), 3, "{compare}");
    assert!(compare.contains(&name(p.county)) && compare.contains(&name(p.city)));
    assert!(!body.contains(&format!("href=\"/overview/region/{}\"", p.city)) && !body.contains("href=\"/overview\">"));
    let r = send(&env, "GET", &format!("/overview/region/{}", p.other_county), &county, None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(!r.body.contains(&name(p.other_county)));
    compare_class_sizes_in_background(env).await;
}

/// The city's and province's class sizes above the page's counting threshold (set to 0 here, in
/// place of a province of more than a million students): "统计中" without holding the page, then
/// the sizes the store's classes give, counted once in the background.
async fn compare_class_sizes_in_background(env: Env) {
    let env = rebuild(env, |c| web::Config { class_scan_max: 0, ..c });
    let p = env.places.clone();
    let county = login(&env, "county", PASSWORD).await;
    let compare = |body: &str| -> Vec<Vec<String>> {
        let t = &body[body.find("id=\"compare-table\"").expect("comparison")..];
        let t = &t[t.find("<tbody>").unwrap() + 7..t.find("</tbody>").unwrap()];
        t.split("<tr>").skip(1).map(|r| r.split("<td").skip(1).map(|c| c[c.find('>').unwrap() + 1..c.find("</td>").unwrap()].to_string()).collect()).collect()
    };
    let first = compare(&send(&env, "GET", "/overview", &county, None).await.body);
    assert_eq!(first.len(), 3);
    assert!(first[0][2].parse::<f64>().is_ok(), "the county's own size is counted on the page: {first:?}");
    for row in &first[1..] {
        assert!(row[2].contains("统计中"), "counting in the background: {row:?}");
    }
    let expect = |scope: Scope| {
        with_store(&env, move |s| {
            let students = s.count_people(&scope, Entity::Student, &PersonQuery::default()).unwrap().n;
            let classes: u64 = s.school_figures(&scope).unwrap().iter().map(|f| f.classes).sum();
            format!("{:.1}", students as f64 / classes as f64)
        })
    };
    let (lo, hi) = store::region_range(store::sql::city_of(p.county));
    let want = vec![expect(Scope::Region { lo, hi }), expect(Scope::Region { lo: 510000, hi: 519999 })];
    let mut got = Vec::new();
    for _ in 0..200 {
        let rows = compare(&send(&env, "GET", "/overview", &county, None).await.body);
        got = rows[1..].iter().map(|r| r[2].clone()).collect::<Vec<_>>();
        if got.iter().all(|c| !c.contains("统计中")) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(got, want, "the city's and province's class sizes, once counted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overview_views_sqlite() {
    overview_views(sqlite("ovw")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overview_views_postgres() {
    let Some(env) = blocking(|| postgres("ovw")) else { return };
    overview_views(env).await;
}

/// An auditor at a county reads the duty, education-app and ledger registers of its county only
/// (its node of the tree, as the 等保 register): pages, API and exports; mobiles masked; no write
/// button, every write refused.
async fn county_auditor_reads_its_node(env: Env) {
    let r = blocking(|| refs(&env));
    let p = env.places.clone();
    let hash = web::auth::hash_password(PASSWORD);
    with_store(&env, |s| {
        let u = store::NewUser { name: "county_aud".into(), display_name: "区县审计员".into(), role: Role::Auditor, org_code: p.county as i64, password_hash: hash, must_change_password: false };
        s.create_user(&Scope::all(), &u).unwrap();
    });
    let a = login(&env, "county_aud", PASSWORD).await;
    let ok = |path: &str, body: &str| {
        assert!(body.contains(p.school.as_str()), "{path} shows the county's school: {body}");
        assert!(!body.contains(p.other_school.as_str()), "{path} shows a school outside the auditor's county");
    };
    for path in ["/api/v1/duty/contacts", "/export/duty_contacts?format=csv", "/export/duty_roster?format=csv", "/api/v1/ledger/software", "/export/software?format=csv", "/software", "/api/v1/apps/uses", "/export/apps_uses?format=csv", "/apps/uses", "/export/rectifications?format=csv", "/export/software_checks?format=csv", &format!("/duties/{}/units/{}", r.checklist, p.school)] {
        let x = send(&env, "GET", path, &a, None).await;
        assert_eq!(x.status, StatusCode::OK, "{path}: {}", x.body);
        // The roster is empty here; the uses page names schools (not codes).
        if !matches!(path, "/export/duty_roster?format=csv" | "/apps/uses") {
            ok(path, &x.body);
        }
        assert!(!x.body.contains("13800001111"), "{path} shows a full mobile");
    }
    // The duty page: contacts masked, no form, no edit, delete or reveal.
    let x = send(&env, "GET", &format!("/duty?unit={}", p.school), &a, None).await;
    assert_eq!(x.status, StatusCode::OK);
    assert!(x.body.contains("138****1111") && !x.body.contains("13800001111"), "{}", x.body);
    for w in ["contact-form", "shift-form", "/edit", "/delete", "/reveal", "channel-form"] {
        assert!(!x.body.contains(w), "the auditor's duty page shows {w}");
    }
    // Inside the county: its period, its school's use and items; outside: not found.
    for (path, want) in [
        (format!("/duty/periods/{}", r.own_period), StatusCode::OK),
        (format!("/duty/periods/{}", r.other_period), StatusCode::NOT_FOUND),
        (format!("/api/v1/duty/periods/{}/status", r.other_period), StatusCode::NOT_FOUND),
        (format!("/api/v1/duty/on-duty/{}", p.other_school), StatusCode::NOT_FOUND),
        (format!("/apps/uses/{}", r.own_use), StatusCode::OK),
        (format!("/apps/uses/{}", r.other_use), StatusCode::NOT_FOUND),
        (format!("/apps/{}", r.app_filing), StatusCode::OK),
        // An item's page is its form (the unit's page lists the items).
        (format!("/duties/items/{}", r.own_item), StatusCode::FORBIDDEN),
        (format!("/duties/{}/units/{}", r.checklist, p.other_school), StatusCode::NOT_FOUND),
        ("/software/checks".to_string(), StatusCode::OK),
        (format!("/software/{}/edit", r.own_software), StatusCode::FORBIDDEN),
        (format!("/duty/contacts/{}/edit", r.own_contact), StatusCode::FORBIDDEN),
    ] {
        let x = send(&env, "GET", &path, &a, None).await;
        assert_eq!(x.status, want, "{path}: {}", &x.body[..x.body.len().min(300)]);
    }
    let periods = send(&env, "GET", "/api/v1/duty/periods", &a, None).await.body;
    assert!(periods.contains(&format!("\"id\":{}", r.own_period)) && !periods.contains(&format!("\"id\":{}", r.other_period)), "{periods}");
    // The pages of its county's school show no write form nor edit link.
    let x = send(&env, "GET", &format!("/duties/{}/units/{}", r.checklist, p.school), &a, None).await;
    // (Its evidence file is read: `/duties/items/{id}/files/…`; the item's form is not linked.)
    assert!(!x.body.contains("<form method=\"post\" action=\"/duties") && !x.body.contains(&format!("/duties/items/{}\"", r.own_item)), "{}", x.body);
    assert!(x.body.contains(&format!("/duties/items/{}/files/{}", r.own_item, r.own_duty_file)), "the auditor sees the evidence file");
    let x = send(&env, "GET", "/software", &a, None).await;
    assert!(!x.body.contains("/software/new") && !x.body.contains("/edit\""), "{}", x.body);
    let x = send(&env, "GET", &format!("/apps/uses/{}", r.own_use), &a, None).await;
    assert!(!x.body.contains("<form method=\"post\" action=\"/apps"), "{}", x.body);
    let x = send(&env, "GET", &format!("/apps/{}", r.app_filing), &a, None).await;
    assert!(!x.body.contains("<form method=\"post\" action=\"/apps"), "{}", x.body);
    // Every write refused.
    let csrf = a.csrf.clone().unwrap_or_default();
    for (path, form) in [
        ("/duty/contacts".to_string(), format!("_csrf={csrf}&unit_code={}&name=x&post=y&mobile=13800009999", p.school)),
        (format!("/duty/contacts/{}/edit", r.own_contact), format!("_csrf={csrf}&name=x&post=y&mobile=13800009999")),
        (format!("/duty/contacts/{}/reveal", r.own_contact), format!("_csrf={csrf}")),
        (format!("/duty/periods/{}/reports", r.own_period), format!("_csrf={csrf}&unit_code={}&state=clear", p.school)),
        ("/software/new".to_string(), format!("_csrf={csrf}&unit_code={}&name=x", p.school)),
        (format!("/duties/items/{}", r.own_item), format!("_csrf={csrf}&status=done")),
        ("/apps/uses/new".to_string(), format!("_csrf={csrf}&filing_id={}&purpose=teaching&chosen_by=x", r.app_filing)),
    ] {
        let x = send(&env, "POST", &path, &a, Some(&form)).await;
        assert_eq!(x.status, StatusCode::FORBIDDEN, "{path}");
    }
    let (st, _) = api_json(&env, "PUT", &format!("/api/v1/duty/contacts/{}", r.own_contact), &a, &serde_json::json!({"name": "x", "post": "y"})).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let c = with_store(&env, |s| s.contact(&Scope::all(), r.own_contact).unwrap().unwrap());
    assert_eq!((c.new.name.as_str(), c.new.mobile.as_str()), ("值班人", "13800001111"));
}

/// The lists of the security registers that export as a whole (inspections, drills, the software
/// checks by unit, the important periods): a county officer gets its county's rows only, with the
/// figures the pages show; the province every county's; a county auditor its node's; each export
/// audited with its row count.
async fn security_list_exports(env: Env) {
    let r = blocking(|| refs(&env));
    let p = env.places.clone();
    let county = login(&env, "county", PASSWORD).await;
    let prov = login(&env, "prov", PASSWORD).await;
    let lines = |body: &str| body.trim_start_matches('\u{feff}').lines().map(str::to_string).collect::<Vec<_>>();
    let get = |a: &Auth, path: &str| {
        let (env, a, path) = (&env, a.clone(), path.to_string());
        async move {
            let x = send(env, "GET", &path, &a, None).await;
            assert_eq!(x.status, StatusCode::OK, "{path}: {}", &x.body[..x.body.len().min(300)]);
            x.body
        }
    };
    let (own, other) = (p.county.to_string(), p.other_county.to_string());
    // Inspections: the county's own (issued by it, assigned to its school), with its progress.
    let body = get(&county, "/export/inspections?format=csv").await;
    let l = lines(&body);
    assert!(l[0].starts_with("检查名称,下发单位代码,下发单位,依据"), "{}", l[0]);
    let row = l.iter().find(|x| x.starts_with(&format!("{own} 专项检查"))).unwrap_or_else(|| panic!("the county's inspection: {body}"));
    let cells: Vec<&str> = row.split(',').collect();
    assert_eq!((cells[1], cells[7], cells[8], cells[9]), (own.as_str(), "1", "1", "0"), "issuer, items, units assigned, submitted: {row}");
    assert!(!body.contains(&format!("{other} 专项检查")), "another county's inspection: {body}");
    let body = get(&prov, "/export/inspections?format=csv").await;
    assert!(body.contains(&format!("{own} 专项检查")) && body.contains(&format!("{other} 专项检查")), "{body}");
    // Drills: participants with their team, findings with severity and unit.
    let body = get(&county, "/export/drills?format=csv").await;
    let l = lines(&body);
    assert!(l[0].starts_with("名称,类型,组织单位代码,组织单位"), "{}", l[0]);
    let rows: Vec<&String> = l.iter().filter(|x| x.starts_with(&format!("{own} 攻防演练"))).collect();
    assert_eq!(rows.len(), 2, "the county's two drills: {body}");
    assert!(rows.iter().all(|x| x.contains(",攻防演练,") && x.contains("：蓝队（防守方）") && x.contains(&format!("{own} 弱口令（高，"))), "{body}");
    assert!(!body.contains(&format!("{other} 攻防演练")) && !body.contains(&format!("{other} 弱口令")), "{body}");
    // Software checks by unit: the school's latest check, its problems, next due and count.
    let body = get(&county, "/export/software_checks?format=csv").await;
    let l = lines(&body);
    assert!(l[0].starts_with("单位代码,单位,所属地区代码,最近检查日期"), "{}", l[0]);
    let row = l.iter().find(|x| x.starts_with(&format!("{},", p.school))).unwrap_or_else(|| panic!("the school's row: {body}"));
    assert!(row.contains("发现问题") && row.contains(&format!("{} 超装 2 套", p.school)) && row.contains("按期") && row.ends_with(",1"), "{row}");
    assert!(!body.contains(p.other_school.as_str()), "{body}");
    let body = get(&prov, "/export/software_checks?format=csv").await;
    assert!(body.contains(p.school.as_str()) && body.contains(p.other_school.as_str()), "{body}");
    let body = get(&prov, &format!("/export/software_checks?format=csv&region={}", p.other_county)).await;
    assert!(!body.contains(p.school.as_str()) && body.contains(p.other_school.as_str()), "the region filter: {body}");
    // The county's bureau, checked a year ago, is overdue; the schools checked today are not.
    with_store(&env, |s| {
        let today = standard::Date::today().days_since_epoch();
        let check = store::ledger::NewCheck { unit_code: p.county.into(), checked_on: standard::Date::from_days_since_epoch(today - 365), checker: "检查员".into(), compliant: true, problems: String::new() };
        s.add_check(&Scope::all(), &check, standard::Date::from_days_since_epoch(today - 183), "prov", 0).unwrap();
    });
    let body = get(&prov, "/export/software_checks?format=csv&overdue=1").await;
    let row = lines(&body).into_iter().find(|x| x.starts_with(&format!("{own},"))).unwrap_or_else(|| panic!("the overdue bureau: {body}"));
    assert!(row.contains(",合规,") && row.contains(",逾期,"), "{row}");
    assert!(!body.contains(p.school.as_str()) && !body.contains(p.other_school.as_str()), "units checked today are not overdue: {body}");
    assert_eq!(send(&env, "GET", "/export/software_checks?format=csv&region=51", &prov, None).await.status, StatusCode::BAD_REQUEST, "a bad region is refused");
    // Important periods: the county's period under way today, with today's reports.
    let body = get(&county, "/export/duty_periods?format=csv").await;
    let l = lines(&body);
    assert!(l[0].starts_with("名称,保障范围代码,保障范围,开始日期"), "{}", l[0]);
    let row = l.iter().find(|x| x.starts_with(&format!("{own} 保障期,{own},"))).unwrap_or_else(|| panic!("the county's period: {body}"));
    assert!(row.contains(",是,") && row.contains("进行中") && row.contains("16:00"), "{row}");
    assert!(!body.contains(&format!("{other} 保障期")), "{body}");
    assert!(get(&prov, "/export/duty_periods?format=csv").await.contains(&format!("{other} 保障期")));
    // Overdue re-reviews of apps: each county's approved use, its re-review due ten days ago.
    with_store(&env, |s| {
        use store::apps::{UseChange, UseState};
        let today = standard::Date::today().days_since_epoch();
        let day = |n: i64| Some(standard::Date::from_days_since_epoch(today + n));
        for id in [r.own_use, r.other_use] {
            s.set_use_state(&Scope::all(), id, UseState::Proposed, UseState::SchoolApproved, &UseChange { school_reviewed_on: day(-380), ..Default::default() }, 0).unwrap();
            s.set_use_state(&Scope::all(), id, UseState::SchoolApproved, UseState::CountyApproved, &UseChange { county_approved_on: day(-375), review_due: day(-10), ..Default::default() }, 0).unwrap();
        }
    });
    let body = get(&county, "/export/apps_overdue?format=csv").await;
    let l = lines(&body);
    assert!(l[0].starts_with("学校标识码,学校,应用,备案号") && l[0].ends_with(",逾期天数"), "{}", l[0]);
    assert_eq!(l.len(), 2, "the county's one overdue use: {body}");
    assert!(l[1].starts_with(&format!("{},", p.school)) && l[1].ends_with(",10"), "{}", l[1]);
    let body = get(&prov, "/export/apps_overdue?format=csv").await;
    assert!(body.contains(p.school.as_str()) && body.contains(p.other_school.as_str()), "{body}");
    let body = get(&prov, &format!("/export/apps_overdue?format=csv&region={}", p.other_county)).await;
    assert!(!body.contains(p.school.as_str()) && body.contains(p.other_school.as_str()), "the region filter: {body}");
    // The block list: every block, the lifted one with its day; read by every area as the filings.
    with_store(&env, |s| {
        let b = |name: &str, reason: &str| store::apps::NewBlock { app_name: name.into(), credit_code: "91110000100000000A".into(), reason: reason.into(), blocked_on: Some(standard::Date::today()), ..Default::default() };
        s.block(&Scope::all(), &b("刷题神器", "超范围收集学生个人信息"), "prov", 0).unwrap();
        let lifted = s.block(&Scope::all(), &b("换壳应用", "冒用备案"), "prov", 0).unwrap();
        s.unblock(&Scope::all(), lifted.id, standard::Date::today(), "prov").unwrap();
    });
    let body = get(&county, "/export/app_blocks?format=csv").await;
    let l = lines(&body);
    assert_eq!(l[0], "备案号,应用名称,提供者统一社会信用代码,禁用原因,禁用日期,禁用人,状态,解除日期,解除人");
    assert!(l.iter().any(|x| x.contains(",刷题神器,") && x.contains(",超范围收集学生个人信息,") && x.contains(",禁用中,")), "{body}");
    assert!(l.iter().any(|x| x.contains(",换壳应用,") && x.contains(",已解除,") && x.ends_with(",prov")), "{body}");
    // The 等保 overdue page's export: the register's overdue systems of the region shown.
    let page = get(&prov, &format!("/mlps/overdue?region={}", p.county)).await;
    let link = page.split("id=\"export-mlps-csv\" href=\"").nth(1).and_then(|x| x.split('"').next()).unwrap_or_default().replace("&#38;", "&amp;");
    assert!(link == format!("/export/mlps?format=csv&amp;state=overdue&amp;region={}", p.county), "the overdue page's export link: {link}");
    // XLSX as well, and every export audited with its rows.
    let x = send(&env, "GET", "/export/drills?format=xlsx", &county, None).await;
    assert_eq!((x.status, &x.bytes[..2]), (StatusCode::OK, &b"PK"[..]));
    let entries = with_store(&env, |s| s.audit_entries(&store::AuditFilter { actor: Some("county".into()), action: Some("export".into()), limit: 100, ..Default::default() }).unwrap());
    for list in ["inspections", "drills", "software_checks", "duty_periods", "apps_overdue", "app_blocks"] {
        assert!(entries.iter().any(|e| e.target == list && e.detail.contains("\"rows\"")), "the {list} export audited with its rows: {entries:?}");
    }
    // A role that does not read the register: refused as its page is.
    let api = Auth { bearer: Some(env.token.clone()), ..Default::default() };
    for list in ["inspections", "drills", "software_checks", "duty_periods", "apps_overdue", "app_blocks"] {
        assert_eq!(send(&env, "GET", &format!("/export/{list}?format=csv"), &api, None).await.status, StatusCode::FORBIDDEN, "{list}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn security_list_exports_sqlite() {
    security_list_exports(sqlite("sec-exports")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn security_list_exports_postgres() {
    let Some(env) = blocking(|| postgres("sec-exports")) else {
        eprintln!("TIANFU_TEST_DATABASE_URL not set: skipping");
        return;
    };
    security_list_exports(env).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn county_auditor_reads_its_node_sqlite() {
    county_auditor_reads_its_node(sqlite("auditor-node")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn county_auditor_reads_its_node_postgres() {
    let Some(env) = blocking(|| postgres("auditor-node")) else {
        eprintln!("TIANFU_TEST_DATABASE_URL not set: skipping");
        return;
    };
    county_auditor_reads_its_node(env).await;
}

/// The indicator screens read the per-school facts kept by the imports: a county officer's table
/// is its county's schools, its totals equal the facts and the county × grade counts, and the
/// province's rows are cities whose students add up to the province's.
async fn insight_tables_follow_the_facts(env: Env) {
    let p = env.places.clone();
    let county = Scope::Region { lo: p.county, hi: p.county };
    let facts = with_store(&env, |s| s.school_facts(&county).unwrap());
    let students: u64 = with_store(&env, |s| s.grade_counts(&county).unwrap().iter().map(|g| g.students).sum());
    assert!(!facts.is_empty() && students > 0);
    assert_eq!(facts.iter().map(|f| f.students).sum::<u64>(), students, "the facts count every student of the county");
    let a = login(&env, "county", PASSWORD).await;
    let v: serde_json::Value = serde_json::from_str(&send(&env, "GET", "/api/v1/insight/classes", &a, None).await.body).unwrap();
    assert_eq!(v["level"], "county");
    let codes: Vec<&str> = v["rows"].as_array().unwrap().iter().map(|r| r["code"].as_str().unwrap()).collect();
    assert_eq!(codes, facts.iter().map(|f| f.school.as_str()).collect::<Vec<_>>());
    assert_eq!(v["total"]["values"][0].as_f64().unwrap() as u64, students);
    assert_eq!(v["total"]["values"][1].as_f64().unwrap() as u64, facts.iter().map(|f| f.classes).sum::<u64>());
    let prov = login(&env, "prov", PASSWORD).await;
    let v: serde_json::Value = serde_json::from_str(&send(&env, "GET", "/api/v1/insight/students", &prov, None).await.body).unwrap();
    assert_eq!(v["level"], "province");
    let all: u64 = with_store(&env, |s| s.grade_counts(&Scope::Region { lo: 510000, hi: 519999 }).unwrap().iter().map(|g| g.students).sum());
    let rows = v["rows"].as_array().unwrap();
    assert!(rows.iter().all(|r| r["code"].as_str().unwrap().ends_with("00")), "the province's rows are cities");
    assert_eq!(rows.iter().map(|r| r["values"][0].as_f64().unwrap() as u64).sum::<u64>(), all);
    assert_eq!(v["total"]["values"][0].as_f64().unwrap() as u64, all);
}

/// Year-on-year: a previous school year's aggregate kept for one county (5,000 students, 300
/// teachers of whom 120 are 专任) appears beside this year's figures — in that county's total,
/// in its city's row and in the province's total — and nowhere else; the page names both years.
async fn insight_shows_last_year_beside_this_year(env: Env) {
    let p = env.places.clone();
    let year = store::facts::school_year_of(standard::Date::today());
    let mut last = store::facts::CountyFacts { school_year: year - 1, county: p.county, schools: 9, oversized: 1, ..Default::default() };
    last.facts.students = 5_000;
    last.facts.teachers = 300;
    last.facts.full_time = 120;
    last.facts.full_time_stated = true;
    with_store(&env, |s| s.keep_county_facts(&Scope::Region { lo: 510000, hi: 519999 }, &[last.clone()]).unwrap());
    let a = login(&env, "county", PASSWORD).await;
    let v: serde_json::Value = serde_json::from_str(&send(&env, "GET", "/api/v1/insight/teachers", &a, None).await.body).unwrap();
    assert_eq!((v["school_year"].as_u64(), v["previous_year"].as_u64()), (Some(year as u64), Some(year as u64 - 1)));
    // Columns: teachers, full-time, …; last year's 300 and 120 beside this year's.
    assert_eq!(v["total"]["previous"][0].as_f64(), Some(300.0));
    assert_eq!(v["total"]["previous"][1].as_f64(), Some(120.0));
    // No birth buckets were kept for last year: its retirements are unknown, not 0.
    assert!(v["total"]["previous"][10].is_null());
    assert!(v["rows"].as_array().unwrap().iter().all(|r| r.get("previous").is_none()), "a school row has no previous year");
    let prov = login(&env, "prov", PASSWORD).await;
    let v: serde_json::Value = serde_json::from_str(&send(&env, "GET", "/api/v1/insight/classes", &prov, None).await.body).unwrap();
    assert_eq!(v["total"]["previous"][0].as_f64(), Some(5_000.0));
    // Column 6: schools over the size limit.
    assert_eq!(v["total"]["previous"][6].as_f64(), Some(1.0));
    for r in v["rows"].as_array().unwrap() {
        let mine = r["code"].as_str().unwrap() == p.city.to_string();
        assert_eq!(r.get("previous").is_some(), mine, "row {}", r["code"]);
    }
    let page = send(&env, "GET", "/insight/classes", &prov, None).await.body;
    assert!(page.contains(&format!("{}–{} 学年", year, year + 1)) && page.contains(&format!("（{}–{}）", year - 1, year)), "the page names both school years");
    assert!(page.contains("上学年 5,000") || page.contains("上学年 5000"), "last year's students beside this year's");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn insight_shows_last_year_beside_this_year_sqlite() {
    insight_shows_last_year_beside_this_year(sqlite("insight-yoy")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn insight_shows_last_year_beside_this_year_postgres() {
    let Some(env) = blocking(|| postgres("insight-yoy")) else { return };
    insight_shows_last_year_beside_this_year(env).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn insight_tables_follow_the_facts_sqlite() {
    insight_tables_follow_the_facts(sqlite("insight")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn insight_tables_follow_the_facts_postgres() {
    let Some(env) = blocking(|| postgres("insight")) else { return };
    insight_tables_follow_the_facts(env).await;
}

/// 县域优质均衡 through the store, the page, the API and the export, with hand-computed values:
/// 峨边彝族自治县 (511132, not in the demo) gets four primary schools — A (40 pupils) meets all
/// seven; B (10 pupils) meets four and fails; C is a teaching point (judged, passes, not in the
/// CV); D has no 办学条件 row (unknown, not public). The county's CV is weighted by enrolment
/// over A and B (weights 40 and 10), which differs from the unweighted one.
async fn balance_golden_county(env: Env) {
    use store::suite::{import, school, student, teacher};
    const CNTY: u32 = 511132;
    let (a, b, c, d) = ("2151132001", "2151132002", "2151132003", "2151132004");
    let year = with_store(&env, |s| {
        let county = Scope::Region { lo: CNTY, hi: CNTY };
        assert!(s.school_facts(&county).unwrap().is_empty(), "the demo has no school in 511132");
        let year = s.conditions_years(&Scope::all()).unwrap().remove(0);
        let set = |e: Entity, mut v: Vec<String>, kv: &[(&str, &str)]| {
            for (k, x) in kv {
                v[e.template().index(k).unwrap()] = x.to_string();
            }
            v
        };
        import(s, Entity::School, "g-schools", &[school(a, "511132", "甲小学"), school(b, "511132", "乙小学"), school(c, "511132", "丙教学点"), school(d, "511132", "丁小学")]);
        // Pupils (all grade 1): A 40 of them 4 migrant, B 10 of them 2 migrant, C 3, D 2 of them 1 migrant.
        let mut rows = Vec::new();
        let mut seq = 900u32;
        for (sch, n, migrant) in [(a, 40, 4), (b, 10, 2), (c, 3, 0), (d, 2, 1)] {
            for i in 0..n {
                let m = if i < migrant { "1" } else { "0" };
                rows.push(set(Entity::Student, student(seq - 900 + 100, sch, "11", "学生", "13800000000"), &[("migrant_child", m)]));
                seq += 1;
            }
        }
        import(s, Entity::Student, "g-students", &rows);
        // Teachers: A two 大专 (both backbone of county/city level, one PE); B one 本科 county
        // backbone PE teacher; C one 大专 county backbone PE teacher.
        let te = Entity::Teacher;
        let teachers = vec![
            set(te, teacher(901, a), &[("education", "大专"), ("backbone", "2"), ("subject", "体育"), ("full_time", "1")]),
            set(te, teacher(902, a), &[("education", "大专"), ("backbone", "3"), ("subject", "数学"), ("full_time", "1")]),
            set(te, teacher(903, b), &[("education", "本科"), ("backbone", "2"), ("subject", "体育"), ("full_time", "1")]),
            set(te, teacher(904, c), &[("education", "大专"), ("backbone", "2"), ("subject", "音乐"), ("full_time", "1")]),
        ];
        import(s, te, "g-teachers", &teachers);
        let row = |code: &str, teaching: &str, ground: &str, hall: &str, equipment: &str, rooms: &str, point: &str| -> Vec<String> {
            [code, year.as_str(), "99999", teaching, ground, hall, equipment, rooms, "", "", "1", point].iter().map(|x| x.to_string()).collect()
        };
        import(
            s,
            Entity::Conditions,
            "g-cond",
            &[
                // A: 200/40 = 5.0 m², (300 + 60)/40 = 9.0 m², 90000/40 = 2250 yuan, 1/40 = 2.5 rooms per 100.
                row(a, "200", "300", "60", "90000", "1", "0"),
                // B: 3.0, 6.0, 1500 (all below 85 %), 10 rooms per 100.
                row(b, "30", "60", "", "15000", "1", "0"),
                row(c, "15", "90", "", "9000", "1", "1"),
            ],
        );
        year
    });
    let prov = login(&env, "prov", PASSWORD).await;
    let v: serde_json::Value = serde_json::from_str(&send(&env, "GET", &format!("/api/v1/insight/balance?region={CNTY}"), &prov, None).await.body).unwrap();
    assert_eq!((v["level"].as_str(), v["year"].as_str()), (Some("county"), Some(year.as_str())));
    let county = &v["counties"][0];
    assert_eq!((county["code"].as_str(), county["status"].as_str(), v["counties"].as_array().unwrap().len()), (Some("511132"), Some("red"), 1));
    assert!(county["junior"].is_null());
    let p = &county["primary"];
    assert_eq!((p["judged"].as_u64(), p["passing"].as_u64(), p["unknown"].as_u64(), p["cv_schools"].as_u64()), (Some(3), Some(2), Some(1), Some(2)));
    let f = |x: &serde_json::Value| x.as_array().unwrap().iter().map(|y| y.as_f64().unwrap()).collect::<Vec<_>>();
    let close = |a: &[f64], b: &[f64]| a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-9);
    // Weighted (P = 50, A 0.8, B 0.2): degree and backbone 5 vs 10 → X̄ 6, S 2, 1/3; PE and rooms
    // 2.5 vs 10 → X̄ 4, S 3, 0.75; teaching 5 vs 3 → 4.6, 0.8, 0.8/4.6; sports 9 vs 6 → 8.4,
    // 1.2, 1/7; equipment 2250 vs 1500 → 2100, 300, 1/7.
    let weighted = [1.0 / 3.0, 1.0 / 3.0, 0.75, 0.8 / 4.6, 1.0 / 7.0, 1.0 / 7.0, 0.75];
    assert!(close(&f(&p["cv"]), &weighted), "{}", p["cv"]);
    // Unweighted over the same two schools: |a − b| / (a + b).
    let unweighted = [1.0 / 3.0, 1.0 / 3.0, 0.6, 0.25, 0.2, 0.2, 0.6];
    assert!(close(&f(&p["unweighted_cv"]), &unweighted), "{}", p["unweighted_cv"]);
    assert_eq!(p["cv_met"], serde_json::json!([true, true, false, true, true, true, false]));
    assert_eq!((p["all_cv_met"].as_bool(), p["limit"].as_f64()), (Some(false), Some(0.5)));
    let schools = v["schools"].as_array().unwrap();
    assert_eq!(schools.iter().map(|s| s["code"].as_str().unwrap()).collect::<Vec<_>>(), vec![a, b, c, d]);
    let sa = &schools[0]["primary"];
    assert!(close(&f(&sa["values"]), &[5.0, 5.0, 2.5, 5.0, 9.0, 2250.0, 2.5]), "{sa}");
    assert_eq!((sa["met"].as_u64(), sa["passes"].as_bool()), (Some(7), Some(true)));
    let sb = &schools[1]["primary"];
    assert!(close(&f(&sb["values"]), &[10.0, 10.0, 10.0, 3.0, 6.0, 1500.0, 10.0]), "{sb}");
    assert_eq!((sb["met"].as_u64(), sb["passes"].as_bool()), (Some(4), Some(false)));
    assert_eq!(sb["status"], serde_json::json!(["green", "green", "green", "red", "red", "red", "green"]));
    assert_eq!((schools[2]["teaching_point"].as_bool(), schools[2]["primary"]["passes"].as_bool()), (Some(true), Some(true)));
    assert_eq!((schools[3]["has_conditions"].as_bool(), schools[3]["county_public"].as_bool(), schools[3]["primary"]["passes"].is_null()), (Some(false), Some(false), true));
    // The page: the matrix (every school, the teaching point marked), B's values and verdict,
    // the weighted CV beside the unweighted one, and what to fix.
    let page = send(&env, "GET", &format!("/insight/balance?region={CNTY}"), &prov, None).await;
    assert_eq!(page.status, StatusCode::OK);
    let body = unlabelled(&page.body);
    assert_eq!(row_codes(&body, "balance-matrix-primary"), vec![a, b, c, d]);
    let cells = row_cells(&body, "balance-matrix-primary", b);
    assert_eq!(cells, vec!["乙小学", "10.00 达标", "10.00 达标", "10.00 达标", "3.00 未达标", "6.00 未达标", "1500 未达标", "10.00 达标", "4/7", "未达标 未达标"]);
    assert!(body.contains("丙教学点</a> <span class=\"tag muted\">教学点，不计入差异系数"), "the teaching point is marked");
    let matrix = &body[body.find("id=\"balance-matrix-primary\"").unwrap()..];
    let cv_row = &matrix[matrix.find("data-row=\"cv\"").unwrap()..];
    let cv_row = &cv_row[..cv_row.find("</tr>").unwrap()];
    for x in ["0.333", "0.750", "0.174", "0.143"] {
        assert!(cv_row.contains(x), "{x} in {cv_row}");
    }
    let un = &matrix[matrix.find("data-row=\"unweighted\"").unwrap()..];
    let un = &un[..un.find("</tr>").unwrap()];
    assert!(un.contains("不加权") && un.contains("0.250") && un.contains("0.600"), "{un}");
    assert_eq!(row_codes(&body, "balance-fix"), vec![b]);
    assert!(body.contains("生均教学及辅助用房（㎡） 3.00（标准 4.5）；生均体育运动场馆（㎡） 6.00（标准 7.5）；生均教学仪器设备值（元） 1500（标准 2000）"), "what to fix names B's indicators");
    // The province: the county under its city.
    let body = unlabelled(&send(&env, "GET", "/insight/balance", &prov, None).await.body);
    assert!(row_codes(&body, "balance-counties").contains(&"511132".to_string()) && body.contains("data-city=\"511100\""));
    // The province and the city read the figures kept per county at import
    // (`county_balance`): the same as the county computes from its schools, and no school rows.
    for region in ["", "?region=511100"] {
        let w: serde_json::Value = serde_json::from_str(&send(&env, "GET", &format!("/api/v1/insight/balance{region}"), &prov, None).await.body).unwrap();
        let kept = w["counties"].as_array().unwrap().iter().find(|c| c["code"] == "511132").unwrap();
        assert_eq!(kept, county, "{region}");
        assert_eq!((w["year"].as_str(), w["schools"].as_array().unwrap().len()), (Some(year.as_str()), 0), "{region}");
    }
    // The export: B's row and the county's two CV rows.
    let csv = send(&env, "GET", &format!("/export/insight_balance?format=csv&region={CNTY}"), &prov, None).await.body;
    let lines: Vec<&str> = csv.lines().map(|l| l.trim_start_matches('\u{feff}')).collect();
    assert!(lines.contains(&format!("{b},乙小学,小学,,10.00,10.00,10.00,3.00,6.00,1500,10.00,4,未达标").as_str()), "{csv}");
    assert!(lines.contains(&"511132,峨边彝族自治县,小学,加权差异系数,0.333,0.333,0.750,0.174,0.143,0.143,0.750,,否"), "{csv}");
    assert!(lines.contains(&"511132,峨边彝族自治县,小学,不加权差异系数（仅供比较）,0.333,0.333,0.600,0.250,0.200,0.200,0.600,,"), "{csv}");
    // The students screen: 6 of the 7 migrant children are in county-run public schools (A, B);
    // D's one has no 办学条件 row, so it does not count as public.
    let v: serde_json::Value = serde_json::from_str(&send(&env, "GET", &format!("/api/v1/insight/students?region={CNTY}"), &prov, None).await.body).unwrap();
    let col = |k: &str| v["columns"].as_array().unwrap().iter().position(|c| c["key"] == k).unwrap();
    let (m, mp, ms) = (col("migrant"), col("migrant_public"), col("migrant_public_share"));
    let t = &v["total"];
    assert_eq!((t["values"][m].as_f64(), t["values"][mp].as_f64()), (Some(7.0), Some(6.0)));
    assert!((t["values"][ms].as_f64().unwrap() - 6.0 / 7.0).abs() < 1e-9 && t["status"][ms] == "green", "{t}");
    let rd = v["rows"].as_array().unwrap().iter().find(|r| r["code"] == d).unwrap();
    assert_eq!((rd["values"][ms].as_f64(), rd["status"][ms].as_str()), (Some(0.0), Some("red")));
    // The city's row of the county reads the kept count: the same 6 of 7.
    let v: serde_json::Value = serde_json::from_str(&send(&env, "GET", "/api/v1/insight/students?region=511100", &prov, None).await.body).unwrap();
    let rc = v["rows"].as_array().unwrap().iter().find(|r| r["code"] == "511132").unwrap();
    assert_eq!((rc["values"][m].as_f64(), rc["values"][mp].as_f64()), (Some(7.0), Some(6.0)), "{rc}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn balance_golden_county_sqlite() {
    balance_golden_county(sqlite("balance")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn balance_golden_county_postgres() {
    let Some(env) = blocking(|| postgres("balance")) else { return };
    balance_golden_county(env).await;
}

/// The demo province's balance figures are believable: every county with schools has primary
/// figures, most schools are judged, and the weighted CVs lie in (0, 1).
async fn balance_demo_is_believable(env: Env) {
    let prov = login(&env, "prov", PASSWORD).await;
    let v: serde_json::Value = serde_json::from_str(&send(&env, "GET", "/api/v1/insight/balance", &prov, None).await.body).unwrap();
    assert_eq!(v["level"], "province");
    let counties = v["counties"].as_array().unwrap();
    assert!(counties.len() >= 5, "{}", counties.len());
    let (mut judged, mut passing, mut unknown, mut cvs) = (0, 0, 0, Vec::new());
    for c in counties {
        for st in ["primary", "junior"] {
            let p = &c[st];
            if p.is_null() {
                continue;
            }
            judged += p["judged"].as_u64().unwrap();
            passing += p["passing"].as_u64().unwrap();
            unknown += p["unknown"].as_u64().unwrap();
            cvs.extend(p["cv"].as_array().unwrap().iter().filter_map(|x| x.as_f64()));
        }
    }
    println!("demo balance: {} counties, {judged} school-stages judged, {passing} passing, {unknown} unknown, CVs {} in [{:.3}, {:.3}]", counties.len(), cvs.len(), cvs.iter().cloned().fold(f64::MAX, f64::min), cvs.iter().cloned().fold(0.0, f64::max));
    assert!(judged > 0 && passing > 0 && passing < judged, "some schools pass, some fail");
    assert!(unknown * 10 < judged, "the demo writes 办学条件 for (nearly) every school");
    assert!(!cvs.is_empty() && cvs.iter().all(|&x| x >= 0.0 && x < 1.5), "{cvs:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn balance_demo_is_believable_sqlite() {
    balance_demo_is_believable(sqlite("balance-demo")).await;
}
