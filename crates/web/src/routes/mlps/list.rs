//! The register: systems in scope, filtered by region, level and due state, with totals, 50 a
//! page (sealed cursors bound to the account and the filters).

use super::{level_label, reads, stage_label, state_class, state_label, view, View};
use crate::error::AppError;
use crate::render::{html, Ctx};
use crate::routes::{ready, Me};
use crate::seal;
use crate::state::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Arc;
use store::mlps::{DueState, SystemQuery, Totals};

const PAGE: usize = 50;

#[derive(Deserialize, Default, Clone, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Filters {
    /// A division code inside the caller's area.
    #[serde(default)]
    pub region: String,
    /// 1–5.
    #[serde(default)]
    pub level: String,
    /// overdue, due_soon, ok.
    #[serde(default)]
    pub state: String,
    /// The cursor of the previous page.
    #[serde(default)]
    pub after: String,
}

impl Filters {
    pub fn query(&self, user: i64, today: standard::Date, limit: usize) -> Result<SystemQuery, AppError> {
        let region = match self.region.trim() {
            "" => None,
            r => Some(r.parse::<u32>().ok().filter(|_| r.len() == 6).ok_or_else(|| AppError::invalid("地区代码应为 6 位数字，请从下拉列表选择。", "The region must be a 6-digit code: pick one from the list."))?),
        };
        let level = match self.level.trim() {
            "" => None,
            l => Some(l.parse::<u8>().ok().filter(|l| (1..=5).contains(l)).ok_or_else(|| AppError::invalid(format!("等级“{l}”应为 1 至 5。"), "The level must be 1 to 5."))?),
        };
        let state = match self.state.trim() {
            "" => None,
            x => Some(DueState::parse(x).ok_or_else(|| AppError::invalid(format!("未知状态“{x}”，应为 overdue（已逾期）、due_soon（60 天内到期）或 ok（正常）。"), format!("Unknown state “{x}”: overdue, due_soon or ok.")))?),
        };
        let after = match self.after.as_str() {
            "" => None,
            a => Some(seal::open_cursor(a, &self.context(user)).and_then(|v| v.parse::<i64>().ok()).ok_or_else(AppError::bad_cursor)?),
        };
        Ok(SystemQuery { region, level, state, today, after, limit })
    }

    pub fn context(&self, user: i64) -> String {
        seal::cursor_context(user, "mlps", &[self.region.trim(), self.level.trim(), self.state.trim()])
    }

    pub fn with(&self, state: &str, after: &str) -> String {
        use crate::render::urlencode as e;
        format!("region={}&level={}&state={}&after={}", e(&self.region), e(&self.level), e(state), e(after))
    }

    pub fn with_after(&self, after: &str) -> String {
        self.with(&self.state, after)
    }
}

#[derive(Template)]
#[template(path = "mlps.html")]
struct Page {
    c: Ctx,
    f: Filters,
    totals: Totals,
    rows: Vec<View>,
    regions: Vec<(u32, String)>,
    next: Option<String>,
    can_write: bool,
}

impl Page {
    fn lv(&self, l: &u8) -> &'static str {
        level_label(&self.c.t, *l)
    }
    fn st(&self, s: &str) -> &'static str {
        state_label(&self.c.t, s)
    }
    fn st_class(&self, s: &str) -> &'static str {
        state_class(s)
    }
    fn stage(&self, s: &str) -> &'static str {
        stage_label(&self.c.t, s)
    }
}

/// A page of the register and the totals of its filters.
pub async fn read(app: &Arc<AppState>, me: &crate::auth::Identity, f: &Filters) -> Result<(Totals, Vec<View>, Option<String>), AppError> {
    reads(me)?;
    let today = app.clock.today();
    let q = f.query(me.user.id, today, PAGE)?;
    let scope = super::read_scope(app, me).await?;
    let (totals, rows, next) = app
        .pool
        .run(move |s| {
            let totals = s.system_totals(&scope, &q)?;
            let page = s.systems(&scope, &q)?;
            let mut names = HashMap::new();
            let rows = page.rows.iter().map(|x| view(s, x, today, &mut names)).collect::<Result<Vec<_>, _>>()?;
            Ok((totals, rows, page.next))
        })
        .await?;
    Ok((totals, rows, next.map(|n| seal::seal_cursor(&n, &f.context(me.user.id)))))
}

pub async fn page(State(app): State<Arc<AppState>>, headers: HeaderMap, me: Me, Query(f): Query<Filters>) -> Result<Response, AppError> {
    let me = ready(me)?;
    let (totals, rows, next) = read(&app, &me, &f).await?;
    let area = super::read_scope(&app, &me).await?;
    html(Page {
        c: Ctx::new(&app, &headers, Some(&me), "/mlps", "mlps"),
        totals,
        rows,
        regions: crate::labels::region_options(&area, app.config.province.code),
        next: next.map(|n| f.with_after(&n)),
        can_write: store::mlps::role_writes(me.user.role),
        f,
    })
}
