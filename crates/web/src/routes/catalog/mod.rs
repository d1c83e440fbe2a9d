//! 数据资源目录 — the data resource catalog (issue 14): `/catalog` (browse and search, filters by
//! class, provider and share type), `/catalog/{id}` (a dataset with its fields and versions,
//! `?version=n` an older one), the forms to register and edit a hand-made dataset (checked
//! whole), the DCAT (JSON-LD) export `/catalog.jsonld` ([`dcat`]), and the API under
//! `/api/v1/catalog` ([`api`]). Storage, versions and scope are `store::catalog`; the automatic
//! entries `store::catalog_auto`; this module shows, forms and audits.

pub mod api;
pub mod dcat;
pub mod export;
pub mod pages;

use crate::auth::Identity;
use crate::error::AppError;
use crate::form::Problems;
use crate::i18n::T;
use crate::state::AppState;
use axum::routing::get;
use axum::Router;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use store::catalog::{Class, Dataset, DatasetSummary, Field, FieldType, Format, MaskKind, NewDataset, ShareMethod, ShareType, Status, UpdateCycle, VersionInfo};

pub use api::api_routes;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/catalog", get(pages::list))
        .route("/catalog.jsonld", get(dcat::page_export))
        .route("/catalog/new", get(pages::new_form).post(pages::create))
        .route("/catalog/{id}", get(pages::detail))
        .route("/catalog/{id}/edit", get(pages::edit_form).post(pages::edit))
}

/// The role reads the catalog (every role: it is the menu of what can be requested).
pub fn reads(me: &Identity) -> Result<(), AppError> {
    crate::routes::require(store::catalog::role_reads(me.user.role))
}

/// The role registers and edits datasets (each write judged in the store).
pub fn writes(me: &Identity) -> Result<(), AppError> {
    crate::routes::require(store::catalog::role_writes(me.user.role))
}

/// The area a caller reads the catalog in: the published entries for everyone; the drafts of
/// their area for the roles that register datasets (a data consumer, an auditor, a school or a
/// security officer sees published entries only, whatever its area).
pub fn read_scope(me: &Identity) -> store::Scope {
    if store::catalog::role_writes(me.user.role) {
        me.scope.clone()
    } else {
        store::Scope::Nothing
    }
}

/// A field as shown and as the API takes it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = CatalogField)]
pub struct FieldBody {
    /// The column's code: letters, digits and underscores.
    #[serde(default)]
    pub name: String,
    /// 中文名称.
    #[serde(default)]
    pub title: String,
    /// text, code, integer, decimal, date, datetime, boolean.
    #[serde(default)]
    pub data_type: String,
    #[serde(default)]
    pub description: String,
    /// Empty when not personal; else how it is masked: id_number, student_id, name, phone,
    /// address, birth_date, withheld.
    #[serde(default)]
    pub mask: String,
}

/// A dataset as typed (the API's body; the form writes `fields` as lines, see [`DatasetForm`]).
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = CatalogDatasetInput)]
pub struct DatasetBody {
    /// 资源分类: nine digits, 类 (1–3) 项 (2) 目 (3) 细目 (3), e.g. `309001000`.
    #[serde(default)]
    pub class: String,
    #[serde(default)]
    pub name: String,
    /// The provider's division code (your bureau or one below it).
    #[serde(default)]
    pub provider_code: String,
    #[serde(default)]
    pub summary: String,
    /// database, csv, xlsx, json.
    #[serde(default)]
    pub format: String,
    /// unconditional, conditional, none (无条件共享, 有条件共享, 不予共享).
    #[serde(default)]
    pub share_type: String,
    /// Required with `conditional`.
    #[serde(default)]
    pub share_condition: String,
    /// Required with `none`.
    #[serde(default)]
    pub legal_basis: String,
    /// api, file, feed, query.
    #[serde(default)]
    pub method: String,
    /// realtime, daily, weekly, monthly, termly, yearly, irregular.
    #[serde(default)]
    pub cycle: String,
    /// draft or published.
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub keywords: String,
    /// What this version changes (an edit).
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub fields: Vec<FieldBody>,
}

/// The form: the same with the fields as lines `代码｜中文名称｜类型｜说明｜脱敏方式`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DatasetForm {
    #[serde(default)]
    pub class: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub provider_code: String,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub format: String,
    #[serde(default)]
    pub share_type: String,
    #[serde(default)]
    pub share_condition: String,
    #[serde(default)]
    pub legal_basis: String,
    #[serde(default)]
    pub method: String,
    #[serde(default)]
    pub cycle: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub keywords: String,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub fields: String,
}

impl DatasetForm {
    pub fn of(d: &NewDataset) -> DatasetForm {
        let b = DatasetBody::of(d);
        DatasetForm {
            class: b.class,
            name: b.name,
            provider_code: b.provider_code,
            summary: b.summary,
            format: b.format,
            share_type: b.share_type,
            share_condition: b.share_condition,
            legal_basis: b.legal_basis,
            method: b.method,
            cycle: b.cycle,
            status: b.status,
            keywords: b.keywords,
            note: String::new(),
            fields: b.fields.iter().map(|f| [f.name.as_str(), &f.title, &f.data_type, &f.description, &f.mask].join("｜").trim_end_matches('｜').to_string()).collect::<Vec<_>>().join("\n"),
        }
    }

    /// The body, the field lines read (`|` or `｜` apart); a line that does not read is a problem.
    pub fn body(&self, p: &mut Problems) -> DatasetBody {
        let mut fields = Vec::new();
        for (i, line) in self.fields.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let parts: Vec<&str> = line.split(['|', '｜']).map(str::trim).collect();
            if parts.len() < 3 {
                p.add("fields", format!("第 {} 行应写作“代码｜中文名称｜类型｜说明｜脱敏方式”（说明和脱敏方式可省略）。", i + 1), format!("Line {} must read “code｜title｜type｜description｜mask” (the last two may be left out).", i + 1));
                continue;
            }
            fields.push(FieldBody { name: parts[0].into(), title: parts[1].into(), data_type: parts[2].into(), description: parts.get(3).copied().unwrap_or("").into(), mask: parts.get(4).copied().unwrap_or("").into() });
        }
        DatasetBody {
            class: self.class.clone(),
            name: self.name.clone(),
            provider_code: self.provider_code.clone(),
            summary: self.summary.clone(),
            format: self.format.clone(),
            share_type: self.share_type.clone(),
            share_condition: self.share_condition.clone(),
            legal_basis: self.legal_basis.clone(),
            method: self.method.clone(),
            cycle: self.cycle.clone(),
            status: self.status.clone(),
            keywords: self.keywords.clone(),
            note: self.note.clone(),
            fields,
        }
    }
}

impl DatasetBody {
    pub fn of(d: &NewDataset) -> DatasetBody {
        DatasetBody {
            class: d.class.code(),
            name: d.name.clone(),
            provider_code: d.provider_code.to_string(),
            summary: d.summary.clone(),
            format: d.format.code().into(),
            share_type: d.share_type.code().into(),
            share_condition: d.share_condition.clone(),
            legal_basis: d.legal_basis.clone(),
            method: d.method.code().into(),
            cycle: d.cycle.code().into(),
            status: d.status.code().into(),
            keywords: d.keywords.clone(),
            note: String::new(),
            fields: d.fields.iter().map(field_body).collect(),
        }
    }

    /// The dataset, or every problem at once (problems already found kept).
    pub fn parse(&self, mut p: Problems) -> Result<NewDataset, Problems> {
        fn pick<X: Copy>(p: &mut Problems, field: &'static str, v: &str, f: fn(&str) -> Option<X>, dflt: X, zh: &str, en: &str) -> X {
            match v.trim() {
                "" => dflt,
                x => f(x).unwrap_or_else(|| {
                    p.add(field, format!("{zh}“{x}”无法识别，请从列表中选择。"), format!("{en} “{x}” is not known: pick one from the list."));
                    dflt
                }),
            }
        }
        let class = match Class::parse(&self.class) {
            Some(c) => c,
            None => {
                p.add("class", "资源分类应为 9 位数字：类（1–3）、项（2 位）、目（3 位）、细目（3 位，无细目写 000），如 309001000。", "The class must be 9 digits: 类 (1–3), 项 (2), 目 (3), 细目 (3, 000 when none), e.g. 309001000.");
                Class { lei: 3, xiang: 1, mu: 1, ximu: 0 }
            }
        };
        let provider_code = match self.provider_code.trim().parse::<i64>() {
            Ok(c) if self.provider_code.trim().len() == 6 => c,
            _ => {
                p.add("provider_code", "提供方应为 6 位行政区划代码（本单位或下级教育局）。", "The provider must be a 6-digit division code (your bureau or one below it).");
                0
            }
        };
        let format = pick(&mut p, "format", &self.format, Format::parse, Format::Xlsx, "资源格式", "Format");
        let share_type = pick(&mut p, "share_type", &self.share_type, ShareType::parse, ShareType::Conditional, "共享类型", "Share type");
        let method = pick(&mut p, "method", &self.method, ShareMethod::parse, ShareMethod::File, "共享方式", "Method");
        let cycle = pick(&mut p, "cycle", &self.cycle, UpdateCycle::parse, UpdateCycle::Irregular, "更新周期", "Update cycle");
        let status = pick(&mut p, "status", &self.status, Status::parse, Status::Draft, "状态", "Status");
        let mut fields = Vec::new();
        for f in &self.fields {
            let data_type = match FieldType::parse(&f.data_type) {
                Some(t) => t,
                None => {
                    p.add("fields", format!("字段“{}”的类型“{}”无法识别：应为字符、代码、整数、数值、日期、日期时间或是否。", f.name, f.data_type), format!("Field “{}”: type “{}” is not known (text, code, integer, decimal, date, datetime, boolean).", f.name, f.data_type));
                    FieldType::Text
                }
            };
            let mask = match f.mask.trim() {
                "" | "否" | "无" => None,
                m => match MaskKind::parse(m) {
                    Some(k) => Some(k),
                    None => {
                        p.add("fields", format!("字段“{}”的脱敏方式“{m}”无法识别：应为身份证件号、学籍号、姓名、电话、住址、出生日期或整体隐藏。", f.name), format!("Field “{}”: mask “{m}” is not known.", f.name));
                        None
                    }
                },
            };
            fields.push(Field { name: f.name.trim().into(), title: f.title.trim().into(), data_type, description: f.description.trim().into(), mask });
        }
        let n = NewDataset {
            class,
            name: self.name.trim().into(),
            provider_code,
            summary: self.summary.trim().into(),
            format,
            share_type,
            share_condition: self.share_condition.trim().into(),
            legal_basis: self.legal_basis.trim().into(),
            method,
            cycle,
            status,
            keywords: self.keywords.trim().into(),
            fields,
        };
        for (field, zh, en) in store::catalog::problems(&n) {
            if !p.has(field) || field == "fields" {
                p.add(field, zh, en);
            }
        }
        if p.is_empty() {
            Ok(n)
        } else {
            Err(p)
        }
    }
}

pub fn field_body(f: &Field) -> FieldBody {
    FieldBody { name: f.name.clone(), title: f.title.clone(), data_type: f.data_type.code().into(), description: f.description.clone(), mask: f.mask.map(|m| m.code().to_string()).unwrap_or_default() }
}

/// A field as shown.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = CatalogFieldView)]
pub struct FieldView {
    pub name: String,
    pub title: String,
    pub data_type: String,
    pub data_type_name: String,
    pub description: String,
    pub personal: bool,
    /// How it is masked (empty when not personal).
    pub mask: String,
    pub mask_name: String,
}

/// A dataset (one version) as shown.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = CatalogDataset)]
pub struct DatasetView {
    pub id: i64,
    pub version: u32,
    pub current_version: u32,
    pub resource_code: String,
    /// auto or manual.
    pub origin: String,
    pub origin_name: String,
    /// Nine digits; `class_display` with its parts apart.
    pub class: String,
    pub class_display: String,
    pub class_name: String,
    pub name: String,
    pub provider_code: i64,
    pub provider_name: String,
    pub summary: String,
    pub format: String,
    pub format_name: String,
    pub media_type: String,
    pub share_type: String,
    pub share_type_name: String,
    pub share_condition: String,
    pub legal_basis: String,
    pub method: String,
    pub method_name: String,
    pub cycle: String,
    pub cycle_name: String,
    pub status: String,
    pub status_name: String,
    pub keywords: String,
    /// YYYY-MM-DD (China Standard Time), empty when never published.
    pub publish_date: String,
    pub note: String,
    pub changed_by: String,
    /// RFC 3339.
    pub changed_at: String,
    pub fields: Vec<FieldView>,
    /// The automatic entry's key (schools, teachers, students, …); empty for hand-registered ones.
    pub auto_key: String,
}

pub fn dataset_view(t: &T, d: &Dataset) -> DatasetView {
    let m = &d.meta;
    DatasetView {
        id: d.id,
        version: d.version,
        current_version: d.current_version,
        resource_code: d.resource_code.clone(),
        origin: d.origin.code().into(),
        origin_name: t.s(d.origin.zh(), d.origin.en()).into(),
        class: m.class.code(),
        class_display: m.class.display(),
        class_name: t.s(m.class.lei_zh(), m.class.lei_en()).into(),
        name: m.name.clone(),
        provider_code: m.provider_code,
        provider_name: d.provider_name.clone(),
        summary: m.summary.clone(),
        format: m.format.code().into(),
        format_name: t.s(m.format.zh(), m.format.en()).into(),
        media_type: m.format.media_type().into(),
        share_type: m.share_type.code().into(),
        share_type_name: t.s(m.share_type.zh(), m.share_type.en()).into(),
        share_condition: m.share_condition.clone(),
        legal_basis: m.legal_basis.clone(),
        method: m.method.code().into(),
        method_name: t.s(m.method.zh(), m.method.en()).into(),
        cycle: m.cycle.code().into(),
        cycle_name: t.s(m.cycle.zh(), m.cycle.en()).into(),
        status: m.status.code().into(),
        status_name: t.s(m.status.zh(), m.status.en()).into(),
        keywords: m.keywords.clone(),
        publish_date: d.publish_date.map(|x| x.to_string()).unwrap_or_default(),
        note: d.note.clone(),
        changed_by: d.changed_by.clone(),
        changed_at: store::time::rfc3339(d.changed_at),
        fields: m
            .fields
            .iter()
            .map(|f| FieldView {
                name: f.name.clone(),
                title: f.title.clone(),
                data_type: f.data_type.code().into(),
                data_type_name: t.s(f.data_type.zh(), f.data_type.en()).into(),
                description: f.description.clone(),
                personal: f.personal(),
                mask: f.mask.map(|k| k.code().to_string()).unwrap_or_default(),
                mask_name: f.mask.map(|k| t.s(k.zh(), k.en()).to_string()).unwrap_or_default(),
            })
            .collect(),
        auto_key: d.auto_key.clone(),
    }
}

/// A row of the list as shown.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = CatalogRow)]
pub struct RowView {
    pub id: i64,
    pub version: u32,
    pub resource_code: String,
    pub origin: String,
    pub class: String,
    pub class_display: String,
    pub name: String,
    pub provider_code: i64,
    pub provider_name: String,
    pub share_type: String,
    pub share_type_name: String,
    pub status: String,
    pub status_name: String,
    pub cycle_name: String,
    pub fields: u32,
    pub updated_at: String,
}

pub fn row_view(t: &T, r: &DatasetSummary) -> RowView {
    RowView {
        id: r.id,
        version: r.version,
        resource_code: r.resource_code.clone(),
        origin: r.origin.code().into(),
        class: r.class.code(),
        class_display: r.class.display(),
        name: r.name.clone(),
        provider_code: r.provider_code,
        provider_name: r.provider_name.clone(),
        share_type: r.share_type.code().into(),
        share_type_name: t.s(r.share_type.zh(), r.share_type.en()).into(),
        status: r.status.code().into(),
        status_name: t.s(r.status.zh(), r.status.en()).into(),
        cycle_name: t.s(r.cycle.zh(), r.cycle.en()).into(),
        fields: r.fields,
        updated_at: store::time::rfc3339(r.updated_at),
    }
}

/// A version in the history as shown.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = CatalogVersion)]
pub struct VersionView {
    pub version: u32,
    pub name: String,
    pub status_name: String,
    pub share_type_name: String,
    pub fields: u32,
    pub note: String,
    pub changed_by: String,
    pub changed_at: String,
}

pub fn version_view(t: &T, v: &VersionInfo) -> VersionView {
    VersionView {
        version: v.version,
        name: v.name.clone(),
        status_name: t.s(v.status.zh(), v.status.en()).into(),
        share_type_name: t.s(v.share_type.zh(), v.share_type.en()).into(),
        fields: v.fields,
        note: v.note.clone(),
        changed_by: v.changed_by.clone(),
        changed_at: store::time::rfc3339(v.changed_at),
    }
}

/// Registers (`id` None) or writes a new version of a dataset for `me`, judged in the store
/// against their area, and audits it (`catalog_register` / `catalog_update`; an edit that
/// changes nothing writes no version and no entry).
pub async fn write(app: &Arc<AppState>, me: &Identity, ipaddr: &str, id: Option<i64>, n: NewDataset, note: String) -> Result<Dataset, AppError> {
    writes(me)?;
    let scope = me.scope.clone();
    let by = me.user.name.clone();
    let now = app.clock.now();
    let (d, before) = app
        .pool
        .run(move |s| {
            if !store::catalog::may_write(&scope, n.provider_code) && id.is_none() {
                return Err(AppError::invalid(
                    format!("提供方 {} 不在您的管辖范围内：只能登记本单位或下级教育局的数据资源。", n.provider_code),
                    format!("Provider {} is outside your area: register datasets of your bureau or the ones below it.", n.provider_code),
                ));
            }
            let before = match id {
                Some(id) => {
                    let cur = s.catalog_dataset(&scope, id)?.ok_or(AppError::NotFound)?;
                    if cur.origin == store::catalog::Origin::Auto && store::catalog::may_write(&scope, cur.meta.provider_code) {
                        return Err(AppError::invalid("平台自动编目的数据资源由平台根据所存数据维护，不能手工修改。", "Datasets derived by the platform are kept by the platform: they cannot be edited by hand."));
                    }
                    Some(cur.version)
                }
                None => None,
            };
            let d = match id {
                None => s.catalog_register(&scope, &n, &by, now)?,
                Some(id) => s.catalog_update(&scope, id, &n, &note, &by, now)?,
            };
            Ok((d, before))
        })
        .await?;
    if before != Some(d.version) {
        let action = if before.is_none() { "catalog_register" } else { "catalog_update" };
        let detail = serde_json::json!({"dataset": d.resource_code, "version": d.version, "provider": d.meta.provider_code, "share_type": d.meta.share_type.code(), "status": d.meta.status.code()});
        app.audit_by(me, action, &format!("catalog:{}", d.id), detail.to_string(), ipaddr).await?;
    }
    Ok(d)
}

/// Audits a DCAT export (`catalog_export`: format, datasets, console or API).
pub async fn audit_export(app: &Arc<AppState>, me: &Identity, ipaddr: &str, rows: usize, via: &str) -> Result<(), AppError> {
    app.audit_by(me, "catalog_export", "catalog", serde_json::json!({"format": "dcat", "rows": rows, "via": via}).to_string(), ipaddr).await
}
