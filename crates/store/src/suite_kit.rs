//! The tests of the shared pieces' storage every backend must pass ([`kit_suite!`]): stored
//! calendar years replacing embedded ones, and attachments stored once and read through a scope.

use crate::attachments::{self, AttachmentError, AttachmentIndex, Files, Owner};
use crate::calendar::{self, Calendar, CalendarStore};
use crate::clock::TestClock;
use crate::failed_uploads::{self, FailedUploads, NewFailedUpload};
use crate::{Scope, StoreError};
use standard::Date;
use std::path::PathBuf;

#[macro_export]
macro_rules! kit_suite {
    ($make:expr) => {
        $crate::kit_suite!(@tests $make; calendar_years_stored_and_replaced, attachments_stored_once_and_scoped, attachments_checked_by_content, failed_uploads_scoped_scrubbed_and_bounded);
    };
    (@tests $make:expr; $($name:ident),*) => {
        $(
            #[test]
            fn $name() {
                let mut s = $make;
                $crate::suite_kit::$name(&mut s);
            }
        )*
    };
}

fn d(y: u32, m: u32, day: u32) -> Date {
    Date::new(y, m, day).unwrap()
}

/// `tianfu calendar import`: a new year is added, a stored year replaces the embedded one, a
/// refused file stores nothing.
pub fn calendar_years_stored_and_replaced(s: &mut (impl CalendarStore + ?Sized)) {
    let clock = TestClock::at(1_800_000_000);
    assert!(s.calendar_years().unwrap().is_empty());
    assert!(!Calendar::load(s).unwrap().knows(2027));
    let y2027 = "# 国办发明电〔2026〕测试号\ndate,kind,name\n2027-01-01,holiday,元旦\n2027-02-06,holiday,春节\n2027-02-07,workday,春节调休\n";
    let got = calendar::import(s, y2027, None, "console:root", &clock).unwrap();
    assert_eq!(got.year, 2027);
    let c = Calendar::load(s).unwrap();
    assert!(c.knows(2027) && c.knows(2026));
    assert!(!c.is_working_day(d(2027, 2, 6)) && c.is_working_day(d(2027, 2, 7)));
    // A corrected 2026 replaces the embedded one as a whole, and again when imported again.
    calendar::import(s, "2026-03-02,holiday,更正\n", Some(2026), "console:root", &clock).unwrap();
    let c = Calendar::load(s).unwrap();
    assert!(!c.is_working_day(d(2026, 3, 2)) && c.is_working_day(d(2026, 2, 16)));
    calendar::import(s, "2026-03-03,holiday,再更正\n", Some(2026), "console:root", &clock).unwrap();
    let c = Calendar::load(s).unwrap();
    assert!(c.is_working_day(d(2026, 3, 2)) && !c.is_working_day(d(2026, 3, 3)));
    assert_eq!(s.calendar_years().unwrap().iter().map(|y| y.year).collect::<Vec<_>>(), [2026, 2027]);
    // Refused: a day both off and worked; a date outside the year.
    let e = calendar::import(s, "2028-01-29,holiday,春节\n2028-01-29,workday,x\n", None, "root", &clock).unwrap_err();
    assert!(matches!(&e, StoreError::Conflict(m) if m.contains("既放假又上班")), "{e}");
    assert!(calendar::import(s, "2027-12-31,holiday,x\n2028-01-01,holiday,元旦\n", Some(2027), "root", &clock).is_err());
    assert_eq!(s.calendar_years().unwrap().len(), 2);
    assert!(Calendar::load(s).unwrap().is_working_day(d(2027, 12, 31)));
}

/// A folder of its own under the temp dir, removed when dropped.
pub struct TempFiles(pub PathBuf);

impl TempFiles {
    pub fn new(tag: &str) -> TempFiles {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let p = std::env::temp_dir().join(format!("tianfu-attach-{tag}-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed)));
        let _ = std::fs::remove_dir_all(&p);
        TempFiles(p)
    }
    /// Every regular file under the folder (temporary ones included).
    pub fn files(&self) -> Vec<PathBuf> {
        fn walk(p: &std::path::Path, out: &mut Vec<PathBuf>) {
            for e in std::fs::read_dir(p).into_iter().flatten().flatten() {
                let path = e.path();
                if path.is_dir() {
                    walk(&path, out);
                } else {
                    out.push(path);
                }
            }
        }
        let mut v = Vec::new();
        walk(&self.0, &mut v);
        v
    }
}

impl Drop for TempFiles {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const JINJIANG: Scope = Scope::Region { lo: 510104, hi: 510104 };
const LONGQUAN: Scope = Scope::Region { lo: 510112, hi: 510112 };
const CHENGDU: Scope = Scope::Region { lo: 510100, hi: 510199 };

fn county(code: u32) -> Owner {
    Owner { region: code, school: None }
}

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

/// The same content from two counties is one file and two rows; each county reads its own, the
/// city both, a school neither; a write for another area is refused before a byte is kept.
pub fn attachments_stored_once_and_scoped(s: &mut (impl AttachmentIndex + ?Sized)) {
    let dir = TempFiles::new("scoped");
    let files = Files::new(&dir.0, 1 << 20);
    let clock = TestClock::at(1_800_000_000);
    let a = attachments::save(s, &files, &JINJIANG, "jinjiang", county(510104), "C:\\材料\\证明.pdf", Some("application/pdf"), &mut &PDF[..], &clock).unwrap();
    clock.advance(60);
    let b = attachments::save(s, &files, &LONGQUAN, "longquan", county(510112), "证明.pdf", None, &mut &PDF[..], &clock).unwrap();
    assert_eq!(a.sha256, b.sha256);
    assert_ne!(a.id, b.id);
    assert_eq!((a.name.as_str(), a.size, a.kind, a.uploaded_at, b.uploaded_at), ("证明.pdf", PDF.len() as u64, attachments::Kind::Pdf, 1_800_000_000, 1_800_000_060));
    assert_eq!(dir.files(), vec![files.path_of(&a.sha256)], "stored once, no temporary file left");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(files.path_of(&a.sha256)).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(std::fs::metadata(files.path_of(&a.sha256).parent().unwrap()).unwrap().permissions().mode() & 0o777, 0o700);
    }
    let mut back = Vec::new();
    std::io::Read::read_to_end(&mut files.open(&a.sha256).unwrap(), &mut back).unwrap();
    assert_eq!(back, PDF);
    // Scoped reads.
    assert_eq!(s.attachment(&JINJIANG, a.id).unwrap().unwrap(), a);
    assert!(s.attachment(&JINJIANG, b.id).unwrap().is_none());
    assert!(s.attachment(&LONGQUAN, a.id).unwrap().is_none());
    assert!(s.attachment(&JINJIANG, 999_999).unwrap().is_none());
    assert_eq!(s.attachments_in(&CHENGDU, 10).unwrap().iter().map(|x| x.id).collect::<Vec<_>>(), [b.id, a.id]);
    assert_eq!(s.attachments_in(&Scope::all(), 1).unwrap().len(), 1);
    assert_eq!(s.attachments_in(&JINJIANG, 10).unwrap(), vec![a.clone()]);
    let school = Scope::School { code: "2151010401".into(), county: 510104 };
    assert!(s.attachments_in(&school, 10).unwrap().is_empty() && s.attachment(&school, a.id).unwrap().is_none());
    assert!(s.attachments_in(&Scope::Nothing, 10).unwrap().is_empty());
    // A school's own upload: the school and its county read it; the city's upload, neither.
    let own = Owner { region: 510104, school: Some("2151010401".into()) };
    let c = attachments::save(s, &files, &school, "school", own, "名单.csv", Some("text/csv"), &mut "姓名,班级\n张三,一班\n".as_bytes(), &clock).unwrap();
    assert_eq!(s.attachments_in(&school, 10).unwrap(), vec![c.clone()]);
    assert!(s.attachment(&JINJIANG, c.id).unwrap().is_some());
    let city = attachments::save(s, &files, &CHENGDU, "chengdu", county(510100), "通知.pdf", None, &mut &PDF[..], &clock).unwrap();
    assert!(s.attachment(&JINJIANG, city.id).unwrap().is_none() && s.attachment(&CHENGDU, city.id).unwrap().is_some());
    // Writes are scoped: another county's place, or a school writing for its county.
    assert!(matches!(attachments::save(s, &files, &JINJIANG, "jinjiang", county(510112), "a.pdf", None, &mut &PDF[..], &clock), Err(AttachmentError::Store(StoreError::OutOfScope))));
    assert!(matches!(attachments::save(s, &files, &school, "school", county(510104), "a.pdf", None, &mut &PDF[..], &clock), Err(AttachmentError::Store(StoreError::OutOfScope))));
    assert_eq!(s.attachments_in(&Scope::all(), 100).unwrap().len(), 4);
}

/// Types are told by content: executables, mismatches, unknown and oversized files are refused
/// and leave nothing on disk.
pub fn attachments_checked_by_content(s: &mut (impl AttachmentIndex + ?Sized)) {
    let dir = TempFiles::new("checked");
    let files = Files::new(&dir.0, 4096);
    let clock = TestClock::at(1_800_000_000);
    let mut put = |name: &str, mime: Option<&str>, bytes: &[u8]| attachments::save(s, &files, &JINJIANG, "jinjiang", county(510104), name, mime, &mut &bytes[..], &clock);
    assert!(matches!(put("报告.pdf", None, b"MZ\x90\0\x03\0\0\0"), Err(AttachmentError::Executable)));
    assert!(matches!(put("run.txt", None, b"#!/bin/sh\necho hi\n"), Err(AttachmentError::Executable)));
    assert!(matches!(put("a.exe", None, b"MZ\x90\0"), Err(AttachmentError::Unsupported)));
    assert!(matches!(put("photo.png", None, PDF), Err(AttachmentError::Mismatch { declared: "png", detected: "pdf" })));
    assert!(matches!(put("a.pdf", Some("image/png"), PDF), Err(AttachmentError::Mismatch { .. })));
    assert!(matches!(put("a.bin", None, b"\0\0\0"), Err(AttachmentError::Unsupported)));
    assert!(matches!(put("a.txt", None, b"\x01\x02binary\0"), Err(AttachmentError::Unsupported)));
    assert!(matches!(put("a.docx", None, b"PK\x03\x04not really a zip"), Err(AttachmentError::Unsupported)));
    let big = vec![b'a'; 5000];
    assert!(matches!(put("big.txt", None, &big), Err(AttachmentError::TooLarge { max: 4096 })));
    assert!(dir.files().is_empty(), "refused uploads leave nothing: {:?}", dir.files());
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    assert_eq!(put("logo.PNG", Some("image/png"), png).unwrap().kind, attachments::Kind::Png);
    assert_eq!(put("p.jpg", None, b"\xff\xd8\xff\xe0\0\x10JFIF").unwrap().kind, attachments::Kind::Jpeg);
    let e = put("x.pdf", None, b"MZ").unwrap_err().to_string();
    assert!(e.contains("可执行文件") && e.contains("executables"), "{e}");
    assert_eq!(s.attachments_in(&JINJIANG, 10).unwrap().len(), 2);
}

/// Failed uploads: each row keeps its uploader's area; a reader sees only rows inside its scope
/// (and one account's when asked); reasons lose server paths and ID numbers; a scope holding
/// nothing writes nothing; retention keeps the newest rows and none older than 90 days.
pub fn failed_uploads_scoped_scrubbed_and_bounded(s: &mut (impl FailedUploads + ?Sized)) {
    let t0 = 1_800_000_000;
    let new = |account: &str, name: &str, zh: &str, at: i64| NewFailedUpload {
        account: account.into(),
        entity: crate::Entity::Student,
        file_name: name.into(),
        reason_zh: zh.into(),
        reason_en: "The file is not a spreadsheet: save it as .xlsx and upload it again.".into(),
        at,
    };
    let county_a = Scope::Region { lo: 510104, hi: 510104 };
    let county_b = Scope::Region { lo: 510704, hi: 510704 };
    let school_a = Scope::School { code: "5101040001".into(), county: 510104 };
    let province = Scope::province(51);
    s.record_failed_upload(&county_a, &new("county_a", "C:\\Users\\王老师\\学生.csv", "无法读取 /srv/tianfu/uploads/x.csv：身份证号 51010119900101123X 所在行", t0)).unwrap();
    s.record_failed_upload(&county_b, &new("county_b", "b.xlsx", "文件格式不对", t0 + 1)).unwrap();
    s.record_failed_upload(&school_a, &new("school_a", "s.csv", "文件超过上限", t0 + 2)).unwrap();
    s.record_failed_upload(&province, &new("root", "p.csv", "文件格式不对", t0 + 3)).unwrap();
    assert!(matches!(s.record_failed_upload(&Scope::Nothing, &new("auditor", "x.csv", "x", t0)), Err(StoreError::OutOfScope)));

    let names = |v: Vec<failed_uploads::FailedUpload>| v.into_iter().map(|f| f.account).collect::<Vec<_>>();
    assert_eq!(names(s.failed_uploads(&province, None, 10).unwrap()), ["root", "school_a", "county_b", "county_a"], "the province sees all, newest first");
    assert_eq!(names(s.failed_uploads(&county_a, None, 10).unwrap()), ["school_a", "county_a"], "a county sees its own area only");
    assert_eq!(names(s.failed_uploads(&county_a, Some("county_a"), 10).unwrap()), ["county_a"]);
    assert!(s.failed_uploads(&county_a, Some("county_b"), 10).unwrap().is_empty(), "another area's account through a county scope: nothing");
    assert_eq!(names(s.failed_uploads(&school_a, None, 10).unwrap()), ["school_a"]);
    assert!(s.failed_uploads(&Scope::School { code: "5101040002".into(), county: 510104 }, None, 10).unwrap().is_empty());
    assert!(s.failed_uploads(&Scope::Nothing, None, 10).unwrap().is_empty());
    assert_eq!(s.failed_uploads(&province, None, 2).unwrap().len(), 2, "the limit holds");

    let a = s.failed_uploads(&county_a, Some("county_a"), 1).unwrap().remove(0);
    assert_eq!(a.file_name, "学生.csv", "no folders of the client's machine");
    assert_eq!(a.reason_zh, "无法读取 …：身份证号 ****************** 所在行", "no server path, no ID number");
    assert_eq!(a.entity, crate::Entity::Student);
    assert_eq!(a.at, t0);
    assert_eq!(a.area, failed_uploads::Area { lo: 510104, hi: 510104, school: None });

    // 90 days on, a new row prunes the old ones.
    let later = t0 + failed_uploads::KEEP_DAYS * 86_400 + 10;
    s.record_failed_upload(&county_a, &new("county_a", "new.csv", "文件格式不对", later)).unwrap();
    assert_eq!(names(s.failed_uploads(&province, None, 10).unwrap()), ["county_a"], "rows older than 90 days are gone");
    // At most KEEP_ROWS rows: the oldest go first.
    for i in 0..failed_uploads::KEEP_ROWS + 5 {
        s.record_failed_upload(&county_b, &new("county_b", &format!("{i}.csv"), "文件格式不对", later + 1 + i as i64)).unwrap();
    }
    let all = s.failed_uploads(&province, None, 5_000).unwrap();
    assert_eq!(all.len(), failed_uploads::KEEP_ROWS);
    assert_eq!(all[0].file_name, format!("{}.csv", failed_uploads::KEEP_ROWS + 4), "the newest kept");
    assert_eq!(all.last().unwrap().file_name, "5.csv", "the oldest five (and the county's row) pruned");
}
