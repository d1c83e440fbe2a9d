//! Imports from the console: upload, progress, report, error workbook — and a county officer's
//! file can only change the county's records.

mod common;

use axum::http::StatusCode;
use common::*;
use store::{AuditFilter, Scope};

async fn wait_done(env: &Env, a: &Auth, job: &str) -> String {
    for _ in 0..600 {
        let r = send(env, "GET", &format!("{job}/status"), a, None).await;
        assert_eq!(r.status, StatusCode::OK);
        if r.body.contains("data-state=\"done\"") {
            return r.body;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the import did not finish");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_county_officer_imports_only_the_county() {
    let env = sqlite("import");
    let p = env.places.clone();
    let before = (env.opener)().unwrap().table_counts().unwrap();
    let county_students: u64 = (env.opener)().unwrap().grade_counts(&Scope::Region { lo: p.county, hi: p.county }).unwrap().iter().map(|g| g.students).sum();
    let a = login(&env, "county", PASSWORD).await;
    let bytes = std::fs::read(env.demo.join("students.csv")).unwrap();
    // The province imported this very file before: that batch is not the county's to reuse (its
    // counts are the province's), so the file is imported for the county's area.
    let r = upload(&env, &a, "student", "students.csv", &bytes).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(r.location.starts_with("/imports/jobs/"));
    let page = send(&env, "GET", &r.location, &a, None).await;
    assert_eq!(page.status, StatusCode::OK);
    let done = wait_done(&env, &a, &r.location).await;
    assert!(done.contains("id=\"errors-link\""), "{done}");
    let batch = (env.opener)().unwrap().list_batches(1).unwrap().remove(0);
    assert_eq!(batch.user, "county");
    assert_eq!(batch.file_name, "students.csv", "the name the user gave, not the stored upload's");
    assert_eq!(batch.inserted + batch.updated, 0, "nothing outside the county changed, nothing inside was new");
    assert_eq!(batch.unchanged, county_students);
    let report: serde_json::Value = serde_json::from_str(&batch.report_json).unwrap();
    assert!(report["errors"]["out_of_scope"].as_u64().unwrap() > 1000, "{}", report["errors"]);
    let after = (env.opener)().unwrap().table_counts().unwrap();
    assert_eq!((after.students, after.content_digest), (before.students, before.content_digest));
    // The report page and the workbook.
    let rep = send(&env, "GET", &format!("/imports/batches/{}", batch.id), &a, None).await;
    assert!(rep.body.contains("out_of_scope") && rep.body.contains("管辖范围"), "{}", rep.body);
    // The batch records the standard's version it was validated against, and its page links it.
    assert_eq!(report["standard"], standard::versions::VERSION);
    assert!(rep.body.contains(&format!("id=\"batch-standard\"><a href=\"/standard/versions/{0}\">{0}</a>", standard::versions::VERSION)), "{}", rep.body);
    let x = send(&env, "GET", &format!("/imports/batches/{}/errors.xlsx", batch.id), &a, None).await;
    assert_eq!(x.status, StatusCode::OK);
    assert!(x.bytes.starts_with(b"PK") && x.bytes.len() > 10_000);
    // The same file again from the same account is recognised, and nothing is done.
    let again = upload(&env, &a, "student", "students.csv", &bytes).await;
    let done = wait_done(&env, &a, &again.location).await;
    assert!(done.contains("此前已导入") && !done.contains("errors-link"), "{done}");
    let mut s = (env.opener)().unwrap();
    let acts: Vec<String> = s.audit_entries(&AuditFilter { actor: Some("county".into()), limit: 100, ..Default::default() }).unwrap().into_iter().map(|e| e.action).collect();
    assert!(acts.contains(&"import".into()) && acts.contains(&"export".into()), "{acts:?}");
    // Someone else's job and batch are not there for another county officer... nor for an auditor.
    let aud = login(&env, "aud", PASSWORD).await;
    assert_eq!(send(&env, "GET", &r.location, &aud, None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(send(&env, "GET", &format!("/imports/batches/{}", batch.id), &aud, None).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upload_errors_say_what_to_do() {
    let env = sqlite("upload-err");
    let a = login(&env, "prov", PASSWORD).await;
    let r = upload(&env, &a, "", "x.csv", b"a,b\n1,2\n").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("请选择数据类别"), "{}", r.body);
    let r = upload(&env, &a, "student", "x.csv", b"").await;
    assert!(r.body.contains("请选择要上传的文件"), "{}", r.body);
    // A file that is not a table at all: the job fails with the reader's message, nothing changes.
    let r = upload(&env, &a, "student", "x.csv", b"\x00\x01\x02 binary").await;
    let done = wait_done(&env, &a, &r.location).await;
    assert!(done.contains("id=\"job-error\""), "{done}");
}

/// The embedded ECharts and htmx are the npm packages of the lockfile (when node_modules is there).
#[test]
fn vendored_assets_match_the_lockfile() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let lock: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(root.join("package-lock.json")).unwrap()).unwrap();
    let pkg: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(root.join("package.json")).unwrap()).unwrap();
    for (name, file) in [("echarts", "echarts/dist/echarts.min.js"), ("htmx.org", "htmx.org/dist/htmx.min.js")] {
        let locked = lock["packages"][format!("node_modules/{name}")]["version"].as_str().unwrap();
        assert_eq!(pkg["dependencies"][name].as_str().unwrap(), locked, "package.json pins {name} to the locked version");
        let vendored = std::fs::read(root.join("crates/web/assets/vendor").join(file.rsplit('/').next().unwrap())).unwrap();
        let installed = root.join("node_modules").join(file);
        if installed.is_file() {
            assert!(std::fs::read(&installed).unwrap() == vendored, "{file} differs from node_modules: run `make assets`");
        }
    }
}

/// The 数据标准 page and the import templates: any signed-in role reads them; a template is a
/// real workbook with the Chinese header; an unknown name is 404.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_standard_page_and_the_templates() {
    let env = sqlite("standard");
    let a = login(&env, "county", PASSWORD).await;
    let page = send(&env, "GET", "/standard", &a, None).await;
    assert_eq!(page.status, StatusCode::OK);
    for text in ["数据标准", "学籍号", "证件类型为居民身份证时必填", "成都市锦江区", "required_missing", "必填项为空", "/standard/templates/site.xlsx"] {
        assert!(page.body.contains(text), "{text} missing");
    }
    let imports = send(&env, "GET", "/imports", &a, None).await;
    assert!(imports.body.contains("href=\"/standard\"") && imports.body.contains("/standard/templates/student.xlsx"));
    assert!(!imports.body.contains("tianfu standard"), "the import page names a CLI command");
    for key in ["student", "teacher", "school", "site"] {
        let x = send(&env, "GET", &format!("/standard/templates/{key}.xlsx"), &a, None).await;
        assert_eq!(x.status, StatusCode::OK, "{key}");
        assert!(x.bytes.starts_with(b"PK\x03\x04"), "{key}");
        let path = env.dir.0.join(format!("t-{key}.xlsx"));
        std::fs::write(&path, &x.bytes).unwrap();
        let rows = ingest::xlsx::Workbook::open(&path).unwrap().collect(None, 5, 1 << 20).unwrap();
        let first = rows[0].1[0].as_str();
        assert_eq!(first, match key { "student" => "学籍号*", "teacher" => "身份证件类型", "school" => "学校标识码*", _ => "名称*" }, "{key}");
    }
    for bad in ["/standard/templates/alien.xlsx", "/standard/templates/student.csv", "/standard/templates/..%2Fstudent.xlsx"] {
        assert_eq!(send(&env, "GET", bad, &a, None).await.status, StatusCode::NOT_FOUND, "{bad}");
    }
    // Signed out: to the sign-in page, not the file.
    let out = send(&env, "GET", "/standard/templates/student.xlsx", &Auth::default(), None).await;
    assert_ne!(out.status, StatusCode::OK);
    // The published versions: listed with the current one marked, each shown and downloadable as
    // its document; an unknown version is 404.
    let v = standard::versions::VERSION;
    assert!(page.body.contains(&format!("data-version=\"{v}\"")) && page.body.contains(&format!("/standard/versions/{v}.md")), "{}", page.body);
    let shown = send(&env, "GET", &format!("/standard/versions/{v}"), &a, None).await;
    assert_eq!(shown.status, StatusCode::OK);
    assert!(shown.body.contains("id=\"version-document\"") && shown.body.contains("<h2>Template: student (学生)</h2>") && shown.body.contains("<code>required_missing</code>"), "{}", shown.body);
    let md = send(&env, "GET", &format!("/standard/versions/{v}.md"), &a, None).await;
    assert_eq!(md.status, StatusCode::OK);
    assert_eq!(std::str::from_utf8(&md.bytes).unwrap(), standard::versions::document(), "the download is the published document, which is the code's");
    for bad in ["/standard/versions/0.1", "/standard/versions/0.1.md", "/standard/versions/..%2F1.0"] {
        assert_eq!(send(&env, "GET", bad, &a, None).await.status, StatusCode::NOT_FOUND, "{bad}");
    }
    assert_ne!(send(&env, "GET", &format!("/standard/versions/{v}.md"), &Auth::default(), None).await.status, StatusCode::OK);
}

/// Legacy workbooks (.ods, .xls) through the console, file names as uploaded; failed uploads
/// (refused as too big, unreadable) listed with their Chinese reason and a retry; a result with
/// rejected rows in amber.
async fn legacy_and_failed_uploads(env: Env) {
    let a = login(&env, "prov", PASSWORD).await;
    let fixture = |n: &str| std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../ingest/tests/fixtures/").to_string() + n).unwrap();
    for (name, bytes) in [("学生名单（旧格式）.ods", fixture("students.ods")), ("学生 名单.xls", fixture("students.xls"))] {
        let r = upload(&env, &a, "student", name, &bytes).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{name}: {}", r.body);
        let done = wait_done(&env, &a, &r.location).await;
        assert!(done.contains("id=\"job-done\"") && done.contains("msg warn"), "{name}: {done}");
        assert!(done.contains("读取 3") && done.contains("秒"), "{name}: {done}");
        let b = with_store(&env, |s| s.list_batches(1).unwrap().remove(0));
        // Read whole: the fixture's school 2151000001 is not in the demo province (school_unknown),
        // and the third row's ID number is wrong too.
        assert_eq!((b.file_name.as_str(), b.rows_read, b.rejected), (name, 3, 3), "the name as uploaded");
        let page = send(&env, "GET", &format!("/imports/batches/{}", b.id), &a, None).await;
        // The Chinese reason leads; the code follows.
        let reason = page.body.find("身份证件号校验码错误").expect("the reason");
        assert!(page.body[reason..].contains("id_check_digit") && page.body.contains("school_unknown"), "{}", page.body);
        assert!(page.body.contains(name) && page.body.contains("id=\"batch-elapsed\""));
    }
    // An unreadable workbook: the job fails with a Chinese reason naming the file as uploaded.
    let mut junk = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    junk.extend(std::iter::repeat_n(7u8, 4096));
    let r = upload(&env, &a, "teacher", "教师.xls", &junk).await;
    let done = wait_done(&env, &a, &r.location).await;
    assert!(done.contains("id=\"job-error\"") && done.contains("教师.xls") && done.contains("另存为 XLSX 格式"), "{done}");
    assert!(!done.contains(env.app.state.upload_dir.to_str().unwrap()) && !done.contains("/tmp"), "a server path: {done}");
    let page = send(&env, "GET", "/imports", &a, None).await;
    let failed = &page.body[page.body.find("id=\"failed-uploads\"").expect("the failed uploads")..];
    assert!(failed.contains("教师.xls") && failed.contains("另存为 XLSX 格式") && failed.contains("entity=teacher"), "{failed}");
    // Too big: refused before any import, and listed too.
    let env = rebuild(env, |c| web::Config { upload_limit_mib: 1, ..c });
    let a = login(&env, "prov", PASSWORD).await;
    let r = upload(&env, &a, "school", "全省学校.csv", &vec![b'x'; 3 << 19]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("超过 1 MB 上限"), "{}", r.body);
    let page = send(&env, "GET", "/imports", &a, None).await;
    let failed = &page.body[page.body.find("id=\"failed-uploads\"").expect("the failed uploads")..];
    assert!(failed.contains("全省学校.csv") && failed.contains("超过 1 MB 上限"), "{failed}");
    assert!(failed.contains("href=\"/imports?entity=school#upload-form\""), "a retry for the entity");
    // Kept in the database: the rebuilt app (a new job list in memory) still lists the
    // unreadable workbook of before, with its reason and retry.
    assert!(failed.contains("教师.xls") && failed.contains("另存为 XLSX 格式") && failed.contains("href=\"/imports?entity=teacher#upload-form\""), "{failed}");
    let kept = with_store(&env, |s| s.failed_uploads(&Scope::all(), Some("prov"), 10).unwrap());
    assert_eq!(kept.iter().map(|f| f.file_name.as_str()).collect::<Vec<_>>(), ["全省学校.csv", "教师.xls"]);
    assert!(kept.iter().all(|f| !f.reason_zh.contains("/tmp") && !f.reason_zh.contains(env.app.state.upload_dir.to_str().unwrap())), "{kept:?}");
    let retry = send(&env, "GET", "/imports?entity=school", &a, None).await;
    assert!(retry.body.contains("<option value=\"school\" selected>"), "the retry starts on the entity");
    // Another account does not see them; the province administrator sees the county's too.
    let c = login(&env, "county", PASSWORD).await;
    let r = upload(&env, &c, "student", "县学生.csv", &vec![b'x'; 3 << 19]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let county_page = send(&env, "GET", "/imports", &c, None).await.body;
    assert!(!county_page.contains("全省学校.csv") && county_page.contains("县学生.csv"), "{county_page}");
    let env = rebuild(env, |c| c);
    let a = login(&env, "prov", PASSWORD).await;
    let page = send(&env, "GET", "/imports", &a, None).await;
    let failed = &page.body[page.body.find("id=\"failed-uploads\"").expect("the failed uploads")..];
    assert!(failed.contains("县学生.csv") && failed.contains("全省学校.csv") && failed.contains("教师.xls"), "{failed}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn legacy_and_failed_uploads_sqlite() {
    legacy_and_failed_uploads(sqlite("legacy")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn legacy_and_failed_uploads_postgres() {
    let Some(env) = blocking(|| postgres("legacy")) else { return };
    legacy_and_failed_uploads(env).await;
}

/// 办学条件 through the console, as a county officer: the same upload, job, report and batch as
/// the registers. A row of another county's school is refused (`out_of_scope`) and changes
/// nothing; a bad row is rejected with its rule; a row equal to the stored one is unchanged; a
/// changed one updates. The school's page shows the new figure in its panel, the API the
/// school's years; another county's school is 404 to both.
async fn conditions_through_the_console(env: Env) {
    let p = env.places.clone();
    let a = login(&env, "county", PASSWORD).await;
    let stored = with_store(&env, |s| s.conditions_history(&Scope::all(), &p.school).unwrap());
    assert_eq!(stored.len(), 2, "the demo has two school years of every school");
    let other_before = with_store(&env, |s| s.conditions_history(&Scope::all(), &p.other_school).unwrap());
    assert_eq!(other_before.len(), 2);
    let latest = &stored[0];
    let mut changed = latest.values.clone();
    changed[3] = "4321".into();
    changed[2] = "98765".into();
    let line = |v: &[String]| v.join(",");
    let mut other = other_before[0].values.clone();
    other[3] = "1".into();
    let csv = [
        "学校标识码,学年,校舍建筑面积,教学及辅助用房面积,体育运动场地面积,体育馆面积,教学仪器设备值,网络多媒体教室数,图书藏量,寄宿床位数,是否县域内公办,是否教学点".to_string(),
        line(&changed),
        line(&stored[1].values),
        format!("{},2020-2021,5000,3000,8000,,1000000,12,20000,0,是,否", p.school),
        format!("{},2019-2020,1000,3000,8000,,1000000,12,20000,0,1,0", p.school),
        line(&other),
    ]
    .join("\n");
    let r = upload(&env, &a, "conditions", "办学条件.csv", csv.as_bytes()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let done = wait_done(&env, &a, &r.location).await;
    assert!(done.contains("id=\"errors-link\""), "{done}");
    let batch = with_store(&env, |s| s.list_batches(1).unwrap().remove(0));
    assert_eq!((batch.entity, batch.file_name.as_str(), batch.user.as_str()), (store::Entity::Conditions, "办学条件.csv", "county"));
    assert_eq!((batch.rows_read, batch.inserted, batch.updated, batch.unchanged, batch.rejected), (5, 1, 1, 1, 2));
    let report: serde_json::Value = serde_json::from_str(&batch.report_json).unwrap();
    assert_eq!(report["errors"], serde_json::json!({ "area_inconsistent": 1, "out_of_scope": 1 }), "{report}");
    assert_eq!(with_store(&env, |s| s.conditions_history(&Scope::all(), &p.other_school).unwrap()), other_before, "another county's school: nothing moved");
    let rep = send(&env, "GET", &format!("/imports/batches/{}", batch.id), &a, None).await;
    assert!(rep.body.contains("out_of_scope") && rep.body.contains("教学及辅助用房面积大于校舍建筑面积"), "{}", rep.body);
    // The school's page: the panel with the latest year's new figure beside the year before.
    let page = send(&env, "GET", &format!("/schools/{}", p.school), &a, None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"conditions-table\"") && page.body.contains("<td>4321</td>") && page.body.contains(&stored[1].school_year), "{}", page.body);
    // The API: three school years now, newest first.
    let (status, body) = api_json(&env, "GET", &format!("/api/v1/schools/{}/conditions", p.school), &a, &serde_json::Value::Null).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let years: Vec<&str> = body["years"].as_array().unwrap().iter().map(|y| y["school_year"].as_str().unwrap()).collect();
    assert_eq!(years, vec![latest.school_year.as_str(), stored[1].school_year.as_str(), "2020-2021"]);
    assert_eq!(body["years"][0]["values"]["teaching_area"], "4321");
    assert_eq!(body["years"][2]["values"]["county_public"], "1", "是 stored as 1");
    let (status, _) = api_json(&env, "GET", &format!("/api/v1/schools/{}/conditions", p.other_school), &a, &serde_json::Value::Null).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The export of the latest school year: the county's schools only, the new figure in it,
    // recorded in the audit log.
    let county_schools = with_store(&env, |s| s.conditions_of_year(&Scope::Region { lo: p.county, hi: p.county }, &latest.school_year, None, 500).unwrap().rows.len());
    let x = send(&env, "GET", "/export/conditions?format=csv", &a, None).await;
    assert_eq!(x.status, StatusCode::OK, "{}", x.body);
    let text = String::from_utf8(x.bytes.clone()).unwrap();
    let lines: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
    assert!(lines[0].starts_with("学校标识码,学年,校舍建筑面积") && lines[0].ends_with("学校名称"), "{}", lines[0]);
    assert_eq!(lines.len(), county_schools + 1);
    assert!(lines.iter().skip(1).all(|l| l.contains(&latest.school_year)));
    assert!(text.contains(",4321,") && !text.contains(&p.other_school), "{text}");
    let audited = with_store(&env, |s| s.audit_entries(&AuditFilter { actor: Some("county".into()), limit: 20, ..Default::default() }).unwrap());
    assert!(audited.iter().any(|e| e.action == "export" && e.detail.contains("\"conditions\"")), "{audited:?}");
    let x = send(&env, "GET", &format!("/export/conditions?format=csv&year=2020-2021&region={}", p.other_county), &a, None).await;
    assert_eq!(String::from_utf8(x.bytes.clone()).unwrap().trim_start_matches('\u{feff}').lines().count(), 1, "another county: the header only");
    assert_eq!(send(&env, "GET", "/export/conditions?format=csv&year=2020", &a, None).await.status, StatusCode::BAD_REQUEST);
    // The template.
    let x = send(&env, "GET", "/standard/templates/conditions.xlsx", &a, None).await;
    assert_eq!(x.status, StatusCode::OK);
    let path = env.dir.0.join("t-conditions.xlsx");
    std::fs::write(&path, &x.bytes).unwrap();
    let rows = ingest::xlsx::Workbook::open(&path).unwrap().collect(None, 5, 1 << 20).unwrap();
    assert_eq!(rows[0].1[0].as_str(), "学校标识码*");
    assert_eq!(rows[0].1[1].as_str(), "学年*");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conditions_through_the_console_sqlite() {
    conditions_through_the_console(sqlite("conditions")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conditions_through_the_console_postgres() {
    let Some(env) = blocking(|| postgres("conditions")) else { return };
    conditions_through_the_console(env).await;
}

/// A base-data entry of the catalog shows how many records it holds inside the caller's area,
/// live: the county's own count for the county officer, the province's for the province, as the
/// overview counts them; roles that do not read the figures see no count.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catalog_entries_count_the_callers_records() {
    let env = sqlite("catalog-counts");
    let id = with_store(&env, |s| {
        let derived = store::catalog_auto::derive(51);
        s.catalog_sync(&Scope::all(), &derived, "test", 0).unwrap();
        let q = store::catalog::CatalogQuery { origin: Some(store::catalog::Origin::Auto), limit: 100, ..Default::default() };
        s.catalog_list(&Scope::all(), &q).unwrap().rows.into_iter().find(|d| d.name == "学生基本信息").unwrap().id
    });
    let mut seen = Vec::new();
    for who in ["prov", "county"] {
        let a = login(&env, who, PASSWORD).await;
        let page = send(&env, "GET", &format!("/catalog/{id}"), &a, None).await;
        assert_eq!(page.status, StatusCode::OK);
        let o = send(&env, "GET", "/api/v1/overview", &a, None).await;
        let want = serde_json::from_str::<serde_json::Value>(&o.body).unwrap()["students"].as_u64().unwrap();
        assert!(want > 0);
        assert!(page.body.contains(&format!("id=\"dataset-records\">{want}</dd>")), "{who}: {want} not on the page");
        seen.push(want);
    }
    assert!(seen[0] > seen[1], "the province holds more than one county: {seen:?}");
    let a = login(&env, "aud", PASSWORD).await;
    let page = send(&env, "GET", &format!("/catalog/{id}"), &a, None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("dataset-records"));
}
