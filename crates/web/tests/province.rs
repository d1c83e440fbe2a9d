//! A second province (贵州 52) through the console, on SQLite and PostgreSQL: with `province = 52`
//! a province administrator at 520000 sees Guizhou's name, its cities as region choices, its
//! schools in the overview, and a note instead of a map (never Sichuan's).

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use std::sync::Arc;
use store::{Backend, Entity, NewUser, Role, Scope};
use tower::ServiceExt;

mod common;
use common::{csrf_of, enc, TempDir, PASSWORD};

async fn send(app: &web::App, method: &str, uri: &str, cookie: Option<&str>, form: Option<String>) -> (StatusCode, Vec<String>, String) {
    let mut b = Request::builder().method(method).uri(uri);
    if let Some(c) = cookie {
        b = b.header(header::COOKIE, c);
    }
    let req = match form {
        Some(f) => b.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded").body(Body::from(f)).unwrap(),
        None => b.body(Body::empty()).unwrap(),
    };
    let r = app.router.clone().oneshot(req).await.unwrap();
    let status = r.status();
    let cookies = r.headers().get_all(header::SET_COOKIE).iter().filter_map(|v| v.to_str().ok()).map(|c| c.split(';').next().unwrap().to_string()).collect();
    let body = String::from_utf8_lossy(&r.into_body().collect().await.unwrap().to_bytes()).into_owned();
    (status, cookies, body)
}

async fn guizhou(opener: web::Opener) {
    let dir = TempDir::new("guizhou");
    let csv = dir.0.join("schools.csv");
    std::fs::write(&csv, "学校标识码,学校名称,办学类型,行政区划码\n2152010201,南明第一小学,211,520102\n2151040001,锦江第一小学,211,510104\n").unwrap();
    let config = web::Config { data_dir: dir.0.join("data").display().to_string(), pool_size: 2, province: web::config::Province { code: 52, ..Default::default() }, ..Default::default() };
    common::blocking(|| {
        let mut s: Box<dyn Backend> = opener().unwrap();
        let mut v = ingest::Options::new(Entity::School);
        v.province = 52;
        let o = loader::ImportOptions { validate: v, user: "gz".into(), force: false, progress: None, file_name: None, file_hash: None, scope: Scope::all() };
        let out = loader::import_file(s.as_mut(), &csv, o).map_err(|f| f.en).unwrap();
        assert_eq!((out.inserted, out.rejected), (1, 1), "the Sichuan school is outside the province");
        let gz = Scope::Region { lo: 520000, hi: 529999 };
        s.create_user(&gz, &NewUser { name: "gz".into(), display_name: "gz".into(), role: Role::ProvinceAdmin, org_code: 520000, password_hash: web::auth::hash_password(PASSWORD), must_change_password: false }).unwrap();
    });
    let app = web::build(config, opener);
    let (_, cookies, page) = send(&app, "GET", "/login", None, None).await;
    let login = cookies.iter().find(|c| c.starts_with("tianfu_login=")).unwrap().clone();
    let form = format!("_csrf={}&name=gz&password={}&next=/", csrf_of(&page).unwrap(), enc(PASSWORD));
    let (status, cookies, body) = send(&app, "POST", "/login", Some(&login), Some(form)).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let session = cookies.iter().find(|c| c.starts_with("tianfu_session=")).unwrap().clone();
    let (status, _, body) = send(&app, "GET", "/overview", Some(&session), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("天府 · 贵州省教育数据与网络安全平台"), "the title names the province: {body}");
    assert!(body.contains("贵阳市") && !body.contains("成都"), "Guizhou's cities only: {body}");
    assert!(body.contains("本省地图未配置") && !body.contains("/province/map.geojson"), "a note instead of a map: {body}");
    assert!(body.contains("id=\"total-schools\" data-n=\"1\""), "one Guizhou school: {body}");
    let (_, _, body) = send(&app, "GET", "/schools", Some(&session), None).await;
    assert!(body.contains("南明区") && !body.contains("锦江区"), "region choices are Guizhou's: {body}");
    assert_eq!(send(&app, "GET", "/province/map.geojson", None, None).await.0, StatusCode::NOT_FOUND);
    common::blocking(move || app.state.pool.close());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_province_in_the_console_on_sqlite() {
    let d = TempDir::new("guizhou-db");
    let path = d.0.join("tianfu.db");
    guizhou(Arc::new(move || Ok(Box::new(store_sqlite::SqliteStore::open(&path)?) as Box<dyn Backend>))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_province_in_the_console_on_postgres() {
    let Some(url) = store_postgres::testing::database_url() else { return };
    let schema = format!("tianfu_test_province_{}", std::process::id());
    common::blocking(|| store_postgres::PgStore::connect_with_schema_and_migrate(&url, &schema).map(drop)).expect("migrate");
    let (u2, s2) = (url.clone(), schema.clone());
    guizhou(Arc::new(move || Ok(Box::new(store_postgres::PgStore::connect_with_schema(&u2, &s2)?) as Box<dyn Backend>))).await;
    common::blocking(|| {
        let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        c.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE")).unwrap();
    });
}
