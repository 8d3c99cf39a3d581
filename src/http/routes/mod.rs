//! The HTTP surface. Each resource lives in one file of this folder: its handlers, its
//! `configure` (paths relative to its prefix) and its piece of the OpenAPI document. The table
//! below names every resource once, with its URL prefix and tag: the router nests each under a
//! scope of that prefix (a request is matched against a few prefixes, then its resource's own
//! patterns) and the document nests its piece under the same prefix.

mod auth;
mod bookmarks;
mod chunks;
mod collections;
mod datasets;
mod docs;
mod embedding;
mod files;
mod health;
mod images;
mod invitations;
mod messages;
mod metrics;
mod notifications;
mod notifications_readall;
mod organizations;
mod stripe;
mod topic_messages;
mod topics;
mod users;

use actix_web::web;
use utoipa::OpenApi;

use crate::db::Database;
use crate::http::errors::ErrorBody;
use crate::http::openapi::{
    Busy, CamelCaseLinks, Internal, SecuritySchemes, Throttled, Timeout, TooLarge, Unauthorized,
};

/// The database, as handlers take it.
type Db = web::Data<Database>;

/// A JSON answer that carries a secret (a key shown once): no cache, shared or the browser's
/// own, may keep it.
struct Secret<T>(T);

impl<T: serde::Serialize> actix_web::Responder for Secret<T> {
    type Body = actix_web::body::BoxBody;

    fn respond_to(self, _: &actix_web::HttpRequest) -> actix_web::HttpResponse {
        actix_web::HttpResponse::Ok()
            .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
            .json(self.0)
    }
}

macro_rules! resources {
    ($($prefix:literal => $module:ident::$api:ident, tag $tag:literal: $description:literal;)*) => {
        /// The API's OpenAPI 3.1 document: every resource's piece, nested under its prefix.
        #[derive(OpenApi)]
        #[openapi(
            info(
                title = "trieve-lite",
                description = "A Trieve-compatible server in one executable, backed by one SQLite file.\n\n\
                    Every error is a JSON object `{\"message\": \"...\"}` (`DefaultError`) with its status; \
                    an error about one field of the request body names it in `field`. \
                    Authenticate with an API key in `Authorization` (raw or `Bearer <key>`) or in `x-api-key`. \
                    A `TR-Dataset` or `TR-Organization` header, wherever it is sent, must be a UUID (400 otherwise). \
                    A read-only key (role 0) may only read; anything else is a 403."
            ),
            nest($((path = $prefix, api = $module::$api, tags = [$tag]),)*),
            components(
                schemas(ErrorBody),
                responses(Unauthorized, Throttled, Timeout, TooLarge, Internal, Busy)
            ),
            security(("ApiKey" = []), ("XApiKey" = [])),
            modifiers(&SecuritySchemes, &CamelCaseLinks),
            tags($((name = $tag, description = $description),)*)
        )]
        pub struct ApiDoc;

        pub fn configure(cfg: &mut web::ServiceConfig) {
            $(cfg.service(web::scope($prefix).configure($module::configure));)*
        }

        /// Every resource's prefix, for tests that must cover every route.
        pub const PREFIXES: &[(&str, &str)] = &[$((stringify!($module), $prefix),)*];
    };
}

resources! {
    "/api/health" => health::HealthApi, tag "health": "Liveness; no key needed";
    "/api/auth" => auth::AuthApi, tag "auth": "The caller";
    "/api/user" => users::UserApi, tag "user": "Trieve's UserApi: keys, profiles and a user's data";
    "/api/chunk" => chunks::ChunkApi, tag "chunk": "Trieve's ChunkApi, in the TR-Dataset";
    "/api/chunk_collection" => collections::CollectionApi, tag "chunk_collection": "Trieve's ChunkCollectionApi: collections of the TR-Dataset's chunks";
    "/api/bookmark" => bookmarks::BookmarkApi, tag "chunk_collection": "Trieve's ChunkCollectionApi: a chunk taken out of a collection";
    "/api/file" => files::FileApi, tag "file": "Trieve's FileApi, in the TR-Dataset";
    "/api/image" => images::ImageApi, tag "file": "Trieve's FileApi: an image of the TR-Dataset by name";
    "/api/notifications" => notifications::NotificationApi, tag "notifications": "Trieve's NotificationsApi: the caller's uploads split into chunks, in the TR-Dataset";
    "/api/notifications_readall" => notifications_readall::ReadAllApi, tag "notifications": "Trieve's NotificationsApi: all marked read";
    "/api/topic" => topics::TopicApi, tag "topic": "Trieve's TopicApi: the caller's chats over the TR-Dataset (a language model: --llm-url)";
    "/api/message" => messages::MessageApi, tag "message": "Trieve's MessageApi: messages answered by the language model, streamed";
    "/api/messages" => topic_messages::TopicMessagesApi, tag "message": "Trieve's MessageApi: a topic's messages";
    "/api/dataset" => datasets::DatasetApi, tag "dataset": "Trieve's DatasetApi";
    "/api/organization" => organizations::OrganizationApi, tag "organization": "Trieve's OrganizationApi and trieve-lite's member management";
    "/api/invitation" => invitations::InvitationApi, tag "invitation": "Trieve's InvitationApi: not offered (no e-mail); 501 says what to do instead";
    "/api/stripe" => stripe::StripeApi, tag "stripe": "Trieve's StripeApi: not offered (no billing); 501";
    "/api/embedding" => embedding::EmbeddingApi, tag "embedding": "trieve-lite's own: whether semantic search is available, and the embedding backlog";
    "/metrics" => metrics::MetricsApi, tag "metrics": "Server metrics for Prometheus";
    "/api-docs/openapi.json" => docs::DocsApi, tag "docs": "This document";
}

/// A parsed search and, when it needs one, its query's vector; the caller's grant checked
/// first, so that a caller without it hears that rather than what is wrong with the body, and
/// only members make the embedding server work.
async fn with_query_vector(
    db: &Db,
    embeddings: &crate::outside::embedding::Embeddings,
    auth: &crate::http::auth::Auth<crate::domain::grants::DatasetReader>,
    parsed: crate::domain::error::AppResult<crate::domain::retrieval::Search>,
) -> crate::domain::error::AppResult<(crate::domain::retrieval::Search, Option<Vec<f32>>)> {
    let search = match parsed {
        Ok(search) => search,
        Err(refused) => {
            auth.check(db).await?;
            return Err(refused);
        }
    };
    let query_vector = if search.needs_vector() {
        auth.check(db).await?;
        Some(embeddings.embed_query(search.text.clone()).await?)
    } else {
        None
    };
    Ok((search, query_vector))
}

/// The document as JSON.
pub fn document() -> String {
    ApiDoc::openapi()
        .to_json()
        .expect("the OpenAPI document serializes")
}
