//! Nothing personal in errors, cursors or searches (issue 10), on SQLite and on PostgreSQL when
//! TIANFU_TEST_DATABASE_URL is set: the findings as regression tests, and a property test that
//! feeds random cursors, references, ID numbers and names to the list, search and detail routes
//! of the console and the API, for every role, and finds no stored plaintext in any answer.

mod common;

use axum::http::StatusCode;
use common::*;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, TestRng, TestRunner};
use std::collections::HashSet;
use store::{AuditFilter, Entity, PersonQuery, RecordFilter, Role, Scope};


/// A stored person, with its values in template order.
#[derive(Clone, Debug)]
struct Person {
    entity: Entity,
    key: String,
    values: Vec<String>,
}

impl Person {
    fn get(&self, k: &str) -> &str {
        self.entity.template().index(k).map_or("", |i| self.values[i].as_str())
    }
}

/// The personal values no answer may show in full (every role here reads masked records only).
struct Secrets {
    /// Every stored ID number and 学籍号 (found in a body by windows of 18 and 19 characters).
    numbers: HashSet<String>,
    /// Every stored phone number (found as a run of exactly 11 digits).
    phones: HashSet<String>,
    /// Names, addresses and full birth dates of the sample (found as substrings), less those that
    /// are also legitimately visible text (a school's name, a hire date).
    words: Vec<String>,
    /// The sample: the students and teachers of the two test schools.
    sample: Vec<Person>,
}

fn secrets(env: &Env) -> Secrets {
    with_store(env, |s| {
        let (mut numbers, mut phones) = (HashSet::new(), HashSet::new());
        let mut visible: Vec<String> = Vec::new();
        for entity in [Entity::Student, Entity::Teacher] {
            let t = entity.template();
            s.export(entity, &RecordFilter::default(), &mut |v| {
                for (f, x) in t.fields.iter().zip(v) {
                    match f.key {
                        "id_number" | "student_id" if !x.is_empty() => {
                            numbers.insert(x.clone());
                        }
                        "guardian_phone" | "phone" if !x.is_empty() => {
                            phones.insert(x.clone());
                        }
                        "hire_date" | "subject" | "title" | "education" | "class_name" => visible.push(x.clone()),
                        _ => {}
                    }
                }
                Ok(())
            })
            .unwrap();
        }
        s.export(Entity::School, &RecordFilter::default(), &mut |v| {
            visible.extend(v.iter().cloned());
            Ok(())
        })
        .unwrap();
        visible.extend(standard::codes::DIVISIONS.counties_of(510000).map(|d| d.name.clone()));
        visible.extend(standard::codes::DIVISIONS.cities_of(510000).map(|d| d.name.clone()));
        let mut sample = Vec::new();
        for (school, county) in [(&env.places.school, env.places.county), (&env.places.other_school, env.places.other_county)] {
            for entity in [Entity::Student, Entity::Teacher] {
                let sc = Scope::School { code: school.clone(), county };
                let rows = s.people(&sc, entity, &PersonQuery { limit: 60, ..Default::default() }).unwrap().rows;
                sample.extend(rows.into_iter().map(|r| Person { entity, key: r.key.clone(), values: r.values().map(str::to_string).collect() }));
            }
        }
        let mut words = Vec::new();
        for p in &sample {
            for k in ["name", "address", "birth_date"] {
                let w = p.get(k);
                if w.chars().count() >= 2 && !visible.iter().any(|v| v.contains(w)) {
                    words.push(w.to_string());
                }
            }
        }
        words.sort();
        words.dedup();
        assert!(words.len() > 100 && numbers.len() > 20_000, "{} {}", words.len(), numbers.len());
        Secrets { numbers, phones, words, sample }
    })
}

/// The first stored plaintext in `body` that the request did not itself carry, if any.
fn leak(s: &Secrets, body: &str, request: &str) -> Option<String> {
    let request = percent_decode(request);
    let b = body.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_alphanumeric() {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_alphanumeric() {
            i += 1;
        }
        let run = &body[start..i];
        for n in [18, 19] {
            for w in (0..=run.len().saturating_sub(n)).filter(|_| run.len() >= n).map(|k| &run[k..k + n]) {
                if s.numbers.contains(w) && !request.contains(w) {
                    return Some(w.to_string());
                }
            }
        }
        if run.len() == 11 && s.phones.contains(run) && !request.contains(run) {
            return Some(run.to_string());
        }
    }
    s.words.iter().find(|w| body.contains(w.as_str()) && !request.contains(w.as_str())).cloned()
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Some(x) = std::str::from_utf8(&b[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(x);
                i += 3;
                continue;
            }
        }
        out.push(if b[i] == b'+' { b' ' } else { b[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Who asks: every role, the data consumer by its token.
async fn everyone(env: &Env) -> Vec<(String, Role, Auth)> {
    let mut who = Vec::new();
    for (name, role) in accounts() {
        who.push((name.to_string(), role, login(env, name, PASSWORD).await));
    }
    who.push(("api".into(), Role::DataConsumer, Auth { bearer: Some(env.token.clone()), ..Default::default() }));
    who
}

fn is_bad_cursor(r: &Resp) -> bool {
    r.status == StatusCode::BAD_REQUEST && r.body.contains("翻页参数无效")
}

/// The `next` cursor of an API page.
fn next_of(r: &Resp) -> String {
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap_or_else(|e| panic!("{e}: {}", r.body));
    v["next"].as_str().unwrap_or_else(|| panic!("a next page: {}", &r.body[..r.body.len().min(300)])).to_string()
}

/// The `next` link of a console page, its query string.
fn next_link(html: &str) -> String {
    let i = html.find("id=\"next-page\" href=\"").expect("a next page") + "id=\"next-page\" href=\"".len();
    let rest = &html[i..];
    let q = &rest[rest.find('?').unwrap() + 1..rest.find('"').unwrap()];
    q.replace("&amp;", "&").replace("&#38;", "&")
}

fn after_of(query: &str) -> String {
    percent_decode(query.split('&').find_map(|kv| kv.strip_prefix("after=")).unwrap())
}

/// Finding: a sealed `ref` or a name cursor fed back as `?after=` was echoed in plaintext in a
/// 409. Now any cursor that is not this list's own is one generic 400 that repeats nothing; a
/// reference never works as a cursor nor a cursor as a reference; a cursor works only for the
/// account and the filters it was made for.
async fn cursors(env: &Env, s: &Secrets) {
    let who = everyone(env).await;
    let auth = |n: &str| who.iter().find(|w| w.0 == n).unwrap().2.clone();
    let (prov, county, api) = (auth("prov"), auth("county"), auth("api"));
    let student = s.sample.iter().find(|p| p.entity == Entity::Student).unwrap();
    let name2: String = student.get("name").chars().take(2).collect();
    // The old plaintext cursors, a reference, and a real name cursor of another account.
    let by_prov = next_of(&send(env, "GET", &format!("/api/v1/students?limit=1&name={}", enc(&name2)), &prov, None).await);
    let forged = [
        web::seal::seal(&student.key),
        format!("n:1:{}", student.get("name")),
        format!("c:{}:{}", env.places.county, student.key),
        student.key.clone(),
        "00".repeat(40),
        by_prov.clone(),
    ];
    for (name, role, a) in &who {
        if !role.reads_base_data() {
            continue;
        }
        for f in &forged {
            for path in ["/students", "/teachers", "/api/v1/students", "/api/v1/teachers", "/schools", "/api/v1/schools"] {
                let q = if path.contains("students") && f == &by_prov { format!("name={}&", enc(&name2)) } else { String::new() };
                let r = send(env, "GET", &format!("{path}?{q}after={}", enc(f)), a, None).await;
                if name == "prov" && f == &by_prov && path.contains("students") {
                    assert_eq!(r.status, StatusCode::OK, "the account's own cursor continues its list");
                    continue;
                }
                assert!(is_bad_cursor(&r), "{name} {path} after={f}: {} {}", r.status, &r.body[..r.body.len().min(300)]);
                for secret in [student.key.as_str(), student.get("name")] {
                    assert!(!r.body.contains(secret), "{name} {path}: the error repeats {secret}");
                }
            }
        }
    }
    // The same cursor under other filters: refused.
    let r = send(env, "GET", &format!("/api/v1/students?name={}&school={}&after={}", enc(&name2), env.places.school, enc(&by_prov)), &prov, None).await;
    assert!(is_bad_cursor(&r), "{}", r.body);
    // A cursor is not a reference: 404, like any reference that does not open.
    for c in [&by_prov, &next_of(&send(env, "GET", "/api/v1/students?limit=1", &county, None).await)] {
        for path in ["/students/", "/api/v1/students/", "/teachers/", "/api/v1/teachers/"] {
            let r = send(env, "GET", &format!("{path}{c}"), &prov, None).await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        }
    }
    // Console pages: the next link continues for its account, and for no other.
    let page = send(env, "GET", "/students", &county, None).await;
    let q = next_link(&page.body);
    assert_eq!(send(env, "GET", &format!("/students?{q}"), &county, None).await.status, StatusCode::OK);
    assert!(is_bad_cursor(&send(env, "GET", &format!("/students?{q}"), &prov, None).await));
    assert!(is_bad_cursor(&send(env, "GET", &format!("/api/v1/students?after={}", enc(&after_of(&q))), &api, None).await));
    // Schools and the monitor's board too.
    let c = next_of(&send(env, "GET", "/api/v1/schools?limit=2", &prov, None).await);
    assert_eq!(send(env, "GET", &format!("/api/v1/schools?limit=2&after={}", enc(&c)), &prov, None).await.status, StatusCode::OK);
    assert_eq!(send(env, "GET", &format!("/schools?after={}", enc(&c)), &prov, None).await.status, StatusCode::OK);
    assert!(is_bad_cursor(&send(env, "GET", &format!("/api/v1/schools?after={}", enc(&c)), &county, None).await));
    assert!(is_bad_cursor(&send(env, "GET", &format!("/schools?region={}&after={}", env.places.county, enc(&c)), &prov, None).await));
    assert!(is_bad_cursor(&send(env, "GET", &format!("/api/v1/sites?after={}", enc(&web::seal::seal("1"))), &prov, None).await));
}

/// Finding: exact ID search and name-prefix search answered anyone in a few tries. Now: number
/// searches only for roles that may reveal, each audited with a keyed hash; name searches of 2+
/// characters, 30 a minute per account; API searches audited.
async fn searches(env: &Env, s: &Secrets) {
    let who = everyone(env).await;
    let auth = |n: &str| who.iter().find(|w| w.0 == n).unwrap().2.clone();
    let (county, api) = (auth("county"), auth("api"));
    let own = s.sample.iter().find(|p| p.entity == Entity::Student && p.get("school_code") == env.places.school).unwrap();
    let audits = |actor: &str| with_store(env, |st| st.audit_entries(&AuditFilter { actor: Some(actor.into()), action: Some("search".into()), limit: 100, ..Default::default() }).unwrap());
    // A data consumer: no search by number, on any route; nothing written, nothing shown.
    for path in ["/api/v1/students", "/api/v1/teachers"] {
        let (status, body) = api_json(env, "POST", &format!("{path}/search"), &api, &serde_json::json!({ "id": own.key })).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
        assert!(!body.to_string().contains(&own.key[6..14]));
        // In the address: refused for everyone, the number not echoed, nothing searched.
        let r = send(env, "GET", &format!("{path}?id={}", own.key), &api, None).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        assert!(!r.body.contains(&own.key[6..14]) && r.body.contains("/search"), "{}", r.body);
    }
    assert!(audits("api").is_empty());
    // An officer: found, and audited by keyed hash only.
    let (status, v) = api_json(env, "POST", "/api/v1/students/search", &county, &serde_json::json!({ "id": own.key })).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["items"].as_array().unwrap().len(), 1);
    let xjh = own.get("student_id");
    let csrf = county.csrf.clone().unwrap();
    let posted = send(env, "POST", "/students/search", &county, Some(&format!("_csrf={csrf}&id={xjh}"))).await;
    assert_eq!(send(env, "GET", &posted.location, &county, None).await.status, StatusCode::OK);
    let a = audits("county");
    assert_eq!(a.len(), 2, "{a:?}");
    let d: serde_json::Value = serde_json::from_str(&a[1].detail).unwrap();
    assert_eq!((d["by"].as_str(), d["via"].as_str(), d["hits"].as_u64()), (Some("number"), Some("api"), Some(1)));
    assert_eq!(d["query_hmac"].as_str().unwrap(), web::seal::audit_hash(&own.key));
    let d0: serde_json::Value = serde_json::from_str(&a[0].detail).unwrap();
    assert_eq!((d0["via"].as_str(), d0["query_hmac"].as_str().unwrap()), (Some("console"), web::seal::audit_hash(xjh).as_str()));
    for e in &a {
        let all = format!("{} {} {}", e.target, e.detail, e.ip);
        assert!(!all.contains(&own.key[6..14]) && !all.contains(&web::auth::sha256_hex(&own.key)), "{all}");
    }
    // One character is not a name search; two are.
    let surname: String = own.get("name").chars().take(1).collect();
    let two: String = own.get("name").chars().take(2).collect();
    for path in ["/students", "/api/v1/students", "/teachers", "/api/v1/teachers"] {
        let r = send(env, "GET", &format!("{path}?name={}", enc(&surname)), &county, None).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{path}");
        assert!(r.body.contains("至少输入 2 个字"), "{}", r.body);
    }
    env.app.state.searches.clear();
    // The API's name searches are audited, the console's are not; both count.
    let before = audits("api").len();
    assert_eq!(send(env, "GET", &format!("/api/v1/students?name={}", enc(&two)), &api, None).await.status, StatusCode::OK);
    let a = audits("api");
    assert_eq!(a.len(), before + 1);
    let d: serde_json::Value = serde_json::from_str(&a[0].detail).unwrap();
    assert_eq!((d["by"].as_str(), d["query_hmac"].as_str().unwrap()), (Some("name"), web::seal::audit_hash(&two).as_str()));
    assert!(!a[0].detail.contains(&two));
    // 30 searches a minute per account, then a clear 429; another account is not held up.
    for i in 1..web::search::PER_MINUTE {
        let r = send(env, "GET", &format!("/students?name={}", enc(&two)), &county, None).await;
        assert_eq!(r.status, StatusCode::OK, "search {i}");
    }
    let r = send(env, "GET", &format!("/students?name={}", enc(&two)), &county, None).await;
    assert_eq!(r.status, StatusCode::OK);
    let r = send(env, "GET", &format!("/api/v1/students?name={}", enc(&two)), &county, None).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    assert!(r.body.contains("查询过于频繁") && r.body.contains("too_many_requests"), "{}", r.body);
    let posted = send(env, "POST", "/students/search", &county, Some(&format!("_csrf={csrf}&id={}", own.key))).await;
    assert_eq!(send(env, "GET", &posted.location, &county, None).await.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(send(env, "GET", "/students", &county, None).await.status, StatusCode::OK, "browsing is not searching");
    assert_eq!(send(env, "GET", &format!("/students?name={}", enc(&two)), &auth("prov"), None).await.status, StatusCode::OK);
    env.app.state.searches.clear();
}

/// Finding: the audit log named revealed records by `key_sha256`, which 27,000 guesses invert. Now a
/// keyed hash (the instance secret's audit key), the same one number searches use.
async fn reveal_audit(env: &Env, s: &Secrets) {
    let county = login(env, "county", PASSWORD).await;
    let own = s.sample.iter().find(|p| p.entity == Entity::Teacher && p.get("school_code") == env.places.school).unwrap();
    let r = send(env, "POST", &format!("/api/v1/teachers/{}/reveal", web::seal::seal(&own.key)), &county, Some(&format!("_csrf={}", county.csrf.clone().unwrap()))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let e = with_store(env, |st| st.audit_entries(&AuditFilter { action: Some("reveal".into()), limit: 1, ..Default::default() }).unwrap());
    let d: serde_json::Value = serde_json::from_str(&e[0].detail).unwrap();
    assert_eq!(d["key_hmac"].as_str().unwrap(), web::seal::audit_hash(&own.key));
    assert!(d.get("key_sha256").is_none());
    let all = format!("{} {}", e[0].target, e[0].detail);
    assert!(!all.contains(&web::auth::sha256_hex(&own.key)) && !all.contains(&own.key), "{all}");
}

/// One mask per kind of field, on every masked output of the web layer: each personal field of
/// the templates shows exactly `store::mask::field` of its stored value — in the API's record and
/// page, the console's record page and list row — and the birth date only its year.
async fn masks(env: &Env, s: &Secrets) {
    let prov = login(env, "prov", PASSWORD).await;
    for entity in [Entity::Student, Entity::Teacher] {
        let t = entity.template();
        let p = s.sample.iter().find(|p| p.entity == entity && !p.get("birth_date").is_empty() && !p.get("name").is_empty()).unwrap();
        let personal: Vec<&str> = t.fields.iter().map(|f| f.key).filter(|k| store::mask::is_personal(entity, k)).collect();
        assert!(personal.contains(&"birth_date") && personal.contains(&"name") && personal.contains(&"id_number"));
        let base = if entity == Entity::Student { "students" } else { "teachers" };
        let one: serde_json::Value = serde_json::from_str(&send(env, "GET", &format!("/api/v1/{base}/{}", web::seal::seal(&p.key)), &prov, None).await.body).unwrap();
        let page: serde_json::Value = serde_json::from_str(&send(env, "GET", &format!("/api/v1/{base}?school={}&limit=500", p.get("school_code")), &prov, None).await.body).unwrap();
        let item = page["items"].as_array().unwrap().iter().find(|i| i["ref"] == one["ref"]).expect("on the school's page").clone();
        let html = send(env, "GET", &format!("/{base}/{}", web::seal::seal(&p.key)), &prov, None).await.body;
        let list = send(env, "GET", &format!("/{base}?school={}", p.get("school_code")), &prov, None).await.body;
        for k in &personal {
            let stored = p.get(k);
            if stored.is_empty() {
                continue;
            }
            let want = store::mask::field(entity, k, stored);
            assert_ne!(want, stored, "{entity} {k} is masked");
            assert_eq!(one[*k].as_str(), Some(want.as_str()), "API record {entity} {k}");
            assert_eq!(item[*k].as_str(), Some(want.as_str()), "API page {entity} {k}");
            assert!(html.contains(&want), "console record page {entity} {k}: {want}");
            if s.words.iter().any(|w| w == stored) || s.numbers.contains(stored) || s.phones.contains(stored) {
                assert!(!html.contains(stored), "console record page shows {entity} {k} {stored}");
            }
        }
        let year = &p.get("birth_date")[..4];
        assert_eq!(one["birth_date"].as_str().unwrap(), format!("{year}-**-**"));
        assert!(list.contains(&store::mask::field(entity, "name", p.get("name"))));
    }
}

/// The property: random cursors, references (valid ones among them, used as cursors and the
/// reverse), ID numbers and names against every list, search and detail route, for every role:
/// no answer holds a stored plaintext it may not show, and no answer is a 409 or a 500.
async fn no_plaintext(env: &Env, s: &Secrets) {
    let who = everyone(env).await;
    // Real cursors of several accounts and lists, and real references.
    let prov = &who.iter().find(|w| w.0 == "prov").unwrap().2;
    let mut cursors = Vec::new();
    for q in ["/api/v1/students?limit=2", "/api/v1/teachers?limit=2", "/api/v1/schools?limit=2"] {
        cursors.push(next_of(&send(env, "GET", q, prov, None).await));
    }
    let p0 = &s.sample[0];
    let n2: String = p0.get("name").chars().take(2).collect();
    cursors.push(next_of(&send(env, "GET", &format!("/api/v1/{}s?limit=1&name={}", p0.entity.key(), enc(&n2)), prov, None).await));
    let refs: Vec<String> = s.sample.iter().map(|p| web::seal::seal(&p.key)).collect();
    let sample = s.sample.clone();
    let n = sample.len();
    let (nc, nr) = (cursors.len(), refs.len());
    // What goes where, and with what.
    let value = (0u8..8, 0..n, 0..nc.max(nr), "[0-9a-f]{0,80}", "\\PC{0,12}", 0usize..5).prop_map(move |(kind, i, j, hex, text, cut)| match kind {
        0 => refs[j % nr].clone(),
        1 => cursors[j % nc].clone(),
        2 => sample[i].key.clone(),
        3 => sample[i].get("student_id").to_string(),
        4 => sample[i].get("name").chars().take(cut.max(1)).collect(),
        5 => hex,
        6 => {
            // A real token, cut or with one digit changed.
            let t = if j % 2 == 0 { &refs[j % nr] } else { &cursors[j % nc] };
            let mut b = t.clone().into_bytes();
            let at = (i * 7) % b.len();
            b[at] = if b[at] == b'0' { b'1' } else { b'0' };
            String::from_utf8(b).unwrap()[..t.len() - cut * 2].to_string()
        }
        _ => text,
    });
    let route = (0u8..14, 0..who.len(), value.clone(), value);
    let mut runner = TestRunner::new_with_rng(Config::default(), TestRng::deterministic_rng(proptest::test_runner::RngAlgorithm::ChaCha));
    let cases = if std::env::var("TIANFU_TEST_DATABASE_URL").is_ok() { 400 } else { 600 };
    let mut statuses = std::collections::BTreeMap::new();
    for _ in 0..cases {
        let (r, w, v, v2) = route.new_tree(&mut runner).unwrap().current();
        let (name, role, auth) = &who[w];
        let e = enc(&v);
        let path = match r {
            0 => format!("/students?after={e}"),
            1 => format!("/api/v1/teachers?after={e}"),
            2 => format!("/students/{e}"),
            3 => format!("/api/v1/students/{e}"),
            4 => format!("/teachers/{e}"),
            5 => format!("/students?id={e}"),
            6 => format!("/api/v1/teachers?id={e}"),
            7 => format!("/students?name={e}&after={}", enc(&v2)),
            8 => format!("/api/v1/students?name={e}"),
            9 => format!("/teachers?name={e}&id={}", enc(&v2)),
            10 => format!("/api/v1/schools?after={e}"),
            11 => format!("/schools?name={e}&after={}", enc(&v2)),
            12 => format!("/api/v1/students/{e}/reveal"),
            _ => format!("/api/v1/students?school={}&after={e}", env.places.school),
        };
        let method = if r == 12 { "POST" } else { "GET" };
        env.app.state.searches.clear();
        let csrf = format!("_csrf={}", auth.csrf.clone().unwrap_or_default());
        let resp = send(env, method, &path, auth, (r == 12).then_some(csrf.as_str())).await;
        *statuses.entry(resp.status.as_u16()).or_insert(0u32) += 1;
        assert!(
            matches!(resp.status.as_u16(), 200 | 400 | 403 | 404),
            "{name} ({role:?}) {method} {path}: {} {}",
            resp.status,
            &resp.body[..resp.body.len().min(300)]
        );
        // A reveal answers in full, audited, to the roles that may reveal: not this property's.
        if r == 12 && resp.status == StatusCode::OK {
            assert!(role.may_reveal());
            continue;
        }
        if let Some(secret) = leak(s, &resp.body, &path) {
            panic!("{name} ({role:?}) {method} {path}: the answer holds {secret}");
        }
    }
    // The cases reached the routes, not only their refusals.
    assert!(statuses.get(&200).copied().unwrap_or(0) > cases / 10 && statuses.get(&400).copied().unwrap_or(0) > cases / 20, "{statuses:?}");
}

async fn all(env: Env) {
    let s = blocking(|| secrets(&env));
    cursors(&env, &s).await;
    searches(&env, &s).await;
    reveal_audit(&env, &s).await;
    masks(&env, &s).await;
    no_plaintext(&env, &s).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_personal_leaks_sqlite() {
    all(sqlite("leaks")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_personal_leaks_postgres() {
    let Some(env) = blocking(|| postgres("leaks")) else {
        eprintln!("TIANFU_TEST_DATABASE_URL not set: skipping the PostgreSQL half");
        return;
    };
    all(env).await;
}

#[test]
fn the_leak_finder_finds() {
    let s = Secrets { numbers: ["51010420140901002X".to_string()].into(), phones: ["13812345678".to_string()].into(), words: vec!["欧阳修文".into()], sample: vec![] };
    assert_eq!(leak(&s, "x 51010420140901002X y", "/a").as_deref(), Some("51010420140901002X"));
    assert_eq!(leak(&s, "G51010420140901002X", "/a").as_deref(), Some("51010420140901002X"));
    assert_eq!(leak(&s, "tel:13812345678;", "/a").as_deref(), Some("13812345678"));
    assert_eq!(leak(&s, "<td>欧阳修文</td>", "/a").as_deref(), Some("欧阳修文"));
    assert_eq!(leak(&s, "<input value=\"欧阳修文\">", "/students?name=%E6%AC%A7%E9%98%B3%E4%BF%AE%E6%96%87"), None, "the request's own input");
    assert_eq!(leak(&s, "510104********002X 138****5678 欧阳*", "/a"), None);
}
