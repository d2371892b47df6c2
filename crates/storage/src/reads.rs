//! Point reads of integrations, coalesced.
//!
//! Every store call pays a fixed price: a pool permit, a hand-off to a
//! blocking thread, a connection checkout and, on Postgres, a network round
//! trip. Under concurrent load most of a `GET`'s cost was that price, not the
//! lookup. So reads of single integrations queue here, and at most a few
//! runners drain the queue: a runner takes everything waiting (up to
//! [`MAX_BATCH`]) and answers it with one store call — one `= ANY(...)` query
//! on Postgres, consecutive cached point lookups on SQLite.
//!
//! A read that arrives while no runner is busy starts one at once, so an idle
//! service answers as fast as before; batching only happens while reads are
//! already waiting for each other. A runner takes only reads queued before
//! its query starts, so a read still sees every write that finished before it
//! was issued.

use std::sync::{Arc, Mutex, PoisonError};

use patchbay_domain::{Integration, StoreError};
use tokio::sync::oneshot;

/// Most reads answered by one store call.
pub(crate) const MAX_BATCH: usize = 64;

/// An integration by its id (`int_…`) or its `seq` (the second API's id).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum ReadId {
    Id(String),
    Seq(i64),
}

/// `(organization, integration)`.
pub(crate) type ReadKey = (String, ReadId);
pub(crate) type ReadAnswer = Result<Option<Integration>, StoreError>;

struct Waiting {
    key: ReadKey,
    reply: oneshot::Sender<ReadAnswer>,
}

#[derive(Default)]
struct Queue {
    waiting: Vec<Waiting>,
    runners: usize,
}

/// The queue of point reads and the count of runners draining it.
pub(crate) struct ReadQueue {
    queue: Mutex<Queue>,
    max_runners: usize,
}

impl ReadQueue {
    pub(crate) fn new(max_runners: usize) -> ReadQueue {
        ReadQueue {
            queue: Mutex::new(Queue::default()),
            max_runners: max_runners.max(1),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Queue> {
        // The critical sections cannot panic half-way; a poisoned lock still
        // holds a consistent queue.
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queue a read. `true` when the caller must start a runner (under the
    /// same lock as the runners' exit check, so no read is left waiting with
    /// no runner).
    pub(crate) fn push(&self, key: ReadKey, reply: oneshot::Sender<ReadAnswer>) -> bool {
        let mut q = self.lock();
        q.waiting.push(Waiting { key, reply });
        if q.runners < self.max_runners {
            q.runners += 1;
            true
        } else {
            false
        }
    }

    /// The next batch for a runner, or `None` when the queue is empty, in
    /// which case the runner is counted out.
    fn take(&self) -> Option<Vec<Waiting>> {
        let mut q = self.lock();
        if q.waiting.is_empty() {
            q.runners -= 1;
            return None;
        }
        let n = q.waiting.len().min(MAX_BATCH);
        Some(q.waiting.drain(..n).collect())
    }

    /// Every read waiting, for a runner that answers them all at once.
    fn take_all(&self) -> Vec<Waiting> {
        std::mem::take(&mut self.lock().waiting)
    }

    /// Drain the queue: `load` answers one batch of keys, in their order.
    pub(crate) async fn run<F, Fut>(self: Arc<Self>, load: F)
    where
        F: Fn(Vec<ReadKey>) -> Fut,
        Fut: Future<Output = Result<Vec<ReadAnswer>, StoreError>>,
    {
        // Counts the runner out if its task is dropped mid-batch (a runtime
        // shutting down): later reads then start a runner of their own.
        struct Exit<'a>(&'a ReadQueue, bool);
        impl Drop for Exit<'_> {
            fn drop(&mut self) {
                if !self.1 {
                    self.0.lock().runners -= 1;
                }
            }
        }
        let mut exit = Exit(&self, false);
        loop {
            let Some(batch) = self.take() else {
                exit.1 = true;
                return;
            };
            let (keys, replies): (Vec<ReadKey>, Vec<_>) =
                batch.into_iter().map(|w| (w.key, w.reply)).unzip();
            match load(keys).await {
                Ok(answers) => {
                    for (reply, answer) in replies.into_iter().zip(answers) {
                        // The reader may have gone (its request was dropped).
                        let _ = reply.send(answer);
                    }
                }
                Err(e) => {
                    for reply in replies {
                        let _ = reply.send(Err(e.clone()));
                    }
                    // Reads that queued while the database did not answer
                    // would wait as long again for the same answer.
                    if matches!(e, StoreError::Unavailable(_)) {
                        for waiting in self.take_all() {
                            let _ = waiting.reply.send(Err(e.clone()));
                        }
                    }
                }
            }
            // A batch answered on this thread (SQLite) must not keep it from
            // its other requests for as long as reads keep arriving.
            tokio::task::yield_now().await;
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use std::sync::Mutex as StdMutex;

    use super::*;

    fn key(n: usize) -> ReadKey {
        ("org".to_string(), ReadId::Id(format!("id{n}")))
    }

    /// Reads that arrive while a runner is busy share the next batch; every
    /// reader gets its own answer; the runner count returns to zero.
    #[tokio::test]
    async fn waiting_reads_share_a_batch_and_each_gets_its_answer() {
        let queue = Arc::new(ReadQueue::new(1));
        let batches = Arc::new(StdMutex::new(Vec::<usize>::new()));
        let (open, gate) = tokio::sync::watch::channel(false);
        let load = {
            let batches = batches.clone();
            move |keys: Vec<ReadKey>| {
                batches.lock().unwrap().push(keys.len());
                let mut gate = gate.clone();
                async move {
                    // Every batch waits until the test opens the gate.
                    let _ = gate.wait_for(|open| *open).await;
                    Ok(keys
                        .iter()
                        .map(|(_, id)| match id {
                            ReadId::Id(id) if id == "id7" => Err(StoreError::Crypto("id7".into())),
                            _ => Ok(None),
                        })
                        .collect())
                }
            }
        };
        let mut answers = Vec::new();
        let (tx, rx) = oneshot::channel();
        assert!(queue.push(key(0), tx), "an idle queue starts a runner");
        answers.push(rx);
        let runner = tokio::spawn(queue.clone().run(load));
        // The runner takes the first read alone and waits at the gate.
        while batches.lock().unwrap().is_empty() {
            tokio::task::yield_now().await;
        }
        for n in 1..100 {
            let (tx, rx) = oneshot::channel();
            assert!(!queue.push(key(n), tx), "one runner at most");
            answers.push(rx);
        }
        open.send(true).unwrap();
        for (n, rx) in answers.into_iter().enumerate() {
            let answer = rx.await.unwrap();
            if n == 7 {
                assert!(matches!(answer, Err(StoreError::Crypto(_))), "{answer:?}");
            } else {
                assert!(matches!(answer, Ok(None)), "{n}: {answer:?}");
            }
        }
        runner.await.unwrap();
        let sizes = batches.lock().unwrap().clone();
        assert_eq!(sizes, [1, MAX_BATCH, 99 - MAX_BATCH]);
        assert_eq!(queue.lock().runners, 0);
        // With the queue drained, the next read starts a runner again.
        let (tx, _rx) = oneshot::channel();
        assert!(queue.push(key(100), tx));
    }

    /// A failed batch fails each of its readers, and nobody else's.
    #[tokio::test]
    async fn a_failed_batch_answers_every_reader_with_the_error() {
        let queue = Arc::new(ReadQueue::new(2));
        let (tx, rx) = oneshot::channel();
        assert!(queue.push(key(1), tx));
        queue
            .clone()
            .run(|_keys| async { Err(StoreError::Unavailable("down".into())) })
            .await;
        assert!(matches!(rx.await.unwrap(), Err(StoreError::Unavailable(_))));
        assert_eq!(queue.lock().runners, 0);
    }

    /// A batch that finds the database unavailable fails the reads queued
    /// behind it too, rather than trying again for each batch of them.
    #[tokio::test]
    async fn an_unavailable_database_fails_the_reads_queued_meanwhile() {
        let queue = Arc::new(ReadQueue::new(1));
        let batches = Arc::new(StdMutex::new(0));
        let (open, gate) = tokio::sync::watch::channel(false);
        let load = {
            let batches = batches.clone();
            move |_keys: Vec<ReadKey>| {
                *batches.lock().unwrap() += 1;
                let mut gate = gate.clone();
                async move {
                    let _ = gate.wait_for(|open| *open).await;
                    Err(StoreError::Unavailable("down".into()))
                }
            }
        };
        let mut answers = Vec::new();
        let (tx, rx) = oneshot::channel();
        assert!(queue.push(key(0), tx));
        answers.push(rx);
        let runner = tokio::spawn(queue.clone().run(load));
        while *batches.lock().unwrap() == 0 {
            tokio::task::yield_now().await;
        }
        for n in 1..10 {
            let (tx, rx) = oneshot::channel();
            assert!(!queue.push(key(n), tx));
            answers.push(rx);
        }
        open.send(true).unwrap();
        for rx in answers {
            assert!(matches!(rx.await.unwrap(), Err(StoreError::Unavailable(_))));
        }
        runner.await.unwrap();
        assert_eq!(*batches.lock().unwrap(), 1, "one attempt answered them all");
        assert_eq!(queue.lock().runners, 0);
    }

    /// A runner dropped mid-batch (its runtime shutting down) is counted out,
    /// so later reads are not left without one.
    #[tokio::test]
    async fn a_dropped_runner_is_counted_out() {
        let queue = Arc::new(ReadQueue::new(1));
        let (tx, _rx) = oneshot::channel();
        assert!(queue.push(key(1), tx));
        let runner = tokio::spawn(
            queue
                .clone()
                .run(|_keys| std::future::pending::<Result<Vec<ReadAnswer>, StoreError>>()),
        );
        tokio::task::yield_now().await;
        runner.abort();
        let _ = runner.await;
        assert_eq!(queue.lock().runners, 0);
        let (tx, _rx) = oneshot::channel();
        assert!(queue.push(key(2), tx));
    }
}
