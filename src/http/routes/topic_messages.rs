//! Trieve's `MessageApi.get_all_topic_messages`: a topic's messages, at `/api/messages` (the
//! rest of the messages' calls are in messages.rs).

use actix_web::web;
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi};

use super::Db;
use crate::domain::chat;
use crate::domain::error::AppResult;
use crate::domain::grants::DatasetReader;
use crate::http::auth::Auth;
use crate::http::openapi::DatasetHeader;
use crate::http::v1::{self, chat::Message};
use crate::types::ids::TopicId;

#[derive(OpenApi)]
#[openapi(paths(get_all_topic_messages))]
pub struct TopicMessagesApi;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/{messages_topic_id}").route(web::get().to(get_all_topic_messages)));
}

crate::error_responses! {
    NoSuchTopic => 404 "No such dataset, or the caller has no such topic in it";
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
struct TopicPath {
    /// One of the caller's topics.
    messages_topic_id: TopicId,
}

/// A topic's messages, in order
///
/// The caller's own topics only.
#[utoipa::path(get, path = "/{messages_topic_id}", params(TopicPath, DatasetHeader),
    responses((status = 200, description = "The messages, sort_order 1 first", body = Vec<Message>),
        DatasetReader, NoSuchTopic))]
async fn get_all_topic_messages(
    db: Db,
    auth: Auth<DatasetReader>,
    path: web::Path<TopicPath>,
) -> AppResult<web::Json<Vec<Message>>> {
    let topic_id = path.messages_topic_id;
    auth.read(&db, move |conn, reader| {
        chat::list_messages(conn, &reader, topic_id)
    })
    .await
    .map(v1::json_each)
}
