//! 登记备案 — the province enters one provider filing in the console: every problem of the form
//! at once in Chinese (English in the English console), the values kept; audited like the API's
//! `app_filing_create`.

use super::api::FilingBody;
use super::writes_filings;
use crate::auth::Identity;
use crate::error::AppError;
use crate::form::Problems;
use crate::render::{html, Ctx};
use crate::routes::{ip, ready, Me, Peer};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use std::sync::Arc;

/// The form's fields: (name, label zh, label en, hint zh, hint en).
const FIELDS: &[(&str, &str, &str, &str, &str)] = &[
    ("filing_no", "备案号", "Filing number", "", ""),
    ("provider", "提供者", "Provider", "", ""),
    ("credit_code", "统一社会信用代码", "Credit code", "提供者的 18 位代码", "the provider's 18 characters"),
    ("app_name", "应用名称", "App name", "", ""),
    ("version", "版本", "Version", "", ""),
    ("platforms", "平台", "Platforms", "多个用顿号分隔", "several separated by commas"),
    ("icp_no", "网站备案号", "ICP number", "选填", "optional"),
    ("mlps_no", "等保备案号", "MLPS filing number", "选填", "optional"),
    ("permissions", "申请的权限", "Permissions", "如：相机、位置；多个用顿号分隔", "e.g. camera, location"),
    ("personal_data", "收集的个人信息", "Personal data collected", "如：姓名、班级", "e.g. name, class"),
    ("minors", "面向未成年人", "For minors", "是 或 否", "yes or no"),
    ("filed_on", "备案日期", "Filing date", "年-月-日", "YYYY-MM-DD"),
    ("status", "状态", "Status", "有效 或 注销，不填为有效", "valid or cancelled; empty: valid"),
];

#[derive(Template)]
#[template(path = "apps_filing_form.html")]
struct FormPage {
    c: Ctx,
    f: FilingBody,
    p: Problems,
}

impl FormPage {
    fn fields(&self) -> &'static [(&'static str, &'static str, &'static str, &'static str, &'static str)] {
        FIELDS
    }
    fn value(&self, name: &str) -> &str {
        let f = &self.f;
        match name {
            "filing_no" => &f.filing_no,
            "provider" => &f.provider,
            "credit_code" => &f.credit_code,
            "app_name" => &f.app_name,
            "version" => &f.version,
            "platforms" => &f.platforms,
            "icp_no" => &f.icp_no,
            "mlps_no" => &f.mlps_no,
            "permissions" => &f.permissions,
            "personal_data" => &f.personal_data,
            "minors" => &f.minors,
            "filed_on" => &f.filed_on,
            "status" => &f.status,
            _ => "",
        }
    }
}

fn form_page(app: &AppState, headers: &HeaderMap, me: &Identity, f: FilingBody, p: Problems) -> Result<Response, AppError> {
    let bad = !p.is_empty();
    let mut r = html(FormPage { c: Ctx::new(app, headers, Some(me), "/apps", "apps"), f, p })?;
    if bad {
        *r.status_mut() = StatusCode::BAD_REQUEST;
    }
    Ok(r)
}

pub async fn new_form(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me) -> Result<Response, AppError> {
    let me = ready(me)?;
    writes_filings(&me)?;
    let t = crate::i18n::T { lang: crate::auth::lang(&headers, &app) };
    let f = FilingBody { minors: "是".into(), status: "有效".into(), ..Default::default() };
    form_page(&app, &headers, &me, f, Problems::new(&t))
}

/// Saves the filing: back to the form with every problem, or on to the filing's page.
pub async fn create(State(app): State<Arc<AppState>>, headers: HeaderMap, peer: Peer, me: Me, Form(f): Form<FilingBody>) -> Result<Response, AppError> {
    let me = ready(me)?;
    writes_filings(&me)?;
    let t = crate::i18n::T { lang: crate::auth::lang(&headers, &app) };
    let mut p = Problems::new(&t);
    let new = match secman::apps::parse_filing(&f.input(), app.clock.today()) {
        Ok(n) => n,
        Err(ps) => {
            for x in ps {
                p.add(x.field, x.zh, x.en);
            }
            return form_page(&app, &headers, &me, f, p);
        }
    };
    let scope = me.scope.clone();
    let by = me.user.name.clone();
    let now = app.clock.now();
    match app.pool.run(move |s| super::written(s.create_filing(&scope, &new, &by, now))).await {
        Ok(made) => {
            app.audit_by(&me, "app_filing_create", &format!("app_filing:{}", made.id), serde_json::json!({"filing_no": made.new.filing_no}).to_string(), &ip(&headers, &peer)).await?;
            Ok(Redirect::to(&format!("/apps/{}", made.id)).into_response())
        }
        Err(e @ (AppError::Invalid { .. } | AppError::Conflict { .. })) => {
            let (zh, en) = e.message();
            p.add("filing_no", zh, en);
            form_page(&app, &headers, &me, f, p)
        }
        Err(e) => Err(e),
    }
}
