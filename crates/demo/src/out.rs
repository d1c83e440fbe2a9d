//! CSV output (RFC 4180, `\n` line ends) in UTF-8 without BOM or GBK, and the small formatting
//! helpers the hot loops use instead of `format!` (one row is built in reused buffers, so the
//! generator allocates nothing per row).

use crate::{HeaderStyle, OutEncoding};
use standard::{Date, Template};
use std::fs::File;
use std::io::{self, Write};
use std::path::Path;

/// Pending text is encoded and written once it passes this size: large enough that the
/// per-write cost vanishes, small enough that memory stays flat however many rows are written.
const FLUSH_AT: usize = 1 << 20;

/// One record's cells, by template field, plus a scratch cell for fields the template lacks
/// (see [`Cells::col`]), so generators never need to ask whether a column exists.
pub struct Cells {
    v: Vec<String>,
    n: usize,
}

impl Cells {
    pub fn new(t: &Template) -> Cells {
        let n = t.fields.len();
        Cells {
            v: (0..=n).map(|_| String::with_capacity(64)).collect(),
            n,
        }
    }

    /// The cell index of a field, or the scratch cell when the template has no such field: if
    /// the standard drops a column, the generator keeps working and the column is simply absent.
    pub fn col(t: &Template, key: &str) -> usize {
        t.index(key).unwrap_or(t.fields.len())
    }

    pub fn clear(&mut self) {
        for s in &mut self.v {
            s.clear();
        }
    }

    /// The cell, emptied, ready to be written.
    #[inline]
    pub fn set(&mut self, i: usize) -> &mut String {
        let s = &mut self.v[i];
        s.clear();
        s
    }

    #[inline]
    pub fn get(&self, i: usize) -> &str {
        &self.v[i]
    }

    pub fn record(&self) -> &[String] {
        &self.v[..self.n]
    }
}

/// A CSV file being written.
pub struct CsvOut {
    file: File,
    text: String,
    gbk: Option<Gbk>,
    pub rows: u64,
}

/// A GBK encoder for text made of a few hundred distinct characters: each character is encoded
/// once by encoding_rs and remembered. (encoding_rs without its optional lookup tables encodes
/// Han characters by search, which made GBK output six times slower than UTF-8.)
struct Gbk {
    /// Encoded form of each BMP character: 0 = not seen yet, else length << 16 | bytes.
    table: Vec<u32>,
    out: Vec<u8>,
}

impl Gbk {
    fn encode(&mut self, text: &str) -> io::Result<&[u8]> {
        self.out.clear();
        for c in text.chars() {
            if c.is_ascii() {
                self.out.push(c as u8);
                continue;
            }
            let i = c as usize;
            let mut e = if i < self.table.len() {
                self.table[i]
            } else {
                0
            };
            if e == 0 {
                let mut tmp = [0u8; 4];
                let (bytes, _, unmappable) = encoding_rs::GBK.encode(c.encode_utf8(&mut tmp));
                // Every generated character is in GBK (a test checks the word lists); failing
                // loudly beats the HTML entities a replacing encoder would write.
                if unmappable || bytes.is_empty() || bytes.len() > 2 {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!("{c:?} cannot be written in GBK"),
                    ));
                }
                e = (bytes.len() as u32) << 16 | bytes.iter().fold(0u32, |a, b| a << 8 | *b as u32);
                if i < self.table.len() {
                    self.table[i] = e;
                }
            }
            if e >> 16 == 2 {
                self.out.push((e >> 8) as u8);
            }
            self.out.push(e as u8);
        }
        Ok(&self.out)
    }
}

impl CsvOut {
    pub fn create(path: &Path, encoding: OutEncoding) -> io::Result<CsvOut> {
        let gbk = match encoding {
            OutEncoding::Utf8 => None,
            OutEncoding::Gbk => Some(Gbk {
                table: vec![0; 0x10000],
                out: Vec::new(),
            }),
        };
        Ok(CsvOut {
            file: File::create(path)?,
            text: String::with_capacity(FLUSH_AT + 4096),
            gbk,
            rows: 0,
        })
    }

    pub fn header(&mut self, t: &Template, style: HeaderStyle) -> io::Result<()> {
        for (i, f) in t.fields.iter().enumerate() {
            if i > 0 {
                self.text.push(',');
            }
            push_field(
                &mut self.text,
                if style == HeaderStyle::Chinese {
                    f.zh
                } else {
                    f.key
                },
            );
        }
        self.text.push('\n');
        Ok(())
    }

    pub fn record(&mut self, cells: &[String]) -> io::Result<()> {
        for (i, c) in cells.iter().enumerate() {
            if i > 0 {
                self.text.push(',');
            }
            push_field(&mut self.text, c);
        }
        self.text.push('\n');
        self.rows += 1;
        if self.text.len() >= FLUSH_AT {
            self.flush_text()?;
        }
        Ok(())
    }

    fn flush_text(&mut self) -> io::Result<()> {
        match &mut self.gbk {
            None => self.file.write_all(self.text.as_bytes())?,
            Some(gbk) => self.file.write_all(gbk.encode(&self.text)?)?,
        }
        self.text.clear();
        Ok(())
    }

    pub fn finish(mut self) -> io::Result<u64> {
        self.flush_text()?;
        self.file.flush()?;
        Ok(self.rows)
    }
}

/// Quotes only when a reader could misread the field: a separator, quote or line break inside,
/// or surrounding whitespace (which some readers trim from unquoted fields, and which the
/// whitespace warnings plant on purpose).
fn push_field(out: &mut String, s: &str) {
    let special = s.bytes().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r'));
    let padded = s.starts_with(char::is_whitespace) || s.ends_with(char::is_whitespace);
    if !special && !padded {
        out.push_str(s);
        return;
    }
    out.push('"');
    for c in s.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    out.push('"');
}

/// Appends `n` in decimal.
#[inline]
pub fn push_u64(out: &mut String, mut n: u64) {
    let mut b = [0u8; 20];
    let mut i = b.len();
    loop {
        i -= 1;
        b[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.push_str(std::str::from_utf8(&b[i..]).unwrap_or(""));
}

/// Appends `n` zero-padded to `width` digits (more if `n` needs them).
#[inline]
pub fn push_pad(out: &mut String, n: u64, width: usize) {
    let mut digits = 1;
    let mut m = n / 10;
    while m > 0 {
        digits += 1;
        m /= 10;
    }
    for _ in digits..width {
        out.push('0');
    }
    push_u64(out, n);
}

/// Writes `n` zero-padded into `b` (exactly `b.len()` digits, high digits dropped).
#[inline]
pub fn put_digits(b: &mut [u8], mut n: u64) {
    for c in b.iter_mut().rev() {
        *c = b'0' + (n % 10) as u8;
        n /= 10;
    }
}

/// `YYYY-MM-DD`.
#[inline]
pub fn push_date(out: &mut String, d: Date) {
    push_pad(out, d.year as u64, 4);
    out.push('-');
    push_pad(out, d.month as u64, 2);
    out.push('-');
    push_pad(out, d.day as u64, 2);
}

/// Appends a value in units of 1e-6 as a decimal with six places (integer arithmetic keeps
/// coordinates identical on every platform).
pub fn push_micro(out: &mut String, v: i64) {
    if v < 0 {
        out.push('-');
    }
    let a = v.unsigned_abs();
    push_u64(out, a / 1_000_000);
    out.push('.');
    push_pad(out, a % 1_000_000, 6);
}

/// Full-width forms of ASCII digits (U+FF10..), as pasted from some Chinese input methods.
pub fn push_fullwidth(out: &mut String, ascii: &str) {
    for c in ascii.chars() {
        if c.is_ascii_digit() {
            out.push(char::from_u32(c as u32 + 0xFEE0).unwrap_or(c));
        } else {
            out.push(c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        let mut s = String::new();
        push_u64(&mut s, 0);
        s.push(' ');
        push_pad(&mut s, 42, 5);
        s.push(' ');
        push_date(&mut s, Date::new(2010, 9, 1).unwrap());
        s.push(' ');
        push_micro(&mut s, 104_065_735);
        s.push(' ');
        push_micro(&mut s, -5);
        s.push(' ');
        push_fullwidth(&mut s, "a1-9");
        assert_eq!(s, "0 00042 2010-09-01 104.065735 -0.000005 a１-９");
        let mut b = [0u8; 3];
        put_digits(&mut b, 7);
        assert_eq!(&b, b"007");
    }

    #[test]
    fn quoting() {
        let mut s = String::new();
        for f in ["plain", "a,b", "say \"hi\"", " pad", "全角\u{3000}", "中文"] {
            push_field(&mut s, f);
            s.push('|');
        }
        assert_eq!(
            s,
            "plain|\"a,b\"|\"say \"\"hi\"\"\"|\" pad\"|\"全角\u{3000}\"|中文|"
        );
    }
}
