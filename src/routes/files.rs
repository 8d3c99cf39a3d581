//! Trieve's `FileApi`: upload, read, download and delete files of the `TR-Dataset`.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use uuid::Uuid;

use crate::auth::DatasetCredentials;
use crate::config::Limits;
use crate::content::{self, UploadFileData};
use crate::db::Database;
use crate::error::AppResult;
use crate::extract::{parse_json, UploadBody};
use crate::models::{FileDto, UploadFileResult};

/// Two hops: the body (tens of MiB) is checked, parsed, decoded and split on a read thread,
/// then stored by the writer, which re-checks the key so a key revoked in between is refused.
async fn upload_file(
    db: web::Data<Database>,
    limits: web::Data<Limits>,
    credentials: DatasetCredentials,
    UploadBody(body): UploadBody,
) -> AppResult<web::Json<UploadFileResult>> {
    let max_bytes = limits.upload_bytes;
    let credentials = std::sync::Arc::new(credentials);
    let checked = credentials.clone();
    let upload = db
        .read(move |conn| {
            let scope = checked.authenticate(conn)?;
            let data: UploadFileData = parse_json(&body)?;
            content::prepare_upload(&scope, data, max_bytes)
        })
        .await?;
    db.write(move |conn| {
        let scope = credentials.authenticate(conn)?;
        let file = content::store_upload(conn, &scope, upload)?;
        Ok(UploadFileResult {
            file_metadata: file,
        })
    })
    .await
    .map(web::Json)
}

async fn get_file(
    db: web::Data<Database>,
    credentials: DatasetCredentials,
    path: web::Path<Uuid>,
) -> AppResult<web::Json<FileDto>> {
    let file_id = path.into_inner().to_string();
    db.read(move |conn| {
        let scope = credentials.authenticate(conn)?;
        content::get_file(conn, &scope, &file_id)
    })
    .await
    .map(web::Json)
}

/// The raw bytes as an attachment. `sandbox` and `nosniff` keep an uploaded HTML or SVG file
/// from running as a page of this server even if a browser is pointed at it.
async fn download_file(
    db: web::Data<Database>,
    credentials: DatasetCredentials,
    path: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let file_id = path.into_inner().to_string();
    let download = db
        .read(move |conn| {
            let scope = credentials.authenticate(conn)?;
            content::download_file(conn, &scope, &file_id)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, download.mime_type))
        .insert_header((
            header::CONTENT_DISPOSITION,
            content::content_disposition(&download.file.file_name),
        ))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CONTENT_SECURITY_POLICY, "sandbox"))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(download.bytes))
}

#[derive(Deserialize)]
struct DeleteFileQuery {
    delete_chunks: Option<bool>,
}

async fn delete_file(
    db: web::Data<Database>,
    credentials: DatasetCredentials,
    path: web::Path<Uuid>,
    query: web::Query<DeleteFileQuery>,
) -> AppResult<HttpResponse> {
    let file_id = path.into_inner().to_string();
    let delete_chunks = query.delete_chunks.unwrap_or(false);
    db.write(move |tx| {
        let scope = credentials.authenticate(tx)?;
        content::delete_file(tx, &scope, &file_id, delete_chunks)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/file").route(web::post().to(upload_file)))
        .service(web::resource("/api/file/{file_id}/download").route(web::get().to(download_file)))
        .service(
            web::resource("/api/file/{file_id}")
                .route(web::get().to(get_file))
                .route(web::delete().to(delete_file)),
        );
}
