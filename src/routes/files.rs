//! Trieve's `FileApi`: upload, read, download and delete files of the `TR-Dataset`.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::auth::DatasetCredentials;
use crate::config::Limits;
use crate::content::{self, UploadFileData};
use crate::db::Database;
use crate::error::{AppResult, ErrorBody};
use crate::extract::{parse_json, UploadBody};
use crate::models::{FileDto, UploadFileResult};
use crate::openapi::{Binary, Busy, DatasetHeader, Internal, Timeout, Unauthorized};

/// Two hops: the body (tens of MiB) is checked, parsed, decoded and split on a read thread,
/// then stored by the writer, which re-checks the key so a key revoked in between is refused.
#[utoipa::path(
    post,
    path = "/api/file",
    tag = "file",
    summary = "Upload a file to the dataset",
    description = "The bytes are kept in the database. With `create_chunks` (default true) a text file (text/*, markdown, HTML) is split into chunks linked to the file; other types are stored without chunks.",
    security(("ApiKey" = []), ("XApiKey" = [])),
    params(
        DatasetHeader,
    ),
    request_body(
        content = UploadFileData,
        example = json!({"base64_file": "SGVsbG8sIHdvcmxkIQ", "file_name": "hello.txt",
            "file_mime_type": "text/plain", "create_chunks": true, "tag_set": "greeting"})
    ),
    responses(
        (status = 200, description = "The stored file", body = UploadFileResult,
            links(
                ("File" = (operation_id = "get_file", parameters(("file_id" = "$response.body#/file_metadata/id")))),
                ("Download" = (operation_id = "download_file", parameters(("file_id" = "$response.body#/file_metadata/id")))),
                ("DeleteFile" = (operation_id = "delete_file", parameters(("file_id" = "$response.body#/file_metadata/id")))),
                ("UserFiles" = (operation_id = "user_files", parameters(("user_id" = "$response.body#/file_metadata/user_id")))),
            )
        ),
        (status = 400, description = "An invalid body (base64, file name, MIME type, time_stamp, ...) or header, or no TR-Dataset", body = ErrorBody),
        (status = 401, response = Unauthorized),
        (status = 403, description = "A read-only key, or not an admin or owner of the dataset's organization", body = ErrorBody),
        (status = 404, description = "No such dataset", body = ErrorBody),
        (status = 408, response = Timeout),
        (status = 413, description = "The body, or the decoded file, is over the upload limit", body = ErrorBody),
        (status = 500, response = Internal),
        (status = 503, response = Busy),
    )
)]
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

#[utoipa::path(
    get,
    path = "/api/file/{file_id}",
    tag = "file",
    summary = "A file of the dataset, with its bytes in base64url",
    security(("ApiKey" = []), ("XApiKey" = [])),
    params(
        ("file_id" = Uuid, Path, description = "The file's id"),
        DatasetHeader,
    ),
    responses(
        (status = 200, description = "The file", body = FileDto),
        (status = 400, description = "A malformed file_id or header, or no TR-Dataset", body = ErrorBody),
        (status = 401, response = Unauthorized),
        (status = 403, description = "Not a member of the dataset's organization", body = ErrorBody),
        (status = 404, description = "No such dataset, or no such file in it", body = ErrorBody),
        (status = 500, response = Internal),
        (status = 503, response = Busy),
    )
)]
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

#[utoipa::path(
    get,
    path = "/api/file/{file_id}/download",
    tag = "file",
    summary = "A file's raw bytes, as an attachment",
    security(("ApiKey" = []), ("XApiKey" = [])),
    params(
        ("file_id" = Uuid, Path, description = "The file's id"),
        DatasetHeader,
    ),
    responses(
        (status = 200, description = "The bytes, with the uploaded MIME type as Content-Type", content_type = "*/*", body = inline(Binary)),
        (status = 400, description = "A malformed file_id or header, or no TR-Dataset", body = ErrorBody),
        (status = 401, response = Unauthorized),
        (status = 403, description = "Not a member of the dataset's organization", body = ErrorBody),
        (status = 404, description = "No such dataset, or no such file in it", body = ErrorBody),
        (status = 500, response = Internal),
        (status = 503, response = Busy),
    )
)]
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

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct DeleteFileQuery {
    /// Delete the file's chunks too; by default they are kept, unlinked from the file.
    delete_chunks: Option<bool>,
}

#[utoipa::path(
    delete,
    path = "/api/file/{file_id}",
    tag = "file",
    summary = "Delete a file of the dataset",
    security(("ApiKey" = []), ("XApiKey" = [])),
    params(
        ("file_id" = Uuid, Path, description = "The file's id"),
        DeleteFileQuery,
        DatasetHeader,
    ),
    responses(
        (status = 204, description = "Done"),
        (status = 400, description = "A malformed file_id, delete_chunks or header, or no TR-Dataset", body = ErrorBody),
        (status = 401, response = Unauthorized),
        (status = 403, description = "A read-only key, or not an admin or owner of the dataset's organization", body = ErrorBody),
        (status = 404, description = "No such dataset, or no such file in it", body = ErrorBody),
        (status = 500, response = Internal),
        (status = 503, response = Busy),
    )
)]
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
