//! Time under the test's control (`web::build_with` and a `store::clock::TestClock`): sessions
//! end when idle and a fixed time after they began however active, tokens when they expire —
//! tested by moving the clock, without sleeping or editing rows.

mod common;

use axum::http::StatusCode;
use common::*;
use std::sync::Arc;
use store::clock::{Clock, TestClock};

/// The environment with its app rebuilt on a clock the test moves.
fn on_clock(tag: &str) -> (Env, Arc<TestClock>) {
    let mut env = sqlite(tag);
    let clock = Arc::new(TestClock::at(store::time::unix_now()));
    let c = env.app.state.config.clone();
    let old = std::mem::replace(&mut env.app, web::build_with(c, env.opener.clone(), pinned_names(), clock.clone()));
    blocking(move || {
        old.state.pool.close();
        drop(old);
    });
    (env, clock)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_end_by_the_clock() {
    let (env, clock) = on_clock("clock-sessions");
    let idle = env.app.state.config.session_idle_minutes as i64 * 60;
    let max = env.app.state.config.session_max_hours as i64 * 3600;
    let a = login(&env, "county", PASSWORD).await;
    // Active just under the idle limit, again and again: still signed in, until the session's
    // maximum age, however active.
    let started = clock.now();
    let mut steps = 0;
    while clock.now() + idle - 60 - started <= max {
        clock.advance(idle - 60);
        assert_eq!(send(&env, "GET", "/students", &a, None).await.status, StatusCode::OK, "step {steps}");
        steps += 1;
    }
    assert!(steps >= 2, "{steps}");
    clock.advance(idle - 60);
    let r = send(&env, "GET", "/students", &a, None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "past the maximum age");
    assert!(r.location.starts_with("/login?next=/students"), "{}", r.location);
    // Idle: a new session ends after the idle limit with no request in between.
    let b = login(&env, "county", PASSWORD).await;
    assert_eq!(send(&env, "GET", "/students", &b, None).await.status, StatusCode::OK);
    clock.advance(idle + 1);
    assert_eq!(send(&env, "GET", "/students", &b, None).await.status, StatusCode::SEE_OTHER);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_expire_by_the_clock() {
    let (env, clock) = on_clock("clock-tokens");
    let t = Auth { bearer: Some(env.token.clone()), ..Default::default() };
    assert_eq!(send(&env, "GET", "/api/v1/me", &t, None).await.status, StatusCode::OK);
    // The environment's tokens expire a year after they were made.
    clock.advance(366 * 86_400);
    assert_eq!(send(&env, "GET", "/api/v1/me", &t, None).await.status, StatusCode::UNAUTHORIZED);
}
