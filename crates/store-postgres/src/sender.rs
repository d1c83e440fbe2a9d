//! The COPYs of a large first import, sent by a thread of their own.
//!
//! With one connection, a batch that sends a buffer of rows waits until the server has stored
//! it (`COPY` ends with the server's answer), and the server waits while the next buffer is
//! validated and encoded: the two take turns. Here the batch lends its connection — with its
//! open transaction — to a sender thread for as long as rows are copied straight into the
//! tables, and hands it buffers through a short queue; the thread sends each as one COPY while
//! the batch goes on encoding the next. The batch's borrowed slot holds a spare connection
//! meanwhile (never used for the import: the store is borrowed by the batch) and gets the
//! transaction's connection back when the sender is [`Sender::finish`]ed, before anything else
//! is sent. Buffers keep their order (students before their enrolments).
//!
//! If the thread cannot send (the server refused a row, the connection broke), it stops taking
//! buffers: the next [`Sender::send`] reports the failure, and `finish` returns the connection
//! with its aborted transaction, which the batch rolls back as on any other failure. Should the
//! thread itself die, its connection — and with it the transaction — is closed, which the
//! server treats as a rollback, and the store goes on with the spare.

use crate::copy::Rows;
use postgres::Client;
use std::sync::mpsc::{sync_channel, SyncSender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use store::StoreError;

/// Buffers queued for the thread beyond the one it is sending: the encoder may run this far
/// ahead (memory: (QUEUE + 2) buffers of ~8 MiB).
const QUEUE: usize = 2;

type Job = (String, Rows);

pub struct Sender {
    jobs: Option<SyncSender<Job>>,
    thread: Option<JoinHandle<(Client, Result<Duration, StoreError>)>>,
}

impl Sender {
    /// Lends `db` (the transaction's connection) to a new sender thread; `db` holds `spare`
    /// until [`Sender::finish`].
    pub fn start(db: &mut Client, spare: Client) -> Result<Sender, StoreError> {
        let conn = std::mem::replace(db, spare);
        let (tx, rx) = sync_channel::<Job>(QUEUE);
        let spawned = std::thread::Builder::new().name("tianfu-pg-copy".into()).spawn(move || {
            let mut conn = conn;
            let mut busy = Duration::ZERO;
            for (sql, mut rows) in rx {
                let t = Instant::now();
                if let Err(e) = rows.flush(&mut conn, &sql) {
                    // Dropping the receiver tells the batch at its next send.
                    return (conn, Err(e));
                }
                busy += t.elapsed();
            }
            (conn, Ok(busy))
        });
        match spawned {
            Ok(thread) => Ok(Sender { jobs: Some(tx), thread: Some(thread) }),
            Err(e) => Err(StoreError::Internal(format!("cannot start the COPY thread: {e}"))),
        }
    }

    /// Queues `rows` to be sent as `sql` (waits while the queue is full). Err when the thread
    /// has stopped: call [`Sender::finish`] for the reason.
    pub fn send(&mut self, sql: &str, rows: Rows) -> Result<(), ()> {
        if rows.count == 0 {
            return Ok(());
        }
        match &self.jobs {
            Some(j) => j.send((sql.to_string(), rows)).map_err(|_| ()),
            None => Err(()),
        }
    }

    /// Waits until everything queued is sent and puts the transaction's connection back into
    /// `db` (the spare is closed). Returns the time the thread spent sending, or why it stopped.
    pub fn finish(mut self, db: &mut Client) -> Result<Duration, StoreError> {
        self.jobs = None;
        let Some(thread) = self.thread.take() else {
            return Err(StoreError::Internal("the COPY thread was already joined".into()));
        };
        match thread.join() {
            Ok((conn, r)) => {
                let spare = std::mem::replace(db, conn);
                drop(spare);
                r
            }
            Err(_) => Err(StoreError::Internal(
                "the COPY thread stopped unexpectedly: its connection was closed, so nothing of this import was written".into(),
            )),
        }
    }
}
