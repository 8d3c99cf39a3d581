//! Trieve's `FileApi`: files of the `TR-Dataset`, at `/api/file`.

use actix_web::body::SizedStream;
use actix_web::http::header;
use actix_web::{web, HttpResponse};
use futures_util::{Stream, StreamExt};
use serde::Deserialize;
use utoipa::openapi::schema::{KnownFormat, SchemaFormat};
use utoipa::openapi::{ObjectBuilder, RefOr, Type};
use utoipa::{IntoParams, OpenApi, PartialSchema, ToSchema};

use super::Db;
use crate::config::{Limits, UPLOAD_MEMORY_FACTOR};
use crate::db::files::FileRow;
use crate::domain::error::{AppError, AppResult};
use crate::domain::files::{self, UploadFileData};
use crate::domain::grants::{DatasetAdmin, DatasetReader, Write};
use crate::http::auth::Auth;
use crate::http::extract::{parse_json, UploadBody};
use crate::http::openapi::{DatasetHeader, JsonBody};
use crate::http::v1::files::FileDto;
use crate::http::v1::files::UploadFileResult;
use crate::types::ids::FileId;
use actix_web::mime;

#[derive(OpenApi)]
#[openapi(paths(upload_file, get_file, download_file, delete_file))]
pub struct FileApi;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("").route(web::post().to(upload_file)))
        .service(web::resource("/{file_id}/download").route(web::get().to(download_file)))
        .service(
            web::resource("/{file_id}")
                .route(web::get().to(get_file))
                .route(web::delete().to(delete_file)),
        );
}

crate::error_responses! {
    NoSuchFile => 404 "No such dataset, or no such file in it";
    FileTooLarge => 413 "The body, or the decoded file, is over the upload limit";
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
struct FilePath {
    /// The file's id.
    file_id: FileId,
}

/// Upload a file to the dataset
///
/// The bytes are kept in the database. With `create_chunks` (default true) a text file (text/*,
/// markdown, HTML) is split into chunks linked to the file; other types are stored without
/// chunks.
#[utoipa::path(post, path = "", params(DatasetHeader), request_body = UploadFileData, responses(
    (status = 200, description = "The stored file", body = UploadFileResult, links(
        ("File" = (operation_id = "get_file", parameters(("file_id" = "$response.body#/file_metadata/id")))),
        ("Download" = (operation_id = "download_file", parameters(("file_id" = "$response.body#/file_metadata/id")))),
        ("DeleteFile" = (operation_id = "delete_file", parameters(("file_id" = "$response.body#/file_metadata/id")))),
        ("UserFiles" = (operation_id = "user_files", parameters(("user_id" = "$response.body#/file_metadata/user_id")))))),
    Write<DatasetAdmin>, JsonBody, FileTooLarge))]
async fn upload_file(
    db: Db,
    limits: web::Data<Limits>,
    auth: Auth<Write<DatasetAdmin>>,
    UploadBody(body): UploadBody,
) -> AppResult<web::Json<UploadFileResult>> {
    let max_bytes = limits.upload_bytes;
    // The key, the dataset and the role are checked from the headers before a byte of the body
    // (tens of MiB) is read: a caller who may not upload costs the server no memory. The body
    // is then thrown away as it arrives, so that the client reads the refusal.
    if let Err(refused) = auth.check(&db).await {
        body.discard().await;
        return Err(refused);
    }
    let (body, mut lease) = body.read().await?;
    // While it is prepared an upload holds its body, the base64 text parsed out of it and the
    // decoded bytes: about three times the body, counted as such against the budget.
    lease.hold(body.len().saturating_mul(UPLOAD_MEMORY_FACTOR))?;
    // Then two hops: the body is parsed, decoded and split on a reader thread (a costly read:
    // uploads never take every reader), then stored by the writer, which checks the key again
    // so that a key revoked in between is refused.
    let upload = auth
        .clone()
        .read_costly(&db, move |_, writer| {
            let data: UploadFileData = parse_json(&body)?;
            files::prepare_upload(&writer, data, max_bytes)
        })
        .await?;
    auth.write_heavy(&db, move |tx, writer| {
        let file = files::store_upload(tx, &writer, upload)?;
        Ok(UploadFileResult {
            file_metadata: file.into(),
        })
    })
    .await
    .map(web::Json)
}

/// A file of the dataset, with its bytes in base64url
///
/// The bytes are read from the database and encoded as they are sent, a piece at a time.
#[utoipa::path(get, path = "/{file_id}", params(FilePath, DatasetHeader),
    responses((status = 200, description = "The file", body = FileDto), DatasetReader, NoSuchFile))]
async fn get_file(
    db: Db,
    auth: Auth<DatasetReader>,
    path: web::Path<FilePath>,
) -> AppResult<HttpResponse> {
    let file_id = path.file_id;
    let file = auth
        .read(&db, move |conn, reader| {
            files::download_file(conn, &reader, file_id)
        })
        .await?
        .file;
    let size = file_size(&file)?;
    let (before, after) = FileDto::json_around_content(file)?;
    let length = before.len() + files::base64_len(size) + after.len();
    let content = pieces(db, file_id, size)
        .map(|piece| piece.map(|bytes| web::Bytes::from(files::encode_piece(&bytes))));
    let body = futures_util::stream::once(async move { Ok(web::Bytes::from(before)) })
        .chain(content)
        .chain(futures_util::stream::once(async move {
            Ok(web::Bytes::from(after))
        }));
    Ok(HttpResponse::Ok()
        .content_type(mime::APPLICATION_JSON)
        .body(SizedStream::new(length as u64, body)))
}

/// A file's bytes as they are sent: one piece (`files::PIECE`) read at a time, each in a
/// database hop of its own, so that a download holds one piece in memory and no reader thread
/// while the client is slow.
fn pieces(db: Db, file_id: FileId, size: usize) -> impl Stream<Item = Result<Vec<u8>, AppError>> {
    futures_util::stream::try_unfold(0usize, move |offset| {
        let db = db.clone();
        async move {
            if offset >= size {
                return Ok(None);
            }
            let piece = db
                .read(move |conn| files::read_piece(conn, file_id, offset, size))
                .await
                .inspect_err(|err| {
                    // The client sees its download cut short; the reason is here.
                    log::warn!("the download of file {file_id} stopped at byte {offset}: {err}");
                })?;
            if piece.is_empty() {
                return Err(AppError::Internal(format!(
                    "file {file_id} ended at {offset} of {size} bytes"
                )));
            }
            let next = offset + piece.len();
            Ok(Some((piece, next)))
        }
    })
}

fn file_size(file: &FileRow) -> AppResult<usize> {
    usize::try_from(file.size)
        .map_err(|_| AppError::Internal(format!("file {} has size {}", file.id, file.size)))
}

/// Raw bytes of any type: a file's download.
pub(super) struct Binary;

impl PartialSchema for Binary {
    fn schema() -> RefOr<utoipa::openapi::schema::Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .into()
    }
}

impl ToSchema for Binary {}

/// A file's raw bytes, as an attachment
#[utoipa::path(get, path = "/{file_id}/download", params(FilePath, DatasetHeader), responses(
    (status = 200, description = "The bytes, with the uploaded MIME type as Content-Type", content_type = "*/*", body = inline(Binary)),
    DatasetReader, NoSuchFile))]
async fn download_file(
    db: Db,
    auth: Auth<DatasetReader>,
    path: web::Path<FilePath>,
) -> AppResult<HttpResponse> {
    let file_id = path.file_id;
    let download = auth
        .read(&db, move |conn, reader| {
            files::download_file(conn, &reader, file_id)
        })
        .await?;
    send_download(db, download)
}

/// A file's bytes as an attachment with its uploaded type, a piece at a time.
pub(super) fn send_download(db: Db, download: files::FileDownload) -> AppResult<HttpResponse> {
    let size = file_size(&download.file)?;
    let body = pieces(db, download.file.id, size).map(|piece| piece.map(web::Bytes::from));
    // `sandbox` and `nosniff` keep an uploaded HTML or SVG file from running as a page of this
    // server even if a browser is pointed at it.
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, download.mime_type))
        .insert_header((
            header::CONTENT_DISPOSITION,
            content_disposition(&download.file.file_name),
        ))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CONTENT_SECURITY_POLICY, "sandbox"))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(SizedStream::new(size as u64, body)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct DeleteFileQuery {
    /// Delete the file's chunks too; by default they are kept, unlinked from the file.
    delete_chunks: Option<bool>,
}

/// Delete a file of the dataset
#[utoipa::path(delete, path = "/{file_id}", params(FilePath, DeleteFileQuery, DatasetHeader),
    responses((status = 204, description = "Done"), Write<DatasetAdmin>, NoSuchFile))]
async fn delete_file(
    db: Db,
    auth: Auth<Write<DatasetAdmin>>,
    path: web::Path<FilePath>,
    query: web::Query<DeleteFileQuery>,
) -> AppResult<HttpResponse> {
    let file_id = path.file_id;
    let delete_chunks = query.delete_chunks.unwrap_or(false);
    auth.write(&db, move |tx, writer| {
        files::delete_file(tx, &writer, file_id, delete_chunks)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A `Content-Disposition` that names the file without letting its name break the header.
fn content_disposition(file_name: &str) -> String {
    let fallback: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ' ') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = file_name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_disposition_is_safe_for_any_name() {
        let header = content_disposition("a\"b\r\nc;ü.txt");
        assert!(!header.contains('\r') && !header.contains('\n'));
        assert!(header.starts_with("attachment; filename=\"a_b__c__.txt\""));
        assert!(header.ends_with("UTF-8''a%22b%0D%0Ac%3B%C3%BC.txt"));
    }
}
