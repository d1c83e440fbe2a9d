//! 教育移动应用备案 — the rules of the education-app register: reading and checking a provider
//! filing (form, API, import row) by `standard::apps`, the review of a school's use of an app
//! as a [`store::flow`] machine (凡进必审: the school, then the county), the block list refusing
//! a blocked app at the proposal and at every approving step with the block's reason, and the
//! annual re-review (due one year after the county's latest approval).

use crate::mlps::{add_months, Problem};
use standard::apps::{self as std_apps, AppRule};
use standard::Date;
use store::apps::{AppUse, Apps, FilingStatus, NewFiling, NewUse, UseChange, UseState};
use store::flow::{refuse, Actor, Area, Machine, Sides, Transition};
use store::{AuditLog, Place, Role, Scope, StoreError};

/// A filing as typed: every field as text (lists separated by 、 or commas).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilingInput {
    pub filing_no: String,
    pub provider: String,
    pub credit_code: String,
    pub app_name: String,
    pub version: String,
    pub platforms: String,
    pub icp_no: String,
    pub mlps_no: String,
    pub permissions: String,
    pub personal_data: String,
    pub minors: String,
    pub filed_on: String,
    pub status: String,
}

fn rule(field: &'static str, r: AppRule) -> Problem {
    Problem { field, zh: format!("{}。", r.zh()), en: format!("{}.", capital(r.en())) }
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
}

fn yes(v: &str) -> Option<bool> {
    match v.trim() {
        "" | "否" | "0" | "no" | "false" | "N" | "n" => Some(false),
        "是" | "1" | "yes" | "true" | "Y" | "y" | "on" => Some(true),
        _ => None,
    }
}

/// Reads a filing; every problem at once.
pub fn parse_filing(i: &FilingInput, today: Date) -> Result<NewFiling, Vec<Problem>> {
    let mut out = Vec::new();
    let mut take = |field: &'static str, r: Result<String, AppRule>| r.unwrap_or_else(|e| {
        out.push(rule(field, e));
        String::new()
    });
    let filing_no = take("filing_no", std_apps::parse_filing_no(&i.filing_no));
    let credit_code = take("credit_code", std_apps::parse_credit_code(&i.credit_code));
    let icp_no = take("icp_no", std_apps::parse_icp(&i.icp_no));
    let mlps_no = take("mlps_no", std_apps::parse_mlps_filing(&i.mlps_no));
    let mut req = |field: &'static str, v: &str, r: AppRule| {
        let v = v.trim();
        if v.is_empty() {
            out.push(rule(field, r));
        } else if v.chars().count() > 200 || v.chars().any(char::is_control) {
            out.push(Problem { field, zh: "内容过长或含有控制字符（最多 200 字）。".into(), en: "Too long or holds control characters (200 at most).".into() });
        }
        v.to_string()
    };
    let provider = req("provider", &i.provider, AppRule::ProviderMissing);
    let app_name = req("app_name", &i.app_name, AppRule::AppNameMissing);
    let version = req("version", &i.version, AppRule::VersionMissing);
    let mut list = |field: &'static str, l: &[(&'static str, &'static str, &'static str)], v: &str, bad: AppRule| match std_apps::parse_list(l, v, bad) {
        Ok(v) => v.into_iter().map(str::to_string).collect::<Vec<_>>(),
        Err(e) => {
            out.push(rule(field, e));
            Vec::new()
        }
    };
    let platforms = list("platforms", std_apps::PLATFORMS, &i.platforms, AppRule::PlatformUnknown);
    let permissions = list("permissions", std_apps::PERMISSIONS, &i.permissions, AppRule::PermissionUnknown);
    let personal_data = list("personal_data", std_apps::PERSONAL_DATA, &i.personal_data, AppRule::PersonalDataUnknown);
    if platforms.is_empty() && !out.iter().any(|p| p.field == "platforms") {
        out.push(rule("platforms", AppRule::PlatformMissing));
    }
    let minors = yes(&i.minors).unwrap_or_else(|| {
        out.push(Problem { field: "minors", zh: "“是否面向未成年人”应填 是 或 否。".into(), en: "“For minors” must be yes or no.".into() });
        false
    });
    let filed_on = match i.filed_on.trim() {
        "" => None,
        v => match Date::parse_lenient(v).map(|(d, _)| d) {
            Some(d) if d <= today => Some(d),
            _ => {
                out.push(rule("filed_on", AppRule::FiledOnFormat));
                None
            }
        },
    };
    let status = match i.status.trim() {
        "" => FilingStatus::Valid,
        v => FilingStatus::parse(v).unwrap_or_else(|| {
            out.push(rule("status", AppRule::StatusUnknown));
            FilingStatus::Valid
        }),
    };
    if !out.is_empty() {
        return Err(out);
    }
    Ok(NewFiling { filing_no, provider, credit_code, app_name, version, platforms, icp_no, mlps_no, permissions, personal_data, minors, filed_on, status })
}

/// The columns of the filings import (and its template), by key, with their Chinese headers.
pub const COLUMNS: &[(&str, &str, bool)] = &[
    ("filing_no", "备案号", true),
    ("provider", "提供者", true),
    ("credit_code", "统一社会信用代码", true),
    ("app_name", "应用名称", true),
    ("version", "版本", true),
    ("platforms", "平台", true),
    ("icp_no", "ICP备案号", false),
    ("mlps_no", "等保备案号", false),
    ("permissions", "权限", false),
    ("personal_data", "收集的个人信息", false),
    ("minors", "面向未成年人", false),
    ("filed_on", "备案日期", false),
    ("status", "状态", false),
];

/// A problem as an import reason: "中文（English）", as the base data import words its reasons
/// (pages show one language, `web::error::bilingual`).
fn reason(p: &Problem) -> String {
    format!("{}（{}）", p.zh.trim_end_matches('。'), p.en.trim_end_matches('.'))
}

/// A row of an import file that was not stored, with its line and reasons ("中文（English）").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedFiling {
    pub line: u64,
    pub raw: Vec<String>,
    pub reasons: Vec<String>,
}

/// The rows of an import file, read and checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilingRows {
    pub valid: Vec<(u64, NewFiling)>,
    pub rejected: Vec<RejectedFiling>,
}

fn column_of(h: &str) -> Option<&'static str> {
    let h = h.split(['(', '（']).next().unwrap_or("").trim().trim_end_matches(['*', '＊']).trim();
    COLUMNS.iter().find(|(k, zh, _)| *k == h || *zh == h).map(|c| c.0)
}

/// Reads the records of a CSV or XLSX file (`(line, cells)`, the header first; blank rows
/// skipped) through the same checks as the form. A filing number repeated in the file is
/// rejected after its first row.
pub fn parse_filing_records(recs: Vec<(u64, Vec<String>)>, today: Date) -> Result<FilingRows, String> {
    let mut recs = recs.into_iter().filter(|(_, r)| r.iter().any(|c| !c.trim().is_empty()));
    let Some((_, header)) = recs.next() else { return Err("文件是空的（the file is empty）".into()) };
    let cols: Vec<Option<&str>> = header.iter().map(|h| column_of(h)).collect();
    for (key, zh, required) in COLUMNS {
        if *required && !cols.contains(&Some(key)) {
            return Err(format!("缺少列“{zh}”（missing column {key}）"));
        }
    }
    let mut out = FilingRows::default();
    let mut seen = std::collections::HashMap::new();
    for (line, raw) in recs {
        let get = |k: &str| cols.iter().position(|c| *c == Some(k)).and_then(|i| raw.get(i)).cloned().unwrap_or_default();
        let input = FilingInput {
            filing_no: get("filing_no"),
            provider: get("provider"),
            credit_code: get("credit_code"),
            app_name: get("app_name"),
            version: get("version"),
            platforms: get("platforms"),
            icp_no: get("icp_no"),
            mlps_no: get("mlps_no"),
            permissions: get("permissions"),
            personal_data: get("personal_data"),
            minors: get("minors"),
            filed_on: get("filed_on"),
            status: get("status"),
        };
        match parse_filing(&input, today) {
            Ok(f) => {
                if let Some(first) = seen.get(&f.filing_no) {
                    out.rejected.push(RejectedFiling { line, raw, reasons: vec![format!("{}，见第 {first} 行（{}, line {first}）", AppRule::FilingNoDuplicate.zh(), AppRule::FilingNoDuplicate.en())] });
                } else {
                    seen.insert(f.filing_no.clone(), line);
                    out.valid.push((line, f));
                }
            }
            Err(ps) => out.rejected.push(RejectedFiling { line, raw, reasons: ps.iter().map(reason).collect() }),
        }
    }
    Ok(out)
}

/// The review of a school's use of an app: the school (or its county) proposes, the school's
/// administrator approves, then the county; either may reject with a reason; the county
/// re-reviews an approved use yearly; the school withdraws (停用) it at any time.
pub const FLOW: Machine<UseState> = Machine {
    name: "app_use",
    transitions: &[
        Transition { from: None, action: "propose", to: UseState::Proposed, roles: &[Role::SchoolAdmin, Role::CountyOfficer], area: Area::Requester, refused: ("只能为本校（或本区县的学校）申请使用应用", "propose for your own school or a school of your county"), stale: ("申请已存在", "the proposal exists") },
        Transition { from: Some(UseState::Proposed), action: "school_approve", to: UseState::SchoolApproved, roles: &[Role::SchoolAdmin], area: Area::Requester, refused: ("只有本校管理员可以进行学校审核", "only the school's administrator reviews for the school"), stale: ("该申请不在待学校审核状态", "the use is not awaiting the school") },
        Transition { from: Some(UseState::Proposed), action: "reject", to: UseState::Rejected, roles: &[Role::SchoolAdmin, Role::CountyOfficer], area: Area::Requester, refused: ("只有本校或所在区县可以驳回", "only the school or its county rejects"), stale: ("该申请不在审核中", "the use is not under review") },
        Transition { from: Some(UseState::SchoolApproved), action: "county_approve", to: UseState::CountyApproved, roles: &[Role::CountyOfficer], area: Area::Requester, refused: ("只有学校所在区县可以进行区县审核", "only the school's county reviews for the county"), stale: ("该申请不在待区县审核状态", "the use is not awaiting the county") },
        Transition { from: Some(UseState::SchoolApproved), action: "reject", to: UseState::Rejected, roles: &[Role::CountyOfficer], area: Area::Requester, refused: ("学校审核通过后只有所在区县可以驳回", "after the school's review only the county rejects"), stale: ("该申请不在审核中", "the use is not under review") },
        Transition { from: Some(UseState::CountyApproved), action: "rereview", to: UseState::CountyApproved, roles: &[Role::CountyOfficer], area: Area::Requester, refused: ("只有学校所在区县可以年度复审", "only the school's county re-reviews"), stale: ("只有已通过的使用需要年度复审", "only an approved use is re-reviewed") },
        Transition { from: Some(UseState::CountyApproved), action: "reject", to: UseState::Rejected, roles: &[Role::CountyOfficer], area: Area::Requester, refused: ("只有学校所在区县可以在复审时驳回", "only the county rejects at a re-review"), stale: ("该申请不在审核中", "the use is not under review") },
        Transition { from: Some(UseState::Proposed), action: "withdraw", to: UseState::Withdrawn, roles: &[Role::SchoolAdmin], area: Area::Requester, refused: ("只有本校可以停用", "only the school withdraws"), stale: ("该应用已停用或已驳回", "the use is withdrawn or rejected") },
        Transition { from: Some(UseState::SchoolApproved), action: "withdraw", to: UseState::Withdrawn, roles: &[Role::SchoolAdmin], area: Area::Requester, refused: ("只有本校可以停用", "only the school withdraws"), stale: ("该应用已停用或已驳回", "the use is withdrawn or rejected") },
        Transition { from: Some(UseState::CountyApproved), action: "withdraw", to: UseState::Withdrawn, roles: &[Role::SchoolAdmin], area: Area::Requester, refused: ("只有本校可以停用", "only the school withdraws"), stale: ("该应用已停用或已驳回", "the use is withdrawn or rejected") },
    ],
};

/// The actions of the machine, with their Chinese and English names (for buttons and the log).
pub const ACTIONS: &[(&str, &str, &str)] = &[
    ("propose", "申请使用", "Propose"),
    ("school_approve", "学校审核通过", "Approve for the school"),
    ("county_approve", "区县审核通过", "Approve for the county"),
    ("rereview", "年度复审通过", "Re-review"),
    ("reject", "驳回", "Reject"),
    ("withdraw", "停用", "Withdraw"),
];

/// Whether a step approves (and so is refused for a blocked or cancelled app).
fn approves(action: &str) -> bool {
    matches!(action, "propose" | "school_approve" | "county_approve" | "rereview")
}

fn sides_of(school: &str, county: Option<u32>) -> Sides<'_> {
    let p = Place::person(Some(school), county);
    Sides { requester: p, holder: p }
}

/// The annual re-review's due date: one year after an approval.
pub fn review_due(approved_on: Date) -> Date {
    add_months(approved_on, 12)
}

/// Refuses a blocked or cancelled filing with the block's reason.
fn check_filing<S: Apps + ?Sized>(s: &mut S, scope: &Scope, filing_id: i64) -> Result<(), StoreError> {
    let f = s.filing(scope, filing_id)?.ok_or(StoreError::OutOfScope)?;
    if let Some(b) = s.block_of(scope, &f.new)? {
        return Err(StoreError::Conflict(format!("该应用已被列入禁用名单，不能申请或审核通过。禁用原因：{}（the app is blocked: {}）", b.new.reason, b.new.reason)));
    }
    if f.new.status == FilingStatus::Cancelled {
        return Err(StoreError::Conflict("该应用的备案已注销，不能申请或审核通过（the app's filing is cancelled）".into()));
    }
    Ok(())
}

fn target(id: i64) -> String {
    format!("app_use:{id}")
}

/// Proposes a use, checked by the machine and the block list, audited taken or refused.
pub fn propose<S: Apps + AuditLog + ?Sized>(s: &mut S, actor: &Actor, u: &NewUse, now: i64) -> Result<AppUse, StoreError> {
    let school = u.school_code.to_string();
    let county = match &actor.scope {
        Scope::School { county, .. } => Some(*county),
        _ => None,
    };
    // The county of the school is judged by the store (its tree); the machine judges the role
    // and, for a school scope, the school.
    let sides = sides_of(&school, county.or(Some(match actor.scope {
        Scope::Region { lo, .. } => lo,
        _ => 0,
    })));
    // A proposing role refused by the area is answered as the store answers a school outside
    // it (as missing); other roles are told the step is not theirs.
    let machine = FLOW.check(actor, None, "propose", &sides).map(|_| ()).map_err(|e| if store::apps::role_writes_uses(actor.role) { StoreError::OutOfScope } else { e });
    let checked = machine.and_then(|_| {
        if std_apps::lookup(std_apps::PURPOSES, &u.purpose).is_none() {
            return Err(StoreError::Conflict("请选择用途（choose a purpose）".into()));
        }
        if u.chosen_by.trim().is_empty() {
            return Err(StoreError::Conflict("请填写选用人（谁选用谁负责）（enter who chose it）".into()));
        }
        check_filing(s, &actor.scope, u.filing_id)
    });
    let done = checked.and_then(|_| s.create_use(&actor.scope, u, &actor.name, now));
    let detail = format!("school={} filing={}", u.school_code, u.filing_id);
    match &done {
        Ok(made) => FLOW.audit(s, actor, "propose", &target(made.id), detail, true)?,
        Err(_) => FLOW.audit(s, actor, "propose", "app_use:new", detail, false)?,
    }
    done
}

/// Takes a step of a use's review: `school_approve`, `county_approve`, `rereview`, `reject`
/// (a reason required) or `withdraw`. A use outside the actor's area is answered as missing
/// (OutOfScope), before anything is said about its state.
pub fn step<S: Apps + AuditLog + ?Sized>(s: &mut S, actor: &Actor, id: i64, action: &str, reason: &str, today: Date, now: i64) -> Result<AppUse, StoreError> {
    let u = s.app_use(&actor.scope, id)?.ok_or(StoreError::OutOfScope)?;
    let school = u.new.school_code.to_string();
    let sides = sides_of(&school, u32::try_from(u.region_code).ok());
    let run = |s: &mut S| -> Result<AppUse, StoreError> {
        let t = FLOW.check(actor, Some(u.state), action, &sides)?;
        if approves(action) {
            check_filing(s, &actor.scope, u.new.filing_id)?;
        }
        let mut c = UseChange::default();
        match action {
            "school_approve" => c.school_reviewed_on = Some(today),
            "county_approve" | "rereview" => {
                c.county_approved_on = Some(today);
                c.review_due = Some(review_due(today));
            }
            "reject" => {
                let r = reason.trim();
                if r.is_empty() {
                    return Err(refuse(("驳回须填写理由", "a rejection needs a reason")));
                }
                if r.chars().count() > 500 {
                    return Err(refuse(("理由过长（最多 500 字）", "the reason is too long (500 at most)")));
                }
                c.reason = Some(r.to_string());
            }
            _ => {}
        }
        s.set_use_state(&actor.scope, id, u.state, t.to, &c, now)
    };
    let done = run(s);
    FLOW.audit(s, actor, action, &target(id), format!("from={} reason_len={}", u.state.code(), reason.trim().chars().count()), done.is_ok())?;
    done
}

/// The steps an actor may take on a use now (for the buttons).
pub fn actions_for(actor: &Actor, u: &AppUse) -> Vec<&'static str> {
    let school = u.new.school_code.to_string();
    let sides = sides_of(&school, u32::try_from(u.region_code).ok());
    ACTIONS.iter().map(|a| a.0).filter(|a| *a != "propose" && FLOW.check(actor, Some(u.state), a, &sides).is_ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> FilingInput {
        FilingInput {
            filing_no: "教APP备1100871号".into(),
            provider: "某某教育科技有限公司".into(),
            credit_code: "91350100M000100Y43".into(),
            app_name: "作业帮手".into(),
            version: "2.1".into(),
            platforms: "iOS、Android".into(),
            icp_no: "京ICP备12345678号-1".into(),
            mlps_no: "11010813001-00001".into(),
            permissions: "相机".into(),
            personal_data: "姓名、学校班级".into(),
            minors: "是".into(),
            filed_on: "2026-03-01".into(),
            status: "有效".into(),
        }
    }

    #[test]
    fn filings_are_read_with_every_problem_at_once() {
        let today = Date::parse_iso("2026-12-07").unwrap();
        let f = parse_filing(&input(), today).unwrap();
        assert_eq!((f.platforms.clone(), f.minors, f.personal_data.len()), (vec!["ios".to_string(), "android".to_string()], true, 2));
        let bad = FilingInput { filing_no: "教APP备11号".into(), credit_code: "91350100M000100Y44".into(), icp_no: "ICP".into(), platforms: "Symbian".into(), filed_on: "2030-01-01".into(), app_name: " ".into(), ..input() };
        let ps = parse_filing(&bad, today).unwrap_err();
        let fields: Vec<&str> = ps.iter().map(|p| p.field).collect();
        assert_eq!(fields, vec!["filing_no", "credit_code", "icp_no", "app_name", "platforms", "filed_on"]);
        assert!(ps[1].zh.contains("GB 32100"));
    }

    #[test]
    fn import_rows_are_checked_and_deduplicated() {
        let today = Date::parse_iso("2026-12-07").unwrap();
        let header: Vec<String> = ["备案号*", "提供者", "统一社会信用代码", "应用名称", "版本", "平台"].iter().map(|s| s.to_string()).collect();
        let row = |no: &str| vec![no.to_string(), "某公司".into(), "91350100M000100Y43".into(), "应用".into(), "1.0".into(), "Web".into()];
        let got = parse_filing_records(vec![(1, header.clone()), (2, row("教APP备0000001号")), (3, row("教APP备1号")), (4, row("教APP备0000001号"))], today).unwrap();
        assert_eq!(got.valid.len(), 1);
        assert_eq!(got.rejected.iter().map(|r| r.line).collect::<Vec<_>>(), vec![3, 4]);
        assert!(got.rejected[1].reasons[0].contains("第 2 行") && got.rejected[1].reasons[0].ends_with("line 2）"), "{:?}", got.rejected[1]);
        // Each reason is "中文（English）".
        for r in got.rejected.iter().flat_map(|r| &r.reasons) {
            let (zh, en) = r.strip_suffix('）').and_then(|b| b.rsplit_once('（')).unwrap_or_else(|| panic!("{r}"));
            assert!(!zh.is_empty() && en.starts_with(|c: char| c.is_ascii_alphabetic()), "{r}");
        }
        assert!(parse_filing_records(vec![(1, header[..3].to_vec())], today).unwrap_err().contains("应用名称"));
    }

    #[test]
    fn the_machine() {
        let jj = Scope::Region { lo: 510104, hi: 510104 };
        let school = Scope::School { code: "2151010401".into(), county: 510104 };
        let head = Actor::new("head", Role::SchoolAdmin, school, "");
        let officer = Actor::new("jj", Role::CountyOfficer, jj, "");
        let other = Actor::new("zlj", Role::CountyOfficer, Scope::Region { lo: 510302, hi: 510302 }, "");
        let sides = sides_of("2151010401", Some(510104));
        assert!(FLOW.check(&head, Some(UseState::Proposed), "school_approve", &sides).is_ok());
        assert!(FLOW.check(&officer, Some(UseState::Proposed), "school_approve", &sides).is_err());
        assert!(FLOW.check(&officer, Some(UseState::SchoolApproved), "county_approve", &sides).is_ok());
        assert!(FLOW.check(&other, Some(UseState::SchoolApproved), "county_approve", &sides).is_err());
        assert!(FLOW.check(&head, Some(UseState::CountyApproved), "withdraw", &sides).is_ok());
        assert!(FLOW.check(&head, Some(UseState::Withdrawn), "withdraw", &sides).is_err());
        assert_eq!(review_due(Date::parse_iso("2024-02-29").unwrap()).to_string(), "2025-02-28");
    }
}
