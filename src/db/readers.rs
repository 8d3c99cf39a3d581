//! The readers: a few threads that run read-only work on pooled connections. A fixed set of
//! threads fed by a queue, rather than a thread per request, keeps the number of threads
//! contending for the CPUs and the pool small: a request costs one hand-off there and one back.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};

use rusqlite::Connection;
use tokio::sync::oneshot;

use super::{Error, Pool};

type Job = Box<dyn FnOnce(Result<&Connection, Error>) + Send>;

pub struct Readers {
    // A Sender is Sync: request threads send without a lock.
    sender: Sender<Job>,
}

impl Readers {
    /// Start `count` reader threads taking connections from `pool`.
    pub fn start(pool: Pool, count: usize) -> std::io::Result<Readers> {
        let (sender, receiver) = channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        for index in 0..count {
            let receiver = receiver.clone();
            let pool = pool.clone();
            std::thread::Builder::new()
                .name(format!("trieve-lite-reader-{index}"))
                .spawn(move || run(&pool, &receiver))?;
        }
        Ok(Readers { sender })
    }

    pub async fn read<T, E, F>(&self, work: F) -> Result<T, E>
    where
        F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<Error> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel::<Result<T, E>>();
        let job: Job = Box::new(move |conn| {
            let outcome = conn.map_err(E::from).and_then(|conn| {
                catch_unwind(AssertUnwindSafe(|| work(conn)))
                    .unwrap_or_else(|_| Err(E::from(Error::Panicked)))
            });
            let _ = reply.send(outcome);
        });
        self.sender.send(job).map_err(|_| E::from(Error::Closing))?;
        answer.await.map_err(|_| E::from(Error::Closing))?
    }
}

/// One snapshot for the whole job: every query of a request sees the same data, and the WAL's
/// read lock is taken once rather than once per statement.
fn in_read_transaction(conn: &Connection, job: Job) {
    // Cached statements: `execute_batch` would parse the SQL on every request.
    let run = |sql: &str| {
        conn.prepare_cached(sql)
            .and_then(|mut stmt| stmt.execute([]))
    };
    if let Err(err) = run("BEGIN") {
        return job(Err(err.into()));
    }
    job(Ok(conn));
    // A read transaction has nothing to commit; ending it releases the snapshot.
    if let Err(err) = run("COMMIT") {
        log::warn!("ending a read transaction failed: {err}");
        let _ = conn.execute_batch("ROLLBACK");
    }
}

fn run(pool: &Pool, jobs: &Mutex<Receiver<Job>>) {
    loop {
        // Waiting for the next job holds the lock; the other idle readers wait on it.
        let job = match jobs.lock().unwrap_or_else(|e| e.into_inner()).recv() {
            Ok(job) => job,
            Err(_) => return,
        };
        match pool.get() {
            Ok(conn) => in_read_transaction(&conn, job),
            Err(err) => job(Err(err.into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Duration;

    use actix_web::rt::{spawn, time::timeout};

    use crate::db::{Checkpoints, Database};

    #[actix_web::test]
    async fn costly_reads_leave_readers_for_cheap_ones() {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::open(&dir.path().join("lanes.db"), 4, Checkpoints::Own).unwrap();
        let released = std::sync::Arc::new(AtomicBool::new(false));
        // Six costly reads (deep pages) that hold their reader until released.
        let slow: Vec<_> = (0..6)
            .map(|_| {
                let (db, released) = (db.clone(), released.clone());
                spawn(async move {
                    db.read_costly(move |_| -> crate::db::Result<()> {
                        while !released.load(Ordering::Relaxed) {
                            std::thread::sleep(Duration::from_millis(1));
                        }
                        Ok(())
                    })
                    .await
                })
            })
            .collect();
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
        // A cheap read is answered while all of them are still held or waiting.
        let cheap = timeout(
            Duration::from_secs(5),
            db.read(|conn| -> crate::db::Result<i64> {
                Ok(conn.query_row("SELECT 1", [], |row| row.get(0))?)
            }),
        )
        .await;
        released.store(true, Ordering::Relaxed);
        for read in slow {
            read.await.unwrap().unwrap();
        }
        assert_eq!(
            cheap
                .expect("the cheap read waited for the costly ones")
                .unwrap(),
            1
        );
    }
}
