//! Rows of `files`. The bytes live in `file_contents`, which listing never reads.

use rusqlite::{params, Connection, Row};
use serde_json::Value;

use crate::error::AppResult;
use crate::models::{json_column, File};
use crate::timestamp;

/// A file to insert, bytes included.
#[derive(Debug, Clone, Default)]
pub struct NewFile {
    pub dataset_id: String,
    pub user_id: String,
    pub file_name: String,
    pub mime_type: String,
    pub link: Option<String>,
    pub metadata: Option<Value>,
    pub tag_set: Option<String>,
    pub time_stamp: Option<String>,
    pub bytes: Vec<u8>,
}

/// Insert a file row and its bytes.
pub fn insert_file(conn: &Connection, file: &NewFile) -> AppResult<File> {
    let now = timestamp::now();
    let stored = File {
        id: super::new_id(),
        user_id: file.user_id.clone(),
        dataset_id: file.dataset_id.clone(),
        file_name: file.file_name.clone(),
        size: file.bytes.len() as i64,
        link: file.link.clone(),
        metadata: file.metadata.clone(),
        tag_set: file.tag_set.clone(),
        time_stamp: file.time_stamp.clone(),
        created_at: now.clone(),
        updated_at: now,
    };
    conn.execute(
        "INSERT INTO files (id, dataset_id, user_id, file_name, mime_type, size, link, metadata,
                            tag_set, time_stamp, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)",
        params![
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
            stored.created_at
        ],
    )?;
    conn.execute(
        "INSERT INTO file_contents (file_id, bytes) VALUES (?1, ?2)",
        params![stored.id, file.bytes],
    )?;
    Ok(stored)
}

fn file_from_row(row: &Row) -> rusqlite::Result<File> {
    Ok(File {
        id: row.get(0)?,
        user_id: row.get(1)?,
        dataset_id: row.get(2)?,
        file_name: row.get(3)?,
        size: row.get(4)?,
        link: row.get(5)?,
        metadata: json_column(row.get(6)?),
        tag_set: row.get(7)?,
        time_stamp: row.get(8)?,
        created_at: row.get(9)?,
        updated_at: row.get(10)?,
    })
}

/// A user's files in a dataset, newest first, without reading their bytes.
pub fn list_files_by_user(
    conn: &Connection,
    dataset_id: &str,
    user_id: &str,
) -> AppResult<Vec<File>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, user_id, dataset_id, file_name, size, link, metadata, tag_set, time_stamp,
                created_at, updated_at
         FROM files WHERE dataset_id = ?1 AND user_id = ?2
         ORDER BY created_at DESC, id DESC",
    )?;
    let files = stmt
        .query_map([dataset_id, user_id], file_from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(files)
}

pub fn user_has_files(conn: &Connection, dataset_id: &str, user_id: &str) -> AppResult<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM files WHERE dataset_id = ?1 AND user_id = ?2)",
        [dataset_id, user_id],
        |row| row.get(0),
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{
        datasets::insert_dataset, open_in_memory, organizations::insert_organization,
        users::insert_user,
    };
    use serde_json::json;

    #[test]
    fn a_users_files_are_listed_newest_first_and_only_theirs() {
        let conn = open_in_memory().unwrap();
        let org = insert_organization(&conn, "acme").unwrap();
        let dataset = insert_dataset(&conn, &org.id, "docs", &json!({}), &json!({})).unwrap();
        let ada = insert_user(&conn, "ada@example.com", None).unwrap();
        let bob = insert_user(&conn, "bob@example.com", None).unwrap();
        for (user, name) in [(&ada, "a1.txt"), (&bob, "b1.txt"), (&ada, "a2.txt")] {
            insert_file(
                &conn,
                &NewFile {
                    dataset_id: dataset.id.clone(),
                    user_id: user.id.clone(),
                    file_name: name.into(),
                    mime_type: "text/plain".into(),
                    bytes: name.as_bytes().to_vec(),
                    ..NewFile::default()
                },
            )
            .unwrap();
        }
        let listed = list_files_by_user(&conn, &dataset.id, &ada.id).unwrap();
        let names: Vec<_> = listed.iter().map(|f| f.file_name.as_str()).collect();
        assert_eq!(names, ["a2.txt", "a1.txt"]);
        assert_eq!(listed[0].size, 6);
    }
}
