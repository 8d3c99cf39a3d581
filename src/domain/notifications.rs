//! Notifications: each of a user's uploads split into chunks leaves one, in the dataset, naming
//! the collection that holds the chunks. Only the user reads and marks them.

use rusqlite::Connection;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::db::notifications::{self, NotificationRow};
use crate::domain::collections::{page_offset, total_pages, PAGE_SIZE};
use crate::domain::error::{AppError, AppResult};
use crate::domain::grants::{DatasetReader, DatasetScope, Write};
use crate::types::ids::NotificationId;

/// `PUT /api/notifications`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NotificationIdData {
    /// One of the caller's notifications in the dataset.
    pub notification_id: uuid::Uuid,
}

/// A page of the caller's notifications.
#[derive(Debug)]
pub struct NotificationPage {
    pub notifications: Vec<NotificationRow>,
    /// All of the caller's notifications in the dataset, read or not.
    pub full_count: i64,
    pub total_pages: i64,
}

/// A page (ten, newest first) of the caller's notifications in the dataset.
pub fn list(conn: &Connection, scope: &DatasetScope, page: i64) -> AppResult<NotificationPage> {
    let offset = page_offset(page)?;
    let user = scope.caller().id();
    let full_count = notifications::count_notifications(conn, user, scope.id())?;
    let notifications =
        notifications::list_notifications(conn, user, scope.id(), PAGE_SIZE, offset)?;
    Ok(NotificationPage {
        notifications,
        full_count,
        total_pages: total_pages(full_count),
    })
}

/// Mark one of the caller's notifications read (404 when it is not theirs), or all of them.
pub fn mark_read(
    conn: &Connection,
    member: &Write<DatasetReader>,
    id: Option<NotificationId>,
) -> AppResult<()> {
    let marked = notifications::mark_read(conn, member.caller().id(), member.id(), id)?;
    if id.is_some() && marked == 0 {
        return Err(AppError::NotFound(
            "You have no notification with that id in this dataset".into(),
        ));
    }
    Ok(())
}
