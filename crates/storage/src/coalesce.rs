//! Store calls of one kind, coalesced.
//!
//! Every store call pays a fixed price: a pool permit, a hand-off to a
//! blocking thread, a connection checkout, a transaction's commit and, on
//! Postgres, a network round trip. Under concurrent load most of a call's
//! cost was that price, not its work. So calls of one kind (point reads of
//! integrations, deliveries to enqueue, attempts to record) queue here, and
//! at most a few runners drain each queue: a runner takes everything waiting
//! (up to [`MAX_BATCH`]) and answers it with one store call — one query, or
//! one transaction for many writes.
//!
//! A call that arrives while no runner is busy starts one at once, so an
//! idle service answers as fast as before; batching only happens while calls
//! are already waiting for each other. A runner takes only calls queued
//! before its batch starts, so a read still sees every write that finished
//! before it was issued, and a write is answered only once its batch
//! committed.

use std::sync::{Arc, Mutex, PoisonError};

use patchbay_domain::StoreError;
use tokio::sync::oneshot;

/// Most calls answered by one store call.
pub(crate) const MAX_BATCH: usize = 64;

/// One call's answer.
pub(crate) type Answer<T> = Result<T, StoreError>;

struct Waiting<K, T> {
    key: K,
    reply: oneshot::Sender<Answer<T>>,
}

struct Queue<K, T> {
    waiting: Vec<Waiting<K, T>>,
    runners: usize,
}

/// A queue of store calls of one kind and the count of runners draining it.
pub(crate) struct Coalescer<K, T> {
    queue: Mutex<Queue<K, T>>,
    max_runners: usize,
    max_batch: usize,
}

impl<K, T> Coalescer<K, T> {
    /// At most `max_runners` batches in flight, of at most [`MAX_BATCH`] calls.
    pub(crate) fn new(max_runners: usize) -> Self {
        Coalescer {
            queue: Mutex::new(Queue {
                waiting: Vec::new(),
                runners: 0,
            }),
            max_runners: max_runners.max(1),
            max_batch: MAX_BATCH,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Queue<K, T>> {
        // The critical sections cannot panic half-way; a poisoned lock still
        // holds a consistent queue.
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queue a call. `true` when the caller must start a runner (under the
    /// same lock as the runners' exit check, so no call is left waiting with
    /// no runner).
    pub(crate) fn push(&self, key: K, reply: oneshot::Sender<Answer<T>>) -> bool {
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
    fn take(&self) -> Option<Vec<Waiting<K, T>>> {
        let mut q = self.lock();
        if q.waiting.is_empty() {
            q.runners -= 1;
            return None;
        }
        let n = q.waiting.len().min(self.max_batch);
        Some(q.waiting.drain(..n).collect())
    }

    /// Every call waiting, for a runner that answers them all at once.
    fn take_all(&self) -> Vec<Waiting<K, T>> {
        std::mem::take(&mut self.lock().waiting)
    }

    /// Drain the queue: `load` answers one batch of calls, in their order.
    pub(crate) async fn run<F, Fut>(self: Arc<Self>, load: F)
    where
        F: Fn(Vec<K>) -> Fut,
        Fut: Future<Output = Result<Vec<Answer<T>>, StoreError>>,
    {
        // Counts the runner out if its task is dropped mid-batch (a runtime
        // shutting down): later reads then start a runner of their own.
        struct Exit<'a, K, T>(&'a Coalescer<K, T>, bool);
        impl<K, T> Drop for Exit<'_, K, T> {
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
            let (keys, replies): (Vec<K>, Vec<_>) =
                batch.into_iter().map(|w| (w.key, w.reply)).unzip();
            match load(keys).await {
                Ok(answers) => {
                    for (reply, answer) in replies.into_iter().zip(answers) {
                        // The caller may have gone (its request was dropped).
                        let _ = reply.send(answer);
                    }
                }
                Err(e) => {
                    for reply in replies {
                        let _ = reply.send(Err(e.clone()));
                    }
                    // Calls that queued while the database did not answer
                    // would wait as long again for the same answer.
                    if matches!(e, StoreError::Unavailable(_)) {
                        for waiting in self.take_all() {
                            let _ = waiting.reply.send(Err(e.clone()));
                        }
                    }
                }
            }
            // A batch answered on this thread (SQLite reads) must not keep it
            // from its other requests for as long as calls keep arriving.
            tokio::task::yield_now().await;
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use std::sync::Mutex as StdMutex;

    use super::*;

    type Reads = Coalescer<String, Option<u32>>;

    fn key(n: usize) -> String {
        format!("id{n}")
    }

    /// Reads that arrive while a runner is busy share the next batch; every
    /// reader gets its own answer; the runner count returns to zero.
    #[tokio::test]
    async fn waiting_reads_share_a_batch_and_each_gets_its_answer() {
        let queue = Arc::new(Reads::new(1));
        let batches = Arc::new(StdMutex::new(Vec::<usize>::new()));
        let (open, gate) = tokio::sync::watch::channel(false);
        let load = {
            let batches = batches.clone();
            move |keys: Vec<String>| {
                batches.lock().unwrap().push(keys.len());
                let mut gate = gate.clone();
                async move {
                    // Every batch waits until the test opens the gate.
                    let _ = gate.wait_for(|open| *open).await;
                    Ok(keys
                        .iter()
                        .map(|id| match id.as_str() {
                            "id7" => Err(StoreError::Crypto("id7".into())),
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
        let queue = Arc::new(Reads::new(2));
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
        let queue = Arc::new(Reads::new(1));
        let batches = Arc::new(StdMutex::new(0));
        let (open, gate) = tokio::sync::watch::channel(false);
        let load = {
            let batches = batches.clone();
            move |_keys: Vec<String>| {
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
        let queue = Arc::new(Reads::new(1));
        let (tx, _rx) = oneshot::channel();
        assert!(queue.push(key(1), tx));
        let runner =
            tokio::spawn(queue.clone().run(|_keys| {
                std::future::pending::<Result<Vec<Answer<Option<u32>>>, StoreError>>()
            }));
        tokio::task::yield_now().await;
        runner.abort();
        let _ = runner.await;
        assert_eq!(queue.lock().runners, 0);
        let (tx, _rx) = oneshot::channel();
        assert!(queue.push(key(2), tx));
    }
}
