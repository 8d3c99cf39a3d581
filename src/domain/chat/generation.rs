//! `POST /api/chunk/generate` (an answer from given chunks) and `POST /api/chunk/gen_suggestions`
//! (other queries like one): the language model asked, nothing stored.

use rusqlite::Connection;
use serde::Deserialize;
use utoipa::ToSchema;

use super::{with_passages, MAX_MESSAGE_CHARS, SYSTEM_PROMPT};
use crate::db::chunks;
use crate::domain::chat::ChatMessage;
use crate::domain::error::{AppError, AppResult};
use crate::domain::grants::DatasetScope;
use crate::domain::retrieval;
use crate::types::fields::bounded_text;
use crate::types::ids::ChunkId;

/// The chunks `generate_off_chunks` may name, and the messages it may send.
const MAX_GENERATE_CHUNKS: usize = 20;
const MAX_PREV_MESSAGES: usize = 50;

/// `POST /api/chunk/generate`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct GenerateChunksRequest {
    /// 1 to 20 chunks of the dataset, put in the prompt.
    pub chunk_ids: Vec<uuid::Uuid>,
    /// The conversation so far, up to 50 messages; the last is the user's prompt.
    pub prev_messages: Vec<ChatMessage>,
    /// Absent, or the configured model (`--llm-model`); another is a 400.
    pub model: Option<String>,
}

/// `POST /api/chunk/gen_suggestions`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SuggestedQueriesRequest {
    /// 1 to 1,000 characters.
    pub query: String,
}

/// `POST /api/chunk/generate`: the conversation, its last message with the chunks' text.
pub fn generation_prompt(
    conn: &Connection,
    scope: &DatasetScope,
    request: GenerateChunksRequest,
) -> AppResult<Vec<ChatMessage>> {
    if request.chunk_ids.is_empty() || request.chunk_ids.len() > MAX_GENERATE_CHUNKS {
        return Err(AppError::invalid(
            "chunk_ids",
            format!("chunk_ids must name 1 to {MAX_GENERATE_CHUNKS} chunks"),
        ));
    }
    if request.prev_messages.is_empty() || request.prev_messages.len() > MAX_PREV_MESSAGES {
        return Err(AppError::invalid(
            "prev_messages",
            format!("prev_messages must hold 1 to {MAX_PREV_MESSAGES} messages"),
        ));
    }
    let mut messages = vec![ChatMessage::new("system", SYSTEM_PROMPT)];
    for message in &request.prev_messages {
        // The server's instructions are its own: a caller's system message is refused.
        if !matches!(message.role.as_str(), "user" | "assistant") {
            return Err(AppError::invalid(
                "prev_messages",
                "a message's role must be user or assistant",
            ));
        }
        let content = bounded_text("prev_messages", &message.content, 1, MAX_MESSAGE_CHARS)?;
        messages.push(ChatMessage::new(&message.role, content));
    }
    let mut chunks = Vec::with_capacity(request.chunk_ids.len());
    for id in request.chunk_ids {
        let key = chunks::ChunkKey::Id(ChunkId::from(id));
        let chunk = chunks::find_chunk(conn, scope.id(), &key)?
            .ok_or_else(|| AppError::NotFound(format!("No chunk with id {id} in this dataset")))?;
        chunks.push(chunk);
    }
    if let Some(last) = messages.last_mut() {
        let texts = chunks.iter().map(|chunk| chunk.content.as_str());
        last.content = with_passages(&last.content, texts);
    }
    Ok(messages)
}

/// What the model is asked for suggestions with.
pub fn suggestions_prompt(query: &str) -> AppResult<Vec<ChatMessage>> {
    let query = bounded_text("query", query, 1, retrieval::MAX_QUERY_CHARS)?;
    Ok(vec![
        ChatMessage::new(
            "system",
            "Suggest three other search queries a user might type looking for the same thing. \
             Answer with one query per line and nothing else.",
        ),
        ChatMessage::new("user", query),
    ])
}

/// The suggestions in the model's answer: its lines, without a list marker (`1.`, `2)`, `-`,
/// `*` followed by a space) or quotes, at most five.
pub fn suggestions(answer: &str) -> Vec<String> {
    answer
        .lines()
        .map(|line| {
            without_list_marker(line.trim())
                .trim_matches('"')
                .trim()
                .to_string()
        })
        .filter(|line| !line.is_empty())
        .take(5)
        .collect()
}

fn without_list_marker(line: &str) -> &str {
    let digits = line.len() - line.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let marker = match line[digits..].chars().next() {
        Some('.' | ')') if digits > 0 => digits + 1,
        Some('-' | '*') if digits == 0 => 1,
        _ => return line,
    };
    match line[marker..].strip_prefix(char::is_whitespace) {
        Some(rest) => rest.trim_start(),
        None => line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_are_the_answers_lines_without_numbering_or_quotes() {
        let answer = "1. salmon runs\n\n2) \"salmon spawning season\"\n- where salmon swim\n4. a\n5. b\n6. c";
        assert_eq!(
            suggestions(answer),
            [
                "salmon runs",
                "salmon spawning season",
                "where salmon swim",
                "a",
                "b"
            ]
        );
        assert!(suggestions(" \n\n").is_empty());
    }
}
