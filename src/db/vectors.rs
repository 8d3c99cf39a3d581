//! Chunks' vectors: one row per chunk that has one, its numbers as float32, little-endian; the
//! length every vector of a dataset has is recorded on the dataset by its first vector.

use rusqlite::{params, Connection, OptionalExtension};

use super::Result;
use crate::domain::ids::DatasetId;

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
    Ok(())
}

fn decode(bytes: &[u8]) -> Vec<f32> {
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

/// The `n` chunks of the dataset whose vectors are nearest `query` by cosine similarity, best
/// first, `excluded` left out: (chunk key, similarity). Every vector of the dataset is compared
/// (an exact search).
pub fn nearest(
    conn: &Connection,
    dataset_id: DatasetId,
    query: &[f32],
    excluded: &[i64],
    n: usize,
) -> Result<Vec<(i64, f32)>> {
    let query_norm = norm(query);
    let mut best: Vec<(i64, f32)> = Vec::with_capacity(n + 1);
    if query_norm == 0.0 || n == 0 {
        return Ok(best);
    }
    let mut stmt =
        conn.prepare_cached("SELECT chunk_pk, vector FROM chunk_vectors WHERE dataset_id = ?1")?;
    let mut rows = stmt.query([dataset_id])?;
    while let Some(row) = rows.next()? {
        let pk: i64 = row.get(0)?;
        if excluded.contains(&pk) {
            continue;
        }
        let vector = decode(row.get_ref(1)?.as_blob().map_err(rusqlite::Error::from)?);
        if vector.len() != query.len() {
            continue;
        }
        let similarity = dot(&vector, query) / (norm(&vector) * query_norm);
        if !similarity.is_finite() {
            continue;
        }
        if best.len() < n || similarity > best[best.len() - 1].1 {
            let at = best.partition_point(|(_, s)| *s >= similarity);
            best.insert(at, (pk, similarity));
            best.truncate(n);
        }
    }
    Ok(best)
}

fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// A vector's length (its Euclidean norm).
pub fn norm(v: &[f32]) -> f32 {
    dot(v, v).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::chunks::{insert_chunk, NewChunk};
    use crate::db::open_in_memory;
    use crate::db::test_support::dataset_and_user;

    #[test]
    fn vectors_round_trip_and_the_nearest_come_first() {
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
        let found = nearest(&conn, dataset, &[1.0, 0.1], &[pks[0]], 2).unwrap();
        assert_eq!(
            found.iter().map(|(pk, _)| *pk).collect::<Vec<_>>(),
            [pks[2], pks[1]]
        );
        assert!(found[0].1 > found[1].1);
        // A chunk deleted takes its vector with it.
        conn.execute("DELETE FROM chunks WHERE pk = ?1", [pks[2]])
            .unwrap();
        let left: i64 = conn
            .query_row("SELECT count(*) FROM chunk_vectors", [], |r| r.get(0))
            .unwrap();
        assert_eq!(left, 2);
    }
}
