//! Rows of `topics` and `messages`: users' chats over a dataset.

use const_format::concatcp;
use rusqlite::{params, Connection, OptionalExtension, Row};

use super::columns::at;
use super::Result;
use crate::types::ids::{DatasetId, MessageId, OrganizationId, TopicId, UserId};
use crate::types::time::Timestamp;

/// A user's chat over a dataset.
#[derive(Debug, Clone, PartialEq)]
pub struct TopicRow {
    pub id: TopicId,
    pub dataset_id: DatasetId,
    pub user_id: UserId,
    pub name: String,
    /// A chat without retrieval: the dataset's chunks are not put in the prompt.
    pub normal_chat: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A message of a topic: the user's, or the model's answer (`role` `assistant`, its content the
/// chunks it was given as JSON, `||`, then the answer, as Trieve stored it).
#[derive(Debug, Clone, PartialEq)]
pub struct MessageRow {
    pub id: MessageId,
    pub topic_id: TopicId,
    pub dataset_id: DatasetId,
    pub role: String,
    pub content: String,
    /// 1 first.
    pub sort_order: i64,
    pub prompt_tokens: Option<i64>,
    pub completion_tokens: Option<i64>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

const TOPIC_COLUMNS: &str = "id, dataset_id, user_id, name, normal_chat, created_at, updated_at";
const MESSAGE_COLUMNS: &str = "id, topic_id, dataset_id, role, content, sort_order, \
     prompt_tokens, completion_tokens, created_at, updated_at";

fn topic_from_row(row: &Row) -> rusqlite::Result<TopicRow> {
    const LIST: &str = TOPIC_COLUMNS;
    Ok(TopicRow {
        id: row.get(at!(LIST, "id"))?,
        dataset_id: row.get(at!(LIST, "dataset_id"))?,
        user_id: row.get(at!(LIST, "user_id"))?,
        name: row.get(at!(LIST, "name"))?,
        normal_chat: row.get(at!(LIST, "normal_chat"))?,
        created_at: row.get(at!(LIST, "created_at"))?,
        updated_at: row.get(at!(LIST, "updated_at"))?,
    })
}

fn message_from_row(row: &Row) -> rusqlite::Result<MessageRow> {
    const LIST: &str = MESSAGE_COLUMNS;
    Ok(MessageRow {
        id: row.get(at!(LIST, "id"))?,
        topic_id: row.get(at!(LIST, "topic_id"))?,
        dataset_id: row.get(at!(LIST, "dataset_id"))?,
        role: row.get(at!(LIST, "role"))?,
        content: row.get(at!(LIST, "content"))?,
        sort_order: row.get(at!(LIST, "sort_order"))?,
        prompt_tokens: row.get(at!(LIST, "prompt_tokens"))?,
        completion_tokens: row.get(at!(LIST, "completion_tokens"))?,
        created_at: row.get(at!(LIST, "created_at"))?,
        updated_at: row.get(at!(LIST, "updated_at"))?,
    })
}

pub fn insert_topic(
    conn: &Connection,
    dataset_id: DatasetId,
    user_id: UserId,
    name: &str,
    normal_chat: bool,
) -> Result<TopicRow> {
    let now = Timestamp::now();
    let topic = TopicRow {
        id: TopicId::random(),
        dataset_id,
        user_id,
        name: name.to_string(),
        normal_chat,
        created_at: now,
        updated_at: now,
    };
    conn.prepare_cached(
        "INSERT INTO topics (id, dataset_id, user_id, name, normal_chat, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
    )?
    .execute(params![
        topic.id,
        dataset_id,
        user_id,
        topic.name,
        normal_chat,
        now
    ])?;
    Ok(topic)
}

/// A user's topic in the dataset; anyone else's is not found.
pub fn find_topic(
    conn: &Connection,
    dataset_id: DatasetId,
    user_id: UserId,
    id: TopicId,
) -> Result<Option<TopicRow>> {
    const SQL: &str = concatcp!(
        "SELECT ",
        TOPIC_COLUMNS,
        " FROM topics WHERE id = ?1 AND dataset_id = ?2 AND user_id = ?3"
    );
    Ok(conn
        .prepare_cached(SQL)?
        .query_row(params![id, dataset_id, user_id], topic_from_row)
        .optional()?)
}

/// A user's topics in the dataset, newest first, at most `limit`.
pub fn list_topics(
    conn: &Connection,
    dataset_id: DatasetId,
    user_id: UserId,
    limit: i64,
) -> Result<Vec<TopicRow>> {
    const SQL: &str = concatcp!(
        "SELECT ",
        TOPIC_COLUMNS,
        " FROM topics WHERE dataset_id = ?1 AND user_id = ?2
         ORDER BY created_at DESC, id DESC LIMIT ?3"
    );
    let mut stmt = conn.prepare_cached(SQL)?;
    let topics = stmt
        .query_map(params![dataset_id, user_id, limit], topic_from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(topics)
}

pub fn rename_topic(conn: &Connection, id: TopicId, name: &str) -> Result<()> {
    conn.prepare_cached("UPDATE topics SET name = ?2, updated_at = ?3 WHERE id = ?1")?
        .execute(params![id, name, Timestamp::now()])?;
    Ok(())
}

/// Delete a topic and its messages.
pub fn delete_topic_and_messages(conn: &Connection, id: TopicId) -> Result<()> {
    conn.prepare_cached("DELETE FROM topics WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

/// A topic's messages in order.
pub fn list_messages(conn: &Connection, topic_id: TopicId) -> Result<Vec<MessageRow>> {
    const SQL: &str = concatcp!(
        "SELECT ",
        MESSAGE_COLUMNS,
        " FROM messages WHERE topic_id = ?1 ORDER BY sort_order"
    );
    let mut stmt = conn.prepare_cached(SQL)?;
    let messages = stmt
        .query_map([topic_id], message_from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(messages)
}

/// Add a message after the topic's last.
pub fn insert_message(
    conn: &Connection,
    topic: &TopicRow,
    role: &str,
    content: &str,
) -> Result<MessageRow> {
    let now = Timestamp::now();
    let id = MessageId::random();
    const SQL: &str = concatcp!(
        "INSERT INTO messages (id, topic_id, dataset_id, role, content, sort_order, created_at,
                               updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5,
                 (SELECT coalesce(max(sort_order), 0) + 1 FROM messages WHERE topic_id = ?2),
                 ?6, ?6)
         RETURNING ",
        MESSAGE_COLUMNS
    );
    Ok(conn.prepare_cached(SQL)?.query_row(
        params![id, topic.id, topic.dataset_id, role, content, now],
        message_from_row,
    )?)
}

/// Delete a topic's messages from `sort_order` on; how many.
pub fn delete_messages_from(
    conn: &Connection,
    topic_id: TopicId,
    sort_order: i64,
) -> Result<usize> {
    Ok(conn
        .prepare_cached("DELETE FROM messages WHERE topic_id = ?1 AND sort_order >= ?2")?
        .execute(params![topic_id, sort_order])?)
}

/// How many messages the organization's datasets hold.
pub fn count_messages_of_organization(conn: &Connection, id: OrganizationId) -> Result<i64> {
    Ok(conn
        .prepare_cached(
            "SELECT count(*) FROM messages m JOIN datasets d ON d.id = m.dataset_id
             WHERE d.organization_id = ?1",
        )?
        .query_row([id], |row| row.get(0))?)
}
