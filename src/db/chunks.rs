//! Rows of `chunks`. `chunk_counts` is kept by triggers in schema.sql.

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde_json::Value;

use crate::error::{is_unique_violation, AppError, AppResult};
use crate::models::{json_column, ChunkMetadataWithFileData, NIL_POINT_ID};
use crate::timestamp;

/// The number of chunks on a page of `GET /api/user/{user_id}/{page}`.
pub const PAGE_SIZE: i64 = 10;

/// A chunk to insert; `content` is already the readable text of `chunk_html`.
#[derive(Debug, Clone, Default)]
pub struct NewChunk {
    pub dataset_id: String,
    pub author_id: String,
    pub file_id: Option<String>,
    pub content: String,
    pub chunk_html: Option<String>,
    pub link: Option<String>,
    pub metadata: Option<Value>,
    pub tag_set: Option<String>,
    pub time_stamp: Option<String>,
    pub tracking_id: Option<String>,
    pub weight: f64,
}

/// Insert a chunk and return its id; a tracking id already used in the dataset is a 409.
pub fn insert_chunk(conn: &Connection, chunk: &NewChunk) -> AppResult<String> {
    let id = super::new_id();
    let now = timestamp::now();
    conn.execute(
        "INSERT INTO chunks (id, dataset_id, author_id, file_id, content, chunk_html, link, metadata,
                             tag_set, time_stamp, tracking_id, weight, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13)",
        params![
            id,
            chunk.dataset_id,
            chunk.author_id,
            chunk.file_id,
            chunk.content,
            chunk.chunk_html,
            chunk.link,
            chunk.metadata.as_ref().map(Value::to_string),
            chunk.tag_set,
            chunk.time_stamp,
            chunk.tracking_id,
            chunk.weight,
            now
        ],
    )
    .map_err(|err| {
        if is_unique_violation(&err) {
            AppError::Conflict("A chunk with that tracking_id already exists in the dataset".into())
        } else {
            err.into()
        }
    })?;
    Ok(id)
}

/// How many chunks a user has in a dataset: one row read, whatever the number.
pub fn count_chunks_by_author(
    conn: &Connection,
    dataset_id: &str,
    author_id: &str,
) -> AppResult<i64> {
    Ok(conn
        .query_row(
            "SELECT n FROM chunk_counts WHERE dataset_id = ?1 AND author_id = ?2",
            [dataset_id, author_id],
            |row| row.get(0),
        )
        .optional()?
        .unwrap_or(0))
}

fn chunk_with_file_from_row(row: &Row) -> rusqlite::Result<ChunkMetadataWithFileData> {
    Ok(ChunkMetadataWithFileData {
        id: row.get(0)?,
        content: row.get(1)?,
        chunk_html: row.get(2)?,
        link: row.get(3)?,
        qdrant_point_id: NIL_POINT_ID.to_string(),
        created_at: row.get(4)?,
        updated_at: row.get(5)?,
        tag_set: row.get(6)?,
        file_id: row.get(7)?,
        file_name: row.get(8)?,
        metadata: json_column(row.get(9)?),
        tracking_id: row.get(10)?,
        time_stamp: row.get(11)?,
        weight: row.get(12)?,
    })
}

/// One page (1-based) of a user's chunks in a dataset, most recently updated first, ties by id.
pub fn list_chunks_by_author(
    conn: &Connection,
    dataset_id: &str,
    author_id: &str,
    page: i64,
) -> AppResult<Vec<ChunkMetadataWithFileData>> {
    let offset = (page - 1).saturating_mul(PAGE_SIZE);
    let mut stmt = conn.prepare_cached(
        "SELECT c.id, c.content, c.chunk_html, c.link, c.created_at, c.updated_at, c.tag_set,
                c.file_id, f.file_name, c.metadata, c.tracking_id, c.time_stamp, c.weight
         FROM chunks c LEFT JOIN files f ON f.id = c.file_id
         WHERE c.dataset_id = ?1 AND c.author_id = ?2
         ORDER BY c.updated_at DESC, c.id DESC
         LIMIT ?3 OFFSET ?4",
    )?;
    let chunks = stmt
        .query_map(
            params![dataset_id, author_id, PAGE_SIZE, offset],
            chunk_with_file_from_row,
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(chunks)
}

#[cfg(test)]
pub(crate) fn insert_plain_chunk(
    conn: &Connection,
    dataset_id: &str,
    author_id: &str,
    text: &str,
) -> AppResult<String> {
    insert_chunk(
        conn,
        &NewChunk {
            dataset_id: dataset_id.into(),
            author_id: author_id.into(),
            content: text.into(),
            chunk_html: Some(text.into()),
            weight: 1.0,
            ..NewChunk::default()
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{
        datasets::insert_dataset, open_in_memory, organizations::insert_organization,
        users::insert_user,
    };
    use serde_json::json;

    fn dataset_and_user(conn: &Connection) -> (String, String) {
        let org = insert_organization(conn, "acme").unwrap();
        let dataset = insert_dataset(conn, &org.id, "docs", &json!({}), &json!({})).unwrap();
        let user = insert_user(conn, "ada@example.com", None).unwrap();
        (dataset.id, user.id)
    }

    #[test]
    fn pages_hold_ten_newest_first_and_past_the_end_is_empty() {
        let conn = open_in_memory().unwrap();
        let (dataset, user) = dataset_and_user(&conn);
        for i in 0..25 {
            insert_plain_chunk(&conn, &dataset, &user, &format!("chunk {i}")).unwrap();
        }
        let first = list_chunks_by_author(&conn, &dataset, &user, 1).unwrap();
        let third = list_chunks_by_author(&conn, &dataset, &user, 3).unwrap();
        let fourth = list_chunks_by_author(&conn, &dataset, &user, 4).unwrap();
        assert_eq!(first.len(), 10);
        assert_eq!(first[0].content, "chunk 24");
        assert_eq!(third.len(), 5);
        assert_eq!(third[4].content, "chunk 0");
        assert!(fourth.is_empty());
        assert_eq!(count_chunks_by_author(&conn, &dataset, &user).unwrap(), 25);
    }

    #[test]
    fn tracking_id_is_unique_per_dataset_and_metadata_round_trips() {
        let conn = open_in_memory().unwrap();
        let (dataset, user) = dataset_and_user(&conn);
        let chunk = NewChunk {
            dataset_id: dataset.clone(),
            author_id: user.clone(),
            content: "x".into(),
            tracking_id: Some("t-1".into()),
            metadata: Some(json!({"k": [1, 2]})),
            weight: 1.0,
            ..NewChunk::default()
        };
        insert_chunk(&conn, &chunk).unwrap();
        assert!(matches!(
            insert_chunk(&conn, &chunk),
            Err(AppError::Conflict(_))
        ));
        let page = list_chunks_by_author(&conn, &dataset, &user, 1).unwrap();
        assert_eq!(page[0].metadata, Some(json!({"k": [1, 2]})));
        assert_eq!(count_chunks_by_author(&conn, &dataset, &user).unwrap(), 1);
    }

    #[test]
    fn a_users_page_is_read_through_the_author_index() {
        let conn = open_in_memory().unwrap();
        let plan: Vec<String> = conn
            .prepare(
                "EXPLAIN QUERY PLAN SELECT c.id FROM chunks c LEFT JOIN files f ON f.id = c.file_id
                 WHERE c.dataset_id = 'd' AND c.author_id = 'a'
                 ORDER BY c.updated_at DESC, c.id DESC LIMIT 10 OFFSET 0",
            )
            .unwrap()
            .query_map([], |row| row.get::<_, String>(3))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let plan = plan.join("\n");
        assert!(plan.contains("USING INDEX chunks_by_author"), "{plan}");
        assert!(!plan.contains("TEMP B-TREE"), "{plan}");
    }
}
