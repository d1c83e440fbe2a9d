//! The tests of the shared pieces' storage every backend must pass ([`kit_suite!`]): stored
//! calendar years replacing embedded ones, and attachments stored once and read through a scope.

use crate::attachments::{self, AttachmentError, AttachmentIndex, Files, Owner};
use crate::calendar::{self, Calendar, CalendarStore};
use crate::clock::TestClock;
use crate::{Scope, StoreError};
use standard::Date;
use std::path::PathBuf;

#[macro_export]
macro_rules! kit_suite {
    ($make:expr) => {
        $crate::kit_suite!(@tests $make; calendar_years_stored_and_replaced, attachments_stored_once_and_scoped, attachments_checked_by_content);
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
