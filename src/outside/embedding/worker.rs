//! The embedder: one background thread that gives every chunk without a vector one from the
//! embedding server, oldest first, `BATCH` at a time. A chunk is stored and acknowledged before
//! this sees it, so the server being down only delays vectors: the thread retries with back-off
//! (1 s doubling to a minute), logs the failure once per outage and once when the server is
//! back, and never logs the key. A restart resumes from the database (the backlog is the
//! chunks with `has_vector = 0`); updates that change a chunk's text drop its vector, so it is
//! embedded again. A chunk the server answers for with no usable vector three times running,
//! or with a vector of another length than its dataset's, is set aside until the next start.

use std::collections::{HashMap, HashSet};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::{params, OptionalExtension};

use super::{EmbedError, Embedder};
use crate::db::{self, Database};
use crate::domain::error::AppError;
use crate::domain::vectors::store_checked;
use crate::types::ids::DatasetId;

/// Texts sent in one request.
pub const BATCH: usize = 32;
/// How often an idle embedder looks for new chunks.
const IDLE_POLL: Duration = Duration::from_millis(500);
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// Unusable answers for one chunk, sent alone, before it is set aside.
const BAD_ANSWERS_ALLOWED: u32 = 3;
/// Chunks set aside that get a line of the log each; the rest are only counted.
const LOGGED_SET_ASIDE: usize = 10;

/// What the embedder has done, for `/metrics` and the admin page.
#[derive(Debug, Default)]
pub struct EmbeddingStats {
    pub embedded: AtomicU64,
    pub failed_requests: AtomicU64,
    pub set_aside: AtomicU64,
    /// Whether the last request failed.
    pub failing: AtomicBool,
}

/// The running embedder; stopped when dropped.
pub struct Worker {
    stop: Arc<Stop>,
    thread: Option<JoinHandle<()>>,
}

#[derive(Default)]
struct Stop {
    stopped: Mutex<bool>,
    wake: Condvar,
}

impl Stop {
    /// Wait for `time`, or less if stopped; true when stopped.
    fn wait(&self, time: Duration) -> bool {
        let stopped = self.stopped.lock().unwrap_or_else(|p| p.into_inner());
        if *stopped {
            return true;
        }
        let (stopped, _) = self
            .wake
            .wait_timeout(stopped, time)
            .unwrap_or_else(|p| p.into_inner());
        *stopped
    }

    fn stopped(&self) -> bool {
        *self.stopped.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Worker {
    pub fn start(
        database: Database,
        embedder: Embedder,
        stats: Arc<EmbeddingStats>,
    ) -> std::io::Result<Worker> {
        let stop = Arc::new(Stop::default());
        let thread = {
            let stop = stop.clone();
            std::thread::Builder::new()
                .name("trieve-lite-embedder".into())
                .spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .build()
                        .expect("a current-thread runtime without drivers always builds");
                    let mut run = Run {
                        database,
                        embedder,
                        stats,
                        stop,
                        runtime,
                        bad: HashMap::new(),
                        set_aside: HashSet::new(),
                        alone_until: 0,
                    };
                    // A bug must not end the embedding for good: logged, then resumed.
                    while let Err(panic) = catch_unwind(AssertUnwindSafe(|| run.run())) {
                        let what = panic
                            .downcast_ref::<&str>()
                            .map(|s| s.to_string())
                            .or_else(|| panic.downcast_ref::<String>().cloned())
                            .unwrap_or_default();
                        log::error!("embedding: the embedder failed ({what}); resumed in a minute");
                        run.stats.failing.store(true, Ordering::Relaxed);
                        if run.stop.wait(MAX_BACKOFF) {
                            break;
                        }
                    }
                })?
        };
        Ok(Worker {
            stop,
            thread: Some(thread),
        })
    }

    /// Stop after the request under way, if any, and wait for the thread.
    pub fn stop(&mut self) {
        *self.stop.stopped.lock().unwrap_or_else(|p| p.into_inner()) = true;
        self.stop.wake.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        // Not joined here: a drop must not wait for the embedding server's timeout.
        *self.stop.stopped.lock().unwrap_or_else(|p| p.into_inner()) = true;
        self.stop.wake.notify_all();
    }
}

/// A chunk waiting for its vector.
struct Pending {
    pk: i64,
    dataset_id: DatasetId,
    content: String,
}

struct Run {
    database: Database,
    embedder: Embedder,
    stats: Arc<EmbeddingStats>,
    stop: Arc<Stop>,
    runtime: tokio::runtime::Runtime,
    /// Unusable answers so far, by chunk.
    bad: HashMap<i64, u32>,
    set_aside: HashSet<i64>,
    /// After an unusable answer to a batch, its chunks are sent one at a time up to this key.
    alone_until: i64,
}

/// What one round did: whether to go on at once, or wait.
enum Next {
    Continue,
    Idle,
    BackOff,
}

impl Run {
    fn run(&mut self) {
        let mut cursor = 0;
        let mut backoff = FIRST_BACKOFF;
        // The failure that began the current outage: logged once, at its start.
        let mut down: Option<String> = None;
        while !self.stop.stopped() {
            let next = match self.round(&mut cursor) {
                Ok(next) => next,
                Err(err) => {
                    if down.is_none() {
                        log::error!("embedding: {err}; chunks wait for their vectors, retried");
                        down = Some(err.to_string());
                    }
                    Next::BackOff
                }
            };
            let pause = match next {
                Next::Continue | Next::Idle => {
                    if down.take().is_some() {
                        log::info!("embedding: the embedding server answers again");
                    }
                    backoff = FIRST_BACKOFF;
                    match next {
                        Next::Idle => IDLE_POLL,
                        _ => Duration::ZERO,
                    }
                }
                Next::BackOff => {
                    let pause = backoff;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                    pause
                }
            };
            if !pause.is_zero() && self.stop.wait(pause) {
                break;
            }
        }
    }

    /// Embed the next batch after `cursor`.
    fn round(&mut self, cursor: &mut i64) -> Result<Next, Failure> {
        let size = if *cursor < self.alone_until { 1 } else { BATCH };
        let from = *cursor;
        // The set travels to the reader thread and back (it may hold many keys: not copied).
        let set_aside = std::mem::take(&mut self.set_aside);
        let (found, set_aside) = self.runtime.block_on(self.database.read(move |conn| {
            let found = pending(conn, from, size, &set_aside);
            Ok::<_, AppError>((found, set_aside))
        }))?;
        self.set_aside = set_aside;
        let (batch, looked_at) = found?;
        let Some(last) = looked_at else {
            // The end of the backlog: start again from the oldest after a pause.
            *cursor = 0;
            return Ok(Next::Idle);
        };
        if batch.is_empty() {
            *cursor = last;
            return Ok(Next::Continue);
        }
        let texts: Vec<&str> = batch.iter().map(|chunk| chunk.content.as_str()).collect();
        let vectors = match self.embedder.embed(&texts) {
            Ok(vectors) => vectors,
            Err(err) => {
                self.stats.failed_requests.fetch_add(1, Ordering::Relaxed);
                self.stats.failing.store(true, Ordering::Relaxed);
                if let (EmbedError::BadAnswer { .. }, [only]) = (&err, batch.as_slice()) {
                    let times = self.bad.entry(only.pk).or_default();
                    *times += 1;
                    if *times >= BAD_ANSWERS_ALLOWED {
                        self.bad.remove(&only.pk);
                        self.put_aside(only.pk, &err.to_string());
                        *cursor = last;
                    }
                } else if matches!(err, EmbedError::BadAnswer { .. }) {
                    self.alone_until = last;
                }
                return Err(Failure::Embedding(err));
            }
        };
        self.stats.failing.store(false, Ordering::Relaxed);
        let answered: Vec<(Pending, Vec<f32>)> = batch.into_iter().zip(vectors).collect();
        for (chunk, _) in &answered {
            self.bad.remove(&chunk.pk);
        }
        let (stored, refused) = self
            .runtime
            .block_on(self.database.write(move |conn| store(conn, &answered)))?;
        self.stats
            .embedded
            .fetch_add(stored as u64, Ordering::Relaxed);
        for (pk, problem) in refused {
            self.put_aside(pk, &problem);
        }
        *cursor = last;
        Ok(Next::Continue)
    }

    fn put_aside(&mut self, pk: i64, problem: &str) {
        match self.set_aside.len() {
            n if n < LOGGED_SET_ASIDE => {
                log::warn!("embedding: chunk {pk} set aside until the next start: {problem}")
            }
            n if n == LOGGED_SET_ASIDE => log::warn!(
                "embedding: more chunks set aside; /metrics and GET /api/embedding count them"
            ),
            _ => {}
        }
        self.set_aside.insert(pk);
        self.stats.set_aside.fetch_add(1, Ordering::Relaxed);
    }
}

#[derive(Debug, thiserror::Error)]
enum Failure {
    #[error("{0}")]
    Embedding(#[from] EmbedError),
    #[error("the database: {0}")]
    Database(String),
}

impl From<AppError> for Failure {
    fn from(err: AppError) -> Failure {
        Failure::Database(err.to_string())
    }
}

/// Keys read at once when looking for the next batch: the chunks set aside are skipped among
/// them without reading their text.
const KEYS_AT_ONCE: i64 = 1024;

/// Up to `size` chunks without a vector after key `after`, oldest first, none of `set_aside`;
/// and the last key looked at (None at the end of the backlog).
fn pending(
    conn: &rusqlite::Connection,
    after: i64,
    size: usize,
    set_aside: &HashSet<i64>,
) -> Result<(Vec<Pending>, Option<i64>), AppError> {
    let keys: Vec<i64> = conn
        .prepare_cached(
            "SELECT pk FROM chunks WHERE has_vector = 0 AND pk > ?1 ORDER BY pk LIMIT ?2",
        )?
        .query_map(params![after, KEYS_AT_ONCE], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()
        .map_err(db::Error::from)?;
    let wanted: Vec<i64> = keys
        .iter()
        .copied()
        .filter(|pk| !set_aside.contains(pk))
        .take(size)
        .collect();
    // Looked at up to the last key taken, or every key read when all were set aside.
    let looked_at = wanted.last().or(keys.last()).copied();
    let mut text = conn.prepare_cached(
        "SELECT dataset_id, content FROM chunks WHERE pk = ?1 AND has_vector = 0",
    )?;
    let mut batch = Vec::with_capacity(wanted.len());
    for pk in wanted {
        let found = text
            .query_row([pk], |row| {
                Ok(Pending {
                    pk,
                    dataset_id: row.get(0)?,
                    content: row.get(1)?,
                })
            })
            .optional()
            .map_err(db::Error::from)?;
        batch.extend(found);
    }
    Ok((batch, looked_at))
}

/// Store the vectors of the chunks whose text is still what was embedded (one changed since
/// waits for the next round). Returns how many were stored, and the chunks refused with why.
fn store(
    conn: &rusqlite::Connection,
    answered: &[(Pending, Vec<f32>)],
) -> Result<(usize, Vec<(i64, String)>), AppError> {
    let mut stored = 0;
    let mut refused = Vec::new();
    // The dataset too: a deleted chunk's key may have gone to another dataset's chunk.
    let mut current = conn.prepare_cached(
        "SELECT 1 FROM chunks
         WHERE pk = ?1 AND dataset_id = ?2 AND has_vector = 0 AND content = ?3",
    )?;
    for (chunk, vector) in answered {
        let unchanged = current
            .query_row(params![chunk.pk, chunk.dataset_id, chunk.content], |_| {
                Ok(())
            })
            .optional()
            .map_err(db::Error::from)?
            .is_some();
        if !unchanged {
            continue;
        }
        match store_checked(conn, chunk.dataset_id, chunk.pk, vector) {
            Ok(()) => stored += 1,
            Err(err @ AppError::Field { .. }) => refused.push((chunk.pk, err.to_string())),
            Err(err) => return Err(err),
        }
    }
    Ok((stored, refused))
}

/// How many chunks wait for a vector.
pub fn backlog(conn: &rusqlite::Connection) -> db::Result<i64> {
    Ok(conn
        .prepare_cached("SELECT count(*) FROM chunks WHERE has_vector = 0")?
        .query_row([], |row| row.get(0))?)
}
