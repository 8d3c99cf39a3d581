//! The one writer: a thread that owns the database's write connection and commits whatever
//! writes have queued in one transaction (group commit), so that concurrent writers share an
//! fsync instead of each paying for one, and never wait on SQLite's lock.
//!
//! Each job runs inside its own SAVEPOINT: a job that fails (or panics) is rolled back alone and
//! the others in the batch still commit. A job's result reaches its caller only after the
//! batch's COMMIT has returned, so an acknowledged write is a durable write.

use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use rusqlite::Connection;
use tokio::sync::oneshot;

use super::fulltext::Deferral;
use super::{Checkpoints, Error};

/// Most jobs committed in one transaction.
const MAX_BATCH: usize = 128;

/// Why a batch's jobs are not stored: what each of them answers.
#[derive(Debug, Clone, Copy)]
enum Refusal {
    /// No transaction could be begun: another process held the lock.
    Busy,
    /// The disk is full.
    DiskFull,
    /// The transaction failed otherwise.
    NotCommitted,
}

impl Refusal {
    /// Why a transaction that failed with `err` (or was rolled back by SQLite) failed.
    fn after(err: Option<&rusqlite::Error>) -> Refusal {
        let full =
            err.and_then(rusqlite::Error::sqlite_error_code) == Some(rusqlite::ErrorCode::DiskFull);
        if full {
            super::error::disk_full::seen();
        }
        if full || super::error::disk_full::is_full() {
            Refusal::DiskFull
        } else {
            Refusal::NotCommitted
        }
    }

    fn error(self) -> Error {
        match self {
            Refusal::Busy => Error::Busy,
            Refusal::DiskFull => Error::DiskFull,
            Refusal::NotCommitted => Error::NotCommitted,
        }
    }
}

/// Told after COMMIT whether the batch committed.
type Completion = Box<dyn FnOnce(Result<(), Refusal>) + Send>;
/// Runs its work on the connection, or fails without running (no transaction to run in), and
/// returns what to do once the batch's fate is known.
type Job = Box<dyn FnOnce(Result<&Connection, Refusal>) -> Completion + Send>;

/// A job as queued: a heavy one (a file upload's tens of MiB) is committed in a transaction of
/// its own, after the light ones queued with it, so that a one-row write never waits behind
/// more than one upload.
struct Queued {
    job: Job,
    heavy: bool,
}

pub struct Writer {
    sender: Mutex<Option<Sender<Queued>>>,
    thread: Mutex<Option<JoinHandle<Connection>>>,
    stats: Arc<WriterStats>,
}

/// Counters of the writer's work: how many transactions it committed for how many writes.
#[derive(Debug, Default)]
pub struct WriterStats {
    pub transactions: AtomicU64,
    pub writes: AtomicU64,
}

impl Writer {
    pub fn start(conn: Connection, checkpoints: Checkpoints) -> std::io::Result<Writer> {
        let (sender, receiver) = channel::<Queued>();
        let stats = Arc::new(WriterStats::default());
        let counted = stats.clone();
        let thread = std::thread::Builder::new()
            .name("trieve-lite-writer".into())
            .spawn(move || run(conn, receiver, &counted, checkpoints))?;
        Ok(Writer {
            sender: Mutex::new(Some(sender)),
            thread: Mutex::new(Some(thread)),
            stats,
        })
    }

    pub fn stats(&self) -> &WriterStats {
        &self.stats
    }

    /// Queue `work` and wait until its batch has committed.
    pub async fn write<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<Error> + Send + 'static,
    {
        self.queue(work, false).await
    }

    /// Queue heavy `work` (megabytes written), to be committed on its own after the light
    /// writes queued with it, and wait until it has committed.
    pub async fn write_heavy<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<Error> + Send + 'static,
    {
        self.queue(work, true).await
    }

    async fn queue<T, E, F>(&self, work: F, heavy: bool) -> Result<T, E>
    where
        F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<Error> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel::<Result<T, E>>();
        let job: Job = Box::new(move |conn| {
            let outcome = match conn {
                Ok(conn) => run_in_savepoint(conn, work),
                Err(refusal) => Err(E::from(refusal.error())),
            };
            Box::new(move |fate: Result<(), Refusal>| {
                let outcome = match (outcome, fate) {
                    (Ok(_), Err(refusal)) => Err(E::from(refusal.error())),
                    (other, _) => other,
                };
                // The caller may have gone (client disconnected); the write stands regardless.
                let _ = reply.send(outcome);
            })
        });
        {
            let sender = self.sender.lock().unwrap_or_else(|e| e.into_inner());
            let sender = sender.as_ref().ok_or(E::from(Error::Closing))?;
            sender
                .send(Queued { job, heavy })
                .map_err(|_| E::from(Error::Closing))?;
        }
        answer.await.map_err(|_| E::from(Error::Closing))?
    }

    /// Stop taking jobs, finish the queued ones, and hand back the connection.
    pub fn stop(&self) -> Option<Connection> {
        drop(self.sender.lock().unwrap_or_else(|e| e.into_inner()).take());
        let thread = self
            .thread
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()?;
        thread.join().ok()
    }
}

fn run_in_savepoint<T, E: From<Error>>(
    conn: &Connection,
    work: impl FnOnce(&Connection) -> Result<T, E>,
) -> Result<T, E> {
    conn.execute_batch("SAVEPOINT job").map_err(Error::from)?;
    let held = Deferral::mark();
    let outcome = catch_unwind(AssertUnwindSafe(|| work(conn)))
        .unwrap_or_else(|_| Err(Error::Panicked.into()));
    if outcome.is_err() {
        Deferral::forget_since(held);
    }
    // A full disk or an I/O error can make SQLite roll the whole transaction back, savepoint
    // and all: then there is nothing to end, and the job's own error says why.
    if conn.is_autocommit() {
        return outcome;
    }
    let end = if outcome.is_ok() {
        "RELEASE job"
    } else {
        "ROLLBACK TO job; RELEASE job"
    };
    conn.execute_batch(end).map_err(Error::from)?;
    outcome
}

/// The jobs the writer has taken off its queue and not yet run.
#[derive(Default)]
struct Held {
    light: Vec<Job>,
    heavy: VecDeque<Job>,
    light_went_last: bool,
}

impl Held {
    fn hold(&mut self, queued: Queued) {
        if queued.heavy {
            self.heavy.push_back(queued.job);
        } else {
            self.light.push(queued.job);
        }
    }

    /// The next transaction's jobs, and whether it is a heavy one. Light batches and heavy jobs
    /// take turns: a light write waits behind one heavy job at most, and a stream of light
    /// writes never holds heavy ones back for good.
    fn next(&mut self) -> Option<(Vec<Job>, bool)> {
        let heavy_turn = !self.heavy.is_empty() && (self.light.is_empty() || self.light_went_last);
        self.light_went_last = !heavy_turn;
        if heavy_turn {
            self.heavy.pop_front().map(|job| (vec![job], true))
        } else if self.light.is_empty() {
            None
        } else {
            Some((std::mem::take(&mut self.light), false))
        }
    }
}

fn run(
    conn: Connection,
    jobs: Receiver<Queued>,
    stats: &WriterStats,
    checkpoints: Checkpoints,
) -> Connection {
    let mut held = Held::default();
    loop {
        // Wait for work only when none is held.
        if held.light.is_empty() && held.heavy.is_empty() {
            match jobs.recv() {
                Ok(queued) => held.hold(queued),
                Err(_) => break,
            }
        }
        while held.light.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(queued) => held.hold(queued),
                Err(_) => break,
            }
        }
        let Some((batch, heavy)) = held.next() else {
            continue;
        };
        stats.transactions.fetch_add(1, Ordering::Relaxed);
        stats
            .writes
            .fetch_add(batch.len() as u64, Ordering::Relaxed);
        commit_batch(&conn, batch);
        if heavy && checkpoints == Checkpoints::Own {
            // Megabytes went through the WAL: fold them into the database now, so that the
            // WAL restarts (and is cut back to `journal_size_limit`) instead of growing on.
            if let Err(err) = conn.execute_batch("PRAGMA wal_checkpoint(PASSIVE)") {
                log::warn!("checkpoint after a large write failed: {err}");
            }
        }
    }
    conn
}

fn commit_batch(conn: &Connection, batch: Vec<Job>) {
    if let Err(err) = conn.execute_batch("BEGIN IMMEDIATE") {
        // Another process (`trieve-lite user add`) held the lock past the busy timeout: these
        // writes are refused (503), none half-done.
        log::warn!("cannot begin a write transaction: {err}");
        let refusal = match Refusal::after(Some(&err)) {
            Refusal::DiskFull => Refusal::DiskFull,
            _ => Refusal::Busy,
        };
        for job in batch {
            job(Err(refusal))(Err(refusal));
        }
        return;
    }
    // The batch's chunks are indexed together, before COMMIT (see `Deferral`).
    let deferral = Deferral::start();
    let completions: Vec<Completion> = batch
        .into_iter()
        .map(|job| {
            // An I/O error (a full disk) can make SQLite roll the whole transaction back; the
            // jobs after it must not run outside it, committing one by one.
            if conn.is_autocommit() {
                job(Err(Refusal::after(None)))
            } else {
                job(Ok(conn))
            }
        })
        .collect();
    let indexed = if conn.is_autocommit() {
        Ok(())
    } else {
        deferral.write(conn)
    };
    let fate = if conn.is_autocommit() {
        // SQLite rolled the transaction back under a job (a full disk, an I/O error).
        Err(Refusal::after(None))
    } else {
        match indexed.and_then(|()| Ok(conn.execute_batch("COMMIT")?)) {
            Ok(()) => {
                super::error::disk_full::cleared();
                Ok(())
            }
            Err(err) => {
                let refusal = match &err {
                    Error::Sqlite(sqlite) => Refusal::after(Some(sqlite)),
                    Error::DiskFull => Refusal::DiskFull,
                    _ => Refusal::after(None),
                };
                if !matches!(refusal, Refusal::DiskFull) {
                    log::error!("commit failed: {err}");
                }
                let _ = conn.execute_batch("ROLLBACK");
                Err(refusal)
            }
        }
    };
    for completion in completions {
        completion(fate);
    }
}

#[cfg(test)]
mod tests;
