//! What `trieve-lite export` reads of a dataset (src/export.rs sends it): its files, and its
//! chunks in key order with their vectors, a page at a time.

use const_format::concatcp;
use rusqlite::{params, Connection};
use serde_json::Value;

use super::columns::at;
use super::{json_column, vectors, Result};
use crate::domain::ids::{ChunkId, DatasetId, FileId};
use crate::domain::time::Timestamp;

/// A chunk as it is sent: what the target needs to store it again.
#[derive(Debug, Clone)]
pub struct ExportedChunk {
    /// Its key here: the order chunks are sent in, and how far an export got.
    pub pk: i64,
    pub id: ChunkId,
    pub chunk_html: Option<String>,
    pub link: Option<String>,
    pub metadata: Option<Value>,
    pub tag_set: Option<String>,
    pub time_stamp: Option<Timestamp>,
    pub tracking_id: Option<String>,
    pub weight: f64,
    pub file_id: Option<FileId>,
    pub vector: Option<Vec<f32>>,
}

/// A file as it is sent, without its bytes (`files::read_file_bytes` reads them one at a time).
#[derive(Debug, Clone)]
pub struct ExportedFile {
    pub id: FileId,
    pub file_name: String,
    pub mime_type: String,
    pub size: i64,
    pub link: Option<String>,
    pub metadata: Option<Value>,
    pub tag_set: Option<String>,
    pub time_stamp: Option<Timestamp>,
    pub description: Option<String>,
}

/// Which chunks an export resumed after an interruption sends again: those past the last page
/// the target acknowledged, and any changed since the export began (before it, they had been
/// sent as they were then).
#[derive(Debug, Clone, Copy)]
pub struct Resume {
    pub acknowledged_through: i64,
    pub began: Timestamp,
}

impl Resume {
    /// A first run: every chunk.
    pub fn from_start(began: Timestamp) -> Resume {
        Resume {
            acknowledged_through: 0,
            began,
        }
    }
}

pub fn dataset_exists(conn: &Connection, dataset_id: DatasetId) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM datasets WHERE id = ?1)")?
        .query_row([dataset_id], |row| row.get(0))?)
}

/// How many chunks `Resume` leaves to send.
pub fn count_chunks_to_send(
    conn: &Connection,
    dataset_id: DatasetId,
    resume: Resume,
) -> Result<i64> {
    Ok(conn
        .prepare_cached(
            "SELECT count(*) FROM chunks
             WHERE dataset_id = ?1 AND (pk > ?2 OR updated_at > ?3)",
        )?
        .query_row(
            params![dataset_id, resume.acknowledged_through, resume.began],
            |row| row.get(0),
        )?)
}

const CHUNK_COLUMNS: &str = "c.pk, c.id, c.chunk_html, c.link, c.metadata, c.tag_set, \
                             c.time_stamp, c.tracking_id, c.weight, c.file_id, c.has_vector";

/// The next `limit` chunks to send after key `after`, in key order.
pub fn chunks_to_send(
    conn: &Connection,
    dataset_id: DatasetId,
    resume: Resume,
    after: i64,
    limit: usize,
) -> Result<Vec<ExportedChunk>> {
    const SQL: &str = concatcp!(
        "SELECT ",
        CHUNK_COLUMNS,
        " FROM chunks c
         WHERE c.dataset_id = ?1 AND c.pk > ?2 AND (c.pk > ?3 OR c.updated_at > ?4)
         ORDER BY c.pk LIMIT ?5"
    );
    let mut stmt = conn.prepare_cached(SQL)?;
    let mut chunks = stmt
        .query_map(
            params![
                dataset_id,
                after,
                resume.acknowledged_through,
                resume.began,
                limit as i64
            ],
            |row| {
                let has_vector: bool = row.get(at!(CHUNK_COLUMNS, "has_vector"))?;
                Ok((
                    has_vector,
                    ExportedChunk {
                        pk: row.get(at!(CHUNK_COLUMNS, "pk"))?,
                        id: row.get(at!(CHUNK_COLUMNS, "id"))?,
                        chunk_html: row.get(at!(CHUNK_COLUMNS, "chunk_html"))?,
                        link: row.get(at!(CHUNK_COLUMNS, "link"))?,
                        metadata: json_column(row.get(at!(CHUNK_COLUMNS, "metadata"))?),
                        tag_set: row.get(at!(CHUNK_COLUMNS, "tag_set"))?,
                        time_stamp: row.get(at!(CHUNK_COLUMNS, "time_stamp"))?,
                        tracking_id: row.get(at!(CHUNK_COLUMNS, "tracking_id"))?,
                        weight: row.get(at!(CHUNK_COLUMNS, "weight"))?,
                        file_id: row.get(at!(CHUNK_COLUMNS, "file_id"))?,
                        vector: None,
                    },
                ))
            },
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for (has_vector, chunk) in &mut chunks {
        if *has_vector {
            chunk.vector = vectors::vectors_of(conn, &[chunk.pk])?.pop();
        }
    }
    Ok(chunks.into_iter().map(|(_, chunk)| chunk).collect())
}

const FILE_COLUMNS: &str = "id, file_name, mime_type, size, link, metadata, tag_set, time_stamp, \
                            description";

/// The dataset's files, oldest first.
pub fn files_to_send(conn: &Connection, dataset_id: DatasetId) -> Result<Vec<ExportedFile>> {
    const SQL: &str = concatcp!(
        "SELECT ",
        FILE_COLUMNS,
        " FROM files WHERE dataset_id = ?1 ORDER BY created_at, id"
    );
    let mut stmt = conn.prepare_cached(SQL)?;
    let files = stmt
        .query_map([dataset_id], |row| {
            Ok(ExportedFile {
                id: row.get(at!(FILE_COLUMNS, "id"))?,
                file_name: row.get(at!(FILE_COLUMNS, "file_name"))?,
                mime_type: row.get(at!(FILE_COLUMNS, "mime_type"))?,
                size: row.get(at!(FILE_COLUMNS, "size"))?,
                link: row.get(at!(FILE_COLUMNS, "link"))?,
                metadata: json_column(row.get(at!(FILE_COLUMNS, "metadata"))?),
                tag_set: row.get(at!(FILE_COLUMNS, "tag_set"))?,
                time_stamp: row.get(at!(FILE_COLUMNS, "time_stamp"))?,
                description: row.get(at!(FILE_COLUMNS, "description"))?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::chunks::{insert_chunk, update_chunk, NewChunk};
    use crate::db::test_support::dataset_and_user;
    use crate::models::ChunkMetadata;

    #[test]
    fn a_resumed_export_sends_what_it_had_not_reached_and_what_changed_since_it_began() {
        let conn = crate::db::open_in_memory().unwrap();
        let (dataset, user) = dataset_and_user(&conn);
        let first = insert_chunk(&conn, &NewChunk::plain(dataset, user, "one")).unwrap();
        let second = insert_chunk(&conn, &NewChunk::plain(dataset, user, "two")).unwrap();
        let third = insert_chunk(&conn, &NewChunk::plain(dataset, user, "three")).unwrap();
        let all =
            chunks_to_send(&conn, dataset, Resume::from_start(Timestamp::now()), 0, 10).unwrap();
        let ids: Vec<ChunkId> = all.iter().map(|chunk| chunk.id).collect();
        assert_eq!(ids, [first.id, second.id, third.id]);

        // Interrupted after the first two were acknowledged; then the first changed.
        let resume = Resume {
            acknowledged_through: all[1].pk,
            began: Timestamp::now(),
        };
        let changed = ChunkMetadata {
            chunk_html: Some("one, changed".into()),
            ..first.clone()
        };
        update_chunk(&conn, &changed, None).unwrap();
        let again = chunks_to_send(&conn, dataset, resume, 0, 10).unwrap();
        let ids: Vec<ChunkId> = again.iter().map(|chunk| chunk.id).collect();
        assert_eq!(ids, [first.id, third.id]);
        assert_eq!(count_chunks_to_send(&conn, dataset, resume).unwrap(), 2);
        // Paging by key: after the first, only the third.
        let rest = chunks_to_send(&conn, dataset, resume, again[0].pk, 10).unwrap();
        assert_eq!(rest.len(), 1);
        assert_eq!(rest[0].id, third.id);
    }
}
