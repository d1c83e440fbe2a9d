//! Imports started from the console: a bounded queue in front of a fixed number of workers
//! (`import_workers`), each import on a blocking thread with its own connection; the page polls
//! their progress. An upload takes its place in the queue ([`Jobs::admit`]) before its body is
//! read, and gives it back when its import ends: a full queue (`import_workers + import_queue`
//! jobs) or an account with [`JOBS_PER_ACCOUNT`] jobs already is refused with 429. A job lives in
//! memory until the server stops; its batch (and report) is in the database for good, and so is
//! an upload that failed (`store::failed_uploads`, written by `routes::imports`).

use crate::error::AppError;
use loader::Outcome;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use store::Entity;

/// Jobs (queued or running) one account may have at once.
pub const JOBS_PER_ACCOUNT: usize = 2;

pub enum JobState {
    /// Waiting for a worker.
    Queued,
    Running,
    Done(Box<Outcome>),
    Failed { zh: String, en: String },
}

pub struct Job {
    pub id: u64,
    pub user: String,
    pub entity: Entity,
    pub file_name: String,
    pub started: Instant,
    /// When it was added (Unix seconds), for the list of failed uploads.
    pub at: i64,
    /// Rows read so far.
    pub progress: Arc<AtomicU64>,
    /// Rows expected (lines of a CSV less its header; 0 when unknown, e.g. XLSX).
    pub estimate: u64,
    pub state: Mutex<JobState>,
}

impl Job {
    /// The reason a failed job gives, in the page's language.
    pub fn failure(&self, en: bool) -> Option<String> {
        match &*self.state.lock().expect("lock") {
            JobState::Failed { zh, en: e } => Some(if en { e.clone() } else { zh.clone() }),
            _ => None,
        }
    }

    /// [`Job::failure`] around the first mention of the file's name, which is shown as uploaded
    /// (marked as such on the page): (before, the name, after); the name "" when it is not named.
    pub fn failure_parts(&self, en: bool) -> Option<(String, String, String)> {
        Some(around_name(&self.failure(en)?, &self.file_name))
    }

    /// Percent done, 0..=99 while running (100 only when done).
    pub fn percent(&self) -> u64 {
        match &*self.state.lock().expect("lock") {
            JobState::Running if self.estimate > 0 => (self.progress.load(Ordering::Relaxed) * 100 / self.estimate).min(99),
            JobState::Running | JobState::Queued => 0,
            _ => 100,
        }
    }

    pub fn rows(&self) -> u64 {
        self.progress.load(Ordering::Relaxed)
    }
}

pub struct Jobs {
    next: AtomicU64,
    map: Mutex<HashMap<u64, Arc<Job>>>,
    queue: Arc<Queue>,
}

struct Queue {
    workers: Arc<tokio::sync::Semaphore>,
    /// Jobs admitted at most: running and waiting.
    capacity: usize,
    /// Jobs admitted per account (entries removed at zero).
    admitted: Mutex<HashMap<String, usize>>,
}

/// A job's place in the queue, taken before its upload is read and held until it ends.
pub struct Slot {
    queue: Arc<Queue>,
    user: String,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut m = self.queue.admitted.lock().expect("lock");
        if let Some(n) = m.get_mut(&self.user) {
            *n -= 1;
            if *n == 0 {
                m.remove(&self.user);
            }
        }
    }
}

impl Jobs {
    /// `workers` imports at once, `waiting` more in the queue.
    pub fn new(workers: usize, waiting: usize) -> Jobs {
        let workers = workers.max(1);
        let queue = Queue { workers: Arc::new(tokio::sync::Semaphore::new(workers)), capacity: workers + waiting, admitted: Mutex::new(HashMap::new()) };
        Jobs { next: AtomicU64::new(0), map: Mutex::new(HashMap::new()), queue: Arc::new(queue) }
    }

    /// A place in the queue for one more job of `user`, or 429 saying why there is none.
    pub fn admit(&self, user: &str) -> Result<Slot, AppError> {
        let mut m = self.queue.admitted.lock().expect("lock");
        let total: usize = m.values().sum();
        let mine = m.get(user).copied().unwrap_or(0);
        if mine >= JOBS_PER_ACCOUNT {
            return Err(AppError::TooMany {
                zh: format!("您已有 {mine} 个导入正在进行或排队，每个账号最多同时 {JOBS_PER_ACCOUNT} 个。请等它们完成后再上传下一个文件。"),
                en: format!("You have {mine} imports running or waiting; an account may have {JOBS_PER_ACCOUNT} at once. Wait for them to finish before uploading the next file."),
            });
        }
        if total >= self.queue.capacity {
            return Err(AppError::TooMany {
                zh: format!("导入队列已满（{total} 个导入正在进行或排队）。请过几分钟、待其他导入完成后再上传。"),
                en: format!("The import queue is full ({total} imports running or waiting). Try again in a few minutes, when others have finished."),
            });
        }
        *m.entry(user.to_string()).or_insert(0) += 1;
        Ok(Slot { queue: self.queue.clone(), user: user.to_string() })
    }

    /// Runs `work` on a blocking thread once a worker is free; the slot is given back when it ends.
    pub fn run(&self, slot: Slot, work: impl FnOnce() + Send + 'static) {
        let workers = self.queue.workers.clone();
        tokio::spawn(async move {
            let permit = workers.acquire_owned().await;
            let _ = tokio::task::spawn_blocking(work).await;
            drop(permit);
            drop(slot);
        });
    }

    /// A worker for work done while the request waits (a push): held until dropped, so that such
    /// work shares the `workers` limit with the queued imports.
    pub async fn worker(&self) -> Result<tokio::sync::OwnedSemaphorePermit, AppError> {
        self.queue.workers.clone().acquire_owned().await.map_err(|_| AppError::Unavailable("import workers closed".into()))
    }

    /// Jobs admitted now (running and waiting), all accounts.
    pub fn admitted(&self) -> usize {
        self.queue.admitted.lock().expect("lock").values().sum()
    }

    pub fn add(&self, user: &str, entity: Entity, file_name: &str, estimate: u64) -> Arc<Job> {
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let job = Arc::new(Job {
            id,
            user: user.to_string(),
            entity,
            file_name: file_name.to_string(),
            started: Instant::now(),
            at: std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0),
            progress: Arc::new(AtomicU64::new(0)),
            estimate,
            state: Mutex::new(JobState::Queued),
        });
        self.map.lock().expect("lock").insert(id, job.clone());
        job
    }

    pub fn get(&self, id: u64) -> Option<Arc<Job>> {
        self.map.lock().expect("lock").get(&id).cloned()
    }
}

/// Data lines in a CSV file (lines less the header), for the progress bar.
pub fn estimate_rows(path: &std::path::Path) -> u64 {
    use std::io::Read;
    let Ok(mut f) = std::fs::File::open(path) else { return 0 };
    // A workbook (XLSX, ODS: a zip; XLS, ET: a compound file) has no lines to count.
    let mut head = [0u8; 4];
    if f.read_exact(&mut head).is_err() || head == *b"PK\x03\x04" || head == [0xD0, 0xCF, 0x11, 0xE0] {
        return 0;
    }
    let _ = std::io::Seek::rewind(&mut f);
    let mut buf = vec![0u8; 1 << 20];
    let (mut lines, mut last) = (0u64, b'\n');
    loop {
        match f.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                lines += buf[..n].iter().filter(|&&b| b == b'\n').count() as u64;
                last = buf[n - 1];
            }
        }
    }
    if last != b'\n' {
        lines += 1;
    }
    lines.saturating_sub(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_bounded_queue_with_a_limit_per_account() {
        let jobs = Jobs::new(1, 2);
        let a1 = jobs.admit("a").unwrap();
        let a2 = jobs.admit("a").unwrap();
        assert!(matches!(jobs.admit("a"), Err(AppError::TooMany { .. })), "two per account");
        let b1 = jobs.admit("b").unwrap();
        let e = jobs.admit("c").err().expect("the queue is full");
        assert!(e.message().0.contains("队列已满"), "{:?}", e.message());
        drop((a2, b1));
        let c1 = jobs.admit("c").expect("places given back");
        assert_eq!(jobs.admitted(), 2);
        // One worker: the second job waits until the first ends; each gives its place back.
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let (done_tx, mut done_rx) = tokio::sync::mpsc::unbounded_channel::<u8>();
        let d1 = done_tx.clone();
        jobs.run(a1, move || {
            rx.recv().unwrap();
            d1.send(1).unwrap();
        });
        jobs.run(c1, move || done_tx.send(2).unwrap());
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        assert!(done_rx.try_recv().is_err(), "the second job waits for the worker");
        assert_eq!(jobs.admitted(), 2, "a waiting job holds its place");
        tx.send(()).unwrap();
        assert_eq!(done_rx.recv().await, Some(1));
        assert_eq!(done_rx.recv().await, Some(2));
        for _ in 0..200 {
            if jobs.admitted() == 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        assert_eq!(jobs.admitted(), 0, "finished jobs give their places back");
    }
}

/// A reason split around the first mention of a file's name, which is shown as uploaded (marked
/// as such on the page): (before, the name, after); the name "" when the reason does not name it.
pub fn around_name(why: &str, name: &str) -> (String, String, String) {
    match why.find(name).filter(|_| !name.is_empty()) {
        Some(i) => (why[..i].to_string(), name.to_string(), why[i + name.len()..].to_string()),
        None => (why.to_string(), String::new(), String::new()),
    }
}
