//! Rows of `notifications`: what happened to a user's uploads in a dataset.

use const_format::concatcp;
use rusqlite::{params, Connection, Row};

use super::columns::at;
use super::Result;
use crate::types::ids::{CollectionId, DatasetId, NotificationId, UserId};
use crate::types::time::Timestamp;

/// A stored notification: an upload of the user's was split into chunks, which the collection
/// `collection_id` (named after the file) holds.
#[derive(Debug, Clone, PartialEq)]
pub struct NotificationRow {
    pub id: NotificationId,
    pub user_id: UserId,
    pub collection_id: CollectionId,
    pub collection_name: Option<String>,
    pub user_read: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// The columns `notification_from_row` reads.
const COLUMNS: &str = "id, user_id, collection_id, collection_name, user_read, created_at, \
     updated_at";

fn notification_from_row(row: &Row) -> rusqlite::Result<NotificationRow> {
    Ok(NotificationRow {
        id: row.get(at!(COLUMNS, "id"))?,
        user_id: row.get(at!(COLUMNS, "user_id"))?,
        collection_id: row.get(at!(COLUMNS, "collection_id"))?,
        collection_name: row.get(at!(COLUMNS, "collection_name"))?,
        user_read: row.get(at!(COLUMNS, "user_read"))?,
        created_at: row.get(at!(COLUMNS, "created_at"))?,
        updated_at: row.get(at!(COLUMNS, "updated_at"))?,
    })
}

pub fn insert_notification(
    conn: &Connection,
    user_id: UserId,
    dataset_id: DatasetId,
    collection_id: CollectionId,
    collection_name: &str,
) -> Result<NotificationId> {
    let id = NotificationId::random();
    conn.prepare_cached(
        "INSERT INTO notifications
             (id, user_id, dataset_id, collection_id, collection_name, user_read, created_at,
              updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6, ?6)",
    )?
    .execute(params![
        id,
        user_id,
        dataset_id,
        collection_id,
        collection_name,
        Timestamp::now()
    ])?;
    Ok(id)
}

pub fn count_notifications(
    conn: &Connection,
    user_id: UserId,
    dataset_id: DatasetId,
) -> Result<i64> {
    Ok(conn
        .prepare_cached(
            "SELECT count(*) FROM notifications WHERE user_id = ?1 AND dataset_id = ?2",
        )?
        .query_row(params![user_id, dataset_id], |row| row.get(0))?)
}

/// `limit` of a user's notifications in a dataset, newest first, after skipping `offset`.
pub fn list_notifications(
    conn: &Connection,
    user_id: UserId,
    dataset_id: DatasetId,
    limit: i64,
    offset: i64,
) -> Result<Vec<NotificationRow>> {
    const SQL: &str = concatcp!(
        "SELECT ",
        COLUMNS,
        " FROM notifications WHERE user_id = ?1 AND dataset_id = ?2
         ORDER BY created_at DESC, id DESC LIMIT ?3 OFFSET ?4"
    );
    let mut stmt = conn.prepare_cached(SQL)?;
    let notifications = stmt
        .query_map(
            params![user_id, dataset_id, limit, offset],
            notification_from_row,
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(notifications)
}

/// Mark one of a user's notifications in a dataset read, or (`id` None) all of them; how many
/// there were.
pub fn mark_read(
    conn: &Connection,
    user_id: UserId,
    dataset_id: DatasetId,
    id: Option<NotificationId>,
) -> Result<usize> {
    Ok(conn
        .prepare_cached(
            "UPDATE notifications SET user_read = 1, updated_at = ?4
             WHERE user_id = ?1 AND dataset_id = ?2 AND (?3 IS NULL OR id = ?3)",
        )?
        .execute(params![user_id, dataset_id, id, Timestamp::now()])?)
}
