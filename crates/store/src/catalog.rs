//! 数据资源目录 — the data resource catalog of issue 14: every dataset Tianfu holds (derived
//! automatically, see [`crate::catalog_auto`]) and the datasets bureaus register by hand, with the
//! core metadata of the national catalog guide (《政务信息资源目录编制指南》): classification
//! (类/项/目/细目) and resource code, name, provider, summary, format, fields, share type with its
//! condition or legal basis, method, update cycle and publish date.
//!
//! Every change is a new version: `catalog_versions` keeps each version's metadata and
//! `catalog_fields` its fields (rows keyed by (dataset, version, name)), so a later sharing grant
//! can point at (dataset id, version) and at field names, and old versions stay readable.
//! `catalog_datasets` holds the identity (id, resource code, provider, origin) and a copy of the
//! current version's searchable columns.
//!
//! Scope: a provider is a division's education bureau (province, city or county code); a
//! dataset is written by a region scope covering its provider (a county its own, a city its own
//! and its counties', the province all). Reads: a published dataset is the menu of what may be
//! requested, read by every role the web layer admits (any scope); a draft only by the scopes
//! that may write it. A write outside is [`StoreError::OutOfScope`], the same whether or not the
//! dataset exists.
//!
//! The storage primitives are the ones the registers already use ([`crate::ledger::LedgerSql`]:
//! a query and a statement on the platform connection), so both backends get this trait by the
//! blanket implementation below; the tables are in the platform file (SQLite 0021) and the
//! schema (PostgreSQL 0031).

use crate::ledger::LedgerSql;
use crate::sql::{Arg, SqlRow, Where};
use crate::{Page, Scope, StoreError};
use serde::{Deserialize, Serialize};
use standard::Date;

use crate::coded::coded;

coded!(
    /// 共享类型 (the guide's three kinds).
    ShareType {
        Unconditional => "unconditional", "无条件共享", "Unconditional";
        Conditional => "conditional", "有条件共享", "Conditional";
        None => "none", "不予共享", "Not shared";
    }
);

coded!(
    /// 共享方式.
    ShareMethod {
        Api => "api", "接口调用", "API";
        File => "file", "文件下载", "File download";
        Feed => "feed", "数据订阅", "Change feed";
        Query => "query", "在线查询", "Online query";
    }
);

coded!(
    /// 更新周期.
    UpdateCycle {
        Realtime => "realtime", "实时", "Real time";
        Daily => "daily", "每日", "Daily";
        Weekly => "weekly", "每周", "Weekly";
        Monthly => "monthly", "每月", "Monthly";
        Termly => "termly", "每学期", "Each term";
        Yearly => "yearly", "每年", "Yearly";
        Irregular => "irregular", "不定期", "Irregular";
    }
);

impl UpdateCycle {
    /// The Dublin Core frequency (`dct:accrualPeriodicity`).
    pub fn dcat_frequency(self) -> &'static str {
        match self {
            UpdateCycle::Realtime => "http://purl.org/cld/freq/continuous",
            UpdateCycle::Daily => "http://purl.org/cld/freq/daily",
            UpdateCycle::Weekly => "http://purl.org/cld/freq/weekly",
            UpdateCycle::Monthly => "http://purl.org/cld/freq/monthly",
            UpdateCycle::Termly => "http://purl.org/cld/freq/semiannual",
            UpdateCycle::Yearly => "http://purl.org/cld/freq/annual",
            UpdateCycle::Irregular => "http://purl.org/cld/freq/irregular",
        }
    }
}

coded!(
    /// 资源格式.
    Format {
        Database => "database", "数据库", "Database";
        Csv => "csv", "CSV 文件", "CSV";
        Xlsx => "xlsx", "电子表格", "Spreadsheet";
        Json => "json", "JSON", "JSON";
    }
);

impl Format {
    /// The media type of its distribution (`dcat:mediaType`).
    pub fn media_type(self) -> &'static str {
        match self {
            Format::Database | Format::Json => "application/json",
            Format::Csv => "text/csv",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

coded!(
    /// 状态: a draft is read by its provider's area only.
    Status {
        Draft => "draft", "草稿", "Draft";
        Published => "published", "已发布", "Published";
    }
);

coded!(
    /// 来源: derived by the platform or registered by hand.
    Origin {
        Auto => "auto", "平台自动编目", "Derived by the platform";
        Manual => "manual", "手工登记", "Registered by hand";
    }
);

coded!(
    /// 字段类型.
    FieldType {
        Text => "text", "字符", "Text";
        Code => "code", "代码", "Code";
        Integer => "integer", "整数", "Integer";
        Decimal => "decimal", "数值", "Decimal";
        Date => "date", "日期", "Date";
        DateTime => "datetime", "日期时间", "Date and time";
        Boolean => "boolean", "是否", "Yes or no";
    }
);

coded!(
    /// How a personal field is masked (the kinds of [`crate::mask::Kind`]).
    MaskKind {
        IdNumber => "id_number", "身份证件号", "ID number";
        StudentId => "student_id", "学籍号", "Student number";
        Name => "name", "姓名", "Name";
        Phone => "phone", "电话", "Phone";
        Address => "address", "住址", "Address";
        BirthDate => "birth_date", "出生日期", "Birth date";
        Withheld => "withheld", "整体隐藏", "Withheld";
    }
);

impl MaskKind {
    pub fn of(k: crate::mask::Kind) -> MaskKind {
        use crate::mask::Kind;
        match k {
            Kind::IdNumber => MaskKind::IdNumber,
            Kind::StudentId => MaskKind::StudentId,
            Kind::Name => MaskKind::Name,
            Kind::Phone => MaskKind::Phone,
            Kind::Address => MaskKind::Address,
            Kind::BirthDate => MaskKind::BirthDate,
            Kind::Withheld => MaskKind::Withheld,
        }
    }
    /// The mask function of `store::mask` this kind names.
    pub fn kind(self) -> crate::mask::Kind {
        use crate::mask::Kind;
        match self {
            MaskKind::IdNumber => Kind::IdNumber,
            MaskKind::StudentId => Kind::StudentId,
            MaskKind::Name => Kind::Name,
            MaskKind::Phone => Kind::Phone,
            MaskKind::Address => Kind::Address,
            MaskKind::BirthDate => Kind::BirthDate,
            MaskKind::Withheld => Kind::Withheld,
        }
    }
}

/// One field of a dataset. `name` is unique within a version (a grant names fields by it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    /// The column's code (`id_number`).
    pub name: String,
    /// 中文名称.
    pub title: String,
    pub data_type: FieldType,
    pub description: String,
    /// Personal data: masked as `mask` unless a grant says otherwise.
    pub mask: Option<MaskKind>,
}

impl Field {
    pub fn personal(&self) -> bool {
        self.mask.is_some()
    }
}

/// 资源分类: 类 (1 基础, 2 主题, 3 部门), 项 (2 digits), 目 (3), 细目 (3, `000` when none).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Class {
    pub lei: u8,
    pub xiang: u8,
    pub mu: u16,
    pub ximu: u16,
}

impl Class {
    /// The nine digits of the front part of the resource code: `3 01 001 001` → `301001001`.
    pub fn code(&self) -> String {
        format!("{}{:02}{:03}{:03}", self.lei, self.xiang, self.mu, self.ximu)
    }
    pub fn parse(s: &str) -> Option<Class> {
        let s: String = s.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
        if s.len() != 9 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let c = Class { lei: s[0..1].parse().ok()?, xiang: s[1..3].parse().ok()?, mu: s[3..6].parse().ok()?, ximu: s[6..9].parse().ok()? };
        c.valid().then_some(c)
    }
    pub fn valid(&self) -> bool {
        (1..=3).contains(&self.lei) && self.xiang >= 1 && self.xiang <= 99 && self.mu >= 1 && self.mu <= 999 && self.ximu <= 999
    }
    /// 类 as named by the guide.
    pub fn lei_zh(&self) -> &'static str {
        match self.lei {
            1 => "基础信息资源",
            2 => "主题信息资源",
            _ => "部门信息资源",
        }
    }
    pub fn lei_en(&self) -> &'static str {
        match self.lei {
            1 => "Base resources",
            2 => "Thematic resources",
            _ => "Department resources",
        }
    }
    /// Written with its parts apart: `3-01-001-001`.
    pub fn display(&self) -> String {
        format!("{}-{:02}-{:03}-{:03}", self.lei, self.xiang, self.mu, self.ximu)
    }
}

/// The resource code: the class's nine digits, `/`, the provider's six-digit division code and a
/// four-digit sequence per (class, provider): `301001001/510000-0001`. Assigned when a dataset
/// is first registered and kept by its later versions.
pub fn resource_code(class: &Class, provider: i64, seq: u32) -> String {
    format!("{}/{provider:06}-{seq:04}", class.code())
}

/// A dataset's metadata as written (one version).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDataset {
    pub class: Class,
    pub name: String,
    /// The provider's division code (province, city or county).
    pub provider_code: i64,
    pub summary: String,
    pub format: Format,
    pub share_type: ShareType,
    /// Required with 有条件共享.
    pub share_condition: String,
    /// Required with 不予共享 (the law or rule that forbids sharing).
    pub legal_basis: String,
    pub method: ShareMethod,
    pub cycle: UpdateCycle,
    pub status: Status,
    /// Words to find it by, `、` or `,` apart.
    pub keywords: String,
    pub fields: Vec<Field>,
}

/// One stored version of a dataset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dataset {
    pub id: i64,
    pub version: u32,
    /// The current version's number (equal to `version` unless an older one was asked for).
    pub current_version: u32,
    pub resource_code: String,
    pub origin: Origin,
    /// The auto entry's key (`schools`, …); empty for hand-made ones.
    pub auto_key: String,
    pub meta: NewDataset,
    pub provider_name: String,
    /// The day it was first published (UTC+8), kept by later versions.
    pub publish_date: Option<Date>,
    /// What the version changed, as the writer put it.
    pub note: String,
    pub changed_by: String,
    pub changed_at: i64,
    pub created_at: i64,
}

/// A row of the list (the current version, without its fields).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetSummary {
    pub id: i64,
    pub version: u32,
    pub resource_code: String,
    pub origin: Origin,
    pub class: Class,
    pub name: String,
    pub provider_code: i64,
    pub provider_name: String,
    pub share_type: ShareType,
    pub status: Status,
    pub cycle: UpdateCycle,
    pub fields: u32,
    pub updated_at: i64,
}

/// A version in a dataset's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionInfo {
    pub version: u32,
    pub name: String,
    pub status: Status,
    pub share_type: ShareType,
    pub fields: u32,
    pub note: String,
    pub changed_by: String,
    pub changed_at: i64,
}

/// Filters of the list; `after` the id of the previous page's last row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CatalogQuery {
    /// Words found in the name, the resource code, the keywords or a field's name or title.
    pub text: String,
    /// A class prefix: `3` (类) or `301` (类+项) … up to the nine digits.
    pub class: String,
    pub provider: Option<i64>,
    pub share_type: Option<ShareType>,
    pub origin: Option<Origin>,
    pub after: Option<i64>,
    pub limit: usize,
}

/// What a sync of the automatic entries did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncReport {
    pub created: u32,
    /// New versions written because the derived metadata changed.
    pub updated: u32,
    pub unchanged: u32,
}

/// Who reads the published catalog: every role (officers, school staff, the auditor and data
/// consumers: it is the menu of what can be requested).
pub fn role_reads(_role: crate::Role) -> bool {
    true
}

/// Who registers and edits datasets: the province, city and county officers, for their bureau
/// and the bureaus below it (the store judges the provider).
pub fn role_writes(role: crate::Role) -> bool {
    use crate::Role::*;
    matches!(role, ProvinceAdmin | CityOfficer | CountyOfficer)
}

/// The place rule: a region scope covering the provider's division.
pub fn may_write(scope: &Scope, provider: i64) -> bool {
    u32::try_from(provider).is_ok_and(|p| standard::codes::DIVISIONS.get(p).is_some()) && crate::ledger::may_publish(scope, provider)
}

/// The provider's name: the division's education department (四川省教育厅, 成都市教育局 …).
pub fn provider_name(code: i64) -> String {
    let d = u32::try_from(code).ok().and_then(|c| standard::codes::DIVISIONS.get(c));
    match d {
        Some(d) if code % 10_000 == 0 => format!("{}教育厅", d.name),
        Some(d) => format!("{}教育局", d.name),
        None => code.to_string(),
    }
}

/// The day (UTC+8) of a unix time.
pub fn day_of(now: i64) -> Date {
    Date::from_days_since_epoch((now + 8 * 3600).div_euclid(86_400))
}

/// A problem with a dataset as written: (field, Chinese, English).
pub type Problem = (&'static str, String, String);

/// Every problem of a dataset's metadata at once (the store refuses a dataset with any).
pub fn problems(n: &NewDataset) -> Vec<Problem> {
    let mut p: Vec<Problem> = Vec::new();
    if !n.class.valid() {
        p.push(("class", "资源分类应为 9 位数字：类（1–3）、项（2 位）、目（3 位）、细目（3 位）。".into(), "The class must be 9 digits: 类 (1–3), 项 (2), 目 (3), 细目 (3).".into()));
    }
    let name = n.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        p.push(("name", "请填写资源名称（最多 100 个字）。".into(), "Enter the name (at most 100 characters).".into()));
    }
    if u32::try_from(n.provider_code).ok().and_then(|c| standard::codes::DIVISIONS.get(c)).is_none() {
        p.push(("provider_code", "提供方应为省、市或区县的 6 位行政区划代码。".into(), "The provider must be a 6-digit division code.".into()));
    }
    if n.summary.trim().is_empty() || n.summary.chars().count() > 2000 {
        p.push(("summary", "请填写资源摘要（最多 2000 个字）。".into(), "Enter a summary (at most 2000 characters).".into()));
    }
    if n.share_type == ShareType::Conditional && n.share_condition.trim().is_empty() {
        p.push(("share_condition", "有条件共享的资源须写明共享条件。".into(), "A conditionally shared dataset needs its condition.".into()));
    }
    if n.share_type == ShareType::None && n.legal_basis.trim().is_empty() {
        p.push(("legal_basis", "不予共享的资源须写明法律法规或政策依据。".into(), "A dataset not shared needs its legal basis.".into()));
    }
    if n.fields.is_empty() {
        p.push(("fields", "请至少列出一个字段。".into(), "List at least one field.".into()));
    }
    let mut seen = std::collections::HashSet::new();
    for f in &n.fields {
        let ok = !f.name.is_empty() && f.name.len() <= 64 && f.name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !ok {
            p.push(("fields", format!("字段代码“{}”应由字母、数字和下划线组成（最多 64 个）。", f.name), format!("Field code “{}” must be letters, digits and underscores (at most 64).", f.name)));
        } else if !seen.insert(f.name.to_ascii_lowercase()) {
            p.push(("fields", format!("字段代码“{}”重复。", f.name), format!("Field code “{}” appears twice.", f.name)));
        }
        if f.title.trim().is_empty() {
            p.push(("fields", format!("字段“{}”缺少中文名称。", f.name), format!("Field “{}” has no title.", f.name)));
        }
    }
    p
}

/// What the store needs of a backend: the registers' primitives.
pub trait Catalog {
    /// Registers a hand-made dataset (version 1); OutOfScope when the scope may not write its
    /// provider, Conflict with the problems when the metadata does not hold.
    fn catalog_register(&mut self, scope: &Scope, n: &NewDataset, by: &str, now: i64) -> Result<Dataset, StoreError>;
    /// Writes a new version of a dataset; OutOfScope when the dataset is unknown or outside the
    /// writer's area (the new provider too). The same metadata again writes nothing and returns
    /// the current version.
    fn catalog_update(&mut self, scope: &Scope, id: i64, n: &NewDataset, note: &str, by: &str, now: i64) -> Result<Dataset, StoreError>;
    /// The current version with its fields; None when unknown or a draft outside the scope.
    fn catalog_dataset(&mut self, scope: &Scope, id: i64) -> Result<Option<Dataset>, StoreError>;
    /// One version (old ones stay readable); None as above or when there is no such version.
    fn catalog_version(&mut self, scope: &Scope, id: i64, version: u32) -> Result<Option<Dataset>, StoreError>;
    /// The versions, newest first; empty as above.
    fn catalog_versions(&mut self, scope: &Scope, id: i64) -> Result<Vec<VersionInfo>, StoreError>;
    /// The datasets the scope reads, in id order.
    fn catalog_list(&mut self, scope: &Scope, q: &CatalogQuery) -> Result<Page<DatasetSummary>, StoreError>;
    /// Brings the automatic entries (`(key, metadata)`, from [`crate::catalog_auto::derive`]) into
    /// the catalog: a new dataset for a new key, a new version only when the metadata changed.
    fn catalog_sync(&mut self, scope: &Scope, derived: &[(String, NewDataset)], by: &str, now: i64) -> Result<SyncReport, StoreError>;
}

const DS_COLS: &str = "d.id, d.version, d.resource_code, d.origin, d.auto_key, d.created_at, \
    v.version, v.class_code, v.name, v.provider_code, v.provider_name, v.summary, v.format, v.share_type, v.share_condition, v.legal_basis, v.method, v.cycle, v.status, v.keywords, v.publish_date, v.note, v.changed_by, v.changed_at";

fn bad(what: &str, v: &str) -> StoreError {
    StoreError::Internal(format!("unknown {what} {v}"))
}

fn parse<T>(r: &dyn SqlRow, i: usize, what: &str, f: fn(&str) -> Option<T>) -> Result<T, StoreError> {
    let s = r.string(i)?;
    f(&s).ok_or_else(|| bad(what, &s))
}

fn dataset_from(r: &dyn SqlRow) -> Result<Dataset, StoreError> {
    Ok(Dataset {
        id: r.i64(0)?,
        current_version: r.i64(1)? as u32,
        resource_code: r.string(2)?,
        origin: parse(r, 3, "origin", Origin::parse)?,
        auto_key: r.string(4)?,
        created_at: r.i64(5)?,
        version: r.i64(6)? as u32,
        meta: NewDataset {
            class: parse(r, 7, "class", Class::parse)?,
            name: r.string(8)?,
            provider_code: r.i64(9)?,
            summary: r.string(11)?,
            format: parse(r, 12, "format", Format::parse)?,
            share_type: parse(r, 13, "share type", ShareType::parse)?,
            share_condition: r.string(14)?,
            legal_basis: r.string(15)?,
            method: parse(r, 16, "method", ShareMethod::parse)?,
            cycle: parse(r, 17, "cycle", UpdateCycle::parse)?,
            status: parse(r, 18, "status", Status::parse)?,
            keywords: r.string(19)?,
            fields: Vec::new(),
        },
        provider_name: r.string(10)?,
        publish_date: r.opt_string(20)?.and_then(|s| Date::parse_iso(&s)),
        note: r.string(21)?,
        changed_by: r.string(22)?,
        changed_at: r.i64(23)?,
    })
}

fn rows<T>(db: &mut (impl LedgerSql + ?Sized), sql: &str, args: Vec<Arg>, decode: fn(&dyn SqlRow) -> Result<T, StoreError>) -> Result<Vec<T>, StoreError> {
    let sql = db.ledger_dialect().render(sql).into_owned();
    let mut out = Vec::new();
    db.ledger_rows(&sql, args, &mut |r| {
        out.push(decode(r)?);
        Ok(())
    })?;
    Ok(out)
}

fn exec(db: &mut (impl LedgerSql + ?Sized), sql: &str, args: Vec<Arg>) -> Result<u64, StoreError> {
    let sql = db.ledger_dialect().render(sql).into_owned();
    db.ledger_exec(&sql, args)
}

/// The scope's condition on what it reads: published, or a provider within its region.
fn visible(w: &mut Where, scope: &Scope) {
    match scope {
        Scope::Region { lo, hi } => {
            let c = format!("(d.status = 'published' OR d.provider_code BETWEEN {} AND {})", w.arg(i64::from(*lo)), w.arg(i64::from(*hi)));
            w.cond(c);
        }
        _ => w.cond("d.status = 'published'".to_string()),
    }
}

fn readable(scope: &Scope, status: Status, provider: i64) -> bool {
    status == Status::Published || may_write(scope, provider)
}

fn fields_of(db: &mut (impl LedgerSql + ?Sized), id: i64, version: u32) -> Result<Vec<Field>, StoreError> {
    rows(
        db,
        "SELECT name, title, data_type, description, mask_kind FROM catalog_fields WHERE dataset_id = ?1 AND version = ?2 ORDER BY seq",
        vec![id.into(), i64::from(version).into()],
        |r| {
            let mask = r.string(4)?;
            Ok(Field {
                name: r.string(0)?,
                title: r.string(1)?,
                data_type: parse(r, 2, "field type", FieldType::parse)?,
                description: r.string(3)?,
                mask: if mask.is_empty() { None } else { Some(MaskKind::parse(&mask).ok_or_else(|| bad("mask", &mask))?) },
            })
        },
    )
}

fn load(db: &mut (impl LedgerSql + ?Sized), id: i64, version: Option<u32>) -> Result<Option<Dataset>, StoreError> {
    let sql = match version {
        Some(_) => format!("SELECT {DS_COLS} FROM catalog_datasets d JOIN catalog_versions v ON v.dataset_id = d.id WHERE d.id = ?1 AND v.version = ?2 AND v.version <= d.version"),
        None => format!("SELECT {DS_COLS} FROM catalog_datasets d JOIN catalog_versions v ON v.dataset_id = d.id AND v.version = d.version WHERE d.id = ?1"),
    };
    let mut args: Vec<Arg> = vec![id.into()];
    if let Some(v) = version {
        args.push(i64::from(v).into());
    }
    let Some(mut d) = rows(db, &sql, args, dataset_from)?.into_iter().next() else { return Ok(None) };
    d.meta.fields = fields_of(db, d.id, d.version)?;
    Ok(Some(d))
}

/// The current version, when the scope may write it; OutOfScope otherwise (unknown included).
fn writable(db: &mut (impl LedgerSql + ?Sized), scope: &Scope, id: i64) -> Result<Dataset, StoreError> {
    match load(db, id, None)? {
        Some(d) if may_write(scope, d.meta.provider_code) => Ok(d),
        _ => Err(StoreError::OutOfScope),
    }
}

fn search_text(n: &NewDataset, code: &str) -> String {
    let mut s = format!("{} {} {} {}", n.name, code, n.keywords, n.class.code());
    for f in &n.fields {
        s.push(' ');
        s.push_str(&f.name);
        s.push(' ');
        s.push_str(&f.title);
    }
    s.to_lowercase()
}

fn clean(n: &NewDataset) -> NewDataset {
    let mut n = n.clone();
    n.name = n.name.trim().into();
    n.summary = n.summary.trim().into();
    n.share_condition = n.share_condition.trim().into();
    n.legal_basis = n.legal_basis.trim().into();
    n.keywords = n.keywords.trim().into();
    for f in &mut n.fields {
        f.name = f.name.trim().into();
        f.title = f.title.trim().into();
        f.description = f.description.trim().into();
    }
    n
}

fn check(n: &NewDataset) -> Result<(), StoreError> {
    let p = problems(n);
    if p.is_empty() {
        Ok(())
    } else {
        let zh: Vec<String> = p.iter().map(|x| x.1.clone()).collect();
        let en: Vec<String> = p.iter().map(|x| x.2.clone()).collect();
        Err(StoreError::Conflict(format!("{}（{}）", zh.join(""), en.join(" "))))
    }
}

/// Writes version `version` of dataset `id` and makes it current.
fn write_version(db: &mut (impl LedgerSql + ?Sized), id: i64, version: u32, code: &str, n: &NewDataset, publish: Option<Date>, note: &str, by: &str, now: i64) -> Result<(), StoreError> {
    // A version left half written by a failed write (above the current one) is replaced.
    exec(db, "DELETE FROM catalog_fields WHERE dataset_id = ?1 AND version >= ?2", vec![id.into(), i64::from(version).into()])?;
    exec(db, "DELETE FROM catalog_versions WHERE dataset_id = ?1 AND version >= ?2", vec![id.into(), i64::from(version).into()])?;
    exec(
        db,
        "INSERT INTO catalog_versions (dataset_id, version, class_code, name, provider_code, provider_name, summary, format, share_type, share_condition, legal_basis, method, cycle, status, keywords, publish_date, note, changed_by, changed_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)",
        vec![
            id.into(),
            i64::from(version).into(),
            n.class.code().into(),
            n.name.as_str().into(),
            n.provider_code.into(),
            provider_name(n.provider_code).into(),
            n.summary.as_str().into(),
            n.format.code().into(),
            n.share_type.code().into(),
            n.share_condition.as_str().into(),
            n.legal_basis.as_str().into(),
            n.method.code().into(),
            n.cycle.code().into(),
            n.status.code().into(),
            n.keywords.as_str().into(),
            publish.map(|d| d.to_string()).unwrap_or_default().into(),
            note.trim().into(),
            by.into(),
            now.into(),
        ],
    )?;
    for (i, f) in n.fields.iter().enumerate() {
        exec(
            db,
            "INSERT INTO catalog_fields (dataset_id, version, seq, name, title, data_type, description, personal, mask_kind) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            vec![
                id.into(),
                i64::from(version).into(),
                (i as i64 + 1).into(),
                f.name.as_str().into(),
                f.title.as_str().into(),
                f.data_type.code().into(),
                f.description.as_str().into(),
                f.personal().into(),
                f.mask.map(|m| m.code()).unwrap_or("").into(),
            ],
        )?;
    }
    // Last: the dataset points at the new version (a failure before leaves the old one current).
    exec(
        db,
        "UPDATE catalog_datasets SET version = ?2, status = ?3, name = ?4, provider_code = ?5, share_type = ?6, class_code = ?7, search_text = ?8, fields = ?9, updated_at = ?10 WHERE id = ?1",
        vec![
            id.into(),
            i64::from(version).into(),
            n.status.code().into(),
            n.name.as_str().into(),
            n.provider_code.into(),
            n.share_type.code().into(),
            n.class.code().into(),
            search_text(n, code).into(),
            (n.fields.len() as i64).into(),
            now.into(),
        ],
    )?;
    Ok(())
}

/// Creates the dataset row with its resource code (the next sequence of its class and provider).
fn create(db: &mut (impl LedgerSql + ?Sized), n: &NewDataset, origin: Origin, auto_key: &str, by: &str, now: i64) -> Result<(i64, String), StoreError> {
    let prefix = format!("{}/{:06}-", n.class.code(), n.provider_code);
    let taken = rows(db, "SELECT resource_code FROM catalog_datasets WHERE resource_code LIKE ?1", vec![format!("{prefix}%").into()], |r| r.string(0))?;
    let seq = taken.iter().filter_map(|c| c.strip_prefix(&prefix)?.parse::<u32>().ok()).max().unwrap_or(0) + 1;
    let code = resource_code(&n.class, n.provider_code, seq);
    let ids = rows(
        db,
        "INSERT INTO catalog_datasets (resource_code, origin, auto_key, provider_code, version, status, name, share_type, class_code, search_text, fields, created_by, created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, 0, ?5, ?6, ?7, ?8, '', 0, ?9, ?10, ?10) RETURNING id",
        vec![code.as_str().into(), origin.code().into(), auto_key.into(), n.provider_code.into(), n.status.code().into(), n.name.as_str().into(), n.share_type.code().into(), n.class.code().into(), by.into(), now.into()],
        |r| r.i64(0),
    )?;
    let id = *ids.first().ok_or_else(|| StoreError::Internal("no id returned".into()))?;
    Ok((id, code))
}

fn first_publish(n: &NewDataset, before: Option<Date>, now: i64) -> Option<Date> {
    before.or_else(|| (n.status == Status::Published).then(|| day_of(now)))
}

/// The metadata a version is compared on (the derived entries are rewritten only when it differs).
fn same(a: &NewDataset, b: &NewDataset) -> bool {
    a == b
}

impl<T: LedgerSql + ?Sized> Catalog for T {
    fn catalog_register(&mut self, scope: &Scope, n: &NewDataset, by: &str, now: i64) -> Result<Dataset, StoreError> {
        if !may_write(scope, n.provider_code) {
            return Err(StoreError::OutOfScope);
        }
        let n = clean(n);
        check(&n)?;
        let (id, code) = create(self, &n, Origin::Manual, "", by, now)?;
        write_version(self, id, 1, &code, &n, first_publish(&n, None, now), "", by, now)?;
        load(self, id, None)?.ok_or_else(|| StoreError::Internal("dataset not written".into()))
    }

    fn catalog_update(&mut self, scope: &Scope, id: i64, n: &NewDataset, note: &str, by: &str, now: i64) -> Result<Dataset, StoreError> {
        let cur = writable(self, scope, id)?;
        if !may_write(scope, n.provider_code) {
            return Err(StoreError::OutOfScope);
        }
        let n = clean(n);
        check(&n)?;
        if same(&cur.meta, &n) {
            return Ok(cur);
        }
        write_version(self, id, cur.current_version + 1, &cur.resource_code, &n, first_publish(&n, cur.publish_date, now), note, by, now)?;
        load(self, id, None)?.ok_or_else(|| StoreError::Internal("dataset not written".into()))
    }

    fn catalog_dataset(&mut self, scope: &Scope, id: i64) -> Result<Option<Dataset>, StoreError> {
        Ok(load(self, id, None)?.filter(|d| readable(scope, d.meta.status, d.meta.provider_code)))
    }

    fn catalog_version(&mut self, scope: &Scope, id: i64, version: u32) -> Result<Option<Dataset>, StoreError> {
        // Readable when the dataset (its current version) is: a draft's history is its area's.
        if self.catalog_dataset(scope, id)?.is_none() {
            return Ok(None);
        }
        load(self, id, Some(version))
    }

    fn catalog_versions(&mut self, scope: &Scope, id: i64) -> Result<Vec<VersionInfo>, StoreError> {
        if self.catalog_dataset(scope, id)?.is_none() {
            return Ok(Vec::new());
        }
        rows(
            self,
            "SELECT v.version, v.name, v.status, v.share_type, (SELECT COUNT(*) FROM catalog_fields f WHERE f.dataset_id = v.dataset_id AND f.version = v.version), v.note, v.changed_by, v.changed_at \
             FROM catalog_versions v JOIN catalog_datasets d ON d.id = v.dataset_id WHERE v.dataset_id = ?1 AND v.version <= d.version ORDER BY v.version DESC",
            vec![id.into()],
            |r| {
                Ok(VersionInfo {
                    version: r.i64(0)? as u32,
                    name: r.string(1)?,
                    status: parse(r, 2, "status", Status::parse)?,
                    share_type: parse(r, 3, "share type", ShareType::parse)?,
                    fields: r.i64(4)?.max(0) as u32,
                    note: r.string(5)?,
                    changed_by: r.string(6)?,
                    changed_at: r.i64(7)?,
                })
            },
        )
    }

    fn catalog_list(&mut self, scope: &Scope, q: &CatalogQuery) -> Result<Page<DatasetSummary>, StoreError> {
        let mut w = Where::new(self.ledger_dialect());
        visible(&mut w, scope);
        let text = q.text.trim().to_lowercase();
        for word in text.split_whitespace().take(8) {
            let like = format!("%{}%", word.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
            let c = format!("d.search_text LIKE {} ESCAPE '\\'", w.arg(like));
            w.cond(c);
        }
        let class: String = q.class.chars().filter(|c| c.is_ascii_digit()).take(9).collect();
        if !class.is_empty() {
            let c = format!("d.class_code LIKE {}", w.arg(format!("{class}%")));
            w.cond(c);
        }
        if let Some(p) = q.provider {
            let c = format!("d.provider_code = {}", w.arg(p));
            w.cond(c);
        }
        if let Some(s) = q.share_type {
            let c = format!("d.share_type = {}", w.arg(s.code()));
            w.cond(c);
        }
        if let Some(o) = q.origin {
            let c = format!("d.origin = {}", w.arg(o.code()));
            w.cond(c);
        }
        if let Some(a) = q.after {
            let c = format!("d.id > {}", w.arg(a));
            w.cond(c);
        }
        let lim = crate::sql::limit(q.limit);
        let sql = format!(
            "SELECT d.id, d.version, d.resource_code, d.origin, d.class_code, d.name, d.provider_code, d.share_type, d.status, v.cycle, d.fields, d.updated_at, v.provider_name \
             FROM catalog_datasets d JOIN catalog_versions v ON v.dataset_id = d.id AND v.version = d.version{} ORDER BY d.id LIMIT {}",
            w.where_(),
            lim + 1
        );
        let mut got = Vec::new();
        self.ledger_rows(&sql, w.args, &mut |r| {
            got.push(DatasetSummary {
                id: r.i64(0)?,
                version: r.i64(1)? as u32,
                resource_code: r.string(2)?,
                origin: parse(r, 3, "origin", Origin::parse)?,
                class: parse(r, 4, "class", Class::parse)?,
                name: r.string(5)?,
                provider_code: r.i64(6)?,
                share_type: parse(r, 7, "share type", ShareType::parse)?,
                status: parse(r, 8, "status", Status::parse)?,
                cycle: parse(r, 9, "cycle", UpdateCycle::parse)?,
                fields: r.i64(10)?.max(0) as u32,
                updated_at: r.i64(11)?,
                provider_name: r.string(12)?,
            });
            Ok(())
        })?;
        got.retain(|d| readable(scope, d.status, d.provider_code));
        Ok(crate::sql::page(got, lim, |x| x.id.to_string()))
    }

    fn catalog_sync(&mut self, scope: &Scope, derived: &[(String, NewDataset)], by: &str, now: i64) -> Result<SyncReport, StoreError> {
        let mut rep = SyncReport::default();
        for (key, n) in derived {
            if !may_write(scope, n.provider_code) {
                return Err(StoreError::OutOfScope);
            }
            let n = clean(n);
            check(&n)?;
            let found = rows(self, "SELECT id FROM catalog_datasets WHERE auto_key = ?1", vec![key.as_str().into()], |r| r.i64(0))?;
            match found.first() {
                None => {
                    let (id, code) = create(self, &n, Origin::Auto, key, by, now)?;
                    write_version(self, id, 1, &code, &n, first_publish(&n, None, now), "平台自动编目", by, now)?;
                    rep.created += 1;
                }
                Some(&id) => {
                    let cur = load(self, id, None)?.ok_or_else(|| StoreError::Internal("dataset without its version".into()))?;
                    if same(&cur.meta, &n) {
                        rep.unchanged += 1;
                    } else {
                        write_version(self, id, cur.current_version + 1, &cur.resource_code, &n, first_publish(&n, cur.publish_date, now), "平台自动编目：元数据变化", by, now)?;
                        rep.updated += 1;
                    }
                }
            }
        }
        Ok(rep)
    }
}
