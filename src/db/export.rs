//! What `trieve-lite export` reads of a dataset (src/outside/export sends it): its files, and its
//! chunks in key order with their vectors, a page at a time.

use std::path::Path;

use const_format::concatcp;
use rusqlite::{params, Connection, OpenFlags};
use serde_json::Value;

use super::columns::at;
use super::{configure_connection, json_column, vectors, Checkpoints, Result, SCHEMA_VERSION};
use crate::types::ids::{ChunkId, DatasetId, FileId};
use crate::types::time::Timestamp;

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
/// sent as they were then): its fields (`updated_at`) or its vector (`vector_changes`, past the
/// position the log had then).
#[derive(Debug, Clone, Copy)]
pub struct Resume {
    pub acknowledged_through: i64,
    pub began: Timestamp,
    pub vector_log_at: i64,
}

impl Resume {
    /// A first run: every chunk.
    pub fn from_start(conn: &Connection) -> Result<Resume> {
        Ok(Resume {
            acknowledged_through: 0,
            began: Timestamp::now(),
            vector_log_at: conn
                .prepare_cached("SELECT coalesce(max(seq), 0) FROM vector_changes")?
                .query_row([], |row| row.get(0))?,
        })
    }

    /// Whether the vector log still holds every change of the dataset since the export began
    /// (the oldest changes are pruned); if not, the export must start again.
    pub fn vector_log_holds(&self, conn: &Connection, dataset_id: DatasetId) -> Result<bool> {
        let pruned_to: i64 = conn
            .prepare_cached(
                "SELECT coalesce(max(up_to), 0) FROM vector_log_pruned WHERE dataset_id = ?1",
            )?
            .query_row([dataset_id], |row| row.get(0))?;
        Ok(pruned_to <= self.vector_log_at)
    }
}

/// The chunks `Resume` sends, of the dataset ?1: ?2 acknowledged through, ?3 began, ?4 the
/// log's position.
const TO_SEND: &str = "(c.pk > ?2 OR c.updated_at > ?3 OR c.pk IN (
        SELECT chunk_pk FROM vector_changes WHERE dataset_id = ?1 AND seq > ?4))";

/// The database to export from, opened to read only (the server may be running on it): it
/// must exist and have the schema version this binary knows (an export never upgrades it).
pub fn open(path: &Path, checkpoints: Checkpoints) -> std::result::Result<Connection, String> {
    super::require_existing(path)?;
    let cannot = |err: rusqlite::Error| format!("cannot read {}: {err}", path.display());
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(cannot)?;
    configure_connection(&conn, checkpoints).map_err(cannot)?;
    conn.execute_batch("PRAGMA query_only = ON")
        .map_err(cannot)?;
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .map_err(cannot)?;
    if version != SCHEMA_VERSION {
        return Err(format!(
            "{} has schema version {version} and this trieve-lite knows {SCHEMA_VERSION}: export \
             with the trieve-lite that serves it (or start this one on it once, after a backup, to \
             upgrade it)",
            path.display()
        ));
    }
    Ok(conn)
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
    const SQL: &str = concatcp!(
        "SELECT count(*) FROM chunks c WHERE c.dataset_id = ?1 AND ",
        TO_SEND
    );
    Ok(conn.prepare_cached(SQL)?.query_row(
        params![
            dataset_id,
            resume.acknowledged_through,
            resume.began,
            resume.vector_log_at
        ],
        |row| row.get(0),
    )?)
}

const CHUNK_COLUMNS: &str = "c.pk, c.id, c.chunk_html, c.link, c.metadata, c.tag_set, \
                             c.time_stamp, c.tracking_id, c.weight, c.file_id, v.vector";

/// A page of chunks to send: `TO_SEND` past key ?5, at most ?6.
const PAGE: &str = concatcp!(
    "SELECT ",
    CHUNK_COLUMNS,
    // A page walks the table by key from ?5 (`+` keeps SQLite from reading the whole
    // dataset through an index of its own and sorting it, for every page).
    " FROM chunks c LEFT JOIN chunk_vectors v ON v.chunk_pk = c.pk
         WHERE +c.dataset_id = ?1 AND c.pk > ?5 AND ",
    TO_SEND,
    " ORDER BY c.pk LIMIT ?6"
);

/// The next `limit` chunks to send after key `after`, in key order.
pub fn chunks_to_send(
    conn: &Connection,
    dataset_id: DatasetId,
    resume: Resume,
    after: i64,
    limit: usize,
) -> Result<Vec<ExportedChunk>> {
    let mut stmt = conn.prepare_cached(PAGE)?;
    let chunks = stmt
        .query_map(
            params![
                dataset_id,
                resume.acknowledged_through,
                resume.began,
                resume.vector_log_at,
                after,
                limit as i64
            ],
            |row| {
                let vector: Option<Vec<u8>> = row.get(at!(CHUNK_COLUMNS, "vector"))?;
                Ok(ExportedChunk {
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
                    vector: vector.as_deref().map(vectors::decode),
                })
            },
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(chunks)
}

/// Chunks without a tracking id whose id another chunk of the dataset has as its tracking id:
/// sent with their id as one, the two would replace each other on the target.
pub fn tracking_id_clashes(conn: &Connection, dataset_id: DatasetId) -> Result<Vec<ChunkId>> {
    let mut stmt = conn.prepare_cached(
        "SELECT c.id FROM chunks c JOIN chunks d
           ON d.dataset_id = c.dataset_id AND d.tracking_id = c.id
         WHERE c.dataset_id = ?1 AND c.tracking_id IS NULL LIMIT 10",
    )?;
    let ids = stmt
        .query_map([dataset_id], |row| row.get(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(ids)
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
    use crate::db::chunks::ChunkRow;
    use crate::db::chunks::{insert_chunk, write_chunk, NewChunk};
    use crate::db::test_support::dataset_and_user;
    use crate::types::fields::TrackingId;

    fn ids(chunks: &[ExportedChunk]) -> Vec<ChunkId> {
        chunks.iter().map(|chunk| chunk.id).collect()
    }

    #[test]
    fn a_resumed_export_sends_what_it_had_not_reached_and_what_changed_since_it_began() {
        let conn = crate::db::open_in_memory().unwrap();
        let (dataset, user) = dataset_and_user(&conn);
        let first = insert_chunk(&conn, &NewChunk::plain(dataset, user, "one")).unwrap();
        let second = insert_chunk(&conn, &NewChunk::plain(dataset, user, "two")).unwrap();
        let third = insert_chunk(&conn, &NewChunk::plain(dataset, user, "three")).unwrap();
        let fourth = insert_chunk(&conn, &NewChunk::plain(dataset, user, "four")).unwrap();
        let began = Resume::from_start(&conn).unwrap();
        let all = chunks_to_send(&conn, dataset, began, 0, 10).unwrap();
        assert_eq!(ids(&all), [first.id, second.id, third.id, fourth.id]);
        assert!(all.iter().all(|chunk| chunk.vector.is_none()));

        // Interrupted after the first three were acknowledged; then the first changed, and the
        // second got a vector (from the embedder: its updated_at does not move).
        let resume = Resume {
            acknowledged_through: all[2].pk,
            ..began
        };
        let changed = ChunkRow {
            chunk_html: Some("one, changed".into()),
            ..first.clone()
        };
        write_chunk(&conn, &changed, None).unwrap();
        vectors::store_vector(&conn, dataset, all[1].pk, &[0.5, -1.0]).unwrap();
        assert!(resume.vector_log_holds(&conn, dataset).unwrap());

        let again = chunks_to_send(&conn, dataset, resume, 0, 10).unwrap();
        assert_eq!(ids(&again), [first.id, second.id, fourth.id]);
        assert_eq!(again[1].vector.as_deref(), Some(&[0.5f32, -1.0][..]));
        assert_eq!(count_chunks_to_send(&conn, dataset, resume).unwrap(), 3);
        // Paging by key: after the second, only the fourth.
        let rest = chunks_to_send(&conn, dataset, resume, again[1].pk, 10).unwrap();
        assert_eq!(ids(&rest), [fourth.id]);
    }

    #[test]
    fn a_page_is_read_by_key_not_by_sorting_the_dataset() {
        let conn = crate::db::open_in_memory().unwrap();
        let (dataset, _) = dataset_and_user(&conn);
        let resume = Resume::from_start(&conn).unwrap();
        let plan: Vec<String> = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {}", PAGE))
            .unwrap()
            .query_map(params![dataset, 0, resume.began, 0, 0, 10], |row| {
                row.get(3)
            })
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert!(
            plan.iter()
                .any(|step| step.contains("INTEGER PRIMARY KEY (rowid>?)")),
            "{plan:?}"
        );
        assert!(
            !plan.iter().any(|step| step.contains("TEMP B-TREE")),
            "{plan:?}"
        );
    }

    #[test]
    fn a_chunk_whose_id_is_another_chunks_tracking_id_is_a_clash() {
        let conn = crate::db::open_in_memory().unwrap();
        let (dataset, user) = dataset_and_user(&conn);
        let plain = insert_chunk(&conn, &NewChunk::plain(dataset, user, "plain")).unwrap();
        assert!(tracking_id_clashes(&conn, dataset).unwrap().is_empty());
        let mut tracked = NewChunk::plain(dataset, user, "tracked");
        tracked.tracking_id = Some(TrackingId::parse(&plain.id.to_string()).unwrap());
        insert_chunk(&conn, &tracked).unwrap();
        assert_eq!(tracking_id_clashes(&conn, dataset).unwrap(), [plain.id]);
    }
}
