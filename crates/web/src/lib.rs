//! 平台 — Tianfu's web platform: the console pages (Chinese first), the JSON API under `/api/v1`,
//! sessions and API tokens, scoped access and the audit log.
//!
//! [`build`] makes the application from a configuration and a store opener; [`run`] serves it on a
//! listener until shutdown, so tests bind port 0 and drive the real thing.
#![forbid(unsafe_code)]

pub mod apidoc;
pub mod assets;
pub mod auditq;
pub mod audit_text;
pub mod auth;
pub mod changes;
pub mod config;
pub mod download;
pub mod error;
pub mod export_job;
pub mod figures;
pub mod form;
pub mod i18n;
pub mod imports;
pub mod labels;
pub mod limits;
pub mod net;
pub mod obs;
pub mod pool;
pub mod present;
pub mod remind;
pub mod render;
pub mod share_nats;
pub mod routes;
pub mod seal;
pub mod search;
pub mod sessions;
pub mod state;
pub mod sweep;
pub mod throttle;
pub mod upload;

use axum::Router;
use std::sync::Arc;
pub use config::{Config, ConfigExt};
pub use pool::{Opener, Pool};
pub use state::AppState;
use store::{NewUser, Role, Scope, StoreError};

/// The application: its router and shared state.
pub struct App {
    pub router: Router,
    pub state: Arc<AppState>,
}

/// Builds the application. The opener makes a new store connection (the pool calls it as needed);
/// each is handed the configuration's audit chain ([`audited`]). Monitored sites are checked at
/// registration with the system's resolver.
pub fn build(config: Config, opener: Opener) -> App {
    let resolver: Arc<dyn guard::Resolver> = match guard::SystemResolver::new() {
        Ok(r) => Arc::new(r),
        // Without /etc/resolv.conf no name resolves: names are then judged by the worker only.
        Err(_) => Arc::new(guard::StaticResolver::new()),
    };
    build_with_resolver(config, opener, resolver)
}

/// [`build`] with the resolver that the registration check uses (tests pin names with a
/// [`guard::StaticResolver`]).
pub fn build_with_resolver(config: Config, opener: Opener, resolver: Arc<dyn guard::Resolver>) -> App {
    build_with(config, opener, resolver, Arc::new(store::clock::SystemClock))
}

/// [`build_with_resolver`] with the clock sessions, backoff, tokens and transfers read.
pub fn build_with(config: Config, opener: Opener, resolver: Arc<dyn guard::Resolver>, clock: Arc<dyn store::clock::Clock>) -> App {
    let upload_dir = std::path::PathBuf::from(&config.data_dir).join("uploads");
    let opener = audited(&config, opener);
    let searches = search::Limiter::new(config.searches_per_minute);
    // Config::load checked the list; a configuration built otherwise trusts no proxy if it is wrong.
    let proxies = net::Proxies::parse(&config.trusted_proxies).unwrap_or_else(|e| {
        tracing::error!(error = %e, "trusted_proxies ignored");
        net::Proxies::default()
    });
    // `Config::check` has refused a bad network already; unchecked, nothing is allowed.
    let targets = guard::target::TargetCheck::new(config.net_policy().unwrap_or_default(), resolver);
    let state = Arc::new(AppState {
        pool: Arc::new(Pool::new(config.pool_size, opener)),
        audits: Default::default(),
        sessions: Default::default(),
        jobs: imports::Jobs::new(config.import_workers, config.import_queue),
        overview: Default::default(),
        screens: Default::default(),
        classes: Default::default(),
        searches,
        upload_dir,
        proxies,
        province: Arc::new(config::ProvinceInfo::of(&config)),
        config,
        targets,
        clock,
    });
    App { router: routes::router(state.clone()), state }
}

/// The opener with the configuration's audit chain set on every connection it opens: the one
/// place the web platform's stores get their keys. When the chain cannot be had (an unreadable
/// key file), every connection fails with the reason, in the server's log.
pub fn audited(config: &Config, opener: Opener) -> Opener {
    match config.audit_chain() {
        Ok(chain) => Arc::new(move || {
            let mut s = opener()?;
            s.set_audit_chain(chain.clone());
            Ok(s)
        }),
        Err(e) => Arc::new(move || Err(StoreError::Integrity(format!("{} / {}", e.zh, e.en)))),
    }
}

/// Serves until `shutdown` completes.
pub async fn run(app: App, listener: tokio::net::TcpListener, shutdown: impl std::future::Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
    let state = app.state.clone();
    // Housekeeping: idle and too old sessions, audit entries past their retention.
    let keeper = tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(300));
        loop {
            tick.tick().await;
            let idle = state.config.session_idle_minutes as i64 * 60;
            let max_age = state.config.session_max_hours as i64 * 3600;
            let days = state.config.audit_retention_days.max(config::MIN_AUDIT_DAYS) as i64;
            let _ = state
                .pool
                .run(move |s| {
                    let now = store::time::unix_now();
                    s.expire_sessions(now - idle, now - max_age)?;
                    let cut = store::time::rfc3339(store::time::unix_now() - days * 86_400);
                    let n = s.prune_audit(&cut)?;
                    if n > 0 {
                        s.append_audit(&store::AuditEvent {
                            actor: "system".into(),
                            action: "audit_prune".into(),
                            target: cut.clone(),
                            detail: format!("{{\"deleted\":{n},\"retention_days\":{days}}}"),
                            ip: String::new(),
                            outcome: "ok".into(),
                        })?;
                    }
                    Ok(())
                })
                .await;
        }
    });
    let publisher = app.state.config.nats_url.clone().filter(|u| !u.trim().is_empty()).map(|url| tokio::spawn(publish_loop(app.state.clone(), url)));
    let r = axum::serve(listener, app.router.into_make_service_with_connect_info::<std::net::SocketAddr>()).with_graceful_shutdown(shutdown).await;
    keeper.abort();
    if let Some(p) = publisher {
        p.abort();
    }
    r
}

/// Every 5 seconds, the grants' change feeds to NATS JetStream ([`share_nats::round`]) on one
/// connection, made again after an error (logged once per kind of error, not every round).
async fn publish_loop(state: Arc<state::AppState>, url: String) {
    let client: Arc<std::sync::Mutex<Option<jetstream::Client>>> = Arc::default();
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(5));
    let mut last_error = String::new();
    let (stream, prefix) = (state.config.nats_stream.clone(), state.config.nats_prefix.clone());
    loop {
        tick.tick().await;
        let (c, url, stream, prefix) = (client.clone(), url.clone(), stream.clone(), prefix.clone());
        let r = state
            .pool
            .run(move |s| {
                let mut guard = c.lock().unwrap_or_else(|p| p.into_inner());
                if guard.is_none() {
                    match share_nats::connect(&url, &stream, &prefix) {
                        Ok(n) => *guard = Some(n),
                        Err(e) => return Ok(Err(format!("NATS: {e}"))),
                    }
                }
                let nats = guard.as_mut().expect("connected");
                let round = share_nats::round(s, nats, store::time::unix_now())?;
                if !round.failed.is_empty() {
                    // A broken connection is made again next round.
                    *guard = None;
                }
                Ok(Ok(round))
            })
            .await;
        let error = match r {
            Ok(Ok(round)) => round.failed.first().map(|f| format!("NATS publishing of grant {}: {}", f.0, f.1)).unwrap_or_default(),
            Ok(Err(e)) => e,
            Err(e) => format!("NATS publishing: {e:?}"),
        };
        if !error.is_empty() && error != last_error {
            tracing::warn!(target: "tianfu::share", "{error}");
        }
        last_error = error;
    }
}

/// When no province administrator exists: creates `admin` with a one-time password, which must
/// be changed at first login. Returns the password to print, or None when there is one.
pub fn ensure_admin(s: &mut dyn store::Backend, province: u32) -> Result<Option<String>, StoreError> {
    // Accounts may exist (made with `tianfu user add` before the first start): what matters is
    // that someone can administer the platform.
    let users = s.list_users()?;
    if users.iter().any(|u| u.role == Role::ProvinceAdmin && !u.disabled) || users.iter().any(|u| u.name == "admin") {
        return Ok(None);
    }
    let password = auth::one_time_password();
    let province = province * 10_000;
    debug_assert!(standard::codes::DIVISIONS.get(province).is_some(), "Config::check allows provinces only");
    s.create_user(&Scope::Region { lo: province, hi: province + 9_999 }, &NewUser {
        name: "admin".into(),
        display_name: "系统管理员".into(),
        role: Role::ProvinceAdmin,
        org_code: province as i64,
        password_hash: auth::hash_password(&password),
        must_change_password: true,
    })?;
    s.append_audit(&store::AuditEvent {
        actor: "system".into(),
        action: "user_create".into(),
        target: "admin".into(),
        detail: "{\"role\":\"province_admin\",\"first_start\":true}".into(),
        ip: String::new(),
        outcome: "ok".into(),
    })?;
    Ok(Some(password))
}
