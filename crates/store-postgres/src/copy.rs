//! PostgreSQL's binary COPY format, written by hand into a byte buffer that is sent as one
//! `COPY … FROM STDIN (FORMAT binary)` when it is large enough: no escaping on either side.

use crate::error::pg;
use postgres::Client;
use std::io::Write;
use store::StoreError;

const HEADER: &[u8] = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";
const TRAILER: &[u8] = &(-1i16).to_be_bytes();

/// Encoded rows (without the COPY header and trailer).
#[derive(Default)]
pub struct Rows {
    pub bytes: Vec<u8>,
    pub count: u64,
}

impl Rows {
    pub fn with_capacity(bytes: usize) -> Rows {
        Rows {
            bytes: Vec::with_capacity(bytes),
            count: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    pub fn start_row(&mut self, fields: u16) {
        self.bytes.extend_from_slice(&(fields as i16).to_be_bytes());
        self.count += 1;
    }

    pub fn text(&mut self, s: &str) {
        self.bytes
            .extend_from_slice(&(s.len() as i32).to_be_bytes());
        self.bytes.extend_from_slice(s.as_bytes());
    }

    pub fn int8(&mut self, v: i64) {
        self.bytes.extend_from_slice(&8i32.to_be_bytes());
        self.bytes.extend_from_slice(&v.to_be_bytes());
    }

    pub fn int4(&mut self, v: i32) {
        self.bytes.extend_from_slice(&4i32.to_be_bytes());
        self.bytes.extend_from_slice(&v.to_be_bytes());
    }

    pub fn null(&mut self) {
        self.bytes.extend_from_slice(&(-1i32).to_be_bytes());
    }

    pub fn opt_int4(&mut self, v: Option<i32>) {
        match v {
            Some(v) => self.int4(v),
            None => self.null(),
        }
    }

    pub fn opt_int8(&mut self, v: Option<i64>) {
        match v {
            Some(v) => self.int8(v),
            None => self.null(),
        }
    }

    /// Appends rows encoded elsewhere.
    pub fn append(&mut self, bytes: &[u8], rows: u64) {
        self.bytes.extend_from_slice(bytes);
        self.count += rows;
    }

    pub fn clear(&mut self) {
        self.bytes.clear();
        self.count = 0;
    }

    /// Sends the rows, if any, as one `statement` (a `COPY … FROM STDIN (FORMAT binary)`).
    pub fn flush(&mut self, db: &mut Client, statement: &str) -> Result<u64, StoreError> {
        if self.count == 0 {
            return Ok(0);
        }
        let rows = self.count;
        let mut w = db.copy_in(statement).map_err(pg)?;
        // CopyInWriter keeps what it is given (sending in pieces past 4 KiB) and sends the rest
        // on finish.
        let written = w
            .write_all(HEADER)
            .and_then(|_| w.write_all(&self.bytes))
            .and_then(|_| w.write_all(TRAILER));
        self.clear();
        if let Err(e) = written {
            // Dropping the writer aborts the COPY.
            return Err(
                match e.into_inner().map(|b| b.downcast::<postgres::Error>()) {
                    Some(Ok(e)) => pg(*e),
                    Some(Err(e)) => StoreError::Internal(e.to_string()),
                    None => StoreError::Internal("COPY failed".into()),
                },
            );
        }
        let n = w.finish().map_err(pg)?;
        debug_assert_eq!(n, rows);
        Ok(n)
    }
}
