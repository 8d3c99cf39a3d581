//! `chunk_rank(chunks_fts, dfs, chunks, terms)`: BM25, as FTS5's own `bm25()` computes it, but
//! over one dataset instead of the whole index: each phrase's document frequency (`dfs`,
//! little-endian i64s, one per phrase of the MATCH expression, in order), the dataset's number
//! of chunks and its number of terms are given by the caller instead of counted. FTS5's `bm25()`
//! reads the whole doclist of every phrase once per query to count it (25 ms for a word in most
//! of a million chunks) before it scores a single row, and counts every dataset's chunks; the
//! caller has the dataset's counts from `chunks_vocab` and `search_sizes` for free.
//!
//! An FTS5 auxiliary function can only be registered through FTS5's C API; this module is the
//! project's one use of `unsafe`, kept to the registration and the calls the API documents
//! (https://www.sqlite.org/fts5.html#custom_auxiliary_functions).

use std::ffi::{c_int, c_void};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

use rusqlite::ffi::{
    self, fts5_api, sqlite3_context, sqlite3_value, Fts5Context, Fts5ExtensionApi,
};
use rusqlite::Connection;

/// BM25's parameters, as FTS5's `bm25()` sets them.
const K1: f64 = 1.2;
const B: f64 = 0.75;
/// The indexed column (`terms`); the others are UNINDEXED.
const TERMS: c_int = 0;

/// BM25's inverse document frequency as Lucene and tantivy write it, never negative: FTS5's own
/// (ln((N - n + 0.5) / (n + 0.5)), floored at 1e-6) scores a word in more than half of a
/// dataset's chunks at about 0, which made every score of a small dataset read 0.000001.
fn idf(chunks: i64, holding: i64) -> f64 {
    (1.0 + (chunks - holding) as f64 / (holding as f64 + 0.5) + 0.5 / (holding as f64 + 0.5)).ln()
}

/// Register `chunk_rank` on a connection.
pub fn register(conn: &Connection) -> rusqlite::Result<()> {
    // SAFETY: the handle is the connection's own and outlives these calls; the statement is
    // prepared, stepped and finalized here; FTS5 writes its API pointer into `api`, which lives
    // on this stack frame across the step (the documented way to reach fts5_api).
    unsafe {
        let db = conn.handle();
        let mut api: *mut fts5_api = ptr::null_mut();
        let mut stmt = ptr::null_mut();
        let rc = ffi::sqlite3_prepare_v2(
            db,
            c"SELECT fts5(?1)".as_ptr(),
            -1,
            &mut stmt,
            ptr::null_mut(),
        );
        if rc != ffi::SQLITE_OK {
            return Err(rusqlite::Error::SqliteFailure(ffi::Error::new(rc), None));
        }
        ffi::sqlite3_bind_pointer(
            stmt,
            1,
            (&mut api as *mut *mut fts5_api).cast::<c_void>(),
            c"fts5_api_ptr".as_ptr(),
            None,
        );
        ffi::sqlite3_step(stmt);
        ffi::sqlite3_finalize(stmt);
        let create = api.as_ref().and_then(|api| api.xCreateFunction);
        let Some(create) = create else {
            return Err(rusqlite::Error::SqliteFailure(
                ffi::Error::new(ffi::SQLITE_ERROR),
                Some("FTS5 is not available".into()),
            ));
        };
        let rc = create(
            api,
            c"chunk_rank".as_ptr(),
            ptr::null_mut(),
            Some(chunk_rank),
            None,
        );
        if rc != ffi::SQLITE_OK {
            return Err(rusqlite::Error::SqliteFailure(ffi::Error::new(rc), None));
        }
    }
    Ok(())
}

/// What a row of the match needs from FTS5, read through its API.
struct Row {
    length: c_int,
    /// Occurrences of each phrase in the row.
    hits: Vec<u32>,
}

/// The row FTS5 is on: its length and its phrase hits. None when FTS5 reports an error.
///
/// SAFETY: `api` and `fts` are the pointers FTS5 passed to the auxiliary function, valid for the
/// duration of the call; every function pointer used is one FTS5 fills for version 1 and later.
unsafe fn read_row(api: &Fts5ExtensionApi, fts: *mut Fts5Context) -> Option<Row> {
    let ok = |rc: c_int| (rc == ffi::SQLITE_OK).then_some(());
    let (mut length, mut instances) = (0 as c_int, 0 as c_int);
    ok((api.xColumnSize?)(fts, TERMS, &mut length))?;
    let phrases = (api.xPhraseCount?)(fts).max(0) as usize;
    let mut hits = vec![0u32; phrases];
    ok((api.xInstCount?)(fts, &mut instances))?;
    for index in 0..instances {
        let (mut phrase, mut column, mut offset) = (0 as c_int, 0 as c_int, 0 as c_int);
        ok((api.xInst?)(
            fts,
            index,
            &mut phrase,
            &mut column,
            &mut offset,
        ))?;
        if column == TERMS {
            if let Some(count) = hits.get_mut(phrase as usize) {
                *count += 1;
            }
        }
    }
    Some(Row { length, hits })
}

/// The collection a row is scored against: its number of chunks and of terms, and how many
/// chunks hold each phrase.
struct Collection {
    chunks: i64,
    terms: i64,
    holding: Vec<i64>,
}

/// The BM25 score of a row, higher is better.
fn score(row: &Row, collection: &Collection) -> f64 {
    let chunks = collection.chunks.max(1);
    let average = (collection.terms as f64 / chunks as f64).max(1.0);
    let norm = K1 * (1.0 - B + B * f64::from(row.length) / average);
    row.hits
        .iter()
        .enumerate()
        .filter(|(_, hits)| **hits > 0)
        .map(|(phrase, hits)| {
            let tf = f64::from(*hits);
            let holding = collection.holding.get(phrase).copied().unwrap_or(chunks);
            idf(chunks, holding) * tf * (K1 + 1.0) / (tf + norm)
        })
        .sum()
}

/// The auxiliary function FTS5 calls for each row of a match.
unsafe extern "C" fn chunk_rank(
    api: *const Fts5ExtensionApi,
    fts: *mut Fts5Context,
    ctx: *mut sqlite3_context,
    argc: c_int,
    argv: *mut *mut sqlite3_value,
) {
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        if argc != 3 {
            return None;
        }
        // SAFETY: FTS5 passes a valid API table, context and `argc` argument values.
        unsafe {
            let api = api.as_ref()?;
            let collection = Collection {
                holding: blob_i64s(*argv),
                chunks: ffi::sqlite3_value_int64(*argv.add(1)),
                terms: ffi::sqlite3_value_int64(*argv.add(2)),
            };
            read_row(api, fts).map(|row| score(&row, &collection))
        }
    }));
    // SAFETY: `ctx` is the function context FTS5 passed for this call.
    unsafe {
        match outcome {
            Ok(Some(value)) => ffi::sqlite3_result_double(ctx, value),
            _ => ffi::sqlite3_result_error(
                ctx,
                c"chunk_rank(chunks_fts, dfs, chunks, terms) failed".as_ptr(),
                -1,
            ),
        }
    }
}

/// The little-endian i64s of a BLOB value; none for anything else.
///
/// SAFETY: `value` is a valid value pointer for the duration of the call.
unsafe fn blob_i64s(value: *mut sqlite3_value) -> Vec<i64> {
    // SAFETY: sqlite3_value_blob's pointer is valid for sqlite3_value_bytes bytes until the value
    // changes, which it does not during this call.
    unsafe {
        let bytes = ffi::sqlite3_value_bytes(value).max(0) as usize;
        let data = ffi::sqlite3_value_blob(value).cast::<u8>();
        if data.is_null() || bytes == 0 {
            return Vec::new();
        }
        std::slice::from_raw_parts(data, bytes)
            .chunks_exact(8)
            .map(|eight| i64::from_le_bytes(eight.try_into().unwrap_or_default()))
            .collect()
    }
}

/// Document frequencies as `chunk_rank`'s argument.
pub fn dfs_blob(holding: &[i64]) -> Vec<u8> {
    holding.iter().flat_map(|n| n.to_le_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::db::open_in_memory;

    /// FTS5's bm25() for one phrase is idf x (the row's part); FTS5's idf is known, so each row's
    /// part is too, and chunk_rank must be the sum of this module's idf times those parts.
    #[test]
    fn the_score_is_bm25_with_the_given_frequencies_over_the_given_collection() {
        let conn = open_in_memory().unwrap();
        let texts = [
            "1_fish 1_chip 1_fish",
            "1_fish 1_soup 1_hot 1_soup 1_soup",
            "1_chip 1_shop",
            "1_apple 1_pie 1_fish 1_long 1_text 1_here 1_and 1_more",
            "1_nothing",
        ];
        for (rowid, text) in texts.iter().enumerate() {
            conn.execute(
                "INSERT INTO chunks_fts (rowid, terms, weight, at, length) VALUES (?1, ?2, 1.0, 0, 0)",
                rusqlite::params![rowid as i64 + 1, text],
            )
            .unwrap();
        }
        let chunks = texts.len() as i64;
        let terms = texts
            .iter()
            .map(|text| text.split(' ').count() as i64)
            .sum::<i64>();
        let holding = |term: &str| texts.iter().filter(|text| text.contains(term)).count() as i64;
        let fts5_idf =
            |n: i64| (((chunks - n) as f64 + 0.5).ln() - (n as f64 + 0.5).ln()).max(1e-6);
        // Each row's part for one term, from FTS5's bm25().
        let parts = |term: &str| -> Vec<(i64, f64)> {
            conn.prepare(
                "SELECT rowid, -bm25(chunks_fts) FROM chunks_fts WHERE chunks_fts MATCH ?1",
            )
            .unwrap()
            .query_map([format!("\"{term}\"")], |row| {
                Ok((row.get(0)?, row.get::<_, f64>(1)?))
            })
            .unwrap()
            .map(|row| {
                let (rowid, bm25) = row.unwrap();
                (rowid, bm25 / fts5_idf(holding(term)))
            })
            .collect()
        };
        for words in [
            vec!["1_fish"],
            vec!["1_fish", "1_chip"],
            vec!["1_soup", "1_shop", "1_fish"],
        ] {
            let expression = words
                .iter()
                .map(|word| format!("\"{word}\""))
                .collect::<Vec<_>>()
                .join(" OR ");
            let dfs: Vec<i64> = words.iter().map(|word| holding(word)).collect();
            let mut expected: HashMap<i64, f64> = HashMap::new();
            for word in &words {
                for (rowid, part) in parts(word) {
                    *expected.entry(rowid).or_default() += idf(chunks, holding(word)) * part;
                }
            }
            let ours: Vec<(i64, f64)> = conn
                .prepare(
                    "SELECT rowid, chunk_rank(chunks_fts, ?2, ?3, ?4) FROM chunks_fts
                     WHERE chunks_fts MATCH ?1",
                )
                .unwrap()
                .query_map(
                    rusqlite::params![expression, dfs_blob(&dfs), chunks, terms],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            assert_eq!(ours.len(), expected.len(), "{expression}");
            for (rowid, score) in ours {
                assert!(score > 0.0);
                assert!(
                    (score - expected[&rowid]).abs() < 1e-9,
                    "{expression}, row {rowid}: {score} against {}",
                    expected[&rowid]
                );
            }
        }
        assert!(idf(100, 90) > 0.0 && idf(100, 90) < idf(100, 10));
    }
}
