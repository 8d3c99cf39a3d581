//! The full-text index, `chunks_fts`: one row per chunk (its rowid is `chunks.pk`), written in
//! the transaction that writes the chunk (a trigger in schema.sql removes it with the chunk),
//! and the queries a search makes of it. A term is `<dataset search key>_<stem>`
//! (`search::query::term`), so a search of one dataset reads only that dataset's entries.

mod functions;
mod matches;

pub use functions::register_functions;
pub use matches::*;

use std::cell::RefCell;
use std::collections::HashMap;

use rusqlite::{params, Connection, OptionalExtension};

use super::Result;
use crate::search::query::term;
use crate::search::tokens;
use crate::types::ids::DatasetId;
use crate::types::time::Timestamp;

/// The dataset's key in the index.
pub fn search_key(conn: &Connection, dataset_id: DatasetId) -> Result<i64> {
    Ok(conn
        .prepare_cached("SELECT search_key FROM datasets WHERE id = ?1")?
        .query_row([dataset_id], |row| row.get(0))?)
}

/// What the index keeps of a chunk.
#[derive(Debug, Clone)]
pub struct Indexed {
    pub pk: i64,
    pub search_key: i64,
    pub content: String,
    pub weight: f64,
    /// The chunk's time_stamp, else its created_at.
    pub at: Timestamp,
    /// Whether the chunk may have an entry already (an update); a new chunk has none.
    pub replaces: bool,
}

thread_local! {
    /// Entries held back until the end of the writer's batch (`Deferral`), in order.
    static DEFERRED: RefCell<Option<Vec<Indexed>>> = const { RefCell::new(None) };
}

/// Write a chunk's entry, replacing any it had, and count it in its dataset's sizes: at once,
/// or, inside the writer's batch, when the batch ends (`Deferral`).
pub fn index_chunk(conn: &Connection, chunk: Indexed) -> Result<()> {
    let held = DEFERRED.with_borrow_mut(|deferred| match deferred {
        Some(queue) => {
            queue.push(chunk);
            None
        }
        None => Some(chunk),
    });
    match held {
        Some(chunk) => write_entry(conn, &chunk),
        None => Ok(()),
    }
}

/// Index writes held back on this thread, from `start` until `write` (or until dropped, which
/// forgets them). The writer runs each job of a batch in a SAVEPOINT, and FTS5 writes out its
/// pending terms at every SAVEPOINT: indexing each job's chunks as the job ran made a segment
/// of the index per job, which FTS5 then merged and merged again (half the cost of a chunk
/// written alone). Held back, a batch's chunks are indexed in one flush, in the same
/// transaction as the chunks, before it commits.
pub struct Deferral(());

impl Deferral {
    pub fn start() -> Deferral {
        DEFERRED.with_borrow_mut(|deferred| *deferred = Some(Vec::new()));
        Deferral(())
    }

    /// How many entries are held: a job's start, to `forget_since` if the job is rolled back.
    pub fn mark() -> usize {
        DEFERRED.with_borrow(|deferred| deferred.as_ref().map_or(0, Vec::len))
    }

    /// Forget the entries held since `mark` (their job was rolled back).
    pub fn forget_since(mark: usize) {
        DEFERRED.with_borrow_mut(|deferred| {
            if let Some(queue) = deferred {
                queue.truncate(mark);
            }
        });
    }

    /// Write the held entries: for each chunk its last one, unless the chunk is gone (deleted
    /// later in the batch; a key it freed may name another chunk since, whose entry is last).
    pub fn write(self, conn: &Connection) -> Result<()> {
        let queue = DEFERRED.with_borrow_mut(Option::take).unwrap_or_default();
        let mut last: HashMap<i64, (usize, bool)> = HashMap::new();
        for (at, entry) in queue.iter().enumerate() {
            let replaces = last.get(&entry.pk).is_some_and(|(_, replaces)| *replaces);
            last.insert(entry.pk, (at, replaces || entry.replaces));
        }
        let mut exists = conn.prepare_cached("SELECT 1 FROM chunks WHERE pk = ?1")?;
        for (at, mut entry) in queue.into_iter().enumerate() {
            let Some(&(final_at, replaces)) = last.get(&entry.pk) else {
                continue;
            };
            if final_at != at || !exists.exists([entry.pk])? {
                continue;
            }
            // An earlier entry of the batch never reached the index, but one from before it may.
            entry.replaces = replaces;
            write_entry(conn, &entry)?;
        }
        Ok(())
    }
}

impl Drop for Deferral {
    fn drop(&mut self) {
        DEFERRED.with_borrow_mut(|deferred| *deferred = None);
    }
}

fn write_entry(conn: &Connection, chunk: &Indexed) -> Result<()> {
    let prefix = term(chunk.search_key, "");
    let mut terms = String::with_capacity(chunk.content.len() * 3 / 2);
    let mut length = 0i64;
    tokens::for_each_stem(&chunk.content, |stem| {
        if length > 0 {
            terms.push(' ');
        }
        terms.push_str(&prefix);
        terms.push_str(stem);
        length += 1;
    });
    // What the chunk's entry held before, if it had one: its length and whether it was weighted.
    let replaced: Option<(i64, bool)> = if chunk.replaces {
        conn.prepare_cached("SELECT length, weight <> 1.0 FROM chunks_fts WHERE rowid = ?1")?
            .query_row([chunk.pk], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()?
    } else {
        None
    };
    if replaced.is_some() {
        conn.prepare_cached("DELETE FROM chunks_fts WHERE rowid = ?1")?
            .execute([chunk.pk])?;
    }
    conn.prepare_cached(
        "INSERT INTO chunks_fts (rowid, terms, dataset, weight, at, length)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        chunk.pk,
        terms,
        chunk.search_key,
        chunk.weight,
        chunk.at.unix_seconds(),
        length
    ])?;
    let (old_length, was_weighted) = replaced.unwrap_or((0, false));
    conn.prepare_cached(
        "INSERT INTO search_sizes (search_key, chunks, terms, weighted) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (search_key) DO UPDATE
         SET chunks = chunks + excluded.chunks, terms = terms + excluded.terms,
             weighted = weighted + excluded.weighted",
    )?
    .execute(params![
        chunk.search_key,
        i64::from(replaced.is_none()),
        length - old_length,
        i64::from(chunk.weight != 1.0) - i64::from(was_weighted)
    ])?;
    Ok(())
}

/// Rebuild the whole index from the chunks: for a database made before search existed, or
/// one whose chunks were written around the server. Returns how many chunks it indexed.
pub fn reindex_all(conn: &Connection) -> Result<usize> {
    conn.execute_batch("DELETE FROM chunks_fts; DELETE FROM search_sizes;")?;
    let mut stmt = conn.prepare(
        "SELECT c.pk, d.search_key, c.content, c.weight, coalesce(c.time_stamp, c.created_at)
         FROM chunks c JOIN datasets d ON d.id = c.dataset_id",
    )?;
    let mut rows = stmt.query([])?;
    let mut count = 0;
    while let Some(row) = rows.next()? {
        write_entry(
            conn,
            &Indexed {
                pk: row.get(0)?,
                search_key: row.get(1)?,
                content: row.get(2)?,
                weight: row.get(3)?,
                at: row.get(4)?,
                replaces: false,
            },
        )?;
        count += 1;
    }
    // One segment instead of the several a bulk write leaves: each term a search reads is then
    // looked up once, not once per segment (seconds, once, for a million chunks).
    conn.execute(
        "INSERT INTO chunks_fts (chunks_fts) VALUES ('optimize')",
        [],
    )?;
    Ok(count)
}

/// How much of the index is one dataset's: what BM25 takes as the whole collection, so that a
/// dataset ranks as it would alone; and how many of its chunks have a weight other than 1.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sizes {
    pub chunks: i64,
    pub terms: i64,
    pub weighted: i64,
}

/// The dataset's sizes; zero when nothing of it is indexed.
pub fn sizes(conn: &Connection, search_key: i64) -> Result<Sizes> {
    Ok(conn
        .prepare_cached("SELECT chunks, terms, weighted FROM search_sizes WHERE search_key = ?1")?
        .query_row([search_key], |row| {
            Ok(Sizes {
                chunks: row.get(0)?,
                terms: row.get(1)?,
                weighted: row.get(2)?,
            })
        })
        .optional()?
        .unwrap_or_default())
}
