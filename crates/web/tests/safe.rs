//! Issue 12, safe actions and response weight: searches by ID number are posted and the number
//! never appears in an address; the CSRF token never travels in a query string (uploads carry it
//! in the form's first part); new accounts get the least powerful role; acts that are hard to
//! undo ask first (the `data-confirm` the console's script shows as a dialog); pages, JSON and
//! assets are compressed (gzip, br) and decode to the very bytes sent uncompressed, while
//! spreadsheets are not; the favicon. On SQLite and on PostgreSQL when TIANFU_TEST_DATABASE_URL
//! is set.

mod common;

use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use common::*;
use http_body_util::BodyExt;
use std::io::Read;
use store::{AuditFilter, Entity, PersonQuery, Role, Scope};
use tower::ServiceExt;

/// A GET with an `Accept-Encoding`: the headers and the body as sent (not decoded).
async fn fetch(env: &Env, uri: &str, auth: &Auth, accept: Option<&str>) -> (StatusCode, HeaderMap, Vec<u8>) {
    let mut b = Request::builder().method("GET").uri(uri);
    if let Some(c) = &auth.cookie {
        b = b.header(header::COOKIE, c);
    }
    if let Some(t) = &auth.bearer {
        b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    if let Some(a) = accept {
        b = b.header(header::ACCEPT_ENCODING, a);
    }
    let r = env.app.router.clone().oneshot(b.body(Body::empty()).unwrap()).await.unwrap();
    let (status, headers) = (r.status(), r.headers().clone());
    (status, headers, r.into_body().collect().await.unwrap().to_bytes().to_vec())
}

fn decode(encoding: &str, bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    match encoding {
        "gzip" => flate2::read::GzDecoder::new(bytes).read_to_end(&mut out).unwrap(),
        "br" => brotli_decompressor::Decompressor::new(bytes, 4096).read_to_end(&mut out).unwrap(),
        e => panic!("unexpected encoding {e}"),
    };
    out
}

fn encoding(h: &HeaderMap) -> Option<&str> {
    h.get(header::CONTENT_ENCODING).and_then(|v| v.to_str().ok())
}

/// Request ids and CSRF tokens differ between two renderings of a page: compare without them.
fn stable(page: &[u8]) -> String {
    let s = String::from_utf8_lossy(page).into_owned();
    s.lines().filter(|l| !l.contains("csrf") && !l.contains("CSRF")).collect::<Vec<_>>().join("\n")
}

async fn compression(env: &Env) {
    let prov = login(env, "prov", PASSWORD).await;
    let mut report = Vec::new();
    for (uri, auth) in [("/assets/app.css", &Auth::default()), ("/assets/app.js", &Auth::default()), ("/assets/echarts.min.js", &Auth::default()), ("/assets/favicon.svg", &Auth::default()), ("/overview", &prov), ("/students", &prov), ("/api/v1/students?limit=100", &prov)] {
        let (s, h, plain) = fetch(env, uri, auth, None).await;
        assert_eq!(s, StatusCode::OK, "{uri}");
        assert_eq!(encoding(&h), None, "{uri}: nothing asked, nothing compressed");
        for enc in ["gzip", "br"] {
            let (s, h, packed) = fetch(env, uri, auth, Some(&format!("{enc}, deflate"))).await;
            assert_eq!(s, StatusCode::OK);
            if uri == "/assets/favicon.svg" && plain.len() < 512 {
                assert_eq!(encoding(&h), None, "{uri}: too small to be worth it");
                continue;
            }
            assert_eq!(encoding(&h), Some(enc), "{uri} asked for {enc}");
            assert!(h.get(header::VARY).is_some_and(|v| v.to_str().unwrap().to_ascii_lowercase().contains("accept-encoding")), "{uri}: caches keep the encodings apart");
            let unpacked = decode(enc, &packed);
            if uri.starts_with("/assets/") {
                assert_eq!(unpacked, plain, "{uri}: {enc} decodes to the same bytes");
            } else {
                assert_eq!(stable(&unpacked), stable(&plain), "{uri}: {enc} decodes to the same page");
            }
            assert!(packed.len() * 2 < plain.len(), "{uri}: {enc} {} of {} bytes", packed.len(), plain.len());
            report.push(format!("{uri} {enc}: {} → {} bytes", plain.len(), packed.len()));
        }
    }
    // Already compressed: the error workbook (XLSX is a zip) goes as it is.
    let (s, h, _) = fetch(env, "/imports/batches/1/errors.xlsx", &prov, Some("gzip, br")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(h.get(header::CONTENT_TYPE).unwrap().to_str().unwrap().contains("spreadsheetml"));
    assert_eq!(encoding(&h), None, "XLSX is not compressed twice");
    // The favicon: the icon, at the address browsers ask for whatever the page links.
    let (s, h, icon) = fetch(env, "/favicon.ico", &Auth::default(), None).await;
    assert_eq!((s, h.get(header::CONTENT_TYPE).unwrap().to_str().unwrap()), (StatusCode::OK, "image/svg+xml"));
    assert!(String::from_utf8(icon).unwrap().starts_with("<svg"));
    assert!(send(env, "GET", "/login", &Auth::default(), None).await.body.contains("rel=\"icon\""));
    eprintln!("response sizes:\n  {}", report.join("\n  "));
}

/// Compressed pages and a secret: the CSRF token a page carries is masked afresh every time
/// (BREACH), and every masking of the session's token is accepted, no other.
async fn csrf_is_masked(env: &Env) {
    let prov = login(env, "prov", PASSWORD).await;
    let county = login(env, "county", PASSWORD).await;
    let a = csrf_of(&send(env, "GET", "/users", &prov, None).await.body).unwrap();
    let b = csrf_of(&send(env, "GET", "/users", &prov, None).await.body).unwrap();
    assert_ne!(a, b, "the same token twice in two pages");
    assert_eq!(a.len(), 4 * 64, "a pad and the masked token, both hex");
    for t in [&a, &b] {
        let r = send(env, "POST", "/students/search", &prov, Some(&format!("_csrf={t}&name=%E7%8E%8B%E5%B0%8F"))).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    // Another session's token, or one changed by a character: refused.
    let theirs = csrf_of(&send(env, "GET", "/students", &county, None).await.body).unwrap();
    let mut changed = a.clone().into_bytes();
    changed[100] = if changed[100] == b'0' { b'1' } else { b'0' };
    for t in [theirs, String::from_utf8(changed).unwrap(), "0".repeat(256), "zz".repeat(128)] {
        let r = send(env, "POST", "/students/search", &prov, Some(&format!("_csrf={t}&name=%E7%8E%8B%E5%B0%8F"))).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
    env.app.state.searches.clear();
}

/// A student of the county officer's test school.
fn own_student(env: &Env) -> (String, String) {
    with_store(env, |s| {
        let q = PersonQuery { school: Some(env.places.school.clone()), limit: 1, ..Default::default() };
        let r = s.people(&Scope::all(), Entity::Student, &q).unwrap().rows.remove(0);
        (r.key.clone(), web::present::get(Entity::Student, &r, "student_id").to_string())
    })
}

async fn id_search_is_posted(env: &Env) {
    let (idn, xjh) = own_student(env);
    let county = login(env, "county", PASSWORD).await;
    let csrf = county.csrf.clone().unwrap();
    let audits = |actor: &str| with_store(env, |s| s.audit_entries(&AuditFilter { actor: Some(actor.into()), action: Some("search".into()), limit: 100, ..Default::default() }).unwrap());

    // The list's form posts, with the token in the body.
    let page = send(env, "GET", "/students", &county, None).await.body;
    assert!(page.contains("method=\"post\" action=\"/students/search\""), "{page}");
    for number in [idn.as_str(), xjh.as_str()] {
        let before = audits("county").len();
        let r = send(env, "POST", "/students/search", &county, Some(&form(&[("_csrf", &csrf), ("id", &number.to_ascii_lowercase()), ("name", ""), ("school", ""), ("region", "")]))).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert!(r.location.starts_with("/students?") && r.location.contains("idq="), "{}", r.location);
        assert!(!r.location.to_ascii_uppercase().contains(&number[6..14]) && !r.location.contains("_csrf") && !r.location.contains("&id="), "{}", r.location);
        let list = send(env, "GET", &r.location, &county, None).await;
        assert_eq!(list.status, StatusCode::OK);
        assert_eq!(list.body.matches("<tr><td data-label=\"学籍号\"><a href=\"/students/").count(), 1, "found by {number}");
        assert!(!list.body.contains("href=\"/students?name=&amp;id="), "no link carries the number");
        // Searched (and audited by keyed hash) when the list is shown, not when the form is posted.
        let a = audits("county");
        assert_eq!(a.len(), before + 1);
        assert!(a[0].detail.contains(&web::seal::audit_hash(&number.to_ascii_uppercase())), "{}", a[0].detail);
        // The sealed number is the account's: another account's list does not open it.
        let prov = login(env, "prov", PASSWORD).await;
        let other = send(env, "GET", &r.location, &prov, None).await;
        assert_eq!(other.status, StatusCode::BAD_REQUEST, "{}", other.body);
        assert!(!other.body.contains(number));
        let teachers = send(env, "GET", &r.location.replace("/students?", "/teachers?"), &county, None).await;
        assert_eq!(teachers.status, StatusCode::BAD_REQUEST, "nor the other list");
    }
    // A plain number in the address is refused, and not echoed.
    let before = audits("county").len();
    for path in ["/students", "/teachers"] {
        let r = send(env, "GET", &format!("{path}?id={idn}"), &county, None).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.body.contains("证件号不在网址中传递") && !r.body.contains(&idn) && !r.body.contains(&idn[6..14]), "{}", r.body);
    }
    assert_eq!(audits("county").len(), before, "nothing searched");
    // The post needs the token in the body (never the query), and a role that searches by number.
    let r = send(env, "POST", &format!("/students/search?_csrf={csrf}"), &county, Some(&format!("id={idn}"))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let sec = login(env, "sec", PASSWORD).await;
    let r = send(env, "POST", "/students/search", &sec, Some(&form(&[("_csrf", sec.csrf.as_deref().unwrap()), ("id", &idn)]))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // A name search goes the same way, without a sealed number; its pages keep the filters.
    let name: String = with_store(env, |s| {
        let q = PersonQuery { school: Some(env.places.school.clone()), limit: 1, ..Default::default() };
        web::present::get(Entity::Student, &s.people(&Scope::all(), Entity::Student, &q).unwrap().rows[0], "name").chars().take(2).collect()
    });
    let r = send(env, "POST", "/teachers/search", &county, Some(&form(&[("_csrf", &csrf), ("name", "王"), ("school", &env.places.school)]))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location, format!("/teachers?name=%E7%8E%8B&school={}&region=&sort=&size=50", env.places.school));
    let r = send(env, "POST", "/students/search", &county, Some(&form(&[("_csrf", &csrf), ("name", &name)]))).await;
    assert!(!r.location.contains("idq"));
    assert_eq!(send(env, "GET", &r.location, &county, None).await.status, StatusCode::OK);
    // A tampered sealed number is the generic cursor error.
    let r = send(env, "GET", "/students?idq=00ff", &county, None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    env.app.state.searches.clear();
}

async fn uploads_carry_csrf_in_the_body(env: &Env) {
    let county = login(env, "county", PASSWORD).await;
    let page = send(env, "GET", "/imports", &county, None).await.body;
    assert!(!page.contains("?_csrf="), "no form puts the token in its address");
    let csv = b"name,url,org_code,category\n\xe6\xb5\x8b\xe8\xaf\x95,https://x.example.edu.cn/,510104,school\n";
    // The token as the first part: accepted (answered with the import report).
    let r = upload_sites(env, &county, "sites.csv", csv).await;
    assert_eq!(r.status, StatusCode::OK, "{}", &r.body[..r.body.len().min(400)]);
    // In the query string only: refused. After the file: refused (the file is not read first).
    let boundary = "----b";
    let file = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"s.csv\"\r\nContent-Type: text/csv\r\n\r\nname\r\n");
    let token = String::from_utf8(csrf_part(boundary, &county)).unwrap();
    for (uri, body) in [
        (format!("/sites/import?_csrf={}", county.csrf.clone().unwrap()), format!("{file}--{boundary}--\r\n")),
        ("/sites/import".to_string(), format!("{file}{token}--{boundary}--\r\n")),
        ("/sites/import".to_string(), format!("{}--{boundary}--\r\n", token.replace(county.csrf.as_deref().unwrap(), &"0".repeat(64)))),
    ] {
        let req = Request::builder()
            .method("POST")
            .uri(&uri)
            .header(header::COOKIE, county.cookie.clone().unwrap())
            .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={boundary}"))
            .body(Body::from(body))
            .unwrap();
        let r = env.app.router.clone().oneshot(req).await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{uri}");
    }
}

async fn accounts_and_confirmations(env: &Env) {
    let prov = login(env, "prov", PASSWORD).await;
    let csrf = prov.csrf.clone().unwrap();
    let page = send(env, "GET", "/users", &prov, None).await.body;
    let select = &page[page.find("<select id=\"role\"").unwrap()..];
    let select = &select[..select.find("</select>").unwrap()];
    assert!(select.starts_with("<select id=\"role\" name=\"role\"><option value=\"data_consumer\" selected>"), "{select}");
    assert_eq!(select.matches(" selected").count(), 1);
    assert!(select.find("auditor").unwrap() < select.find("province_admin").unwrap());
    // A form sent without a role: the least powerful one.
    let r = send(env, "POST", "/users", &prov, Some(&form(&[("_csrf", &csrf), ("name", "newcomer"), ("display_name", "新同事"), ("org_code", "510104")]))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let u = with_store(env, |s| s.list_users().unwrap()).into_iter().find(|u| u.name == "newcomer").unwrap();
    assert_eq!(u.role, Role::DataConsumer);
    // Every act that is hard to undo asks first, saying what and how many.
    let page = send(env, "GET", "/users", &prov, None).await.body;
    let county = with_store(env, |s| s.list_users().unwrap()).into_iter().find(|u| u.name == "county").unwrap();
    for (action, words) in [("disable", "停用 1 个账号（county"), ("reset", "重置 1 个账号（county")] {
        let form_tag = format!("<form method=\"post\" action=\"/users/{}/{action}\"", county.id);
        let at = page.find(&form_tag).unwrap_or_else(|| panic!("{action}"));
        let tag = &page[at..at + page[at..].find('>').unwrap()];
        assert!(tag.contains("data-confirm=\"") && tag.contains(words), "{tag}");
    }
    assert!(page.contains("data-confirm-ok=\"吊销\" data-confirm=\"吊销 1 个 API 令牌（tf_"), "{page}");
    assert!(page.contains("<dialog id=\"confirm-dialog\""));
    // The demo's files have rows planted to be rejected.
    let b = with_store(env, |s| s.list_batches(10).unwrap()).into_iter().find(|b| b.rejected > 0).expect("a batch with rejected rows");
    let batch = send(env, "GET", &format!("/imports/batches/{}", b.id), &prov, None).await.body;
    let n = web::i18n::T { lang: web::i18n::Lang::Zh }.n(b.rejected);
    assert!(batch.contains(&format!("data-confirm=\"下载拒收明细：{n} 行被拒收的记录")) && batch.contains("未脱敏"), "{batch}");
}

async fn run(env: Env) {
    compression(&env).await;
    csrf_is_masked(&env).await;
    id_search_is_posted(&env).await;
    uploads_carry_csrf_in_the_body(&env).await;
    accounts_and_confirmations(&env).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn safe_console_sqlite() {
    run(sqlite("safe")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn safe_console_postgres() {
    let Some(env) = blocking(|| postgres("safe")) else { return };
    run(env).await;
}
