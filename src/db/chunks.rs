//! Rows of `chunks`, and their counts in `chunk_counts` (a trigger in schema.sql takes a deleted
//! chunk away).

use std::sync::LazyLock;

use const_format::concatcp;
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde_json::Value;

use super::columns::{at, start};
use super::{fulltext, json_column, vectors, Result};
use crate::types::fields::{TrackingId, Weight};
use crate::types::ids::{ChunkId, DatasetId, FileId, UserId};
use crate::types::time::Timestamp;

/// A stored chunk.
#[derive(Debug, Clone, PartialEq)]
pub struct ChunkRow {
    pub id: ChunkId,
    pub author_id: UserId,
    pub dataset_id: DatasetId,
    pub content: String,
    pub chunk_html: Option<String>,
    pub link: Option<String>,
    pub metadata: Option<Value>,
    pub tag_set: Option<String>,
    pub time_stamp: Option<Timestamp>,
    pub tracking_id: Option<String>,
    pub weight: f64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Whether it has a vector (an embedding server's, or one sent with it).
    pub has_vector: bool,
}

/// A chunk with its file's name, as lists and searches read it.
#[derive(Debug, Clone, PartialEq)]
pub struct ChunkWithFileRow {
    pub id: ChunkId,
    pub content: String,
    pub chunk_html: Option<String>,
    pub link: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub tag_set: Option<String>,
    pub file_id: Option<FileId>,
    pub file_name: Option<String>,
    pub metadata: Option<Value>,
    pub tracking_id: Option<String>,
    pub time_stamp: Option<Timestamp>,
    pub weight: f64,
    pub has_vector: bool,
}

/// The number of chunks on a page of `GET /api/user/{user_id}/{page}`.
pub const PAGE_SIZE: i64 = 10;

/// A chunk to insert; `content` is already the readable text of `chunk_html`.
#[derive(Debug, Clone)]
pub struct NewChunk {
    pub dataset_id: DatasetId,
    pub author_id: UserId,
    pub file_id: Option<FileId>,
    pub content: String,
    pub chunk_html: Option<String>,
    pub link: Option<String>,
    pub metadata: Option<Value>,
    pub tag_set: Option<String>,
    pub time_stamp: Option<Timestamp>,
    pub tracking_id: Option<TrackingId>,
    pub weight: Weight,
}

impl NewChunk {
    /// A chunk with this text and HTML and nothing else set: the weight is the default.
    pub fn new(
        dataset_id: DatasetId,
        author_id: UserId,
        content: String,
        chunk_html: Option<String>,
    ) -> NewChunk {
        NewChunk {
            dataset_id,
            author_id,
            file_id: None,
            content,
            chunk_html,
            link: None,
            metadata: None,
            tag_set: None,
            time_stamp: None,
            tracking_id: None,
            weight: Weight::DEFAULT,
        }
    }

    /// A chunk of plain text, its own HTML, for tests.
    #[cfg(test)]
    pub fn plain(dataset_id: DatasetId, author_id: UserId, text: &str) -> NewChunk {
        NewChunk::new(dataset_id, author_id, text.into(), Some(text.into()))
    }
}

/// Insert a chunk; a tracking id already used in the dataset is `Unique::TrackingId`.
pub fn insert_chunk(conn: &Connection, chunk: &NewChunk) -> Result<ChunkRow> {
    let now = Timestamp::now();
    let stored = ChunkRow {
        id: ChunkId::random(),
        author_id: chunk.author_id,
        dataset_id: chunk.dataset_id,
        content: chunk.content.clone(),
        chunk_html: chunk.chunk_html.clone(),
        link: chunk.link.clone(),
        metadata: chunk.metadata.clone(),
        has_vector: false,
        tag_set: chunk.tag_set.clone(),
        time_stamp: chunk.time_stamp,
        tracking_id: chunk.tracking_id.clone().map(TrackingId::into_string),
        weight: chunk.weight.get(),
        created_at: now,
        updated_at: now,
    };
    let mut stmt = conn.prepare_cached(
        "INSERT INTO chunks (id, dataset_id, author_id, file_id, content, chunk_html, link, metadata,
                             tag_set, time_stamp, tracking_id, weight, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13)",
    )?;
    stmt.execute(params![
        stored.id,
        stored.dataset_id,
        stored.author_id,
        chunk.file_id,
        stored.content,
        stored.chunk_html,
        stored.link,
        stored.metadata.as_ref().map(Value::to_string),
        stored.tag_set,
        stored.time_stamp,
        stored.tracking_id,
        stored.weight,
        stored.created_at
    ])?;
    let pk = conn.last_insert_rowid();
    conn.prepare_cached(
        "INSERT INTO chunk_counts (dataset_id, author_id, n) VALUES (?1, ?2, 1)
         ON CONFLICT (dataset_id, author_id) DO UPDATE SET n = n + 1",
    )?
    .execute(params![stored.dataset_id, stored.author_id])?;
    index(conn, pk, &stored, false)?;
    Ok(stored)
}

/// Count every dataset's chunks by author afresh, for chunks written around the server (an
/// import straight into the database), which no statement of the server counted.
pub fn recount(conn: &Connection) -> Result<()> {
    conn.execute_batch(
        "DELETE FROM chunk_counts;
         INSERT INTO chunk_counts (dataset_id, author_id, n)
             SELECT dataset_id, author_id, count(*) FROM chunks GROUP BY dataset_id, author_id;",
    )?;
    Ok(())
}

/// Write the chunk's entry in the search index, in the caller's transaction; `replaces` when
/// the chunk was indexed before.
fn index(conn: &Connection, pk: i64, chunk: &ChunkRow, replaces: bool) -> Result<()> {
    if cfg!(feature = "bench-unindexed") {
        return Ok(());
    }
    fulltext::index_chunk(
        conn,
        fulltext::Indexed {
            pk,
            search_key: fulltext::search_key(conn, chunk.dataset_id)?,
            content: chunk.content.clone(),
            weight: chunk.weight,
            at: chunk.time_stamp.unwrap_or(chunk.created_at),
            replaces,
        },
    )
}

const CHUNK_COLUMNS: &str = "id, author_id, dataset_id, content, chunk_html, link, metadata, \
     tag_set, time_stamp, tracking_id, weight, created_at, updated_at, has_vector";

fn chunk_from_row(row: &Row) -> rusqlite::Result<ChunkRow> {
    const LIST: &str = CHUNK_COLUMNS;
    Ok(ChunkRow {
        id: row.get(at!(LIST, "id"))?,
        author_id: row.get(at!(LIST, "author_id"))?,
        dataset_id: row.get(at!(LIST, "dataset_id"))?,
        content: row.get(at!(LIST, "content"))?,
        chunk_html: row.get(at!(LIST, "chunk_html"))?,
        link: row.get(at!(LIST, "link"))?,
        metadata: json_column(row.get(at!(LIST, "metadata"))?),
        has_vector: row.get(at!(LIST, "has_vector"))?,
        tag_set: row.get(at!(LIST, "tag_set"))?,
        time_stamp: row.get(at!(LIST, "time_stamp"))?,
        tracking_id: row.get(at!(LIST, "tracking_id"))?,
        weight: row.get(at!(LIST, "weight"))?,
        created_at: row.get(at!(LIST, "created_at"))?,
        updated_at: row.get(at!(LIST, "updated_at"))?,
    })
}

/// How a chunk is named in a request: by id or by tracking id, always within one dataset.
#[derive(Debug, Clone)]
pub enum ChunkKey {
    Id(ChunkId),
    TrackingId(String),
}

/// A chunk of the dataset; a chunk of another dataset is not found.
pub fn find_chunk(
    conn: &Connection,
    dataset_id: DatasetId,
    key: &ChunkKey,
) -> Result<Option<ChunkRow>> {
    const BY_ID: &str = concatcp!(
        "SELECT ",
        CHUNK_COLUMNS,
        " FROM chunks WHERE dataset_id = ?1 AND id = ?2"
    );
    const BY_TRACKING_ID: &str = concatcp!(
        "SELECT ",
        CHUNK_COLUMNS,
        " FROM chunks WHERE dataset_id = ?1 AND tracking_id = ?2"
    );
    let found = match key {
        ChunkKey::Id(id) => conn
            .prepare_cached(BY_ID)?
            .query_row(params![dataset_id, id], chunk_from_row),
        ChunkKey::TrackingId(tracking_id) => conn
            .prepare_cached(BY_TRACKING_ID)?
            .query_row(params![dataset_id, tracking_id], chunk_from_row),
    };
    Ok(found.optional()?)
}

/// Write a chunk's editable fields as given (merged by the caller), and its file when one is
/// given, and move `updated_at`. A chunk whose text changes loses its vector (an embedding
/// server gives it a new one).
pub fn write_chunk(
    conn: &Connection,
    chunk: &ChunkRow,
    file_id: Option<FileId>,
) -> Result<ChunkRow> {
    let now = Timestamp::now();
    let text_changed: Option<(i64, bool)> = conn
        .prepare_cached(
            "SELECT pk, content IS NOT ?3 FROM chunks WHERE dataset_id = ?1 AND id = ?2",
        )?
        .query_row(params![chunk.dataset_id, chunk.id, chunk.content], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .optional()?;
    if let Some((pk, true)) = text_changed {
        vectors::drop_vector(conn, chunk.dataset_id, pk)?;
    }
    let pk: i64 = conn
        .prepare_cached(
            "UPDATE chunks SET content = ?3, chunk_html = ?4, link = ?5, metadata = ?6,
                time_stamp = ?7, tracking_id = ?8, weight = ?9, updated_at = ?10, tag_set = ?11,
                file_id = coalesce(?12, file_id)
             WHERE dataset_id = ?1 AND id = ?2 RETURNING pk",
        )?
        .query_row(
            params![
                chunk.dataset_id,
                chunk.id,
                chunk.content,
                chunk.chunk_html,
                chunk.link,
                chunk.metadata.as_ref().map(Value::to_string),
                chunk.time_stamp,
                chunk.tracking_id,
                chunk.weight,
                now,
                chunk.tag_set,
                file_id
            ],
            |row| row.get(0),
        )?;
    index(conn, pk, chunk, true)?;
    vectors::chunk_changed(conn, chunk.dataset_id, pk)?;
    Ok(ChunkRow {
        updated_at: now,
        ..chunk.clone()
    })
}

/// Delete a chunk of the dataset; false when there is none.
pub fn delete_chunk_row(
    conn: &Connection,
    dataset_id: DatasetId,
    chunk_id: ChunkId,
) -> Result<bool> {
    vectors::log_removal(
        conn,
        "SELECT pk FROM chunks WHERE dataset_id = ?1 AND id = ?2",
        params![dataset_id, chunk_id],
    )?;
    let deleted = conn
        .prepare_cached("DELETE FROM chunks WHERE dataset_id = ?1 AND id = ?2")?
        .execute(params![dataset_id, chunk_id])?;
    Ok(deleted == 1)
}

/// Delete the chunks made from a file; returns how many.
pub fn delete_chunks_of_file(conn: &Connection, file_id: FileId) -> Result<usize> {
    vectors::log_removal(conn, "SELECT pk FROM chunks WHERE file_id = ?1", [file_id])?;
    Ok(conn
        .prepare_cached("DELETE FROM chunks WHERE file_id = ?1")?
        .execute([file_id])?)
}

/// How many chunks a user has in a dataset: one row read, whatever the number.
pub fn count_chunks_by_author(
    conn: &Connection,
    dataset_id: DatasetId,
    author_id: UserId,
) -> Result<i64> {
    Ok(conn
        .prepare_cached("SELECT n FROM chunk_counts WHERE dataset_id = ?1 AND author_id = ?2")?
        .query_row(params![dataset_id, author_id], |row| row.get(0))
        .optional()?
        .unwrap_or(0))
}

/// A chunk with its file's name: chunks `c` LEFT JOIN files `f`.
const WITH_FILE_COLUMNS: &str = "c.id, c.content, c.chunk_html, c.link, c.created_at, \
     c.updated_at, c.tag_set, c.file_id, f.file_name, c.metadata, c.tracking_id, c.time_stamp, \
     c.weight, c.has_vector";

fn chunk_with_file_from_row(row: &Row) -> rusqlite::Result<ChunkWithFileRow> {
    chunk_with_file_from_row_at(row, 0)
}

/// A chunk from the `WITH_FILE_COLUMNS` of a row that starts them at `first`.
fn chunk_with_file_from_row_at(row: &Row, first: usize) -> rusqlite::Result<ChunkWithFileRow> {
    const LIST: &str = WITH_FILE_COLUMNS;
    Ok(ChunkWithFileRow {
        id: row.get(first + at!(LIST, "id"))?,
        content: row.get(first + at!(LIST, "content"))?,
        chunk_html: row.get(first + at!(LIST, "chunk_html"))?,
        link: row.get(first + at!(LIST, "link"))?,
        has_vector: row.get(first + at!(LIST, "has_vector"))?,
        created_at: row.get(first + at!(LIST, "created_at"))?,
        updated_at: row.get(first + at!(LIST, "updated_at"))?,
        tag_set: row.get(first + at!(LIST, "tag_set"))?,
        file_id: row.get(first + at!(LIST, "file_id"))?,
        file_name: row.get(first + at!(LIST, "file_name"))?,
        metadata: json_column(row.get(first + at!(LIST, "metadata"))?),
        tracking_id: row.get(first + at!(LIST, "tracking_id"))?,
        time_stamp: row.get(first + at!(LIST, "time_stamp"))?,
        weight: row.get(first + at!(LIST, "weight"))?,
    })
}

/// The page query for each direction (newest first, oldest first) and LIMIT (1 to a page).
/// LIMIT is written into the SQL: a bound LIMIT makes SQLite re-prepare the statement on every
/// run. Made once, so that a request neither formats nor allocates its SQL.
static PAGE_QUERIES: LazyLock<Vec<String>> = LazyLock::new(|| {
    ["DESC", "ASC"]
        .into_iter()
        .flat_map(|dir| {
            (1..=PAGE_SIZE).map(move |limit| {
                // The page's rows are found by rowid (valid within the statement), one b-tree
                // search each rather than two through the id index.
                format!(
                    "SELECT {WITH_FILE_COLUMNS}
                     FROM (SELECT rowid AS row FROM chunks INDEXED BY chunks_by_author
                           WHERE dataset_id = ?1 AND author_id = ?2
                           ORDER BY updated_at {dir}, id {dir} LIMIT {limit} OFFSET ?3) page
                     JOIN chunks c ON c.rowid = page.row
                     LEFT JOIN files f ON f.id = c.file_id
                     ORDER BY c.updated_at DESC, c.id DESC"
                )
            })
        })
        .collect()
});

/// One page (1-based) of a user's chunks in a dataset, most recently updated first, ties by id.
///
/// `total` is the user's chunk count (`count_chunks_by_author`, read in the same transaction).
/// The page's ids are found on the covering index alone, walking from whichever end of the
/// user's chunks is nearer, so the first and the last page cost the same however many chunks
/// the user has; only the ten rows of the page are read from the table.
pub fn list_chunks_by_author(
    conn: &Connection,
    dataset_id: DatasetId,
    author_id: UserId,
    page: i64,
    total: i64,
) -> Result<Vec<ChunkWithFileRow>> {
    let offset = (page - 1).saturating_mul(PAGE_SIZE);
    if offset >= total {
        return Ok(Vec::new());
    }
    let from_the_end = offset > total / 2;
    let (limit, skip) = if from_the_end {
        // The same rows, counted from the oldest: skip everything after this page.
        let after = total - offset - PAGE_SIZE;
        (PAGE_SIZE + after.min(0), after.max(0))
    } else {
        (PAGE_SIZE, offset)
    };
    let variant = usize::from(from_the_end) * PAGE_SIZE as usize + (limit - 1) as usize;
    let mut stmt = conn.prepare_cached(&PAGE_QUERIES[variant])?;
    let chunks = stmt
        .query_map(
            params![dataset_id, author_id, skip],
            chunk_with_file_from_row,
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(chunks)
}

/// Chunks (with their files' names) by their keys, each with its key, in no particular order.
pub fn find_chunks_by_pk(conn: &Connection, pks: &[i64]) -> Result<Vec<(i64, ChunkWithFileRow)>> {
    const SELECT: &str = concatcp!("c.pk AS pk, ", WITH_FILE_COLUMNS);
    const SQL: &str = concatcp!(
        "SELECT ",
        SELECT,
        " FROM chunks c LEFT JOIN files f ON f.id = c.file_id
         WHERE c.pk IN (SELECT value FROM json_each(?1))"
    );
    let keys = serde_json::to_string(pks).unwrap_or_default();
    let mut stmt = conn.prepare_cached(SQL)?;
    let chunks = stmt
        .query_map([keys], |row| {
            let first = start!(SELECT, WITH_FILE_COLUMNS, "id");
            Ok((
                row.get(at!(SELECT, "pk"))?,
                chunk_with_file_from_row_at(row, first)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(chunks)
}

/// A chunk's key in the search index and its text, if the dataset has the chunk.
pub fn find_chunk_text(
    conn: &Connection,
    dataset_id: DatasetId,
    chunk_id: ChunkId,
) -> Result<Option<(i64, String)>> {
    Ok(conn
        .prepare_cached("SELECT pk, content FROM chunks WHERE dataset_id = ?1 AND id = ?2")?
        .query_row(params![dataset_id, chunk_id], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .optional()?)
}

#[cfg(test)]
pub(crate) fn insert_plain_chunk(
    conn: &Connection,
    dataset_id: DatasetId,
    author_id: UserId,
    text: &str,
) -> Result<ChunkRow> {
    insert_chunk(conn, &NewChunk::plain(dataset_id, author_id, text))
}

#[cfg(test)]
mod tests;
