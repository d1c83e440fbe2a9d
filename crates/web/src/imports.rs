//! Imports started from the console run on their own thread with their own connection; the page
//! polls their progress. A job lives in memory until the server stops; its batch (and report) is
//! in the database for good.

use loader::Outcome;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use store::Entity;

pub enum JobState {
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
    /// Rows read so far.
    pub progress: Arc<AtomicU64>,
    /// Rows expected (lines of a CSV less its header; 0 when unknown, e.g. XLSX).
    pub estimate: u64,
    pub state: Mutex<JobState>,
}

impl Job {
    /// Percent done, 0..=99 while running (100 only when done).
    pub fn percent(&self) -> u64 {
        match &*self.state.lock().expect("lock") {
            JobState::Running if self.estimate > 0 => (self.progress.load(Ordering::Relaxed) * 100 / self.estimate).min(99),
            JobState::Running => 0,
            _ => 100,
        }
    }

    pub fn rows(&self) -> u64 {
        self.progress.load(Ordering::Relaxed)
    }
}

#[derive(Default)]
pub struct Jobs {
    next: AtomicU64,
    map: Mutex<HashMap<u64, Arc<Job>>>,
}

impl Jobs {
    pub fn add(&self, user: &str, entity: Entity, file_name: &str, estimate: u64) -> Arc<Job> {
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let job = Arc::new(Job {
            id,
            user: user.to_string(),
            entity,
            file_name: file_name.to_string(),
            started: Instant::now(),
            progress: Arc::new(AtomicU64::new(0)),
            estimate,
            state: Mutex::new(JobState::Running),
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
    let is_xlsx = path.extension().and_then(|e| e.to_str()).is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
    if is_xlsx {
        return 0;
    }
    let Ok(mut f) = std::fs::File::open(path) else { return 0 };
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
