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

use super::search::Deferral;
use super::Error;

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
    pub fn start(conn: Connection) -> std::io::Result<Writer> {
        let (sender, receiver) = channel::<Queued>();
        let stats = Arc::new(WriterStats::default());
        let counted = stats.clone();
        let thread = std::thread::Builder::new()
            .name("trieve-lite-writer".into())
            .spawn(move || run(conn, receiver, &counted))?;
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

fn run(conn: Connection, jobs: Receiver<Queued>, stats: &WriterStats) -> Connection {
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
        if heavy {
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
mod tests {
    use std::time::Duration;

    use actix_web::rt::{spawn, task::JoinHandle as Task, time::sleep};

    use super::*;
    use crate::db::{Database, Result};

    fn database() -> (tempfile::TempDir, Database) {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::open(&dir.path().join("w.db"), 2).unwrap();
        db.pool()
            .get()
            .unwrap()
            .execute_batch("CREATE TABLE t (v INTEGER UNIQUE)")
            .unwrap();
        (dir, db)
    }

    fn values(db: &Database) -> Vec<i64> {
        let conn = db.pool().get().unwrap();
        let mut stmt = conn.prepare("SELECT v FROM t ORDER BY v").unwrap();
        let rows = stmt.query_map([], |row| row.get(0)).unwrap();
        rows.collect::<rusqlite::Result<_>>().unwrap()
    }

    fn insert(db: &Database, v: i64) -> Task<Result<usize>> {
        let db = db.clone();
        spawn(async move {
            db.write(move |conn| Result::Ok(conn.execute("INSERT INTO t VALUES (?1)", [v])?))
                .await
        })
    }

    /// Occupies the writer for a moment, so that the writes sent meanwhile queue up together.
    async fn hold_the_writer(db: &Database) -> Task<Result<usize>> {
        let db = db.clone();
        let task = spawn(async move {
            db.write(|conn| -> Result<usize> {
                std::thread::sleep(Duration::from_millis(300));
                Ok(conn.execute("INSERT INTO t VALUES (0)", [])?)
            })
            .await
        });
        sleep(Duration::from_millis(50)).await;
        task
    }

    #[actix_web::test]
    async fn writes_queued_together_share_one_transaction() {
        let (_dir, db) = database();
        let held = hold_the_writer(&db).await;
        let rest: Vec<_> = (1..=100).map(|v| insert(&db, v)).collect();
        for task in rest {
            task.await.unwrap().unwrap();
        }
        held.await.unwrap().unwrap();
        assert_eq!(values(&db).len(), 101);
        let stats = db.writer_stats();
        assert_eq!(stats.writes.load(Ordering::Relaxed), 101);
        assert_eq!(stats.transactions.load(Ordering::Relaxed), 2, "{stats:?}");
    }

    #[actix_web::test]
    async fn a_light_write_waits_behind_one_heavy_write_at_most() {
        let (_dir, db) = database();
        let order = Arc::new(Mutex::new(Vec::new()));
        let write = |heavy: bool, name: &'static str| {
            let (db, order) = (db.clone(), order.clone());
            spawn(async move {
                let work = move |_: &Connection| -> Result<()> {
                    order.lock().unwrap().push(name);
                    Ok(())
                };
                if heavy {
                    db.write_heavy(work).await
                } else {
                    db.write(work).await
                }
            })
        };
        // The writer is busy; two uploads queue, then a one-row write.
        let held = hold_the_writer(&db).await;
        let first = write(true, "upload 1");
        sleep(Duration::from_millis(20)).await;
        let second = write(true, "upload 2");
        sleep(Duration::from_millis(20)).await;
        let small = write(false, "one row");
        for task in [first, second, small] {
            task.await.unwrap().unwrap();
        }
        held.await.unwrap().unwrap();
        // The row waits behind one upload, not both.
        assert_eq!(*order.lock().unwrap(), ["upload 1", "one row", "upload 2"]);
        // Each upload in a transaction of its own: the held write, the row, two uploads.
        assert_eq!(db.writer_stats().transactions.load(Ordering::Relaxed), 4);
    }

    #[actix_web::test]
    async fn a_failing_write_is_rolled_back_alone() {
        let (_dir, db) = database();
        let held = hold_the_writer(&db).await;
        let first = insert(&db, 1);
        let duplicate = insert(&db, 1);
        let two_rows = {
            let db = db.clone();
            spawn(async move {
                db.write(|conn| -> Result<()> {
                    conn.execute("INSERT INTO t VALUES (2)", [])?;
                    conn.execute("INSERT INTO t VALUES (2)", [])?;
                    Ok(())
                })
                .await
            })
        };
        let third = insert(&db, 3);
        held.await.unwrap().unwrap();
        assert!(first.await.unwrap().is_ok());
        assert!(duplicate.await.unwrap().is_err());
        assert!(two_rows.await.unwrap().is_err());
        assert!(third.await.unwrap().is_ok());
        assert_eq!(values(&db), [0, 1, 3]);
    }

    #[actix_web::test]
    async fn a_panicking_write_is_an_error_and_the_writer_goes_on() {
        let (_dir, db) = database();
        let panicked = db
            .write(|conn| -> Result<()> {
                conn.execute("INSERT INTO t VALUES (7)", [])?;
                panic!("bug in a handler");
            })
            .await;
        assert!(matches!(panicked, Err(Error::Panicked)));
        insert(&db, 8).await.unwrap().unwrap();
        assert_eq!(values(&db), [8]);
    }

    #[actix_web::test]
    async fn close_finishes_queued_writes_and_empties_the_wal() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        let db = Database::open(&path, 2).unwrap();
        db.write(|conn| Result::Ok(conn.execute_batch("CREATE TABLE t (v INTEGER)")?))
            .await
            .unwrap();
        db.write(|conn| Result::Ok(conn.execute("INSERT INTO t VALUES (1)", [])?))
            .await
            .unwrap();
        db.close().unwrap();
        let wal = std::fs::metadata(dir.path().join("c.db-wal"))
            .map(|m| m.len())
            .unwrap_or(0);
        assert_eq!(wal, 0);
        assert!(matches!(
            db.write(|_| Result::Ok(())).await,
            Err(Error::Closing)
        ));
    }
}
