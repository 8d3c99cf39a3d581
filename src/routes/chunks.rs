//! Trieve's `ChunkApi`: create, read, update and delete chunks of the `TR-Dataset`.

use actix_web::{web, HttpResponse};
use uuid::Uuid;

use crate::auth::DatasetCredentials;
use crate::content::{self, ChunkUpdate, CreateChunkData, UpdateBy};
use crate::db::chunks::ChunkKey;
use crate::db::Database;
use crate::error::{AppError, AppResult};
use crate::extract::Json;
use crate::models::{ChunkMetadata, ReturnCreatedChunk};

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

async fn get_chunk_by_tracking_id(
    db: web::Data<Database>,
    credentials: DatasetCredentials,
    path: web::Path<String>,
) -> AppResult<web::Json<ChunkMetadata>> {
    get_chunk(&db, credentials, ChunkKey::TrackingId(path.into_inner())).await
}

async fn delete_chunk_by_tracking_id(
    db: web::Data<Database>,
    credentials: DatasetCredentials,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    delete_chunk(&db, credentials, ChunkKey::TrackingId(path.into_inner())).await
}

async fn update_chunk_by_id(
    db: web::Data<Database>,
    credentials: DatasetCredentials,
    body: Json<ChunkUpdate>,
) -> AppResult<HttpResponse> {
    update_chunk(&db, credentials, body.into_inner(), UpdateBy::Id).await
}

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
