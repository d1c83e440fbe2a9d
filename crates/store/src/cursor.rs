//! Keyset cursors, one codec for every backend: the sort key of a page's last row, as a kind
//! letter and typed parts (`Writer::new('n').int(7).text("张三")`). Text parts carry their byte
//! length, so no value (a name with `:` in it) can be read as another part.
//!
//! A cursor holds stored values (a name, an ID number used as a key): it never leaves the server
//! as it is. The web layer seals it (authenticated, bound to the query it was made for) and opens
//! it before it reaches the store. A cursor that does not read is [`StoreError::BadCursor`], whose
//! message never repeats the cursor.

use crate::StoreError;

/// Builds a cursor.
#[derive(Debug)]
pub struct Writer(String);

impl Writer {
    pub fn new(kind: char) -> Writer {
        let mut s = String::with_capacity(48);
        s.push(kind);
        Writer(s)
    }

    pub fn int(mut self, v: i64) -> Writer {
        use std::fmt::Write;
        let _ = write!(self.0, "i{v};");
        self
    }

    pub fn text(mut self, v: &str) -> Writer {
        use std::fmt::Write;
        let _ = write!(self.0, "t{}:", v.len());
        self.0.push_str(v);
        self
    }

    pub fn finish(self) -> String {
        self.0
    }
}

/// Reads a cursor's parts in the order they were written.
#[derive(Debug)]
pub struct Reader<'a> {
    rest: &'a str,
}

/// A reader of `cursor`, which must be of `kind`.
pub fn read(cursor: &str, kind: char) -> Result<Reader<'_>, StoreError> {
    let rest = cursor.strip_prefix(kind).ok_or(StoreError::BadCursor)?;
    Ok(Reader { rest })
}

impl<'a> Reader<'a> {
    pub fn int(&mut self) -> Result<i64, StoreError> {
        let r = self.rest.strip_prefix('i').ok_or(StoreError::BadCursor)?;
        let (n, rest) = r.split_once(';').ok_or(StoreError::BadCursor)?;
        // Only what `int` writes: an optional minus and digits (no `+`, no spaces).
        if n.is_empty() || !n.trim_start_matches('-').bytes().all(|b| b.is_ascii_digit()) {
            return Err(StoreError::BadCursor);
        }
        self.rest = rest;
        n.parse().map_err(|_| StoreError::BadCursor)
    }

    pub fn text(&mut self) -> Result<&'a str, StoreError> {
        let r = self.rest.strip_prefix('t').ok_or(StoreError::BadCursor)?;
        let (n, rest) = r.split_once(':').ok_or(StoreError::BadCursor)?;
        if n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
            return Err(StoreError::BadCursor);
        }
        let n: usize = n.parse().map_err(|_| StoreError::BadCursor)?;
        let v = rest.get(..n).ok_or(StoreError::BadCursor)?;
        self.rest = &rest[n..];
        Ok(v)
    }

    /// Every part was read.
    pub fn end(self) -> Result<(), StoreError> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(StoreError::BadCursor)
        }
    }
}

/// A cursor of one text key (a school code, a record key).
pub fn key(kind: char, key: &str) -> String {
    Writer::new(kind).text(key).finish()
}

/// The key of a [`key`] cursor of `kind`.
pub fn read_key(cursor: &str, kind: char) -> Result<String, StoreError> {
    let mut r = read(cursor, kind)?;
    let key = r.text()?.to_string();
    r.end()?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parts_round_trip() {
        let c = Writer::new('n').int(-7).text("张:三;t3:").int(i64::MAX).text("").finish();
        let mut r = read(&c, 'n').unwrap();
        assert_eq!((r.int().unwrap(), r.text().unwrap(), r.int().unwrap(), r.text().unwrap()), (-7, "张:三;t3:", i64::MAX, ""));
        r.end().unwrap();
        assert!(matches!(read(&c, 'c'), Err(StoreError::BadCursor)), "another kind");
        let mut r = read(&c, 'n').unwrap();
        assert!(r.text().is_err(), "parts are typed");
        let mut r = read("nt99:ab", 'n').unwrap();
        assert!(r.text().is_err(), "too short");
        let mut r = read("nt1:张", 'n').unwrap();
        assert!(r.text().is_err(), "inside a character");
        let mut r = read("ni+1;", 'n').unwrap();
        assert!(r.int().is_err());
        let mut r = read("ni1;x", 'n').unwrap();
        r.int().unwrap();
        assert!(r.end().is_err(), "something left over");
        assert_eq!(read_key(&key('s', "2151040001"), 's').unwrap(), "2151040001");
        assert!(read_key(&key('s', "x"), 'k').is_err(), "another kind");
    }

    #[test]
    fn the_error_never_repeats_the_cursor() {
        let e = read("n51010420140901002X", 'c').unwrap_err();
        assert!(!e.to_string().contains("5101") && !e.zh().contains("5101"), "{e}");
    }

    proptest! {
        /// Any text reads without a panic, and whatever is written reads back.
        #[test]
        fn any_input_is_safe(s in ".{0,40}", n in any::<i64>(), t in ".{0,20}") {
            if let Ok(mut r) = read(&s, 'n') {
                let _ = r.int();
                let _ = r.text();
                let _ = r.end();
            }
            let c = Writer::new('k').text(&t).int(n).finish();
            let mut r = read(&c, 'k').unwrap();
            prop_assert_eq!(r.text().unwrap(), t.as_str());
            prop_assert_eq!(r.int().unwrap(), n);
            prop_assert!(r.end().is_ok());
        }
    }
}
