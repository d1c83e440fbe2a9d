//! Uploads that failed before anything was imported (too big, broken off, unreadable, wrong
//! format): kept so that the import history shows them with their reason and a retry link after
//! a restart. A row holds the account, what the file was to hold, the file's name (no folders),
//! the reason in Chinese and English — scrubbed of server paths and of long digit runs (ID and
//! phone numbers), so it holds no personal data — the time, and the uploader's area.
//!
//! Reads are cut to the reader's [`Scope`] (in SQL, and again by [`FailedUpload::visible_to`]):
//! a row is visible to a scope that covers the area its uploader had. The console shows an
//! account its own rows and the province administrator everyone's (`account` None).
//!
//! Retention: the newest [`KEEP_ROWS`] rows, none older than [`KEEP_DAYS`] days; each insert
//! prunes the rest.

use crate::{Entity, Scope, StoreError};

/// Rows kept at most (all accounts).
pub const KEEP_ROWS: usize = 1_000;
/// Days a row is kept at most.
pub const KEEP_DAYS: i64 = 90;
/// Characters of a reason kept at most.
pub const REASON_MAX: usize = 500;

/// The area an uploader had: counties `lo..=hi`, or one school (in county `lo` = `hi`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Area {
    pub lo: u32,
    pub hi: u32,
    pub school: Option<String>,
}

impl Area {
    /// The writer's own area; None for a scope that holds nothing (it records nothing).
    pub fn of(scope: &Scope) -> Option<Area> {
        match scope {
            Scope::Region { lo, hi } => Some(Area { lo: *lo, hi: *hi, school: None }),
            Scope::School { code, county } => Some(Area { lo: *county, hi: *county, school: Some(code.clone()) }),
            Scope::Nothing => None,
        }
    }
}

/// One failed upload as given to the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFailedUpload {
    pub account: String,
    pub entity: Entity,
    pub file_name: String,
    pub reason_zh: String,
    pub reason_en: String,
    /// Unix seconds, from the platform's clock.
    pub at: i64,
}

/// One failed upload as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedUpload {
    pub id: i64,
    pub account: String,
    pub entity: Entity,
    pub file_name: String,
    pub reason_zh: String,
    pub reason_en: String,
    pub at: i64,
    pub area: Area,
}

impl FailedUpload {
    /// Whether a reader with this scope may see it: its uploader's whole area lies in the scope.
    pub fn visible_to(&self, scope: &Scope) -> bool {
        match (scope, &self.area.school) {
            (Scope::Region { lo, hi }, _) => *lo <= self.area.lo && self.area.hi <= *hi,
            (Scope::School { code, .. }, Some(s)) => s == code,
            _ => false,
        }
    }

    pub fn reason(&self, en: bool) -> &str {
        if en {
            &self.reason_en
        } else {
            &self.reason_zh
        }
    }
}

/// The stored rows. Every call takes a [`Scope`]: writes record the writer's area (a scope
/// holding nothing is refused with [`StoreError::OutOfScope`]), reads return only rows inside it.
pub trait FailedUploads {
    /// Stores one row (scrubbed by [`scrub`], the name by [`crate::attachments::clean_name`]) and
    /// prunes to the retention; returns its id.
    fn record_failed_upload(&mut self, writer: &Scope, u: &NewFailedUpload) -> Result<i64, StoreError>;
    /// Newest first, at most `limit`, inside `reader`; only `account`'s when given.
    fn failed_uploads(&mut self, reader: &Scope, account: Option<&str>, limit: usize) -> Result<Vec<FailedUpload>, StoreError>;
}

/// The row the backends store: the writer's area, the name without folders, the reasons
/// scrubbed; None for a writer that holds nothing.
pub fn prepare(writer: &Scope, u: &NewFailedUpload) -> Option<(Area, NewFailedUpload)> {
    let area = Area::of(writer)?;
    let mut name = crate::attachments::clean_name(&u.file_name);
    name = scrub(&name);
    Some((area, NewFailedUpload { account: u.account.clone(), entity: u.entity, file_name: name, reason_zh: scrub(&u.reason_zh), reason_en: scrub(&u.reason_en), at: u.at }))
}

/// The time before which rows are pruned when a row is written at `now`.
pub fn cut(now: i64) -> i64 {
    now - KEEP_DAYS * 86_400
}

/// A reason fit to keep: absolute paths (`/srv/…`, `C:\…`) become `…`, runs of 11 or more digits
/// (ID, phone and account numbers) become `*`s, control characters go, at most [`REASON_MAX`]
/// characters.
pub fn scrub(s: &str) -> String {
    let mut out = String::new();
    for (i, word) in s.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(&scrub_word(word));
    }
    out.chars().filter(|c| !c.is_control()).take(REASON_MAX).collect()
}

fn scrub_word(w: &str) -> String {
    // A path: from its first '/' or drive letter to the word's end (quotes and brackets kept).
    let b = w.as_bytes();
    let start = w.find(['/', '\\']).filter(|&i| i == 0 || !b[i - 1].is_ascii_alphanumeric() || (i >= 2 && b[i - 1] == b':'))
        .map(|i| if i >= 2 && b[i - 1] == b':' && b[i - 2].is_ascii_alphabetic() { i - 2 } else { i });
    let w = match start {
        Some(i) => {
            let tail = &w[i..];
            // A ':' past a drive letter ends it too ("…/x.csv: denied").
            let end = tail
                .char_indices()
                .find(|&(j, c)| matches!(c, '"' | '\'' | ')' | '）' | '：' | '、' | '」' | '”' | '，' | '。' | ',' | ';' | '；') || (c == ':' && j > 1))
                .map_or(tail.len(), |(j, _)| j);
            format!("{}…{}", &w[..i], &tail[end..])
        }
        None => w.to_string(),
    };
    let mut out = String::new();
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.chars().count() >= 11 {
            out.extend(std::iter::repeat_n('*', run.chars().count()));
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in w.chars() {
        if c.is_ascii_digit() || ((c == 'X' || c == 'x') && run.chars().count() == 17) {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_lose_paths_and_numbers() {
        assert_eq!(scrub("cannot read /srv/tianfu/uploads/x-1.csv: denied"), "cannot read …: denied");
        assert_eq!(scrub("无法读取文件（/var/lib/tianfu/tmp/a.xlsx）"), "无法读取文件（…）");
        assert_eq!(scrub(r"open C:\data\a.csv failed"), "open … failed");
        assert_eq!(scrub("身份证号 51010119900101123X 无效"), "身份证号 ****************** 无效");
        assert_eq!(scrub("手机13800138000"), "手机***********");
        assert_eq!(scrub("文件超过 100 MiB（上限 20 MiB），请拆分为 2026-09 的小文件。CSV/XLSX"), "文件超过 100 MiB（上限 20 MiB），请拆分为 2026-09 的小文件。CSV/XLSX");
        assert_eq!(scrub(&"字".repeat(900)).chars().count(), REASON_MAX);
    }

    #[test]
    fn visible_inside_the_uploaders_area() {
        let row = |area: Area| FailedUpload { id: 1, account: "a".into(), entity: Entity::Student, file_name: "f.csv".into(), reason_zh: String::new(), reason_en: String::new(), at: 0, area };
        let county = row(Area { lo: 510104, hi: 510104, school: None });
        let school = row(Area { lo: 510104, hi: 510104, school: Some("5101040001".into()) });
        let city = Scope::Region { lo: 510100, hi: 510199 };
        assert!(county.visible_to(&city) && school.visible_to(&city));
        assert!(!county.visible_to(&Scope::Region { lo: 510700, hi: 510799 }));
        assert!(!row(Area { lo: 510000, hi: 519999, school: None }).visible_to(&city), "a province's row is not a city's");
        let sch = Scope::School { code: "5101040001".into(), county: 510104 };
        assert!(school.visible_to(&sch) && !county.visible_to(&sch));
        assert!(!school.visible_to(&Scope::Nothing));
    }
}
