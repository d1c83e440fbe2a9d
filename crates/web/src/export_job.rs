//! What an export is, below the routes: the lists an export can hold ([`List`]) and the rows one
//! export writes ([`Job`]). Each domain's route module builds its own `Job`; `routes::exports`
//! runs them. Kept here so that no route module imports `routes::exports` back (no module cycle).

use crate::download::{Sheet, Stop};
use store::{Backend, Entity, Role};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum List {
    Schools,
    Teachers,
    Students,
    Sites,
    Alerts,
    Audit,
    Batches,
    Mlps,
    Duties,
    Software,
    Incidents,
    DutyContacts,
    DutyRoster,
    DutyReports,
    AppFilings,
    AppUses,
    Rectifications,
    CheckProgress,
    Inspections,
    Drills,
    SoftwareChecks,
    DutyPeriods,
    AppsOverdue,
    AppBlocks,
    /// 决策指标 screens' tables (`routes::insight`).
    InsightClasses,
    InsightTeachers,
    InsightStudents,
    InsightBalance,
    InsightSecurity,
    /// 办学条件 of the schools in the area, one school year.
    Conditions,
    Plan,
    Catalog,
    /// 数据质量 ranking (`routes::quality`).
    Quality,
    /// 学校地图: the schools whose coordinates are flagged (`routes::schoolmap`).
    SchoolMapFlagged,
}

impl List {
    pub const ALL: [List; 34] = [List::Schools, List::Teachers, List::Students, List::Sites, List::Alerts, List::Audit, List::Batches, List::Mlps, List::Duties, List::Software, List::Incidents, List::DutyContacts, List::DutyRoster, List::DutyReports, List::AppFilings, List::AppUses, List::Rectifications, List::CheckProgress, List::Inspections, List::Drills, List::SoftwareChecks, List::DutyPeriods, List::AppsOverdue, List::AppBlocks, List::InsightClasses, List::InsightTeachers, List::InsightStudents, List::InsightBalance, List::InsightSecurity, List::Conditions, List::Plan, List::Catalog, List::Quality, List::SchoolMapFlagged];

    /// Every list's filter names (the confirmation form carries them on).
    pub const FILTERS: &'static [&'static str] = &["name", "id", "school", "region"];

    pub fn key(self) -> &'static str {
        match self {
            List::Schools => "schools",
            List::Teachers => "teachers",
            List::Students => "students",
            List::Sites => "sites",
            List::Alerts => "alerts",
            List::Audit => "audit",
            List::Batches => "batches",
            List::Mlps => "mlps",
            List::Duties => "duties",
            List::Software => "software",
            List::Incidents => "incidents",
            List::DutyContacts => "duty_contacts",
            List::DutyRoster => "duty_roster",
            List::DutyReports => "duty_reports",
            List::AppFilings => "apps",
            List::AppUses => "apps_uses",
            List::Rectifications => "rectifications",
            List::CheckProgress => "check_progress",
            List::Inspections => "inspections",
            List::Drills => "drills",
            List::SoftwareChecks => "software_checks",
            List::DutyPeriods => "duty_periods",
            List::AppsOverdue => "apps_overdue",
            List::AppBlocks => "app_blocks",
            List::InsightClasses => "insight_classes",
            List::InsightTeachers => "insight_teachers",
            List::InsightStudents => "insight_students",
            List::InsightBalance => "insight_balance",
            List::InsightSecurity => "insight_security",
            List::Conditions => "conditions",
            List::Plan => "plan",
            List::Catalog => "catalog",
            List::Quality => "quality",
            List::SchoolMapFlagged => "school_map_flagged",
        }
    }

    pub fn parse(s: &str) -> Option<List> {
        List::ALL.into_iter().find(|l| l.key() == s)
    }

    pub fn zh(self) -> &'static str {
        match self {
            List::Schools => "学校",
            List::Teachers => "教师",
            List::Students => "学生",
            List::Sites => "网站",
            List::Alerts => "告警",
            List::Audit => "审计日志",
            List::Batches => "导入批次",
            List::Mlps => "等保台账",
            List::Duties => "责任制落实清单",
            List::Software => "软件正版化台账",
            List::Incidents => "网络安全事件",
            List::DutyContacts => "值班联系人",
            List::DutyRoster => "值班表",
            List::DutyReports => "零报告",
            List::AppFilings => "教育应用备案",
            List::AppUses => "学校使用教育应用",
            List::Rectifications => "整改项",
            List::CheckProgress => "专项检查进度",
            List::Inspections => "专项检查",
            List::Drills => "攻防演练与技能竞赛",
            List::SoftwareChecks => "软件正版化检查",
            List::DutyPeriods => "重要时期保障",
            List::AppsOverdue => "教育应用复审逾期",
            List::AppBlocks => "教育应用禁用名单",
            List::InsightClasses => "决策指标：班额",
            List::InsightTeachers => "决策指标：教师队伍",
            List::InsightStudents => "决策指标：学生",
            List::InsightBalance => "决策指标：县域优质均衡",
            List::InsightSecurity => "决策指标：网络安全",
            List::Conditions => "办学条件",
            List::Plan => "工作要点进展",
            List::Catalog => "数据资源目录",
            List::Quality => "数据质量排名",
            List::SchoolMapFlagged => "学校坐标质量问题",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            List::Schools => "Schools",
            List::Teachers => "Teachers",
            List::Students => "Students",
            List::Sites => "Sites",
            List::Alerts => "Alerts",
            List::Audit => "Audit log",
            List::Batches => "Import batches",
            List::Mlps => "MLPS register",
            List::Duties => "Responsibility checklist",
            List::Software => "Software-asset ledger",
            List::Incidents => "Security incidents",
            List::DutyContacts => "Duty contacts",
            List::DutyRoster => "Duty roster",
            List::DutyReports => "Daily reports",
            List::AppFilings => "Education apps",
            List::AppUses => "School uses of apps",
            List::Rectifications => "Rectification items",
            List::CheckProgress => "Inspection progress",
            List::Inspections => "Special inspections",
            List::Drills => "Drills and contests",
            List::SoftwareChecks => "Software checks",
            List::DutyPeriods => "Important periods",
            List::AppsOverdue => "Overdue app re-reviews",
            List::AppBlocks => "App block list",
            List::InsightClasses => "Indicators: class sizes",
            List::InsightTeachers => "Indicators: teachers",
            List::InsightStudents => "Indicators: students",
            List::InsightBalance => "Indicators: county balance",
            List::InsightSecurity => "Indicators: security",
            List::Conditions => "School conditions",
            List::Plan => "Plan progress",
            List::Catalog => "Data resource catalog",
            List::Quality => "Data quality ranking",
            List::SchoolMapFlagged => "Schools with flagged coordinates",
        }
    }

    /// The navigation entry the list sits under.
    pub fn nav(self) -> &'static str {
        match self {
            List::Batches => "imports",
            List::DutyContacts | List::DutyRoster | List::DutyReports | List::DutyPeriods => "duty",
            List::SoftwareChecks => "software",
            List::AppFilings | List::AppUses | List::AppsOverdue | List::AppBlocks => "apps",
            List::Rectifications | List::CheckProgress | List::Inspections | List::Drills => "checks",
            List::InsightClasses | List::InsightTeachers | List::InsightStudents | List::InsightBalance | List::InsightSecurity => "insight",
            List::Conditions => "schools",
            List::Plan => "plans",
            List::SchoolMapFlagged => "schoolmap",
            l => l.key(),
        }
    }

    /// Whether `role` reads the list (as its page decides).
    pub(crate) fn readable(self, role: Role) -> bool {
        match self {
            List::Schools | List::Teachers | List::Students | List::Conditions | List::SchoolMapFlagged => role.reads_base_data(),
            List::Sites | List::Alerts => role.reads_monitor(),
            List::Audit => role.reads_audit(),
            List::Batches => role.may_import(),
            List::Mlps => store::mlps::role_reads(role),
            List::Duties | List::Software | List::SoftwareChecks => store::ledger::role_reads(role),
            List::Incidents => store::incidents::reads(role),
            List::DutyContacts | List::DutyRoster | List::DutyReports | List::DutyPeriods => store::duty::role_reads(role),
            List::AppFilings | List::AppBlocks => store::apps::role_reads(role),
            List::AppUses | List::AppsOverdue => store::apps::role_reads_uses(role),
            List::Rectifications | List::CheckProgress | List::Inspections | List::Drills => store::checks::role_reads(role),
            List::InsightClasses | List::InsightTeachers | List::InsightStudents | List::InsightBalance | List::InsightSecurity => role.reads_overview(),
            List::Plan => store::plan::role_reads(role),
            List::Catalog => store::catalog::role_reads(role),
            List::Quality => crate::routes::quality::may_read(role),
        }
    }

    pub(crate) fn entity(self) -> Option<Entity> {
        match self {
            List::Teachers => Some(Entity::Teacher),
            List::Students => Some(Entity::Student),
            _ => None,
        }
    }
}

/// What an export needs: the rows, written by `produce` on a blocking thread.
pub struct Job {
    pub list: List,
    /// The header row.
    pub headers: Vec<String>,
    /// The filters as the audit log records them (searched names and numbers by keyed hash).
    pub filter: serde_json::Value,
    pub produce: Box<dyn FnOnce(&mut dyn Backend, &mut Sheet) -> Result<(), Stop> + Send>,
}

#[cfg(test)]
mod tests {
    use super::List;

    /// The API's export operation names every list it serves (a new `List` joins its description).
    #[test]
    fn the_api_document_names_every_list() {
        let doc: serde_json::Value = serde_json::from_str(crate::routes::api::document()).unwrap();
        let params = doc["paths"]["/exports/{list}"]["get"]["parameters"].as_array().expect("the export operation's parameters");
        let list = params.iter().find(|p| p["name"] == "list").expect("the list parameter");
        let text = list["description"].as_str().unwrap();
        let named: Vec<&str> = text.split(|c: char| !(c.is_ascii_lowercase() || c == '_')).filter(|w| !w.is_empty()).collect();
        for l in List::ALL {
            assert!(named.contains(&l.key()), "the API's export description lacks {}: {text}", l.key());
        }
    }
}
