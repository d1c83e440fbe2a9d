//! 值班与重要时期保障 in the console and the API: a unit's duty contacts (mobile numbers masked,
//! the full number on an explicit, audited action), its roster by week with who is on duty now,
//! its duty robot; the important periods with the day's reporting status by region, the units
//! that have not reported, the 24-hour roster gaps, the report form and the reminders. The
//! storage and its scope rules are `store::duty`; the rules `secman::duty`; this module shows,
//! forms and audits.

pub mod api;
pub mod export;
pub mod pages;
pub mod periods;

use crate::auth::Identity;
use crate::error::AppError;
use crate::state::AppState;
use axum::routing::{get, post};
use axum::Router;
use secman::duty::Message;
use std::sync::Arc;
use store::duty::{day_of, day_start, Shift};
use store::{Scope, StoreError};

pub use api::api_routes;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/duty", get(pages::page))
        .route("/duty/contacts", post(pages::add_contact))
        .route("/duty/contacts/{id}/edit", get(pages::edit_form).post(pages::edit_contact))
        .route("/duty/contacts/{id}/delete", post(pages::delete_contact))
        .route("/duty/contacts/{id}/reveal", post(pages::reveal))
        .route("/duty/shifts", post(pages::add_shift))
        .route("/duty/shifts/{id}/delete", post(pages::delete_shift))
        .route("/duty/channel", post(pages::set_channel))
        .route("/duty/periods", get(periods::list).post(periods::create))
        .route("/duty/periods/{id}", get(periods::page))
        .route("/duty/periods/{id}/reports", post(periods::report))
        .route("/duty/periods/{id}/remind", post(periods::remind))
}

pub fn reads(me: &Identity) -> Result<(), AppError> {
    crate::routes::require(store::duty::role_reads(me.user.role))
}

pub fn writes(me: &Identity) -> Result<(), AppError> {
    crate::routes::require(store::duty::role_writes(me.user.role))
}

/// A write's store error: outside the area (or missing) answers as missing.
pub fn written<T>(r: Result<T, StoreError>) -> Result<T, AppError> {
    r.map_err(|e| match e {
        StoreError::OutOfScope => AppError::NotFound,
        e => AppError::from(e),
    })
}

/// `YYYY-MM-DD HH:MM` China time.
pub fn when(t: i64) -> String {
    let d = day_of(t);
    let s = t - day_start(d);
    format!("{d} {:02}:{:02}", s / 3600, (s % 3600) / 60)
}

/// `HH:MM` China time of an instant.
pub fn hm(t: i64) -> String {
    let s = t - day_start(day_of(t));
    format!("{:02}:{:02}", s / 3600, (s % 3600) / 60)
}

/// A shift as the console and the API show it: posts and names, never a phone.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
#[schema(as = DutyShift)]
pub struct ShiftView {
    pub id: i64,
    pub unit_code: i64,
    /// YYYY-MM-DD HH:MM, China time.
    pub starts: String,
    pub ends: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub contact_name: String,
    pub contact_post: String,
    pub leader_name: String,
    pub leader_post: String,
    pub note: String,
}

pub fn shift_view(s: &Shift) -> ShiftView {
    ShiftView {
        id: s.id,
        unit_code: s.new.unit_code,
        starts: when(s.new.starts_at),
        ends: when(s.new.ends_at),
        starts_at: s.new.starts_at,
        ends_at: s.new.ends_at,
        contact_name: s.contact_name.clone(),
        contact_post: s.contact_post.clone(),
        leader_name: s.leader_name.clone(),
        leader_post: s.leader_post.clone(),
        note: s.new.note.clone(),
    }
}

/// Sends duty-robot messages through `guard::notify` with the monitor's address policy; the
/// number sent. The robots are the monitor's webhooks (read with the province's scope: the
/// message goes where the unit's duty group chose, whoever triggers it). Failures are counted,
/// never shown with their URL.
pub async fn send(app: &Arc<AppState>, msgs: Vec<Message>) -> Result<(usize, usize), AppError> {
    if msgs.is_empty() {
        return Ok((0, 0));
    }
    let hooks = app.pool.run(move |s| Ok(s.webhooks(&Scope::all())?)).await?;
    let Ok(out) = crate::remind::Outbox::of_targets(&app.targets, app.clock.clone()) else { return Ok((0, msgs.len())) };
    Ok(out.send_duty(&hooks, msgs).await)
}

/// What the incidents code (or any domain in `web`) calls to reach the people on duty for a
/// unit: the message built by `secman::duty::notify_on_duty`, sent to the unit's duty robot.
pub async fn notify_on_duty(app: &Arc<AppState>, unit: i64, topic: &str, title: &str, lines: Vec<String>) -> Result<bool, AppError> {
    let clock = app.clock.clone();
    let (topic, title) = (topic.to_string(), title.to_string());
    let m = app.pool.run(move |s| Ok(secman::duty::notify_on_duty(s, clock.as_ref(), &Scope::all(), unit, &topic, &title, &lines)?)).await?;
    let Some(m) = m else { return Ok(false) };
    Ok(send(app, vec![m]).await?.0 > 0)
}
