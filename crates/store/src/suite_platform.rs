//! The tests of accounts, the audit log and scoped reading that every backend must pass
//! ([`platform_suite!`]), written against [`Backend`].

use crate::access::{OrgLevel, Scope};
use crate::audit::{verify, AuditChain, AuditEvent, AuditFilter};
use crate::suite::{import, school, student, student_key, teacher};
use crate::{Backend, NewApiToken, NewUser, PersonQuery, PersonSort, Role, SchoolQuery, SessionRecord, Store, Total};
use standard::Entity;

#[macro_export]
macro_rules! platform_suite {
    ($make:expr) => {
        $crate::platform_suite!(@tests $make;
            users_created_found_updated, user_names_unique, sessions_touch_expire_and_delete,
            tokens_hashed_and_revoked, account_writes_stay_in_the_writers_area, tokens_only_for_data_consumers_and_expire,
            login_attempts_back_off, audit_chain_appends_and_verifies, audit_filters_and_pages,
            audit_prune_keeps_anchor, org_tree_from_divisions_and_schools, schools_scoped_and_filtered,
            people_scoped_keyset_pages, people_search_by_name_and_id, record_outside_scope_is_none,
            figures_and_grades_scoped, people_sorted_pages_jumps_and_totals, people_sorted_by_grade_and_time, history_scoped_newest_first, school_figures_scoped);
    };
    (@tests $make:expr; $($name:ident),*) => {
        $(
            #[test]
            fn $name() {
                let mut s = $make;
                $crate::suite_platform::$name(&mut s);
            }
        )*
    };
}

fn new_user(name: &str, role: Role, org: i64) -> NewUser {
    NewUser { name: name.into(), display_name: format!("{name} 显示名"), role, org_code: org, password_hash: "$argon2id$x".into(), must_change_password: true }
}

pub fn users_created_found_updated(s: &mut dyn Backend) {
    assert_eq!(s.user_count().unwrap(), 0);
    let id = s.create_user(&PROVINCE, &new_user("wang", Role::CountyOfficer, 510104)).unwrap();
    s.create_user(&PROVINCE, &new_user("admin", Role::ProvinceAdmin, 510000)).unwrap();
    assert_eq!(s.user_count().unwrap(), 2);
    let mut u = s.user_by_name("wang").unwrap().expect("found");
    assert_eq!((u.id, u.role, u.org_code, u.must_change_password, u.disabled), (id, Role::CountyOfficer, 510104, true, false));
    assert_eq!(u.display_name, "wang 显示名");
    assert!(u.created_at > 1_700_000_000);
    u.failed_logins = 3;
    u.locked_until = Some(2_000_000_000);
    u.must_change_password = false;
    u.password_hash = "$argon2id$new".into();
    u.disabled = true;
    u.last_login_at = Some(1_800_000_000);
    u.role = Role::CityOfficer;
    u.org_code = 510100;
    s.update_user(&PROVINCE, &u).unwrap();
    assert_eq!(s.user_by_id(id).unwrap().unwrap(), u);
    assert_eq!(s.list_users().unwrap().iter().map(|u| u.name.as_str()).collect::<Vec<_>>(), ["admin", "wang"]);
    assert!(s.user_by_name("nobody").unwrap().is_none());
    assert!(s.user_by_id(999).unwrap().is_none());
}

pub fn user_names_unique(s: &mut dyn Backend) {
    s.create_user(&PROVINCE, &new_user("li", Role::Auditor, 510000)).unwrap();
    let e = s.create_user(&PROVINCE, &new_user("li", Role::Auditor, 510000)).unwrap_err();
    assert!(matches!(e, crate::StoreError::Conflict(_)), "{e:?}");
}

pub fn sessions_touch_expire_and_delete(s: &mut dyn Backend) {
    let uid = s.create_user(&PROVINCE, &new_user("zhao", Role::CountyOfficer, 510104)).unwrap();
    let mk = |t: &str, seen: i64| SessionRecord { token_hash: t.into(), user_id: uid, csrf: format!("csrf-{t}"), created_at: seen, last_seen: seen, ip: "127.0.0.1".into() };
    s.create_session(&mk("a", 1000)).unwrap();
    s.create_session(&mk("b", 1000)).unwrap();
    s.touch_session("a", 5000).unwrap();
    assert_eq!(s.session("a").unwrap().unwrap().last_seen, 5000);
    assert_eq!(s.session("a").unwrap().unwrap().csrf, "csrf-a");
    assert_eq!(s.expire_sessions(2000, 0).unwrap(), 1);
    assert!(s.session("b").unwrap().is_none());
    s.delete_session("a").unwrap();
    assert!(s.session("a").unwrap().is_none());
    // Sessions also end a fixed time after they began, however active.
    s.create_session(&SessionRecord { created_at: 100, ..mk("old", 9000) }).unwrap();
    s.create_session(&SessionRecord { created_at: 600, ..mk("young", 9000) }).unwrap();
    assert_eq!(s.expire_sessions(2000, 500).unwrap(), 1);
    assert!(s.session("old").unwrap().is_none() && s.session("young").unwrap().is_some());
    s.create_session(&mk("c", 1000)).unwrap();
    s.create_session(&mk("d", 1000)).unwrap();
    s.delete_user_sessions(uid).unwrap();
    assert!(s.session("c").unwrap().is_none() && s.session("d").unwrap().is_none());
}

fn token(name: &str, user_id: i64, hash: &str, expires_at: i64) -> NewApiToken {
    NewApiToken { name: name.into(), user_id, token_hash: hash.into(), prefix: format!("tf_{}", &hash[..2.min(hash.len())]), created_by: "admin".into(), expires_at }
}

const YEAR: i64 = 365 * 86_400;

pub fn tokens_hashed_and_revoked(s: &mut dyn Backend) {
    let uid = s.create_user(&PROVINCE, &new_user("api", Role::DataConsumer, 510000)).unwrap();
    let until = crate::time::unix_now() + YEAR;
    let t = s.create_token(&PROVINCE, &token("统计局", uid, "h1", until)).unwrap();
    let t2 = s.create_token(&PROVINCE, &token("two", uid, "h2", until)).unwrap();
    assert_eq!(s.token_by_hash("h1").unwrap().unwrap(), t);
    assert_eq!(t.expires_at, until);
    assert_eq!(s.list_tokens().unwrap().iter().map(|t| t.id).collect::<Vec<_>>(), [t2.id, t.id]);
    assert!(s.revoke_token(&PROVINCE, t.id, 3000).unwrap());
    assert!(!s.revoke_token(&PROVINCE, t.id, 3001).unwrap(), "a revoked token is not revoked twice");
    assert_eq!(s.token_by_hash("h1").unwrap().unwrap().revoked_at, Some(3000));
    assert!(s.token_by_hash("nope").unwrap().is_none());
}

fn refused<T: std::fmt::Debug>(r: Result<T, crate::StoreError>, what: &str) -> String {
    match r {
        Err(crate::StoreError::Conflict(m)) => m,
        other => panic!("{what}: expected a refusal, got {other:?}"),
    }
}

pub fn account_writes_stay_in_the_writers_area(s: &mut dyn Backend) {
    let city = Scope::Region { lo: 510100, hi: 510199 };
    // A city's administrator (a future role) manages its own node and below, nothing above or beside.
    let id = s.create_user(&city, &new_user("chen", Role::CountyOfficer, 510104)).unwrap();
    s.create_user(&city, &new_user("chengdu", Role::CityOfficer, 510100)).unwrap();
    let m = refused(s.create_user(&city, &new_user("boss", Role::ProvinceAdmin, 510000)), "a province administrator made by a city");
    assert!(m.contains("管辖范围") && m.contains("outside your area"), "{m}");
    refused(s.create_user(&city, &new_user("zigong", Role::CountyOfficer, 510302)), "another city's county");
    refused(s.create_user(&city, &new_user("boss2", Role::ProvinceAdmin, 510100)), "a province administrator at a city node");
    refused(s.create_user(&PROVINCE, &new_user("school", Role::SchoolAdmin, 510104)), "a school administrator at a county");
    refused(s.create_user(&PROVINCE, &new_user("nowhere", Role::CountyOfficer, 519999)), "an unknown node");
    refused(s.create_user(&Scope::Nothing, &new_user("none", Role::Auditor, 510000)), "no area");
    let mut u = s.user_by_id(id).unwrap().unwrap();
    u.org_code = 510302;
    refused(s.update_user(&city, &u), "moving an account out of the area");
    u.org_code = 510104;
    u.role = Role::ProvinceAdmin;
    refused(s.update_user(&city, &u), "promoting an account");
    let county = Scope::Region { lo: 510104, hi: 510104 };
    let boss = s.create_user(&PROVINCE, &new_user("admin", Role::ProvinceAdmin, 510000)).unwrap();
    let mut boss = s.user_by_id(boss).unwrap().unwrap();
    boss.disabled = true;
    refused(s.update_user(&county, &boss), "a county disabling the province administrator");
    assert!(!s.user_by_name("admin").unwrap().unwrap().disabled);
    assert_eq!(s.list_users().unwrap().len(), 3, "nothing refused was written");
    // A data consumer never has to change a password: it has no console.
    let api = s.create_user(&PROVINCE, &new_user("api", Role::DataConsumer, 510104)).unwrap();
    let mut a = s.user_by_id(api).unwrap().unwrap();
    assert!(!a.must_change_password);
    a.must_change_password = true;
    s.update_user(&PROVINCE, &a).unwrap();
    assert!(!s.user_by_id(api).unwrap().unwrap().must_change_password);
}

pub fn tokens_only_for_data_consumers_and_expire(s: &mut dyn Backend) {
    let now = crate::time::unix_now();
    let aud = s.create_user(&PROVINCE, &new_user("aud", Role::Auditor, 510000)).unwrap();
    let admin = s.create_user(&PROVINCE, &new_user("admin", Role::ProvinceAdmin, 510000)).unwrap();
    let api = s.create_user(&PROVINCE, &new_user("api", Role::DataConsumer, 510104)).unwrap();
    for (holder, what) in [(aud, "the auditor"), (admin, "an administrator")] {
        let m = refused(s.create_token(&PROVINCE, &token("x", holder, "hx", now + YEAR)), what);
        assert!(m.contains("数据使用方") && m.contains("data-consumer"), "{m}");
    }
    refused(s.create_token(&PROVINCE, &token("x", api, "hx", now - 1)), "an expiry in the past");
    refused(s.create_token(&Scope::Region { lo: 510302, hi: 510302 }, &token("x", api, "hx", now + YEAR)), "a holder outside the area");
    refused(s.create_token(&PROVINCE, &token("x", 9999, "hx", now + YEAR)), "no holder");
    assert!(s.list_tokens().unwrap().is_empty(), "nothing refused was written");
    let t = s.create_token(&PROVINCE, &token("ok", api, "h1", now + 60)).unwrap();
    assert!(t.live(now) && !t.live(now + 60), "expired at its time");
    assert!(!s.revoke_token(&Scope::Region { lo: 510302, hi: 510302 }, t.id, now).unwrap(), "revoking outside the area");
    assert!(s.token_by_hash("h1").unwrap().unwrap().revoked_at.is_none());
    // An account that stops being a data consumer loses its tokens.
    let mut u = s.user_by_id(api).unwrap().unwrap();
    u.role = Role::CountyOfficer;
    s.update_user(&PROVINCE, &u).unwrap();
    assert!(s.token_by_hash("h1").unwrap().unwrap().revoked_at.is_some());
}

pub fn login_attempts_back_off(s: &mut dyn Backend) {
    let id = s.create_user(&PROVINCE, &new_user("wang", Role::CountyOfficer, 510104)).unwrap();
    let now = 1_900_000_000;
    for n in 1..=5 {
        assert_eq!(s.begin_login_attempt(id, now).unwrap(), Some(n));
    }
    assert_eq!(s.begin_login_attempt(id, now).unwrap(), None, "the sixth waits");
    assert_eq!(s.begin_login_attempt(id, now + 1).unwrap(), None);
    let u = s.user_by_id(id).unwrap().unwrap();
    assert_eq!((u.failed_logins, u.locked_until), (5, Some(now + 2)));
    assert_eq!(s.begin_login_attempt(id, now + 2).unwrap(), Some(6));
    assert_eq!(s.user_by_id(id).unwrap().unwrap().locked_until, Some(now + 6));
    s.login_succeeded(id, now + 6).unwrap();
    let u = s.user_by_id(id).unwrap().unwrap();
    assert_eq!((u.failed_logins, u.locked_until, u.last_login_at), (0, None, Some(now + 6)));
    assert_eq!(s.begin_login_attempt(id, now + 7).unwrap(), Some(1));
    assert_eq!(s.begin_login_attempt(9999, now).unwrap(), None, "no such account");
}

fn event(actor: &str, action: &str, target: &str) -> AuditEvent {
    AuditEvent { actor: actor.into(), action: action.into(), target: target.into(), detail: "{}".into(), ip: "127.0.0.1".into(), outcome: "ok".into() }
}

/// Appends go through a keyed chain (a temporary key and head file, removed with the chain).
fn keyed(s: &mut dyn Backend) -> std::sync::Arc<AuditChain> {
    let c = AuditChain::temporary();
    s.set_audit_chain(c.clone());
    c
}

pub fn audit_chain_appends_and_verifies(s: &mut dyn Backend) {
    let chain = keyed(s);
    let a = s.append_audit(&event("admin", "login", "admin")).unwrap();
    let b = s.append_audit(&event("admin", "user_create", "wang")).unwrap();
    assert_eq!(a.prev_hash, crate::audit::GENESIS);
    assert_eq!(b.prev_hash, a.hash);
    assert_eq!(b.id, a.id + 1);
    let v = verify(s, &chain, 180).unwrap();
    assert_eq!((v.entries, v.problems.len()), (2, 0), "{v:?}");
    assert_eq!(v.head, b.hash);
}

pub fn audit_filters_and_pages(s: &mut dyn Backend) {
    let _chain = keyed(s);
    for i in 0..25 {
        s.append_audit(&event(if i % 2 == 0 { "wang" } else { "li" }, if i % 5 == 0 { "reveal" } else { "login" }, &format!("t{i}"))).unwrap();
    }
    let page = s.audit_entries(&AuditFilter { limit: 10, ..Default::default() }).unwrap();
    assert_eq!(page.len(), 10);
    assert_eq!(page[0].target, "t24", "newest first");
    let next = s.audit_entries(&AuditFilter { limit: 10, before_id: Some(page[9].id), ..Default::default() }).unwrap();
    assert_eq!(next[0].target, "t14");
    let reveals = s.audit_entries(&AuditFilter { limit: 100, action: Some("reveal".into()), ..Default::default() }).unwrap();
    assert_eq!(reveals.iter().map(|e| e.target.as_str()).collect::<Vec<_>>(), ["t20", "t15", "t10", "t5", "t0"]);
    let wang = s.audit_entries(&AuditFilter { limit: 100, actor: Some("wang".into()), action: Some("reveal".into()), ..Default::default() }).unwrap();
    assert_eq!(wang.len(), 3);
    let future = s.audit_entries(&AuditFilter { limit: 100, from: Some("2999-01-01".into()), ..Default::default() }).unwrap();
    assert!(future.is_empty());
    let past = s.audit_entries(&AuditFilter { limit: 100, to: Some("2000-01-01".into()), ..Default::default() }).unwrap();
    assert!(past.is_empty());
    let all = s.audit_entries(&AuditFilter { limit: 100, from: Some("2000-01-01".into()), to: Some("2999-01-01".into()), ..Default::default() }).unwrap();
    assert_eq!(all.len(), 25);
}

pub fn audit_prune_keeps_anchor(s: &mut dyn Backend) {
    let chain = keyed(s);
    // Five entries a year ago, then pruning at the minimum retention.
    chain.set_clock_offset(-365 * 86_400);
    for i in 0..5 {
        s.append_audit(&event("a", "login", &format!("{i}"))).unwrap();
    }
    chain.set_clock_offset(0);
    assert_eq!(s.prune_audit("2000-01-01T00:00:00Z").unwrap(), 0);
    let all = s.audit_entries(&AuditFilter { limit: 10, ..Default::default() }).unwrap();
    let cut = chain.latest_cut();
    assert_eq!(s.prune_audit(&cut).unwrap(), 5);
    let anchor = s.audit_anchor().unwrap().expect("anchor");
    assert_eq!((anchor.last_id, anchor.hash.as_str(), anchor.cut.as_str()), (all[0].id, all[0].hash.as_str(), cut.as_str()));
    assert_eq!(anchor.mac, chain.keys().anchor_mac(anchor.last_id, &anchor.hash, &cut));
    let e = s.append_audit(&event("a", "login", "after")).unwrap();
    assert_eq!(e.prev_hash, anchor.hash, "the chain goes on from the anchor");
    let v = verify(s, &chain, 180).unwrap();
    assert_eq!((v.entries, v.problems.len()), (1, 0), "{v:?}");
}

/// Two counties in two cities: 510104 (成都 锦江区) and 510302 (自贡 自流井区).
fn two_counties(s: &mut dyn Backend) {
    let st: &mut dyn Store = s;
    import(st, Entity::School, "s", &[school("2151010401", "510104", "锦江实验小学"), school("2151010402", "510104", "锦江二小"), school("2151030201", "510302", "自流井小学")]);
    import(st, Entity::Teacher, "t", &[teacher(1, "2151010401"), teacher(2, "2151010402"), teacher(3, "2151030201")]);
    let mut rows = Vec::new();
    for i in 0..30u32 {
        let sch = ["2151010401", "2151010402", "2151030201"][(i % 3) as usize];
        let name = if i % 10 == 0 { "张三" } else if i % 10 == 1 { "张三丰" } else { "李四" };
        rows.push(student(i, sch, if i < 15 { "11" } else { "12" }, name, "13800000000"));
    }
    import(st, Entity::Student, "st", &rows);
}

pub fn org_tree_from_divisions_and_schools(s: &mut dyn Backend) {
    two_counties(s);
    let p = s.org_unit(510000).unwrap().expect("province");
    assert_eq!((p.level, p.name.as_str()), (OrgLevel::Province, "四川省"));
    let c = s.org_unit(510104).unwrap().unwrap();
    assert_eq!((c.level, c.parent), (OrgLevel::County, Some(510100)));
    let sch = s.org_unit(2151010401).unwrap().expect("a school is a node");
    assert_eq!((sch.level, sch.parent, sch.name.as_str()), (OrgLevel::School, Some(510104), "锦江实验小学"));
    let kids = s.org_children(510104).unwrap();
    assert_eq!(kids.iter().map(|u| u.code).collect::<Vec<_>>(), [2151010401, 2151010402]);
    assert!(s.org_children(510000).unwrap().iter().any(|u| u.code == 510100));
    assert!(s.org_unit(123).unwrap().is_none());
}

fn county(c: u32) -> Scope {
    Scope::Region { lo: c, hi: c }
}

const PROVINCE: Scope = Scope::Region { lo: 510000, hi: 519999 };

pub fn schools_scoped_and_filtered(s: &mut dyn Backend) {
    two_counties(s);
    let q = SchoolQuery { limit: 10, ..Default::default() };
    let all = s.schools(&PROVINCE, &q).unwrap();
    assert_eq!(all.rows.iter().map(|r| r.key.as_str()).collect::<Vec<_>>(), ["2151010401", "2151010402", "2151030201"]);
    assert_eq!(all.next, None);
    let jj = s.schools(&county(510104), &q).unwrap();
    assert_eq!(jj.rows.len(), 2);
    assert!(s.schools(&Scope::Nothing, &q).unwrap().rows.is_empty());
    let one = s.schools(&Scope::School { code: "2151010402".into(), county: 510104 }, &q).unwrap();
    assert_eq!(one.rows.iter().map(|r| r.key.as_str()).collect::<Vec<_>>(), ["2151010402"]);
    // A region filter outside the scope gives nothing, never the whole scope.
    let other = s.schools(&county(510104), &SchoolQuery { region: Some(510302), limit: 10, ..Default::default() }).unwrap();
    assert!(other.rows.is_empty());
    let by_name = s.schools(&PROVINCE, &SchoolQuery { name: Some("二小".into()), limit: 10, ..Default::default() }).unwrap();
    assert_eq!(by_name.rows.len(), 1);
    let by_type = s.schools(&PROVINCE, &SchoolQuery { school_type: Some("311".into()), limit: 10, ..Default::default() }).unwrap();
    assert!(by_type.rows.is_empty());
    let urban = s.schools(&PROVINCE, &SchoolQuery { urban_rural: Some("1".into()), limit: 10, ..Default::default() }).unwrap();
    assert_eq!(urban.rows.len(), 3);
    // Totals follow the scope and the filters, whatever the cursor.
    let n = |s: &mut dyn Backend, scope: &Scope, q: SchoolQuery| s.count_schools(scope, &q).unwrap();
    assert_eq!(n(s, &PROVINCE, SchoolQuery::default()), Total { n: 3, exact: true });
    assert_eq!(n(s, &county(510104), SchoolQuery::default()).n, 2);
    assert_eq!(n(s, &county(510104), SchoolQuery { region: Some(510302), ..Default::default() }).n, 0);
    assert_eq!(n(s, &Scope::School { code: "2151010402".into(), county: 510104 }, SchoolQuery::default()).n, 1);
    assert_eq!(n(s, &Scope::Nothing, SchoolQuery::default()).n, 0);
    assert_eq!(n(s, &PROVINCE, SchoolQuery { name: Some("二小".into()), ..Default::default() }).n, 1);
    let after = s.schools(&PROVINCE, &SchoolQuery { limit: 1, ..Default::default() }).unwrap().next;
    assert_eq!(n(s, &PROVINCE, SchoolQuery { urban_rural: Some("1".into()), after, ..Default::default() }).n, 3);
    // Keyset paging: two pages of 2 and 1, no overlap.
    let p1 = s.schools(&PROVINCE, &SchoolQuery { limit: 2, ..Default::default() }).unwrap();
    let p2 = s.schools(&PROVINCE, &SchoolQuery { limit: 2, after: p1.next.clone(), ..Default::default() }).unwrap();
    assert_eq!(p1.rows.len() + p2.rows.len(), 3);
    assert_eq!(p2.rows[0].key, "2151030201");
    assert_eq!(p2.next, None);
    assert_eq!(&p1.rows[0][1], "锦江实验小学", "values in template order");
    // Every school at once, with the list's filters, through the traits' paging loop.
    let mut keys = Vec::new();
    s.each_school(&PROVINCE, &SchoolQuery { urban_rural: Some("1".into()), ..Default::default() }, &mut |r| {
        keys.push(r.key);
        true
    })
    .unwrap();
    assert_eq!(keys.len(), 3);
    assert!(keys.windows(2).all(|w| w[0] < w[1]), "in code order, none twice");
}

pub fn people_scoped_keyset_pages(s: &mut dyn Backend) {
    two_counties(s);
    for (scope, want) in [(PROVINCE, 30), (county(510104), 20), (county(510302), 10), (Scope::School { code: "2151010402".into(), county: 510104 }, 10), (Scope::Nothing, 0)] {
        let mut seen = Vec::new();
        let mut after = None;
        loop {
            let p = s.people(&scope, Entity::Student, &PersonQuery { limit: 4, after: after.clone(), ..Default::default() }).unwrap();
            assert!(p.rows.len() <= 4);
            assert!(p.rows.iter().all(|r| r.len() == Entity::Student.template().fields.len()));
            seen.extend(p.rows.iter().map(|r| r.key.clone()));
            match p.next {
                Some(n) => after = Some(n),
                None => break,
            }
        }
        let mut dedup = seen.clone();
        dedup.sort();
        dedup.dedup();
        assert_eq!((seen.len(), dedup.len()), (want, want), "{scope:?}");
    }
    // The province's pages with only some fields (as the sharing exchange reads them): the same
    // rows, pages and cursors as whole records cut to those fields.
    let t = Entity::Student.template();
    let fields = [t.index("school_code").unwrap(), t.index("name").unwrap()];
    for entity in [Entity::Student, Entity::Teacher] {
        let (mut a, mut b) = (None::<String>, None::<String>);
        loop {
            let q = |after: &Option<String>| PersonQuery { limit: 4, after: after.clone(), ..Default::default() };
            let whole = s.people(&PROVINCE, entity, &q(&a)).unwrap();
            let cut = s.people_fields(&PROVINCE, entity, &q(&b), &fields).unwrap();
            assert_eq!(cut.rows, whole.rows.iter().map(|r| r.only(&fields)).collect::<Vec<_>>(), "{entity:?}");
            assert!(cut.rows.iter().all(|r| r.len() == 2));
            assert_eq!(cut.next.is_some(), whole.next.is_some());
            if whole.next.is_none() {
                break;
            }
            (a, b) = (whole.next, cut.next);
        }
    }
    // A cursor from the province's first county given to another county's list reads only that
    // county's students, from its first.
    let first = s.people(&PROVINCE, Entity::Student, &PersonQuery { limit: 4, ..Default::default() }).unwrap();
    let ci = t.index("school_code").unwrap();
    assert!(first.rows.iter().all(|r| &r[ci] != "2151030201"), "510104 comes first");
    let other = walk(s, &county(510302), Entity::Student, &PersonQuery { after: first.next.clone(), ..Default::default() });
    assert_eq!(other.len(), 10);
    assert!(other.iter().all(|r| &r[ci] == "2151030201"));
    let sch = s.people(&county(510104), Entity::Student, &PersonQuery { school: Some("2151030201".into()), limit: 50, ..Default::default() }).unwrap();
    assert!(sch.rows.is_empty(), "a school outside the scope gives nothing");
    let sch = s.people(&PROVINCE, Entity::Student, &PersonQuery { school: Some("2151030201".into()), limit: 50, ..Default::default() }).unwrap();
    assert_eq!(sch.rows.len(), 10);
    let si = Entity::Student.template().index("school_code").unwrap();
    assert!(sch.rows.iter().all(|r| &r[si] == "2151030201"));
    let t = s.people(&county(510302), Entity::Teacher, &PersonQuery { limit: 50, ..Default::default() }).unwrap();
    assert_eq!(t.rows.len(), 1);
    let t = s.people(&PROVINCE, Entity::Teacher, &PersonQuery { limit: 2, ..Default::default() }).unwrap();
    let t2 = s.people(&PROVINCE, Entity::Teacher, &PersonQuery { limit: 2, after: t.next.clone(), ..Default::default() }).unwrap();
    assert_eq!((t.rows.len(), t2.rows.len(), t2.next.is_none()), (2, 1, true));
    let r = s.people(&PROVINCE, Entity::Teacher, &PersonQuery { region: Some(510302), limit: 50, ..Default::default() }).unwrap();
    assert_eq!(r.rows.len(), 1);
}

pub fn people_search_by_name_and_id(s: &mut dyn Backend) {
    two_counties(s);
    let q = |name: Option<&str>, id: Option<&str>| PersonQuery { name: name.map(Into::into), id: id.map(Into::into), limit: 50, ..Default::default() };
    assert_eq!(s.people(&PROVINCE, Entity::Student, &q(Some("张三"), None)).unwrap().rows.len(), 6, "张三 and 张三丰");
    assert_eq!(s.people(&PROVINCE, Entity::Student, &q(Some("张三丰"), None)).unwrap().rows.len(), 3);
    // Students 0, 10, 20 are 张三 at schools 0, 1, 2: 510104 sees two of them.
    assert_eq!(s.people(&county(510104), Entity::Student, &q(Some("张三"), None)).unwrap().rows.len(), 4);
    let k = student_key(2); // at 2151030201 (510302)
    let found = s.people(&PROVINCE, Entity::Student, &q(None, Some(&k))).unwrap();
    assert_eq!(found.rows.iter().map(|r| r.key.as_str()).collect::<Vec<_>>(), [k.as_str()]);
    let by_xjh = s.people(&PROVINCE, Entity::Student, &q(None, Some(&format!("G{k}")))).unwrap();
    assert_eq!(by_xjh.rows.len(), 1, "found by 学籍号 too");
    assert!(s.people(&county(510104), Entity::Student, &q(None, Some(&k))).unwrap().rows.is_empty());
    assert!(s.people(&PROVINCE, Entity::Student, &q(None, Some("510104201409010000"))).unwrap().rows.is_empty());
    let p1 = s.people(&PROVINCE, Entity::Student, &PersonQuery { name: Some("李".into()), limit: 10, ..Default::default() }).unwrap();
    let p2 = s.people(&PROVINCE, Entity::Student, &PersonQuery { name: Some("李".into()), limit: 10, after: p1.next.clone(), ..Default::default() }).unwrap();
    let p3 = s.people(&PROVINCE, Entity::Student, &PersonQuery { name: Some("李".into()), limit: 10, after: p2.next.clone(), ..Default::default() }).unwrap();
    assert_eq!((p1.rows.len(), p2.rows.len(), p3.rows.len(), p3.next.is_none()), (10, 10, 4, true));
}

/// Lists by grade and by time (newest change first) after a second import that changes some
/// students' grades, one student's personal field only (the enrolment is untouched, the record
/// changed all the same) and one teacher; a cursor of one order is refused by another.
pub fn people_sorted_by_grade_and_time(s: &mut dyn Backend) {
    two_counties(s);
    let sch = |i: u32| ["2151010401", "2151010402", "2151030201"][(i % 3) as usize];
    let name = |i: u32| if i % 10 == 0 { "张三" } else if i % 10 == 1 { "张三丰" } else { "李四" };
    // The first students to senior grade 31 (last by grade, first imported), 20 a new phone only,
    // 25 back to grade 11 (so grade order is not the order of import).
    let mut rows: Vec<Vec<String>> = (0..5).map(|i| student(i, sch(i), "31", name(i), "13800000000")).collect();
    rows.push(student(20, sch(20), "12", name(20), "13911112222"));
    rows.push(student(25, sch(25), "11", name(25), "13800000000"));
    let st: &mut dyn Store = s;
    let b = import(st, Entity::Student, "st-2", &rows);
    assert_eq!((b.updated, b.inserted), (7, 0), "{b:?}");
    let mut changed: Vec<String> = [0, 1, 2, 3, 4, 20, 25].iter().map(|&i| student_key(i)).collect();
    changed.sort();
    let school_in = Scope::School { code: "2151010402".into(), county: 510104 };
    let gi = Entity::Student.template().index("grade").unwrap();
    let county_of = |i: u32| if i % 3 == 2 { 510302 } else { 510104 };
    for (scope, inside) in [(PROVINCE, (0..30).collect::<Vec<u32>>()), (county(510104), (0..30).filter(|&i| county_of(i) == 510104).collect()), (school_in.clone(), (0..30).filter(|&i| i % 3 == 1).collect())] {
        // By time: the students the second batch changed come first, then the rest.
        let rows = walk(s, &scope, Entity::Student, &PersonQuery { sort: PersonSort::Time, ..Default::default() });
        assert_eq!(rows.len(), inside.len(), "{scope:?}");
        let mut want: Vec<String> = changed.iter().filter(|k| inside.iter().any(|&i| student_key(i) == **k)).cloned().collect();
        let mut head: Vec<String> = rows[..want.len()].iter().map(|r| r.key.clone()).collect();
        head.sort();
        want.sort();
        assert_eq!(head, want, "newest changes first: {scope:?}");
        // By grade: 11 before 12 before 31, each student once.
        let rows = walk(s, &scope, Entity::Student, &PersonQuery { sort: PersonSort::Grade, ..Default::default() });
        let grades: Vec<&str> = rows.iter().map(|r| &r[gi]).collect();
        let mut sorted = grades.clone();
        sorted.sort();
        assert_eq!(grades, sorted, "by grade: {scope:?}");
        let mut keys: Vec<&str> = rows.iter().map(|r| r.key.as_str()).collect();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), inside.len(), "each once by grade: {scope:?}");
        assert_eq!(grades.iter().filter(|g| **g == "31").count(), inside.iter().filter(|&&i| i < 5).count(), "{scope:?}");
        assert_eq!(rows.iter().find(|r| r.key == student_key(25)).map(|r| &r[gi]), inside.contains(&25).then_some("11"));
    }
    // A teacher changed by a later batch comes first in its area's list by time.
    let st: &mut dyn Store = s;
    let mut t2 = teacher(2, "2151010402");
    t2[Entity::Teacher.template().index("subject").unwrap()] = "语文".into();
    import(st, Entity::Teacher, "t-2", &[t2.clone()]);
    for scope in [PROVINCE, county(510104), school_in.clone()] {
        let rows = walk(s, &scope, Entity::Teacher, &PersonQuery { sort: PersonSort::Time, ..Default::default() });
        assert_eq!(rows.first().map(|r| r[Entity::Teacher.template().index("subject").unwrap()].to_string()).as_deref(), Some("语文"), "{scope:?}");
    }
    // A cursor is bound to its order: one of another order is the generic cursor error.
    let by = |sort| PersonQuery { sort, limit: 4, ..Default::default() };
    let grade_next = s.people(&PROVINCE, Entity::Student, &by(PersonSort::Grade)).unwrap().next.expect("more than 4");
    let time_next = s.people(&PROVINCE, Entity::Student, &by(PersonSort::Time)).unwrap().next.expect("more than 4");
    for (cur, sort) in [(&grade_next, PersonSort::Time), (&grade_next, PersonSort::Name), (&time_next, PersonSort::Grade), (&time_next, PersonSort::Region)] {
        let e = s.people(&PROVINCE, Entity::Student, &PersonQuery { after: Some(cur.clone()), ..by(sort) }).unwrap_err();
        assert!(matches!(e, crate::StoreError::BadCursor), "{sort:?}: {e:?}");
    }
    // Deep pages of a county by grade and time read nothing outside it.
    let rows = walk(s, &county(510302), Entity::Student, &PersonQuery { sort: PersonSort::Time, ..Default::default() });
    assert_eq!(rows.len(), 10);
    assert!(rows.iter().all(|r| r[Entity::Student.template().index("school_code").unwrap()] == *"2151030201"));
}

/// Every row of `q` in scope, page by page (4 a page), with the pages' cursors.
fn walk(s: &mut dyn Backend, scope: &Scope, entity: Entity, q: &PersonQuery) -> Vec<crate::Record> {
    let mut all = Vec::new();
    let mut q = PersonQuery { limit: 4, ..q.clone() };
    loop {
        let p = s.people(scope, entity, &q).unwrap();
        assert!(p.rows.len() <= 4);
        all.extend(p.rows);
        match p.next {
            Some(n) => q.after = Some(n),
            None => return all,
        }
    }
}

pub fn people_sorted_pages_jumps_and_totals(s: &mut dyn Backend) {
    two_counties(s);
    let school_in = Scope::School { code: "2151010402".into(), county: 510104 };
    let (ni, si) = (Entity::Student.template().index("name").unwrap(), Entity::Student.template().index("school_code").unwrap());
    for entity in [Entity::Student, Entity::Teacher] {
        let t = entity.template();
        let (ni, si) = (t.index("name").unwrap(), t.index("school_code").unwrap());
        for scope in [PROVINCE, county(510104), county(510302), school_in.clone(), Scope::Nothing] {
            for name in [None, Some("张三"), Some("李")] {
                let all = PersonQuery { name: name.map(Into::into), ..Default::default() };
                let base = walk(s, &scope, entity, &all);
                let mut keys: Vec<&str> = base.iter().map(|r| r.key.as_str()).collect();
                keys.sort();
                keys.dedup();
                assert_eq!(keys.len(), base.len(), "each row once: {entity:?} {scope:?} {name:?}");
                let total = s.count_people(&scope, entity, &all).unwrap();
                assert_eq!(total, Total { n: base.len() as u64, exact: true }, "the total is what the pages hold: {entity:?} {scope:?} {name:?}");
                for sort in PersonSort::ALL {
                    let q = PersonQuery { sort, ..all.clone() };
                    let rows = walk(s, &scope, entity, &q);
                    let mut got: Vec<&str> = rows.iter().map(|r| r.key.as_str()).collect();
                    got.sort();
                    assert_eq!(got, keys, "the same rows, each once, sorted by {sort:?}: {entity:?} {scope:?} {name:?}");
                    // A name filter always sorts by name.
                    let order = if name.is_some() { PersonSort::Name } else { sort };
                    let gi = t.index("grade");
                    let by = |r: &crate::Record| match (order, gi) {
                        (PersonSort::Name, _) => r[ni].to_string(),
                        (PersonSort::School, _) => r[si].to_string(),
                        (PersonSort::Grade, Some(gi)) => r[gi].to_string(),
                        // Time: one batch here (see people_sorted_by_grade_and_time); teachers
                        // have no grade and keep the default order.
                        _ => String::new(),
                    };
                    assert!(rows.windows(2).all(|w| by(&w[0]) <= by(&w[1])), "in order of {sort:?}: {entity:?} {scope:?} {name:?}");
                    // A jump over the first page lands where the first page's cursor leads.
                    let first = s.people(&scope, entity, &PersonQuery { limit: 4, ..q.clone() }).unwrap();
                    let second = s.people(&scope, entity, &PersonQuery { limit: 4, after: first.next.clone(), ..q.clone() }).unwrap();
                    let jumped = s.people(&scope, entity, &PersonQuery { limit: 4, skip: 4, ..q.clone() }).unwrap();
                    let k = |p: &crate::Page<crate::Record>| p.rows.iter().map(|r| r.key.clone()).collect::<Vec<_>>();
                    if first.next.is_some() {
                        assert_eq!(k(&jumped), k(&second), "jump to page 2 by {sort:?}: {entity:?} {scope:?} {name:?}");
                    } else {
                        assert!(jumped.rows.is_empty());
                    }
                    let past = s.people(&scope, entity, &PersonQuery { limit: 4, skip: crate::browse::MAX_SKIP + 10_000, ..q.clone() }).unwrap();
                    assert!(past.rows.is_empty() && past.next.is_none(), "a jump past the end is empty");
                }
            }
        }
    }
    // Totals are scoped and follow the filters; nothing outside the scope is counted.
    let n = |s: &mut dyn Backend, scope: &Scope, q: PersonQuery| s.count_people(scope, Entity::Student, &q).unwrap().n;
    assert_eq!(n(s, &PROVINCE, PersonQuery::default()), 30);
    assert_eq!(n(s, &county(510104), PersonQuery::default()), 20);
    assert_eq!(n(s, &county(510104), PersonQuery { region: Some(510302), ..Default::default() }), 0, "a region outside the scope counts nothing");
    assert_eq!(n(s, &county(510104), PersonQuery { school: Some("2151030201".into()), ..Default::default() }), 0, "a school outside the scope counts nothing");
    assert_eq!(n(s, &school_in, PersonQuery { school: Some("2151010401".into()), ..Default::default() }), 0);
    assert_eq!(n(s, &school_in, PersonQuery::default()), 10);
    assert_eq!(n(s, &PROVINCE, PersonQuery { school: Some("2151030201".into()), ..Default::default() }), 10);
    assert_eq!(n(s, &PROVINCE, PersonQuery { id: Some(student_key(2)), ..Default::default() }), 1);
    assert_eq!(n(s, &county(510104), PersonQuery { id: Some(student_key(2)), ..Default::default() }), 0);
    assert_eq!(n(s, &Scope::Nothing, PersonQuery::default()), 0);
    assert_eq!(s.count_people(&county(510302), Entity::Teacher, &PersonQuery::default()).unwrap().n, 1);
    assert_eq!(Total::capped(crate::browse::COUNT_CAP + 1), Total { n: crate::browse::COUNT_CAP, exact: false });
    let _ = (ni, si);
}

/// Student 3 (school 2151010401, county 510104) changes phone and grade, then moves school.
pub fn history_scoped_newest_first(s: &mut dyn Backend) {
    two_counties(s);
    let st: &mut dyn Store = s;
    import(st, Entity::Student, "h1", &[student(3, "2151010401", "11", "李四", "13800000099")]);
    import(st, Entity::Student, "h2", &[student(3, "2151010402", "11", "李四", "13800000099")]);
    let k = student_key(3);
    let h = s.record_history(&PROVINCE, Entity::Student, &k).unwrap().expect("in scope");
    let fields: Vec<(&str, &str, &str)> = h.changes.iter().map(|c| (c.field.as_str(), c.old_value.as_str(), c.new_value.as_str())).collect();
    assert_eq!(fields, [("school_code", "2151010401", "2151010402"), ("guardian_phone", "13800000000", "13800000099")], "newest first");
    assert!(h.changes[0].batch_id > h.changes[1].batch_id);
    assert!(h.changes.iter().all(|c| c.at.len() >= 19 && c.at.starts_with("20")), "{:?}", h.changes);
    assert_eq!(h.transfers.len(), 1);
    assert_eq!((h.transfers[0].from_school.as_str(), h.transfers[0].to_school.as_str(), h.transfers[0].batch_id), ("2151010401", "2151010402", h.changes[0].batch_id));
    assert_eq!(s.record_history(&county(510104), Entity::Student, &k).unwrap(), Some(h.clone()));
    assert_eq!(s.record_history(&Scope::School { code: "2151010402".into(), county: 510104 }, Entity::Student, &k).unwrap(), Some(h));
    assert_eq!(s.record_history(&county(510302), Entity::Student, &k).unwrap(), None, "outside the scope: as if it did not exist");
    assert_eq!(s.record_history(&Scope::School { code: "2151010401".into(), county: 510104 }, Entity::Student, &k).unwrap(), None, "the school it left");
    assert_eq!(s.record_history(&PROVINCE, Entity::Student, "nobody").unwrap(), None);
    let quiet = s.record_history(&PROVINCE, Entity::Student, &student_key(4)).unwrap().expect("in scope");
    assert!(quiet.changes.is_empty() && quiet.transfers.is_empty());
    let tk = s.people(&PROVINCE, Entity::Teacher, &PersonQuery { limit: 1, ..Default::default() }).unwrap().rows[0].key.clone();
    let teacher = s.record_history(&PROVINCE, Entity::Teacher, &tk).unwrap();
    assert_eq!(teacher, Some(crate::History::default()));
}

pub fn record_outside_scope_is_none(s: &mut dyn Backend) {
    two_counties(s);
    let k = student_key(2); // 510302
    assert!(s.record(&PROVINCE, Entity::Student, &k).unwrap().is_some());
    assert!(s.record(&county(510302), Entity::Student, &k).unwrap().is_some());
    assert!(s.record(&county(510104), Entity::Student, &k).unwrap().is_none());
    assert!(s.record(&Scope::School { code: "2151010401".into(), county: 510104 }, Entity::Student, &student_key(0)).unwrap().is_some());
    assert!(s.record(&Scope::School { code: "2151010401".into(), county: 510104 }, Entity::Student, &student_key(1)).unwrap().is_none());
    assert!(s.record(&county(510104), Entity::School, "2151030201").unwrap().is_none());
    assert!(s.record(&county(510302), Entity::School, "2151030201").unwrap().is_some());
    let t3 = s.people(&PROVINCE, Entity::Teacher, &PersonQuery { region: Some(510302), limit: 5, ..Default::default() }).unwrap().rows[0].key.clone();
    assert!(s.record(&county(510104), Entity::Teacher, &t3).unwrap().is_none());
    assert!(s.record(&county(510302), Entity::Teacher, &t3).unwrap().is_some());
    assert!(s.record(&Scope::Nothing, Entity::School, "2151030201").unwrap().is_none());
}

pub fn figures_and_grades_scoped(s: &mut dyn Backend) {
    two_counties(s);
    let cities = s.region_figures(&PROVINCE, OrgLevel::City).unwrap();
    let cd = cities.iter().find(|c| c.code == 510100).expect("成都");
    let zg = cities.iter().find(|c| c.code == 510300).expect("自贡");
    assert_eq!((cd.schools, cd.teachers, cd.students), (2, 2, 20));
    assert_eq!((zg.schools, zg.teachers, zg.students), (1, 1, 10));
    let counties = s.region_figures(&county(510104), OrgLevel::County).unwrap();
    assert_eq!(counties.len(), 1);
    assert_eq!((counties[0].code, counties[0].students), (510104, 20));
    let school = s.region_figures(&Scope::School { code: "2151010402".into(), county: 510104 }, OrgLevel::School).unwrap();
    assert_eq!(school.len(), 1);
    assert_eq!((school[0].schools, school[0].teachers, school[0].students), (1, 1, 10));
    let g = s.grade_counts(&PROVINCE).unwrap();
    assert_eq!(g.iter().map(|g| (g.grade, g.students)).collect::<Vec<_>>(), [(11, 15), (12, 15)]);
    let g = s.grade_counts(&Scope::School { code: "2151030201".into(), county: 510302 }).unwrap();
    assert_eq!(g.iter().map(|g| g.students).sum::<u64>(), 10);
    assert!(s.region_figures(&Scope::Nothing, OrgLevel::City).unwrap().is_empty());
    assert!(s.grade_counts(&Scope::Nothing).unwrap().is_empty());
}

/// Each school's students, teachers and classes (distinct non-empty class names within a grade
/// of the school: every school of `two_counties` has 1班 in grades 11 and 12, two classes),
/// inside the scope only.
pub fn school_figures_scoped(s: &mut dyn Backend) {
    two_counties(s);
    // Ten more students of 锦江实验小学: five in 2班, five with no class.
    let mut rows = Vec::new();
    for i in 30..40u32 {
        let mut r = student(i, "2151010401", "12", "王五", "13800000000");
        let class = r.iter().position(|v| v == "1班").expect("class_name");
        r[class] = if i < 35 { "2班".into() } else { String::new() };
        rows.push(r);
    }
    let st: &mut dyn Store = s;
    import(st, Entity::Student, "st2", &rows);
    let got = |s: &mut dyn Backend, sc: &Scope| -> Vec<(String, u64, u64, u64)> {
        s.school_figures(sc).unwrap().into_iter().map(|f| (f.code, f.students, f.teachers, f.classes)).collect()
    };
    let jj = got(s, &county(510104));
    assert_eq!(jj, [("2151010401".to_string(), 20, 1, 3), ("2151010402".to_string(), 10, 1, 2)]);
    let f = s.school_figures(&county(510104)).unwrap();
    assert_eq!((f[0].name.as_str(), f[1].name.as_str()), ("锦江实验小学", "锦江二小"));
    assert!(!f[0].school_type.is_empty());
    // The city narrows to its counties; the province sees all three; a school sees itself.
    assert_eq!(got(s, &Scope::Region { lo: 510300, hi: 510399 }), [("2151030201".to_string(), 10, 1, 2)]);
    assert_eq!(got(s, &PROVINCE).len(), 3);
    assert_eq!(got(s, &Scope::School { code: "2151010402".into(), county: 510104 }), [("2151010402".to_string(), 10, 1, 2)]);
    assert!(got(s, &Scope::School { code: "2151010402".into(), county: 510302 }).is_empty());
    assert!(got(s, &Scope::Nothing).is_empty());
}
