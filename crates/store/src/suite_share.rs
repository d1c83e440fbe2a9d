//! The tests of the sharing exchange's storage ([`crate::share::Share`]) every backend must pass
//! ([`share_suite!`]): consumers registered and linked by the province administrator only; the
//! conformity check (every problem at once), 无条件 requests granted at once, 不予共享 refused;
//! the review of 有条件 requests by the provider side only, rejection with reasons, withdrawal,
//! overdue reminders; and delivery: only the grant's consumer, only its fields (masked as
//! granted) and rows, rate limit, revocation, expiry and usage counters.

use crate::share::*;
use crate::suite::{import, school, student};
use crate::{Backend, Entity, NewUser, Role, Scope, StoreError};
use standard::Date;

#[macro_export]
macro_rules! share_suite {
    ($make:expr) => {
        $crate::share_suite!(@tests $make;
            consumers_by_the_administrator_only, conformity_and_unconditional_grants, conditional_review_by_the_provider_side, delivery_never_widens_a_grant, change_feed_follows_imports, nats_publishing_grants);
    };
    (@tests $make:expr; $($name:ident),*) => {
        $(
            #[test]
            fn $name() {
                let mut s = $make;
                $crate::suite_share::$name(&mut s);
            }
        )*
    };
}

/// 2026-05-28 12:00 UTC+8 (a Thursday).
const T0: i64 = 1_779_940_800;
const PROVINCE: Scope = Scope::Region { lo: 510000, hi: 519999 };

fn who(s: &mut dyn Backend, name: &str, role: Role, org: i64) -> Who {
    let id = s.create_user(&PROVINCE, &NewUser { name: name.into(), display_name: name.into(), role, org_code: org, password_hash: "$argon2id$x".into(), must_change_password: false }).unwrap();
    let (lo, hi) = crate::region_range(org as u32);
    Who { user_id: id, name: name.into(), role, scope: Scope::Region { lo, hi } }
}

struct World {
    admin: Who,
    county: Who,
    consumer: Who,
    other: Who,
    /// The consumers' ids (the first is `consumer`'s).
    ids: (i64, i64),
    /// Dataset ids by auto key.
    ds: std::collections::HashMap<String, i64>,
}

fn world(s: &mut dyn Backend) -> World {
    let admin = who(s, "prov", Role::ProvinceAdmin, 510000);
    let county = who(s, "jj", Role::CountyOfficer, 510104);
    let consumer = who(s, "wj", Role::DataConsumer, 510000);
    let other = who(s, "ga", Role::DataConsumer, 510000);
    s.catalog_sync(&PROVINCE, &crate::catalog_auto::derive(51), "prov", T0 - 86_400).unwrap();
    let mut ds = std::collections::HashMap::new();
    for d in s.catalog_list(&PROVINCE, &crate::catalog::CatalogQuery { limit: 100, ..Default::default() }).unwrap().rows {
        let full = s.catalog_dataset(&PROVINCE, d.id).unwrap().unwrap();
        ds.insert(full.auto_key.clone(), d.id);
    }
    let a = s.share_register_consumer(&admin, &NewConsumer { name: "四川省卫生健康委员会".into(), department: Department::Health, credit_code: "11510000MB1234567X".into(), contact: "王科长 028-12345678".into() }, T0).unwrap();
    s.share_link_account(&admin, a.id, "wj").unwrap();
    let b = s.share_register_consumer(&admin, &NewConsumer { name: "四川省公安厅".into(), department: Department::Police, credit_code: String::new(), contact: "李科长".into() }, T0).unwrap();
    s.share_link_account(&admin, b.id, "ga").unwrap();
    World { admin, county, consumer, other, ids: (a.id, b.id), ds }
}

fn day(s: &str) -> Date {
    Date::parse_iso(s).unwrap()
}

fn ask(ds: i64, fields: &[&str], region: u32) -> NewRequest {
    NewRequest { dataset_id: ds, purpose: "核对医保参保学生名单".into(), fields: fields.iter().map(|f| f.to_string()).collect(), filter: RowFilter { region, grades: vec![], school_types: vec![] }, from: day("2026-05-28"), to: day("2026-12-31") }
}

fn conflict(r: Result<impl std::fmt::Debug, StoreError>) -> String {
    match r {
        Err(StoreError::Conflict(m)) => m,
        other => panic!("expected a conflict, got {other:?}"),
    }
}

pub fn consumers_by_the_administrator_only(s: &mut dyn Backend) {
    let w = world(s);
    let n = NewConsumer { name: "成都市民政局".into(), department: Department::CivilAffairs, credit_code: String::new(), contact: "张三".into() };
    assert!(matches!(s.share_register_consumer(&w.county, &n, T0), Err(StoreError::OutOfScope)));
    assert!(matches!(s.share_register_consumer(&w.consumer, &n, T0), Err(StoreError::OutOfScope)));
    // Every problem at once; the same name twice.
    let m = conflict(s.share_register_consumer(&w.admin, &NewConsumer { name: " ".into(), department: Department::Other, credit_code: "123".into(), contact: String::new() }, T0));
    assert!(m.contains("单位名称") && m.contains("统一社会信用代码") && m.contains("联系人"), "{m}");
    assert!(conflict(s.share_register_consumer(&w.admin, &NewConsumer { name: "四川省公安厅".into(), ..n.clone() }, T0)).contains("已登记"));
    // Only a data consumer's account is linked, to one consumer only.
    assert!(conflict(s.share_link_account(&w.admin, w.ids.0, "jj")).contains("数据使用方"));
    assert!(conflict(s.share_link_account(&w.admin, w.ids.0, "ga")).contains("另一个使用方"));
    assert!(matches!(s.share_link_account(&w.county, w.ids.0, "wj"), Err(StoreError::OutOfScope)));
    // Reads: all for the administrator, its own for a consumer, none for an officer.
    assert_eq!(s.share_consumers(&w.admin).unwrap().len(), 2);
    let mine = s.share_consumers(&w.consumer).unwrap();
    assert_eq!((mine.len(), mine[0].accounts.clone()), (1, vec!["wj".to_string()]));
    assert!(s.share_consumers(&w.county).unwrap().is_empty());
}

pub fn conformity_and_unconditional_grants(s: &mut dyn Backend) {
    let w = world(s);
    // 不予共享: refused with its basis, whatever else the request says.
    let m = conflict(s.share_submit(&w.consumer, &ask(w.ds["mlps_systems"], &["name"], 510000), 0, T0));
    assert!(m.contains("不予共享") && m.contains("not shared"), "{m}");
    // Every problem at once: an unknown field, a region outside the province, a period too long.
    let mut bad = ask(w.ds["schools"], &["name", "salary"], 520000);
    bad.to = day("2028-01-01");
    bad.filter.grades = vec!["11".into()];
    let m = conflict(s.share_submit(&w.consumer, &bad, 0, T0));
    assert!(m.contains("字段不在") && m.contains("辖区") && m.contains("使用期限") && m.contains("年级只能用于学生"), "{m}");
    // A dataset not deliverable this round.
    assert!(conflict(s.share_submit(&w.consumer, &ask(w.ds["edu_apps"], &["name"], 510000), 0, T0)).contains("尚不能通过接口交付"));
    // Only a linked consumer requests.
    assert!(matches!(s.share_submit(&w.county, &ask(w.ds["schools"], &["name"], 510104), 0, T0), Err(StoreError::OutOfScope)));
    // 无条件共享: approved and granted at once, to the end of the period.
    let q = s.share_submit(&w.consumer, &ask(w.ds["schools"], &["school_code", "name"], 510104), T0 + 7 * 86_400, T0).unwrap();
    assert_eq!((q.state, q.due_at, q.decided_by.as_str()), (RequestState::Approved, 0, "平台自动审核"));
    let g = s.share_grant(&w.consumer, q.grant_id.unwrap()).unwrap().unwrap();
    assert_eq!(g.fields.iter().map(|f| f.name.as_str()).collect::<Vec<_>>(), ["school_code", "name"]);
    assert_eq!((g.expires_at, g.rate_per_minute, g.filter.region), (end_of(day("2026-12-31")), DEFAULT_RATE, 510104));
    // The other consumer sees neither the request nor the grant; the provider side does.
    assert!(s.share_request(&w.other, q.id).unwrap().is_none() && s.share_grant(&w.other, g.id).unwrap().is_none());
    assert!(s.share_requests(&w.other).unwrap().is_empty() && s.share_grants(&w.other).unwrap().is_empty());
    assert_eq!(s.share_grants(&w.admin).unwrap().len(), 1);
    // The county officer is not the provider of the province's datasets.
    assert!(s.share_grants(&w.county).unwrap().is_empty());
}

pub fn conditional_review_by_the_provider_side(s: &mut dyn Backend) {
    let w = world(s);
    let due = T0 + 5 * 86_400;
    let q = s.share_submit(&w.consumer, &ask(w.ds["students"], &["student_id", "name", "grade", "school_code"], 510104), due, T0).unwrap();
    assert_eq!((q.state, q.due_at, q.grant_id), (RequestState::Submitted, due, None));
    assert!(!q.overdue(due - 1) && q.overdue(due));
    // Neither consumer nor an officer outside the provider's area may decide; one answer.
    for x in [&w.consumer, &w.other, &w.county] {
        assert!(matches!(s.share_approve(x, q.id, &GrantTerms::default(), T0), Err(StoreError::OutOfScope)));
        assert!(matches!(s.share_reject(x, q.id, "不需要", T0), Err(StoreError::OutOfScope)));
    }
    // Terms cannot widen the request: a field not asked for, unmasking a non-personal field,
    // an expiry past the period, a rate of 0.
    let wide = GrantTerms { fields: vec!["name".into(), "address".into()], unmasked: vec!["grade".into()], expires_at: Some(end_of(day("2027-06-01"))), rate_per_minute: Some(0), nats: None };
    let m = conflict(s.share_approve(&w.admin, q.id, &wide, T0));
    assert!(m.contains("申请的字段") && m.contains("个人信息字段") && m.contains("到期") && m.contains("调用次数"), "{m}");
    // Approved with fewer fields, the name unmasked.
    let terms = GrantTerms { fields: vec!["student_id".into(), "name".into(), "grade".into()], unmasked: vec!["name".into()], expires_at: None, rate_per_minute: Some(2), nats: None };
    let g = s.share_approve(&w.admin, q.id, &terms, T0 + 3600).unwrap();
    let masks: Vec<_> = g.fields.iter().map(|f| (f.name.as_str(), f.mask)).collect();
    assert_eq!(masks, [("student_id", Some(crate::catalog::MaskKind::StudentId)), ("name", None), ("grade", None)]);
    assert_eq!(s.share_request(&w.consumer, q.id).unwrap().unwrap().state, RequestState::Approved);
    assert!(conflict(s.share_approve(&w.admin, q.id, &terms, T0)).contains("不能再审核"));
    // Rejection needs reasons; withdrawal is the consumer's own.
    let q2 = s.share_submit(&w.consumer, &ask(w.ds["teachers"], &["name"], 510100), due, T0).unwrap();
    assert!(conflict(s.share_reject(&w.admin, q2.id, " ", T0)).contains("理由"));
    let r = s.share_reject(&w.admin, q2.id, "用途与所需字段不相符", T0).unwrap();
    assert_eq!((r.state, r.reasons.as_str(), r.decided_by.as_str()), (RequestState::Rejected, "用途与所需字段不相符", "prov"));
    let q3 = s.share_submit(&w.consumer, &ask(w.ds["teachers"], &["name"], 510100), due, T0).unwrap();
    assert!(matches!(s.share_withdraw(&w.other, q3.id, T0), Err(StoreError::OutOfScope)));
    assert_eq!(s.share_withdraw(&w.consumer, q3.id, T0).unwrap().state, RequestState::Withdrawn);
    assert!(conflict(s.share_withdraw(&w.consumer, q3.id, T0)).contains("不能撤回"));
    // Overdue reminders: once per request.
    let q4 = s.share_submit(&w.consumer, &ask(w.ds["teachers"], &["name"], 510100), due, T0).unwrap();
    assert!(s.share_overdue_to_remind(due - 1).unwrap().is_empty());
    assert_eq!(s.share_overdue_to_remind(due).unwrap().iter().map(|q| q.id).collect::<Vec<_>>(), [q4.id]);
    assert!(s.share_overdue_to_remind(due + 60).unwrap().is_empty());
    // Revocation: the provider side, with a reason, once.
    assert!(matches!(s.share_revoke(&w.consumer, g.id, "x", T0), Err(StoreError::OutOfScope)));
    assert!(conflict(s.share_revoke(&w.admin, g.id, "", T0)).contains("原因"));
    let g = s.share_revoke(&w.admin, g.id, "用途已完成", T0 + 7200).unwrap();
    assert_eq!((g.revoked_at, g.revoked_by.as_str()), (Some(T0 + 7200), "prov"));
    assert!(conflict(s.share_revoke(&w.admin, g.id, "再次", T0)).contains("已撤销"));
}

pub fn delivery_never_widens_a_grant(s: &mut dyn Backend) {
    let w = world(s);
    import(s, Entity::School, "h-s", &[school("2151040001", "510104", "第一小学"), school("2151120001", "510112", "龙泉一小")]);
    let mut people = Vec::new();
    for i in 0..30u32 {
        let grade = if i % 3 == 0 { "11" } else { "12" };
        let sch = if i < 24 { "2151040001" } else { "2151120001" };
        people.push(student(i, sch, grade, "王小明", "13800001111"));
    }
    import(s, Entity::Student, "h-p", &people);
    let mut r = ask(w.ds["students"], &["student_id", "name", "grade", "guardian_phone"], 510104);
    r.filter.grades = vec!["11".into()];
    let q = s.share_submit(&w.consumer, &r, T0 + 86_400, T0).unwrap();
    let g = s.share_approve(&w.admin, q.id, &GrantTerms { rate_per_minute: Some(3), ..Default::default() }, T0).unwrap();
    // Another consumer's account, an officer, an unknown grant: one refusal.
    for (u, id) in [(w.other.user_id, g.id), (w.county.user_id, g.id), (w.consumer.user_id, g.id + 100)] {
        assert!(matches!(s.share_authorize(u, id, T0 + 60), Err(Refused::NotYours)));
    }
    let a = match s.share_authorize(w.consumer.user_id, g.id, T0 + 60) {
        Ok(a) => a,
        Err(e) => panic!("{e:?}"),
    };
    // Fields not granted are refused, never added; a subset is fine.
    assert!(a.columns(&["id_number".to_string()]).is_none() && a.columns(&["name".into(), "address".into()]).is_none());
    let sub = a.columns(&["grade".to_string()]).unwrap();
    assert_eq!(sub.names(), ["grade"]);
    // The county's grade-11 students only (8 of 24 in 510104; none of 510112), in pages of 3.
    let cols = a.columns(&[]).unwrap();
    assert_eq!(cols.names(), ["student_id", "name", "grade", "guardian_phone"]);
    let (mut all, mut after) = (Vec::new(), None);
    loop {
        let p = read_page(s, &cols, after, 3).unwrap();
        assert!(p.rows.len() <= 3);
        all.extend(p.rows);
        match p.next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    assert_eq!(all.len(), 8, "{all:?}");
    for row in &all {
        assert_eq!(row.len(), 4);
        assert_eq!(row[2], "11");
        assert!(row[0].starts_with("G510104") && row[0].contains('*'), "student number masked: {}", row[0]);
        assert_eq!(row[1], "王*");
        assert_eq!(row[3], "138****1111");
    }
    s.share_count(&a, all.len() as u64, T0 + 60).unwrap();
    // The rate: 3 a minute (the first call above was one).
    for _ in 0..2 {
        assert!(s.share_authorize(w.consumer.user_id, g.id, T0 + 61).is_ok());
    }
    match s.share_authorize(w.consumer.user_id, g.id, T0 + 62) {
        Err(Refused::Rate { retry_after }) => assert!((1..=60).contains(&retry_after)),
        other => panic!("expected the rate limit, got {other:?}"),
    }
    assert!(s.share_authorize(w.consumer.user_id, g.id, T0 + 120).is_ok(), "a new minute");
    // Usage: the consumer and the provider side read it; the other consumer does not.
    let u = s.share_usage(&w.consumer).unwrap();
    assert_eq!((u.len(), u[0].calls, u[0].rows, u[0].grant_id), (1, 1, 8, g.id));
    assert_eq!(s.share_usage(&w.admin).unwrap().len(), 1);
    assert!(s.share_usage(&w.other).unwrap().is_empty());
    // Expired, then revoked.
    assert!(matches!(s.share_authorize(w.consumer.user_id, g.id, g.expires_at), Err(Refused::Expired(_))));
    s.share_revoke(&w.admin, g.id, "停止使用", T0 + 200).unwrap();
    assert!(matches!(s.share_authorize(w.consumer.user_id, g.id, T0 + 300), Err(Refused::Revoked { .. })));
}

/// Reads a feed after `since` to its end in pages of `limit`: (upserts' keys, deletes' keys, version).
fn read_feed(s: &mut dyn Backend, cols: &Columns, since: i64, limit: usize) -> (Vec<String>, Vec<String>, i64) {
    let (mut up, mut del, mut after) = (Vec::new(), Vec::new(), None::<String>);
    loop {
        let f = changes(s, cols, since, after.as_deref(), limit).unwrap();
        assert!(f.changes.len() <= limit);
        for c in f.changes {
            match c.op {
                Op::Upsert => {
                    assert!(c.row.is_some());
                    up.push(c.key)
                }
                Op::Delete => {
                    assert!(c.row.is_none());
                    del.push(c.key)
                }
            }
        }
        match f.next {
            Some(n) => after = Some(n),
            None => {
                up.sort();
                del.sort();
                return (up, del, f.version);
            }
        }
    }
}

fn keys(seqs: &[u32]) -> Vec<String> {
    let mut v: Vec<String> = seqs.iter().map(|&i| crate::suite::student_key(i)).collect();
    v.sort();
    v
}

/// 变更订阅: the feed of a grant (510104, grade 11) and of another (510112, every grade) through
/// an import that renames, regrades and moves students in and out of both.
pub fn change_feed_follows_imports(s: &mut dyn Backend) {
    let w = world(s);
    let (a, b) = ("2151040001", "2151120001");
    import(s, Entity::School, "h-s", &[school(a, "510104", "第一小学"), school(b, "510112", "龙泉一小")]);
    let mut people = Vec::new();
    for i in 0..30u32 {
        people.push(student(i, if i < 24 { a } else { b }, if i % 3 == 0 { "11" } else { "12" }, "王小明", "13800001111"));
    }
    import(s, Entity::Student, "h-p", &people);
    let mut r = ask(w.ds["students"], &["name", "grade"], 510104);
    r.filter.grades = vec!["11".into()];
    let q = s.share_submit(&w.consumer, &r, T0 + 86_400, T0).unwrap();
    let g = s.share_approve(&w.admin, q.id, &GrantTerms { rate_per_minute: Some(600), ..Default::default() }, T0).unwrap();
    let cols = match s.share_authorize(w.consumer.user_id, g.id, T0 + 60) {
        Ok(x) => x.columns(&[]).unwrap(),
        Err(e) => panic!("{e:?}"),
    };
    let q2 = s.share_submit(&w.other, &ask(w.ds["students"], &["name"], 510112), T0 + 86_400, T0).unwrap();
    let g2 = s.share_approve(&w.admin, q2.id, &GrantTerms { rate_per_minute: Some(600), ..Default::default() }, T0).unwrap();
    let cols2 = match s.share_authorize(w.other.user_id, g2.id, T0 + 60) {
        Ok(x) => x.columns(&[]).unwrap(),
        Err(e) => panic!("{e:?}"),
    };
    // From 0: every row of the grant, once, in pages of 2 (and of 1000).
    let (up, del, v0) = read_feed(s, &cols, 0, 2);
    assert_eq!((up, del), (keys(&[0, 3, 6, 9, 12, 15, 18, 21]), vec![]));
    assert!(v0 > 0);
    assert_eq!(read_feed(s, &cols, 0, 1000).2, v0);
    assert_eq!(read_feed(s, &cols, v0, 2), (vec![], vec![], v0), "nothing new");
    let row = changes(s, &cols, 0, None, 1).unwrap().changes.remove(0).row.unwrap();
    assert_eq!(row, ["王*", "11"], "projected and masked as granted");

    let t = Entity::Student.template();
    let with = |mut v: Vec<String>, k: &str, x: &str| {
        v[t.index(k).unwrap()] = x.to_string();
        v
    };
    let p = |i: usize| people[i].clone();
    import(s, Entity::Student, "h-p2", &[
        with(p(0), "name", "王小红"),        // renamed, stays: upsert
        with(p(3), "grade", "12"),           // regraded out: delete
        with(p(6), "school_code", b),        // moved to 510112: delete here, upsert there
        with(p(1), "grade", "11"),           // regraded in: upsert
        with(p(24), "school_code", a),       // moved in from 510112: upsert here, delete there
        with(p(27), "name", "王小刚"),       // renamed in 510112: nothing here
        with(p(4), "school_code", b),        // grade 12 moved away: never this grant's
    ]);
    let (up, del, v1) = read_feed(s, &cols, v0, 2);
    assert!(v1 > v0);
    assert_eq!((up, del), (keys(&[0, 1, 24]), keys(&[3, 6])));
    assert_eq!(read_feed(s, &cols, v1, 2), (vec![], vec![], v1));
    // The other grant sees its side of the same import.
    let (up2, del2, _) = read_feed(s, &cols2, v0, 1);
    assert_eq!((up2, del2), (keys(&[4, 6, 27]), keys(&[24])));
    // From 0 again: the grant's rows as they are now (deletes only of records that were its).
    let (up, del, v) = read_feed(s, &cols, 0, 3);
    assert_eq!((up, v), (keys(&[0, 1, 9, 12, 15, 18, 21, 24]), v1));
    assert!(del.iter().all(|k| keys(&[3, 6]).contains(k)), "{del:?}");
    // A cursor that does not read is refused.
    assert!(matches!(changes(s, &cols, 0, Some("x.y"), 5), Err(StoreError::BadCursor)));
}

/// The grants whose changes go to NATS: only those approved so, while they deliver; the
/// publisher's position is kept.
pub fn nats_publishing_grants(s: &mut dyn Backend) {
    let w = world(s);
    let q = s.share_submit(&w.consumer, &ask(w.ds["students"], &["name"], 510104), T0 + 86_400, T0).unwrap();
    let plain = s.share_approve(&w.admin, q.id, &GrantTerms::default(), T0).unwrap();
    assert_eq!(plain.nats_subject, "");
    let q = s.share_submit(&w.consumer, &ask(w.ds["students"], &["name", "grade"], 510104), T0 + 86_400, T0).unwrap();
    let g = s.share_approve(&w.admin, q.id, &GrantTerms { nats: Some("tianfu.share".into()), ..Default::default() }, T0).unwrap();
    assert_eq!((g.nats_subject.clone(), g.nats_version), (format!("tianfu.share.grant.{}", g.id), 0));
    let ids = |s: &mut dyn Backend, t: i64| s.share_publishing(t).unwrap().iter().map(|a| a.grant().id).collect::<Vec<_>>();
    assert_eq!(ids(s, T0 + 60), [g.id]);
    s.share_published(g.id, 7, "7.1.x", "NATS down").unwrap();
    let a = s.share_publishing(T0 + 60).unwrap().remove(0);
    assert_eq!((a.grant().nats_version, a.grant().nats_after.as_str(), a.grant().nats_error.as_str()), (7, "7.1.x", "NATS down"));
    assert!(ids(s, end_of(day("2026-12-31")) + 1).is_empty(), "expired");
    s.share_revoke(&w.admin, g.id, "完成", T0 + 120).unwrap();
    assert!(ids(s, T0 + 180).is_empty(), "revoked");
}
