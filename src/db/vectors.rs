//! Chunks' vectors: one row per chunk that has one, its numbers as float32, little-endian; the
//! length every vector of a dataset has is recorded on the dataset by its first vector. Every
//! change to a vector, or to a chunk with one, is logged in `vector_changes` in the same
//! transaction, for the matrices in memory (`vector_index`) to follow.

use rusqlite::{params, Connection, OptionalExtension};

use super::Result;
use crate::types::ids::DatasetId;

/// How many numbers the dataset's vectors have, once it has one.
pub fn vector_length(conn: &Connection, dataset_id: DatasetId) -> Result<Option<usize>> {
    let length: Option<i64> = conn
        .prepare_cached("SELECT vector_length FROM datasets WHERE id = ?1")?
        .query_row([dataset_id], |row| row.get(0))
        .optional()?
        .flatten();
    Ok(length.map(|length| length as usize))
}

pub fn set_vector_length(conn: &Connection, dataset_id: DatasetId, length: usize) -> Result<()> {
    conn.prepare_cached("UPDATE datasets SET vector_length = ?2 WHERE id = ?1")?
        .execute(params![dataset_id, length as i64])?;
    Ok(())
}

/// Store (or replace) the vector of the chunk with key `chunk_pk`.
pub fn store_vector(
    conn: &Connection,
    dataset_id: DatasetId,
    chunk_pk: i64,
    vector: &[f32],
) -> Result<()> {
    let bytes: Vec<u8> = vector.iter().flat_map(|x| x.to_le_bytes()).collect();
    conn.prepare_cached(
        "INSERT INTO chunk_vectors (chunk_pk, dataset_id, vector) VALUES (?1, ?2, ?3)
         ON CONFLICT (chunk_pk) DO UPDATE SET vector = excluded.vector",
    )?
    .execute(params![chunk_pk, dataset_id, bytes])?;
    conn.prepare_cached("UPDATE chunks SET has_vector = 1 WHERE pk = ?1")?
        .execute([chunk_pk])?;
    log_change(conn, dataset_id, chunk_pk)
}

/// The most changes the log keeps: past them (and some), the oldest are pruned, and each
/// dataset they were of records how far (`vector_log_pruned`): its matrix, if older, is read
/// again whole.
const LOGGED_CHANGES: i64 = 100_000;
const PRUNED_AT_ONCE: i64 = 10_000;

fn log_change(conn: &Connection, dataset_id: DatasetId, chunk_pk: i64) -> Result<()> {
    conn.prepare_cached("INSERT INTO vector_changes (dataset_id, chunk_pk) VALUES (?1, ?2)")?
        .execute(params![dataset_id, chunk_pk])?;
    prune_log(conn)
}

fn prune_log(conn: &Connection) -> Result<()> {
    let (oldest, newest): (i64, i64) = conn
        .prepare_cached("SELECT coalesce(min(seq), 0), coalesce(max(seq), 0) FROM vector_changes")?
        .query_row([], |row| Ok((row.get(0)?, row.get(1)?)))?;
    if newest - oldest < LOGGED_CHANGES + PRUNED_AT_ONCE {
        return Ok(());
    }
    let cut = newest - LOGGED_CHANGES;
    conn.prepare_cached(
        "INSERT INTO vector_log_pruned (dataset_id, up_to)
         SELECT DISTINCT dataset_id, ?1 FROM vector_changes WHERE seq <= ?1
         ON CONFLICT (dataset_id) DO UPDATE SET up_to = excluded.up_to",
    )?
    .execute([cut])?;
    conn.prepare_cached("DELETE FROM vector_changes WHERE seq <= ?1")?
        .execute([cut])?;
    Ok(())
}

/// Remove the chunk's vector, if it has one (its content changed: the vector no longer says
/// what it holds). An embedding server, when there is one, gives it a new one.
pub fn drop_vector(conn: &Connection, dataset_id: DatasetId, chunk_pk: i64) -> Result<()> {
    let dropped = conn
        .prepare_cached("DELETE FROM chunk_vectors WHERE chunk_pk = ?1")?
        .execute([chunk_pk])?;
    if dropped > 0 {
        conn.prepare_cached("UPDATE chunks SET has_vector = 0 WHERE pk = ?1")?
            .execute([chunk_pk])?;
        log_change(conn, dataset_id, chunk_pk)?;
    }
    Ok(())
}

/// Log that the chunk's weight or time changed, if it has a vector (the matrices keep both).
pub fn chunk_changed(conn: &Connection, dataset_id: DatasetId, chunk_pk: i64) -> Result<()> {
    let has_vector: bool = conn
        .prepare_cached("SELECT has_vector FROM chunks WHERE pk = ?1")?
        .query_row([chunk_pk], |row| row.get(0))
        .optional()?
        .unwrap_or(false);
    if has_vector {
        log_change(conn, dataset_id, chunk_pk)?;
    }
    Ok(())
}

/// Log the removal of the vectors of the chunks `selection` (a `SELECT pk FROM chunks ...` with
/// `params`) picks, before they are deleted.
pub fn log_removal(
    conn: &Connection,
    selection: &str,
    params: impl rusqlite::Params,
) -> Result<()> {
    let sql = format!(
        "INSERT INTO vector_changes (dataset_id, chunk_pk)
         SELECT dataset_id, chunk_pk FROM chunk_vectors WHERE chunk_pk IN ({selection})"
    );
    conn.prepare_cached(&sql)?.execute(params)?;
    prune_log(conn)
}

pub(super) fn decode(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

/// The vectors of those of the chunks that have one.
pub fn vectors_of(conn: &Connection, chunk_pks: &[i64]) -> Result<Vec<Vec<f32>>> {
    let mut stmt = conn.prepare_cached("SELECT vector FROM chunk_vectors WHERE chunk_pk = ?1")?;
    let mut vectors = Vec::new();
    for pk in chunk_pks {
        if let Some(bytes) = stmt
            .query_row([pk], |row| row.get::<_, Vec<u8>>(0))
            .optional()?
        {
            vectors.push(decode(&bytes));
        }
    }
    Ok(vectors)
}

/// A vector's length (its Euclidean norm), in f64: the squares of large float32 numbers
/// overflow float32, and those of tiny ones underflow it.
pub fn norm(v: &[f32]) -> f64 {
    v.iter()
        .map(|&x| f64::from(x) * f64::from(x))
        .sum::<f64>()
        .sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::chunks::{insert_chunk, NewChunk};
    use crate::db::open_in_memory;
    use crate::db::test_support::dataset_and_user;

    #[test]
    fn vectors_round_trip_and_go_with_their_chunk() {
        let conn = open_in_memory().unwrap();
        let (dataset, user) = dataset_and_user(&conn);
        let mut pks = Vec::new();
        for (text, vector) in [
            ("east", [1.0, 0.0]),
            ("north", [0.0, 1.0]),
            ("north-east", [1.0, 1.0]),
        ] {
            insert_chunk(&conn, &NewChunk::plain(dataset, user, text)).unwrap();
            let pk: i64 = conn
                .query_row("SELECT max(pk) FROM chunks", [], |r| r.get(0))
                .unwrap();
            store_vector(&conn, dataset, pk, &vector).unwrap();
            pks.push(pk);
        }
        assert_eq!(vectors_of(&conn, &pks[..1]).unwrap(), vec![vec![1.0, 0.0]]);
        // A chunk deleted takes its vector with it.
        conn.execute("DELETE FROM chunks WHERE pk = ?1", [pks[2]])
            .unwrap();
        let left: i64 = conn
            .query_row("SELECT count(*) FROM chunk_vectors", [], |r| r.get(0))
            .unwrap();
        assert_eq!(left, 2);
    }
}
