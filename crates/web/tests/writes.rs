//! The role × route matrix of **writes**: for every role, every way to change data (uploads of
//! schools, teachers and students, sites, accounts, tokens, transfers), what it may change — and
//! that a write aimed at another area changes nothing there and says nothing of it. On SQLite,
//! and on PostgreSQL when TIANFU_TEST_DATABASE_URL is set.

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::*;
use http_body_util::BodyExt;
use store::{Entity, NewUser, PersonQuery, Role, Scope};
use tower::ServiceExt;

async fn wait_done(env: &Env, a: &Auth, job: &str) -> String {
    for _ in 0..600 {
        let r = send(env, "GET", &format!("{job}/status"), a, None).await;
        assert_eq!(r.status, StatusCode::OK);
        if r.body.contains("data-state=\"done\"") || r.body.contains("id=\"job-error\"") {
            return r.body;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the import did not finish");
}

fn set(entity: Entity, mut v: Vec<String>, k: &str, x: &str) -> Vec<String> {
    v[entity.template().index(k).unwrap()] = x.to_string();
    v
}

fn first_key(env: &Env, entity: Entity, school: &str, county: u32) -> String {
    with_store(env, |s| s.people(&Scope::School { code: school.into(), county }, entity, &PersonQuery { limit: 1, ..Default::default() }).unwrap().rows[0].key.clone())
}

fn stored(env: &Env, entity: Entity, key: &str) -> Vec<String> {
    with_store(env, |s| s.get_record(entity, key).unwrap().expect("stored"))
}

/// Uploads `rows` as the signed-in user and returns the newest batch (the upload's).
async fn import(env: &Env, a: &Auth, entity: Entity, rows: &[Vec<String>]) -> store::BatchSummary {
    let r = upload(env, a, entity.key(), &format!("{}-{}.csv", entity.key(), rows.len()), &csv_of(entity, rows)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let done = wait_done(env, a, &r.location).await;
    assert!(!done.contains("job-error"), "{done}");
    with_store(env, |s| s.list_batches(1).unwrap().remove(0))
}

/// A JSON request with a session's CSRF header (or a bearer token).
async fn send_json(env: &Env, method: &str, uri: &str, a: &Auth, body: &str) -> Resp {
    send_typed(env, method, uri, a, "application/json", &[], body).await
}

/// A request with its content type and extra headers, a session's CSRF header (or a bearer token).
async fn send_typed(env: &Env, method: &str, uri: &str, a: &Auth, ctype: &str, extra: &[(&str, &str)], body: &str) -> Resp {
    let mut b = Request::builder().method(method).uri(uri).header(header::CONTENT_TYPE, ctype);
    for (k, v) in extra {
        b = b.header(*k, *v);
    }
    if let Some(c) = &a.cookie {
        b = b.header(header::COOKIE, c);
    }
    if let Some(c) = &a.csrf {
        b = b.header("x-csrf-token", c);
    }
    if let Some(t) = &a.bearer {
        b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let r = env.app.router.clone().oneshot(b.body(Body::from(body.to_string())).unwrap()).await.unwrap();
    let status = r.status();
    let id = common::request_id(&r);
    let bytes = r.into_body().collect().await.unwrap().to_bytes().to_vec();
    Resp { status, location: String::new(), set_cookie: vec![], body: common::redact(&id, &bytes), bytes }
}

fn refused_only(b: &store::BatchSummary) {
    assert_eq!((b.inserted, b.updated, b.unchanged, b.rejected), (0, 0, 0, b.rows_read), "{b:?}");
    let report: serde_json::Value = serde_json::from_str(&b.report_json).unwrap();
    assert_eq!(report["errors"]["out_of_scope"].as_u64(), Some(b.rows_read), "{}", report["errors"]);
}

async fn import_matrix(env: Env) {
    let p = env.places.clone();
    let other_student = first_key(&env, Entity::Student, &p.other_school, p.other_county);
    let other_teacher = first_key(&env, Entity::Teacher, &p.other_school, p.other_county);
    let (school0, student0, teacher0) = (stored(&env, Entity::School, &p.other_school), stored(&env, Entity::Student, &other_student), stored(&env, Entity::Teacher, &other_teacher));
    let county_code = p.county.to_string();
    // Another area's school re-registered in the writer's county; another area's student and
    // teacher taken into the writer's school (their new places are the writer's own).
    let school_row = set(Entity::School, school0.clone(), "region_code", &county_code);
    let student_row = set(Entity::Student, student0.clone(), "school_code", &p.school);
    let teacher_row = set(Entity::Teacher, teacher0.clone(), "school_code", &p.school);
    // Another area's school's 办学条件, changed.
    let year = with_store(&env, |s| store::conditions::Conditions::conditions_history(s, &Scope::all(), &p.other_school).unwrap()[0].school_year.clone());
    let cond_key = store::keys::conditions_key(&p.other_school, &year).unwrap();
    let cond0 = stored(&env, Entity::Conditions, &cond_key);
    let cond_row = set(Entity::Conditions, cond0.clone(), "multimedia_rooms", "77");
    for who in ["city", "county", "school"] {
        let a = login(&env, who, PASSWORD).await;
        for (entity, row) in [(Entity::School, &school_row), (Entity::Student, &student_row), (Entity::Teacher, &teacher_row), (Entity::Conditions, &cond_row)] {
            let b = import(&env, &a, entity, std::slice::from_ref(row)).await;
            assert_eq!(b.user, who);
            refused_only(&b);
            // The rejected row's reason does not tell whether the record exists elsewhere.
            let page = send(&env, "GET", &format!("/imports/batches/{}", b.id), &a, None).await;
            assert!(page.body.contains("out_of_scope") || page.body.contains("管辖范围"), "{}", page.body);
        }
        assert_eq!(stored(&env, Entity::School, &p.other_school), school0, "{who} moved another area's school");
        assert_eq!(stored(&env, Entity::Student, &other_student), student0, "{who} took another area's student");
        assert_eq!(stored(&env, Entity::Teacher, &other_teacher), teacher0, "{who} took another area's teacher");
        assert_eq!(stored(&env, Entity::Conditions, &cond_key), cond0, "{who} changed another area's school's conditions");
        assert!(with_store(&env, |s| s.transfers(&other_student).unwrap()).is_empty());
    }
    // Inside the area the same mechanism writes: the school administrator adds a student to its
    // own school.
    let a = login(&env, "school", PASSWORD).await;
    let new = store::suite::student(777, &p.school, "11", "新生", "13800000777");
    let b = import(&env, &a, Entity::Student, std::slice::from_ref(&new)).await;
    assert_eq!((b.inserted, b.rejected), (1, 0), "{b:?}");
    // Roles that do not import cannot upload at all.
    for who in ["sec", "aud"] {
        let a = login(&env, who, PASSWORD).await;
        let r = upload(&env, &a, "student", "x.csv", &csv_of(Entity::Student, std::slice::from_ref(&student_row))).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}");
    }
    // The province is everyone's common parent: its import moves the student (a transfer).
    let a = login(&env, "prov", PASSWORD).await;
    let b = import(&env, &a, Entity::Student, std::slice::from_ref(&student_row)).await;
    assert_eq!((b.updated, b.rejected), (1, 0));
    let t = with_store(&env, |s| s.transfers(&other_student).unwrap());
    assert_eq!((t.len(), t[0].to_school.as_str()), (1, p.school.as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imports_write_only_inside_the_area_sqlite() {
    import_matrix(sqlite("writes-import")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imports_write_only_inside_the_area_postgres() {
    if let Some(env) = blocking(|| postgres("writes-import")) {
        import_matrix(env).await;
    }
}

/// A push (`POST /api/v1/push/{entity}`) with its content type and key.
async fn push(env: &Env, a: &Auth, entity: &str, ctype: &str, key: Option<&str>, body: &str) -> Resp {
    let extra: Vec<(&str, &str)> = key.map(|k| ("idempotency-key", k)).into_iter().collect();
    send_typed(env, "POST", &format!("/api/v1/push/{entity}"), a, ctype, &extra, body).await
}

/// One record as a JSON line keyed by the template's fields.
fn json_line(entity: Entity, row: &[String]) -> String {
    let m: serde_json::Map<String, serde_json::Value> = entity.template().fields.iter().zip(row).map(|(f, v)| (f.key.to_string(), serde_json::Value::String(v.clone()))).collect();
    serde_json::Value::Object(m).to_string()
}

/// The push API (伴随式采集) writes exactly as an import does: rows aimed at another area are
/// rejected as out of scope and change nothing there; inside the area a school's system adds
/// its records; a retry with the same key writes nothing and answers the first result; the same
/// key with other content is 409; roles that do not import are refused.
async fn push_matrix(env: Env) {
    let p = env.places.clone();
    let other_student = first_key(&env, Entity::Student, &p.other_school, p.other_county);
    let student0 = stored(&env, Entity::Student, &other_student);
    let moved = set(Entity::Student, student0.clone(), "school_code", &p.school);
    for who in ["city", "county", "school"] {
        let a = login(&env, who, PASSWORD).await;
        let csv = String::from_utf8(csv_of(Entity::Student, std::slice::from_ref(&moved))).unwrap();
        let r = push(&env, &a, "student", "text/csv", Some(&format!("move-{who}")), &csv).await;
        assert_eq!(r.status, StatusCode::CREATED, "{who}: {}", r.body);
        let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!((v["rows_read"].as_u64(), v["rejected"].as_u64(), v["inserted"].as_u64(), v["updated"].as_u64()), (Some(1), Some(1), Some(0), Some(0)), "{who}: {v}");
        assert_eq!(v["rejected_rows"][0]["line"], 2);
        assert_eq!(v["rejected_rows"][0]["codes"], serde_json::json!(["out_of_scope"]));
        assert!(!r.body.contains(&student0[0]) && !r.body.contains(&p.other_school), "a rejected row's answer echoes no values: {}", r.body);
        assert_eq!(stored(&env, Entity::Student, &other_student), student0, "{who} moved another area's student by a push");
    }
    // A school's own system adds a student; a bad record two lines further is rejected by its line.
    let a = login(&env, "school", PASSWORD).await;
    let new = store::suite::student(778, &p.school, "11", "推送新生", "13800000778");
    let mut bad = store::suite::student(779, &p.school, "11", "推送错误", "13800000779");
    bad[Entity::Student.template().index("birth_date").unwrap()] = "2099-13-45".into();
    let body = format!("{}\n\n{}\n", json_line(Entity::Student, &new), json_line(Entity::Student, &bad));
    let batches = with_store(&env, |s| s.list_batches(1000).unwrap().len());
    let r = push(&env, &a, "student", "application/x-ndjson", Some("sis-2026-12-07-0001"), &body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!((v["inserted"].as_u64(), v["rejected"].as_u64(), v["replayed"].as_bool()), (Some(1), Some(1), Some(false)), "{v}");
    assert_eq!(v["rejected_rows"][0]["line"], 3, "the JSON object's own line: {v}");
    assert_eq!(v["standard"], standard::versions::VERSION);
    let id = v["batch_id"].as_i64().unwrap();
    let b = with_store(&env, |s| s.get_batch(id).unwrap().unwrap());
    assert_eq!((b.user.as_str(), b.inserted, b.rejected), ("school", 1, 1));
    // The retry: same key, same body — the first answer, nothing written.
    let again = push(&env, &a, "student", "application/x-ndjson", Some("sis-2026-12-07-0001"), &body).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    let w: serde_json::Value = serde_json::from_str(&again.body).unwrap();
    assert_eq!((w["batch_id"].as_i64(), w["replayed"].as_bool(), w["inserted"].as_u64()), (Some(id), Some(true), Some(1)), "{w}");
    assert_eq!(with_store(&env, |s| s.list_batches(1000).unwrap().len()), batches + 1, "one batch for the push and its retry");
    // The same key for other content: refused, nothing written.
    let other = push(&env, &a, "student", "application/x-ndjson", Some("sis-2026-12-07-0001"), &json_line(Entity::Student, &store::suite::student(780, &p.school, "11", "另一个", "13800000780"))).await;
    assert_eq!(other.status, StatusCode::CONFLICT, "{}", other.body);
    assert_eq!(with_store(&env, |s| s.list_batches(1000).unwrap().len()), batches + 1);
    // Another account's key of the same name is its own.
    let c = login(&env, "county", PASSWORD).await;
    let theirs = push(&env, &c, "student", "application/x-ndjson", Some("sis-2026-12-07-0001"), &json_line(Entity::Student, &store::suite::student(781, &p.school, "11", "县里推送", "13800000781"))).await;
    assert_eq!(theirs.status, StatusCode::CREATED, "{}", theirs.body);
    // Malformed requests: no key, a broken line (nothing written), an unknown kind, a wrong type.
    assert_eq!(push(&env, &a, "student", "text/csv", None, "x").await.status, StatusCode::BAD_REQUEST);
    let broken = push(&env, &a, "student", "application/x-ndjson", Some("k-broken"), &format!("{}\n{{oops\n", json_line(Entity::Student, &store::suite::student(782, &p.school, "11", "甲", "13800000782")))).await;
    assert_eq!(broken.status, StatusCode::BAD_REQUEST);
    assert!(broken.body.contains("第 2 行") || broken.body.contains("Line 2"), "{}", broken.body);
    assert_eq!(push(&env, &a, "alien", "text/csv", Some("k1"), "x").await.status, StatusCode::NOT_FOUND);
    assert_eq!(push(&env, &a, "student", "application/pdf", Some("k2"), "x").await.status, StatusCode::BAD_REQUEST);
    assert_eq!(with_store(&env, |s| s.list_batches(1000).unwrap().len()), batches + 2);
    // Audited as an import through the push API, with the key.
    let e = with_store(&env, |s| s.audit_entries(&store::AuditFilter { actor: Some("school".into()), action: Some("import".into()), limit: 10, ..Default::default() }).unwrap());
    assert!(e.iter().any(|e| e.target == format!("batch:{id}") && e.detail.contains("\"via\":\"push\"") && e.detail.contains("sis-2026-12-07-0001")), "{e:?}");
    // Roles that do not import, and nobody signed in.
    for who in ["sec", "aud"] {
        let a = login(&env, who, PASSWORD).await;
        assert_eq!(push(&env, &a, "student", "text/csv", Some("k3"), "x").await.status, StatusCode::FORBIDDEN, "{who}");
    }
    assert_eq!(push(&env, &Auth::default(), "student", "text/csv", Some("k4"), "x").await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushes_write_only_inside_the_area_sqlite() {
    push_matrix(sqlite("writes-push")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushes_write_only_inside_the_area_postgres() {
    if let Some(env) = blocking(|| postgres("writes-push")) {
        push_matrix(env).await;
    }
}

/// Every other write route, for every role: allowed where the role and the area allow it,
/// else 403 (the role) or 404/400 (the area), and then nothing changed.
async fn route_matrix(env: Env) {
    let p = env.places.clone();
    let other_incident = with_store(&env, |s| {
        let i = store::suite_incidents::incident("外区事件", None, p.other_county as i64, store::time::unix_now());
        s.insert_incident(&Scope::all(), &i, &store::suite_incidents::first_step(i.reported_at)).unwrap()
    });
    for (who, role) in accounts() {
        let other_site_before = with_store(&env, |s| s.site(env.other_site).unwrap().unwrap());
        let a = login(&env, who, PASSWORD).await;
        let csrf = a.csrf.clone().unwrap_or_default();
        let sees_other = matches!(role, Role::ProvinceAdmin | Role::SecurityOfficer);
        // A site registered for another area's school.
        let url = format!("https://w-{who}.example.edu.cn/");
        let form = format!("_csrf={csrf}&name=x&url={}&org_code={}&category=school&interval_minutes=30", enc(&url), p.other_school);
        let r = send(&env, "POST", "/sites/new", &a, Some(&form)).await;
        let made = with_store(&env, |s| s.sites(&Scope::all(), &store::SiteQuery { include_disabled: true, limit: 500, ..Default::default() }).unwrap().rows.into_iter().any(|x| x.url == url));
        match (role.manages_sites(), sees_other) {
            (false, _) => assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}"),
            (true, true) => assert!(r.status == StatusCode::SEE_OTHER && made, "{who}: {}", r.status),
            (true, false) => assert!(r.status == StatusCode::BAD_REQUEST && !made, "{who}: {}", r.status),
        }
        // Another area's site disabled, edited, baselined.
        for (path, body) in [
            (format!("/sites/{}/disable", env.other_site), format!("_csrf={csrf}")),
            (format!("/sites/{}/baseline", env.other_site), format!("_csrf={csrf}")),
            (format!("/sites/{}/edit", env.other_site), format!("_csrf={csrf}&name=taken&url={}&org_code={}&category=school&interval_minutes=30", enc(&other_site_before.url), p.other_school)),
        ] {
            let r = send(&env, "POST", &path, &a, Some(&body)).await;
            match (role.manages_sites(), sees_other) {
                (false, _) => assert_eq!(r.status, StatusCode::FORBIDDEN, "{who} {path}"),
                (true, false) => assert_eq!(r.status, StatusCode::NOT_FOUND, "{who} {path}"),
                (true, true) => assert!(r.status.is_redirection() || r.status == StatusCode::BAD_REQUEST, "{who} {path}: {}", r.status),
            }
        }
        if !sees_other {
            let after = with_store(&env, |s| s.site(env.other_site).unwrap().unwrap());
            assert_eq!((after.enabled, after.org_code, &after.name), (other_site_before.enabled, other_site_before.org_code, &other_site_before.name), "{who}");
        }
        // Another area's alert: annotated by those who handle alerts there (the province's),
        // 404 for handlers of another area, 403 for roles that do not handle alerts.
        let other_alert = with_store(&env, |s| s.alerts_page(&Scope::all(), &store::monitor::AlertQuery { limit: 100, ..Default::default() }).unwrap().rows.into_iter().find(|a| a.site_id == env.other_site).unwrap().id);
        let notes_before = with_store(&env, |s| s.alert_notes(other_alert).unwrap().len());
        let r = send(&env, "POST", &format!("/alerts/{other_alert}/note"), &a, Some(&format!("_csrf={csrf}&text=%E5%B7%B2%E7%9F%A5%E6%82%89"))).await;
        let handles = store::monitor::handling::HANDLERS.contains(&role);
        let notes_after = with_store(&env, |s| s.alert_notes(other_alert).unwrap().len());
        match (handles, sees_other) {
            (false, _) => assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}"),
            (true, false) => assert_eq!(r.status, StatusCode::NOT_FOUND, "{who}"),
            (true, true) => assert_eq!(r.status, StatusCode::SEE_OTHER, "{who}"),
        }
        assert_eq!(notes_after, notes_before + usize::from(handles && sees_other), "{who}");
        // Alert robots: the province's security officer and administrator only.
        let r = send(&env, "POST", "/webhooks", &a, Some(&format!("_csrf={csrf}&name=w-{who}&kind=dingtalk&url={}", enc("https://oapi.dingtalk.com/robot/send?access_token=t")))).await;
        let made = with_store(&env, |s| s.webhooks(&Scope::all()).unwrap().iter().any(|w| w.name == format!("w-{who}")));
        let robots = matches!(role, Role::ProvinceAdmin | Role::SecurityOfficer);
        assert_eq!((r.status == StatusCode::SEE_OTHER, made), (robots, robots), "{who}: {}", r.status);
        if !robots {
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}");
            assert_eq!(send(&env, "POST", "/webhooks/1/delete", &a, Some(&format!("_csrf={csrf}"))).await.status, StatusCode::FORBIDDEN, "{who}");
        }
        // Accounts and tokens: the province administrator only.
        let r = send(&env, "POST", "/users", &a, Some(&format!("_csrf={csrf}&name=new-{who}&display_name=x&role=county_officer&org_code={}", p.other_county))).await;
        let exists = with_store(&env, |s| s.user_by_name(&format!("new-{who}")).unwrap().is_some());
        assert_eq!(exists, role.manages_users(), "{who}: {}", r.status);
        if !role.manages_users() {
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}");
            let r = send(&env, "POST", "/tokens", &a, Some(&format!("_csrf={csrf}&name=t&user_id=1"))).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}");
        }
        // Incidents: another county's confirmed by handlers who see it (the province's), 404 for
        // handlers elsewhere, 403 for roles that do not handle incidents; a report for a unit
        // of another county refused by those who do not cover it.
        let before = with_store(&env, |s| s.incident(&Scope::all(), other_incident).unwrap().unwrap());
        let r = send(&env, "POST", &format!("/incidents/{other_incident}/report_up"), &a, Some(&format!("_csrf={csrf}&to_unit={}", enc(&format!("上级-{who}"))))).await;
        let after = with_store(&env, |s| s.incident(&Scope::all(), other_incident).unwrap().unwrap());
        let handles = store::incidents::writes(role);
        match (handles, sees_other) {
            (false, _) => assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}"),
            (true, false) => assert_eq!(r.status, StatusCode::NOT_FOUND, "{who}"),
            (true, true) => assert_eq!(r.status, StatusCode::SEE_OTHER, "{who}"),
        }
        let steps = with_store(&env, |s| s.incident_steps(&Scope::all(), other_incident).unwrap());
        assert_eq!(steps.iter().any(|x| x.to_unit.as_deref() == Some(&format!("上级-{who}"))), handles && sees_other, "{who}");
        assert_eq!(after.reported_up_at.is_some(), before.reported_up_at.is_some() || (handles && sees_other), "{who}");
        // Attachments: the same answer as the steps; a file linked only when it was taken.
        let files_before = with_store(&env, |s| s.incident_files(&Scope::all(), other_incident).unwrap().len());
        let r = attach_pdf(&env, &a, &format!("/incidents/{other_incident}/files"), &format!("证据-{who}.pdf")).await;
        match (handles, sees_other) {
            (false, _) => assert_eq!(r, StatusCode::FORBIDDEN, "{who}"),
            (true, false) => assert_eq!(r, StatusCode::NOT_FOUND, "{who}"),
            (true, true) => assert_eq!(r, StatusCode::SEE_OTHER, "{who}"),
        }
        let files_after = with_store(&env, |s| s.incident_files(&Scope::all(), other_incident).unwrap().len());
        assert_eq!(files_after, files_before + usize::from(handles && sees_other), "{who}");
        let n_before = with_store(&env, |s| s.incidents(&Scope::all(), &store::incidents::IncidentQuery { limit: 500, ..Default::default() }).unwrap().len());
        let r = send(&env, "POST", "/incidents", &a, Some(&format!("_csrf={csrf}&title={}&unit={}", enc(&format!("事件-{who}")), p.other_county))).await;
        let n_after = with_store(&env, |s| s.incidents(&Scope::all(), &store::incidents::IncidentQuery { limit: 500, ..Default::default() }).unwrap().len());
        match (handles, sees_other) {
            (false, _) => assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}"),
            (true, false) => assert!(r.status == StatusCode::BAD_REQUEST && r.body.contains("只能为本单位及下级单位报告事件"), "{who}: {}", r.status),
            (true, true) => assert_eq!(r.status, StatusCode::SEE_OTHER, "{who}"),
        }
        assert_eq!(n_after, n_before + usize::from(handles && sees_other), "{who}");
        // Transfers: the roles that import.
        let r = send(&env, "POST", "/transfers", &a, Some(&format!("_csrf={csrf}&entity=student&key=x&name=y&to_school={}", p.school))).await;
        if !role.may_import() {
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}");
        }
    }
    // A data consumer's token writes nothing.
    let api = Auth { bearer: Some(env.token.clone()), ..Default::default() };
    let site = format!(r#"{{"name":"x","url":"https://api-w.example.edu.cn/","org_code":{},"category":"school","interval_minutes":30}}"#, p.school);
    assert_eq!(send_json(&env, "POST", "/api/v1/sites", &api, &site).await.status, StatusCode::FORBIDDEN);
    assert_eq!(send_json(&env, "POST", "/api/v1/transfers", &api, r#"{"key":"x","name":"y","to_school":"2151010401"}"#).await.status, StatusCode::FORBIDDEN);
    assert_eq!(send_json(&env, "POST", "/api/v1/transfers/1/approve", &api, "{}").await.status, StatusCode::FORBIDDEN);
    assert_eq!(send_json(&env, "POST", "/api/v1/alerts/1/ack", &api, "{}").await.status, StatusCode::FORBIDDEN);
    assert_eq!(send_json(&env, "POST", "/api/v1/incidents", &api, &format!(r#"{{"title":"x","unit":"{}"}}"#, p.county)).await.status, StatusCode::FORBIDDEN);
    assert_eq!(send_json(&env, "POST", &format!("/api/v1/incidents/{other_incident}/handle"), &api, "{}").await.status, StatusCode::FORBIDDEN);
}

/// A PDF posted to an incident's upload form (the session's CSRF token first); the status.
async fn attach_pdf(env: &Env, auth: &Auth, uri: &str, name: &str) -> StatusCode {
    use tower::ServiceExt;
    let boundary = "----tianfu-writes-boundary";
    let mut body = csrf_part(boundary, auth);
    body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\n%%EOF\n\r\n--{boundary}--\r\n").as_bytes());
    let req = axum::http::Request::builder()
        .method("POST")
        .uri(uri)
        .header(axum::http::header::COOKIE, auth.cookie.clone().unwrap_or_default())
        .header(axum::http::header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
        .body(axum::body::Body::from(body))
        .unwrap();
    env.app.router.clone().oneshot(req).await.unwrap().status()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn write_routes_by_role_and_area_sqlite() {
    route_matrix(sqlite("writes-routes")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn write_routes_by_role_and_area_postgres() {
    if let Some(env) = blocking(|| postgres("writes-routes")) {
        route_matrix(env).await;
    }
}

/// A student of another county moves into the county's school by a request the other county
/// approves; the receiving side cannot approve it, a wrong name is refused without saying why,
/// and every step is in the audit log.
async fn transfer_flow(env: Env) {
    let p = env.places.clone();
    let key = first_key(&env, Entity::Student, &p.other_school, p.other_county);
    let name = stored(&env, Entity::Student, &key)[Entity::Student.template().index("name").unwrap()].clone();
    with_store(&env, |s| {
        s.create_user(&PROVINCE, &NewUser { name: "far".into(), display_name: "far".into(), role: Role::CountyOfficer, org_code: p.other_county as i64, password_hash: web::auth::hash_password(PASSWORD), must_change_password: false }).unwrap()
    });
    let county = login(&env, "county", PASSWORD).await;
    let csrf = county.csrf.clone().unwrap();
    // A wrong name: refused, the record neither confirmed nor denied, nothing named back.
    let r = send(&env, "POST", "/transfers", &county, Some(&format!("_csrf={csrf}&entity=student&key={key}&name={}&to_school={}", enc("不是这个名字"), p.school))).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("证件号与姓名都相符") && !r.body.contains(&key) && !r.body.contains(&name), "{}", r.body);
    let r = send(&env, "POST", "/transfers", &county, Some(&format!("_csrf={csrf}&entity=student&key={key}&name={}&to_school={}&reason={}", enc(&name), p.school, enc("随父母迁居")))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = send(&env, "GET", "/transfers", &county, None).await;
    assert!(page.body.contains("data-state=\"pending\"") && page.body.contains("审批后可见") && !page.body.contains(&p.other_school), "{}", page.body);
    assert!(!page.body.contains(&key) && !page.body.contains(&name), "masked for the requester");
    let id: i64 = with_store(&env, |s| s.transfers_in(&Scope::Region { lo: p.county, hi: p.county }, None, 10).unwrap()[0].id);
    // The receiving side cannot approve its own request.
    let r = send(&env, "POST", &format!("/transfers/{id}/approve"), &county, Some(&format!("_csrf={csrf}&note=x"))).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(stored(&env, Entity::Student, &key)[Entity::Student.template().index("school_code").unwrap()], p.other_school);
    // Nor can an area on neither side see it.
    // The receiving county's city is on the receiving side too: it may withdraw, not approve.
    let city = login(&env, "city", PASSWORD).await;
    let r = send(&env, "POST", &format!("/transfers/{id}/approve"), &city, Some(&format!("_csrf={}", city.csrf.clone().unwrap()))).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // An area on neither side does not see it at all.
    let third = [513401u32, 511702, 510303].into_iter().find(|c| c / 100 != p.county / 100 && c / 100 != p.other_county / 100).unwrap();
    with_store(&env, |s| {
        s.create_user(&PROVINCE, &NewUser { name: "third".into(), display_name: "third".into(), role: Role::CountyOfficer, org_code: third as i64, password_hash: web::auth::hash_password(PASSWORD), must_change_password: false }).unwrap()
    });
    let t = login(&env, "third", PASSWORD).await;
    let r = send(&env, "POST", &format!("/transfers/{id}/approve"), &t, Some(&format!("_csrf={}", t.csrf.clone().unwrap()))).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(!send(&env, "GET", "/transfers", &t, None).await.body.contains(&format!("data-transfer=\"{id}\"")));
    // The sending side approves.
    let far = login(&env, "far", PASSWORD).await;
    let list = send_json(&env, "GET", "/api/v1/transfers?state=pending", &far, "").await;
    assert!(list.body.contains("\"may_decide\":true"), "{}", list.body);
    let r = send_json(&env, "POST", &format!("/api/v1/transfers/{id}/approve"), &far, r#"{"note":"同意转出"}"#).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("\"state\":\"approved\""), "{}", r.body);
    assert_eq!(stored(&env, Entity::Student, &key)[Entity::Student.template().index("school_code").unwrap()], p.school);
    // Now it is the county's record: it reads it, the other county no longer does.
    let sealed = web::seal::seal(&key);
    assert_eq!(send(&env, "GET", &format!("/students/{sealed}"), &county, None).await.status, StatusCode::OK);
    assert_eq!(send(&env, "GET", &format!("/students/{sealed}"), &far, None).await.status, StatusCode::NOT_FOUND);
    let acts: Vec<(String, String)> = with_store(&env, |s| s.audit_entries(&store::AuditFilter { limit: 50, ..Default::default() }).unwrap()).into_iter().filter(|e| e.action.starts_with("transfer_")).map(|e| (e.action, e.outcome)).collect();
    for want in [("transfer_request", "denied"), ("transfer_request", "ok"), ("transfer_approve", "denied"), ("transfer_approve", "ok")] {
        assert!(acts.iter().any(|(a, o)| (a.as_str(), o.as_str()) == want), "{want:?} in {acts:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transfers_cross_areas_by_request_and_approval_sqlite() {
    transfer_flow(sqlite("transfer")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transfers_cross_areas_by_request_and_approval_postgres() {
    if let Some(env) = blocking(|| postgres("transfer")) {
        transfer_flow(env).await;
    }
}

/// A system of `school` stored directly (the area rule is the store's, tested on its own).
fn mlps_system(env: &Env, school: &str, name: &str) -> i64 {
    let live = standard::Date::from_days_since_epoch(standard::Date::today().days_since_epoch() - 400);
    let new = store::mlps::NewSystem { unit_code: school.parse().unwrap(), name: name.into(), owner: "信息中心".into(), purpose: "教学".into(), level: 3, live_on: Some(live), ..Default::default() };
    let dues = store::mlps::Dues { filing: Some(live), assessment: Some(live), ..Default::default() };
    with_store(env, |s| s.create_system(&Scope::all(), &new, &dues, "prov", 0).unwrap().id)
}

/// The 等保 register's writes, for every role: registering a system for the own area and for
/// another, editing, recording assessments and items on another area's system — refused (403
/// for roles that do not write it, 400/404 for another area) with nothing changed there; the API
/// alike; every accepted write audited.
async fn mlps_matrix(env: Env) {
    let p = env.places.clone();
    let other = mlps_system(&env, &p.other_school, "外市学校 OA");
    let own = mlps_system(&env, &p.school, "本县学校 OA");
    let today = standard::Date::today().to_string();
    for (who, role) in accounts() {
        let a = login(&env, who, PASSWORD).await;
        let csrf = a.csrf.clone().unwrap_or_default();
        let writes = store::mlps::role_writes(role);
        let sees_other = matches!(role, Role::ProvinceAdmin | Role::SecurityOfficer);
        let count = |env: &Env| with_store(env, |s| s.systems(&Scope::all(), &store::mlps::SystemQuery { limit: 500, ..store::mlps::SystemQuery::on(standard::Date::today()) }).unwrap().rows.len());
        for (unit, inside) in [(p.other_school.clone(), sees_other), (p.school.clone(), true)] {
            let before = count(&env);
            let form = format!("_csrf={csrf}&unit_code={unit}&name={}&owner=x&level=2&live_on=2025-01-06", enc(&format!("系统-{who}")));
            let r = send(&env, "POST", "/mlps/new", &a, Some(&form)).await;
            let made = count(&env) - before;
            match (writes, inside) {
                (false, _) => assert_eq!((r.status, made), (StatusCode::FORBIDDEN, 0), "{who} {unit}"),
                (true, true) => assert_eq!((r.status, made), (StatusCode::SEE_OTHER, 1), "{who} {unit}: {}", r.body),
                (true, false) => {
                    assert_eq!((r.status, made), (StatusCode::BAD_REQUEST, 0), "{who} {unit}");
                    assert!(r.body.contains("不在您的管辖范围内"), "{}", r.body);
                }
            }
        }
        let before = with_store(&env, |s| s.system(&Scope::all(), other).unwrap().unwrap());
        for (path, body) in [
            (format!("/mlps/{other}/assessments"), format!("_csrf={csrf}&assessed_on={today}&agency=x&score=85")),
            (format!("/mlps/{other}/items"), format!("_csrf={csrf}&item=x&due_on={today}")),
            (format!("/mlps/{other}/edit"), format!("_csrf={csrf}&unit_code={}&name=renamed&owner=x&level=3&live_on=2025-01-06", p.other_school)),
        ] {
            let r = send(&env, "POST", &path, &a, Some(&body)).await;
            match (writes, sees_other) {
                (false, _) => assert_eq!(r.status, StatusCode::FORBIDDEN, "{who} {path}"),
                (true, false) => assert_eq!(r.status, StatusCode::NOT_FOUND, "{who} {path}"),
                (true, true) => assert_eq!(r.status, StatusCode::SEE_OTHER, "{who} {path}: {}", r.body),
            }
        }
        if !sees_other {
            let after = with_store(&env, |s| s.system(&Scope::all(), other).unwrap().unwrap());
            assert_eq!(after, before, "{who} changed another area's system");
        }
        // Nobody moves a system of their area out of it, nor another area's into theirs.
        if writes && !sees_other {
            let r = send(&env, "POST", &format!("/mlps/{other}/edit"), &a, Some(&format!("_csrf={csrf}&unit_code={}&name=taken&owner=x&level=3&live_on=2025-01-06", p.school))).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{who}");
            assert_eq!(with_store(&env, |s| s.system(&Scope::all(), other).unwrap().unwrap().new.unit_code.to_string()), p.other_school, "{who}");
        }
        // The API: another area's system is missing, the same answer as a number never used.
        let (s1, _) = api_json(&env, "POST", &format!("/api/v1/mlps/systems/{other}/assessments"), &a, &serde_json::json!({"assessed_on": today, "agency": "x", "conclusion": "good"})).await;
        let (s2, _) = api_json(&env, "POST", "/api/v1/mlps/systems/987654/assessments", &a, &serde_json::json!({"assessed_on": today, "agency": "x", "conclusion": "good"})).await;
        match (writes, sees_other) {
            (false, _) => assert_eq!((s1, s2), (StatusCode::FORBIDDEN, StatusCode::FORBIDDEN), "{who}"),
            (true, false) => assert_eq!((s1, s2), (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND), "{who}"),
            (true, true) => assert_eq!((s1, s2), (StatusCode::OK, StatusCode::NOT_FOUND), "{who}"),
        }
    }
    // The import (console and API): rows inside the area stored, the others rejected with the
    // generic reason, nothing for those who do not write; audited with the counts. The console
    // file is GBK-encoded.
    const GBK_HEADER: &[u8] = b"\xb5\xa5\xce\xbb\xb4\xfa\xc2\xeb\x2c\xcf\xb5\xcd\xb3\xc3\xfb\xb3\xc6\x2c\xd4\xf0\xc8\xce\xb2\xbf\xc3\xc5\x2c\xb0\xb2\xc8\xab\xb1\xa3\xbb\xa4\xb5\xc8\xbc\xb6\x2c\xc9\xcf\xcf\xdf\xd4\xcb\xd0\xd0\xc8\xd5\xc6\xda\x0a";
    for (who, role) in accounts() {
        let a = login(&env, who, PASSWORD).await;
        let writes = store::mlps::role_writes(role);
        let sees_other = matches!(role, Role::ProvinceAdmin | Role::SecurityOfficer);
        let count = |env: &Env| with_store(env, |s| s.systems(&Scope::all(), &store::mlps::SystemQuery { limit: 500, ..store::mlps::SystemQuery::on(standard::Date::today()) }).unwrap().rows.len());
        let mut file = GBK_HEADER.to_vec();
        for (unit, name) in [(p.other_school.as_str(), "out"), (p.school.as_str(), "in")] {
            file.extend_from_slice(format!("{unit},imp-{who}-{name},").as_bytes());
            file.extend_from_slice(b"\xd0\xc5\xcf\xa2\xd6\xd0\xd0\xc4");
            file.extend_from_slice(b",2,2025-01-06\n");
        }
        file.extend_from_slice(format!("{},bad-{who},x,9,\n", p.school).as_bytes());
        let before = count(&env);
        let r = upload_file(&env, &a, "/mlps/import", "systems.csv", &file).await;
        let made = count(&env) - before;
        if !writes {
            assert_eq!((r.status, made), (StatusCode::FORBIDDEN, 0), "{who}");
        } else {
            assert_eq!(r.status, StatusCode::OK, "{who}: {}", r.body);
            assert!(r.body.contains("id=\"rows-read\">3<"), "{who}: {}", r.body);
            assert!(r.body.contains("1 至 5"), "{who}: the bad level's reason");
            if sees_other {
                assert_eq!(made, 2, "{who}");
            } else {
                assert_eq!(made, 1, "{who}");
                assert!(r.body.contains("不在您的管辖范围内") && r.body.contains("data-line=\"2\""), "{who}: {}", r.body);
            }
        }
        let csv = format!("unit_code,name,owner,level,live_on\n{},api-{who}-out,x,2,2025-01-06\n{},api-{who}-in,x,2,2025-01-06\n", p.other_school, p.school);
        let before = count(&env);
        let (st, v) = api_bytes(&env, "POST", "/api/v1/mlps/import?name=systems.csv", &a, "text/csv", csv.into_bytes()).await;
        let made = count(&env) - before;
        match (writes, sees_other) {
            (false, _) => assert_eq!((st, made), (StatusCode::FORBIDDEN, 0), "{who}"),
            (true, true) => assert_eq!((st, made, v["inserted"].as_u64()), (StatusCode::OK, 2, Some(2)), "{who}: {v}"),
            (true, false) => {
                assert_eq!((st, made, v["inserted"].as_u64()), (StatusCode::OK, 1, Some(1)), "{who}: {v}");
                assert_eq!(v["rejected"][0]["line"], 2, "{v}");
                assert!(v["rejected"][0]["reasons"][0].as_str().unwrap().contains("不在您的管辖范围内"), "{v}");
            }
        }
    }
    let imports = with_store(&env, |s| s.audit_entries(&store::AuditFilter { action: Some("mlps_import".into()), limit: 200, ..Default::default() }).unwrap());
    assert_eq!(imports.len(), 2 * accounts().into_iter().filter(|(_, r)| store::mlps::role_writes(*r)).count(), "every import audited");
    assert!(imports.iter().all(|e| e.detail.contains("\"inserted\"") && e.detail.contains("\"rejected\"")));
    // The county officer's own system: an assessment takes it off the overdue list.
    let county = login(&env, "county", PASSWORD).await;
    let (_, v) = api_json(&env, "GET", "/api/v1/mlps/overdue", &county, &serde_json::Value::Null).await;
    assert!(v["items"].as_array().unwrap().iter().any(|x| x["id"] == own), "{v}");
    let (st, v) = api_json(&env, "PUT", &format!("/api/v1/mlps/systems/{own}"), &county, &serde_json::json!({"unit_code": p.school, "name": "本县学校 OA", "owner": "信息中心", "level": "3", "live_on": "2025-01-06", "filing_no": "51010499001-30001", "filing_on": "2025-01-20", "filing_authority": "区公安分局"})).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let (st, v) = api_json(&env, "POST", &format!("/api/v1/mlps/systems/{own}/assessments"), &county, &serde_json::json!({"assessed_on": today, "agency": "四川某测评中心", "score": "88"})).await;
    assert_eq!((st, v["state"].as_str()), (StatusCode::OK, Some("ok")), "{v}");
    let (_, v) = api_json(&env, "GET", "/api/v1/mlps/overdue", &county, &serde_json::Value::Null).await;
    assert!(!v["items"].as_array().unwrap().iter().any(|x| x["id"] == own), "{v}");
    // Bad input: every problem at once, in words.
    let (st, v) = api_json(&env, "POST", "/api/v1/mlps/systems", &county, &serde_json::json!({"unit_code": p.school, "level": "7", "filing_no": "123"})).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    let m = v["error"]["message_zh"].as_str().unwrap();
    assert!(m.contains("系统名称") && m.contains("1 至 5") && m.contains("备案日期"), "{m}");
    // A data consumer's token writes nothing.
    let api = Auth { bearer: Some(env.token.clone()), ..Default::default() };
    assert_eq!(send_json(&env, "POST", "/api/v1/mlps/systems", &api, &format!(r#"{{"unit_code":"{}","name":"x","owner":"x","level":"1"}}"#, p.school)).await.status, StatusCode::FORBIDDEN);
    let acts: Vec<String> = with_store(&env, |s| s.audit_entries(&store::AuditFilter { limit: 200, ..Default::default() }).unwrap()).into_iter().map(|e| e.action).collect();
    for want in ["mlps_system_create", "mlps_system_update", "mlps_assessment", "mlps_item_add"] {
        assert!(acts.iter().any(|a| a == want), "{want} in the audit log");
    }
}

/// The responsibility checklist's and the software ledger's writes, for every role: adding
/// software for the own area and another, editing another area's entry, updating another area's
/// checklist item, recording a check for another area's school — refused (403 for roles that do
/// not write, 400/404 for another area) with nothing changed; the API alike; publishing by the
/// officers only; bad input answered all at once; every accepted write audited.
async fn ledger_matrix(env: Env) {
    let p = env.places.clone();
    let sw = |unit: &str| store::ledger::NewSoftware { unit_code: unit.parse().unwrap(), name: "WPS".into(), vendor: "金山".into(), version: "2023".into(), kind: store::ledger::SoftwareKind::Office, licence_kind: store::ledger::LicenceKind::Procured, licence_no: "SCZC-1".into(), licensed: 10, expires_on: None, installed: 10, location: "机房".into() };
    let other_sw = with_store(&env, |s| s.create_software(&Scope::all(), &sw(&p.other_school), "prov", 0).unwrap());
    let checklist = store::ledger::NewChecklist { region_code: 510000, year: 2026, title: "省级清单".into(), include_schools: true, items: vec![store::ledger::TemplateItem { text: "成立领导小组".into(), category: store::ledger::Category::Leadership, evidence_required: true }] };
    let cid = with_store(&env, |s| secman::ledger::publish(s, &Scope::all(), &checklist, "prov", 0).unwrap().id);
    let item_of = |env: &Env, unit: &str| with_store(env, |s| s.duty_items(&Scope::all(), &store::ledger::DutyQuery { checklist: Some(cid), unit: Some(unit.parse().unwrap()), limit: 10, ..Default::default() }).unwrap().rows[0].clone());
    let other_item = item_of(&env, &p.other_school);
    let own_item = item_of(&env, &p.school);
    let today = standard::Date::today().to_string();
    for (who, role) in accounts() {
        let a = login(&env, who, PASSWORD).await;
        let csrf = a.csrf.clone().unwrap_or_default();
        let writes = store::ledger::role_writes(role);
        let sees_other = matches!(role, Role::ProvinceAdmin | Role::SecurityOfficer);
        let count = |env: &Env| with_store(env, |s| s.software_totals(&Scope::all(), &store::ledger::SoftwareQuery::on(standard::Date::today())).unwrap().entries);
        for (unit, inside) in [(p.other_school.clone(), sees_other), (p.school.clone(), true)] {
            let before = count(&env);
            let form = format!("_csrf={csrf}&unit_code={unit}&name={}&kind=office&licence_kind=open_source&installed=3", enc(&format!("软件-{who}")));
            let r = send(&env, "POST", "/software/new", &a, Some(&form)).await;
            let made = count(&env) - before;
            match (writes, inside) {
                (false, _) => assert_eq!((r.status, made), (StatusCode::FORBIDDEN, 0), "{who} {unit}"),
                (true, true) => assert_eq!((r.status, made), (StatusCode::SEE_OTHER, 1), "{who} {unit}: {}", r.body),
                (true, false) => {
                    assert_eq!((r.status, made), (StatusCode::BAD_REQUEST, 0), "{who} {unit}");
                    assert!(r.body.contains("不在您的管辖范围内"), "{}", r.body);
                }
            }
        }
        let checks_before = with_store(&env, |s| s.checks(&Scope::all(), p.other_school.parse().unwrap()).unwrap().len());
        let sw_before = with_store(&env, |s| s.software(&Scope::all(), other_sw.id).unwrap().unwrap());
        let item_before = with_store(&env, |s| s.duty_item(&Scope::all(), other_item.id).unwrap().unwrap());
        for (path, body) in [
            (format!("/software/{}/edit", other_sw.id), format!("_csrf={csrf}&unit_code={}&name=renamed&kind=office&licence_kind=free", p.other_school)),
            (format!("/duties/items/{}", other_item.id), format!("_csrf={csrf}&owner_name=%E7%8E%8B%E6%98%8E&owner_post=x&status=in_progress")),
            ("/software/checks".to_string(), format!("_csrf={csrf}&unit_code={}&checked_on={today}&checker=%E6%9D%8E%E5%8D%8E&result=compliant", p.other_school)),
        ] {
            let r = send(&env, "POST", &path, &a, Some(&body)).await;
            match (writes, sees_other) {
                (false, _) => assert_eq!(r.status, StatusCode::FORBIDDEN, "{who} {path}"),
                (true, false) => assert_eq!(r.status, StatusCode::NOT_FOUND, "{who} {path}: {}", r.body),
                (true, true) => assert_eq!(r.status, StatusCode::SEE_OTHER, "{who} {path}: {}", r.body),
            }
        }
        if !sees_other {
            assert_eq!(with_store(&env, |s| s.software(&Scope::all(), other_sw.id).unwrap().unwrap()), sw_before, "{who} changed another area's software");
            assert_eq!(with_store(&env, |s| s.duty_item(&Scope::all(), other_item.id).unwrap().unwrap()), item_before, "{who} changed another area's item");
            assert_eq!(with_store(&env, |s| s.checks(&Scope::all(), p.other_school.parse().unwrap()).unwrap().len()), checks_before, "{who} checked another area's school");
        }
        // The API: another area's item is missing, the same answer as a number never used.
        let body = serde_json::json!({"owner_name": "王明", "owner_post": "校长", "status": "in_progress"});
        let (s1, _) = api_json(&env, "PUT", &format!("/api/v1/ledger/duties/{}", other_item.id), &a, &body).await;
        let (s2, _) = api_json(&env, "PUT", "/api/v1/ledger/duties/987654", &a, &body).await;
        match (writes, sees_other) {
            (false, _) => assert_eq!((s1, s2), (StatusCode::FORBIDDEN, StatusCode::FORBIDDEN), "{who}"),
            (true, false) => assert_eq!((s1, s2), (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND), "{who}"),
            (true, true) => assert_eq!((s1, s2), (StatusCode::OK, StatusCode::NOT_FOUND), "{who}"),
        }
        // Publishing: the officers, for their own division.
        let (st, _) = api_json(&env, "POST", "/api/v1/ledger/checklists", &a, &serde_json::json!({"year": "2026", "title": format!("清单-{who}"), "items": "组织领导｜明确责任人"})).await;
        let want = if store::ledger::role_publishes(role) { StatusCode::CREATED } else { StatusCode::FORBIDDEN };
        assert_eq!(st, want, "{who} publishes");
    }
    // The county officer settles its school's item; evidence is required before 已落实.
    let county = login(&env, "county", PASSWORD).await;
    let (st, v) = api_json(&env, "PUT", &format!("/api/v1/ledger/duties/{}", own_item.id), &county, &serde_json::json!({"owner_name": "13800138000", "status": "done"})).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{v}");
    let m = v["error"]["message_zh"].as_str().unwrap();
    assert!(m.contains("不要填写电话") && m.contains("职务") && m.contains("佐证"), "{m}");
    let (st, v) = api_json(&env, "PUT", &format!("/api/v1/ledger/duties/{}", own_item.id), &county, &serde_json::json!({"owner_name": "王明", "owner_post": "校长", "status": "done", "evidence": "文件 2026-3 号"})).await;
    assert_eq!((st, v["status"].as_str()), (StatusCode::OK, Some("done")), "{v}");
    let (st, v) = api_json(&env, "POST", "/api/v1/ledger/software", &county, &serde_json::json!({"unit_code": p.school, "licence_kind": "commercial", "licensed": "x", "expires_on": "2026-02-30"})).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    let m = v["error"]["message_zh"].as_str().unwrap();
    assert!(m.contains("软件名称") && m.contains("软件类别") && m.contains("授权数量") && m.contains("授权到期日"), "{m}");
    let (st, v) = api_json(&env, "POST", "/api/v1/ledger/checks", &county, &serde_json::json!({"unit_code": p.school, "checked_on": today, "checker": "李华", "result": "issues", "problems": "WPS 超装 2 套"})).await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    // A data consumer's token writes nothing.
    let api = Auth { bearer: Some(env.token.clone()), ..Default::default() };
    assert_eq!(send_json(&env, "POST", "/api/v1/ledger/software", &api, &format!(r#"{{"unit_code":"{}","name":"x","kind":"os","licence_kind":"free"}}"#, p.school)).await.status, StatusCode::FORBIDDEN);
    let acts: Vec<String> = with_store(&env, |s| s.audit_entries(&store::AuditFilter { limit: 500, ..Default::default() }).unwrap()).into_iter().map(|e| e.action).collect();
    for want in ["software_create", "software_update", "duty_item_update", "software_check", "duty_checklist_publish"] {
        assert!(acts.iter().any(|a| a == want), "{want} in the audit log");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ledger_writes_by_role_and_area_sqlite() {
    ledger_matrix(sqlite("writes-ledger")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ledger_writes_by_role_and_area_postgres() {
    if let Some(env) = blocking(|| postgres("writes-ledger")) {
        ledger_matrix(env).await;
    }
}

/// The data resource catalog's writes, for every role: registering a dataset of the own county's
/// bureau and of another county's, editing another area's draft (console and API), an unknown
/// dataset — refused (403 for roles that do not register, 400 for a provider outside the area,
/// 404 for another area's dataset, the same as for a number never used) with nothing changed;
/// a form checked whole (every problem at once, 不予共享 without its basis); an edit writes a
/// new version; every write and the DCAT export audited.
async fn catalog_matrix(env: Env) {
    let p = env.places.clone();
    let new = |provider: u32, name: &str| store::suite_catalog::dataset(i64::from(provider), name, store::catalog::Status::Draft);
    let other = with_store(&env, |s| s.catalog_register(&Scope::all(), &new(p.other_county, "外区草稿"), "prov", 0).unwrap());
    let count = |env: &Env| with_store(env, |s| s.catalog_list(&Scope::all(), &store::catalog::CatalogQuery { limit: 500, ..Default::default() }).unwrap().rows.len());
    let form = |csrf: &str, provider: u32, name: &str| format!("_csrf={csrf}&class=309001000&name={}&provider_code={provider}&summary={}&format=xlsx&share_type=unconditional&method=file&cycle=yearly&status=draft&fields={}", enc(name), enc("区县汇总"), enc("school_code｜学校标识码｜字符\npass_rate｜合格率｜数值｜百分比").replace("%5Cn", "%0A"));
    for (who, role) in accounts() {
        let a = login(&env, who, PASSWORD).await;
        let csrf = a.csrf.clone().unwrap_or_default();
        let writes = store::catalog::role_writes(role);
        let province = role == Role::ProvinceAdmin;
        for (provider, inside) in [(p.other_county, province), (p.county, true)] {
            let before = count(&env);
            let r = send(&env, "POST", "/catalog/new", &a, Some(&form(&csrf, provider, &format!("数据-{who}-{provider}")))).await;
            let made = count(&env) - before;
            match (writes, inside) {
                (false, _) => assert_eq!((r.status, made), (StatusCode::FORBIDDEN, 0), "{who} {provider}"),
                (true, true) => assert_eq!((r.status, made), (StatusCode::SEE_OTHER, 1), "{who} {provider}: {}", r.body),
                (true, false) => {
                    assert_eq!((r.status, made), (StatusCode::BAD_REQUEST, 0), "{who} {provider}");
                    assert!(r.body.contains("不在您的管辖范围内"), "{}", r.body);
                }
            }
        }
        let before = with_store(&env, |s| s.catalog_dataset(&Scope::all(), other.id).unwrap().unwrap().current_version);
        let r = send(&env, "POST", &format!("/catalog/{}/edit", other.id), &a, Some(&form(&csrf, p.other_county, &format!("外区草稿-{who}")))).await;
        let body = serde_json::json!({"class": "309001000", "name": format!("外区草稿-api-{who}"), "provider_code": p.other_county.to_string(), "summary": "改", "format": "csv", "share_type": "unconditional", "method": "api", "cycle": "monthly", "status": "draft", "fields": [{"name": "a", "title": "甲", "data_type": "text"}]});
        let (s1, _) = api_json(&env, "PUT", &format!("/api/v1/catalog/{}", other.id), &a, &body).await;
        let (s2, _) = api_json(&env, "PUT", "/api/v1/catalog/987654", &a, &body).await;
        let after = with_store(&env, |s| s.catalog_dataset(&Scope::all(), other.id).unwrap().unwrap().current_version);
        match (writes, province) {
            (false, _) => assert_eq!((r.status, s1, s2, after), (StatusCode::FORBIDDEN, StatusCode::FORBIDDEN, StatusCode::FORBIDDEN, before), "{who}"),
            (true, false) => assert_eq!((r.status, s1, s2, after), (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND, StatusCode::NOT_FOUND, before), "{who}"),
            (true, true) => assert_eq!((r.status, s1, s2, after), (StatusCode::SEE_OTHER, StatusCode::OK, StatusCode::NOT_FOUND, before + 2), "{who}"),
        }
    }
    // The form is checked whole: a 不予共享 entry without its basis, no name, a bad class, a
    // field line that does not read — every problem at once, the values kept.
    let county = login(&env, "county", PASSWORD).await;
    let csrf = county.csrf.clone().unwrap_or_default();
    let bad = format!("_csrf={csrf}&class=9&name=&provider_code={}&summary={}&format=xlsx&share_type=none&method=file&cycle=yearly&status=published&fields={}", p.county, enc("摘要保留"), enc("only_one_part"));
    let r = send(&env, "POST", "/catalog/new", &county, Some(&bad)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    for want in ["资源分类", "资源名称", "法律法规", "第 1 行", "摘要保留"] {
        assert!(r.body.contains(want), "{want}: {}", &r.body[..r.body.len().min(3000)]);
    }
    // The API alike, in one answer.
    let (st, v) = api_json(&env, "POST", "/api/v1/catalog", &county, &serde_json::json!({"class": "309001000", "name": "有条件", "provider_code": p.county.to_string(), "summary": "x", "share_type": "conditional", "fields": [{"name": "a b", "title": "", "data_type": "日期"}]})).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{v}");
    let m = v["error"]["message_zh"].as_str().unwrap();
    assert!(m.contains("共享条件") && m.contains("字段代码") && m.contains("中文名称"), "{m}");
    // An edit writes a new version; the old one stays readable.
    let (st, v) = api_json(&env, "POST", "/api/v1/catalog", &county, &serde_json::json!({"class": "309001000", "name": "锦江区近视率", "provider_code": p.county.to_string(), "summary": "x", "share_type": "none", "legal_basis": "《未成年人保护法》", "status": "published", "fields": [{"name": "rate", "title": "近视率", "data_type": "decimal"}]})).await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    let id = v["id"].as_i64().unwrap();
    assert_eq!(v["version"], 1);
    let (st, v2) = api_json(&env, "PUT", &format!("/api/v1/catalog/{id}"), &county, &serde_json::json!({"class": "309001000", "name": "锦江区近视率", "provider_code": p.county.to_string(), "summary": "新摘要", "share_type": "none", "legal_basis": "《未成年人保护法》", "status": "published", "note": "改摘要", "fields": [{"name": "rate", "title": "近视率", "data_type": "decimal"}]})).await;
    assert_eq!((st, v2["version"].as_i64()), (StatusCode::OK, Some(2)), "{v2}");
    let (_, old) = api_json(&env, "GET", &format!("/api/v1/catalog/{id}?version=1"), &county, &serde_json::Value::Null).await;
    assert_eq!(old["summary"], "x");
    // A data consumer's token writes nothing, and reads the published entries only.
    let api = Auth { bearer: Some(env.token.clone()), ..Default::default() };
    assert_eq!(send_json(&env, "POST", "/api/v1/catalog", &api, &body_json(p.county)).await.status, StatusCode::FORBIDDEN);
    // The DCAT export parses and holds every published dataset (the automatic entries too), each
    // with its identifier, title, publisher, frequency, distribution and fields.
    with_store(&env, |s| store::catalog_auto::sync(s, 51, "system", 0).unwrap());
    let (st, doc) = api_json(&env, "GET", "/api/v1/catalog/dcat", &api, &serde_json::Value::Null).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(doc["@context"]["dcat"], "http://www.w3.org/ns/dcat#");
    assert_eq!(doc["@context"]["dct"], "http://purl.org/dc/terms/");
    assert_eq!(doc["@type"], "dcat:Catalog");
    let published: Vec<store::catalog::DatasetSummary> = with_store(&env, |s| s.catalog_list(&Scope::Nothing, &store::catalog::CatalogQuery { limit: 500, ..Default::default() }).unwrap().rows);
    assert!(published.len() >= store::catalog_auto::derive(51).len() + 1);
    let listed = doc["dcat:dataset"].as_array().unwrap();
    assert_eq!(listed.len(), published.len());
    for d in &published {
        let x = listed.iter().find(|x| x["dct:identifier"] == d.resource_code.as_str()).unwrap_or_else(|| panic!("{} missing from the export", d.resource_code));
        assert_eq!(x["@type"], "dcat:Dataset");
        assert_eq!(x["dct:title"]["@value"], d.name.as_str());
        assert!(x["dct:publisher"]["foaf:name"]["@value"].as_str().unwrap().ends_with("教育厅") || x["dct:publisher"]["foaf:name"]["@value"].as_str().unwrap().ends_with("教育局"));
        assert!(x["dct:accrualPeriodicity"]["@id"].as_str().unwrap().starts_with("http://purl.org/cld/freq/"));
        assert!(x["dct:issued"]["@value"].is_string() && x["dct:modified"]["@value"].is_string() && x["dct:description"]["@value"].is_string());
        assert!(x["dcat:distribution"][0]["dcat:mediaType"].is_string() && x["dcat:keyword"].is_array());
        assert_eq!(x["csvw:tableSchema"]["csvw:column"].as_array().unwrap().len(), d.fields as usize);
    }
    let students = listed.iter().find(|x| x["dct:title"]["@value"] == "学生基本信息").unwrap();
    let id_col = students["csvw:tableSchema"]["csvw:column"].as_array().unwrap().iter().find(|c| c["csvw:name"] == "id_number").unwrap();
    assert_eq!((id_col["tianfu:personal"].as_bool(), id_col["tianfu:mask"].as_str()), (Some(true), Some("id_number")));
    // The console's download is the same document.
    let r = send(&env, "GET", "/catalog.jsonld", &county, None).await;
    assert_eq!(r.status, StatusCode::OK);
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert!(v["dcat:dataset"].as_array().unwrap().len() >= published.len());
    assert!(doc["dcat:dataset"].as_array().unwrap().iter().all(|d| d["dct:title"]["@value"] != "外区草稿"), "no draft in the export");
    let acts: Vec<String> = with_store(&env, |s| s.audit_entries(&store::AuditFilter { limit: 500, ..Default::default() }).unwrap()).into_iter().map(|e| e.action).collect();
    for want in ["catalog_register", "catalog_update", "catalog_export"] {
        assert!(acts.iter().any(|a| a == want), "{want} in the audit log");
    }
}

fn body_json(provider: u32) -> String {
    format!(r#"{{"class":"309001000","name":"x","provider_code":"{provider}","summary":"x","fields":[{{"name":"a","title":"甲","data_type":"text"}}]}}"#)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catalog_writes_by_role_and_area_sqlite() {
    catalog_matrix(sqlite("writes-catalog")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catalog_writes_by_role_and_area_postgres() {
    if let Some(env) = blocking(|| postgres("writes-catalog")) {
        catalog_matrix(env).await;
    }
}

/// 等保 files: an assessment's report and a rectification item's evidence (console and API), for
/// every role: another area's system is 404 (403 for roles that do not write) with nothing kept;
/// a wrong type and a form without a file are refused in Chinese; the item's file marks it done;
/// downloads are scoped (404 outside and for a file not the record's), audited, and open to the
/// auditor; a data consumer's token uploads nothing.
async fn mlps_files_matrix(env: Env) {
    let p = env.places.clone();
    let other = mlps_system(&env, &p.other_school, "外市学校 OA");
    let own = mlps_system(&env, &p.school, "本县学校 OA");
    let assess = |env: &Env, sys: i64| with_store(env, |s| s.add_assessment(&Scope::all(), sys, &store::mlps::NewAssessment { assessed_on: standard::Date::today(), agency: "四川某测评中心".into(), score: None, conclusion: store::mlps::Conclusion::Good }, "prov", 0).unwrap().id);
    let item = |env: &Env, sys: i64| with_store(env, |s| s.add_rectification(&Scope::all(), sys, &store::mlps::NewRectification { item: "口令复杂度不足".into(), due_on: standard::Date::today() }, "prov", 0).unwrap().id);
    let (oa, oi, a, i) = (assess(&env, other), item(&env, other), assess(&env, own), item(&env, own));
    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec();
    for (who, role) in accounts() {
        let au = login(&env, who, PASSWORD).await;
        if matches!(role, Role::ProvinceAdmin | Role::SecurityOfficer) {
            continue;
        }
        let mut got = Vec::new();
        for uri in [format!("/mlps/{other}/assessments/{oa}/report"), format!("/mlps/{other}/items/{oi}/evidence"), format!("/mlps/{own}/assessments/{oa}/report"), format!("/mlps/{own}/items/{oi}/evidence"), format!("/api/v1/mlps/systems/{other}/assessments/{oa}/report"), format!("/api/v1/mlps/systems/{other}/items/{oi}/evidence")] {
            got.push(upload_file(&env, &au, &uri, "测评报告.pdf", &pdf).await.status);
        }
        let want = if store::mlps::role_writes(role) { StatusCode::NOT_FOUND } else { StatusCode::FORBIDDEN };
        assert_eq!(got, vec![want; 6], "{who}");
        let (ras, ris) = with_store(&env, |s| (s.assessments(&Scope::all(), other).unwrap(), s.rectifications(&Scope::all(), other).unwrap()));
        assert!(ras.iter().all(|x| x.report_attachment.is_none()) && ris.iter().all(|x| x.attachment.is_none() && x.done_on.is_none()), "{who} attached to another area's record");
    }
    let county = login(&env, "county", PASSWORD).await;
    let r = upload_file(&env, &county, &format!("/mlps/{own}/assessments/{a}/report"), "测评报告.zip", b"PK\x03\x04rest").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("证明材料类型不支持"), "{}", r.body);
    let r = upload_file(&env, &county, &format!("/mlps/{own}/items/{i}/evidence"), "整改报告.pdf", b"").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("请选择证明材料文件"), "{}", r.body);
    assert!(with_store(&env, |s| s.rectifications(&Scope::all(), own).unwrap())[0].done_on.is_none(), "a refused file closes nothing");
    let r = upload_file(&env, &county, &format!("/mlps/{own}/assessments/{a}/report"), "测评报告.pdf", &pdf).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = upload_file(&env, &county, &format!("/api/v1/mlps/systems/{own}/items/{i}/evidence"), "整改报告.pdf", &pdf).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    let item_file = v["id"].as_i64().unwrap();
    let report = with_store(&env, |s| s.assessments(&Scope::all(), own).unwrap())[0].report_attachment.expect("the report kept");
    let it = with_store(&env, |s| s.rectifications(&Scope::all(), own).unwrap()).remove(0);
    assert_eq!((it.attachment, it.done_on, it.evidence.contains("整改报告.pdf")), (Some(item_file), Some(standard::Date::today()), true), "{it:?}");
    let page = send(&env, "GET", &format!("/mlps/{own}"), &county, None).await;
    for href in [format!("/mlps/{own}/assessments/{a}/files/{report}"), format!("/mlps/{own}/items/{i}/files/{item_file}")] {
        assert!(page.body.contains(&href), "{href}");
        for who in ["county", "school", "aud"] {
            let au = login(&env, who, PASSWORD).await;
            let d = send(&env, "GET", &href, &au, None).await;
            assert_eq!((d.status, d.bytes == pdf), (StatusCode::OK, true), "{who} {href}");
        }
    }
    assert_eq!(send(&env, "GET", &format!("/api/v1/mlps/systems/{own}/items/{i}/evidence/{item_file}"), &county, None).await.status, StatusCode::OK);
    // The province's file on the other city's report: not the county's to read, by any path.
    let prov = login(&env, "prov", PASSWORD).await;
    let r = upload_file(&env, &prov, &format!("/api/v1/mlps/systems/{other}/assessments/{oa}/report"), "测评报告.pdf", &pdf).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let of: i64 = serde_json::from_str::<serde_json::Value>(&r.body).unwrap()["id"].as_i64().unwrap();
    for uri in [format!("/mlps/{other}/assessments/{oa}/files/{of}"), format!("/mlps/{own}/assessments/{a}/files/{of}"), format!("/mlps/{own}/items/{i}/files/{report}"), format!("/api/v1/mlps/systems/{other}/assessments/{oa}/report/{of}")] {
        assert_eq!(send(&env, "GET", &uri, &county, None).await.status, StatusCode::NOT_FOUND, "{uri}");
    }
    assert_eq!(send(&env, "GET", &format!("/api/v1/mlps/systems/{other}/assessments/{oa}/report/{of}"), &prov, None).await.status, StatusCode::OK);
    let api = Auth { bearer: Some(env.token.clone()), ..Default::default() };
    let body = "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.pdf\"\r\n\r\n%PDF-1.4\n%%EOF\n\r\n--b--\r\n".as_bytes().to_vec();
    let (st, _) = api_bytes(&env, "POST", &format!("/api/v1/mlps/systems/{own}/assessments/{a}/report"), &api, "multipart/form-data; boundary=b", body).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let entries = with_store(&env, |s| s.audit_entries(&store::AuditFilter { limit: 500, ..Default::default() }).unwrap());
    for want in ["mlps_report_file", "mlps_item_file", "mlps_item_close", "mlps_file_download"] {
        assert!(entries.iter().any(|e| e.action == want), "{want} in the audit log");
    }
    assert!(entries.iter().any(|e| e.action == "mlps_report_file" && e.detail.contains("refused")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mlps_files_by_role_and_area_sqlite() {
    mlps_files_matrix(sqlite("writes-mlps-files")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mlps_files_by_role_and_area_postgres() {
    if let Some(env) = blocking(|| postgres("writes-mlps-files")) {
        mlps_files_matrix(env).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mlps_writes_by_role_and_area_sqlite() {
    mlps_matrix(sqlite("writes-mlps")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mlps_writes_by_role_and_area_postgres() {
    if let Some(env) = blocking(|| postgres("writes-mlps")) {
        mlps_matrix(env).await;
    }
}

/// An important period over `county`, running today (bureaus and schools report).
fn duty_period(env: &Env, county: u32) -> i64 {
    let today = standard::Date::today();
    let new = store::duty::NewPeriod { area_code: county, name: format!("{county} 保障期"), starts_on: today, ends_on: today, full_day: false, reporters: store::duty::Reporters::BureausAndSchools, cutoff_minutes: store::duty::DEFAULT_CUTOFF };
    with_store(env, |s| s.create_period(&Scope::all(), &new, "prov", 0).unwrap().id)
}

/// Duty and important periods, for every role: a contact for the own area and for another, the
/// full mobile number of another area's contact, a daily report in another area's period and in
/// the own one, a period over another county — refused (403 for roles that do not write, 404 or
/// 400 for another area) with nothing written there; the API alike; every accepted write audited.
async fn duty_matrix(env: Env) {
    let p = env.places.clone();
    let own = duty_period(&env, p.county);
    let other = duty_period(&env, p.other_county);
    let other_contact = with_store(&env, |s| s.create_contact(&Scope::all(), &store::duty::NewContact { unit_code: p.other_school.parse().unwrap(), name: "外市值班人".into(), post: "值班员".into(), office_phone: String::new(), mobile: "13900002222".into() }, "prov", 0).unwrap().id);
    let contacts = |env: &Env, unit: &str| with_store(env, |s| s.contacts(&Scope::all(), Some(unit.parse().unwrap()), 500).unwrap().len());
    let reports = |env: &Env, period: i64| with_store(env, |s| s.reports(&Scope::all(), period, None, 500).unwrap().len());
    for (who, role) in accounts() {
        let a = login(&env, who, PASSWORD).await;
        let csrf = a.csrf.clone().unwrap_or_default();
        let writes = store::duty::role_writes(role);
        let sees_other = matches!(role, Role::ProvinceAdmin | Role::SecurityOfficer);
        for (unit, inside) in [(p.other_school.clone(), sees_other), (p.school.clone(), true)] {
            let before = contacts(&env, &unit);
            let form = format!("_csrf={csrf}&unit_code={unit}&name={}&post={}&mobile=13800001111", enc(&format!("值班-{who}")), enc("值班员"));
            let r = send(&env, "POST", "/duty/contacts", &a, Some(&form)).await;
            let made = contacts(&env, &unit) - before;
            match (writes, inside) {
                (false, _) => assert_eq!((r.status, made), (StatusCode::FORBIDDEN, 0), "{who} {unit}"),
                (true, true) => assert_eq!((r.status, made), (StatusCode::SEE_OTHER, 1), "{who} {unit}: {}", r.body),
                (true, false) => assert_eq!((r.status, made), (StatusCode::NOT_FOUND, 0), "{who} {unit}"),
            }
        }
        // Bad input: every problem at once, values kept.
        if writes {
            let r = send(&env, "POST", "/duty/contacts", &a, Some(&format!("_csrf={csrf}&unit_code={}&name=&post=&mobile=123&office_phone=abc", p.school))).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{who}");
            assert!(r.body.contains("请填写姓名") && r.body.contains("请填写岗位") && r.body.contains("11 位") && r.body.contains("value=\"abc\""), "{who}: {}", r.body);
        }
        // Editing a contact: another area's (page and API), then the own school's.
        let other_before = with_store(&env, |s| s.contact(&Scope::all(), other_contact).unwrap().unwrap());
        let r = send(&env, "POST", &format!("/duty/contacts/{other_contact}/edit"), &a, Some(&format!("_csrf={csrf}&name={}&post={}&mobile=13700003333", enc("篡改"), enc("值班员")))).await;
        let (st, _) = api_json(&env, "PUT", &format!("/api/v1/duty/contacts/{other_contact}"), &a, &serde_json::json!({"name": "篡改", "post": "值班员"})).await;
        match (writes, sees_other) {
            (false, _) => assert_eq!((r.status, st), (StatusCode::FORBIDDEN, StatusCode::FORBIDDEN), "{who} edit"),
            (true, false) => assert_eq!((r.status, st), (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND), "{who} edit"),
            (true, true) => assert_eq!((r.status, st), (StatusCode::SEE_OTHER, StatusCode::OK), "{who} edit: {}", r.body),
        }
        if sees_other {
            with_store(&env, |s| s.update_contact(&Scope::all(), other_contact, &other_before.new, 0).unwrap());
        } else {
            assert_eq!(with_store(&env, |s| s.contact(&Scope::all(), other_contact).unwrap().unwrap()).new, other_before.new, "{who} changed another area's contact");
        }
        let own_contact = with_store(&env, |s| s.create_contact(&Scope::all(), &store::duty::NewContact { unit_code: p.school.parse().unwrap(), name: "本校值班".into(), post: "值班员".into(), office_phone: String::new(), mobile: "13600004444".into() }, "prov", 0).unwrap().id);
        let r = send(&env, "GET", &format!("/duty/contacts/{own_contact}/edit"), &a, None).await;
        if writes {
            // The form shows the mobile masked, never the full number.
            assert!(r.status == StatusCode::OK && r.body.contains("value=\"136****4444\"") && !r.body.contains("13600004444"), "{who}: {}", r.body);
            // Every problem at once, the values kept (the masked mobile as typed).
            let r = send(&env, "POST", &format!("/duty/contacts/{own_contact}/edit"), &a, Some(&format!("_csrf={csrf}&name=&post=&office_phone=abc&mobile=12345"))).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{who}");
            assert!(r.body.contains("请填写姓名") && r.body.contains("请填写岗位") && r.body.contains("11 位") && r.body.contains("value=\"abc\"") && r.body.contains("value=\"12345\""), "{who}: {}", r.body);
            // The masked number sent back keeps the stored one; the name and post change.
            let r = send(&env, "POST", &format!("/duty/contacts/{own_contact}/edit"), &a, Some(&format!("_csrf={csrf}&name={}&post={}&office_phone=&mobile={}", enc("新值班"), enc("带班领导"), enc("136****4444")))).await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{who}: {}", r.body);
            let c = with_store(&env, |s| s.contact(&Scope::all(), own_contact).unwrap().unwrap());
            assert_eq!((c.new.name.as_str(), c.new.post.as_str(), c.new.mobile.as_str()), ("新值班", "带班领导", "13600004444"), "{who}");
            // A new number replaces it (API), answered masked.
            let (st, v) = api_json(&env, "PUT", &format!("/api/v1/duty/contacts/{own_contact}"), &a, &serde_json::json!({"name": "新值班", "post": "值班员", "mobile": "13511112222"})).await;
            assert_eq!((st, v["mobile"].as_str()), (StatusCode::OK, Some("135****2222")), "{who}");
            assert_eq!(with_store(&env, |s| s.contact(&Scope::all(), own_contact).unwrap().unwrap()).new.mobile, "13511112222");
        } else {
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}");
            let r = send(&env, "POST", &format!("/duty/contacts/{own_contact}/edit"), &a, Some(&format!("_csrf={csrf}&name=x&post=y&mobile=13511112222"))).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}");
            assert_eq!(with_store(&env, |s| s.contact(&Scope::all(), own_contact).unwrap().unwrap()).new.mobile, "13600004444");
        }
        with_store(&env, |s| s.delete_contact(&Scope::all(), own_contact).unwrap());
        // The full number of another area's contact.
        let r = send(&env, "POST", &format!("/duty/contacts/{other_contact}/reveal"), &a, Some(&format!("_csrf={csrf}"))).await;
        match (writes, sees_other) {
            (false, _) => assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}"),
            (true, false) => assert_eq!(r.status, StatusCode::NOT_FOUND, "{who}"),
            (true, true) => assert!(r.status == StatusCode::OK && r.body.contains("13900002222"), "{who} {}", r.status),
        }
        // Reports: another area's period, then the own one.
        let before = reports(&env, other);
        let r = send(&env, "POST", &format!("/duty/periods/{other}/reports"), &a, Some(&format!("_csrf={csrf}&unit_code={}&state=clear", p.other_school))).await;
        match (writes, sees_other) {
            (false, _) => assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}"),
            (true, false) => assert_eq!((r.status, reports(&env, other) - before), (StatusCode::NOT_FOUND, 0), "{who}"),
            (true, true) => assert_eq!(r.status, StatusCode::SEE_OTHER, "{who}: {}", r.body),
        }
        let r = send(&env, "POST", &format!("/duty/periods/{own}/reports"), &a, Some(&format!("_csrf={csrf}&unit_code={}&state=events&body={}", p.school, enc("发现钓鱼邮件，已处置")))).await;
        assert_eq!(r.status, if writes { StatusCode::SEE_OTHER } else { StatusCode::FORBIDDEN }, "{who}: {}", r.body);
        let (st, _) = api_json(&env, "POST", &format!("/api/v1/duty/periods/{other}/reports"), &a, &serde_json::json!({"unit_code": p.other_school, "state": "clear"})).await;
        let (st2, _) = api_json(&env, "POST", "/api/v1/duty/periods/987654/reports", &a, &serde_json::json!({"unit_code": p.other_school, "state": "clear"})).await;
        match (writes, sees_other) {
            (false, _) => assert_eq!((st, st2), (StatusCode::FORBIDDEN, StatusCode::FORBIDDEN), "{who}"),
            (true, false) => assert_eq!((st, st2), (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND), "{who}"),
            (true, true) => assert_eq!((st, st2), (StatusCode::CREATED, StatusCode::NOT_FOUND), "{who}"),
        }
        // Roster, robot, deletions and reminders in another area.
        let (victim, shift) = with_store(&env, |s| {
            let c = s.create_contact(&Scope::all(), &store::duty::NewContact { unit_code: p.other_school.parse().unwrap(), name: "外市带班".into(), post: "带班领导".into(), office_phone: "028-1".into(), mobile: String::new() }, "prov", 0).unwrap().id;
            let lone = s.create_contact(&Scope::all(), &store::duty::NewContact { unit_code: p.other_school.parse().unwrap(), name: "外市备班".into(), post: "值班员".into(), office_phone: "028-2".into(), mobile: String::new() }, "prov", 0).unwrap().id;
            let sh = s.create_shift(&Scope::all(), &store::duty::NewShift { unit_code: p.other_school.parse().unwrap(), starts_at: 0, ends_at: 3600, contact_id: c, leader_id: None, note: String::new() }, "prov", 0).unwrap().id;
            (lone, sh)
        });
        let today = standard::Date::today();
        for (path, body) in [
            ("/duty/shifts".to_string(), format!("_csrf={csrf}&unit_code={}&day={today}&start=20:00&end=08:00&contact_id={other_contact}", p.other_school)),
            ("/duty/channel".to_string(), format!("_csrf={csrf}&unit_code={}&webhook_id=1", p.other_school)),
            (format!("/duty/contacts/{victim}/delete"), format!("_csrf={csrf}&unit={}", p.other_school)),
            (format!("/duty/shifts/{shift}/delete"), format!("_csrf={csrf}&unit={}", p.other_school)),
        ] {
            let r = send(&env, "POST", &path, &a, Some(&body)).await;
            match (writes, sees_other) {
                (false, _) => assert_eq!(r.status, StatusCode::FORBIDDEN, "{who} {path}"),
                (true, false) => assert_eq!(r.status, StatusCode::NOT_FOUND, "{who} {path}"),
                (true, true) => assert_eq!(r.status, StatusCode::SEE_OTHER, "{who} {path}: {}", r.body),
            }
        }
        if !sees_other {
            assert!(with_store(&env, |s| s.contact(&Scope::all(), victim).unwrap().is_some()), "{who} deleted another area's contact");
            let by = with_store(&env, |s| s.duty_channel(&Scope::all(), p.other_school.parse().unwrap()).unwrap().map(|c| c.updated_by));
            assert_ne!(by.as_deref(), Some(who), "{who} set another area's robot");
        }
        let r = send(&env, "POST", &format!("/duty/periods/{other}/remind"), &a, Some(&format!("_csrf={csrf}"))).await;
        match (store::duty::role_sets_periods(role), sees_other) {
            (false, _) => assert_eq!(r.status, StatusCode::FORBIDDEN, "{who} remind"),
            (true, false) => assert_eq!(r.status, StatusCode::NOT_FOUND, "{who} remind"),
            (true, true) => assert_eq!(r.status, StatusCode::OK, "{who} remind: {}", r.body),
        }
        let (st, _) = api_json(&env, "POST", &format!("/api/v1/duty/periods/{other}/remind"), &a, &serde_json::json!({})).await;
        match (store::duty::role_sets_periods(role), sees_other) {
            (false, _) => assert_eq!(st, StatusCode::FORBIDDEN, "{who} remind API"),
            (true, false) => assert_eq!(st, StatusCode::NOT_FOUND, "{who} remind API"),
            (true, true) => assert_eq!(st, StatusCode::OK, "{who} remind API"),
        }
        // A period over another county.
        let r = send(&env, "POST", "/duty/periods", &a, Some(&format!("_csrf={csrf}&area_code={}&name={}&starts_on=2026-10-01&ends_on=2026-10-07&reporters=bureaus&cutoff=16:00", p.other_county, enc("国庆保障")))).await;
        match (store::duty::role_sets_periods(role), sees_other) {
            (false, _) => assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}"),
            (true, false) => assert!(r.status == StatusCode::BAD_REQUEST && r.body.contains("不在您的管辖范围内"), "{who} {}", r.status),
            (true, true) => assert_eq!(r.status, StatusCode::SEE_OTHER, "{who}: {}", r.body),
        }
    }
    // A data consumer's token writes nothing.
    let api = Auth { bearer: Some(env.token.clone()), ..Default::default() };
    assert_eq!(send_json(&env, "POST", &format!("/api/v1/duty/periods/{own}/reports"), &api, &format!(r#"{{"unit_code":"{}","state":"clear"}}"#, p.school)).await.status, StatusCode::FORBIDDEN);
    let acts: Vec<String> = with_store(&env, |s| s.audit_entries(&store::AuditFilter { limit: 500, ..Default::default() }).unwrap()).into_iter().map(|e| e.action).collect();
    for want in ["duty_contact_create", "duty_contact_update", "duty_contact_reveal", "duty_report", "duty_period_create", "duty_shift_create", "duty_shift_delete", "duty_contact_delete", "duty_channel_set", "duty_remind"] {
        assert!(acts.iter().any(|a| a == want), "{want} in the audit log");
    }
}

/// The education-app filings' import and form (the province only): a file with good and bad
/// rows (the bad one reported with its line and reason, the good ones stored), a GBK file, the
/// API's import, the templates (CSV and XLSX, Chinese header); the form answers every problem at
/// once with the values kept; every other role refused (403) with nothing stored; audited.
async fn apps_import_matrix(env: Env) {
    const GBK: &[u8] = b"\xb1\xb8\xb0\xb8\xba\xc5,\xcc\xe1\xb9\xa9\xd5\xdf,\xcd\xb3\xd2\xbb\xc9\xe7\xbb\xe1\xd0\xc5\xd3\xc3\xb4\xfa\xc2\xeb,\xd3\xa6\xd3\xc3\xc3\xfb\xb3\xc6,\xb0\xe6\xb1\xbe,\xc6\xbd\xcc\xa8\x0a\xbd\xccAPP\xb1\xb83300001\xba\xc5,\xb9\xfa\xb1\xea\xb1\xe0\xc2\xeb\xbf\xc6\xbc\xbc\xd3\xd0\xcf\xde\xb9\xab\xcb\xbe,91350100M000100Y43,\xbf\xda\xcb\xe3\xcc\xec\xcc\xec\xc1\xb7,1.0,Android\x0a";
    let count = |env: &Env| with_store(env, |s| s.filings(&Scope::all(), &store::apps::FilingQuery { limit: 500, ..Default::default() }).unwrap().rows.len());
    let head = "备案号,提供者,统一社会信用代码,应用名称,版本,平台,面向未成年人\n";
    for (i, (who, role)) in accounts().into_iter().enumerate() {
        let a = login(&env, who, PASSWORD).await;
        let csrf = a.csrf.clone().unwrap_or_default();
        let writes = store::apps::role_writes_filings(role);
        let csv = format!("{head}教APP备44{i}0001号,某公司,91350100M000100Y43,口算{who},1.0,iOS、Android,是\n教APP备44{i}0002号,某公司,91350100M000100Y43,缺版本,,iOS,是\n教APP备44{i}0003号,某公司,91350100M000100Y43,作业{who},2.0,小程序,否\n");
        let before = count(&env);
        let r = upload_file(&env, &a, "/apps/import", "filings.csv", csv.as_bytes()).await;
        let made = count(&env) - before;
        let before = count(&env);
        let gbk = upload_file(&env, &a, "/apps/import", "gbk.csv", GBK).await;
        let gbk_made = count(&env) - before;
        let api_csv = format!("{head}教APP备55{i}0001号,某公司,91350100M000100Y43,接口{who},1.0,Web,否\n教APP备1号,某公司,x,,1.0,塞班,也许\n");
        let before = count(&env);
        let (st, v) = api_bytes(&env, "POST", "/api/v1/apps/filings/import?name=filings.csv", &a, "text/csv", api_csv.into_bytes()).await;
        let api_made = count(&env) - before;
        let tpl = send(&env, "GET", "/apps/import/template?format=csv", &a, None).await;
        let xlsx = send(&env, "GET", "/apps/import/template", &a, None).await;
        let page = send(&env, "GET", "/apps/import", &a, None).await;
        let form = send(&env, "GET", "/apps/new", &a, None).await;
        let bad = format!("_csrf={csrf}&filing_no={}&provider=&credit_code=x&app_name={}&version=&platforms={}&minors={}", enc("教APP备12号"), enc("错题本"), enc("塞班"), enc("也许"));
        let before = count(&env);
        let bad_r = send(&env, "POST", "/apps/new", &a, Some(&bad)).await;
        let good = format!("_csrf={csrf}&filing_no={}&provider={}&credit_code=91350100M000100Y43&app_name={}&version=3.0&platforms={}&minors={}", enc(&format!("教APP备66{i}0001号")), enc("某公司"), enc("错题本"), enc("iOS、Android"), enc("是"));
        let good_r = send(&env, "POST", "/apps/new", &a, Some(&good)).await;
        let form_made = count(&env) - before;
        if !writes {
            for (what, st) in [("upload", r.status), ("gbk", gbk.status), ("api", st), ("csv template", tpl.status), ("xlsx template", xlsx.status), ("page", page.status), ("form", form.status), ("bad form", bad_r.status), ("good form", good_r.status)] {
                assert_eq!(st, StatusCode::FORBIDDEN, "{who}: {what}");
            }
            assert_eq!((made, gbk_made, api_made, form_made), (0, 0, 0, 0), "{who}");
            continue;
        }
        assert_eq!((r.status, made), (StatusCode::OK, 2), "{who}: {}", r.body);
        assert!(r.body.contains("id=\"rows-read\">3<") && r.body.contains("id=\"rows-inserted\">2<") && r.body.contains("id=\"rows-rejected\">1<"), "{who}: {}", r.body);
        assert!(r.body.contains("data-line=\"3\"") && r.body.contains("请填写版本号"), "{who}: {}", r.body);
        assert_eq!((gbk.status, gbk_made), (StatusCode::OK, 1), "{who}: {}", gbk.body);
        assert!(gbk.body.contains("id=\"rows-inserted\">1<"), "{}", gbk.body);
        let f = with_store(&env, |s| s.filing_by_no(&Scope::all(), "教APP备3300001号").unwrap().unwrap());
        assert_eq!((f.new.provider.as_str(), f.new.app_name.as_str()), ("国标编码科技有限公司", "口算天天练"));
        assert_eq!((st, api_made, v["inserted"].as_u64(), v["rows"].as_u64()), (StatusCode::OK, 1, Some(1), Some(2)), "{who}: {v}");
        assert_eq!(v["rejected"][0]["line"], 3, "{v}");
        assert!(v["rejected"][0]["reasons"].as_array().unwrap().len() >= 4, "every problem of the row: {v}");
        assert!(v["rejected"][0]["reasons"].as_array().unwrap().iter().all(|r| { let r = r.as_str().unwrap(); r.ends_with('）') && r.rsplit_once('（').is_some_and(|(_, en)| en.chars().any(|c| c.is_ascii_alphabetic())) }), "each reason 中文（English）: {v}");
        assert!(!r.body.contains("The version is empty") && !r.body.contains("the version is empty"), "the Chinese page shows the reasons in Chinese only: {}", r.body);
        assert_eq!(tpl.status, StatusCode::OK);
        assert!(tpl.body.trim_start_matches('\u{feff}').starts_with("备案号,提供者,统一社会信用代码,应用名称,版本,平台"), "{}", tpl.body);
        assert_eq!((xlsx.status, page.status, form.status), (StatusCode::OK, StatusCode::OK, StatusCode::OK));
        assert!(page.body.contains("name=\"_csrf\"") && page.body.contains("/apps/import/template?format=csv"), "{}", page.body);
        // The form: every problem at once, in Chinese, the values kept; then a good one stored.
        assert_eq!(bad_r.status, StatusCode::BAD_REQUEST, "{}", bad_r.body);
        for m in ["备案号格式错误", "统一社会信用代码格式错误", "请填写版本号", "是 或 否"] {
            assert!(bad_r.body.contains(m), "{who}: {m}: {}", bad_r.body);
        }
        assert!(bad_r.body.contains("value=\"错题本\"") && bad_r.body.contains("value=\"塞班\""), "values kept: {}", bad_r.body);
        assert_eq!((good_r.status, form_made), (StatusCode::SEE_OTHER, 1), "{who}: {}", good_r.body);
        // The import's own all-or-nothing store refuses a non-province scope.
        let refused = with_store(&env, |s| s.import_filings(&Scope::Nothing, &[store::suite_apps::filing(7700001, "x")], "x", 0).unwrap_err());
        assert!(matches!(refused, store::StoreError::OutOfScope));
    }
    let imports = with_store(&env, |s| s.audit_entries(&store::AuditFilter { action: Some("app_filing_import".into()), limit: 200, ..Default::default() }).unwrap());
    assert_eq!(imports.len(), 3, "two uploads and the API's import, by the province");
    assert!(imports.iter().all(|e| e.detail.contains("\"inserted\"") && e.detail.contains("\"rejected\"")));
    let created = with_store(&env, |s| s.audit_entries(&store::AuditFilter { action: Some("app_filing_create".into()), limit: 200, ..Default::default() }).unwrap());
    assert_eq!(created.len(), 1);
}

/// The education-app register's writes, for every role: a proposal for the own school and for
/// another area's, a review step on another area's use (403 for roles that do not write uses,
/// 404 for another area, the same as a number never used), blocks by the province only; the
/// whole review through the pages and the API; a blocked app refused with its reason; audited.
async fn apps_matrix(env: Env) {
    let p = env.places.clone();
    let filing = with_store(&env, |s| s.create_filing(&Scope::all(), &store::suite_apps::filing(1100871, "作业帮手"), "prov", 0).unwrap().id);
    let other = with_store(&env, |s| s.create_use(&Scope::all(), &store::apps::NewUse { school_code: p.other_school.parse().unwrap(), filing_id: filing, purpose: "teaching".into(), chosen_by: "教务处".into() }, "prov", 0).unwrap().id);
    let count = |env: &Env| with_store(env, |s| s.uses(&Scope::all(), &store::apps::UseQuery { limit: 500, ..Default::default() }).unwrap().rows.len());
    for (who, role) in accounts() {
        let a = login(&env, who, PASSWORD).await;
        let csrf = a.csrf.clone().unwrap_or_default();
        let writes = store::apps::role_writes_uses(role);
        for (school, inside) in [(p.other_school.clone(), false), (p.school.clone(), true)] {
            let before = count(&env);
            let form = format!("_csrf={csrf}&filing_id={filing}&school_code={school}&purpose=teaching&chosen_by={}", enc("教务处"));
            let r = send(&env, "POST", "/apps/uses/new", &a, Some(&form)).await;
            let made = count(&env) - before;
            match (writes, inside) {
                (false, _) => assert_eq!((r.status, made), (StatusCode::FORBIDDEN, 0), "{who} {school}"),
                (true, true) => assert_eq!((r.status, made), (StatusCode::SEE_OTHER, 1), "{who} {school}: {}", r.body),
                (true, false) => assert_eq!((r.status, made), (StatusCode::NOT_FOUND, 0), "{who} {school}"),
            }
        }
        let before = with_store(&env, |s| s.app_use(&Scope::all(), other).unwrap().unwrap());
        for action in ["school_approve", "county_approve", "reject", "withdraw"] {
            let r = send(&env, "POST", &format!("/apps/uses/{other}/step"), &a, Some(&format!("_csrf={csrf}&action={action}&reason=x"))).await;
            let want = if writes { StatusCode::NOT_FOUND } else { StatusCode::FORBIDDEN };
            assert_eq!(r.status, want, "{who} {action}");
            let (s1, _) = api_json(&env, "POST", &format!("/api/v1/apps/uses/{other}/steps"), &a, &serde_json::json!({"action": action, "reason": "x"})).await;
            let (s2, _) = api_json(&env, "POST", "/api/v1/apps/uses/987654/steps", &a, &serde_json::json!({"action": action, "reason": "x"})).await;
            assert_eq!((s1, s2), (want, want), "{who} {action} (API)");
        }
        assert_eq!(with_store(&env, |s| s.app_use(&Scope::all(), other).unwrap().unwrap()), before, "{who} changed another area's use");
        // Blocks: the province only.
        let r = send(&env, "POST", "/apps/blocks", &a, Some(&format!("_csrf={csrf}&filing_no={}&reason={}", enc("教APP备7654321号"), enc("测试")))).await;
        let want = if role == Role::ProvinceAdmin { StatusCode::SEE_OTHER } else { StatusCode::FORBIDDEN };
        assert_eq!(r.status, want, "{who} block: {}", r.body);
    }
    // The review of the own school's first proposal: the school, then the county (API).
    let school = login(&env, "school", PASSWORD).await;
    let county = login(&env, "county", PASSWORD).await;
    let own = with_store(&env, |s| s.uses(&Scope::all(), &store::apps::UseQuery { school: Some(p.school.parse().unwrap()), limit: 10, ..Default::default() }).unwrap().rows[0].id);
    let (st, v) = api_json(&env, "POST", &format!("/api/v1/apps/uses/{own}/steps"), &county, &serde_json::json!({"action": "school_approve"})).await;
    assert_eq!(st, StatusCode::CONFLICT, "the county does not approve for the school: {v}");
    let r = send(&env, "POST", &format!("/apps/uses/{own}/step"), &school, Some(&format!("_csrf={}&action=school_approve", school.csrf.clone().unwrap_or_default()))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let (st, v) = api_json(&env, "POST", &format!("/api/v1/apps/uses/{own}/steps"), &county, &serde_json::json!({"action": "reject"})).await;
    assert_eq!(st, StatusCode::CONFLICT, "a rejection needs a reason: {v}");
    let (st, v) = api_json(&env, "POST", &format!("/api/v1/apps/uses/{own}/steps"), &county, &serde_json::json!({"action": "county_approve"})).await;
    assert_eq!((st, v["state"].as_str()), (StatusCode::OK, Some("county_approved")), "{v}");
    assert!(v["review_due"].as_str().is_some(), "{v}");
    // Bad input: every problem at once.
    let (st, v) = api_json(&env, "POST", "/api/v1/apps/uses", &county, &serde_json::json!({"school_code": "12", "filing_id": "x"})).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    let m = v["error"]["message_zh"].as_str().unwrap();
    assert!(m.contains("学校标识码") && m.contains("应用") && m.contains("用途") && m.contains("选用人"), "{m}");
    let prov = login(&env, "prov", PASSWORD).await;
    let (st, v) = api_json(&env, "POST", "/api/v1/apps/filings", &prov, &serde_json::json!({"filing_no": "教APP备11号", "credit_code": "91350100M000100Y44", "platforms": "Symbian"})).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    let m = v["error"]["message_zh"].as_str().unwrap();
    assert!(m.contains("备案号格式错误") && m.contains("GB 32100") && m.contains("平台"), "{m}");
    // Blocked by the province: the school's proposal is refused with the reason.
    let (st, v) = api_json(&env, "POST", "/api/v1/apps/blocks", &prov, &serde_json::json!({"filing_no": "教APP备1100871号", "reason": "超范围收集学生信息"})).await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    let r = send(&env, "POST", "/apps/uses/new", &school, Some(&format!("_csrf={}&filing_id={filing}&school_code={}&purpose=teaching&chosen_by=x", school.csrf.clone().unwrap_or_default(), p.school))).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("超范围收集学生信息"), "{}", r.body);
    let block = v["id"].as_i64().unwrap();
    let (st, v) = api_json(&env, "POST", &format!("/api/v1/apps/blocks/{block}/unblock"), &prov, &serde_json::Value::Null).await;
    assert_eq!((st, v["active"].as_bool()), (StatusCode::OK, Some(false)), "{v}");
    // A data consumer's token writes nothing.
    let api = Auth { bearer: Some(env.token.clone()), ..Default::default() };
    assert_eq!(send_json(&env, "POST", "/api/v1/apps/uses", &api, &format!(r#"{{"school_code":"{}","filing_id":"{filing}","purpose":"teaching","chosen_by":"x"}}"#, p.school)).await.status, StatusCode::FORBIDDEN);
    let acts: Vec<String> = with_store(&env, |s| s.audit_entries(&store::AuditFilter { limit: 500, ..Default::default() }).unwrap()).into_iter().map(|e| e.action).collect();
    for want in ["app_use_propose", "app_use_school_approve", "app_use_county_approve", "app_block", "app_unblock"] {
        assert!(acts.iter().any(|a| a == want), "{want} in the audit log");
    }
}

/// An item raised on `school` by a province drill (the province verifies it).
fn checks_item(env: &Env, drill: i64, school: &str) -> i64 {
    use store::checks::*;
    let f = NewFinding { title: format!("{school} 弱口令"), severity: Severity::High, unit_code: school.parse().unwrap(), target: "门户网站".into(), found_by: "红队".into(), owner_name: "王工".into(), owner_post: "网管".into(), due_on: standard::Date::today() };
    with_store(env, |s| s.add_finding(&Scope::all(), drill, &f, "prov", 0).unwrap().1.id)
}

/// 专项检查 and rectification writes, for every role: answering another area's unit, submitting
/// and reviewing another area's item, recording a finding in another level's drill — refused
/// (403 for roles that may not, 404 outside the area, the same as a number never used) with
/// nothing changed there; the flow on the own area's item; every accepted write audited.
async fn checks_matrix(env: Env) {
    use store::checks::*;
    let p = env.places.clone();
    let province = i64::from(p.county / 10_000 * 10_000);
    let day = standard::Date::today();
    let (insp, drill) = with_store(&env, |s| {
        let new = NewInspection { issuer_code: province, name: "全省专项检查".into(), basis: "文号".into(), starts_on: day, deadline: day, rect_days: 10, items: vec![ChecklistItem { text: "责任制".into(), kind: ItemKind::YesNo, evidence_required: false }] };
        let (i, _) = s.create_inspection(&Scope::all(), &new, &Target::Units(vec![p.school.parse().unwrap(), p.other_school.parse().unwrap()]), "prov", 0).unwrap();
        let d = s.create_drill(&Scope::all(), &NewDrill { organiser_code: province, name: "全省攻防演练".into(), kind: DrillKind::Drill, starts_on: day, ends_on: day, scope_text: "门户网站".into() }, "prov", 0).unwrap();
        (i.id, d.id)
    });
    let other_item = checks_item(&env, drill, &p.other_school);
    let own_item = checks_item(&env, drill, &p.school);
    let item_of = |env: &Env, id: i64| with_store(env, |s| s.item(&Scope::all(), id).unwrap().unwrap());
    for (who, role) in accounts() {
        let a = login(&env, who, PASSWORD).await;
        let csrf = a.csrf.clone().unwrap_or_default();
        let answers = role_answers(role);
        let issues = role_issues(role);
        let sees_other = matches!(role, Role::ProvinceAdmin | Role::SecurityOfficer);
        let before = item_of(&env, other_item);
        let sheet_before = with_store(&env, |s| s.assignment(&Scope::all(), insp, p.other_school.parse().unwrap()).unwrap().unwrap());
        // Answering another area's unit (a draft).
        let r = send(&env, "POST", &format!("/checks/{insp}/answer"), &a, Some(&format!("_csrf={csrf}&unit={}&action=save&verdict_0=compliant", p.other_school))).await;
        match (answers, sees_other) {
            (false, _) => assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}"),
            (true, false) => assert_eq!(r.status, StatusCode::NOT_FOUND, "{who}"),
            (true, true) => assert_eq!(r.status, StatusCode::SEE_OTHER, "{who}: {}", r.body),
        }
        // Submitting another area's item.
        let r = send(&env, "POST", &format!("/rectifications/{other_item}/submit"), &a, Some(&format!("_csrf={csrf}&evidence={}", enc("已整改")))).await;
        match (answers, sees_other) {
            (false, _) => assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}"),
            (true, false) => assert_eq!(r.status, StatusCode::NOT_FOUND, "{who}"),
            (true, true) => assert!(matches!(r.status, StatusCode::SEE_OTHER | StatusCode::BAD_REQUEST), "{who}: {}", r.status),
        }
        // Reviewing it: only the issuing level (the province's roles that issue).
        let r = send(&env, "POST", &format!("/rectifications/{other_item}/review"), &a, Some(&format!("_csrf={csrf}&accept=0&note={}", enc("证明不足")))).await;
        match (issues, sees_other) {
            (false, _) => assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}"),
            (true, false) => assert_eq!(r.status, StatusCode::NOT_FOUND, "{who}"),
            (true, true) => assert!(matches!(r.status, StatusCode::SEE_OTHER | StatusCode::BAD_REQUEST), "{who}: {}", r.status),
        }
        // A finding in the province's drill.
        let finding = format!("_csrf={csrf}&title={}&severity=high&unit_code={}&target={}&found_by={}&owner_name={}&owner_post={}&due={}", enc("弱口令"), p.other_school, enc("门户网站"), enc("红队"), enc("王工"), enc("网管"), enc("10 个工作日"));
        let r = send(&env, "POST", &format!("/drills/{drill}/findings"), &a, Some(&finding)).await;
        match (issues, sees_other) {
            (false, _) => assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}"),
            (true, false) => assert_eq!(r.status, StatusCode::NOT_FOUND, "{who}"),
            (true, true) => assert_eq!(r.status, StatusCode::SEE_OTHER, "{who}: {}", r.body),
        }
        if !sees_other {
            assert_eq!(item_of(&env, other_item), before, "{who} changed another area's item");
            assert_eq!(with_store(&env, |s| s.assignment(&Scope::all(), insp, p.other_school.parse().unwrap()).unwrap().unwrap()), sheet_before, "{who} answered for another area");
        }
        // The API: another area's item is missing, the same answer as a number never used.
        let (s1, _) = api_json(&env, "POST", &format!("/api/v1/checks/items/{other_item}/submit"), &a, &serde_json::json!({"evidence": "x"})).await;
        let (s2, _) = api_json(&env, "POST", "/api/v1/checks/items/987654/submit", &a, &serde_json::json!({"evidence": "x"})).await;
        match (answers, sees_other) {
            (false, _) => assert_eq!((s1, s2), (StatusCode::FORBIDDEN, StatusCode::FORBIDDEN), "{who}"),
            (true, false) => assert_eq!((s1, s2), (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND), "{who}"),
            (true, true) => assert!(matches!(s1, StatusCode::OK | StatusCode::CONFLICT) && s2 == StatusCode::NOT_FOUND, "{who} {s1} {s2}"),
        }
    }
    // The own area's flow: the school answers and submits; the county submits the item's
    // rectification; the county cannot verify (the province issued it); the province does.
    let school = login(&env, "school", PASSWORD).await;
    let csrf = school.csrf.clone().unwrap_or_default();
    let r = send(&env, "POST", &format!("/checks/{insp}/answer"), &school, Some(&format!("_csrf={csrf}&action=submit&verdict_0=not_compliant"))).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "incomplete: {}", r.body);
    assert!(r.body.contains("不符合时须说明问题") && r.body.contains("整改责任人"), "every problem at once");
    let r = send(&env, "POST", &format!("/checks/{insp}/answer"), &school, Some(&format!("_csrf={csrf}&action=submit&verdict_0=not_compliant&note_0={}&owner_name={}&owner_post={}", enc("未制定"), enc("张老师"), enc("副校长")))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let raised = with_store(&env, |s| s.items(&Scope::all(), &ItemQuery { source: Some(Source::Inspection), ..ItemQuery::on(day) }).unwrap().rows);
    assert_eq!(raised.len(), 1);
    let cal = store::calendar::Calendar::embedded();
    assert!(raised[0].new.due_on >= cal.add_working_days(day, 9) && raised[0].new.due_on <= cal.add_working_days(day, 11), "10 working days after submission");
    let county = login(&env, "county", PASSWORD).await;
    let (st, v) = api_json(&env, "POST", &format!("/api/v1/checks/items/{own_item}/submit"), &county, &serde_json::json!({"evidence": "已修改全部弱口令"})).await;
    assert_eq!((st, v["state"].as_str()), (StatusCode::OK, Some("submitted")), "{v}");
    let (st, _) = api_json(&env, "POST", &format!("/api/v1/checks/items/{own_item}/review"), &county, &serde_json::json!({"accept": "1"})).await;
    assert_eq!(st, StatusCode::NOT_FOUND, "the county does not verify the province's item");
    let prov = login(&env, "prov", PASSWORD).await;
    let (st, v) = api_json(&env, "POST", &format!("/api/v1/checks/items/{own_item}/review"), &prov, &serde_json::json!({"accept": "1"})).await;
    assert_eq!((st, v["state"].as_str()), (StatusCode::OK, Some("verified")), "{v}");
    let api = Auth { bearer: Some(env.token.clone()), ..Default::default() };
    assert_eq!(send_json(&env, "POST", &format!("/api/v1/checks/items/{own_item}/submit"), &api, r#"{"evidence":"x"}"#).await.status, StatusCode::FORBIDDEN);
    let acts: Vec<String> = with_store(&env, |s| s.audit_entries(&store::AuditFilter { limit: 500, ..Default::default() }).unwrap()).into_iter().map(|e| e.action).collect();
    for want in ["checks_answers_save", "checks_answers_submit", "checks_item_submit", "checks_item_reopen", "checks_item_verify", "checks_finding_add"] {
        assert!(acts.iter().any(|a| a == want), "{want} in the audit log");
    }
}

/// The console forms of the issuing side (`/checks/new`, `/drills/new`, `/drills/{id}/report`),
/// for every role: a role that may not issue is refused (403); a unit, drill or participant of
/// another area is refused with nothing kept (the report answers 404 like a missing drill); a
/// form with problems lists them all in Chinese with the values kept; the preview says to how
/// many units; a confirmed form issues; every accepted write audited.
async fn checks_forms_matrix(env: Env) {
    use store::checks::*;
    let p = env.places.clone();
    let province = i64::from(p.county / 10_000 * 10_000);
    let day = standard::Date::today();
    let drill = with_store(&env, |s| s.create_drill(&Scope::all(), &NewDrill { organiser_code: province, name: "全省攻防演练".into(), kind: DrillKind::Drill, starts_on: day, ends_on: day, scope_text: "门户网站".into() }, "prov", 0).unwrap().id);
    let count = |env: &Env| with_store(env, |s| s.inspections(&Scope::all(), None, 500).unwrap().rows.len());
    let drills = |env: &Env| with_store(env, |s| s.drills(&Scope::all(), None, 500).unwrap().rows.len());
    for (who, role) in accounts() {
        let a = login(&env, who, PASSWORD).await;
        let csrf = a.csrf.clone().unwrap_or_default();
        let issues = role_issues(role);
        let sees_other = matches!(role, Role::ProvinceAdmin | Role::SecurityOfficer);
        let g = send(&env, "GET", "/checks/new", &a, None).await;
        let g2 = send(&env, "GET", "/drills/new", &a, None).await;
        if issues {
            assert_eq!((g.status, g2.status), (StatusCode::OK, StatusCode::OK), "{who}");
        } else {
            assert_eq!((g.status, g2.status), (StatusCode::FORBIDDEN, StatusCode::FORBIDDEN), "{who}");
        }
        // Issuing to a school of another city, confirmed.
        let before = count(&env);
        let form = format!("_csrf={csrf}&name={}&basis={}&starts_on={day}&deadline={day}&rect_days=10&items={}&target=units&units={}&confirmed=1", enc("专项检查"), enc("文号 1 号"), enc("责任制|需证明"), p.other_school);
        let r = send(&env, "POST", "/checks/new", &a, Some(&form)).await;
        match (issues, sees_other) {
            (false, _) => assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}"),
            (true, false) => {
                assert_eq!(r.status, StatusCode::BAD_REQUEST, "{who}: {}", r.body);
                assert!(r.body.contains("不在您的管辖范围内") && r.body.contains("文号 1 号"), "{who}: the reason, the values kept");
            }
            (true, true) => assert_eq!(r.status, StatusCode::SEE_OTHER, "{who}: {}", r.body),
        }
        assert_eq!(count(&env), before + usize::from(issues && sees_other), "{who}");
        // Planning a drill with another city's school as a participant.
        let before = drills(&env);
        let form = format!("_csrf={csrf}&name={}&kind=drill&starts_on={day}&ends_on={day}&scope_text={}&participants={}", enc("演练"), enc("门户网站"), enc(&format!("{} 蓝", p.other_school)));
        let r = send(&env, "POST", "/drills/new", &a, Some(&form)).await;
        match (issues, sees_other) {
            (false, _) => assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}"),
            (true, false) => assert!(r.status == StatusCode::BAD_REQUEST && r.body.contains("不在您的管辖范围内"), "{who}: {}", r.status),
            (true, true) => assert_eq!(r.status, StatusCode::SEE_OTHER, "{who}: {}", r.body),
        }
        assert_eq!(drills(&env), before + usize::from(issues && sees_other), "{who}");
        // The province drill's report.
        let report_before = with_store(&env, |s| s.drill(&Scope::all(), drill).unwrap().unwrap().report);
        let r = send(&env, "POST", &format!("/drills/{drill}/report"), &a, Some(&format!("_csrf={csrf}&report={}", enc(&format!("{who} 的总结"))))).await;
        let r2 = send(&env, "POST", "/drills/987654/report", &a, Some(&format!("_csrf={csrf}&report=x"))).await;
        match (issues, sees_other) {
            (false, _) => assert_eq!((r.status, r2.status), (StatusCode::FORBIDDEN, StatusCode::FORBIDDEN), "{who}"),
            (true, false) => {
                assert_eq!((r.status, r2.status), (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND), "{who}");
                assert_eq!(with_store(&env, |s| s.drill(&Scope::all(), drill).unwrap().unwrap().report), report_before, "{who} wrote another level's report");
            }
            (true, true) => assert_eq!((r.status, r2.status), (StatusCode::SEE_OTHER, StatusCode::NOT_FOUND), "{who}: {}", r.body),
        }
    }
    // The county's own forms: every problem at once, values kept; a preview; then issued.
    let county = login(&env, "county", PASSWORD).await;
    let csrf = county.csrf.clone().unwrap_or_default();
    let r = send(&env, "POST", "/checks/new", &county, Some(&format!("_csrf={csrf}&name=&basis={}&starts_on=2026-13-01&deadline=&rect_days=0&items=&target=units&units=12ab", enc("教安 7 号")))).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    for want in ["检查名称", "开始日期", "截止日期", "整改期限应为 1 至 250 个工作日", "请填写检查表", "单位代码 12ab 无效", "教安 7 号"] {
        assert!(r.body.contains(want), "{want} in {}", r.body);
    }
    let form = format!("_csrf={csrf}&name={}&basis={}&starts_on={day}&deadline={}&rect_days=5&items={}&target=units&units={}", enc("区县专项检查"), enc("教安 8 号"), standard::Date::from_days_since_epoch(day.days_since_epoch() + 30), enc("是否制定应急预案|需证明\n安全责任人|文字"), enc(&format!("{} {}", p.school, p.school)));
    let before = count(&env);
    let r = send(&env, "POST", "/checks/new", &county, Some(&form)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("本次检查将下发给 1 个单位") && r.body.contains("data-confirm=\"确定将本次检查下发给 1 个单位"), "{}", r.body);
    assert_eq!(count(&env), before, "a preview issues nothing");
    // Confirmed with a count the target no longer has (the form was changed): previewed again.
    let r = send(&env, "POST", "/checks/new", &county, Some(&format!("{form}&confirmed=1&count=7"))).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("本次检查将下发给 1 个单位"));
    assert_eq!(count(&env), before, "a changed form issues nothing");
    let r = send(&env, "POST", "/checks/new", &county, Some(&format!("{form}&confirmed=1&count=1"))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let id: i64 = r.location.trim_start_matches("/checks/").parse().unwrap();
    let insp = with_store(&env, |s| s.inspection(&Scope::all(), id).unwrap().unwrap());
    assert_eq!((insp.new.issuer_code, insp.new.items.len(), insp.new.rect_days), (i64::from(p.county), 2, 5));
    assert!(insp.new.items[0].evidence_required && insp.new.items[1].kind == ItemKind::Text);
    assert!(with_store(&env, |s| s.assignment(&Scope::all(), id, p.school.parse().unwrap()).unwrap()).is_some());
    // All schools of the county: the preview counts them as the store assigns them.
    let r = send(&env, "POST", "/checks/new", &county, Some(&form.replace("target=units", "target=schools"))).await;
    assert_eq!(r.status, StatusCode::OK);
    let r = send(&env, "POST", "/checks/new", &county, Some(&format!("{}&confirmed=1", form.replace("target=units", "target=schools")))).await;
    let id2: i64 = r.location.trim_start_matches("/checks/").parse().unwrap();
    let n = with_store(&env, |s| s.assignments(&Scope::all(), id2, None, None, 100_000).unwrap().rows.len());
    assert!(n > 0);
    let preview = send(&env, "POST", "/checks/new", &county, Some(&form.replace("target=units", "target=schools"))).await;
    assert!(preview.body.contains(&format!("本次检查将下发给 {n} 个单位")), "the preview's count is the store's ({n})");
    // A drill: problems at once (name, dates, a bad line, a unit of another area), values kept.
    let r = send(&env, "POST", "/drills/new", &county, Some(&format!("_csrf={csrf}&name=&kind=drill&starts_on={day}&ends_on={}&scope_text={}&participants={}", standard::Date::from_days_since_epoch(day.days_since_epoch() - 1), enc("教育城域网"), enc(&format!("{} 红\nabc\n{} 蓝", p.school, p.other_school))))).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    for want in ["名称", "结束日期早于开始日期", "第 2 行", &format!("参演单位 {} 不存在或不在您的管辖范围内", p.other_school), "教育城域网"] {
        assert!(r.body.contains(want), "{want} in {}", r.body);
    }
    let r = send(&env, "POST", "/drills/new", &county, Some(&format!("_csrf={csrf}&name={}&kind=contest&starts_on={day}&ends_on={day}&scope_text={}&participants={}", enc("区县技能竞赛"), enc("教育城域网"), enc(&format!("{} 红\n{} 蓝", p.county, p.school))))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let did: i64 = r.location.trim_start_matches("/drills/").parse().unwrap();
    let parts = with_store(&env, |s| s.participants(&Scope::all(), did).unwrap());
    assert_eq!(parts.len(), 2);
    assert!(parts.iter().any(|x| x.unit_code == i64::from(p.county) && x.team == Team::Red) && parts.iter().any(|x| x.team == Team::Blue));
    // The report: empty refused with the page kept; then recorded.
    let r = send(&env, "POST", &format!("/drills/{did}/report"), &county, Some(&format!("_csrf={csrf}&report=%20"))).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("请填写总结报告"));
    let r = send(&env, "POST", &format!("/drills/{did}/report"), &county, Some(&format!("_csrf={csrf}&report={}", enc("发现弱口令 3 处，已全部整改。")))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = send(&env, "GET", &format!("/drills/{did}"), &county, None).await;
    assert!(page.body.contains("发现弱口令 3 处"));
    let acts: Vec<String> = with_store(&env, |s| s.audit_entries(&store::AuditFilter { limit: 500, ..Default::default() }).unwrap()).into_iter().map(|e| e.action).collect();
    for want in ["checks_inspection_create", "checks_drill_create", "checks_drill_report"] {
        assert!(acts.iter().any(|a| a == want), "{want} in the audit log");
    }
}

/// Evidence files on a rectification item (`/rectifications/{id}/evidence`, multipart) and
/// their download, for every role: another area's item is 404 (403 for roles that may not) with
/// nothing stored on it; a wrong type or an executable is refused in Chinese; a PDF submits the
/// item with it; the download is scoped (404 outside, and for a file not the item's) and audited.
async fn checks_evidence_matrix(env: Env) {
    use store::checks::*;
    let p = env.places.clone();
    let province = i64::from(p.county / 10_000 * 10_000);
    let day = standard::Date::today();
    let drill = with_store(&env, |s| s.create_drill(&Scope::all(), &NewDrill { organiser_code: province, name: "全省攻防演练".into(), kind: DrillKind::Drill, starts_on: day, ends_on: day, scope_text: "门户网站".into() }, "prov", 0).unwrap().id);
    let other_item = checks_item(&env, drill, &p.other_school);
    let own_item = checks_item(&env, drill, &p.school);
    let item_of = |env: &Env, id: i64| with_store(env, |s| s.item(&Scope::all(), id).unwrap().unwrap());
    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec();
    for (who, role) in accounts() {
        let a = login(&env, who, PASSWORD).await;
        let sees_other = matches!(role, Role::ProvinceAdmin | Role::SecurityOfficer);
        if sees_other {
            continue;
        }
        for uri in [format!("/rectifications/{other_item}/evidence"), "/rectifications/987654/evidence".into(), format!("/api/v1/checks/items/{other_item}/evidence"), "/api/v1/checks/items/987654/evidence".into()] {
            let r = upload_file(&env, &a, &uri, "整改报告.pdf", &pdf).await;
            let want = if role_answers(role) { StatusCode::NOT_FOUND } else { StatusCode::FORBIDDEN };
            assert_eq!(r.status, want, "{who} {uri}");
        }
        assert_eq!(item_of(&env, other_item).attachment_id, None, "{who} attached to another area's item");
    }
    let county = login(&env, "county", PASSWORD).await;
    let uri = format!("/rectifications/{own_item}/evidence");
    let r = upload_file(&env, &county, &uri, "整改报告.zip", b"PK\x03\x04rest").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("证明材料类型不支持"), "{}", r.body);
    let r = upload_file(&env, &county, &uri, "整改报告.pdf", b"MZ\x90\x00program").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("不接受可执行文件"), "{}", r.body);
    let r = upload_file(&env, &county, &uri, "整改报告.pdf", "学校,人数\n".as_bytes()).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("证明材料内容与文件扩展名不符"), "{}", r.body);
    assert_eq!(item_of(&env, own_item).state, ItemState::Open, "a refused file submits nothing");
    let r = upload_file(&env, &county, &uri, "整改报告.pdf", &pdf).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let it = item_of(&env, own_item);
    assert_eq!(it.state, ItemState::Submitted);
    assert!(it.evidence.contains("整改报告.pdf"), "{}", it.evidence);
    let file = it.attachment_id.expect("attached");
    let list = send(&env, "GET", "/rectifications", &county, None).await;
    assert!(list.body.contains(&format!("/rectifications/{own_item}/files/{file}")));
    let d = send(&env, "GET", &format!("/rectifications/{own_item}/files/{file}"), &county, None).await;
    assert_eq!(d.status, StatusCode::OK);
    assert_eq!(d.bytes, pdf);
    // The province attaches to the other city's item; the county cannot read it, nor read its
    // own item's number with another file's id.
    let prov = login(&env, "prov", PASSWORD).await;
    let r = upload_file(&env, &prov, &format!("/rectifications/{other_item}/evidence"), "整改报告.pdf", &pdf).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let other_file = item_of(&env, other_item).attachment_id.expect("attached");
    for uri in [format!("/rectifications/{other_item}/files/{other_file}"), format!("/rectifications/{own_item}/files/{other_file}"), format!("/rectifications/{own_item}/files/987654")] {
        assert_eq!(send(&env, "GET", &uri, &county, None).await.status, StatusCode::NOT_FOUND, "{uri}");
    }
    assert_eq!(send(&env, "GET", &format!("/rectifications/{other_item}/files/{other_file}"), &prov, None).await.status, StatusCode::OK);
    // The API: the same submission with a file answers the item; its download is scoped too.
    let api_item = checks_item(&env, drill, &p.school);
    let r = upload_file(&env, &county, &format!("/api/v1/checks/items/{api_item}/evidence"), "整改报告（接口）.pdf", &pdf).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(v["state"], "submitted", "{v}");
    let api_file = item_of(&env, api_item).attachment_id.expect("attached through the API");
    assert_eq!(v["attachment_id"], api_file, "{v}");
    assert!(item_of(&env, api_item).evidence.contains("整改报告（接口）.pdf"));
    let d = send(&env, "GET", &format!("/api/v1/checks/items/{api_item}/evidence/{api_file}"), &county, None).await;
    assert_eq!((d.status, d.bytes.clone()), (StatusCode::OK, pdf.clone()));
    let r = upload_file(&env, &county, &format!("/api/v1/checks/items/{api_item}/evidence"), "整改报告.pdf", &pdf).await;
    assert_ne!(r.status, StatusCode::OK, "a submitted item takes no second submission: {}", r.body);
    for uri in [format!("/api/v1/checks/items/{other_item}/evidence/{other_file}"), format!("/api/v1/checks/items/{api_item}/evidence/{other_file}")] {
        assert_eq!(send(&env, "GET", &uri, &county, None).await.status, StatusCode::NOT_FOUND, "{uri}");
    }
    let entries = with_store(&env, |s| s.audit_entries(&store::AuditFilter { limit: 500, ..Default::default() }).unwrap());
    assert!(entries.iter().any(|e| e.action == "checks_attachment_download"));
    assert!(entries.iter().any(|e| e.action == "checks_item_submit" && e.detail.contains("attachment")));
}

/// Evidence files on a responsibility-checklist item (`/duties/items/{id}/evidence`, multipart;
/// the API's `/api/v1/ledger/duties/{id}/evidence`) and their download, for every role: another
/// area's item is 404 (403 for roles that do not write) with nothing kept on it; a wrong type, an
/// executable, a name that lies and a form without a file are refused in Chinese; a PDF is kept
/// on the item with its other answers, and then satisfies "evidence required before done"; the
/// download is scoped (404 outside, and for a file not the item's), `nosniff` and audited; a data
/// consumer's token uploads nothing.
async fn duty_evidence_matrix(env: Env) {
    let p = env.places.clone();
    let checklist = store::ledger::NewChecklist { region_code: 510000, year: 2026, title: "省级清单".into(), include_schools: true, items: vec![store::ledger::TemplateItem { text: "成立领导小组".into(), category: store::ledger::Category::Leadership, evidence_required: true }] };
    let cid = with_store(&env, |s| secman::ledger::publish(s, &Scope::all(), &checklist, "prov", 0).unwrap().id);
    let item_id = |env: &Env, unit: &str| with_store(env, |s| s.duty_items(&Scope::all(), &store::ledger::DutyQuery { checklist: Some(cid), unit: Some(unit.parse().unwrap()), limit: 10, ..Default::default() }).unwrap().rows[0].id);
    let other_item = item_id(&env, &p.other_school);
    let own_item = item_id(&env, &p.school);
    let item_of = |env: &Env, id: i64| with_store(env, |s| s.duty_item(&Scope::all(), id).unwrap().unwrap());
    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec();
    for (who, role) in accounts() {
        let a = login(&env, who, PASSWORD).await;
        if matches!(role, Role::ProvinceAdmin | Role::SecurityOfficer) {
            continue;
        }
        let mut got = Vec::new();
        for uri in [format!("/duties/items/{other_item}/evidence"), "/duties/items/987654/evidence".into(), format!("/api/v1/ledger/duties/{other_item}/evidence"), "/api/v1/ledger/duties/987654/evidence".into()] {
            got.push(upload_file(&env, &a, &uri, "领导小组文件.pdf", &pdf).await.status);
        }
        let want = if store::ledger::role_writes(role) { StatusCode::NOT_FOUND } else { StatusCode::FORBIDDEN };
        assert_eq!(got, vec![want; 4], "{who}");
        assert_eq!(item_of(&env, other_item).attachment, None, "{who} attached to another area's item");
    }
    let county = login(&env, "county", PASSWORD).await;
    // Done without evidence is refused; the file then satisfies it.
    let csrf = county.csrf.clone().unwrap_or_default();
    let done = format!("_csrf={csrf}&owner_name={}&owner_post={}&status=done", enc("王明"), enc("校长"));
    let r = send(&env, "POST", &format!("/duties/items/{own_item}"), &county, Some(&done)).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("佐证"), "{}", r.body);
    let uri = format!("/duties/items/{own_item}/evidence");
    for (name, bytes, want) in [("领导小组文件.zip", b"PK\x03\x04rest".to_vec(), "证明材料类型不支持"), ("领导小组文件.pdf", b"MZ\x90\x00program".to_vec(), "不接受可执行文件"), ("领导小组文件.pdf", "学校,人数\n".as_bytes().to_vec(), "证明材料内容与文件扩展名不符"), ("领导小组文件.pdf", Vec::new(), "请选择证明材料文件")] {
        let r = upload_file(&env, &county, &uri, name, &bytes).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{name}");
        assert!(r.body.contains(want), "{want}: {}", r.body);
    }
    assert_eq!(item_of(&env, own_item).attachment, None, "a refused file keeps nothing");
    let r = upload_file(&env, &county, &uri, "领导小组文件.pdf", &pdf).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let file = item_of(&env, own_item).attachment.expect("attached");
    let r = send(&env, "POST", &format!("/duties/items/{own_item}"), &county, Some(&done)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "the file is the evidence: {}", r.body);
    let it = item_of(&env, own_item);
    assert_eq!((it.status, it.attachment), (store::ledger::DutyStatus::Done, Some(file)), "saving the form keeps the file");
    let href = format!("/duties/items/{own_item}/files/{file}");
    let page = send(&env, "GET", &format!("/duties/items/{own_item}"), &county, None).await;
    assert!(page.body.contains(&href) && page.body.contains("领导小组文件.pdf"), "{}", page.body);
    let unit = send(&env, "GET", &format!("/duties/{cid}/units/{}", p.school), &county, None).await;
    assert!(unit.body.contains(&href));
    let d = send(&env, "GET", &href, &county, None).await;
    assert_eq!(d.status, StatusCode::OK);
    assert_eq!(d.bytes, pdf);
    // The API: a second file replaces the first; the download by the API too.
    let r = upload_file(&env, &county, &format!("/api/v1/ledger/duties/{own_item}/evidence"), "领导小组文件（二）.pdf", &pdf).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    let file2 = v["attachment"].as_i64().expect("the item's file");
    assert_eq!(v["status"], "done");
    let d = send(&env, "GET", &format!("/api/v1/ledger/duties/{own_item}/evidence/{file2}"), &county, None).await;
    assert_eq!(d.status, StatusCode::OK);
    assert_eq!(d.bytes, pdf);
    // The province attaches to the other city's item; the county reads neither it nor its own
    // item's number with another file's id.
    let prov = login(&env, "prov", PASSWORD).await;
    let r = upload_file(&env, &prov, &format!("/duties/items/{other_item}/evidence"), "领导小组文件.pdf", &pdf).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let other_file = item_of(&env, other_item).attachment.expect("attached");
    for uri in [format!("/duties/items/{other_item}/files/{other_file}"), format!("/duties/items/{own_item}/files/{other_file}"), format!("/duties/items/{own_item}/files/{file}"), format!("/api/v1/ledger/duties/{other_item}/evidence/{other_file}")] {
        assert_eq!(send(&env, "GET", &uri, &county, None).await.status, StatusCode::NOT_FOUND, "{uri}");
    }
    let d = send(&env, "GET", &format!("/duties/items/{other_item}/files/{other_file}"), &prov, None).await;
    assert_eq!(d.status, StatusCode::OK);
    let aud = login(&env, "aud", PASSWORD).await;
    // The auditor reads the ledger of its node (the province here), evidence files included.
    assert_eq!(send(&env, "GET", &format!("/duties/items/{own_item}/files/{file2}"), &aud, None).await.status, StatusCode::OK);
    // A data consumer's token uploads nothing.
    let api = Auth { bearer: Some(env.token.clone()), ..Default::default() };
    let body = format!("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.pdf\"\r\n\r\n%PDF-1.4\n%%EOF\n\r\n--b--\r\n").into_bytes();
    let (st, _) = api_bytes(&env, "POST", &format!("/api/v1/ledger/duties/{own_item}/evidence"), &api, "multipart/form-data; boundary=b", body).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let entries = with_store(&env, |s| s.audit_entries(&store::AuditFilter { limit: 500, ..Default::default() }).unwrap());
    assert!(entries.iter().any(|e| e.action == "duty_attachment_download"));
    assert!(entries.iter().any(|e| e.action == "duty_item_evidence" && e.detail.contains("attachment")));
    assert!(entries.iter().any(|e| e.action == "duty_item_evidence" && e.detail.contains("refused")));
    // A file over the framework's 2 MB default body limit but under the cap is kept.
    let mut three = pdf.clone();
    three.resize(3 << 20, b' ');
    let r = upload_file(&env, &county, &format!("/duties/items/{own_item}/evidence"), "领导小组文件（扫描件）.pdf", &three).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", &r.body[..r.body.len().min(300)]);
    let r = upload_file(&env, &county, &format!("/api/v1/ledger/duties/{own_item}/evidence"), "领导小组文件（扫描件）.pdf", &three).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", &r.body[..r.body.len().min(300)]);
    let file2: i64 = serde_json::from_str::<serde_json::Value>(&r.body).unwrap()["attachment"].as_i64().unwrap();
    // Over the configured cap: refused in words (console and API), the item's file unchanged.
    let env = rebuild(env, |mut c| {
        c.security.attachment_limit_mib = 1;
        c
    });
    let county = login(&env, "county", PASSWORD).await;
    let mut big = pdf.clone();
    big.resize(1_200_000, b' ');
    let r = upload_file(&env, &county, &format!("/duties/items/{own_item}/evidence"), "领导小组文件.pdf", &big).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("1 MB 上限"), "{}", r.body);
    assert_eq!(item_of(&env, own_item).attachment, Some(file2), "nothing refused was kept");
    let (st, v) = api_bytes(&env, "POST", &format!("/api/v1/ledger/duties/{own_item}/evidence"), &county, "multipart/form-data; boundary=b", [b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.pdf\"\r\n\r\n".to_vec(), big.clone(), b"\r\n--b--\r\n".to_vec()].concat()).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert!(v["error"]["message_zh"].as_str().unwrap_or("").contains("1 MB"), "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duty_evidence_by_role_and_area_sqlite() {
    duty_evidence_matrix(sqlite("writes-duty-evidence")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duty_evidence_by_role_and_area_postgres() {
    if let Some(env) = blocking(|| postgres("writes-duty-evidence")) {
        duty_evidence_matrix(env).await;
    }
}

/// A file posted for checklist item `item` (text) of an answer sheet, the CSRF token first.
async fn upload_for_item(env: &Env, auth: &Auth, uri: &str, item: &str, name: &str, bytes: &[u8]) -> Resp {
    use tower::ServiceExt;
    let boundary = "----tianfu-item-boundary";
    let mut body = csrf_part(boundary, auth);
    body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"item\"\r\n\r\n{item}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let mut req = axum::http::Request::builder().method("POST").uri(uri).header(axum::http::header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"));
    if let Some(c) = &auth.cookie {
        req = req.header(axum::http::header::COOKIE, c.clone());
    }
    if let Some(t) = &auth.bearer {
        req = req.header(axum::http::header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let r = env.app.router.clone().oneshot(req.body(axum::body::Body::from(body)).unwrap()).await.unwrap();
    let status = r.status();
    let location = r.headers().get(axum::http::header::LOCATION).map(|v| v.to_str().unwrap_or("").to_string()).unwrap_or_default();
    let bytes = http_body_util::BodyExt::collect(r.into_body()).await.unwrap().to_bytes().to_vec();
    Resp { status, location, set_cookie: vec![], body: String::from_utf8_lossy(&bytes).into_owned(), bytes }
}

/// Evidence files on inspection answers (`/checks/{id}/answer/files`, multipart with the item;
/// the API's `/api/v1/checks/inspections/{id}/units/{unit}/files`), for every role: another
/// area's unit is 404 (403 for roles that do not answer) with nothing kept; a wrong type, a
/// missing or unknown item and a form without a file are refused in Chinese; a PDF is kept on
/// the answer, shown on the sheet and the per-unit view, satisfies "evidence required" at
/// submission, and nothing is added after it; the download is scoped (404 outside, and for a
/// file not the unit's), audited, and open to the issuing level and the auditor; a data
/// consumer's token uploads nothing.
async fn answer_files_matrix(env: Env) {
    use store::checks::*;
    let p = env.places.clone();
    let province = i64::from(p.county / 10_000 * 10_000);
    let day = standard::Date::today();
    let new = NewInspection { issuer_code: province, name: "全省专项检查".into(), basis: "文号".into(), starts_on: day, deadline: day, rect_days: 10, items: vec![ChecklistItem { text: "已制定网络安全责任制".into(), kind: ItemKind::YesNo, evidence_required: true }, ChecklistItem { text: "弱口令已清理".into(), kind: ItemKind::YesNo, evidence_required: false }] };
    let (school, other): (i64, i64) = (p.school.parse().unwrap(), p.other_school.parse().unwrap());
    let insp = with_store(&env, |s| s.create_inspection(&Scope::all(), &new, &Target::Units(vec![school, other]), "prov", 0).unwrap().0.id);
    let sheet_of = |env: &Env, unit: i64| with_store(env, |s| s.assignment(&Scope::all(), insp, unit).unwrap().unwrap());
    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec();
    for (who, role) in accounts() {
        let a = login(&env, who, PASSWORD).await;
        if matches!(role, Role::ProvinceAdmin | Role::SecurityOfficer) {
            continue;
        }
        let mut got = Vec::new();
        for uri in [format!("/checks/{insp}/answer/files?unit={other}"), format!("/checks/987654/answer/files?unit={school}"), format!("/api/v1/checks/inspections/{insp}/units/{other}/files")] {
            got.push(upload_for_item(&env, &a, &uri, "0", "检查证明.pdf", &pdf).await.status);
        }
        let want = if role_answers(role) { StatusCode::NOT_FOUND } else { StatusCode::FORBIDDEN };
        assert_eq!(got, vec![want; 3], "{who}");
        assert!(sheet_of(&env, other).answers.is_empty(), "{who} attached to another area's answer");
    }
    let county = login(&env, "county", PASSWORD).await;
    let uri = format!("/checks/{insp}/answer/files?unit={school}");
    for (item, name, bytes, want) in [("0", "检查证明.zip", b"PK\x03\x04rest".to_vec(), "证明材料类型不支持"), ("0", "检查证明.pdf", "学校,人数\n".as_bytes().to_vec(), "证明材料内容与文件扩展名不符"), ("", "检查证明.pdf", pdf.clone(), "请选择证明材料对应的检查项"), ("5", "检查证明.pdf", pdf.clone(), "请选择证明材料对应的检查项"), ("0", "检查证明.pdf", Vec::new(), "请选择证明材料文件")] {
        let r = upload_for_item(&env, &county, &uri, item, name, &bytes).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{item} {name}");
        assert!(r.body.contains(want), "{want}: {}", r.body);
    }
    assert!(sheet_of(&env, school).answers.is_empty(), "a refused file keeps nothing");
    let r = upload_for_item(&env, &county, &uri, "0", "检查证明.pdf", &pdf).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let file = sheet_of(&env, school).answers[0].attachment.expect("attached");
    let href = format!("/checks/{insp}/units/{school}/files/{file}");
    let page = send(&env, "GET", &format!("/checks/{insp}/answer?unit={school}"), &county, None).await;
    assert!(page.body.contains(&href) && page.body.contains("检查证明.pdf"), "{}", page.body);
    // Submitted with the file as the first item's evidence (no text).
    let csrf = county.csrf.clone().unwrap_or_default();
    let r = send(&env, "POST", &format!("/checks/{insp}/answer"), &county, Some(&format!("_csrf={csrf}&unit={school}&verdict_0=compliant&verdict_1=compliant&action=submit"))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let a = sheet_of(&env, school);
    assert_eq!((a.state, a.answers[0].attachment), (AssignState::Submitted, Some(file)));
    let r = upload_for_item(&env, &county, &uri, "1", "检查证明.pdf", &pdf).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("已提交检查结果"), "{}", r.body);
    // The issuing level, the auditor and the unit read it; the per-unit view lists it.
    for who in ["prov", "aud", "county", "school"] {
        let a = login(&env, who, PASSWORD).await;
        let d = send(&env, "GET", &href, &a, None).await;
        assert_eq!((d.status, d.bytes == pdf), (StatusCode::OK, true), "{who}");
    }
    let prov = login(&env, "prov", PASSWORD).await;
    let view = send(&env, "GET", &format!("/checks/{insp}/units/{school}"), &prov, None).await;
    assert!(view.body.contains(&href), "{}", view.body);
    let progress = send(&env, "GET", &format!("/checks/{insp}?region={}", p.county), &prov, None).await;
    assert!(progress.body.contains(&format!("/checks/{insp}/units/{school}")), "the progress table links the unit's answers");
    // The API: the province attaches to the other city's unit; the county reads none of it.
    let r = upload_for_item(&env, &prov, &format!("/api/v1/checks/inspections/{insp}/units/{other}/files"), "0", "检查证明.pdf", &pdf).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    let other_file = v["file"]["id"].as_i64().unwrap();
    assert_eq!(v["item"], 0);
    for uri in [format!("/checks/{insp}/units/{other}/files/{other_file}"), format!("/checks/{insp}/units/{school}/files/{other_file}"), format!("/api/v1/checks/inspections/{insp}/units/{other}/files/{other_file}"), format!("/checks/{insp}/units/{other}")] {
        assert_eq!(send(&env, "GET", &uri, &county, None).await.status, StatusCode::NOT_FOUND, "{uri}");
    }
    assert_eq!(send(&env, "GET", &format!("/api/v1/checks/inspections/{insp}/units/{other}/files/{other_file}"), &prov, None).await.status, StatusCode::OK);
    let api = Auth { bearer: Some(env.token.clone()), ..Default::default() };
    let r = upload_for_item(&env, &api, &format!("/api/v1/checks/inspections/{insp}/units/{other}/files"), "1", "检查证明.pdf", &pdf).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let entries = with_store(&env, |s| s.audit_entries(&store::AuditFilter { limit: 500, ..Default::default() }).unwrap());
    assert!(entries.iter().any(|e| e.action == "checks_answer_file_download"));
    assert!(entries.iter().any(|e| e.action == "checks_answer_file" && e.detail.contains("attachment")));
    assert!(entries.iter().any(|e| e.action == "checks_answer_file" && e.detail.contains("refused")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answer_files_by_role_and_area_sqlite() {
    answer_files_matrix(sqlite("writes-answer-files")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answer_files_by_role_and_area_postgres() {
    if let Some(env) = blocking(|| postgres("writes-answer-files")) {
        answer_files_matrix(env).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checks_evidence_by_role_and_area_sqlite() {
    checks_evidence_matrix(sqlite("writes-checks-evidence")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checks_evidence_by_role_and_area_postgres() {
    if let Some(env) = blocking(|| postgres("writes-checks-evidence")) {
        checks_evidence_matrix(env).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checks_forms_by_role_and_area_sqlite() {
    checks_forms_matrix(sqlite("writes-checks-forms")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checks_forms_by_role_and_area_postgres() {
    if let Some(env) = blocking(|| postgres("writes-checks-forms")) {
        checks_forms_matrix(env).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duty_writes_by_role_and_area_sqlite() {
    duty_matrix(sqlite("writes-duty")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duty_writes_by_role_and_area_postgres() {
    if let Some(env) = blocking(|| postgres("writes-duty")) {
        duty_matrix(env).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apps_import_by_role_sqlite() {
    apps_import_matrix(sqlite("writes-apps-import")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apps_import_by_role_postgres() {
    if let Some(env) = blocking(|| postgres("writes-apps-import")) {
        apps_import_matrix(env).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apps_writes_by_role_and_area_sqlite() {
    apps_matrix(sqlite("writes-apps")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apps_writes_by_role_and_area_postgres() {
    if let Some(env) = blocking(|| postgres("writes-apps")) {
        apps_matrix(env).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checks_writes_by_role_and_area_sqlite() {
    checks_matrix(sqlite("writes-checks")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checks_writes_by_role_and_area_postgres() {
    if let Some(env) = blocking(|| postgres("writes-checks")) {
        checks_matrix(env).await;
    }
}

/// A multipart form as the console sends it: the CSRF token first, then text fields, then the
/// file (when one is given).
async fn plan_form(env: &Env, auth: &Auth, uri: &str, fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> Resp {
    let boundary = "----tianfu-plan-boundary";
    let mut body = csrf_part(boundary, auth);
    for (k, v) in fields {
        body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes());
    }
    if let Some((name, bytes)) = file {
        body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let req = Request::builder()
        .method("POST")
        .uri(uri)
        .header(header::COOKIE, auth.cookie.clone().unwrap_or_default())
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
        .body(Body::from(body))
        .unwrap();
    let r = env.app.router.clone().oneshot(req).await.unwrap();
    let status = r.status();
    let location = r.headers().get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let bytes = r.into_body().collect().await.unwrap().to_bytes().to_vec();
    Resp { status, location, set_cookie: vec![], body: String::from_utf8_lossy(&bytes).into_owned(), bytes }
}

/// The plan tracker's writes, for every role: an update on another area's point (console and
/// API) is 404 (403 for roles that do not write) with nothing stored, the province's officers
/// post on any point of their plan; imports by the officers for their own division only; an
/// update with its file kept and downloadable; a bad form answered whole; a file with one bad
/// row stores nothing and lists the row; every write audited.
async fn plan_matrix(env: Env) {
    let p = env.places.clone();
    let day = standard::Date::today();
    let point = |n: &str, lead: &str| store::plan::NewPoint { part: 6, number: n.into(), title: format!("要点 {n}"), description: String::new(), lead: lead.parse().unwrap(), coop: vec![], deadline: day, indicator: None, target: String::new(), tasks: vec![] };
    let plan = store::plan::NewPlan { year: 2026, title: "省级工作要点".into(), region_code: 510000, note: String::new(), points: vec![point("1", &p.school), point("2", &p.other_school)] };
    let pid = with_store(&env, |s| s.import_plan(&Scope::all(), &plan, "prov", 0).unwrap().id);
    let pts = with_store(&env, |s| s.plan_points(&Scope::all(), pid).unwrap());
    let (own, other) = (pts[0].id, pts[1].id);
    let updates = |env: &Env, id: i64| with_store(env, |s| s.plan_updates(&Scope::all(), id).unwrap().len());
    for (i, (who, role)) in accounts().into_iter().enumerate() {
        let a = login(&env, who, PASSWORD).await;
        let writes = store::plan::role_writes(role);
        let sees_other = matches!(role, Role::ProvinceAdmin | Role::SecurityOfficer);
        let before = updates(&env, other);
        let r = plan_form(&env, &a, &format!("/plans/points/{other}/updates"), &[("text", "已完成"), ("progress", "10"), ("state", "in_progress")], None).await;
        let want = match (writes, sees_other) {
            (false, _) => StatusCode::FORBIDDEN,
            (true, false) => StatusCode::NOT_FOUND,
            (true, true) => StatusCode::SEE_OTHER,
        };
        assert_eq!(r.status, want, "{who}: {}", r.body);
        let body = serde_json::json!({"text": "接口报送", "progress": 20, "state": "in_progress"});
        let (s1, _) = api_json(&env, "POST", &format!("/api/v1/plan/points/{other}/updates"), &a, &body).await;
        let (s2, _) = api_json(&env, "POST", "/api/v1/plan/points/987654/updates", &a, &body).await;
        match (writes, sees_other) {
            (false, _) => assert_eq!((s1, s2), (StatusCode::FORBIDDEN, StatusCode::FORBIDDEN), "{who}"),
            (true, false) => assert_eq!((s1, s2), (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND), "{who}"),
            (true, true) => assert_eq!((s1, s2), (StatusCode::CREATED, StatusCode::NOT_FOUND), "{who}"),
        }
        let added = updates(&env, other) - before;
        assert_eq!(added, if writes && sees_other { 2 } else { 0 }, "{who}");
        // Imports: the officers, for their own division (a row led by the own school).
        let csv = format!("部分,编号,工作要点,牵头单位,完成时限,主要任务\n网络安全,1,门户网站防护,{},{day},方案；验收\n", p.school);
        let (st, v) = api_bytes(&env, "POST", &format!("/api/v1/plan/import?year={}&title={}&name=plan.csv", 2030 + i, enc("工作要点")), &a, "text/csv", csv.into_bytes()).await;
        if store::plan::role_imports(role) {
            assert_eq!((st, v["plan"]["points"].as_u64()), (StatusCode::OK, Some(1)), "{who}: {v}");
        } else {
            assert_eq!(st, StatusCode::FORBIDDEN, "{who}");
        }
    }
    // The county posts on its school's point with a file; the file is kept and downloadable.
    let county = login(&env, "county", PASSWORD).await;
    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec();
    let r = plan_form(&env, &county, &format!("/plans/points/{own}/updates"), &[("text", "方案已印发"), ("progress", "40"), ("state", "in_progress"), ("on", &day.to_string())], Some(("印发通知.pdf", &pdf))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let u = with_store(&env, |s| s.plan_updates(&Scope::all(), own).unwrap()).remove(0);
    let file = u.attachment.expect("the file kept");
    assert_eq!(with_store(&env, |s| s.plan_point(&Scope::all(), own).unwrap().unwrap().progress), 40);
    let page = send(&env, "GET", &format!("/plans/points/{own}"), &county, None).await;
    let href = format!("/plans/points/{own}/files/{file}");
    assert!(page.body.contains(&href), "{}", page.body);
    for who in ["county", "school", "prov", "aud"] {
        let au = login(&env, who, PASSWORD).await;
        let d = send(&env, "GET", &href, &au, None).await;
        assert_eq!((d.status, d.bytes == pdf), (StatusCode::OK, true), "{who}");
    }
    // A bad form: every problem at once, nothing stored.
    let before = updates(&env, own);
    let r = plan_form(&env, &county, &format!("/plans/points/{own}/updates"), &[("text", ""), ("progress", "120"), ("state", "")], None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("进展情况必填") && r.body.contains("完成进度应为") && r.body.contains("请选择状态"), "{}", r.body);
    let r = plan_form(&env, &county, &format!("/plans/points/{own}/updates"), &[("text", "x"), ("progress", "10"), ("state", "in_progress")], Some(("a.exe", b"MZ\x90\x00"))).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert_eq!(updates(&env, own), before, "a refused form stores nothing");
    // A file with a bad row and a row of another county's school: nothing stored, both listed.
    let plans_before = with_store(&env, |s| s.plans(&Scope::all()).unwrap().len());
    let csv = format!("部分,编号,工作要点,牵头单位,完成时限\n1,1,好的要点,{},{day}\n9,2,坏的要点,{},2026-13-01\n1,3,外区要点,{},{day}\n", p.school, p.school, p.other_school);
    let r = plan_form(&env, &county, "/plans/import", &[("year", "2040"), ("title", "区县工作要点")], Some(("plan.csv", csv.as_bytes()))).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body.contains("rejected-table") && r.body.contains("data-line=\"3\"") && r.body.contains("data-line=\"4\"") && !r.body.contains("data-line=\"2\""), "{}", r.body);
    assert!(r.body.contains("不在本计划的发文地区或您的管辖范围内"), "{}", r.body);
    assert_eq!(with_store(&env, |s| s.plans(&Scope::all()).unwrap().len()), plans_before, "nothing stored");
    // The good file through the console: the plan's page; the same year again is refused.
    let good = format!("部分,编号,工作要点,牵头单位,完成时限\n1,1,好的要点,{},{day}\n", p.school);
    let r = plan_form(&env, &county, "/plans/import", &[("year", "2040"), ("title", "区县工作要点")], Some(("plan.csv", good.as_bytes()))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(r.location.starts_with("/plans/"), "{}", r.location);
    let r = plan_form(&env, &county, "/plans/import", &[("year", "2040"), ("title", "区县工作要点")], Some(("plan.csv", good.as_bytes()))).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("已导入"), "{}", r.body);
    // A data consumer's token writes nothing.
    let api = Auth { bearer: Some(env.token.clone()), ..Default::default() };
    assert_eq!(send_json(&env, "POST", &format!("/api/v1/plan/points/{own}/updates"), &api, r#"{"text":"x","progress":1,"state":"in_progress"}"#).await.status, StatusCode::FORBIDDEN);
    let acts: Vec<String> = with_store(&env, |s| s.audit_entries(&store::AuditFilter { limit: 500, ..Default::default() }).unwrap()).into_iter().map(|e| e.action).collect();
    for want in ["plan_update", "plan_import", "plan_attachment_download"] {
        assert!(acts.iter().any(|a| a == want), "{want} in the audit log");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_writes_by_role_and_area_sqlite() {
    plan_matrix(sqlite("writes-plan")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_writes_by_role_and_area_postgres() {
    if let Some(env) = blocking(|| postgres("writes-plan")) {
        plan_matrix(env).await;
    }
}
