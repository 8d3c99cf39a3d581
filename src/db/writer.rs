//! The one writer: a thread that owns the database's write connection and commits whatever
//! writes have queued in one transaction (group commit), so that concurrent writers share an
//! fsync instead of each paying for one, and never wait on SQLite's lock.
//!
//! Each job runs inside its own SAVEPOINT: a job that fails (or panics) is rolled back alone and
//! the others in the batch still commit. A job's result reaches its caller only after the
//! batch's COMMIT has returned, so an acknowledged write is a durable write.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::Mutex;
use std::thread::JoinHandle;

use rusqlite::Connection;
use tokio::sync::oneshot;

use crate::error::{AppError, AppResult};

/// Most jobs committed in one transaction.
const MAX_BATCH: usize = 128;

/// Told after COMMIT whether the batch committed.
type Completion = Box<dyn FnOnce(bool) + Send>;
/// Runs its work on the connection, or with None fails without running (no transaction could
/// be begun), and returns what to do once the batch's fate is known.
type Job = Box<dyn FnOnce(Option<&Connection>) -> Completion + Send>;

pub struct Writer {
    sender: Mutex<Option<Sender<Job>>>,
    thread: Mutex<Option<JoinHandle<Connection>>>,
}

impl Writer {
    pub fn start(conn: Connection) -> std::io::Result<Writer> {
        let (sender, receiver) = channel::<Job>();
        let thread = std::thread::Builder::new()
            .name("trieve-lite-writer".into())
            .spawn(move || run(conn, receiver))?;
        Ok(Writer {
            sender: Mutex::new(Some(sender)),
            thread: Mutex::new(Some(thread)),
        })
    }

    /// Queue `work` and wait until its batch has committed.
    pub async fn write<T, F>(&self, work: F) -> AppResult<T>
    where
        F: FnOnce(&Connection) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let (reply, answer) = oneshot::channel::<AppResult<T>>();
        let job: Job = Box::new(move |conn| {
            let outcome = match conn {
                Some(conn) => run_in_savepoint(conn, work),
                None => Err(AppError::Busy),
            };
            Box::new(move |committed| {
                let outcome = match outcome {
                    Ok(_) if !committed => Err(AppError::Internal(
                        "a write transaction failed to commit".into(),
                    )),
                    other => other,
                };
                // The caller may have gone (client disconnected); the write stands regardless.
                let _ = reply.send(outcome);
            })
        });
        {
            let sender = self.sender.lock().unwrap_or_else(|e| e.into_inner());
            let sender = sender.as_ref().ok_or(AppError::Busy)?;
            sender.send(job).map_err(|_| AppError::Busy)?;
        }
        answer
            .await
            .map_err(|_| AppError::Internal("the writer stopped before answering".into()))?
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

fn run_in_savepoint<T>(
    conn: &Connection,
    work: impl FnOnce(&Connection) -> AppResult<T>,
) -> AppResult<T> {
    conn.execute_batch("SAVEPOINT job")?;
    let outcome = catch_unwind(AssertUnwindSafe(|| work(conn)))
        .unwrap_or_else(|_| Err(AppError::Internal("a write job panicked".into())));
    let end = if outcome.is_ok() {
        "RELEASE job"
    } else {
        "ROLLBACK TO job; RELEASE job"
    };
    conn.execute_batch(end)?;
    outcome
}

fn run(conn: Connection, jobs: Receiver<Job>) -> Connection {
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        commit_batch(&conn, batch);
    }
    conn
}

fn commit_batch(conn: &Connection, batch: Vec<Job>) {
    if let Err(err) = conn.execute_batch("BEGIN IMMEDIATE") {
        // Another process (`trieve-lite user add`) held the lock past the busy timeout: these
        // writes are refused (503), none half-done.
        log::warn!("cannot begin a write transaction: {err}");
        for job in batch {
            job(None)(false);
        }
        return;
    }
    let completions: Vec<Completion> = batch.into_iter().map(|job| job(Some(conn))).collect();
    let committed = match conn.execute_batch("COMMIT") {
        Ok(()) => true,
        Err(err) => {
            log::error!("commit failed: {err}");
            let _ = conn.execute_batch("ROLLBACK");
            false
        }
    };
    for completion in completions {
        completion(committed);
    }
}
