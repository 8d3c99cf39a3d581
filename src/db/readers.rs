//! The readers: a few threads that run read-only work on pooled connections. A fixed set of
//! threads fed by a queue, rather than a thread per request, keeps the number of threads
//! contending for the CPUs and the pool small: a request costs one hand-off there and one back.

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};

use rusqlite::Connection;
use tokio::sync::{oneshot, OwnedSemaphorePermit, Semaphore};

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

/// Reads queued per caller: one caller (one API key) has at most `per_lane` reads on the reader
/// threads at once, the rest of its reads wait in its own lane. Forty-eight connections of one
/// member asking for expensive pages hold that many readers, not all of them: everyone else's
/// cheap reads still find a free one.
pub struct Lanes {
    per_lane: usize,
    lanes: Mutex<HashMap<[u8; 32], Arc<Semaphore>>>,
}

/// A read's place in its lane; its lane is forgotten when no read holds or awaits one.
pub struct InLane {
    _permit: OwnedSemaphorePermit,
}

impl Lanes {
    pub fn new(per_lane: usize) -> Lanes {
        Lanes {
            per_lane: per_lane.max(1),
            lanes: Mutex::new(HashMap::new()),
        }
    }

    /// Wait for a place in the lane `key`.
    pub async fn enter(&self, key: [u8; 32]) -> InLane {
        let lane = {
            let mut lanes = self.lanes.lock().unwrap_or_else(|e| e.into_inner());
            // Lanes nobody uses any more (only the map holds them) are dropped as others come.
            if lanes.len() > 1024 {
                lanes.retain(|_, lane| Arc::strong_count(lane) > 1);
            }
            lanes
                .entry(key)
                .or_insert_with(|| Arc::new(Semaphore::new(self.per_lane)))
                .clone()
        };
        InLane {
            _permit: lane
                .acquire_owned()
                .await
                .expect("a lane's semaphore is never closed"),
        }
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

    use crate::db::Database;

    #[actix_web::test]
    async fn one_callers_slow_reads_leave_readers_for_another() {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::open(&dir.path().join("lanes.db"), 4).unwrap();
        let released = std::sync::Arc::new(AtomicBool::new(false));
        // Caller A: six reads that hold their reader until released (expensive pages).
        let slow: Vec<_> = (0..6)
            .map(|_| {
                let (db, released) = (db.clone(), released.clone());
                spawn(async move {
                    db.read_as([1; 32], move |_| -> crate::db::Result<()> {
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
        // Caller B's cheap read is answered while all of A's are still held.
        let cheap = timeout(
            Duration::from_secs(5),
            db.read_as([2; 32], |conn| -> crate::db::Result<i64> {
                Ok(conn.query_row("SELECT 1", [], |row| row.get(0))?)
            }),
        )
        .await;
        released.store(true, Ordering::Relaxed);
        for read in slow {
            read.await.unwrap().unwrap();
        }
        assert_eq!(cheap.expect("B waited for A's reads").unwrap(), 1);
    }
}
