//! The education-app register's review on both backends: a school proposes, the school and then
//! the county approve, the annual re-review renews it, the school withdraws it; a blocked app is
//! refused at the proposal and at each approving step with the block's reason; steps refused by
//! state, role and area; every step (taken or refused) in the audit log.

use secman::apps::{self, FilingInput};
use standard::{Date, Entity};
use store::apps::{Apps, NewBlock, NewUse, UseState};
use store::flow::Actor;
use store::{AuditFilter, AuditLog, Role, Scope, Store, StoreError};

const T0: i64 = 1_800_000_000;
const SCHOOL: &str = "2151010401";

trait Db: Store + Apps + AuditLog {}
impl<T: Store + Apps + AuditLog> Db for T {}

static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

fn with_backends(f: fn(&mut dyn Db)) {
    let mut s = store_sqlite::SqliteStore::open_in_memory().unwrap();
    s.set_audit_chain(store::audit::AuditChain::temporary());
    f(&mut s);
    match store_postgres::testing::database_url() {
        Some(url) => {
            let schema = format!("tianfu_test_secapps_{}_{}", std::process::id(), N.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
            let (mut p, _) = store_postgres::PgStore::connect_with_schema_and_migrate(&url, &schema).unwrap();
            p.set_audit_chain(store::audit::AuditChain::temporary());
            f(&mut p);
            drop(p);
            postgres::Client::connect(&url, postgres::NoTls).unwrap().batch_execute(&format!("DROP SCHEMA \"{schema}\" CASCADE")).unwrap();
        }
        None => eprintln!("TIANFU_TEST_DATABASE_URL is not set: PostgreSQL skipped"),
    }
}

fn d(s: &str) -> Date {
    Date::parse_iso(s).unwrap()
}

fn filing(no: &str, name: &str) -> FilingInput {
    FilingInput {
        filing_no: no.into(),
        provider: "某某教育科技有限公司".into(),
        credit_code: "91350100M000100Y43".into(),
        app_name: name.into(),
        version: "1.0".into(),
        platforms: "Android".into(),
        minors: "是".into(),
        ..Default::default()
    }
}

fn lifecycle(s: &mut dyn Db) {
    store::suite::import(s, Entity::School, "schools", &[store::suite::school(SCHOOL, "510104", "锦江区实验小学"), store::suite::school("2151030201", "510302", "自流井小学")]);
    let province = Scope::province(51);
    let today = d("2026-04-01");
    let f = s.create_filing(&province, &apps::parse_filing(&filing("教APP备1100871号", "作业帮手"), today).unwrap(), "prov", T0).unwrap();
    let bad = s.create_filing(&province, &apps::parse_filing(&filing("教APP备1100872号", "刷题神器"), today).unwrap(), "prov", T0).unwrap();
    let head = Actor::new("head", Role::SchoolAdmin, Scope::School { code: SCHOOL.into(), county: 510104 }, "10.0.0.1");
    let jj = Actor::new("jj", Role::CountyOfficer, Scope::Region { lo: 510104, hi: 510104 }, "10.0.0.2");
    let zlj = Actor::new("zlj", Role::CountyOfficer, Scope::Region { lo: 510302, hi: 510302 }, "10.0.0.3");
    let city = Actor::new("cd", Role::CityOfficer, Scope::Region { lo: 510100, hi: 510199 }, "10.0.0.4");
    let new = |filing_id| NewUse { school_code: SCHOOL.parse().unwrap(), filing_id, purpose: "teaching".into(), chosen_by: "教务处".into() };

    // Blocked: refused at the proposal with the reason.
    let blk = s.block(&province, &NewBlock { filing_no: bad.new.filing_no.clone(), reason: "诱导学生付费".into(), blocked_on: Some(today), ..Default::default() }, "prov", T0).unwrap();
    let e = apps::propose(s, &head, &new(bad.id), T0).unwrap_err();
    assert!(e.to_string().contains("诱导学生付费"), "{e}");
    // Other areas and roles.
    assert!(matches!(apps::propose(s, &zlj, &new(f.id), T0).unwrap_err(), StoreError::OutOfScope));
    assert!(apps::propose(s, &city, &new(f.id), T0).is_err());
    let u = apps::propose(s, &head, &new(f.id), T0).unwrap();
    assert_eq!(u.state, UseState::Proposed);
    assert_eq!(apps::actions_for(&head, &u), vec!["school_approve", "reject", "withdraw"]);
    // The county may not approve for the school; the school may not approve for the county.
    assert!(apps::step(s, &jj, u.id, "school_approve", "", today, T0).is_err());
    let u = apps::step(s, &head, u.id, "school_approve", "", today, T0 + 1).unwrap();
    assert_eq!((u.state, u.school_reviewed_on), (UseState::SchoolApproved, Some(today)));
    assert!(apps::step(s, &head, u.id, "county_approve", "", today, T0).is_err());
    assert!(matches!(apps::step(s, &zlj, u.id, "county_approve", "", today, T0).unwrap_err(), StoreError::OutOfScope), "another county: as missing");
    // A block in the middle of the review stops the approval, with its reason.
    let blk2 = s.block(&province, &NewBlock { app_name: "作业帮手".into(), credit_code: f.new.credit_code.clone(), reason: "整改期间暂停".into(), blocked_on: Some(today), ..Default::default() }, "prov", T0).unwrap();
    let e = apps::step(s, &jj, u.id, "county_approve", "", today, T0).unwrap_err();
    assert!(e.to_string().contains("整改期间暂停"), "{e}");
    s.unblock(&province, blk2.id, today, "prov").unwrap();
    let u = apps::step(s, &jj, u.id, "county_approve", "", today, T0 + 2).unwrap();
    assert_eq!((u.state, u.county_approved_on, u.review_due), (UseState::CountyApproved, Some(today), Some(d("2027-04-01"))));
    // Overdue a year on; the re-review renews it.
    let later = d("2027-04-02");
    assert_eq!(s.overdue_uses(&jj.scope, None, later, 50).unwrap().len(), 1);
    let u = apps::step(s, &jj, u.id, "rereview", "", later, T0 + 3).unwrap();
    assert_eq!(u.review_due, Some(d("2028-04-02")));
    assert!(s.overdue_uses(&jj.scope, None, later, 50).unwrap().is_empty());
    // A rejection needs a reason; the school withdraws.
    assert!(apps::step(s, &jj, u.id, "reject", " ", later, T0).is_err());
    let u = apps::step(s, &head, u.id, "withdraw", "", later, T0 + 4).unwrap();
    assert_eq!(u.state, UseState::Withdrawn);
    assert!(apps::step(s, &head, u.id, "withdraw", "", later, T0).unwrap_err().to_string().contains("已停用"));
    // A second proposal rejected by the county at the school's stage is refused (the school first).
    let v = apps::propose(s, &jj, &new(f.id), T0).unwrap();
    let v = apps::step(s, &jj, v.id, "reject", "用途不明", today, T0 + 5).unwrap();
    assert_eq!((v.state, v.reason.as_str()), (UseState::Rejected, "用途不明"));
    let _ = blk;
    // The log: every step, taken or refused.
    let log = s.audit_entries(&AuditFilter { limit: 100, ..Default::default() }).unwrap();
    let taken = log.iter().filter(|e| e.action.starts_with("app_use_") && e.outcome == "ok").count();
    let denied = log.iter().filter(|e| e.action.starts_with("app_use_") && e.outcome == "denied").count();
    assert_eq!((taken, denied), (7, 8), "{log:#?}");
}

#[test]
fn review_lifecycle_on_both_backends() {
    with_backends(lifecycle);
}
