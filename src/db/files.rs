//! Rows of `files`. The bytes live in `file_contents`, which listing never reads.

use const_format::concatcp;
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde_json::Value;

use super::columns::at;
use super::{json_column, Result};
use crate::types::ids::{DatasetId, FileId, UserId};
use crate::types::time::Timestamp;

/// A stored file, without its bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct FileRow {
    pub id: FileId,
    pub user_id: UserId,
    pub dataset_id: DatasetId,
    pub file_name: String,
    pub size: i64,
    pub link: Option<String>,
    pub metadata: Option<Value>,
    pub tag_set: Option<String>,
    pub time_stamp: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A file to insert, bytes included.
#[derive(Debug, Clone)]
pub struct NewFile {
    pub dataset_id: DatasetId,
    pub user_id: UserId,
    pub file_name: String,
    pub mime_type: String,
    pub link: Option<String>,
    pub metadata: Option<Value>,
    pub tag_set: Option<String>,
    pub time_stamp: Option<Timestamp>,
    pub description: Option<String>,
    pub bytes: Vec<u8>,
}

/// Insert a file row and its bytes.
pub fn insert_file(conn: &Connection, file: &NewFile) -> Result<FileRow> {
    let now = Timestamp::now();
    let stored = FileRow {
        id: FileId::random(),
        user_id: file.user_id,
        dataset_id: file.dataset_id,
        file_name: file.file_name.clone(),
        size: file.bytes.len() as i64,
        link: file.link.clone(),
        metadata: file.metadata.clone(),
        tag_set: file.tag_set.clone(),
        time_stamp: file.time_stamp,
        created_at: now,
        updated_at: now,
    };
    conn.prepare_cached(
        "INSERT INTO files (id, dataset_id, user_id, file_name, mime_type, size, link, metadata,
                            tag_set, time_stamp, description, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)",
    )?
    .execute(params![
        stored.id,
        stored.dataset_id,
        stored.user_id,
        stored.file_name,
        file.mime_type,
        stored.size,
        stored.link,
        stored.metadata.as_ref().map(Value::to_string),
        stored.tag_set,
        stored.time_stamp,
        file.description,
        stored.created_at
    ])?;
    conn.prepare_cached("INSERT INTO file_contents (file_id, bytes) VALUES (?1, ?2)")?
        .execute(params![stored.id, file.bytes])?;
    Ok(stored)
}

const COLUMNS: &str = "id, user_id, dataset_id, file_name, size, link, metadata, tag_set, \
     time_stamp, created_at, updated_at";

/// A file from a row that starts with `COLUMNS`.
fn file_from_row(row: &Row) -> rusqlite::Result<FileRow> {
    Ok(FileRow {
        id: row.get(at!(COLUMNS, "id"))?,
        user_id: row.get(at!(COLUMNS, "user_id"))?,
        dataset_id: row.get(at!(COLUMNS, "dataset_id"))?,
        file_name: row.get(at!(COLUMNS, "file_name"))?,
        size: row.get(at!(COLUMNS, "size"))?,
        link: row.get(at!(COLUMNS, "link"))?,
        metadata: json_column(row.get(at!(COLUMNS, "metadata"))?),
        tag_set: row.get(at!(COLUMNS, "tag_set"))?,
        time_stamp: row.get(at!(COLUMNS, "time_stamp"))?,
        created_at: row.get(at!(COLUMNS, "created_at"))?,
        updated_at: row.get(at!(COLUMNS, "updated_at"))?,
    })
}

/// A user's files in a dataset, newest first, without reading their bytes.
pub fn list_files_by_user(
    conn: &Connection,
    dataset_id: DatasetId,
    user_id: UserId,
) -> Result<Vec<FileRow>> {
    const SQL: &str = concatcp!(
        "SELECT ",
        COLUMNS,
        " FROM files WHERE dataset_id = ?1 AND user_id = ?2 ORDER BY created_at DESC, id DESC"
    );
    let mut stmt = conn.prepare_cached(SQL)?;
    let files = stmt
        .query_map(params![dataset_id, user_id], file_from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(files)
}

/// A file of the dataset (without its bytes) and its MIME type; another dataset's is not found.
pub fn find_file(
    conn: &Connection,
    dataset_id: DatasetId,
    file_id: FileId,
) -> Result<Option<(FileRow, String)>> {
    const SELECT: &str = concatcp!(COLUMNS, ", mime_type");
    const SQL: &str = concatcp!(
        "SELECT ",
        SELECT,
        " FROM files WHERE dataset_id = ?1 AND id = ?2"
    );
    Ok(conn
        .prepare_cached(SQL)?
        .query_row(params![dataset_id, file_id], |row| {
            Ok((file_from_row(row)?, row.get(at!(SELECT, "mime_type"))?))
        })
        .optional()?)
}

/// The dataset's newest image (a file of an `image/` type) of that name, and its MIME type.
pub fn find_image_by_name(
    conn: &Connection,
    dataset_id: DatasetId,
    file_name: &str,
) -> Result<Option<(FileRow, String)>> {
    const SELECT: &str = concatcp!(COLUMNS, ", mime_type");
    const SQL: &str = concatcp!(
        "SELECT ",
        SELECT,
        " FROM files WHERE dataset_id = ?1 AND file_name = ?2 AND mime_type LIKE 'image/%'
         ORDER BY created_at DESC, id DESC LIMIT 1"
    );
    Ok(conn
        .prepare_cached(SQL)?
        .query_row(params![dataset_id, file_name], |row| {
            Ok((file_from_row(row)?, row.get(at!(SELECT, "mime_type"))?))
        })
        .optional()?)
}

/// At most `max` bytes of a file's content from `offset`, read with incremental BLOB I/O (only
/// those bytes are read into memory); None when the file is gone. Empty past the end.
pub fn read_file_piece(
    conn: &Connection,
    file_id: FileId,
    offset: usize,
    max: usize,
) -> Result<Option<Vec<u8>>> {
    // Called in a reader's read transaction: the row found is the row read, even if the file is
    // deleted (and its rowid reused) meanwhile.
    let Some(rowid) = conn
        .prepare_cached("SELECT rowid FROM file_contents WHERE file_id = ?1")?
        .query_row([file_id], |row| row.get::<_, i64>(0))
        .optional()?
    else {
        return Ok(None);
    };
    let blob = conn.blob_open(rusqlite::MAIN_DB, "file_contents", "bytes", rowid, true)?;
    let end = blob.len().min(offset.saturating_add(max));
    let mut piece = vec![0u8; end.saturating_sub(offset)];
    blob.read_at_exact(&mut piece, offset)?;
    Ok(Some(piece))
}

/// A file's whole content, for the export and tests (downloads read it in pieces).
pub fn read_file_bytes(conn: &Connection, file_id: FileId) -> Result<Vec<u8>> {
    Ok(conn
        .prepare_cached("SELECT bytes FROM file_contents WHERE file_id = ?1")?
        .query_row([file_id], |row| row.get(0))
        .optional()?
        .unwrap_or_default())
}

/// Delete a file of the dataset with its bytes; its chunks are unlinked by the schema
/// (ON DELETE SET NULL). False when there is no such file.
pub fn delete_file_and_bytes(
    conn: &Connection,
    dataset_id: DatasetId,
    file_id: FileId,
) -> Result<bool> {
    let deleted = conn
        .prepare_cached("DELETE FROM files WHERE dataset_id = ?1 AND id = ?2")?
        .execute(params![dataset_id, file_id])?;
    Ok(deleted == 1)
}

pub fn user_has_files(conn: &Connection, dataset_id: DatasetId, user_id: UserId) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM files WHERE dataset_id = ?1 AND user_id = ?2)",
        )?
        .query_row(params![dataset_id, user_id], |row| row.get(0))?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::chunks::{insert_chunk, insert_plain_chunk, NewChunk};
    use crate::db::open_in_memory;
    use crate::db::test_support::{count, dataset_and_user, insert_test_file, user};

    #[test]
    fn a_users_files_are_listed_newest_first_and_only_theirs() {
        let conn = open_in_memory().unwrap();
        let (dataset, ada) = dataset_and_user(&conn);
        let bob = user(&conn, "bob@example.com").id;
        for (user, name) in [(ada, "a1.txt"), (bob, "b1.txt"), (ada, "a2.txt")] {
            insert_test_file(&conn, dataset, user, name, name.as_bytes());
        }
        let listed = list_files_by_user(&conn, dataset, ada).unwrap();
        let names: Vec<_> = listed.iter().map(|f| f.file_name.as_str()).collect();
        assert_eq!(names, ["a2.txt", "a1.txt"]);
        assert_eq!(listed[0].size, 6);
        assert!(user_has_files(&conn, dataset, bob).unwrap());
    }

    #[test]
    fn deleting_a_file_removes_its_bytes_and_unlinks_its_chunks() {
        let conn = open_in_memory().unwrap();
        let (dataset, ada) = dataset_and_user(&conn);
        let file = insert_test_file(&conn, dataset, ada, "a.bin", &[0, 1, 2, 255]);
        let chunk = NewChunk {
            file_id: Some(file.id),
            ..NewChunk::plain(dataset, ada, "x")
        };
        insert_chunk(&conn, &chunk).unwrap();
        assert_eq!(read_file_bytes(&conn, file.id).unwrap(), vec![0, 1, 2, 255]);
        let piece = |offset, max| read_file_piece(&conn, file.id, offset, max).unwrap();
        assert_eq!(piece(1, 2), Some(vec![1, 2]));
        assert_eq!(piece(2, 100), Some(vec![2, 255]));
        assert_eq!(piece(4, 100), Some(vec![]));
        let (found, mime) = find_file(&conn, dataset, file.id).unwrap().unwrap();
        assert_eq!((found.size, mime.as_str()), (4, "application/octet-stream"));

        assert!(delete_file_and_bytes(&conn, dataset, file.id).unwrap());
        assert_eq!(count(&conn, "SELECT count(*) FROM file_contents"), 0);
        assert_eq!(read_file_piece(&conn, file.id, 0, 10).unwrap(), None);
        assert_eq!(
            count(
                &conn,
                "SELECT count(*) FROM chunks WHERE file_id IS NOT NULL"
            ),
            0
        );
        assert_eq!(count(&conn, "SELECT count(*) FROM chunks"), 1);
    }

    #[test]
    fn deleting_a_dataset_leaves_nothing_behind() {
        let conn = open_in_memory().unwrap();
        let (dataset, ada) = dataset_and_user(&conn);
        insert_test_file(&conn, dataset, ada, "a.txt", b"abc");
        insert_plain_chunk(&conn, dataset, ada, "x").unwrap();
        conn.execute("DELETE FROM datasets WHERE id = ?1", [dataset])
            .unwrap();
        for table in ["files", "file_contents", "chunks", "chunk_counts"] {
            assert_eq!(
                count(&conn, &format!("SELECT count(*) FROM {table}")),
                0,
                "{table}"
            );
        }
    }

    #[test]
    fn a_users_file_list_is_read_through_the_user_index() {
        let conn = open_in_memory().unwrap();
        let plan: Vec<String> = conn
            .prepare(
                "EXPLAIN QUERY PLAN SELECT id, file_name FROM files WHERE dataset_id = 'd' AND user_id = 'u'
                 ORDER BY created_at DESC, id DESC",
            )
            .unwrap()
            .query_map([], |row| row.get::<_, String>(3))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let plan = plan.join("\n");
        assert!(plan.contains("USING INDEX files_by_user"), "{plan}");
        assert!(!plan.contains("TEMP B-TREE"), "{plan}");
    }
}
