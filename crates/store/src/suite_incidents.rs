//! The incidents' storage every backend must pass ([`incidents_suite!`]): stored and read back
//! field by field, NULLs included; reads cut to the scope (county, school, another county,
//! nothing); writes outside the scope refused with one answer; a step taken from a state the
//! incident has left is not written; the monitor's de-duplication key; filters and counts.

use crate::attachments::{Attachment, AttachmentIndex, Kind, Owner};
use crate::incidents::{Incident, IncidentQuery, IncidentState, Incidents, Step};
use crate::{Scope, StoreError};

#[macro_export]
macro_rules! incidents_suite {
    ($make:expr) => {
        $crate::incidents_suite!(@tests $make; incidents_round_trip, incidents_reads_are_scoped, incidents_writes_are_scoped, incidents_stale_steps_are_not_written, incidents_filters_and_counts, incidents_review_overdue, incidents_monitor_key, incidents_attachments);
    };
    (@tests $make:expr; $($name:ident),*) => {
        $(
            #[test]
            fn $name() {
                let mut s = $make;
                $crate::suite_incidents::$name(&mut s);
            }
        )*
    };
}

pub const JINJIANG: Scope = Scope::Region { lo: 510104, hi: 510104 };
pub const QINGYANG: Scope = Scope::Region { lo: 510105, hi: 510105 };
pub const CHENGDU: Scope = Scope::Region { lo: 510100, hi: 510199 };

pub fn school_scope(code: &str) -> Scope {
    Scope::School { code: code.into(), county: 510104 }
}

/// An incident of a school in 锦江区 (or of a division when `school` is None).
pub fn incident(title: &str, school: Option<&str>, region: i64, at: i64) -> Incident {
    Incident {
        id: 0,
        title: title.into(),
        unit_code: school.map_or(region, |s| s.parse().unwrap()),
        region,
        school: school.map(str::to_string),
        unit_kind: "other".into(),
        class_code: None,
        grade: None,
        proposed_class: Some("IDI-WTD".into()),
        proposed_grade: Some(4),
        state: IncidentState::Reported,
        source: "manual".into(),
        site_id: None,
        finding: None,
        alert_id: None,
        evidence: String::new(),
        description: "首页出现非本单位发布的内容".into(),
        review: String::new(),
        discovered_at: at,
        reported_at: at,
        due_at: at + 4 * 3600,
        reported_up_at: None,
        escalated_to: None,
        escalated_at: None,
        seen: 1,
        last_seen: at,
        updated_at: at,
        recovered_at: None,
        review_due_at: None,
        review_reminded_at: None,
    }
}

pub fn first_step(at: i64) -> Step {
    Step { incident_id: 0, at, actor: "sec".into(), action: "report".into(), state: IncidentState::Reported, note: String::new(), to_unit: None }
}

fn put(s: &mut (impl Incidents + ?Sized), i: &Incident) -> Incident {
    let id = s.insert_incident(&Scope::all(), i, &first_step(i.reported_at)).unwrap();
    Incident { id, ..i.clone() }
}

fn ids_in(s: &mut (impl Incidents + ?Sized), sc: &Scope) -> Vec<i64> {
    s.incidents(sc, &IncidentQuery { limit: 50, ..Default::default() }).unwrap().into_iter().map(|i| i.id).collect()
}

pub fn incidents_round_trip(s: &mut (impl Incidents + ?Sized)) {
    let mut i = incident("首页被篡改", Some("2151010401"), 510104, 1_800_000_000);
    i.source = "monitor".into();
    i.site_id = Some(7);
    i.finding = Some("tampered".into());
    i.alert_id = Some(11);
    i.evidence = "首页新增：<b>黑页</b>".into();
    let i = put(s, &i);
    assert!(i.id > 0);
    assert_eq!(s.incident(&JINJIANG, i.id).unwrap().as_ref(), Some(&i));
    let steps = s.incident_steps(&JINJIANG, i.id).unwrap();
    assert_eq!(steps.len(), 1);
    assert_eq!((steps[0].incident_id, steps[0].action.as_str(), steps[0].to_unit.as_ref()), (i.id, "report", None));
    // Every changed field is written, NULLs both ways.
    let mut c = i.clone();
    c.state = IncidentState::Confirmed;
    c.class_code = Some("IDI-WTD".into());
    c.grade = Some(3);
    c.proposed_grade = None;
    c.reported_up_at = Some(1_800_000_100);
    c.escalated_to = Some(510104);
    c.escalated_at = Some(1_800_000_050);
    c.review = "总结".into();
    c.updated_at = 1_800_000_100;
    let step = Step { incident_id: i.id, at: 1_800_000_100, actor: "sec".into(), action: "report_up".into(), state: IncidentState::Confirmed, note: "电话报告".into(), to_unit: Some("锦江区教育局".into()) };
    assert!(s.update_incident(&JINJIANG, &c, IncidentState::Reported, &step).unwrap());
    assert_eq!(s.incident(&JINJIANG, i.id).unwrap(), Some(c.clone()));
    let steps = s.incident_steps(&JINJIANG, i.id).unwrap();
    assert_eq!(steps.last(), Some(&step));
    let mut back = c.clone();
    back.escalated_to = None;
    back.escalated_at = None;
    assert!(s.update_incident(&JINJIANG, &back, IncidentState::Confirmed, &step).unwrap());
    assert_eq!(s.incident(&JINJIANG, i.id).unwrap(), Some(back));
}

pub fn incidents_reads_are_scoped(s: &mut (impl Incidents + ?Sized)) {
    let a = put(s, &incident("学校 A", Some("2151010401"), 510104, 1_800_000_000));
    let b = put(s, &incident("学校 B", Some("2151010402"), 510104, 1_800_000_010));
    let q = put(s, &incident("青羊区局", None, 510105, 1_800_000_020));
    let city = put(s, &incident("成都市局", None, 510100, 1_800_000_030));
    assert_eq!(ids_in(s, &JINJIANG), vec![b.id, a.id]);
    assert_eq!(ids_in(s, &school_scope("2151010401")), vec![a.id]);
    assert_eq!(ids_in(s, &QINGYANG), vec![q.id]);
    assert_eq!(ids_in(s, &CHENGDU), vec![city.id, q.id, b.id, a.id]);
    assert!(ids_in(s, &Scope::Nothing).is_empty());
    assert_eq!(s.incident(&QINGYANG, a.id).unwrap(), None, "another county's incident is not there");
    assert_eq!(s.incident(&school_scope("2151010402"), a.id).unwrap(), None);
    assert_eq!(s.incident(&JINJIANG, city.id).unwrap(), None, "a county does not see its city's own incidents");
    assert_eq!(s.incident(&Scope::Nothing, a.id).unwrap(), None);
    assert!(s.incident_steps(&QINGYANG, a.id).unwrap().is_empty(), "nor its steps");
    assert_eq!(s.incident_steps(&JINJIANG, a.id).unwrap().len(), 1);
    // The region filter narrows within the scope and never widens it.
    let r = s.incidents(&QINGYANG, &IncidentQuery { region: Some(510104), limit: 50, ..Default::default() }).unwrap();
    assert!(r.is_empty());
    let counts = s.incident_counts(&QINGYANG, &IncidentQuery::default()).unwrap();
    assert_eq!(counts, vec![(IncidentState::Reported, 1)]);
}

pub fn incidents_writes_are_scoped(s: &mut (impl Incidents + ?Sized)) {
    let i = incident("学校 A", Some("2151010401"), 510104, 1_800_000_000);
    assert!(matches!(s.insert_incident(&QINGYANG, &i, &first_step(1)), Err(StoreError::OutOfScope)));
    assert!(matches!(s.insert_incident(&school_scope("2151010402"), &i, &first_step(1)), Err(StoreError::OutOfScope)));
    assert!(matches!(s.insert_incident(&Scope::Nothing, &i, &first_step(1)), Err(StoreError::OutOfScope)));
    assert!(s.incidents(&Scope::all(), &IncidentQuery { limit: 50, ..Default::default() }).unwrap().is_empty(), "nothing was written");
    let id = s.insert_incident(&school_scope("2151010401"), &i, &first_step(1)).unwrap();
    let stored = s.incident(&JINJIANG, id).unwrap().unwrap();
    let mut c = stored.clone();
    c.state = IncidentState::Confirmed;
    let st = Step { incident_id: id, at: 2, actor: "x".into(), action: "confirm".into(), state: IncidentState::Confirmed, note: String::new(), to_unit: None };
    // Out of scope and missing answer alike.
    let e1 = s.update_incident(&QINGYANG, &c, IncidentState::Reported, &st).unwrap_err();
    let mut missing = c.clone();
    missing.id = id + 1000;
    let e2 = s.update_incident(&QINGYANG, &missing, IncidentState::Reported, &st).unwrap_err();
    assert!(matches!(e1, StoreError::OutOfScope) && matches!(e2, StoreError::OutOfScope));
    assert_eq!(e1.to_string(), e2.to_string());
    // A write claiming another place does not move the stored one: the place is not written,
    // and the stored place is what is judged.
    let mut moved = c.clone();
    moved.region = 510105;
    moved.school = None;
    assert!(matches!(s.update_incident(&QINGYANG, &moved, IncidentState::Reported, &st), Err(StoreError::OutOfScope)));
    assert_eq!(s.incident(&JINJIANG, id).unwrap().unwrap().state, IncidentState::Reported);
    assert_eq!(s.incident_steps(&JINJIANG, id).unwrap().len(), 1, "no step written by a refused write");
    assert!(s.update_incident(&JINJIANG, &c, IncidentState::Reported, &st).unwrap());
}

pub fn incidents_stale_steps_are_not_written(s: &mut (impl Incidents + ?Sized)) {
    let i = put(s, &incident("学校 A", Some("2151010401"), 510104, 1_800_000_000));
    let mut c = i.clone();
    c.state = IncidentState::Confirmed;
    let st = Step { incident_id: i.id, at: 2, actor: "x".into(), action: "confirm".into(), state: IncidentState::Confirmed, note: String::new(), to_unit: None };
    assert!(s.update_incident(&JINJIANG, &c, IncidentState::Reported, &st).unwrap());
    // A second confirmation taken from the state it was in before: refused, nothing written.
    assert!(!s.update_incident(&JINJIANG, &c, IncidentState::Reported, &st).unwrap());
    assert_eq!(s.incident_steps(&JINJIANG, i.id).unwrap().len(), 2);
}

pub fn incidents_filters_and_counts(s: &mut (impl Incidents + ?Sized)) {
    let t = 1_800_000_000;
    let a = put(s, &incident("A", Some("2151010401"), 510104, t));
    let mut b = incident("B", Some("2151010402"), 510104, t);
    b.due_at = t + 10 * 3600;
    b.proposed_grade = Some(2);
    let b = put(s, &b);
    let mut c = incident("C", None, 510104, t);
    c.state = IncidentState::Closed;
    let c = put(s, &c);
    let mut d = incident("D", None, 510104, t);
    d.reported_up_at = Some(t + 60);
    let d = put(s, &d);
    let q = |f: IncidentQuery| IncidentQuery { limit: 50, ..f };
    let ids = |v: Vec<Incident>| v.into_iter().map(|i| i.id).collect::<Vec<_>>();
    // Overdue five hours on: A (4 h, not reported upward); not B (10 h), C (closed), D (reported).
    assert_eq!(ids(s.incidents(&JINJIANG, &q(IncidentQuery { overdue_at: Some(t + 5 * 3600), ..Default::default() })).unwrap()), vec![a.id]);
    assert_eq!(ids(s.incidents(&JINJIANG, &q(IncidentQuery { overdue_at: Some(t + 11 * 3600), ..Default::default() })).unwrap()), vec![b.id, a.id]);
    assert_eq!(ids(s.incidents(&JINJIANG, &q(IncidentQuery { grade: Some(2), ..Default::default() })).unwrap()), vec![b.id]);
    assert_eq!(ids(s.incidents(&JINJIANG, &q(IncidentQuery { state: Some(IncidentState::Closed), ..Default::default() })).unwrap()), vec![c.id]);
    assert_eq!(ids(s.incidents(&JINJIANG, &q(IncidentQuery { open: true, ..Default::default() })).unwrap()), vec![d.id, b.id, a.id]);
    assert_eq!(ids(s.incidents(&JINJIANG, &IncidentQuery { limit: 2, ..Default::default() }).unwrap()), vec![d.id, c.id]);
    // Keyset pages: below the last id of the previous page, filters kept.
    assert_eq!(ids(s.incidents(&JINJIANG, &IncidentQuery { limit: 2, before: Some(c.id), ..Default::default() }).unwrap()), vec![b.id, a.id]);
    assert_eq!(ids(s.incidents(&JINJIANG, &q(IncidentQuery { open: true, before: Some(d.id), ..Default::default() })).unwrap()), vec![b.id, a.id]);
    assert!(s.incidents(&QINGYANG, &q(IncidentQuery { before: Some(d.id + 1), ..Default::default() })).unwrap().is_empty(), "paging stays in the scope");
    let mut counts = s.incident_counts(&JINJIANG, &IncidentQuery { state: Some(IncidentState::Closed), ..Default::default() }).unwrap();
    counts.sort_by_key(|(st, _)| st.code());
    assert_eq!(counts, vec![(IncidentState::Closed, 1), (IncidentState::Reported, 3)]);
}

/// The review's deadline: only a recovered incident past it is listed; the columns round-trip.
pub fn incidents_review_overdue(s: &mut (impl Incidents + ?Sized)) {
    let t = 1_800_000_000;
    let mut r = incident("R", Some("2151010401"), 510104, t);
    r.state = IncidentState::Recovered;
    (r.recovered_at, r.review_due_at) = (Some(t), Some(t + 5 * 86_400));
    let r = put(s, &r);
    let mut c = incident("C", None, 510104, t);
    c.state = IncidentState::Closed;
    (c.recovered_at, c.review_due_at) = (Some(t), Some(t + 86_400));
    let c = put(s, &c);
    let got = s.incident(&JINJIANG, r.id).unwrap().unwrap();
    assert_eq!((got.recovered_at, got.review_due_at, got.review_reminded_at), (Some(t), Some(t + 5 * 86_400), None));
    let q = |now: i64| IncidentQuery { review_overdue_at: Some(now), limit: 50, ..Default::default() };
    assert!(s.incidents(&JINJIANG, &q(t + 5 * 86_400 - 1)).unwrap().is_empty(), "not before its deadline; a closed one never");
    assert_eq!(s.incidents(&JINJIANG, &q(t + 5 * 86_400)).unwrap().into_iter().map(|i| i.id).collect::<Vec<_>>(), vec![r.id]);
    assert!(s.incidents(&QINGYANG, &q(t + 9 * 86_400)).unwrap().is_empty(), "scoped");
    let mut reminded = got.clone();
    reminded.review_reminded_at = Some(t + 6 * 86_400);
    let step = Step { incident_id: r.id, at: t + 6 * 86_400, actor: "system".into(), action: "review_overdue".into(), state: IncidentState::Recovered, note: String::new(), to_unit: None };
    assert!(s.update_incident(&Scope::all(), &reminded, IncidentState::Recovered, &step).unwrap());
    assert_eq!(s.incident(&JINJIANG, r.id).unwrap().unwrap().review_reminded_at, Some(t + 6 * 86_400));
    let _ = c;
}

pub fn incidents_monitor_key(s: &mut (impl Incidents + ?Sized)) {
    let mut i = incident("篡改", Some("2151010401"), 510104, 1_800_000_000);
    i.source = "monitor".into();
    i.site_id = Some(5);
    i.finding = Some("tampered".into());
    let i = put(s, &i);
    assert_eq!(s.open_incident_for(&JINJIANG, 5, "tampered").unwrap().map(|x| x.id), Some(i.id));
    assert_eq!(s.open_incident_for(&JINJIANG, 5, "hidden_link").unwrap(), None);
    assert_eq!(s.open_incident_for(&JINJIANG, 6, "tampered").unwrap(), None);
    assert_eq!(s.open_incident_for(&QINGYANG, 5, "tampered").unwrap(), None);
    let mut closed = i.clone();
    closed.state = IncidentState::Closed;
    let st = Step { incident_id: i.id, at: 2, actor: "x".into(), action: "close".into(), state: IncidentState::Closed, note: String::new(), to_unit: None };
    assert!(s.update_incident(&JINJIANG, &closed, IncidentState::Reported, &st).unwrap());
    assert_eq!(s.open_incident_for(&JINJIANG, 5, "tampered").unwrap(), None, "a closed incident is not reopened");
}

fn attachment_of(s: &mut (impl AttachmentIndex + ?Sized), name: &str, region: u32, school: Option<&str>) -> i64 {
    let a = Attachment { id: 0, sha256: "ab".repeat(32), name: name.into(), size: 9, kind: Kind::Pdf, owner: Owner { region, school: school.map(str::to_string) }, uploaded_by: "sec".into(), uploaded_at: 1_800_000_100 };
    s.insert_attachment(&a).unwrap()
}

/// Attachments of an incident: linked with a step `attach` on its timeline, read by those who
/// read the incident only; a link to an incident or of an attachment outside the writer's area
/// is refused with one answer, and nothing is written.
pub fn incidents_attachments(s: &mut (impl Incidents + AttachmentIndex + ?Sized)) {
    let i = put(s, &incident("学校 A 网站被篡改", Some("2151010401"), 510104, 1_800_000_000));
    let own = attachment_of(s, "截图.pdf", 510104, Some("2151010401"));
    let other = attachment_of(s, "青羊.pdf", 510105, None);
    let step = |at: i64, note: &str| Step { incident_id: i.id, at, actor: "sec".into(), action: "attach".into(), state: IncidentState::Reported, note: note.into(), to_unit: None };
    assert!(matches!(s.attach_to_incident(&QINGYANG, i.id, own, &step(1_800_000_200, "截图.pdf")), Err(StoreError::OutOfScope)), "another county's writer");
    assert!(matches!(s.attach_to_incident(&QINGYANG, i.id + 1000, own, &step(1_800_000_200, "截图.pdf")), Err(StoreError::OutOfScope)), "a missing incident answers alike");
    assert!(matches!(s.attach_to_incident(&JINJIANG, i.id, other, &step(1_800_000_200, "青羊.pdf")), Err(StoreError::OutOfScope)), "an attachment outside the area");
    assert_eq!(s.incident_steps(&JINJIANG, i.id).unwrap().len(), 1, "no step written by a refused link");
    s.attach_to_incident(&school_scope("2151010401"), i.id, own, &step(1_800_000_200, "截图.pdf")).unwrap();
    let steps = s.incident_steps(&JINJIANG, i.id).unwrap();
    assert_eq!((steps.len(), steps[1].action.as_str(), steps[1].note.as_str(), steps[1].at), (2, "attach", "截图.pdf", 1_800_000_200));
    for sc in [JINJIANG, CHENGDU, school_scope("2151010401")] {
        let f = s.incident_files(&sc, i.id).unwrap();
        assert_eq!(f.len(), 1, "{sc:?}");
        assert_eq!((f[0].attachment.id, f[0].attachment.name.as_str(), f[0].step_at), (own, "截图.pdf", 1_800_000_200));
    }
    for sc in [QINGYANG, school_scope("2151010402"), Scope::Nothing] {
        assert!(s.incident_files(&sc, i.id).unwrap().is_empty(), "{sc:?}");
    }
    assert!(s.incident_files(&JINJIANG, i.id + 1000).unwrap().is_empty());
}
