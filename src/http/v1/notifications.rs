//! Notifications, as `NotificationsApi` reads them.

use serde::Serialize;
use utoipa::ToSchema;

use crate::db::notifications::NotificationRow;
use crate::domain::notifications::NotificationPage;
use crate::types::ids::{CollectionId, NotificationId, UserId};
use crate::types::time::Timestamp;

/// A notification: an upload of the user's was split into chunks, which the collection
/// `collection_uuid` (named after the file) holds. Trieve's `FileUploadCompletedNotificationWithName`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Notification {
    pub id: NotificationId,
    pub user_uuid: UserId,
    pub collection_uuid: CollectionId,
    #[schema(required = true)]
    pub collection_name: Option<String>,
    pub user_read: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl From<NotificationRow> for Notification {
    fn from(row: NotificationRow) -> Notification {
        Notification {
            id: row.id,
            user_uuid: row.user_id,
            collection_uuid: row.collection_id,
            collection_name: row.collection_name,
            user_read: row.user_read,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// A page of the caller's notifications.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationReturn {
    pub notifications: Vec<Notification>,
    /// All of the caller's notifications in the dataset, read or not.
    pub full_count: i64,
    pub total_pages: i64,
}

impl From<NotificationPage> for NotificationReturn {
    fn from(page: NotificationPage) -> NotificationReturn {
        NotificationReturn {
            notifications: page
                .notifications
                .into_iter()
                .map(Notification::from)
                .collect(),
            full_count: page.full_count,
            total_pages: page.total_pages,
        }
    }
}
