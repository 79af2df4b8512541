//! Requests in flight side by side, at most so many at once: the one task helper of the crawler
//! (READMEs, first commits, discussions) and the forum miner (topics). A task that panics is a
//! bug, not a record's problem: it stops the run with an error naming the work, everywhere.

use std::future::Future;
use std::sync::Arc;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::HubError;

/// Tasks with at most `concurrency` running; results come back as they finish, each with the
/// index of its spawn.
pub struct Bounded<T> {
    what: &'static str,
    limit: Arc<Semaphore>,
    set: JoinSet<(usize, T)>,
    spawned: usize,
}

impl<T: Send + 'static> Bounded<T> {
    /// `what` names the work in errors ("README", "topic", …).
    pub fn new(what: &'static str, concurrency: usize) -> Bounded<T> {
        Bounded {
            what,
            limit: Arc::new(Semaphore::new(concurrency.max(1))),
            set: JoinSet::new(),
            spawned: 0,
        }
    }

    /// Starts `work` once a place is free.
    pub fn spawn(&mut self, work: impl Future<Output = T> + Send + 'static) {
        let limit = Arc::clone(&self.limit);
        let index = self.spawned;
        self.spawned += 1;
        self.set.spawn(async move {
            // The semaphore is never closed, so a permit always comes.
            let _permit = limit.acquire_owned().await;
            (index, work.await)
        });
    }

    /// The next finished task's `(index, result)`; `None` when none is left.
    pub async fn next(&mut self) -> Option<Result<(usize, T), HubError>> {
        let joined = self.set.join_next().await?;
        Some(joined.map_err(|e| HubError::Task {
            what: self.what,
            message: e.to_string(),
        }))
    }

    /// Whether every task has been collected.
    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
    }

    /// Every result, in the order the tasks were spawned.
    pub async fn in_order(mut self) -> Result<Vec<T>, HubError> {
        let mut results = Vec::with_capacity(self.spawned);
        while let Some(next) = self.next().await {
            results.push(next?);
        }
        results.sort_by_key(|(index, _)| *index);
        Ok(results.into_iter().map(|(_, r)| r).collect())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn at_most_so_many_run_and_results_keep_their_order() {
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let mut tasks = Bounded::new("test", 3);
        for i in 0..20u64 {
            let (running, most) = (Arc::clone(&running), Arc::clone(&most));
            tasks.spawn(async move {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(std::time::Duration::from_millis(20 - i)).await;
                running.fetch_sub(1, Ordering::SeqCst);
                i
            });
        }
        assert_eq!(tasks.in_order().await.unwrap(), (0..20).collect::<Vec<_>>());
        assert!(most.load(Ordering::SeqCst) <= 3);
    }

    #[tokio::test]
    async fn a_task_that_panics_is_an_error_naming_the_work() {
        let mut tasks: Bounded<u8> = Bounded::new("README", 2);
        tasks.spawn(async { 1 });
        tasks.spawn(async { panic!("boom") });
        let e = tasks.in_order().await.unwrap_err().to_string();
        assert!(e.starts_with("a README task failed"), "{e}");
    }
}
