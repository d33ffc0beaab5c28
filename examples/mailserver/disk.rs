//! Blocking file work (Maildir writes, fsync, links, renames, reads, lock
//! files) kept off the async worker threads: a slow or stuck disk then
//! delays only the sessions waiting for it, never the others.
//!
//! Jobs run on tokio's blocking pool, at most [`Disk::new`]'s `max_jobs`
//! at once, so that disk work cannot take every blocking thread from the
//! rest (password checks use the pool too), and queued jobs wait as
//! futures, not as threads.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

/// How many disk jobs run at once by default.
pub const DEFAULT_JOBS: usize = 64;

/// Runs blocking file work off the async threads, a bounded number of
/// jobs at a time.
#[derive(Debug, Clone)]
pub struct Disk {
    permits: Arc<Semaphore>,
    /// Added to every job: lets tests play a slow disk (zero otherwise).
    delay: Duration,
}

impl Disk {
    /// At most `max_jobs` (at least 1) jobs at once.
    pub fn new(max_jobs: usize) -> Self {
        Disk {
            permits: Arc::new(Semaphore::new(max_jobs.max(1))),
            delay: Duration::ZERO,
        }
    }

    /// The same pool with every job slowed down by `delay`.
    #[cfg(test)]
    pub fn with_delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    /// Runs `job` on the blocking pool once a slot is free and returns its
    /// result. The slot stays taken until the job ends, even if the caller
    /// stops waiting, so the bound holds for jobs, not only for waiters.
    pub async fn run<T, F>(&self, job: F) -> io::Result<T>
    where
        F: FnOnce() -> io::Result<T> + Send + 'static,
        T: Send + 'static,
    {
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(io::Error::other)?;
        let delay = self.delay;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            if !delay.is_zero() {
                std::thread::sleep(delay);
            }
            job()
        })
        .await
        .unwrap_or_else(|e| Err(io::Error::other(format!("disk job failed: {e}"))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn jobs_run_off_the_async_thread_and_at_most_max_at_once() {
        let disk = Disk::new(2);
        let caller = std::thread::current().id();
        let ran_on = disk.run(|| Ok(std::thread::current().id())).await.unwrap();
        assert_ne!(ran_on, caller);

        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let jobs: Vec<_> = (0..8)
            .map(|_| {
                let (disk, running, peak) = (disk.clone(), running.clone(), peak.clone());
                tokio::spawn(async move {
                    disk.run(move || {
                        let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                        peak.fetch_max(now, Ordering::SeqCst);
                        std::thread::sleep(Duration::from_millis(30));
                        running.fetch_sub(1, Ordering::SeqCst);
                        Ok(())
                    })
                    .await
                })
            })
            .collect();
        for job in jobs {
            job.await.unwrap().unwrap();
        }
        assert_eq!(peak.load(Ordering::SeqCst), 2);
        // A panicking job is an error, not a crash.
        let failed = disk.run(|| -> io::Result<()> { panic!("boom") }).await;
        assert!(failed.is_err());
    }
}
