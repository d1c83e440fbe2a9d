//! A CSV/TSV record parser (RFC 4180, lenient the way spreadsheet exports need) and the
//! quote-aware splitter that cuts a byte stream into chunks of whole records for parallel work.
//!
//! It works on bytes, so the same code serves UTF-8 and GBK/GB18030 input: in both, the bytes
//! `"`, `,`, `\t`, `\r` and `\n` only ever stand for themselves (GBK trail bytes are 0x40..=0xFE,
//! GB18030 four-byte sequences use 0x30..=0x39 in second place).

use memchr::memchr2;

/// One parsed record: unescaped field contents in `buf`, each field a byte range of it.
#[derive(Debug, Default, Clone)]
pub struct Record {
    pub buf: Vec<u8>,
    pub ranges: Vec<(usize, usize)>,
    /// 1-based physical line where the record starts.
    pub line: u64,
    /// Byte range of the record in the chunk it came from (without the line end).
    pub span: (usize, usize),
    /// The record ran into the end of the input inside a quoted field.
    pub unclosed_quote: bool,
}

impl Record {
    pub fn len(&self) -> usize {
        self.ranges.len()
    }
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }
    pub fn field(&self, i: usize) -> &[u8] {
        let (a, b) = self.ranges[i];
        &self.buf[a..b]
    }
    /// True for a line with no content at all, or only empty fields (`,,,`).
    pub fn is_blank(&self) -> bool {
        self.ranges.iter().all(|&(a, b)| self.buf[a..b].iter().all(|c| c.is_ascii_whitespace()))
    }
}

/// Parses records one by one out of a buffer that holds whole records.
pub struct Parser<'a> {
    data: &'a [u8],
    pos: usize,
    line: u64,
    delim: u8,
    /// Fields past this many are still consumed but not stored (hostile input guard).
    pub max_fields: usize,
}

impl<'a> Parser<'a> {
    pub fn new(data: &'a [u8], delim: u8, first_line: u64) -> Parser<'a> {
        Parser { data, pos: 0, line: first_line, delim, max_fields: 1 << 20 }
    }

    pub fn line(&self) -> u64 {
        self.line
    }

    /// Reads the next record into `rec`; false at the end of the data.
    pub fn next_into(&mut self, rec: &mut Record) -> bool {
        rec.buf.clear();
        rec.ranges.clear();
        rec.unclosed_quote = false;
        let data = self.data;
        if self.pos >= data.len() {
            return false;
        }
        rec.line = self.line;
        let start = self.pos;
        let d = self.delim;
        // Fast path: a line without quotes is copied whole and split at its delimiters.
        let rest = &data[start..];
        let nl = memchr::memchr(b'\n', rest);
        let mut line = &rest[..nl.unwrap_or(rest.len())];
        if memchr::memchr(b'"', line).is_none() {
            if line.last() == Some(&b'\r') {
                line = &line[..line.len() - 1];
            }
            rec.buf.extend_from_slice(line);
            let mut from = 0;
            for k in memchr::memchr_iter(d, line) {
                if rec.ranges.len() + 1 >= self.max_fields {
                    break;
                }
                rec.ranges.push((from, k));
                from = k + 1;
            }
            rec.ranges.push((from, line.len()));
            rec.span = (start, start + line.len());
            match nl {
                Some(k) => {
                    self.pos = start + k + 1;
                    self.line += 1;
                }
                None => self.pos = data.len(),
            }
            return true;
        }
        let mut i = self.pos;
        loop {
            let field_start = rec.buf.len();
            if i < data.len() && data[i] == b'"' {
                i += 1;
                loop {
                    match memchr2(b'"', b'\n', &data[i..]) {
                        None => {
                            rec.buf.extend_from_slice(&data[i..]);
                            i = data.len();
                            rec.unclosed_quote = true;
                            break;
                        }
                        Some(k) => {
                            let j = i + k;
                            rec.buf.extend_from_slice(&data[i..j]);
                            if data[j] == b'\n' {
                                self.line += 1;
                                rec.buf.push(b'\n');
                                i = j + 1;
                            } else if data.get(j + 1) == Some(&b'"') {
                                rec.buf.push(b'"');
                                i = j + 2;
                            } else {
                                i = j + 1;
                                break;
                            }
                        }
                    }
                }
            }
            // Unquoted text, or what follows a closing quote, runs to the delimiter or line end.
            // Fields are short: a plain loop beats setting up a vectorised search.
            let mut end = i;
            while end < data.len() && data[end] != d && data[end] != b'\n' {
                end += 1;
            }
            let mut content_end = end;
            if end < data.len() && data[end] == b'\n' && end > i && data[end - 1] == b'\r' {
                content_end -= 1;
            } else if end == data.len() && end > i && data[end - 1] == b'\r' {
                content_end -= 1;
            }
            rec.buf.extend_from_slice(&data[i..content_end]);
            i = end;
            if rec.ranges.len() < self.max_fields {
                rec.ranges.push((field_start, rec.buf.len()));
            } else {
                rec.buf.truncate(field_start);
            }
            if i >= data.len() {
                rec.span = (start, data.len());
                self.pos = data.len();
                return true;
            }
            if data[i] == d {
                i += 1;
                continue;
            }
            // A line end.
            rec.span = (start, if i > start && data[i - 1] == b'\r' { i - 1 } else { i });
            self.pos = i + 1;
            self.line += 1;
            return true;
        }
    }
}

/// Tracks quote state across a stream to find where whole records end. It follows the
/// [`Parser`]'s rule exactly: a quote opens a quoted field only at the start of a field; anywhere
/// else it is an ordinary character (`张"三` is a name, not the start of a multi-line field).
#[derive(Debug)]
pub struct Splitter {
    delim: u8,
    in_quote: bool,
    /// The last byte scanned was a quote inside a quoted field: the next byte decides whether it
    /// closed the field or began an escaped `""`.
    quote_pending: bool,
}

impl Splitter {
    pub fn new(delim: u8) -> Splitter {
        Splitter { delim, in_quote: false, quote_pending: false }
    }

    /// Scans `data[from..]`, continuing the state, and returns the end (exclusive, after the
    /// `\n`) of the last complete record found there, the newlines scanned up to that end, and
    /// all newlines scanned. `data[..from]` must be what earlier calls scanned, from the start of
    /// a record (it is looked back at to tell where fields start).
    pub fn scan(&mut self, data: &[u8], from: usize) -> (Option<usize>, u64, u64) {
        let mut last = None;
        let mut lines_total = 0u64;
        let mut lines_at_last = 0u64;
        let mut q = self.in_quote;
        // The second quote of an escaped pair, to step over.
        let mut skip = usize::MAX;
        if self.quote_pending && from < data.len() {
            self.quote_pending = false;
            if data[from] == b'"' {
                skip = from;
            } else {
                q = false;
            }
        }
        for k in memchr::memchr2_iter(b'"', b'\n', &data[from..]) {
            let j = from + k;
            if data[j] == b'"' {
                if j == skip {
                    continue;
                }
                if q {
                    match data.get(j + 1) {
                        Some(b'"') => skip = j + 1,
                        Some(_) => q = false,
                        None => self.quote_pending = true,
                    }
                } else if j == 0 || data[j - 1] == self.delim || data[j - 1] == b'\n' {
                    q = true;
                }
            } else {
                lines_total += 1;
                if !q {
                    last = Some(j + 1);
                    lines_at_last = lines_total;
                }
            }
        }
        self.in_quote = q;
        (last, lines_at_last, lines_total)
    }

    pub fn in_quote(&self) -> bool {
        self.in_quote
    }
}

/// The end (after its `\n`) of the first record of `data`, if it is complete there.
pub fn first_record_end(data: &[u8], delim: u8) -> Option<usize> {
    let mut s = Splitter::new(delim);
    let mut from = 0;
    for nl in memchr::memchr_iter(b'\n', data) {
        if let (Some(end), _, _) = s.scan(&data[..nl + 1], from) {
            return Some(end);
        }
        from = nl + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Vec<(u64, Vec<String>, bool)> {
        let mut p = Parser::new(s.as_bytes(), b',', 1);
        let mut r = Record::default();
        let mut out = vec![];
        while p.next_into(&mut r) {
            let f = (0..r.len()).map(|i| String::from_utf8(r.field(i).to_vec()).unwrap()).collect();
            out.push((r.line, f, r.unclosed_quote));
        }
        out
    }

    fn v(x: &[&str]) -> Vec<String> {
        x.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn plain_and_quoted() {
        let got = parse("a,b,c\n1,\"x,y\",\"he said \"\"hi\"\"\"\r\n\"multi\nline\",2,3\nlast,,");
        assert_eq!(got[0], (1, v(&["a", "b", "c"]), false));
        assert_eq!(got[1], (2, v(&["1", "x,y", "he said \"hi\""]), false));
        assert_eq!(got[2], (3, v(&["multi\nline", "2", "3"]), false));
        assert_eq!(got[3], (5, v(&["last", "", ""]), false));
        assert_eq!(got.len(), 4);
    }

    #[test]
    fn unclosed_quote_runs_to_the_end() {
        let got = parse("a,b\n\"open,x\ny,z\n");
        assert_eq!(got.len(), 2);
        assert!(got[1].2);
        assert_eq!(got[1].1, v(&["open,x\ny,z\n"]));
    }

    #[test]
    fn bare_cr_is_data_and_text_after_quote_kept() {
        assert_eq!(parse("a\rb,c\r\n")[0].1, v(&["a\rb", "c"]));
        assert_eq!(parse("\"ab\"cd,e\n")[0].1, v(&["abcd", "e"]));
        assert_eq!(parse("x,\"\"\n")[0].1, v(&["x", ""]));
    }

    #[test]
    fn splitter_respects_quotes() {
        let data = b"a,b\n\"x\ny\",1\nc,d";
        let mut s = Splitter::new(b',');
        assert_eq!(s.scan(data, 0), (Some(12), 3, 3));
        let mut s = Splitter::new(b',');
        assert_eq!(s.scan(b"a,\"b\nc", 0), (None, 0, 1));
        assert!(s.in_quote());
    }

    #[test]
    fn splitter_quotes_only_at_field_start() {
        // A quote inside a field is text, as the parser reads it: both lines end records.
        let mut s = Splitter::new(b',');
        assert_eq!(s.scan(b"a,b\"c\nd,e\n", 0), (Some(10), 2, 2));
        assert!(!s.in_quote());
        // Only the field delimiter starts a field.
        let mut s = Splitter::new(b'\t');
        assert_eq!(s.scan(b"a,\"b\nc\n", 0), (Some(7), 2, 2));
        let mut s = Splitter::new(b'\t');
        assert_eq!(s.scan(b"a\t\"b\nc\n", 0), (None, 0, 2));
        // Text after a closing quote, quotes in it included, is not quoted.
        let mut s = Splitter::new(b',');
        assert_eq!(s.scan(b"\"ab\"c\"d,e\nf\n", 0), (Some(12), 2, 2));
    }

    #[test]
    fn splitter_escaped_quote_across_scans() {
        // `"x""` then `"` arrives: an escaped quote, the field is still open at the newline.
        let data = b"\"x\"\"\ny\",1\nz\n";
        let mut s = Splitter::new(b',');
        assert_eq!(s.scan(&data[..3], 0), (None, 0, 0));
        assert_eq!(s.scan(&data[..5], 3), (None, 0, 1));
        assert_eq!(s.scan(data, 5), (Some(12), 2, 2));
        // `"x"` then a newline: the quote closed the field.
        let data = b"\"x\"\ny\n";
        let mut s = Splitter::new(b',');
        assert_eq!(s.scan(&data[..3], 0), (None, 0, 0));
        assert_eq!(s.scan(data, 3), (Some(6), 2, 2));
        assert_eq!(first_record_end(b"\"a\nb\",c\"d\ne\n", b','), Some(10));
        assert_eq!(first_record_end(b"a,b\"c\nd\n", b','), Some(6));
        assert_eq!(first_record_end(b"a,\"b\nc", b','), None);
    }

    proptest::proptest! {
        #[test]
        fn never_panics_and_terminates(data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512)) {
            let mut p = Parser::new(&data, b',', 1);
            let mut r = Record::default();
            let mut n = 0;
            while p.next_into(&mut r) { n += 1; proptest::prop_assert!(n <= data.len() + 1); }
        }

        #[test]
        fn splitter_agrees_with_parser(
            data in proptest::collection::vec(proptest::sample::select(b"a,\"\n\r\t".to_vec()), 0..64),
            delim in proptest::sample::select(vec![b',', b'\t']),
        ) {
            // Where the parser's records end, scanning one byte at a time.
            let mut want = vec![];
            let mut p = Parser::new(&data, delim, 1);
            let mut r = Record::default();
            while p.next_into(&mut r) {
                if data[r.span.1..].contains(&b'\n') {
                    let nl = r.span.1 + data[r.span.1..].iter().position(|&c| c == b'\n').unwrap();
                    want.push(nl + 1);
                }
            }
            let mut got = vec![];
            let mut s = Splitter::new(delim);
            for i in 0..data.len() {
                if let (Some(e), _, _) = s.scan(&data[..i + 1], i) {
                    got.push(e);
                }
            }
            proptest::prop_assert_eq!(got, want);
        }

        #[test]
        fn round_trips_quoted_fields(fields in proptest::collection::vec("[a-z,\"\n ]{0,8}", 1..6)) {
            let line: Vec<String> = fields.iter().map(|f| format!("\"{}\"", f.replace('"', "\"\""))).collect();
            let text = line.join(",") + "\n";
            let got = parse(&text);
            proptest::prop_assert_eq!(got.len(), 1);
            proptest::prop_assert_eq!(&got[0].1, &fields);
        }
    }
}
