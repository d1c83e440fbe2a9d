//! A small pool of store connections. The storage traits are synchronous: each request borrows a
//! connection and runs its queries on tokio's blocking threads.

use crate::error::AppError;
use std::sync::{Arc, Mutex};
use store::{Backend, StoreError};
use tokio::sync::Semaphore;

pub type Opener = Arc<dyn Fn() -> Result<Box<dyn Backend>, StoreError> + Send + Sync>;

pub struct Pool {
    idle: Mutex<Vec<Box<dyn Backend>>>,
    permits: Semaphore,
    size: usize,
    opener: Opener,
}

impl Pool {
    pub fn new(size: usize, opener: Opener) -> Pool {
        Pool { idle: Mutex::new(Vec::new()), permits: Semaphore::new(size), size, opener }
    }

    /// Connections in use by requests, idle in the pool, and the most there may be (`/metrics`).
    pub fn usage(&self) -> (usize, usize, usize) {
        let in_use = self.size.saturating_sub(self.permits.available_permits());
        (in_use, self.idle.lock().expect("pool lock").len(), self.size)
    }

    /// Closes the idle connections (a server shutting down; tests end with it, off the async
    /// runtime, since the PostgreSQL client blocks when it closes).
    pub fn close(&self) {
        self.idle.lock().expect("pool lock").clear();
    }

    /// A new connection outside the pool (imports hold one for minutes).
    pub fn open(&self) -> Result<Box<dyn Backend>, StoreError> {
        (self.opener)()
    }

    /// Runs `f` with a connection on a blocking thread.
    pub async fn run<T, F>(self: &Arc<Self>, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn Backend) -> Result<T, AppError> + Send + 'static,
    {
        let _permit = self.permits.acquire().await.map_err(|_| AppError::Unavailable("pool closed".into()))?;
        let pool = self.clone();
        tokio::task::spawn_blocking(move || {
            let conn = pool.idle.lock().expect("pool lock").pop();
            let mut conn = match conn {
                Some(c) => c,
                None => (pool.opener)().map_err(AppError::from)?,
            };
            let out = f(conn.as_mut());
            // A connection whose database went away is not reused.
            if !matches!(&out, Err(AppError::Unavailable(_))) {
                pool.idle.lock().expect("pool lock").push(conn);
            }
            out
        })
        .await
        .map_err(|e| AppError::Internal(format!("request task failed: {e}")))?
    }
}
