//! Trieve's `ChunkApi`: create, read, update and delete chunks of the `TR-Dataset`.

use actix_web::{web, HttpResponse};
use uuid::Uuid;

use crate::auth::DatasetCredentials;
use crate::content::{self, ChunkUpdate, CreateChunkData, UpdateBy};
use crate::db::chunks::ChunkKey;
use crate::db::Database;
use crate::error::{AppError, AppResult, ErrorBody};
use crate::extract::Json;
use crate::models::{ChunkMetadata, ReturnCreatedChunk};
use crate::openapi::{
    Busy, DatasetHeader, Internal, Timeout, TooLarge, Unauthorized, UpdateChunkByTrackingIdData,
    UpdateChunkData,
};

#[utoipa::path(
    post,
    path = "/api/chunk",
    tag = "chunk",
    summary = "Create a chunk in the dataset",
    description = "`chunk_vector` and `collection_id` are accepted and ignored: there is no vector store.",
    security(("ApiKey" = []), ("XApiKey" = [])),
    params(
        DatasetHeader,
    ),
    request_body(
        content = CreateChunkData,
        example = json!({"chunk_html": "<p>Hello, <b>world</b></p>", "tracking_id": "hello-1",
            "tag_set": "greeting", "metadata": {"lang": "en"}, "time_stamp": "2026-01-31T12:00:00Z",
            "weight": 1.5})
    ),
    responses(
        (status = 200, description = "The chunk", body = ReturnCreatedChunk,
            links(
                ("Chunk" = (operation_id = "get_chunk_by_id", parameters(("chunk_id" = "$response.body#/chunk_metadata/id")))),
                ("UpdateChunk" = (operation_id = "update_chunk_by_id", request_body = json!({"chunk_uuid": "$response.body#/chunk_metadata/id"}))),
                ("DeleteChunk" = (operation_id = "delete_chunk_by_id", parameters(("chunk_id" = "$response.body#/chunk_metadata/id")))),
                ("AuthorChunks" = (operation_id = "user_with_chunks", parameters(("user_id" = "$response.body#/chunk_metadata/author_id"), ("page" = serde_json::json!(1))))),
            )
        ),
        (status = 400, description = "An invalid body (time_stamp, weight, ...) or header, or no TR-Dataset", body = ErrorBody),
        (status = 401, response = Unauthorized),
        (status = 403, description = "A read-only key, or not an admin or owner of the dataset's organization", body = ErrorBody),
        (status = 404, description = "No such dataset, or no file_uuid file in it", body = ErrorBody),
        (status = 408, response = Timeout),
        (status = 413, response = TooLarge),
        (status = 409, description = "The tracking_id is taken in this dataset", body = ErrorBody),
        (status = 500, response = Internal),
        (status = 503, response = Busy),
    )
)]
async fn create_chunk(
    db: web::Data<Database>,
    credentials: DatasetCredentials,
    body: Json<CreateChunkData>,
) -> AppResult<web::Json<ReturnCreatedChunk>> {
    let data = body.into_inner();
    db.write(move |tx| {
        let scope = credentials.authenticate(tx)?;
        content::create_chunk(tx, &scope, data)
    })
    .await
    .map(web::Json)
}

async fn get_chunk(
    db: &Database,
    credentials: DatasetCredentials,
    key: ChunkKey,
) -> AppResult<web::Json<ChunkMetadata>> {
    db.read(move |conn| {
        let scope = credentials.authenticate(conn)?;
        content::get_chunk(conn, &scope, &key)
    })
    .await
    .map(web::Json)
}

async fn delete_chunk(
    db: &Database,
    credentials: DatasetCredentials,
    key: ChunkKey,
) -> AppResult<HttpResponse> {
    db.write(move |tx| {
        let scope = credentials.authenticate(tx)?;
        content::delete_chunk(tx, &scope, &key)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn update_chunk(
    db: &Database,
    credentials: DatasetCredentials,
    update: ChunkUpdate,
    by: UpdateBy,
) -> AppResult<HttpResponse> {
    db.write(move |tx| {
        let scope = credentials.authenticate(tx)?;
        content::update_chunk(tx, &scope, update, by)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(
    get,
    path = "/api/chunk/{chunk_id}",
    tag = "chunk",
    summary = "A chunk of the dataset, by id",
    security(("ApiKey" = []), ("XApiKey" = [])),
    params(
        ("chunk_id" = Uuid, Path, description = "The chunk's id"),
        DatasetHeader,
    ),
    responses(
        (status = 200, description = "The chunk", body = ChunkMetadata),
        (status = 400, description = "A malformed chunk_id or header, or no TR-Dataset", body = ErrorBody),
        (status = 401, response = Unauthorized),
        (status = 403, description = "Not a member of the dataset's organization", body = ErrorBody),
        (status = 404, description = "No such dataset, or no such chunk in it", body = ErrorBody),
        (status = 500, response = Internal),
        (status = 503, response = Busy),
    )
)]
async fn get_chunk_by_id(
    db: web::Data<Database>,
    credentials: DatasetCredentials,
    path: web::Path<Uuid>,
) -> AppResult<web::Json<ChunkMetadata>> {
    get_chunk(
        &db,
        credentials,
        ChunkKey::Id(path.into_inner().to_string()),
    )
    .await
}

#[utoipa::path(
    delete,
    path = "/api/chunk/{chunk_id}",
    tag = "chunk",
    summary = "Delete a chunk of the dataset, by id",
    security(("ApiKey" = []), ("XApiKey" = [])),
    params(
        ("chunk_id" = Uuid, Path, description = "The chunk's id"),
        DatasetHeader,
    ),
    responses(
        (status = 204, description = "Done"),
        (status = 400, description = "A malformed chunk_id or header, or no TR-Dataset", body = ErrorBody),
        (status = 401, response = Unauthorized),
        (status = 403, description = "A read-only key, or not an admin or owner of the dataset's organization", body = ErrorBody),
        (status = 404, description = "No such dataset, or no such chunk in it", body = ErrorBody),
        (status = 500, response = Internal),
        (status = 503, response = Busy),
    )
)]
async fn delete_chunk_by_id(
    db: web::Data<Database>,
    credentials: DatasetCredentials,
    path: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    delete_chunk(
        &db,
        credentials,
        ChunkKey::Id(path.into_inner().to_string()),
    )
    .await
}

#[utoipa::path(
    get,
    path = "/api/chunk/tracking_id/{tracking_id}",
    tag = "chunk",
    summary = "A chunk of the dataset, by tracking id",
    security(("ApiKey" = []), ("XApiKey" = [])),
    params(
        ("tracking_id" = String, Path, description = "The chunk's tracking id"),
        DatasetHeader,
    ),
    responses(
        (status = 200, description = "The chunk", body = ChunkMetadata),
        (status = 400, description = "A malformed header, or no TR-Dataset", body = ErrorBody),
        (status = 401, response = Unauthorized),
        (status = 403, description = "Not a member of the dataset's organization", body = ErrorBody),
        (status = 404, description = "No such dataset, or no such chunk in it", body = ErrorBody),
        (status = 500, response = Internal),
        (status = 503, response = Busy),
    )
)]
async fn get_chunk_by_tracking_id(
    db: web::Data<Database>,
    credentials: DatasetCredentials,
    path: web::Path<String>,
) -> AppResult<web::Json<ChunkMetadata>> {
    get_chunk(&db, credentials, ChunkKey::TrackingId(path.into_inner())).await
}

#[utoipa::path(
    delete,
    path = "/api/chunk/tracking_id/{tracking_id}",
    tag = "chunk",
    summary = "Delete a chunk of the dataset, by tracking id",
    security(("ApiKey" = []), ("XApiKey" = [])),
    params(
        ("tracking_id" = String, Path, description = "The chunk's tracking id"),
        DatasetHeader,
    ),
    responses(
        (status = 204, description = "Done"),
        (status = 400, description = "A malformed header, or no TR-Dataset", body = ErrorBody),
        (status = 401, response = Unauthorized),
        (status = 403, description = "A read-only key, or not an admin or owner of the dataset's organization", body = ErrorBody),
        (status = 404, description = "No such dataset, or no such chunk in it", body = ErrorBody),
        (status = 500, response = Internal),
        (status = 503, response = Busy),
    )
)]
async fn delete_chunk_by_tracking_id(
    db: web::Data<Database>,
    credentials: DatasetCredentials,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    delete_chunk(&db, credentials, ChunkKey::TrackingId(path.into_inner())).await
}

#[utoipa::path(
    put,
    path = "/api/chunk/update",
    tag = "chunk",
    summary = "Update a chunk of the dataset, named by chunk_uuid",
    description = "Fields not sent keep their value; `updated_at` moves.",
    security(("ApiKey" = []), ("XApiKey" = [])),
    params(
        DatasetHeader,
    ),
    request_body(
        content = UpdateChunkData,
        example = json!({"chunk_uuid": "2f1e8c53-7a0b-4f3e-9d6c-1b2a3c4d5e6f", "chunk_html": "<p>Hello again</p>", "weight": 2.0})
    ),
    responses(
        (status = 204, description = "Done"),
        (status = 400, description = "An invalid body or header, no chunk_uuid, or no TR-Dataset", body = ErrorBody),
        (status = 401, response = Unauthorized),
        (status = 403, description = "A read-only key, or not an admin or owner of the dataset's organization", body = ErrorBody),
        (status = 404, description = "No such dataset, or no such chunk in it", body = ErrorBody),
        (status = 408, response = Timeout),
        (status = 413, response = TooLarge),
        (status = 409, description = "The new tracking_id is taken in this dataset", body = ErrorBody),
        (status = 500, response = Internal),
        (status = 503, response = Busy),
    )
)]
async fn update_chunk_by_id(
    db: web::Data<Database>,
    credentials: DatasetCredentials,
    body: Json<ChunkUpdate>,
) -> AppResult<HttpResponse> {
    update_chunk(&db, credentials, body.into_inner(), UpdateBy::Id).await
}

#[utoipa::path(
    put,
    path = "/api/chunk/tracking_id/update",
    tag = "chunk",
    summary = "Update a chunk of the dataset, named by tracking_id",
    description = "Fields not sent keep their value; `updated_at` moves.",
    security(("ApiKey" = []), ("XApiKey" = [])),
    params(
        DatasetHeader,
    ),
    request_body(
        content = UpdateChunkByTrackingIdData,
        example = json!({"tracking_id": "hello-1", "link": "https://example.com/hello"})
    ),
    responses(
        (status = 204, description = "Done"),
        (status = 400, description = "An invalid body or header, no tracking_id, or no TR-Dataset", body = ErrorBody),
        (status = 401, response = Unauthorized),
        (status = 403, description = "A read-only key, or not an admin or owner of the dataset's organization", body = ErrorBody),
        (status = 404, description = "No such dataset, or no such chunk in it", body = ErrorBody),
        (status = 408, response = Timeout),
        (status = 413, response = TooLarge),
        (status = 500, response = Internal),
        (status = 503, response = Busy),
    )
)]
/// `PUT /api/chunk/tracking_id/update` shares its path pattern with a chunk whose tracking id
/// is "update", so one resource serves both and the PUT checks the last segment itself.
async fn update_chunk_by_tracking_id(
    db: web::Data<Database>,
    credentials: DatasetCredentials,
    path: web::Path<String>,
    body: Json<ChunkUpdate>,
) -> AppResult<HttpResponse> {
    if path.as_str() != "update" {
        return Err(AppError::NotFound("Not found".into()));
    }
    update_chunk(&db, credentials, body.into_inner(), UpdateBy::TrackingId).await
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/chunk").route(web::post().to(create_chunk)))
        .service(web::resource("/api/chunk/update").route(web::put().to(update_chunk_by_id)))
        .service(
            web::resource("/api/chunk/tracking_id/{tracking_id}")
                .route(web::get().to(get_chunk_by_tracking_id))
                .route(web::delete().to(delete_chunk_by_tracking_id))
                .route(web::put().to(update_chunk_by_tracking_id)),
        )
        .service(
            web::resource("/api/chunk/{chunk_id}")
                .route(web::get().to(get_chunk_by_id))
                .route(web::delete().to(delete_chunk_by_id)),
        );
}
