//! The generated OpenAPI document against the router it describes: every documented path and
//! method is routed and nothing else on those paths is (the router and the document are one
//! table, `routes::api::routes`); every documented operation, called on a seeded application
//! (SQLite and PostgreSQL), answers with a documented status and a body that fits that status's
//! schema; the framework's own refusals (bad query, path, JSON, content type, method) come in the
//! JSON error envelope, never `text/plain`.

mod common;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::*;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use tower::ServiceExt;

fn doc() -> Value {
    serde_json::from_str(web::routes::api::document()).expect("the document is JSON")
}

const METHODS: [&str; 5] = ["get", "post", "put", "delete", "patch"];

/// A concrete address for a documented path (its parameters filled in).
fn concrete(path: &str) -> String {
    path.replace("{id}", "999999").replace("{code}", "510104").replace("{ref}", "x").replace("{action}", "approve").replace("{list}", "schools").replace("{item}", "1")
}

struct Answer {
    status: StatusCode,
    content_type: String,
    body: Value,
    raw: String,
}

const MULTIPART: &str = "multipart/form-data; boundary=tianfu-doc-boundary";

/// A multipart body of an `item` part and one text file part.
fn multipart_item_file(item: &str, name: &str, content: &str) -> String {
    format!("--tianfu-doc-boundary\r\nContent-Disposition: form-data; name=\"item\"\r\n\r\n{item}\r\n{}", multipart_file(name, content))
}

/// A multipart body of one text file part.
fn multipart_file(name: &str, content: &str) -> String {
    format!("--tianfu-doc-boundary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\r\n{content}\r\n--tianfu-doc-boundary--\r\n")
}

async fn call(env: &Env, method: &str, uri: &str, auth: &Auth, body: Option<(&str, &str)>) -> Answer {
    let mut b = Request::builder().method(method.to_ascii_uppercase().as_str()).uri(format!("/api/v1{uri}"));
    if let Some(c) = &auth.cookie {
        b = b.header(header::COOKIE, c);
    }
    if let Some(c) = &auth.csrf {
        b = b.header("x-csrf-token", c);
    }
    if let Some(t) = &auth.bearer {
        b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    let req = match body {
        Some((ct, text)) => b.header(header::CONTENT_TYPE, ct).body(Body::from(text.to_string())).unwrap(),
        None => b.body(Body::empty()).unwrap(),
    };
    let r = env.app.router.clone().oneshot(req).await.unwrap();
    let status = r.status();
    let content_type = r.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let bytes = r.into_body().collect().await.unwrap().to_bytes();
    let raw = String::from_utf8_lossy(&bytes).into_owned();
    Answer { status, content_type, body: serde_json::from_slice(&bytes).unwrap_or(Value::Null), raw }
}

// ------------------------------------------------------------------ a small JSON Schema check

/// Checks `v` against `schema` (the subset utoipa writes: $ref, type and type lists, properties,
/// required, items, additionalProperties, oneOf, allOf, enum). An object whose schema lists
/// properties may carry no others: a field the handler adds must be documented.
fn check(doc: &Value, schema: &Value, v: &Value, at: &str, errors: &mut Vec<String>) {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.trim_start_matches("#/components/schemas/");
        let target = &doc["components"]["schemas"][name];
        assert!(!target.is_null(), "{r} is not in the document");
        return check(doc, target, v, at, errors);
    }
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        for s in all {
            check(doc, s, v, at, errors);
        }
    }
    if let Some(one) = schema.get("oneOf").and_then(Value::as_array) {
        let fits = one.iter().filter(|s| {
            let mut e = Vec::new();
            check(doc, s, v, at, &mut e);
            e.is_empty()
        });
        if fits.count() != 1 {
            errors.push(format!("{at}: fits not exactly one of oneOf: {v}"));
        }
    }
    if let Some(t) = schema.get("type") {
        let types: Vec<&str> = match t {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let ok = types.iter().any(|t| match *t {
            "null" => v.is_null(),
            "boolean" => v.is_boolean(),
            "integer" => v.is_i64() || v.is_u64(),
            "number" => v.is_number(),
            "string" => v.is_string(),
            "array" => v.is_array(),
            "object" => v.is_object(),
            _ => true,
        });
        if !ok {
            errors.push(format!("{at}: {v} is not {types:?}"));
            return;
        }
    }
    if let Some(e) = schema.get("enum").and_then(Value::as_array) {
        if !e.contains(v) {
            errors.push(format!("{at}: {v} is not one of {e:?}"));
        }
    }
    if let (Some(o), Some(props)) = (v.as_object(), schema.get("properties").and_then(Value::as_object)) {
        for req in schema.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str) {
            if !o.contains_key(req) {
                errors.push(format!("{at}: required {req} missing"));
            }
        }
        for (k, x) in o {
            match props.get(k) {
                Some(s) => check(doc, s, x, &format!("{at}.{k}"), errors),
                None if schema.get("additionalProperties").is_some_and(|a| a != &Value::Bool(false)) => {}
                None => errors.push(format!("{at}: {k} is not documented")),
            }
        }
    }
    if let (Some(a), Some(items)) = (v.as_array(), schema.get("items")) {
        for (i, x) in a.iter().enumerate() {
            check(doc, items, x, &format!("{at}[{i}]"), errors);
        }
    }
}

/// The answer is a documented response of the operation, JSON, and fits its schema.
fn conforms(doc: &Value, method: &str, path: &str, a: &Answer) -> Result<(), String> {
    let op = &doc["paths"][path][method];
    let resp = &op["responses"][a.status.as_str()];
    let m = method.to_uppercase();
    if resp.is_null() {
        return Err(format!("{m} {path}: {} is not a documented response: {}", a.status, a.raw));
    }
    // A file (an export): its content type is one the response documents, and it has a body.
    let file = a.content_type.split(';').next().unwrap_or("").trim().to_string();
    if !file.starts_with("application/json") && !file.is_empty() && !resp["content"][file.as_str()].is_null() {
        return if a.raw.is_empty() { Err(format!("{m} {path}: {} {file} is empty", a.status)) } else { Ok(()) };
    }
    if !a.content_type.starts_with("application/json") {
        return Err(format!("{m} {path}: {} came as {:?}: {}", a.status, a.content_type, a.raw));
    }
    let schema = &resp["content"]["application/json"]["schema"];
    if schema.is_null() {
        return Err(format!("{m} {path}: {} has no JSON schema", a.status));
    }
    let mut errors = Vec::new();
    check(doc, schema, &a.body, "body", &mut errors);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!("{m} {path} {}: {errors:#?}", a.status))
    }
}

// ------------------------------------------------------------------ the tests

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn router_and_document_are_one_table() {
    let env = sqlite("openapi-table");
    let doc = doc();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["servers"][0]["url"], "/api/v1");
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() >= 22, "{} paths", paths.len());
    let auth = Auth { bearer: Some(env.token.clone()), ..Default::default() };
    let mut operations = 0;
    for (path, item) in paths {
        let documented: BTreeSet<&str> = METHODS.iter().copied().filter(|m| item.get(*m).is_some()).collect();
        assert!(!documented.is_empty(), "{path} has no operation");
        for m in METHODS {
            let a = call(&env, m, &concrete(path), &auth, None).await;
            if documented.contains(m) {
                operations += 1;
                assert_ne!(a.status, StatusCode::METHOD_NOT_ALLOWED, "{} {path} is documented but not routed", m.to_uppercase());
                let op = &item[m];
                assert!(op["responses"].as_object().is_some_and(|r| r.keys().any(|k| k.starts_with('2'))), "{m} {path}: no success response");
                assert!(op["summary"].as_str().is_some_and(|s| !s.is_empty()), "{m} {path}: no summary");
            } else {
                assert_eq!(a.status, StatusCode::METHOD_NOT_ALLOWED, "{} {path} is routed but not documented", m.to_uppercase());
                assert_eq!(a.body["error"]["code"], "method_not_allowed", "the envelope, not text/plain: {}", a.raw);
            }
        }
    }
    assert!(operations >= 25, "{operations} operations");
    // Outside the table: nothing (the same JSON 404 as an unknown record).
    let a = call(&env, "get", "/nothing-here", &auth, None).await;
    assert_eq!((a.status, a.body["error"]["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));
    // Served as it is generated.
    let a = call(&env, "get", "/openapi.json", &Auth::default(), None).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.body, doc);
}

/// Every documented operation, called as roles that may and may not, with good and bad input.
async fn every_operation_answers_as_documented(env: Env) {
    let doc = doc();
    let prov = login(&env, "prov", PASSWORD).await;
    let aud = login(&env, "aud", PASSWORD).await;
    let county = login(&env, "county", PASSWORD).await;
    let api = Auth { bearer: Some(env.token.clone()), ..Default::default() };
    let sapi = Auth { bearer: Some(env.other_token.clone()), ..Default::default() };
    let none = Auth::default();
    let teachers = call(&env, "get", "/teachers?limit=2", &api, None).await;
    let tref = teachers.body["items"][0]["ref"].as_str().expect("a teacher ref").to_string();
    let students = call(&env, "get", "/students?limit=2", &api, None).await;
    let sref = students.body["items"][0]["ref"].as_str().expect("a student ref").to_string();
    // The orders the lists take are documented, and answered in order (grade codes ascending).
    let sort = doc["paths"]["/students"]["get"]["parameters"].as_array().unwrap().iter().find(|p| p["name"] == "sort").expect("a sort parameter").clone();
    let said = sort["description"].as_str().unwrap_or_default();
    assert!(["region", "name", "school", "grade", "time"].iter().all(|k| said.contains(&format!("`{k}`"))), "{said}");
    let by_grade = call(&env, "get", "/students?sort=grade&limit=100", &api, None).await;
    let grades: Vec<String> = by_grade.body["items"].as_array().unwrap().iter().map(|r| r["grade"].as_str().expect("a grade").to_string()).collect();
    assert!(grades.len() == 100 && grades.windows(2).all(|w| w[0] <= w[1]), "{grades:?}");
    assert_eq!(call(&env, "get", "/teachers?sort=grade", &api, None).await.status, StatusCode::BAD_REQUEST, "teachers have no grade");
    let batches = call(&env, "get", "/batches", &prov, None).await;
    let batch = batches.body["items"][0]["id"].as_i64().expect("a batch");
    let school = env.places.school.clone();
    let county_code = env.places.county;
    let own = env.own_site;
    let own_alert = with_store(&env, |s| s.alerts_page(&store::Scope::all(), &store::monitor::AlertQuery { limit: 100, ..Default::default() }).unwrap().rows.into_iter().find(|a| a.site_id == own).unwrap().id);
    let new_site = json!({ "name": "文档测试站点", "url": "https://doc-test.example.edu.cn/", "org_code": county_code, "category": "school" }).to_string();
    let j = "application/json";
    let sys = with_store(&env, |s| {
        let new = store::mlps::NewSystem { unit_code: school.parse().unwrap(), name: "文档测试系统".into(), owner: "信息中心".into(), purpose: "x".into(), level: 3, live_on: standard::Date::parse_iso("2025-01-06"), ..Default::default() };
        s.create_system(&store::Scope::all(), &new, &store::mlps::Dues::default(), "prov", 0).unwrap().id
    });
    let item = with_store(&env, |s| s.add_rectification(&store::Scope::all(), sys, &store::mlps::NewRectification { item: "口令策略".into(), due_on: standard::Date::today() }, "prov", 0).unwrap().id);
    let sys_body = json!({ "unit_code": school, "name": "文档测试系统二", "owner": "信息中心", "level": "2", "live_on": "2025-01-06" }).to_string();
    let today = standard::Date::today().to_string();
    // The checklist and software registers: the province's checklist for every unit, an item of
    // the county's school, a software entry of it.
    let (cid, duty, soft) = with_store(&env, |s| {
        let c = store::ledger::NewChecklist { region_code: 510000, year: 2026, title: "文档测试清单".into(), include_schools: true, items: vec![store::ledger::TemplateItem { text: "成立领导小组".into(), category: store::ledger::Category::Leadership, evidence_required: false }] };
        let cid = secman::ledger::publish(s, &store::Scope::all(), &c, "prov", 0).unwrap().id;
        let duty = s.duty_items(&store::Scope::all(), &store::ledger::DutyQuery { checklist: Some(cid), unit: Some(school.parse().unwrap()), limit: 5, ..Default::default() }).unwrap().rows[0].id;
        let n = store::ledger::NewSoftware { unit_code: school.parse().unwrap(), name: "文档测试软件".into(), vendor: String::new(), version: String::new(), kind: store::ledger::SoftwareKind::Os, licence_kind: store::ledger::LicenceKind::Free, licence_no: String::new(), licensed: 0, expires_on: None, installed: 3, location: String::new() };
        (cid, duty, s.create_software(&store::Scope::all(), &n, "prov", 0).unwrap().id)
    });
    // The plan tracker: the province's plan with a point led by the county's school.
    let (plan, point) = with_store(&env, |s| {
        let d = standard::Date::today();
        let pt = store::plan::NewPoint { part: 1, number: "1".into(), title: "文档测试要点".into(), description: String::new(), lead: school.parse().unwrap(), coop: vec![], deadline: d, indicator: Some(store::plan::Indicator::MlpsOverdue), target: "0".into(), tasks: vec![store::plan::NewTask { text: "任务".into(), owner: school.parse().unwrap(), deadline: d }] };
        let p = s.import_plan(&store::Scope::all(), &store::plan::NewPlan { year: 2026, title: "文档测试计划".into(), region_code: 510000, note: String::new(), points: vec![pt] }, "prov", 0).unwrap();
        let point = s.plan_points(&store::Scope::all(), p.id).unwrap()[0].id;
        (p.id, point)
    });
    let soft_body = json!({ "unit_code": school, "name": "文档测试软件二", "kind": "office", "licence_kind": "procured", "licence_no": "ZC-1", "licensed": "10", "installed": "12", "expires_on": "2027-01-31" }).to_string();
    // 数据质量: today's snapshot, so the ranking and the trend have rows.
    with_store(&env, |s| s.refresh_quality(&store::Scope::all(), standard::Date::today()).unwrap());
    // The data resource catalog: a published dataset of the county's bureau.
    let ds = with_store(&env, |s| s.catalog_register(&store::Scope::all(), &store::suite_catalog::dataset(i64::from(county_code), "文档测试数据集", store::catalog::Status::Published), "prov", 0).unwrap().id);
    let ds_body = json!({ "class": "309001000", "name": "文档测试数据集二", "provider_code": county_code.to_string(), "summary": "区县汇总", "format": "csv", "share_type": "none", "legal_basis": "《未成年人保护法》第七十二条", "method": "file", "cycle": "yearly", "status": "published", "keywords": "体质", "fields": [{ "name": "rate", "title": "合格率", "data_type": "decimal", "description": "百分比" }, { "name": "head", "title": "负责人", "data_type": "text", "mask": "name" }] }).to_string();
    // The sharing exchange: the province's automatic entries, the consumer of `api`, requests
    // (one granted, one to approve, one to reject, one to withdraw) and a grant to revoke.
    let (share_consumer, share_grant, share_reqs, share_revoke, share_ds) = with_store(&env, |s| {
        use store::share::*;
        store::catalog_auto::sync(s, 51, "system", 0).unwrap();
        let now = store::time::unix_now();
        let prov_id = s.user_by_name("prov").unwrap().unwrap().id;
        // The exchange's consumer is api2: a linked account reads base data through grants only.
        let api_id = s.user_by_name("api2").unwrap().unwrap().id;
        let whole = store::Scope::Region { lo: 510000, hi: 519999 };
        let admin = Who { user_id: prov_id, name: "prov".into(), role: store::Role::ProvinceAdmin, scope: whole.clone() };
        let consumer = Who { user_id: api_id, name: "api2".into(), role: store::Role::DataConsumer, scope: whole };
        let c = s.share_register_consumer(&admin, &NewConsumer { name: "文档测试使用方".into(), department: Department::Health, credit_code: String::new(), contact: "王科长".into() }, now).unwrap();
        s.share_link_account(&admin, c.id, "api2").unwrap();
        let rows = s.catalog_list(&store::Scope::all(), &store::catalog::CatalogQuery { limit: 100, ..Default::default() }).unwrap().rows;
        let key = |s: &mut dyn store::Backend, k: &str| rows.iter().map(|d| d.id).find(|id| s.catalog_dataset(&store::Scope::all(), *id).unwrap().unwrap().auto_key == k).unwrap();
        let (students, schools) = (key(s, "students"), key(s, "schools"));
        let d = standard::Date::today();
        let ask = NewRequest { dataset_id: students, purpose: "文档测试".into(), fields: vec!["name".into(), "grade".into()], filter: RowFilter { region: county_code, ..Default::default() }, from: d, to: standard::Date::from_days_since_epoch(d.days_since_epoch() + 30) };
        let mut ids = Vec::new();
        for _ in 0..5 {
            ids.push(s.share_submit(&consumer, &ask, now + 86_400, now).unwrap().id);
        }
        let g = s.share_approve(&admin, ids[0], &GrantTerms::default(), now).unwrap().id;
        let g2 = s.share_approve(&admin, ids[4], &GrantTerms::default(), now).unwrap().id;
        (c.id, g, ids, g2, schools)
    });
    let share_ask = json!({ "dataset_id": share_ds, "purpose": "学校名录", "fields": ["school_code", "name"], "filter": { "region": county_code }, "from": today, "to": today }).to_string();
    let period = with_store(&env, |s| {
        let d = standard::Date::today();
        let new = store::duty::NewPeriod { area_code: county_code, name: "文档测试保障期".into(), starts_on: d, ends_on: d, full_day: true, reporters: store::duty::Reporters::BureausAndSchools, cutoff_minutes: store::duty::DEFAULT_CUTOFF };
        s.create_period(&store::Scope::all(), &new, "prov", 0).unwrap().id
    });
    let contact = with_store(&env, |s| s.create_contact(&store::Scope::all(), &store::duty::NewContact { unit_code: school.parse().unwrap(), name: "文档值班员".into(), post: "值班员".into(), office_phone: String::new(), mobile: "13800001234".into() }, "prov", 0).unwrap().id);
    let app_filing = with_store(&env, |s| s.create_filing(&store::Scope::all(), &store::suite_apps::filing(1100871, "作业帮手"), "prov", 0).unwrap().id);
    let app_use = with_store(&env, |s| s.create_use(&store::Scope::all(), &store::apps::NewUse { school_code: school.parse().unwrap(), filing_id: app_filing, purpose: "teaching".into(), chosen_by: "教务处".into() }, "prov", 0).unwrap().id);
    // 专项检查: one issued by the province to the school, one drill finding raised as an item.
    let province_code = i64::from(county_code / 10_000 * 10_000);
    let school_code: i64 = school.parse().unwrap();
    let (insp, drill, check_item) = with_store(&env, |s| {
        use store::checks::*;
        let day = standard::Date::today();
        let new = NewInspection { issuer_code: province_code, name: "文档测试检查".into(), basis: "文号".into(), starts_on: day, deadline: day, rect_days: 10, items: vec![ChecklistItem { text: "责任制".into(), kind: ItemKind::YesNo, evidence_required: false }] };
        let (i, _) = s.create_inspection(&store::Scope::all(), &new, &Target::Units(vec![school_code]), "prov", 0).unwrap();
        let d = s.create_drill(&store::Scope::all(), &NewDrill { organiser_code: province_code, name: "文档测试演练".into(), kind: DrillKind::Drill, starts_on: day, ends_on: day, scope_text: "门户网站".into() }, "prov", 0).unwrap();
        let f = NewFinding { title: "弱口令".into(), severity: Severity::High, unit_code: school_code, target: "门户网站".into(), found_by: "红队".into(), owner_name: "王工".into(), owner_post: "网管".into(), due_on: day };
        let (_, it) = s.add_finding(&store::Scope::all(), d.id, &f, "prov", 0).unwrap();
        (i.id, d.id, it.id)
    });
    let answers = json!({ "unit": school_code, "answers": [{ "item": 0, "verdict": "not_compliant", "note": "未制定" }], "owner_name": "张老师", "owner_post": "副校长", "submit": true }).to_string();
    let finding = json!({ "title": "SQL 注入", "severity": "high", "unit_code": school, "target": "门户网站", "found_by": "红队", "owner_name": "王工", "owner_post": "网管", "due": "10 个工作日" }).to_string();
    // (method, documented path, address, who, body)
    let calls: Vec<(&str, &str, String, &Auth, Option<(&str, String)>)> = vec![
        ("get", "/openapi.json", "/openapi.json".into(), &none, None),
        ("get", "/me", "/me".into(), &api, None),
        ("get", "/me", "/me".into(), &none, None),
        ("get", "/overview", "/overview".into(), &api, None),
        ("get", "/overview", "/overview".into(), &aud, None),
        ("get", "/overview/regions/{code}", format!("/overview/regions/{county_code}"), &api, None),
        ("get", "/overview/regions/{code}", "/overview/regions/abc".into(), &api, None),
        ("get", "/schools", "/schools?limit=3".into(), &api, None),
        ("get", "/schools", "/schools?limit=abc".into(), &api, None),
        ("get", "/schools", "/schools?limit=0".into(), &api, None),
        ("get", "/schools/{code}", format!("/schools/{school}"), &api, None),
        ("get", "/schools/{code}", "/schools/0000000000".into(), &api, None),
        ("get", "/schools/{code}/conditions", format!("/schools/{school}/conditions"), &api, None),
        ("get", "/schools/{code}/conditions", format!("/schools/{school}/conditions"), &county, None),
        ("get", "/schools/{code}/conditions", "/schools/0000000000/conditions".into(), &api, None),
        // 学校地图 (issue 14): a view's clusters or points, the flagged schools, a school's note.
        ("get", "/schools/map", "/schools/map".into(), &api, None),
        ("get", "/schools/map", "/schools/map?bbox=103,30,105,31.5&stage=primary".into(), &county, None),
        ("get", "/schools/map", "/schools/map?stage=college".into(), &api, None),
        ("get", "/schools/map", "/schools/map".into(), &aud, None),
        ("get", "/schools/map/flagged", "/schools/map/flagged".into(), &api, None),
        ("get", "/schools/map/flagged", "/schools/map/flagged?type=21".into(), &county, None),
        ("get", "/schools/{code}/note", format!("/schools/{school}/note"), &api, None),
        ("get", "/schools/{code}/note", "/schools/0000000000/note".into(), &api, None),
        ("post", "/schools/{code}/note", format!("/schools/{school}/note"), &county, Some((j, json!({ "note": "服务文档村" }).to_string()))),
        ("post", "/schools/{code}/note", format!("/schools/{school}/note"), &api, Some((j, json!({ "note": "x" }).to_string()))),
        ("post", "/schools/{code}/note", "/schools/0000000000/note".into(), &county, Some((j, json!({ "note": "x" }).to_string()))),
        ("get", "/teachers", "/teachers?limit=3".into(), &api, None),
        ("get", "/teachers", "/teachers?after=forged".into(), &api, None),
        ("get", "/teachers/{ref}", format!("/teachers/{tref}"), &api, None),
        ("post", "/teachers/{ref}/reveal", format!("/teachers/{tref}/reveal"), &prov, None),
        ("post", "/teachers/{ref}/reveal", format!("/teachers/{tref}/reveal"), &api, None),
        ("get", "/students", "/students?limit=3".into(), &api, None),
        ("get", "/students", "/students?sort=grade&limit=3".into(), &api, None),
        ("get", "/students", "/students?sort=time&limit=3".into(), &api, None),
        ("get", "/students", "/students?drill=boarders&limit=3".into(), &api, None),
        ("get", "/students", "/students?drill=nope".into(), &api, None),
        ("get", "/teachers", "/teachers?drill=retiring_5&limit=3".into(), &api, None),
        ("get", "/teachers", "/teachers?sort=time&limit=3".into(), &api, None),
        ("get", "/teachers", "/teachers?sort=grade&limit=3".into(), &api, None),
        ("get", "/students/{ref}", format!("/students/{sref}"), &api, None),
        ("get", "/students/{ref}", "/students/forged".into(), &api, None),
        ("post", "/students/{ref}/reveal", format!("/students/{sref}/reveal"), &prov, None),
        // Searches by number: in a body, never the address (issue 12).
        ("get", "/students", "/students?id=51010420140901002X".into(), &county, None),
        ("post", "/students/search", "/students/search".into(), &county, Some((j, json!({ "id": "51010420140901002X" }).to_string()))),
        ("post", "/students/search", "/students/search".into(), &api, Some((j, json!({ "id": "51010420140901002X" }).to_string()))),
        ("post", "/teachers/search", "/teachers/search".into(), &api, Some((j, json!({ "name": "王小", "limit": 5 }).to_string()))),
        ("post", "/teachers/search", "/teachers/search".into(), &api, Some((j, "{\"idx\": 1}".into()))),
        ("get", "/batches", "/batches".into(), &prov, None),
        ("get", "/batches/{id}", format!("/batches/{batch}"), &prov, None),
        ("get", "/batches/{id}", "/batches/x".into(), &prov, None),
        ("get", "/audit", "/audit?limit=5".into(), &aud, None),
        ("get", "/audit", "/audit".into(), &api, None),
        ("get", "/users", "/users".into(), &prov, None),
        ("get", "/ipv6", "/ipv6".into(), &api, None),
        ("get", "/ipv6", "/ipv6?region=x".into(), &api, None),
        ("get", "/insight/{screen}", "/insight/classes".into(), &api, None),
        ("get", "/insight/classes/list", format!("/insight/classes/list?region={county_code}&band=very_large"), &api, None),
        ("get", "/insight/classes/list", format!("/insight/classes/list?school={school}&band=large"), &api, None),
        ("get", "/insight/classes/list", "/insight/classes/list?band=large".into(), &api, None),
        ("get", "/insight/classes/list", format!("/insight/classes/list?region={county_code}&band=x"), &api, None),
        ("get", "/insight/{screen}", format!("/insight/teachers?region={county_code}"), &api, None),
        ("get", "/insight/{screen}", "/insight/students?region=x".into(), &api, None),
        ("get", "/insight/{screen}", "/insight/nothing".into(), &api, None),
        ("get", "/insight/balance", "/insight/balance".into(), &api, None),
        ("get", "/insight/balance", format!("/insight/balance?region={county_code}"), &api, None),
        ("get", "/insight/balance", "/insight/balance?region=x".into(), &api, None),
        ("get", "/insight/{screen}", "/insight/security".into(), &api, None),
        ("get", "/insight/{screen}", format!("/insight/security?region={county_code}"), &api, None),
        ("get", "/sites", "/sites".into(), &api, None),
        ("get", "/sites", "/sites?state=mars".into(), &api, None),
        ("get", "/sites/{id}", format!("/sites/{own}"), &api, None),
        ("get", "/sites/{id}", "/sites/999999".into(), &api, None),
        ("post", "/sites", "/sites".into(), &prov, Some((j, new_site.clone()))),
        ("post", "/sites", "/sites".into(), &prov, Some((j, new_site.clone()))),
        ("post", "/sites", "/sites".into(), &prov, Some((j, "{\"name\": 1}".into()))),
        ("post", "/sites", "/sites".into(), &api, Some((j, new_site.clone()))),
        ("put", "/sites/{id}", format!("/sites/{own}"), &prov, Some((j, json!({ "name": "改名", "url": "https://doc-test-2.example.edu.cn/", "org_code": county_code, "category": "school", "enabled": false }).to_string()))),
        ("put", "/sites/{id}", "/sites/999999".into(), &prov, Some((j, new_site.clone()))),
        ("get", "/alerts", "/alerts?open=false".into(), &api, None),
        ("get", "/alerts", "/alerts?open=maybe".into(), &api, None),
        ("get", "/alerts", "/alerts?state=all&level=high&kind=hidden_link".into(), &api, None),
        ("get", "/alerts", "/alerts?level=severe".into(), &api, None),
        ("post", "/alerts/{id}/{action}", format!("/alerts/{own_alert}/note"), &prov, Some((j, json!({ "text": "已知悉" }).to_string()))),
        ("post", "/alerts/{id}/{action}", format!("/alerts/{own_alert}/close"), &prov, Some((j, "{}".into()))),
        ("post", "/alerts/{id}/{action}", format!("/alerts/{own_alert}/ack"), &api, None),
        ("post", "/alerts/{id}/{action}", "/alerts/999999/ack".into(), &prov, None),
        ("get", "/exports/{list}", "/exports/students?format=csv".into(), &api, None),
        ("get", "/exports/{list}", "/exports/schools?format=xlsx".into(), &api, None),
        ("get", "/exports/{list}", "/exports/alerts?format=csv&state=all".into(), &county, None),
        ("get", "/exports/{list}", "/exports/students?format=doc".into(), &api, None),
        ("get", "/exports/{list}", "/exports/students?format=csv&id=51010420140901002X".into(), &api, None),
        ("get", "/exports/{list}", "/exports/audit?format=csv".into(), &api, None),
        ("get", "/exports/{list}", "/exports/nothing?format=csv".into(), &api, None),
        ("get", "/exports/{list}", "/exports/students?format=csv".into(), &none, None),
        ("get", "/transfers", "/transfers".into(), &county, None),
        ("get", "/transfers", "/transfers?state=x".into(), &county, None),
        ("post", "/transfers", "/transfers".into(), &county, Some((j, "{\"key\": \"x\"".into()))),
        ("post", "/transfers", "/transfers".into(), &county, Some((j, "{\"key\": 1}".into()))),
        ("post", "/transfers", "/transfers".into(), &county, Some(("text/plain", "{}".into()))),
        ("post", "/transfers", "/transfers".into(), &county, Some((j, json!({ "key": "51010420140901002X", "name": "某某", "to_school": school }).to_string()))),
        ("post", "/transfers/{id}/{action}", "/transfers/999999/approve".into(), &county, None),
        ("post", "/transfers/{id}/{action}", "/transfers/x/approve".into(), &county, None),
        ("get", "/mlps/systems", "/mlps/systems?level=3".into(), &county, None),
        ("get", "/mlps/systems", "/mlps/systems?state=late".into(), &county, None),
        ("get", "/mlps/systems", "/mlps/systems".into(), &api, None),
        ("post", "/mlps/systems", "/mlps/systems".into(), &county, Some((j, sys_body.clone()))),
        ("post", "/mlps/systems", "/mlps/systems".into(), &county, Some((j, json!({ "level": "9" }).to_string()))),
        ("get", "/mlps/systems/{id}", format!("/mlps/systems/{sys}"), &county, None),
        ("get", "/mlps/systems/{id}", "/mlps/systems/999999".into(), &county, None),
        ("put", "/mlps/systems/{id}", format!("/mlps/systems/{sys}"), &county, Some((j, sys_body.clone()))),
        ("put", "/mlps/systems/{id}", "/mlps/systems/999999".into(), &county, Some((j, sys_body.clone()))),
        ("post", "/mlps/systems/{id}/assessments", format!("/mlps/systems/{sys}/assessments"), &county, Some((j, json!({ "assessed_on": today, "agency": "测评中心", "score": "91.5" }).to_string()))),
        ("post", "/mlps/systems/{id}/assessments", format!("/mlps/systems/{sys}/assessments"), &county, Some((j, json!({ "assessed_on": today, "agency": "测评中心", "score": "91.5", "conclusion": "poor" }).to_string()))),
        ("post", "/mlps/systems/{id}/items", format!("/mlps/systems/{sys}/items"), &county, Some((j, json!({ "item": "日志留存", "due_on": today }).to_string()))),
        ("post", "/mlps/systems/{id}/assessments/{a}/report", format!("/mlps/systems/{sys}/assessments/999999/report"), &county, Some((MULTIPART, multipart_file("测评报告.pdf", "%PDF-1.4\n%%EOF\n")))),
        ("get", "/mlps/systems/{id}/assessments/{a}/report/{file}", format!("/mlps/systems/{sys}/assessments/999999/report/1"), &county, None),
        ("post", "/mlps/systems/{id}/items/{item}/close", format!("/mlps/systems/{sys}/items/{item}/close"), &county, Some((j, json!({ "evidence": "整改报告 1 号" }).to_string()))),
        ("post", "/mlps/systems/{id}/items/{item}/close", format!("/mlps/systems/{sys}/items/{item}/close"), &county, Some((j, json!({ "evidence": "again" }).to_string()))),
        ("post", "/mlps/systems/{id}/items/{item}/evidence", format!("/mlps/systems/{sys}/items/{item}/evidence"), &county, Some((MULTIPART, multipart_file("整改报告.png", "%PDF-1.4\n%%EOF\n")))),
        ("post", "/mlps/systems/{id}/items/{item}/evidence", format!("/mlps/systems/{sys}/items/{item}/evidence"), &county, Some((MULTIPART, multipart_file("整改报告.pdf", "%PDF-1.4\n%%EOF\n")))),
        ("get", "/mlps/systems/{id}/items/{item}/evidence/{file}", format!("/mlps/systems/{sys}/items/{item}/evidence/999999"), &county, None),
        ("get", "/mlps/overdue", "/mlps/overdue".into(), &county, None),
        ("get", "/mlps/overdue", "/mlps/overdue?region=x".into(), &county, None),
        ("get", "/mlps/completion", "/mlps/completion".into(), &prov, None),
        ("post", "/mlps/import", "/mlps/import?name=systems.csv".into(), &county, Some(("text/csv", format!("unit_code,name,owner,level,live_on\n{school},导入的系统,信息中心,2,2025-01-06\n{school},坏的系统,信息中心,9,\n")))),
        ("post", "/mlps/import", "/mlps/import".into(), &county, Some(("text/csv", String::new()))),
        ("get", "/mlps/completion", "/mlps/completion".into(), &api, None),
        ("get", "/plan/plans", "/plan/plans".into(), &county, None),
        ("get", "/plan/plans", "/plan/plans".into(), &api, None),
        ("get", "/plan/plans/{id}", format!("/plan/plans/{plan}"), &county, None),
        ("get", "/plan/plans/{id}", "/plan/plans/999999".into(), &county, None),
        ("get", "/plan/points/{id}", format!("/plan/points/{point}"), &county, None),
        ("get", "/plan/points/{id}", "/plan/points/999999".into(), &county, None),
        ("post", "/plan/points/{id}/updates", format!("/plan/points/{point}/updates"), &county, Some((j, json!({ "text": "方案已完成", "progress": 30, "state": "in_progress" }).to_string()))),
        ("post", "/plan/points/{id}/updates", format!("/plan/points/{point}/updates"), &county, Some((j, json!({ "progress": 130 }).to_string()))),
        ("post", "/plan/points/{id}/updates", "/plan/points/999999/updates".into(), &county, Some((j, json!({ "text": "x", "progress": 1, "state": "done" }).to_string()))),
        ("post", "/plan/import", format!("/plan/import?year=2041&title={}&name=plan.csv", "%E5%8C%BA%E5%8E%BF%E8%A6%81%E7%82%B9"), &county, Some(("text/csv", format!("部分,编号,工作要点,牵头单位,完成时限\n1,1,门户网站防护,{school},{today}\n")))),
        ("post", "/plan/import", "/plan/import?year=2042&title=x".into(), &county, Some(("text/csv", String::new()))),
        ("post", "/push/{entity}", "/push/student?key=oa-push-1".into(), &county, Some(("text/csv", "student_id,name\nX1,某\n".into()))),
        ("post", "/push/{entity}", "/push/student?key=oa-push-1".into(), &county, Some(("text/csv", "student_id,name\nX1,某\n".into()))),
        ("post", "/push/{entity}", "/push/student?key=oa-push-1".into(), &county, Some(("text/csv", "student_id,name\nX2,某\n".into()))),
        ("post", "/push/{entity}", "/push/student".into(), &county, Some(("application/x-ndjson", "{\"student_id\": \"X3\"}\n".into()))),
        ("get", "/ledger/checklists", "/ledger/checklists".into(), &county, None),
        ("get", "/ledger/checklists", "/ledger/checklists".into(), &api, None),
        ("post", "/ledger/checklists", "/ledger/checklists".into(), &county, Some((j, json!({ "year": "2026", "title": "区级清单", "items": "组织领导｜明确责任人｜需佐证" }).to_string()))),
        ("post", "/ledger/checklists", "/ledger/checklists".into(), &county, Some((j, json!({ "year": "1990", "items": "其他｜x" }).to_string()))),
        ("get", "/ledger/checklists/{id}/completion", format!("/ledger/checklists/{cid}/completion"), &county, None),
        ("get", "/ledger/checklists/{id}/completion", "/ledger/checklists/999999/completion".into(), &county, None),
        ("get", "/ledger/duties", format!("/ledger/duties?checklist={cid}"), &county, None),
        ("get", "/ledger/duties", "/ledger/duties?status=x".into(), &county, None),
        ("put", "/ledger/duties/{id}", format!("/ledger/duties/{duty}"), &county, Some((j, json!({ "owner_name": "王明", "owner_post": "校长", "status": "done", "evidence": "文件 3 号" }).to_string()))),
        ("put", "/ledger/duties/{id}", format!("/ledger/duties/{duty}"), &county, Some((j, json!({ "status": "不适用" }).to_string()))),
        ("put", "/ledger/duties/{id}", "/ledger/duties/999999".into(), &county, Some((j, json!({ "status": "done" }).to_string()))),
        ("post", "/ledger/duties/{id}/evidence", format!("/ledger/duties/{duty}/evidence"), &county, Some((MULTIPART, multipart_file("领导小组文件.pdf", "%PDF-1.4\n%%EOF\n")))),
        ("post", "/ledger/duties/{id}/evidence", format!("/ledger/duties/{duty}/evidence"), &county, Some((MULTIPART, multipart_file("领导小组文件.png", "%PDF-1.4\n%%EOF\n")))),
        ("post", "/ledger/duties/{id}/evidence", "/ledger/duties/999999/evidence".into(), &county, Some((MULTIPART, multipart_file("领导小组文件.pdf", "%PDF-1.4\n%%EOF\n")))),
        ("get", "/ledger/duties/{id}/evidence/{file}", format!("/ledger/duties/{duty}/evidence/999999"), &county, None),
        ("get", "/ledger/software", "/ledger/software?flag=over_installed".into(), &county, None),
        ("get", "/ledger/software", "/ledger/software?flag=x".into(), &county, None),
        ("post", "/ledger/software", "/ledger/software".into(), &county, Some((j, soft_body.clone()))),
        ("post", "/ledger/software", "/ledger/software".into(), &county, Some((j, json!({ "licensed": "x" }).to_string()))),
        ("put", "/ledger/software/{id}", format!("/ledger/software/{soft}"), &county, Some((j, soft_body.clone()))),
        ("put", "/ledger/software/{id}", "/ledger/software/999999".into(), &county, Some((j, soft_body.clone()))),
        ("get", "/ledger/checks", format!("/ledger/checks?overdue=1&unit={school}"), &county, None),
        ("post", "/ledger/checks", "/ledger/checks".into(), &county, Some((j, json!({ "unit_code": school, "checked_on": today, "checker": "李华", "result": "compliant" }).to_string()))),
        ("post", "/ledger/checks", "/ledger/checks".into(), &county, Some((j, json!({ "unit_code": school, "result": "issues" }).to_string()))),
        ("get", "/ledger/checks/regions", "/ledger/checks/regions".into(), &county, None),
        ("get", "/quality", "/quality".into(), &api, None),
        ("get", "/quality", "/quality".into(), &county, None),
        ("get", "/quality/{county}", format!("/quality/{county_code}"), &county, None),
        ("get", "/quality/{county}", format!("/quality/{county_code}?school={school}"), &api, None),
        ("get", "/quality/{county}", "/quality/110101".into(), &county, None),
        ("get", "/catalog", "/catalog?share=unconditional&class=3".into(), &county, None),
        ("get", "/catalog", "/catalog".into(), &api, None),
        ("get", "/catalog", "/catalog?share=x".into(), &county, None),
        ("post", "/catalog", "/catalog".into(), &county, Some((j, ds_body.clone()))),
        ("post", "/catalog", "/catalog".into(), &county, Some((j, json!({ "name": "" }).to_string()))),
        ("get", "/catalog/dcat", "/catalog/dcat".into(), &api, None),
        ("get", "/catalog/{id}", format!("/catalog/{ds}"), &county, None),
        ("get", "/catalog/{id}", format!("/catalog/{ds}?version=1"), &api, None),
        ("get", "/catalog/{id}", "/catalog/999999".into(), &county, None),
        ("put", "/catalog/{id}", format!("/catalog/{ds}"), &county, Some((j, ds_body.clone()))),
        ("put", "/catalog/{id}", "/catalog/999999".into(), &county, Some((j, ds_body.clone()))),
        ("get", "/catalog/{id}/versions", format!("/catalog/{ds}/versions"), &county, None),
        ("get", "/share/consumers", "/share/consumers".into(), &prov, None),
        ("post", "/share/consumers", "/share/consumers".into(), &prov, Some((j, json!({ "name": "文档测试使用方二", "department": "民政", "contact": "李科长" }).to_string()))),
        ("post", "/share/consumers", "/share/consumers".into(), &prov, Some((j, json!({ "name": "x", "department": "x" }).to_string()))),
        ("post", "/share/consumers", "/share/consumers".into(), &county, Some((j, json!({ "name": "x", "department": "other", "contact": "y" }).to_string()))),
        ("post", "/share/consumers/{id}/accounts", format!("/share/consumers/{share_consumer}/accounts"), &prov, Some((j, json!({ "account": "api2" }).to_string()))),
        ("post", "/share/consumers/{id}/accounts", "/share/consumers/999999/accounts".into(), &prov, Some((j, json!({ "account": "api2" }).to_string()))),
        ("get", "/share/requests", "/share/requests".into(), &sapi, None),
        ("post", "/share/requests", "/share/requests".into(), &sapi, Some((j, share_ask.clone()))),
        ("post", "/share/requests", "/share/requests".into(), &sapi, Some((j, json!({ "dataset_id": share_ds, "fields": ["salary"], "filter": { "region": 520000 }, "from": today, "to": today }).to_string()))),
        ("get", "/share/requests/{id}", format!("/share/requests/{}", share_reqs[0]), &sapi, None),
        ("get", "/share/requests/{id}", "/share/requests/999999".into(), &sapi, None),
        ("post", "/share/requests/{id}/approve", format!("/share/requests/{}/approve", share_reqs[1]), &prov, Some((j, json!({ "rate_per_minute": 30 }).to_string()))),
        ("post", "/share/requests/{id}/approve", format!("/share/requests/{}/approve", share_reqs[1]), &prov, Some((j, json!({}).to_string()))),
        ("post", "/share/requests/{id}/reject", format!("/share/requests/{}/reject", share_reqs[2]), &prov, Some((j, json!({ "reasons": "用途不明确" }).to_string()))),
        ("post", "/share/requests/{id}/reject", "/share/requests/999999/reject".into(), &prov, Some((j, json!({ "reasons": "x" }).to_string()))),
        ("post", "/share/requests/{id}/withdraw", format!("/share/requests/{}/withdraw", share_reqs[3]), &sapi, None),
        ("get", "/share/grants", "/share/grants".into(), &sapi, None),
        ("post", "/share/grants/{id}/revoke", format!("/share/grants/{share_revoke}/revoke"), &prov, Some((j, json!({ "reason": "停止使用" }).to_string()))),
        ("post", "/share/grants/{id}/revoke", format!("/share/grants/{share_revoke}/revoke"), &sapi, Some((j, json!({ "reason": "x" }).to_string()))),
        ("get", "/share/usage", "/share/usage".into(), &prov, None),
        ("get", "/share/{id}/rows", format!("/share/{share_grant}/rows?limit=2"), &sapi, None),
        ("get", "/share/{id}/rows", format!("/share/{share_grant}/rows?region=510000"), &sapi, None),
        ("get", "/share/{id}/rows", format!("/share/{share_revoke}/rows"), &sapi, None),
        ("get", "/share/{id}/rows", "/share/999999/rows".into(), &sapi, None),
        ("get", "/share/{id}/rows.csv", format!("/share/{share_grant}/rows.csv"), &sapi, None),
        ("get", "/share/{id}/rows.csv", format!("/share/{share_grant}/rows.csv"), &county, None),
        ("get", "/share/{id}/rows.jsonl", format!("/share/{share_grant}/rows.jsonl?fields=grade"), &sapi, None),
        ("get", "/share/{id}/changes", format!("/share/{share_grant}/changes?limit=2"), &sapi, None),
        ("get", "/share/{id}/changes", format!("/share/{share_grant}/changes?since=-1"), &sapi, None),
        ("get", "/share/{id}/changes", format!("/share/{share_revoke}/changes?since=0"), &sapi, None),
        ("get", "/incidents", "/incidents?state=reported".into(), &county, None),
        ("get", "/incidents", "/incidents?grade=9".into(), &county, None),
        ("get", "/incidents", "/incidents".into(), &api, None),
        ("get", "/incidents/classes", "/incidents/classes".into(), &county, None),
        ("post", "/incidents", "/incidents".into(), &county, Some((j, json!({ "title": "区局网站首页被篡改", "unit": county_code.to_string(), "proposed_class": "C02-11", "proposed_grade": "3" }).to_string()))),
        ("post", "/incidents", "/incidents".into(), &county, Some((j, json!({ "title": "", "unit": county_code.to_string() }).to_string()))),
        ("post", "/incidents", "/incidents".into(), &county, Some((j, "{\"title\": 1}".into()))),
        ("get", "/incidents/{id}", "/incidents/1".into(), &county, None),
        ("get", "/incidents/{id}", "/incidents/999999".into(), &county, None),
        ("post", "/incidents/{id}/{action}", "/incidents/1/confirm".into(), &county, Some((j, json!({ "class_code": "C02-11", "grade": "3", "note": "核实" }).to_string()))),
        ("post", "/incidents/{id}/{action}", "/incidents/1/confirm".into(), &county, Some((j, json!({ "class_code": "C02-11", "grade": "3" }).to_string()))),
        ("post", "/incidents/{id}/{action}", "/incidents/999999/handle".into(), &county, Some((j, "{}".into()))),
        ("post", "/incidents/{id}/files", "/incidents/1/files".into(), &county, Some((MULTIPART, multipart_file("截图.pdf", "%PDF-1.4\n%%EOF\n")))),
        ("post", "/incidents/{id}/files", "/incidents/1/files".into(), &county, Some((MULTIPART, multipart_file("截图.png", "%PDF-1.4\n%%EOF\n")))),
        ("post", "/incidents/{id}/files", "/incidents/999999/files".into(), &county, Some((MULTIPART, multipart_file("截图.pdf", "%PDF-1.4\n%%EOF\n")))),
        ("get", "/incidents/{id}/files", "/incidents/1/files".into(), &county, None),
        ("get", "/incidents/{id}/files", "/incidents/999999/files".into(), &county, None),
        ("get", "/duty/contacts", "/duty/contacts".into(), &county, None),
        ("get", "/duty/contacts", "/duty/contacts".into(), &api, None),
        ("get", "/duty/contacts", "/duty/contacts".into(), &aud, None),
        ("put", "/duty/contacts/{id}", format!("/duty/contacts/{contact}"), &county, Some((j, json!({ "name": "文档值班员", "post": "带班领导", "office_phone": "028-86120000", "mobile": "138****1234" }).to_string()))),
        ("put", "/duty/contacts/{id}", format!("/duty/contacts/{contact}"), &county, Some((j, json!({ "name": "", "post": "值班员", "mobile": "12345" }).to_string()))),
        ("put", "/duty/contacts/{id}", "/duty/contacts/999999".into(), &county, Some((j, json!({ "name": "某人", "post": "值班员", "office_phone": "028-1" }).to_string()))),
        ("put", "/duty/contacts/{id}", format!("/duty/contacts/{contact}"), &aud, Some((j, json!({ "name": "某人", "post": "值班员", "office_phone": "028-1" }).to_string()))),
        ("get", "/duty/on-duty/{unit}", format!("/duty/on-duty/{school}"), &county, None),
        ("get", "/duty/on-duty/{unit}", "/duty/on-duty/999999".into(), &county, None),
        ("get", "/duty/periods", "/duty/periods".into(), &county, None),
        ("post", "/duty/periods", "/duty/periods".into(), &county, Some((j, json!({ "area_code": county_code.to_string(), "name": "国庆保障", "starts_on": "2026-10-01", "ends_on": "2026-10-07", "reporters": "bureaus", "full_day": "1" }).to_string()))),
        ("post", "/duty/periods", "/duty/periods".into(), &county, Some((j, json!({ "area_code": "x" }).to_string()))),
        ("get", "/duty/periods/{id}/status", format!("/duty/periods/{period}/status"), &county, None),
        ("get", "/duty/periods/{id}/status", "/duty/periods/999999/status".into(), &county, None),
        ("post", "/duty/periods/{id}/reports", format!("/duty/periods/{period}/reports"), &county, Some((j, json!({ "unit_code": school, "state": "clear" }).to_string()))),
        ("post", "/duty/periods/{id}/reports", format!("/duty/periods/{period}/reports"), &county, Some((j, json!({ "unit_code": school, "state": "events" }).to_string()))),
        ("post", "/duty/periods/{id}/reports", "/duty/periods/999999/reports".into(), &county, Some((j, json!({ "unit_code": school, "state": "clear" }).to_string()))),
        ("post", "/duty/periods/{id}/remind", format!("/duty/periods/{period}/remind"), &county, Some((j, "{}".into()))),
        ("post", "/duty/periods/{id}/remind", "/duty/periods/999999/remind".into(), &county, Some((j, "{}".into()))),
        ("get", "/apps/filings", "/apps/filings?q=%E4%BD%9C%E4%B8%9A".into(), &county, None),
        ("get", "/apps/filings", "/apps/filings?status=x".into(), &county, None),
        ("get", "/apps/filings", "/apps/filings".into(), &api, None),
        ("post", "/apps/filings", "/apps/filings".into(), &prov, Some((j, json!({ "filing_no": "教APP备2200001号", "provider": "某公司", "credit_code": "91350100M000100Y43", "app_name": "口算练习", "version": "1.0", "platforms": "Android、iOS", "minors": "是" }).to_string()))),
        ("post", "/apps/filings", "/apps/filings".into(), &prov, Some((j, json!({ "filing_no": "教APP备1号" }).to_string()))),
        ("post", "/apps/filings", "/apps/filings".into(), &county, Some((j, "{}".into()))),
        ("post", "/apps/filings/import", "/apps/filings/import?name=filings.csv".into(), &prov, Some(("text/csv", "备案号,提供者,统一社会信用代码,应用名称,版本,平台\n教APP备2200002号,某公司,91350100M000100Y43,错题本,1.0,iOS\n教APP备9号,某公司,x,,1.0,iOS\n".into()))),
        ("post", "/apps/filings/import", "/apps/filings/import".into(), &prov, Some(("text/csv", String::new()))),
        ("post", "/apps/filings/import", "/apps/filings/import".into(), &county, Some(("text/csv", "x".into()))),
        ("get", "/apps/filings/{id}", format!("/apps/filings/{app_filing}"), &county, None),
        ("get", "/apps/filings/{id}", "/apps/filings/999999".into(), &county, None),
        ("get", "/apps/blocks", "/apps/blocks".into(), &county, None),
        ("post", "/apps/blocks", "/apps/blocks".into(), &prov, Some((j, json!({ "filing_no": "教APP备7654321号", "reason": "诱导付费" }).to_string()))),
        ("post", "/apps/blocks", "/apps/blocks".into(), &prov, Some((j, json!({ "reason": "" }).to_string()))),
        ("post", "/apps/blocks/{id}/unblock", "/apps/blocks/1/unblock".into(), &prov, None),
        ("post", "/apps/blocks/{id}/unblock", "/apps/blocks/1/unblock".into(), &prov, None),
        ("post", "/apps/blocks/{id}/unblock", "/apps/blocks/999999/unblock".into(), &prov, None),
        ("get", "/apps/uses", "/apps/uses?state=proposed".into(), &county, None),
        ("get", "/apps/uses", "/apps/uses?state=x".into(), &county, None),
        ("get", "/apps/uses", "/apps/uses".into(), &api, None),
        ("post", "/apps/uses", "/apps/uses".into(), &county, Some((j, json!({ "school_code": school, "filing_id": app_filing.to_string(), "purpose": "teaching", "chosen_by": "教务处" }).to_string()))),
        ("post", "/apps/uses", "/apps/uses".into(), &county, Some((j, json!({ "school_code": "1" }).to_string()))),
        ("get", "/apps/uses/{id}", format!("/apps/uses/{app_use}"), &county, None),
        ("get", "/apps/uses/{id}", "/apps/uses/999999".into(), &county, None),
        ("post", "/apps/uses/{id}/steps", format!("/apps/uses/{app_use}/steps"), &county, Some((j, json!({ "action": "reject", "reason": "用途不明" }).to_string()))),
        ("post", "/apps/uses/{id}/steps", format!("/apps/uses/{app_use}/steps"), &county, Some((j, json!({ "action": "reject", "reason": "again" }).to_string()))),
        ("post", "/apps/uses/{id}/steps", "/apps/uses/999999/steps".into(), &county, Some((j, json!({ "action": "withdraw" }).to_string()))),
        ("get", "/apps/uses/overdue", "/apps/uses/overdue".into(), &county, None),
        ("get", "/apps/uses/overdue", "/apps/uses/overdue?region=x".into(), &county, None),
        ("get", "/checks/inspections", "/checks/inspections".into(), &county, None),
        ("get", "/checks/inspections", "/checks/inspections".into(), &api, None),
        ("post", "/checks/inspections", "/checks/inspections".into(), &prov, Some((j, json!({ "name": "网络安全专项检查", "basis": "川教函〔2026〕1号", "starts_on": today, "deadline": "2099-12-31", "items": "责任制|需证明\n弱口令", "target": "units", "units": school }).to_string()))),
        ("post", "/checks/inspections", "/checks/inspections".into(), &prov, Some((j, json!({ "target": "mars" }).to_string()))),
        ("get", "/checks/inspections/{id}/progress", format!("/checks/inspections/{insp}/progress"), &prov, None),
        ("get", "/checks/inspections/{id}/progress", "/checks/inspections/999999/progress".into(), &county, None),
        ("post", "/checks/inspections/{id}/units/{unit}/files", format!("/checks/inspections/{insp}/units/{school_code}/files"), &county, Some((MULTIPART, multipart_item_file("0", "检查证明.pdf", "%PDF-1.4\n%%EOF\n")))),
        ("post", "/checks/inspections/{id}/units/{unit}/files", format!("/checks/inspections/{insp}/units/{school_code}/files"), &county, Some((MULTIPART, multipart_item_file("9", "检查证明.pdf", "%PDF-1.4\n%%EOF\n")))),
        ("post", "/checks/inspections/{id}/units/{unit}/files", format!("/checks/inspections/999999/units/{school_code}/files"), &county, Some((MULTIPART, multipart_item_file("0", "检查证明.pdf", "%PDF-1.4\n%%EOF\n")))),
        ("get", "/checks/inspections/{id}/units/{unit}/files/{file}", format!("/checks/inspections/{insp}/units/{school_code}/files/999999"), &county, None),
        ("post", "/checks/inspections/{id}/answers", format!("/checks/inspections/{insp}/answers"), &county, Some((j, answers.clone()))),
        ("post", "/checks/inspections/{id}/answers", format!("/checks/inspections/{insp}/answers"), &county, Some((j, answers.clone()))),
        ("get", "/checks/items", "/checks/items?state=overdue".into(), &county, None),
        ("get", "/checks/items", "/checks/items?state=mars".into(), &county, None),
        ("post", "/checks/items/{id}/submit", format!("/checks/items/{check_item}/submit"), &county, Some((j, json!({ "evidence": "已修改口令" }).to_string()))),
        ("post", "/checks/items/{id}/submit", "/checks/items/999999/submit".into(), &county, Some((j, json!({ "evidence": "x" }).to_string()))),
        ("post", "/checks/items/{id}/evidence", format!("/checks/items/{check_item}/evidence"), &county, Some((MULTIPART, multipart_file("整改报告.pdf", "%PDF-1.4\n%%EOF\n")))),
        ("post", "/checks/items/{id}/evidence", "/checks/items/999999/evidence".into(), &county, Some((MULTIPART, multipart_file("整改报告.pdf", "%PDF-1.4\n%%EOF\n")))),
        ("get", "/checks/items/{id}/evidence/{file}", format!("/checks/items/{check_item}/evidence/999999"), &county, None),
        ("post", "/checks/items/{id}/review", format!("/checks/items/{check_item}/review"), &county, Some((j, json!({ "accept": "1" }).to_string()))),
        ("post", "/checks/items/{id}/review", format!("/checks/items/{check_item}/review"), &prov, Some((j, json!({ "accept": "1" }).to_string()))),
        ("get", "/checks/drills", "/checks/drills".into(), &county, None),
        ("post", "/checks/drills", "/checks/drills".into(), &prov, Some((j, json!({ "name": "攻防演练", "kind": "drill", "starts_on": today, "ends_on": today, "scope_text": "门户网站", "participants": [{ "code": school_code, "team": "blue" }] }).to_string()))),
        ("post", "/checks/drills", "/checks/drills".into(), &prov, Some((j, json!({ "kind": "x" }).to_string()))),
        ("get", "/checks/drills/{id}/findings", format!("/checks/drills/{drill}/findings"), &county, None),
        ("get", "/checks/drills/{id}/findings", "/checks/drills/999999/findings".into(), &county, None),
        ("post", "/checks/drills/{id}/findings", format!("/checks/drills/{drill}/findings"), &prov, Some((j, finding.clone()))),
        ("post", "/checks/drills/{id}/findings", format!("/checks/drills/{drill}/findings"), &county, Some((j, finding.clone()))),
        ("put", "/checks/drills/{id}/report", format!("/checks/drills/{drill}/report"), &prov, Some((j, json!({ "report": "演练总结：发现弱口令 1 处，已整改。" }).to_string()))),
        ("put", "/checks/drills/{id}/report", format!("/checks/drills/{drill}/report"), &prov, Some((j, json!({ "report": " " }).to_string()))),
        ("put", "/checks/drills/{id}/report", "/checks/drills/999999/report".into(), &prov, Some((j, json!({ "report": "x" }).to_string()))),
    ];
    let mut seen = BTreeSet::new();
    let mut statuses = BTreeSet::new();
    let mut failures = Vec::new();
    for (m, path, uri, who, body) in &calls {
        let a = call(&env, m, uri, who, body.as_ref().map(|(c, b)| (*c, b.as_str()))).await;
        if let Err(e) = conforms(&doc, m, path, &a) {
            failures.push(e);
        }
        seen.insert((m.to_string(), path.to_string()));
        statuses.insert(a.status.as_u16());
    }
    assert!(failures.is_empty(), "answers that do not fit the document:\n{}", failures.join("\n"));
    let documented: BTreeSet<(String, String)> =
        doc["paths"].as_object().unwrap().iter().flat_map(|(p, item)| METHODS.iter().filter(|m| item.get(**m).is_some()).map(move |m| (m.to_string(), p.clone()))).collect();
    assert_eq!(seen, documented, "every documented operation is called");
    // The framework's refusals were among them, in the envelope: 400, 415 and 422 as well as the
    // handlers' own 201, 401, 403, 404 and 409.
    for s in [200, 201, 400, 401, 403, 404, 409, 415, 422] {
        assert!(statuses.contains(&s), "no {s} among {statuses:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_answers_as_documented_sqlite() {
    every_operation_answers_as_documented(sqlite("openapi-ops")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_answers_as_documented_postgres() {
    let Some(env) = blocking(|| postgres("openapi-ops")) else { return };
    every_operation_answers_as_documented(env).await;
}

/// Extractor errors in pages are the HTML error page, not the framework's text.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn page_rejections_are_error_pages() {
    let env = sqlite("openapi-pages");
    let prov = login(&env, "prov", PASSWORD).await;
    let r = send(&env, "GET", "/sites/abc", &prov, None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("<html") && r.body.contains("请求参数无效"), "{}", r.body);
    assert!(!r.body.contains("Cannot parse"), "the framework's text is not repeated");
}

/// The Chinese reference page: every operation and schema of the document, linked from the
/// console, and nothing it loads comes from elsewhere (its assets are the console's own).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reference_page_is_offline_and_complete() {
    let env = sqlite("openapi-reference");
    let doc = doc();
    let r = send(&env, "GET", "/api/docs", &Auth::default(), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("接口文档") && r.body.contains("数据结构") && r.body.contains("状态码"), "Chinese headings");
    for (path, item) in doc["paths"].as_object().unwrap() {
        for m in METHODS.iter().filter(|m| item.get(**m).is_some()) {
            let marker = format!("data-method=\"{}\" data-path=\"/api/v1{path}\"", m.to_uppercase());
            assert!(r.body.contains(&marker), "{marker} missing");
        }
    }
    for name in doc["components"]["schemas"].as_object().unwrap().keys() {
        assert!(r.body.contains(&format!("id=\"schema-{name}\"")), "schema {name} missing");
    }
    // Every address the page loads is the console's own, and is served.
    let mut loaded = 0;
    for attr in ["src=\"", "href=\""] {
        for part in r.body.split(attr).skip(1) {
            let url = &part[..part.find('"').unwrap()];
            assert!(!url.starts_with("http:") && !url.starts_with("https:") && !url.starts_with("//"), "an outside address: {url}");
            if url.starts_with("/assets/") {
                let a = send(&env, "GET", url, &Auth::default(), None).await;
                assert_eq!(a.status, StatusCode::OK, "{url}");
                loaded += 1;
            }
        }
    }
    assert!(loaded >= 1, "the console's stylesheet at least");
    // Linked from the console's menu.
    let prov = login(&env, "prov", PASSWORD).await;
    let page = send(&env, "GET", "/sites", &prov, None).await;
    assert!(page.body.contains("href=\"/api/docs\" id=\"nav-api\""), "the menu links the reference");
}
