//! `GET /api/embedding`: trieve-lite's own: whether an embedding server is configured (so
//! whether semantic and hybrid search are available), and how the background embedding goes.
//! For the admin page; any signed-in user.

use std::sync::atomic::Ordering;

use actix_web::web;
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use super::Db;
use crate::domain::error::{AppError, AppResult};
use crate::domain::grants::Caller;
use crate::http::auth::Auth;
use crate::outside::embedding::{worker, Embeddings};

#[derive(OpenApi)]
#[openapi(paths(embedding_status), components(schemas(EmbeddingStatus)))]
pub struct EmbeddingApi;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("").route(web::get().to(embedding_status)));
}

/// The embedding server and the background embedding.
#[derive(Serialize, ToSchema)]
pub struct EmbeddingStatus {
    /// Whether an embedding server is configured: semantic and hybrid search need one.
    pub available: bool,
    /// The model, when configured.
    pub model: Option<String>,
    /// Chunks waiting for a vector from the server (null without a server).
    pub backlog: Option<i64>,
    /// Chunks given a vector since the server started.
    pub embedded: u64,
    /// Requests to the embedding server that failed since the server started.
    pub failed_requests: u64,
    /// Chunks left without a vector until the next start: the server gave no usable one.
    pub set_aside: u64,
    /// Whether the embedding server's last answer was a failure.
    pub failing: bool,
}

/// Semantic search's availability and the embedding backlog
///
/// Whether an embedding server is configured (`--embedding-url`), so whether `semantic` and
/// `hybrid` search work, and how many chunks wait for a vector. Any signed-in user.
#[utoipa::path(get, path = "",
    responses((status = 200, description = "The embedding server's status", body = EmbeddingStatus),
        Caller))]
async fn embedding_status(
    db: Db,
    auth: Auth<Caller>,
    embeddings: web::Data<Embeddings>,
) -> AppResult<web::Json<EmbeddingStatus>> {
    let available = embeddings.embedder.is_some();
    let backlog = auth
        .read(&db, move |conn, _| {
            available
                .then(|| worker::backlog(conn).map_err(AppError::from))
                .transpose()
        })
        .await?;
    let stats = &embeddings.stats;
    Ok(web::Json(EmbeddingStatus {
        available,
        model: embeddings.embedder.as_ref().map(|e| e.model().to_string()),
        backlog,
        embedded: stats.embedded.load(Ordering::Relaxed),
        failed_requests: stats.failed_requests.load(Ordering::Relaxed),
        set_aside: stats.set_aside.load(Ordering::Relaxed),
        failing: stats.failing.load(Ordering::Relaxed),
    }))
}
