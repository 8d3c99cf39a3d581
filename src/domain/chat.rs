//! Chat over a dataset with the user's language model: topics (a user's conversations in a
//! dataset, theirs alone) and their messages. A reply is retrieval-augmented unless the topic is
//! a `normal_chat`: the dataset's best full-text matches for the user's message go into the
//! prompt, and the answer is stored after them as Trieve stored it (`[chunks as JSON]||answer`).
//! A reply is planned from what is stored (a read), the model is asked, and only once it has
//! started answering is anything written, so that a model that fails changes nothing.
//! Generation from chunks and suggested queries, which store nothing, are in `generation`.

mod generation;

pub use generation::{
    generation_prompt, suggestions, suggestions_prompt, GenerateChunksRequest,
    SuggestedQueriesRequest,
};

use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::chat;
use crate::db::chat::{MessageRow, TopicRow};
use crate::db::chunks::ChunkWithFileRow;
use crate::db::vector_index::VectorIndex;
use crate::domain::error::{AppError, AppResult};
use crate::domain::grants::{DatasetReader, DatasetScope, Write};
use crate::domain::retrieval::{self, Search, SearchChunkData};
use crate::types::fields::bounded_text;
use crate::types::ids::TopicId;

/// One message of a conversation, as the OpenAI API names it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ChatMessage {
    /// `system`, `user` or `assistant`.
    pub role: String,
    pub content: String,
}

impl ChatMessage {
    pub fn new(role: &str, content: impl Into<String>) -> ChatMessage {
        ChatMessage {
            role: role.into(),
            content: content.into(),
        }
    }
}

/// A message's text, in characters.
pub(super) const MAX_MESSAGE_CHARS: usize = 10_000;
/// A topic's name, in characters.
const MAX_NAME_CHARS: usize = 200;
/// The most earlier messages sent to the model with a new one.
const MAX_HISTORY: usize = 40;
/// The chunks put in a prompt, and how much of each.
const CONTEXT_CHUNKS: usize = 10;
const MAX_CHUNK_CHARS: usize = 2_000;
/// The topics one list shows.
const MAX_TOPICS_LISTED: i64 = 1_000;

pub(super) const SYSTEM_PROMPT: &str =
    "You are a helpful assistant. When passages from the user's \
     documents are given, answer from them and cite them by their number, like [1]; when they \
     do not hold the answer, say so.";

/// `POST /api/topic`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateTopicData {
    /// What the topic's name is made from (the model names it).
    pub first_user_message: String,
    /// True: no retrieval, the dataset's chunks are not put in the prompt.
    pub normal_chat: Option<bool>,
}

/// `PUT /api/topic`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateTopicData {
    pub topic_id: uuid::Uuid,
    /// 1 to 200 characters, used as it is.
    pub name: String,
}

/// `DELETE /api/topic`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DeleteTopicData {
    pub topic_id: uuid::Uuid,
}

/// `POST /api/message`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateMessageData {
    pub topic_id: uuid::Uuid,
    /// 1 to 10,000 characters.
    pub new_message_content: String,
    /// Absent, or the configured model (`--llm-model`); another is a 400.
    pub model: Option<String>,
}

/// `PUT /api/message`: the user's message at `message_sort_order` replaced (the messages after
/// it dropped) and answered again.
#[derive(Debug, Deserialize, ToSchema)]
pub struct EditMessageData {
    pub topic_id: uuid::Uuid,
    pub message_sort_order: i64,
    pub new_message_content: String,
    /// Absent, or the configured model (`--llm-model`); another is a 400.
    pub model: Option<String>,
}

/// `DELETE /api/message`: the topic's last answer replaced by a new one.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RegenerateMessageData {
    pub topic_id: uuid::Uuid,
    /// Absent, or the configured model (`--llm-model`); another is a 400.
    pub model: Option<String>,
}

/// The model a request names: none, or the configured one (the operator's key pays for it, so
/// a caller does not choose another).
pub fn model(requested: Option<&str>, configured: &str) -> AppResult<()> {
    match requested.map(str::trim) {
        None | Some("") => Ok(()),
        Some(model) if model == configured => Ok(()),
        Some(_) => Err(AppError::invalid(
            "model",
            format!("This server answers with the model {configured:?} only; leave model out"),
        )),
    }
}

pub fn message_text(text: &str) -> AppResult<String> {
    Ok(bounded_text(
        "new_message_content",
        text,
        1,
        MAX_MESSAGE_CHARS,
    )?)
}

/// What the model is asked to name a topic with.
pub fn naming_prompt(first_message: &str) -> AppResult<Vec<ChatMessage>> {
    let first = bounded_text("first_user_message", first_message, 1, MAX_MESSAGE_CHARS)?;
    Ok(vec![
        ChatMessage::new(
            "system",
            "Name the conversation that starts with the user's message in at most six words. \
             Answer with the name alone.",
        ),
        ChatMessage::new("user", first),
    ])
}

/// A topic's name from the model's answer: its first line, unquoted, at most 200 characters;
/// the first message's start when the answer has none.
pub fn topic_name(answer: &str, first_message: &str) -> String {
    let line = answer
        .lines()
        .map(|line| {
            line.trim()
                .trim_matches(|c| c == '"' || c == '\'' || c == '*')
        })
        .find(|line| !line.is_empty())
        .unwrap_or_else(|| first_message.trim());
    line.chars().take(MAX_NAME_CHARS).collect()
}

pub fn create_topic(
    conn: &Connection,
    member: &Write<DatasetReader>,
    name: &str,
    normal_chat: bool,
) -> AppResult<TopicRow> {
    Ok(chat::insert_topic(
        conn,
        member.id(),
        member.caller().id(),
        name,
        normal_chat,
    )?)
}

/// One of the caller's topics in the dataset: 404 otherwise (another's topic included).
pub fn find_topic(conn: &Connection, scope: &DatasetScope, id: TopicId) -> AppResult<TopicRow> {
    chat::find_topic(conn, scope.id(), scope.caller().id(), id)?
        .ok_or_else(|| AppError::NotFound("You have no topic with that id in this dataset".into()))
}

pub fn list_topics(conn: &Connection, scope: &DatasetScope) -> AppResult<Vec<TopicRow>> {
    Ok(chat::list_topics(
        conn,
        scope.id(),
        scope.caller().id(),
        MAX_TOPICS_LISTED,
    )?)
}

pub fn rename_topic(
    conn: &Connection,
    member: &Write<DatasetReader>,
    data: &UpdateTopicData,
) -> AppResult<()> {
    let name = bounded_text("name", &data.name, 1, MAX_NAME_CHARS)?;
    let topic = find_topic(conn, member, data.topic_id.into())?;
    Ok(chat::rename_topic(conn, topic.id, &name)?)
}

pub fn delete_topic(
    conn: &Connection,
    member: &Write<DatasetReader>,
    id: TopicId,
) -> AppResult<()> {
    let topic = find_topic(conn, member, id)?;
    Ok(chat::delete_topic_and_messages(conn, topic.id)?)
}

pub fn list_messages(
    conn: &Connection,
    scope: &DatasetScope,
    id: TopicId,
) -> AppResult<Vec<MessageRow>> {
    let topic = find_topic(conn, scope, id)?;
    Ok(chat::list_messages(conn, topic.id)?)
}

/// What a reply answers.
pub enum Turn {
    /// A new message of the user's.
    New(String),
    /// The user's message at this place, replaced.
    Edit { sort_order: i64, content: String },
    /// The last answer, again.
    Regenerate,
}

/// A reply, planned: what the model is sent, what is written once it answers, and what the
/// answer is stored after.
pub struct Reply {
    pub topic: TopicRow,
    pub messages: Vec<ChatMessage>,
    /// The topic's messages from this place on are deleted before the answer is stored.
    delete_from: Option<i64>,
    /// The user's message to store before the answer.
    user_message: Option<String>,
    /// The chunks given to the model, when the topic retrieves: the answer's citations.
    pub citations: Option<Vec<ChunkWithFileRow>>,
}

pub fn plan_reply(
    conn: &Connection,
    vectors: &VectorIndex,
    scope: &DatasetScope,
    topic_id: TopicId,
    turn: Turn,
) -> AppResult<Reply> {
    let topic = find_topic(conn, scope, topic_id)?;
    let stored = chat::list_messages(conn, topic.id)?;
    let (history, prompt, delete_from, user_message) = match turn {
        Turn::New(content) => (stored.as_slice(), content.clone(), None, Some(content)),
        Turn::Edit {
            sort_order,
            content,
        } => {
            let at = stored
                .iter()
                .position(|m| m.sort_order == sort_order && m.role == "user")
                .ok_or_else(|| {
                    AppError::NotFound(
                        "The topic has no message of yours at that sort order".into(),
                    )
                })?;
            (
                &stored[..at],
                content.clone(),
                Some(sort_order),
                Some(content),
            )
        }
        Turn::Regenerate => {
            // The last answer goes; the user's message before it is answered again.
            let end = match stored.last() {
                Some(last) if last.role == "assistant" => stored.len() - 1,
                _ => stored.len(),
            };
            let user = stored[..end]
                .iter()
                .rposition(|m| m.role == "user")
                .ok_or_else(|| AppError::BadRequest("The topic has no message to answer".into()))?;
            let delete_from = stored.get(end).map(|last| last.sort_order);
            let prompt = stored[user].content.clone();
            (&stored[..user], prompt, delete_from, None)
        }
    };
    let retrieved = if topic.normal_chat {
        None
    } else {
        Some(retrieve(conn, vectors, scope, &prompt)?)
    };
    let mut messages = vec![ChatMessage::new("system", SYSTEM_PROMPT)];
    let skip = history.len().saturating_sub(MAX_HISTORY);
    for message in &history[skip..] {
        let content = match message.role.as_str() {
            "assistant" if !topic.normal_chat => answer_text(&message.content),
            _ => &message.content,
        };
        messages.push(ChatMessage::new(&message.role, content));
    }
    let passages = retrieved
        .iter()
        .flatten()
        .map(|chunk| chunk.content.as_str());
    messages.push(ChatMessage::new("user", with_passages(&prompt, passages)));
    Ok(Reply {
        topic,
        messages,
        delete_from,
        user_message,
        citations: retrieved,
    })
}

/// A stored answer's text: what follows its citations (a JSON array, then `||`); all of it when
/// it has none.
fn answer_text(content: &str) -> &str {
    let mut values =
        serde_json::Deserializer::from_str(content).into_iter::<serde::de::IgnoredAny>();
    match values.next() {
        Some(Ok(_)) => content[values.byte_offset()..]
            .strip_prefix("||")
            .unwrap_or(content),
        _ => content,
    }
}

/// The dataset's best full-text matches for a message (none when it has no word to search for).
fn retrieve(
    conn: &Connection,
    vectors: &VectorIndex,
    scope: &DatasetScope,
    text: &str,
) -> AppResult<Vec<ChunkWithFileRow>> {
    let query: String = text.chars().take(retrieval::MAX_QUERY_CHARS).collect();
    let request = SearchChunkData {
        query,
        search_type: "fulltext".into(),
        page: None,
        tag_set: None,
        link: None,
        filters: None,
        time_range: None,
        date_bias: None,
        weights: None,
        cross_encoder: None,
    };
    let Ok(search) = Search::parse(request) else {
        return Ok(Vec::new());
    };
    let found = retrieval::search_dataset(conn, vectors, scope.id(), search, None)?;
    Ok(found
        .hits
        .into_iter()
        .map(|hit| hit.chunk)
        .take(CONTEXT_CHUNKS)
        .collect())
}

/// The user's prompt with the passages the model is to answer from, numbered.
pub(super) fn with_passages<'a>(prompt: &str, texts: impl Iterator<Item = &'a str>) -> String {
    let passages: Vec<String> = texts
        .enumerate()
        .map(|(at, text)| {
            let text: String = text.chars().take(MAX_CHUNK_CHARS).collect();
            format!("[{}] {text}", at + 1)
        })
        .collect();
    if passages.is_empty() {
        return prompt.to_string();
    }
    format!(
        "{prompt}\n\nPassages from my documents:\n\n{}",
        passages.join("\n\n")
    )
}

/// Once the model answers: the user's message stored (and, for an edit or a new answer, the
/// messages it replaces dropped). The topic must still be the caller's.
pub fn store_turn(
    conn: &Connection,
    member: &Write<DatasetReader>,
    reply: &Reply,
) -> AppResult<()> {
    let topic = find_topic(conn, member, reply.topic.id)?;
    if let Some(from) = reply.delete_from {
        chat::delete_messages_from(conn, topic.id, from)?;
    }
    if let Some(content) = &reply.user_message {
        chat::insert_message(conn, &topic, "user", content)?;
    }
    Ok(())
}

/// The model's answer, stored after the citations when there were any. A topic deleted
/// meanwhile keeps nothing; neither does an answer that ended before its first word (the user's
/// message stays, for `DELETE /api/message` to answer again).
pub fn store_answer(
    conn: &Connection,
    topic: &TopicRow,
    content: &str,
    answer: &str,
) -> AppResult<()> {
    if answer.trim().is_empty() {
        return Ok(());
    }
    if chat::find_topic(conn, topic.dataset_id, topic.user_id, topic.id)?.is_some() {
        chat::insert_message(conn, topic, "assistant", content)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_topic_is_named_by_the_first_line_of_the_answer_else_the_message() {
        assert_eq!(topic_name("\n\"Salmon runs\"\nmore", "hi"), "Salmon runs");
        assert_eq!(
            topic_name("  \n", "  When do salmon spawn?  "),
            "When do salmon spawn?"
        );
        assert_eq!(topic_name(&"x".repeat(500), "hi").chars().count(), 200);
    }

    #[test]
    fn an_answers_text_follows_its_citations_even_when_they_hold_bars() {
        let citations = r#"[{"content": "a || b", "n": [1, 2]}]"#;
        assert_eq!(
            answer_text(&format!("{citations}||the answer")),
            "the answer"
        );
        assert_eq!(answer_text("[]||x || y"), "x || y");
        assert_eq!(answer_text("no citations || here"), "no citations || here");
        assert_eq!(answer_text("[1, 2"), "[1, 2");
    }

    #[test]
    fn passages_are_numbered_after_the_prompt_and_cut() {
        let long = "y".repeat(5_000);
        let text = with_passages("question", ["first", long.as_str()].into_iter());
        assert!(text.starts_with("question\n\nPassages from my documents:\n\n[1] first\n\n[2] y"));
        let second = text.split("[2] ").nth(1).unwrap();
        assert_eq!(second.chars().count(), MAX_CHUNK_CHARS);
        assert_eq!(with_passages("question", std::iter::empty()), "question");
    }
}
