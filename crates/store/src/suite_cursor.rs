//! What every backend promises of page cursors ([`cursor_suite!`]): they are read by the shared
//! codec, a cursor that does not read — forged, cut, of another kind of list — is
//! [`StoreError::BadCursor`] whatever the list, and no error repeats the cursor or the stored
//! values it may hold.

use crate::access::Scope;
use crate::suite::{import, school, student, student_key, teacher};
use crate::{Backend, PersonQuery, SchoolQuery, StoreError};
use standard::Entity;

#[macro_export]
macro_rules! cursor_suite {
    ($make:expr) => {
        $crate::cursor_suite!(@tests $make; bad_cursors_are_refused_without_echo, cursors_fit_only_their_list);
    };
    (@tests $make:expr; $($name:ident),*) => {
        $(
            #[test]
            fn $name() {
                let mut s = $make;
                $crate::suite_cursor::$name(&mut s);
            }
        )*
    };
}

const PROVINCE: Scope = Scope::Region { lo: 510000, hi: 519999 };

fn data(s: &mut dyn Backend) {
    import(s, Entity::School, "s", &[school("2151010401", "510104", "锦江实验小学"), school("2151010402", "510104", "锦江二小")]);
    import(s, Entity::Teacher, "t", &[teacher(1, "2151010401"), teacher(2, "2151010402"), teacher(3, "2151010401")]);
    let rows: Vec<_> = (0..6u32).map(|i| student(i, ["2151010401", "2151010402"][(i % 2) as usize], "11", if i < 3 { "张三丰" } else { "张三" }, "13800000000")).collect();
    import(s, Entity::Student, "st", &rows);
}

/// Every kind of list a cursor can continue: (entity, query).
fn lists() -> Vec<(Entity, PersonQuery)> {
    let q = |name: Option<&str>, school: Option<&str>| PersonQuery { name: name.map(Into::into), school: school.map(Into::into), limit: 2, ..Default::default() };
    vec![
        (Entity::Student, q(None, None)),
        (Entity::Student, q(None, Some("2151010401"))),
        (Entity::Student, q(Some("张三"), None)),
        (Entity::Teacher, q(None, None)),
        (Entity::Teacher, q(Some("李老"), None)),
    ]
}

fn assert_refused(r: Result<crate::Page<crate::Record>, StoreError>, input: &str, secrets: &[&str], what: &str) {
    match r {
        Err(e @ StoreError::BadCursor) => {
            let (en, zh) = (e.to_string(), e.zh());
            for s in secrets.iter().chain([&input]).filter(|s| s.len() >= 4) {
                assert!(!en.contains(s) && !zh.contains(s), "{what}: the error repeats {s:?}: {en} / {zh}");
            }
        }
        other => panic!("{what}: {input:?} gave {other:?}"),
    }
}

pub fn bad_cursors_are_refused_without_echo(s: &mut dyn Backend) {
    data(s);
    let id = student_key(1);
    let forged = [
        id.clone(),
        format!("n:1:{id}"),
        "n:1:张三".to_string(),
        format!("c:510104:{id}"),
        "i:99999999999999999999".into(),
        "nt999:张三".into(),
        "ni1;t4:张".into(),
        "ct6:510104t18:".into(),
        "\u{0}".into(),
        "k".into(),
        "s".into(),
    ];
    for a in &forged {
        for (entity, q) in lists() {
            let q = PersonQuery { after: Some(a.clone()), ..q };
            assert_refused(s.people(&PROVINCE, entity, &q), a, &[&id, "张三"], &format!("{entity} {q:?}"));
        }
        let q = SchoolQuery { after: Some(a.clone()), limit: 1, ..Default::default() };
        assert_refused(s.schools(&PROVINCE, &q), a, &[&id], "schools");
    }
}

/// A cursor made by one kind of list is refused by every other kind (their sort keys differ; a
/// name cursor read as a key cursor would page from a wrong place, or reveal the order).
pub fn cursors_fit_only_their_list(s: &mut dyn Backend) {
    data(s);
    let mut made = Vec::new();
    for (entity, q) in lists() {
        let p = s.people(&PROVINCE, entity, &q).unwrap();
        let next = p.next.unwrap_or_else(|| panic!("{entity} {q:?} has a second page"));
        // The cursor continues its own list.
        let p2 = s.people(&PROVINCE, entity, &PersonQuery { after: Some(next.clone()), ..q.clone() }).unwrap();
        assert!(!p2.rows.is_empty() && p2.rows.iter().all(|r| !p.rows.contains(r)));
        made.push((entity, q, next));
    }
    let p = s.schools(&PROVINCE, &SchoolQuery { limit: 1, ..Default::default() }).unwrap();
    let school_cursor = p.next.expect("two schools");
    for (i, (_, _, c)) in made.iter().enumerate() {
        for (j, (entity, q)) in lists().into_iter().enumerate() {
            // Students of one school and teachers are both in key order, as the backends may
            // share that kind of cursor; any other pair has its own sort key.
            let kind = |k: usize| match k {
                0 => 'c',
                1 | 3 => 'k',
                _ => 'n',
            };
            let same = kind(i) == kind(j);
            let r = s.people(&PROVINCE, entity, &PersonQuery { after: Some(c.clone()), ..q });
            if !same {
                assert_refused(r, c, &[], &format!("cursor of list {i} in list {j}"));
            }
        }
        assert_refused(s.schools(&PROVINCE, &SchoolQuery { after: Some(c.clone()), limit: 1, ..Default::default() }), c, &[], "a person cursor in schools");
    }
    for (entity, q) in lists() {
        assert_refused(s.people(&PROVINCE, entity, &PersonQuery { after: Some(school_cursor.clone()), ..q }), &school_cursor, &[], "a school cursor in people");
    }
}
