//! Trieve's `MessageApi`: the caller's chat messages, answered by the language model
//! (`--llm-url`), at `/api/message` (a topic's messages are listed at `/api/messages`, in
//! topic_messages.rs). Answers stream as the model writes them.

use std::future::Future;

use actix_web::{web, HttpResponse};
use utoipa::OpenApi;

use super::Db;
use crate::db::chunks::ChunkWithFileRow;
use crate::domain::chat::{self, CreateMessageData, EditMessageData, RegenerateMessageData, Turn};
use crate::domain::error::{AppError, AppResult};
use crate::domain::grants::{DatasetReader, Write};
use crate::http::auth::Auth;
use crate::http::extract::Json;
use crate::http::openapi::{DatasetHeader, JsonBody};
use crate::http::v1::chunks::ChunkMetadataWithFileData;
use crate::outside::llm::{Llms, Pieces};
use crate::types::ids::TopicId;

#[derive(OpenApi)]
#[openapi(paths(
    create_message_completion_handler,
    edit_message_handler,
    regenerate_message_handler
))]
pub struct MessageApi;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("")
            .route(web::post().to(create_message_completion_handler))
            .route(web::put().to(edit_message_handler))
            .route(web::delete().to(regenerate_message_handler)),
    );
}

crate::error_responses! {
    NoLlm => 400 "A malformed body or header, or no language model configured (--llm-url)";
    NoSuchTopic => 404 "No such dataset, or the caller has no such topic (or message) in it";
    Replying => 409 "An answer is being written in this topic";
    LlmUnusable => 502 "The language model's answer is unusable";
    LlmUnavailable => 503 "The language model cannot be reached, is too slow or failed, or is busy";
}

/// The user's message, stored, and the model's answer, streamed
///
/// Members with a read-write key, in their own topics. The body is the chunks the model was
/// given (JSON), `||`, then the answer as it comes (a topic with `normal_chat` gets the answer
/// alone); both messages are stored (the answer once it ends).
#[utoipa::path(post, path = "", params(DatasetHeader), request_body = CreateMessageData,
    responses((status = 200, description = "The answer, streamed", content_type = "text/plain", body = String),
        Write<DatasetReader>, JsonBody, NoLlm, NoSuchTopic, Replying, LlmUnusable, LlmUnavailable))]
async fn create_message_completion_handler(
    db: Db,
    llms: web::Data<Llms>,
    auth: Auth<Write<DatasetReader>>,
    body: Json<CreateMessageData>,
) -> AppResult<HttpResponse> {
    let data = body.into_inner();
    let turn = chat::message_text(&data.new_message_content).map(Turn::New);
    reply(db, llms, auth, data.topic_id.into(), turn, data.model).await
}

/// A message of the user's, edited, and answered again
///
/// The messages after it are dropped; as `POST /api/message` otherwise.
#[utoipa::path(put, path = "", params(DatasetHeader), request_body = EditMessageData,
    responses((status = 200, description = "The answer, streamed", content_type = "text/plain", body = String),
        Write<DatasetReader>, JsonBody, NoLlm, NoSuchTopic, Replying, LlmUnusable, LlmUnavailable))]
async fn edit_message_handler(
    db: Db,
    llms: web::Data<Llms>,
    auth: Auth<Write<DatasetReader>>,
    body: Json<EditMessageData>,
) -> AppResult<HttpResponse> {
    let data = body.into_inner();
    let turn = chat::message_text(&data.new_message_content).map(|content| Turn::Edit {
        sort_order: data.message_sort_order,
        content,
    });
    reply(db, llms, auth, data.topic_id.into(), turn, data.model).await
}

/// The topic's last answer, written again
///
/// The last answer is replaced by a new one to the user's message before it.
#[utoipa::path(delete, path = "", params(DatasetHeader), request_body = RegenerateMessageData,
    responses((status = 200, description = "The answer, streamed", content_type = "text/plain", body = String),
        Write<DatasetReader>, JsonBody, NoLlm, NoSuchTopic, Replying, LlmUnusable, LlmUnavailable))]
async fn regenerate_message_handler(
    db: Db,
    llms: web::Data<Llms>,
    auth: Auth<Write<DatasetReader>>,
    body: Json<RegenerateMessageData>,
) -> AppResult<HttpResponse> {
    let data = body.into_inner();
    reply(
        db,
        llms,
        auth,
        data.topic_id.into(),
        Ok(Turn::Regenerate),
        data.model,
    )
    .await
}

/// Plan the reply (the grant checked first, then the model required), ask the model, and once
/// it answers store the user's turn and stream the answer, storing it when it ends.
async fn reply(
    db: Db,
    llms: web::Data<Llms>,
    auth: Auth<Write<DatasetReader>>,
    topic_id: TopicId,
    turn: AppResult<Turn>,
    model: Option<String>,
) -> AppResult<HttpResponse> {
    auth.check(&db).await?;
    let turn = turn?;
    chat::model(model.as_deref(), llms.require()?.model())?;
    let replying = llms.reply_in(topic_id)?;
    let vectors = db.vectors();
    // The citations lead the answer as JSON, then `||`, in the stream and as stored (Trieve's
    // form): written on the reader's thread, before the model is asked.
    let (plan, prefix) = auth
        .clone()
        .read_costly(&db, move |conn, member| {
            let mut plan = chat::plan_reply(conn, &vectors, &member, topic_id, turn)?;
            let prefix = citations_prefix(plan.citations.take())?;
            Ok((plan, prefix))
        })
        .await?;
    let pieces = llms.stream(plan.messages.clone()).await?;
    let plan = auth
        .write(&db, move |tx, member| {
            chat::store_turn(tx, &member, &plan)?;
            Ok(plan)
        })
        .await?;
    let topic = plan.topic;
    let stored_prefix = prefix.clone();
    Ok(streamed(prefix, pieces, move |answer| async move {
        let content = format!("{stored_prefix}{answer}");
        let topic_id = topic.id;
        let stored = db
            .write(move |conn| chat::store_answer(conn, &topic, &content, &answer))
            .await;
        if let Err(err) = stored {
            log::warn!("storing an answer in topic {topic_id}: {err}");
        }
        drop(replying);
    }))
}

/// The citations as they lead an answer: their JSON, then `||`; nothing without citations.
fn citations_prefix(citations: Option<Vec<ChunkWithFileRow>>) -> AppResult<String> {
    let Some(chunks) = citations else {
        return Ok(String::new());
    };
    let shapes: Vec<ChunkMetadataWithFileData> = chunks.into_iter().map(Into::into).collect();
    let json = serde_json::to_string(&shapes)
        .map_err(|err| AppError::Internal(format!("citations: {err}")))?;
    Ok(format!("{json}||"))
}

/// What ends an answer the model stopped writing midway (in the stream and as stored).
const INTERRUPTED: &str = "\n\n[The answer was interrupted: the language model stopped.]";

/// An answer streamed to the client as the model writes it, after `prefix`; `then` gets the
/// whole answer once it ends, whether the client stayed to read it or not.
pub(super) fn streamed<F, Fut>(prefix: String, mut pieces: Pieces, then: F) -> HttpResponse
where
    F: FnOnce(String) -> Fut + 'static,
    Fut: Future<Output = ()> + 'static,
{
    let (to_client, from_answer) = tokio::sync::mpsc::channel::<web::Bytes>(64);
    actix_web::rt::spawn(async move {
        if !prefix.is_empty() {
            let _ = to_client.send(web::Bytes::from(prefix)).await;
        }
        let mut answer = String::new();
        while let Some(piece) = pieces.recv().await {
            match piece {
                Ok(text) => {
                    answer.push_str(&text);
                    // A client gone does not stop the answer: it is still stored.
                    let _ = to_client.send(web::Bytes::from(text)).await;
                }
                Err(err) => {
                    log::warn!("the language model's answer stopped: {err}");
                    answer.push_str(INTERRUPTED);
                    let _ = to_client.send(web::Bytes::from(INTERRUPTED)).await;
                    break;
                }
            }
        }
        drop(to_client);
        then(answer).await;
    });
    let body = futures_util::stream::unfold(from_answer, |mut from_answer| async move {
        from_answer
            .recv()
            .await
            .map(|bytes| (Ok::<_, AppError>(bytes), from_answer))
    });
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .streaming(body)
}
