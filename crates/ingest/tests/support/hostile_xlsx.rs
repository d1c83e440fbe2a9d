//! Hostile workbooks, written the way an attacker would: zip archives assembled by hand, with
//! parts that inflate to gigabytes from a few megabytes. A part may repeat one unit of text any
//! number of times: the unit is deflated once after a full flush (which makes its compressed
//! bytes independent of what came before), and those bytes are written again and again, so a
//! 1.5 GiB cell costs seconds of disk writing, not minutes of compressing. Sizes and CRC-32s
//! are the real ones: the archives are valid.
#![allow(dead_code)]

use flate2::{Compress, Compression, FlushCompress, Status};
use std::io::{BufWriter, Write};
use std::path::Path;

pub const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#;
pub const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
pub const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#;
pub const SHEET_HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#;
pub const SHEET_TAIL: &str = "</sheetData></worksheet>";

/// The content of one part.
pub enum Part {
    Bytes(Vec<u8>),
    /// `head`, then `unit` `times` times, then `tail`.
    Repeat { head: Vec<u8>, unit: Vec<u8>, times: u64, tail: Vec<u8> },
    /// Bytes written without compression (method 0), as some writers store small parts.
    Stored(Vec<u8>),
}

impl Part {
    pub fn text(s: &str) -> Part {
        Part::Bytes(s.as_bytes().to_vec())
    }
}

/// Deflates `input` into a new vector, ending with `flush`.
fn deflate(c: &mut Compress, input: &[u8], flush: FlushCompress) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len() / 4 + 4096);
    let start = c.total_in();
    loop {
        if out.capacity() - out.len() < 4096 {
            out.reserve(out.capacity().max(4096));
        }
        let done = (c.total_in() - start) as usize;
        let status = c.compress_vec(&input[done..], &mut out, flush).unwrap();
        let done = (c.total_in() - start) as usize;
        let room_left = out.len() < out.capacity();
        let finished = match flush {
            FlushCompress::Finish => status == Status::StreamEnd,
            _ => room_left,
        };
        if done == input.len() && finished {
            return out;
        }
    }
}

/// The CRC-32 of `unit` repeated `times` times, by squaring.
fn crc_repeat(unit: &crc32fast::Hasher, mut times: u64) -> crc32fast::Hasher {
    let mut acc = crc32fast::Hasher::new();
    let mut base = unit.clone();
    while times > 0 {
        if times & 1 == 1 {
            acc.combine(&base);
        }
        let b = base.clone();
        base.combine(&b);
        times >>= 1;
    }
    acc
}

fn le16(w: &mut impl Write, v: u16) {
    w.write_all(&v.to_le_bytes()).unwrap();
}
fn le32(w: &mut impl Write, v: u32) {
    w.write_all(&v.to_le_bytes()).unwrap();
}

/// Writes a zip archive of `parts`; returns its size in bytes.
pub fn write_zip(path: &Path, parts: &[(&str, Part)]) -> u64 {
    let mut w = BufWriter::with_capacity(1 << 20, std::fs::File::create(path).unwrap());
    let mut offset = 0u64;
    let mut central = Vec::new();
    for (name, part) in parts {
        // (method, crc, compressed size, size, pieces to write: (bytes, times))
        let (method, crc, size, pieces): (u16, u32, u64, Vec<(Vec<u8>, u64)>) = match part {
            Part::Stored(b) => (0, crc32fast::hash(b), b.len() as u64, vec![(b.clone(), 1)]),
            Part::Bytes(b) => {
                let mut c = Compress::new(Compression::new(6), false);
                (8, crc32fast::hash(b), b.len() as u64, vec![(deflate(&mut c, b, FlushCompress::Finish), 1)])
            }
            Part::Repeat { head, unit, times, tail } => {
                let mut c = Compress::new(Compression::new(6), false);
                let h = deflate(&mut c, head, FlushCompress::Full);
                let u = deflate(&mut c, unit, FlushCompress::Full);
                let t = deflate(&mut c, tail, FlushCompress::Finish);
                let mut crc = crc32fast::Hasher::new();
                crc.update(head);
                let mut uc = crc32fast::Hasher::new();
                uc.update(unit);
                crc.combine(&crc_repeat(&uc, *times));
                let mut tc = crc32fast::Hasher::new();
                tc.update(tail);
                crc.combine(&tc);
                let size = head.len() as u64 + unit.len() as u64 * times + tail.len() as u64;
                (8, crc.finalize(), size, vec![(h, 1), (u, *times), (t, 1)])
            }
        };
        let csize: u64 = pieces.iter().map(|(b, n)| b.len() as u64 * n).sum();
        assert!(size < u32::MAX as u64 && csize < u32::MAX as u64, "no zip64 here");
        let header = |w: &mut Vec<u8>, central: bool| {
            le32(w, if central { 0x0201_4b50 } else { 0x0403_4b50 });
            if central {
                le16(w, 20);
            }
            for v in [20u16, 0, method, 0, 0x21] {
                le16(w, v);
            }
            for v in [crc, csize as u32, size as u32] {
                le32(w, v);
            }
            le16(w, name.len() as u16);
            le16(w, 0);
            if central {
                for v in [0u16, 0, 0] {
                    le16(w, v);
                }
                le32(w, 0);
                le32(w, offset as u32);
            }
            w.extend_from_slice(name.as_bytes());
        };
        let mut local = Vec::new();
        header(&mut local, false);
        header(&mut central, true);
        w.write_all(&local).unwrap();
        for (bytes, times) in &pieces {
            for _ in 0..*times {
                w.write_all(bytes).unwrap();
            }
        }
        offset += local.len() as u64 + csize;
    }
    let cd_offset = offset;
    w.write_all(&central).unwrap();
    let n = parts.len() as u64;
    let mut end = offset + central.len() as u64;
    if n > 0xFFFF {
        // Zip64: the end record and its locator, for more entries than 16 bits count.
        w.write_all(&0x0606_4b50u32.to_le_bytes()).unwrap();
        w.write_all(&44u64.to_le_bytes()).unwrap();
        le16(&mut w, 45);
        le16(&mut w, 45);
        le32(&mut w, 0);
        le32(&mut w, 0);
        for v in [n, n, central.len() as u64, cd_offset] {
            w.write_all(&v.to_le_bytes()).unwrap();
        }
        le32(&mut w, 0x0706_4b50);
        le32(&mut w, 0);
        w.write_all(&end.to_le_bytes()).unwrap();
        le32(&mut w, 1);
        end += 56 + 20;
    }
    le32(&mut w, 0x0605_4b50);
    let n16 = n.min(0xFFFF) as u16;
    for v in [0u16, 0, n16, n16] {
        le16(&mut w, v);
    }
    le32(&mut w, central.len() as u32);
    le32(&mut w, cd_offset as u32);
    le16(&mut w, 0);
    w.flush().unwrap();
    end + 22
}

/// A workbook of one sheet ("Sheet1") and, if given, a shared string table.
pub fn workbook(path: &Path, sheet: Part, shared: Option<Part>) -> u64 {
    let mut parts = vec![
        ("[Content_Types].xml", Part::text(CONTENT_TYPES)),
        ("xl/workbook.xml", Part::text(WORKBOOK)),
        ("xl/_rels/workbook.xml.rels", Part::text(WORKBOOK_RELS)),
    ];
    if let Some(s) = shared {
        parts.push(("xl/sharedStrings.xml", s));
    }
    parts.push(("xl/worksheets/sheet1.xml", sheet));
    write_zip(path, &parts)
}

/// Text that deflates about 58:1, like the workbook of the finding: a random letter or digit
/// every 96 bytes among spaces. `len` bytes, deterministic.
pub fn filler(len: usize, seed: u64) -> Vec<u8> {
    const ALPHA: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut s = seed | 1;
    let mut out = vec![b' '; len];
    for i in (95..len).step_by(96) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        out[i] = ALPHA[(s % ALPHA.len() as u64) as usize];
    }
    out
}

/// Cells of one row as inline strings: `<row r="n"><c r="A1" t="inlineStr"><is><t>…`.
pub fn inline_row(n: u64, cells: &[&str]) -> String {
    let mut s = format!("<row r=\"{n}\">");
    for (c, v) in cells.iter().enumerate() {
        let v = v.replace('&', "&amp;").replace('<', "&lt;");
        s += &format!("<c r=\"{}{n}\" t=\"inlineStr\"><is><t>{v}</t></is></c>", col_name(c));
    }
    s + "</row>"
}

pub fn col_name(c: usize) -> String {
    let mut n = c + 1;
    let mut out = Vec::new();
    while n > 0 {
        out.push(b'A' + ((n - 1) % 26) as u8);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap()
}

/// The finding: a workbook of about 27 MB whose sheet holds, after a header and one ordinary
/// row, a cell of `cell_bytes` (1.5 GiB in the finding) in column `col` of row 3; the archive
/// inflates about 58:1, under any zip-bomb ratio guard. Returns the file's size.
pub fn giant_cell(path: &Path, header: &[&str], row2: &[&str], col: usize, cell_bytes: u64) -> u64 {
    let unit = filler(1 << 20, 7);
    assert_eq!(cell_bytes % unit.len() as u64, 0);
    let mut head = String::from(SHEET_HEAD);
    head += &inline_row(1, header);
    head += &inline_row(2, row2);
    head += &format!("<row r=\"3\"><c r=\"{}3\" t=\"inlineStr\"><is><t xml:space=\"preserve\">", col_name(col));
    let tail = format!("</t></is></c></row>{SHEET_TAIL}");
    workbook(path, Part::Repeat { head: head.into_bytes(), unit, times: cell_bytes / (1 << 20), tail: tail.into_bytes() }, None)
}
