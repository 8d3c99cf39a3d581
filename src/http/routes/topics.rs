//! Trieve's `TopicApi`: the caller's chats over the `TR-Dataset`, at `/api/topic`.

use actix_web::{web, HttpResponse};
use utoipa::OpenApi;

use super::Db;
use crate::domain::chat::{self, CreateTopicData, DeleteTopicData, UpdateTopicData};
use crate::domain::error::AppResult;
use crate::domain::grants::{DatasetReader, Write};
use crate::http::auth::Auth;
use crate::http::extract::Json;
use crate::http::openapi::{DatasetHeader, JsonBody};
use crate::http::v1::{self, chat::Topic};
use crate::outside::llm::Llms;

#[derive(OpenApi)]
#[openapi(paths(create_topic, get_all_topics, update_topic, delete_topic))]
pub struct TopicApi;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("")
            .route(web::post().to(create_topic))
            .route(web::get().to(get_all_topics))
            .route(web::put().to(update_topic))
            .route(web::delete().to(delete_topic)),
    );
}

crate::error_responses! {
    NoLlm => 400 "A malformed body or header, or no language model configured (--llm-url)";
    NoSuchTopic => 404 "No such dataset, or the caller has no such topic in it";
    LlmFailed => 503 "The language model cannot be reached, is too slow or failed, or is busy";
}

/// Start a topic
///
/// Members with a read-write key; the topic is the caller's alone. The language model names it
/// from the first message (which is not stored: send it with `POST /api/message`).
#[utoipa::path(post, path = "", params(DatasetHeader), request_body = CreateTopicData,
    responses((status = 200, description = "The topic", body = Topic),
        Write<DatasetReader>, JsonBody, NoLlm, LlmFailed))]
async fn create_topic(
    db: Db,
    llms: web::Data<Llms>,
    auth: Auth<Write<DatasetReader>>,
    body: Json<CreateTopicData>,
) -> AppResult<web::Json<Topic>> {
    let data = body.into_inner();
    auth.check(&db).await?;
    let prompt = chat::naming_prompt(&data.first_user_message)?;
    let answer = llms.answer(prompt).await?;
    let name = chat::topic_name(&answer, &data.first_user_message);
    let normal_chat = data.normal_chat.unwrap_or(false);
    auth.write(&db, move |tx, member| {
        chat::create_topic(tx, &member, &name, normal_chat)
    })
    .await
    .map(v1::json)
}

/// The caller's topics in the dataset
///
/// Newest first, up to 1,000.
#[utoipa::path(get, path = "", params(DatasetHeader),
    responses((status = 200, description = "The topics", body = Vec<Topic>), DatasetReader))]
async fn get_all_topics(db: Db, auth: Auth<DatasetReader>) -> AppResult<web::Json<Vec<Topic>>> {
    auth.read(&db, |conn, reader| chat::list_topics(conn, &reader))
        .await
        .map(v1::json_each)
}

/// Rename one of the caller's topics
#[utoipa::path(put, path = "", params(DatasetHeader), request_body = UpdateTopicData,
    responses((status = 204, description = "Renamed"), Write<DatasetReader>, JsonBody, NoSuchTopic))]
async fn update_topic(
    db: Db,
    auth: Auth<Write<DatasetReader>>,
    body: Json<UpdateTopicData>,
) -> AppResult<HttpResponse> {
    let data = body.into_inner();
    auth.write(&db, move |tx, member| {
        chat::rename_topic(tx, &member, &data)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Delete one of the caller's topics with its messages
#[utoipa::path(delete, path = "", params(DatasetHeader), request_body = DeleteTopicData,
    responses((status = 204, description = "Deleted"), Write<DatasetReader>, JsonBody, NoSuchTopic))]
async fn delete_topic(
    db: Db,
    auth: Auth<Write<DatasetReader>>,
    body: Json<DeleteTopicData>,
) -> AppResult<HttpResponse> {
    let id = body.into_inner().topic_id.into();
    auth.write(&db, move |tx, member| chat::delete_topic(tx, &member, id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
