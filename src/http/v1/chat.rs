//! Topics and their messages, as `TopicApi` and `MessageApi` answer them.

use serde::Serialize;
use utoipa::ToSchema;

use crate::db::chat::{MessageRow, TopicRow};
use crate::types::ids::{DatasetId, MessageId, TopicId, UserId};
use crate::types::time::Timestamp;

/// A user's chat over a dataset.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Topic {
    pub id: TopicId,
    pub dataset_id: DatasetId,
    pub user_id: UserId,
    pub name: String,
    /// A chat without retrieval: the dataset's chunks are not put in the prompt.
    pub normal_chat: bool,
    /// Always false (Trieve's side chats are not kept apart here).
    pub side: bool,
    /// Always false: a deleted topic is gone.
    pub deleted: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A message of a topic: the user's, or the model's answer (`role` `assistant`, its content the
/// chunks it was given as JSON, `||`, then the answer, as Trieve stored it).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Message {
    pub id: MessageId,
    pub topic_id: TopicId,
    pub dataset_id: DatasetId,
    pub role: String,
    pub content: String,
    /// 1 first.
    pub sort_order: i64,
    #[schema(required = true)]
    pub prompt_tokens: Option<i64>,
    #[schema(required = true)]
    pub completion_tokens: Option<i64>,
    /// Always false: a deleted message is gone.
    pub deleted: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl From<TopicRow> for Topic {
    fn from(row: TopicRow) -> Topic {
        Topic {
            id: row.id,
            dataset_id: row.dataset_id,
            user_id: row.user_id,
            name: row.name,
            normal_chat: row.normal_chat,
            side: false,
            deleted: false,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

impl From<MessageRow> for Message {
    fn from(row: MessageRow) -> Message {
        Message {
            id: row.id,
            topic_id: row.topic_id,
            dataset_id: row.dataset_id,
            role: row.role,
            content: row.content,
            sort_order: row.sort_order,
            prompt_tokens: row.prompt_tokens,
            completion_tokens: row.completion_tokens,
            deleted: false,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}
