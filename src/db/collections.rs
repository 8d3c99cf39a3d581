//! Rows of `chunk_collections` and `collection_bookmarks`: a user's collections of a dataset's
//! chunks.

use const_format::concatcp;
use rusqlite::{params, Connection, OptionalExtension, Row};

use super::columns::at;
use super::Result;
use crate::types::ids::{ChunkId, CollectionId, DatasetId, FileId, UserId};
use crate::types::time::Timestamp;

/// A collection of a dataset's chunks (its bookmarks), made by one user.
#[derive(Debug, Clone, PartialEq)]
pub struct CollectionRow {
    pub id: CollectionId,
    pub dataset_id: DatasetId,
    pub author_id: UserId,
    pub name: String,
    pub description: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// The upload whose chunks it was made with.
    pub file_id: Option<FileId>,
}

/// The columns `collection_from_row` reads; queries name the table `k`.
const COLUMNS: &str = "k.id, k.dataset_id, k.author_id, k.name, k.description, k.created_at, \
     k.updated_at, k.file_id";

/// A collection from the `COLUMNS` of a row that starts them at `first`.
fn collection_at(row: &Row, first: usize) -> rusqlite::Result<CollectionRow> {
    Ok(CollectionRow {
        id: row.get(first + at!(COLUMNS, "id"))?,
        dataset_id: row.get(first + at!(COLUMNS, "dataset_id"))?,
        author_id: row.get(first + at!(COLUMNS, "author_id"))?,
        name: row.get(first + at!(COLUMNS, "name"))?,
        description: row.get(first + at!(COLUMNS, "description"))?,
        created_at: row.get(first + at!(COLUMNS, "created_at"))?,
        updated_at: row.get(first + at!(COLUMNS, "updated_at"))?,
        file_id: row.get(first + at!(COLUMNS, "file_id"))?,
    })
}

fn collection_from_row(row: &Row) -> rusqlite::Result<CollectionRow> {
    collection_at(row, 0)
}

/// Insert a collection; `file_id`: the upload it is made for.
pub fn insert_collection(
    conn: &Connection,
    dataset_id: DatasetId,
    author_id: UserId,
    name: &str,
    description: &str,
    file_id: Option<FileId>,
) -> Result<CollectionRow> {
    let now = Timestamp::now();
    let collection = CollectionRow {
        id: CollectionId::random(),
        dataset_id,
        author_id,
        name: name.to_string(),
        description: description.to_string(),
        created_at: now,
        updated_at: now,
        file_id,
    };
    conn.prepare_cached(
        "INSERT INTO chunk_collections
             (id, dataset_id, author_id, name, description, created_at, updated_at, file_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7)",
    )?
    .execute(params![
        collection.id,
        dataset_id,
        author_id,
        collection.name,
        collection.description,
        now,
        file_id
    ])?;
    Ok(collection)
}

/// A collection of the dataset; one of another dataset is not found.
pub fn find_collection(
    conn: &Connection,
    dataset_id: DatasetId,
    id: CollectionId,
) -> Result<Option<CollectionRow>> {
    const SQL: &str = concatcp!(
        "SELECT ",
        COLUMNS,
        " FROM chunk_collections k WHERE k.id = ?1 AND k.dataset_id = ?2"
    );
    Ok(conn
        .prepare_cached(SQL)?
        .query_row(params![id, dataset_id], collection_from_row)
        .optional()?)
}

/// Write a collection's name and description as given (merged by the caller).
pub fn update_collection(conn: &Connection, collection: &CollectionRow) -> Result<()> {
    conn.prepare_cached(
        "UPDATE chunk_collections SET name = ?2, description = ?3, updated_at = ?4 WHERE id = ?1",
    )?
    .execute(params![
        collection.id,
        collection.name,
        collection.description,
        collection.updated_at
    ])?;
    Ok(())
}

/// Delete a collection and its bookmarks (not the chunks).
pub fn delete_collection(conn: &Connection, id: CollectionId) -> Result<()> {
    conn.prepare_cached("DELETE FROM chunk_collections WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

pub fn count_collections_by_author(
    conn: &Connection,
    dataset_id: DatasetId,
    author_id: UserId,
) -> Result<i64> {
    Ok(conn
        .prepare_cached(
            "SELECT count(*) FROM chunk_collections WHERE dataset_id = ?1 AND author_id = ?2",
        )?
        .query_row(params![dataset_id, author_id], |row| row.get(0))?)
}

/// `limit` of a user's collections in the dataset, newest first, after skipping `offset`.
pub fn list_collections_by_author(
    conn: &Connection,
    dataset_id: DatasetId,
    author_id: UserId,
    limit: i64,
    offset: i64,
) -> Result<Vec<CollectionRow>> {
    const SQL: &str = concatcp!(
        "SELECT ",
        COLUMNS,
        " FROM chunk_collections k WHERE k.dataset_id = ?1 AND k.author_id = ?2
         ORDER BY k.created_at DESC, k.id DESC LIMIT ?3 OFFSET ?4"
    );
    let mut stmt = conn.prepare_cached(SQL)?;
    let collections = stmt
        .query_map(
            params![dataset_id, author_id, limit, offset],
            collection_from_row,
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(collections)
}

/// Bookmark a chunk (by its key) in a collection; false when it already was.
pub fn insert_bookmark(
    conn: &Connection,
    collection_id: CollectionId,
    chunk_pk: i64,
) -> Result<bool> {
    let added = conn
        .prepare_cached(
            "INSERT OR IGNORE INTO collection_bookmarks (collection_id, chunk_pk, created_at)
             VALUES (?1, ?2, ?3)",
        )?
        .execute(params![collection_id, chunk_pk, Timestamp::now()])?;
    Ok(added == 1)
}

/// Bookmark every chunk of a file in a collection.
pub fn bookmark_chunks_of_file(
    conn: &Connection,
    collection_id: CollectionId,
    file_id: FileId,
) -> Result<usize> {
    Ok(conn
        .prepare_cached(
            "INSERT OR IGNORE INTO collection_bookmarks (collection_id, chunk_pk, created_at)
             SELECT ?1, pk, ?3 FROM chunks WHERE file_id = ?2",
        )?
        .execute(params![collection_id, file_id, Timestamp::now()])?)
}

/// Take a chunk out of a collection; false when it was not in it.
pub fn remove_bookmark(
    conn: &Connection,
    collection_id: CollectionId,
    chunk_id: ChunkId,
) -> Result<bool> {
    let removed = conn
        .prepare_cached(
            "DELETE FROM collection_bookmarks
             WHERE collection_id = ?1 AND chunk_pk = (SELECT pk FROM chunks WHERE id = ?2)",
        )?
        .execute(params![collection_id, chunk_id])?;
    Ok(removed == 1)
}

pub fn count_bookmarks(conn: &Connection, collection_id: CollectionId) -> Result<i64> {
    Ok(conn
        .prepare_cached("SELECT count(*) FROM collection_bookmarks WHERE collection_id = ?1")?
        .query_row([collection_id], |row| row.get(0))?)
}

/// The keys of `limit` of a collection's chunks, most recently bookmarked first, after skipping
/// `offset`.
pub fn bookmarked_chunks(
    conn: &Connection,
    collection_id: CollectionId,
    limit: i64,
    offset: i64,
) -> Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT chunk_pk FROM collection_bookmarks WHERE collection_id = ?1
         ORDER BY created_at DESC, chunk_pk DESC LIMIT ?2 OFFSET ?3",
    )?;
    let pks = stmt
        .query_map(params![collection_id, limit, offset], |row| row.get(0))?
        .collect::<rusqlite::Result<Vec<i64>>>()?;
    Ok(pks)
}

/// The collections that hold each of these chunks of the dataset: (chunk, collection) pairs,
/// by chunk, then oldest collection first.
pub fn find_collections_of_chunks(
    conn: &Connection,
    dataset_id: DatasetId,
    chunk_ids: &[ChunkId],
) -> Result<Vec<(ChunkId, CollectionRow)>> {
    const SQL: &str = concatcp!(
        "SELECT c.id AS chunk_id, ",
        COLUMNS,
        " FROM chunks c
         JOIN collection_bookmarks b ON b.chunk_pk = c.pk
         JOIN chunk_collections k ON k.id = b.collection_id
         WHERE c.dataset_id = ?1 AND c.id IN (SELECT value FROM json_each(?2))
         ORDER BY c.id, k.created_at, k.id"
    );
    let ids = serde_json::to_string(chunk_ids).unwrap_or_default();
    let mut stmt = conn.prepare_cached(SQL)?;
    let pairs = stmt
        .query_map(params![dataset_id, ids], |row| {
            Ok((row.get(0)?, collection_at(row, 1)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(pairs)
}
