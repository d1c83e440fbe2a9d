//! Reading records back for people: searches and lists with keyset paging, one record, and the
//! figures of the overview — every one cut to a [`Scope`](crate::access::Scope) inside the query.

use serde::{Deserialize, Serialize};

/// A page of results and the cursor of the next one (opaque, backend-specific), if any.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    pub rows: Vec<T>,
    pub next: Option<String>,
}

/// The most rows a page may hold.
pub const MAX_PAGE: usize = 500;

/// Walks pages: `fetch(None)` reads the first, `fetch(Some(cursor))` each next one, until a page
/// has no cursor or `f` returns false. The one "fetch every page" loop, behind the traits'
/// `each_*` methods.
pub fn each_page<T, E>(mut fetch: impl FnMut(Option<String>) -> Result<Page<T>, E>, f: &mut dyn FnMut(T) -> bool) -> Result<(), E> {
    let mut after = None;
    loop {
        let page = fetch(after)?;
        for row in page.rows {
            if !f(row) {
                return Ok(());
            }
        }
        match page.next {
            Some(n) => after = Some(n),
            None => return Ok(()),
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SchoolQuery {
    /// A division inside the scope (province, city or county code).
    pub region: Option<u32>,
    /// 办学类型 code (JY/T 1001), e.g. `211`.
    pub school_type: Option<String>,
    /// 城乡分类 code (GB/T 2260 urban-rural code), e.g. `111`, or its first digit (`1` urban, `2` rural).
    pub urban_rural: Option<String>,
    /// Part of the name (substring).
    pub name: Option<String>,
    pub after: Option<String>,
    pub limit: usize,
}

/// Teachers or students.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PersonQuery {
    /// A division inside the scope.
    pub region: Option<u32>,
    /// One school (学校标识码).
    pub school: Option<String>,
    /// The beginning of the name (a full name matches exactly it and longer names).
    pub name: Option<String>,
    /// An ID number or 学籍号, exactly.
    pub id: Option<String>,
    /// The order of the list (each served by an index; the cursor holds its sort key).
    pub sort: PersonSort,
    /// Rows to skip before the page (a jump to page N of a first page; at most [`MAX_SKIP`],
    /// ignored with a cursor: deep pages stay keyset).
    pub skip: usize,
    /// Only the records behind one figure of the decision screens (下钻, [`crate::drill`]); a
    /// drilled list pages by cursor only (`skip` is ignored) and a page may hold fewer rows.
    pub drill: Option<crate::drill::DrillOn>,
    pub after: Option<String>,
    pub limit: usize,
}

/// The orders a list of people offers: only those an index serves, so that every page,
/// however deep, is a keyset range (region and row, name, school).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum PersonSort {
    /// By county, then as stored (by row within one school).
    #[default]
    Region,
    /// By name (`students_name`, `teachers_name`); a name filter always sorts by name.
    Name,
    /// By 学校标识码, then as stored (students: `enrolments_school`; teachers: `teachers_school`).
    School,
    /// Students by grade code (`11` … `33`, none first), then as stored: a county's or school's
    /// list by `(county, grade)`, a wider area's by `grade` checking each row's county. Teachers
    /// have no grade: their list keeps the default order.
    Grade,
    /// By the time the record last changed, newest first: the import batch that last changed any
    /// of its values (students: `enrolments.batch_id`, kept by every batch that changes the
    /// student; teachers: `teachers.batch_id`), then as stored, last first. Served like
    /// [`PersonSort::Grade`] by `(county, batch)` / `(school, batch)` and `(batch)` indexes.
    Time,
}

impl PersonSort {
    pub const ALL: [PersonSort; 5] = [PersonSort::Region, PersonSort::Name, PersonSort::School, PersonSort::Grade, PersonSort::Time];

    pub fn key(self) -> &'static str {
        match self {
            PersonSort::Region => "region",
            PersonSort::Name => "name",
            PersonSort::School => "school",
            PersonSort::Grade => "grade",
            PersonSort::Time => "time",
        }
    }

    pub fn from_key(s: &str) -> Option<PersonSort> {
        PersonSort::ALL.into_iter().find(|o| o.key() == s)
    }
}

/// The most rows a jump may skip ([`PersonQuery::skip`]): an OFFSET walks the index, so it is
/// bounded; past it the list is paged by cursor only.
pub const MAX_SKIP: usize = 5_000;

/// How many rows a list holds, counted up to [`COUNT_CAP`] (then `exact` is false and `n` is
/// the cap: "more than n").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Total {
    pub n: u64,
    pub exact: bool,
}

/// The most rows a total counts one by one (a name prefix such as 王 matches tens of
/// thousands in a province): past it the total says "more than". Totals of whole areas come
/// from the aggregate tables and are always exact.
pub const COUNT_CAP: u64 = 100_000;

impl Total {
    /// A total of `n` rows counted up to the cap (`n` is at most `COUNT_CAP + 1`).
    pub fn capped(n: u64) -> Total {
        if n > COUNT_CAP {
            Total { n: COUNT_CAP, exact: false }
        } else {
            Total { n, exact: true }
        }
    }
}

/// One changed field of a record, with the batch that changed it and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    pub batch_id: i64,
    /// When the batch was committed (RFC 3339 UTC).
    pub at: String,
    /// Template field key, e.g. `guardian_phone`.
    pub field: String,
    pub old_value: String,
    pub new_value: String,
}

/// A record's change history (异动): changed fields, newest first, and (students) the moves
/// between schools found by imports, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct History {
    pub changes: Vec<FieldChange>,
    pub transfers: Vec<Move>,
}

/// A student found under another school than before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Move {
    pub batch_id: i64,
    pub from_school: String,
    pub to_school: String,
    /// `YYYY-MM-DD`.
    pub date: String,
}

/// The most entries of each kind a history holds.
pub const HISTORY_MAX: usize = 200;

/// One record: its natural key and its values in template order. The values share one buffer
/// (a page of 100 students is 1,900 values: one `String` each was a measurable part of an API
/// request); read them with [`Record::get`], [`Record::values`] or indexing (`r[i]`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(from = "RecordParts", into = "RecordParts")]
pub struct Record {
    pub key: String,
    text: String,
    /// The end of each value in `text`.
    ends: Vec<u32>,
}

/// The serialised form of a [`Record`] (unchanged from when it held a `Vec<String>`).
#[derive(Serialize, Deserialize)]
struct RecordParts {
    key: String,
    values: Vec<String>,
}

impl From<RecordParts> for Record {
    fn from(p: RecordParts) -> Record {
        Record::from_values(p.key, &p.values)
    }
}

impl From<Record> for RecordParts {
    fn from(r: Record) -> RecordParts {
        RecordParts { values: r.values().map(str::to_string).collect(), key: r.key }
    }
}

impl Record {
    /// An empty record with room for `fields` values of `bytes` bytes in all.
    pub fn with_capacity(key: String, fields: usize, bytes: usize) -> Record {
        Record { key, text: String::with_capacity(bytes), ends: Vec::with_capacity(fields) }
    }

    pub fn from_values<S: AsRef<str>>(key: String, values: &[S]) -> Record {
        let bytes = values.iter().map(|v| v.as_ref().len()).sum();
        let mut r = Record::with_capacity(key, values.len(), bytes);
        for v in values {
            r.push(v.as_ref());
        }
        r
    }

    /// Appends the next value.
    pub fn push(&mut self, v: &str) {
        self.text.push_str(v);
        self.ends.push(u32::try_from(self.text.len()).expect("a record under 4 GiB"));
    }

    /// The `i`-th value (template order).
    pub fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)? as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        Some(&self.text[start..end])
    }

    /// A record of only the values `fields` (indices into this one, in that order; a missing
    /// one is empty).
    pub fn only(&self, fields: &[usize]) -> Record {
        let mut r = Record::with_capacity(self.key.clone(), fields.len(), 0);
        for &i in fields {
            r.push(self.get(i).unwrap_or(""));
        }
        r
    }

    /// How many values.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The values in template order.
    pub fn values(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        let mut start = 0;
        self.ends.iter().map(move |&e| {
            let v = &self.text[start..e as usize];
            start = e as usize;
            v
        })
    }
}

impl std::ops::Index<usize> for Record {
    type Output = str;
    fn index(&self, i: usize) -> &str {
        self.get(i).unwrap_or_else(|| panic!("value {i} of a record of {}", self.len()))
    }
}

/// Figures of one division (a city or a county) for the overview.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RegionFigures {
    pub code: u32,
    pub schools: u64,
    pub teachers: u64,
    pub students: u64,
}

/// Figures of one school for the comparison of a county's schools: students and classes from
/// the enrolments (a class is a distinct non-empty `class_name` within a grade of the school),
/// teachers from
/// the teacher records.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SchoolFigures {
    pub code: String,
    pub name: String,
    pub school_type: String,
    pub students: u64,
    pub teachers: u64,
    pub classes: u64,
}

/// Students by grade code (`11`..`16` primary, `21`..`23` junior, `31`..`33` senior; `0` none).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct GradeCount {
    pub grade: u8,
    pub students: u64,
}

#[cfg(test)]
mod tests {
    use super::{Page, Record};

    #[test]
    fn each_page_follows_cursors_and_stops_when_told() {
        let pages = |after: Option<String>| -> Result<Page<u32>, ()> {
            Ok(match after.as_deref() {
                None => Page { rows: vec![1, 2], next: Some("a".into()) },
                Some("a") => Page { rows: vec![3], next: Some("b".into()) },
                _ => Page { rows: vec![4], next: None },
            })
        };
        let mut all = Vec::new();
        super::each_page(pages, &mut |v| {
            all.push(v);
            true
        })
        .unwrap();
        assert_eq!(all, [1, 2, 3, 4]);
        let mut some = Vec::new();
        super::each_page(pages, &mut |v| {
            some.push(v);
            v < 2
        })
        .unwrap();
        assert_eq!(some, [1, 2]);
    }

    #[test]
    fn record_values_share_one_buffer() {
        let r = Record::from_values("k".into(), &["a", "", "三四", "x"]);
        assert_eq!(r.len(), 4);
        assert_eq!(r.values().collect::<Vec<_>>(), ["a", "", "三四", "x"]);
        assert_eq!((r.get(0), r.get(1), r.get(2), r.get(4)), (Some("a"), Some(""), Some("三四"), None));
        assert_eq!(&r[3], "x");
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(json, r#"{"key":"k","values":["a","","三四","x"]}"#);
        assert_eq!(serde_json::from_str::<Record>(&json).unwrap(), r);
        assert!(Record::default().is_empty());
    }
}
