//! Group commit of audit entries. Every audited request waits until its entry is durable (the
//! entry's commit and the checkpoint file are each fsynced under the chain's lock), so appends
//! one by one queue behind each other: 64 concurrent searches by ID number took 128 fsyncs in a
//! row. Here a request adds its entry to a queue; whoever finds no append running starts one (a
//! task of its own, so a cancelled request cannot stall the queue) that takes everything queued
//! and appends it with [`store::AuditLog::append_audits`] — one lock, one transaction, one
//! checkpoint — and then wakes each request with the outcome. Entries keep their order; a
//! failure fails every request of that group (nothing of it is written).

use crate::error::AppError;
use crate::pool::Pool;
use std::sync::{Arc, Mutex};
use store::AuditEvent;
use tokio::sync::oneshot;

type Waiter = oneshot::Sender<Result<(), AppError>>;

/// The largest group appended at once (a bound on one transaction, not a tuning knob).
const MAX_GROUP: usize = 512;

#[derive(Default)]
pub struct AuditQueue {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    queued: Vec<(AuditEvent, Waiter)>,
    running: bool,
}

impl AuditQueue {
    /// Appends `e` to the audit log, together with whatever other requests append meanwhile;
    /// returns once it is durable.
    pub async fn append(self: &Arc<Self>, pool: &Arc<Pool>, e: AuditEvent) -> Result<(), AppError> {
        let (tx, rx) = oneshot::channel();
        let start = {
            let mut s = self.state.lock().expect("audit queue lock");
            s.queued.push((e, tx));
            !std::mem::replace(&mut s.running, true)
        };
        if start {
            tokio::spawn(self.clone().drain(pool.clone()));
        }
        rx.await.unwrap_or_else(|_| Err(AppError::Internal("the audit writer stopped".into())))
    }

    async fn drain(self: Arc<Self>, pool: Arc<Pool>) {
        loop {
            let group: Vec<(AuditEvent, Waiter)> = {
                let mut s = self.state.lock().expect("audit queue lock");
                if s.queued.is_empty() {
                    s.running = false;
                    return;
                }
                let n = s.queued.len().min(MAX_GROUP);
                s.queued.drain(..n).collect()
            };
            let (events, waiters): (Vec<AuditEvent>, Vec<Waiter>) = group.into_iter().unzip();
            let r = pool.run(move |s| s.append_audits(&events).map(|_| ()).map_err(AppError::from)).await;
            for w in waiters {
                let _ = w.send(r.clone());
            }
        }
    }
}
