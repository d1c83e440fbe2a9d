//! 平台自动编目 — the datasets Tianfu holds, derived from what the platform is: the three base
//! data registers from the `standard` templates (every field with its Chinese header, its type,
//! its note and, for personal fields, the mask of [`crate::mask::kind_of`]), enrolment changes and
//! transfers, the monitor's results (sites, checks, alerts) and the security registers (等保
//! systems, incidents, education apps, the duty checklists, the software ledger, inspections).
//! [`derive`] is pure; [`sync`] writes it through [`Catalog::catalog_sync`] (a new version only
//! when the derived metadata changed), which `tianfu serve` runs on start and `tianfu catalog
//! sync` on demand.
//!
//! Classification (类/项/目/细目) of the automatic entries, all 部门信息资源 (类 3) of the
//! province's education department: 项 01 教育基础数据 (目 001 学校, 002 教职工, 003 学生,
//! 004 学籍变动), 项 02 网络安全监测 (目 001 网站, 002 监测记录, 003 告警), 项 03 网络安全管理
//! (目 001 等保, 002 事件, 003 教育移动应用, 004 责任制, 005 正版化, 006 检查). 细目 001.

use crate::catalog::{Catalog, Class, Field, FieldType, Format, MaskKind, NewDataset, ShareMethod, ShareType, Status, SyncReport, UpdateCycle};
use crate::{Scope, StoreError};
use standard::{Entity, Kind};

fn class(xiang: u8, mu: u16) -> Class {
    Class { lei: 3, xiang, mu, ximu: 1 }
}

fn field_type(k: &Kind) -> FieldType {
    match k {
        Kind::Text(_) | Kind::IdNumber | Kind::StudentId | Kind::SchoolCode | Kind::CreditCode | Kind::Mobile | Kind::Phone | Kind::PostalCode | Kind::SchoolYear => FieldType::Text,
        Kind::Date => FieldType::Date,
        Kind::YearMonth => FieldType::Text,
        Kind::Longitude | Kind::Latitude | Kind::Amount(_) => FieldType::Decimal,
        Kind::Count(_) => FieldType::Integer,
        _ => FieldType::Code,
    }
}

/// The fields of a base data register, from its template.
pub fn template_fields(e: Entity) -> Vec<Field> {
    e.template()
        .fields
        .iter()
        .map(|f| {
            let mut description = f.kind.zh();
            if !f.note.is_empty() {
                description = format!("{description}；{}", f.note);
            }
            Field { name: f.key.into(), title: f.zh.into(), data_type: field_type(&f.kind), description, mask: crate::mask::kind_of(e, f.key).map(MaskKind::of) }
        })
        .collect()
}

fn fields(list: &[(&str, &str, FieldType, &str)]) -> Vec<Field> {
    list.iter().map(|(n, t, ty, d)| Field { name: (*n).into(), title: (*t).into(), data_type: *ty, description: (*d).into(), mask: None }).collect()
}

struct Spec {
    key: &'static str,
    class: Class,
    name: &'static str,
    summary: &'static str,
    share: ShareType,
    condition: &'static str,
    basis: &'static str,
    method: ShareMethod,
    cycle: UpdateCycle,
    keywords: &'static str,
    fields: Vec<Field>,
}

use FieldType::{Code, Date, DateTime, Integer, Text};

const PERSONAL_CONDITION: &str = "仅向经批准的政府部门提供，用于法定职责；个人信息字段按授权脱敏，按授权的字段、范围和期限使用";
const SECURITY_BASIS: &str = "《中华人民共和国网络安全法》第二十一条、《网络安全等级保护条例（征求意见稿）》：等级保护备案与安全事件信息属网络安全敏感信息，不予共享";

fn specs() -> Vec<Spec> {
    vec![
        Spec { key: "schools", class: class(1, 1), name: "学校基本信息", summary: "全省各级各类学校的基本信息：学校标识码、名称、办学类型、所在地、举办者、城乡分类、坐标和联系方式。由区县按数据标准导入，随变更更新。", share: ShareType::Unconditional, condition: "", basis: "", method: ShareMethod::Api, cycle: UpdateCycle::Monthly, keywords: "学校、学校标识码、办学类型", fields: template_fields(Entity::School) },
        Spec { key: "teachers", class: class(1, 2), name: "教职工基本信息", summary: "全省学校教职工的基本信息：姓名、身份证件、性别、民族、任职学校、学历、职称等。含个人信息，按授权脱敏。", share: ShareType::Conditional, condition: PERSONAL_CONDITION, basis: "", method: ShareMethod::Api, cycle: UpdateCycle::Termly, keywords: "教师、教职工、人事", fields: template_fields(Entity::Teacher) },
        Spec { key: "students", class: class(1, 3), name: "学生基本信息", summary: "全省在校学生的学籍基本信息：全国学籍号、姓名、身份证件、性别、出生日期、就读学校、年级、监护人联系方式等。含未成年人个人信息，按授权脱敏。", share: ShareType::Conditional, condition: PERSONAL_CONDITION, basis: "", method: ShareMethod::Api, cycle: UpdateCycle::Termly, keywords: "学生、学籍、在校生", fields: template_fields(Entity::Student) },
        Spec {
            key: "enrolment_changes", class: class(1, 4), name: "学籍变动记录", summary: "学生记录的每一次变动（新增、修改、删除）：变动的字段、前后值的摘要、批次和时间，用于增量同步。", share: ShareType::Conditional, condition: PERSONAL_CONDITION, basis: "", method: ShareMethod::Feed, cycle: UpdateCycle::Realtime, keywords: "学籍变动、增量、变更",
            fields: fields(&[("entity", "记录类型", Code, "school、teacher 或 student"), ("record_key", "记录键", Text, "学校标识码或个人的记录键（个人信息按授权脱敏）"), ("field", "变动字段", Code, "模板字段代码"), ("batch_id", "批次号", Integer, "导入批次"), ("changed_at", "变动时间", DateTime, "")]),
        },
        Spec {
            key: "transfers", class: class(1, 5), name: "转学申请", summary: "学生在学校之间转学的申请及其办理：申请方、转出学校、状态和时间。", share: ShareType::Conditional, condition: PERSONAL_CONDITION, basis: "", method: ShareMethod::Api, cycle: UpdateCycle::Daily, keywords: "转学、学籍转接",
            fields: fields(&[("id", "申请编号", Integer, ""), ("student_key", "学生记录键", Text, "按授权脱敏"), ("from_school", "转出学校标识码", Text, ""), ("to_school", "转入学校标识码", Text, ""), ("state", "状态", Code, "pending、approved、rejected、cancelled"), ("requested_at", "申请时间", DateTime, ""), ("decided_at", "办理时间", DateTime, "")]),
        },
        Spec {
            key: "monitor_sites", class: class(2, 1), name: "教育系统网站监测名录", summary: "网络安全监测的教育系统网站：网址、主办单位、类别、是否启用。", share: ShareType::Unconditional, condition: "", basis: "", method: ShareMethod::Api, cycle: UpdateCycle::Daily, keywords: "网站、监测、名录",
            fields: fields(&[("id", "网站编号", Integer, ""), ("url", "网址", Text, ""), ("owner_code", "主办单位代码", Text, "学校标识码或教育行政部门的行政区划代码"), ("category", "类别", Code, ""), ("enabled", "是否启用", FieldType::Boolean, "")]),
        },
        Spec {
            key: "monitor_checks", class: class(2, 2), name: "网站监测结果", summary: "对每个网站的可用性、证书、内容篡改和 IPv6 的周期监测结果。", share: ShareType::Conditional, condition: "仅向网络安全主管部门提供，用于网络安全监督", basis: "", method: ShareMethod::Api, cycle: UpdateCycle::Realtime, keywords: "监测、可用性、证书、IPv6",
            fields: fields(&[("site_id", "网站编号", Integer, ""), ("checked_at", "监测时间", DateTime, ""), ("result", "结果", Code, "ok、down、slow、tls、content 等"), ("status", "HTTP 状态码", Integer, ""), ("elapsed_ms", "响应时长（毫秒）", Integer, "")]),
        },
        Spec {
            key: "monitor_alerts", class: class(2, 3), name: "网站监测告警", summary: "监测发现的问题形成的告警及其处置：类别、开始与恢复时间、处置说明。", share: ShareType::Conditional, condition: "仅向网络安全主管部门提供，用于网络安全监督", basis: "", method: ShareMethod::Api, cycle: UpdateCycle::Realtime, keywords: "告警、处置",
            fields: fields(&[("id", "告警编号", Integer, ""), ("site_id", "网站编号", Integer, ""), ("kind", "告警类别", Code, ""), ("opened_at", "开始时间", DateTime, ""), ("closed_at", "恢复时间", DateTime, ""), ("handling", "处置说明", Text, "")]),
        },
        Spec {
            key: "mlps_systems", class: class(3, 1), name: "等级保护定级备案系统", summary: "教育系统信息系统的等级保护定级、备案和测评情况。", share: ShareType::None, condition: "", basis: SECURITY_BASIS, method: ShareMethod::Query, cycle: UpdateCycle::Irregular, keywords: "等保、定级、备案、测评",
            fields: fields(&[("id", "系统编号", Integer, ""), ("unit_code", "运营单位代码", Text, ""), ("name", "系统名称", Text, ""), ("level", "保护等级", Code, "1–5 级"), ("filing_no", "备案证明编号", Text, ""), ("evaluated_on", "最近测评日期", Date, "")]),
        },
        Spec {
            key: "incidents", class: class(3, 2), name: "网络安全事件", summary: "教育系统网络安全事件的报告、处置和复盘记录。", share: ShareType::None, condition: "", basis: SECURITY_BASIS, method: ShareMethod::Query, cycle: UpdateCycle::Realtime, keywords: "安全事件、应急、通报",
            fields: fields(&[("id", "事件编号", Integer, ""), ("unit_code", "报告单位代码", Text, ""), ("category", "事件类别", Code, ""), ("level", "事件级别", Code, ""), ("state", "状态", Code, ""), ("reported_at", "报告时间", DateTime, "")]),
        },
        Spec {
            key: "edu_apps", class: class(3, 3), name: "教育移动应用备案", summary: "教育移动互联网应用程序的备案、审核和复核情况。", share: ShareType::Unconditional, condition: "", basis: "", method: ShareMethod::Api, cycle: UpdateCycle::Daily, keywords: "教育应用、备案、移动应用",
            fields: fields(&[("id", "应用编号", Integer, ""), ("name", "应用名称", Text, ""), ("provider", "提供者", Text, ""), ("filing_no", "备案号", Text, ""), ("state", "状态", Code, ""), ("reviewed_on", "最近审核日期", Date, "")]),
        },
        Spec {
            key: "duty_items", class: class(3, 4), name: "网络安全责任制落实清单", summary: "各单位对网络安全责任制清单事项的落实情况：负责人职务、状态和佐证说明。", share: ShareType::Conditional, condition: "仅向上级教育行政部门和网络安全主管部门提供", basis: "", method: ShareMethod::Query, cycle: UpdateCycle::Yearly, keywords: "责任制、清单、落实",
            fields: fields(&[("id", "事项编号", Integer, ""), ("unit_code", "单位代码", Text, ""), ("year", "年度", Integer, ""), ("text", "事项", Text, ""), ("status", "落实状态", Code, ""), ("owner_post", "负责人职务", Text, "")]),
        },
        Spec {
            key: "software_assets", class: class(3, 5), name: "软件正版化台账", summary: "各单位软件的授权、安装数量和位置，以及每半年一次的正版化检查。", share: ShareType::Unconditional, condition: "", basis: "", method: ShareMethod::File, cycle: UpdateCycle::Termly, keywords: "正版化、软件、授权",
            fields: fields(&[("id", "软件编号", Integer, ""), ("unit_code", "单位代码", Text, ""), ("name", "软件名称", Text, ""), ("licence_kind", "授权方式", Code, ""), ("licensed", "授权数量", Integer, ""), ("installed", "安装数量", Integer, ""), ("expires_on", "授权到期日", Date, "")]),
        },
        Spec {
            key: "inspections", class: class(3, 6), name: "网络安全检查", summary: "专项检查、演练和竞赛的计划、参与单位、发现问题和整改情况。", share: ShareType::Conditional, condition: "仅向网络安全主管部门提供", basis: "", method: ShareMethod::Query, cycle: UpdateCycle::Irregular, keywords: "检查、演练、整改",
            fields: fields(&[("id", "检查编号", Integer, ""), ("kind", "类别", Code, ""), ("title", "名称", Text, ""), ("unit_code", "单位代码", Text, ""), ("findings", "发现问题数", Integer, ""), ("state", "状态", Code, "")]),
        },
    ]
}

/// The automatic entries, `(key, metadata)`, provided by the province's education department
/// (`province` its two-digit prefix, e.g. 51). Pure: the same platform gives the same list.
pub fn derive(province: u32) -> Vec<(String, NewDataset)> {
    let provider = i64::from(province) * 10_000;
    specs()
        .into_iter()
        .map(|s| {
            let n = NewDataset {
                class: s.class,
                name: s.name.into(),
                provider_code: provider,
                summary: s.summary.into(),
                format: Format::Database,
                share_type: s.share,
                share_condition: s.condition.into(),
                legal_basis: s.basis.into(),
                method: s.method,
                cycle: s.cycle,
                status: Status::Published,
                keywords: s.keywords.into(),
                fields: s.fields,
            };
            (s.key.to_string(), n)
        })
        .collect()
}

/// Writes the derived entries (see [`derive`]) with the province's scope.
pub fn sync(db: &mut (impl Catalog + ?Sized), province: u32, by: &str, now: i64) -> Result<SyncReport, StoreError> {
    let (lo, hi) = (province * 10_000, province * 10_000 + 9_999);
    db.catalog_sync(&Scope::Region { lo, hi }, &derive(province), by, now)
}
