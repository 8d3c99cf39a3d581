//! The rules about chunks and files: validation, who may write, and how an uploaded text file
//! becomes chunks. Plain functions over a connection.

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, URL_SAFE};
use base64::engine::DecodePaddingMode;
use base64::Engine;
use rusqlite::Connection;
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::auth::DatasetScope;
use crate::db::chunks::{self, ChunkKey, NewChunk};
use crate::db::files::{self, NewFile};
use crate::error::{AppError, AppResult};
use crate::models::{ChunkMetadata, File, FileDto, ReturnCreatedChunk, Role};
use crate::text;
use crate::timestamp;

const MAX_TRACKING_ID_LEN: usize = 255;
const MAX_FILE_NAME_LEN: usize = 255;
const MAX_MIME_LEN: usize = 127;
const DEFAULT_MIME: &str = "application/octet-stream";

/// Writing chunks and files needs an admin or owner of the dataset's organization.
fn require_writer(scope: &DatasetScope) -> AppResult<()> {
    scope.scope.require(Role::Admin)
}

/// `POST /api/chunk`. `chunk_vector` and `collection_id` are accepted and ignored: there is no
/// vector store and there are no collections here.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateChunkData {
    /// The chunk's HTML; its text (tags stripped, entities decoded) becomes `content`.
    pub chunk_html: Option<String>,
    pub link: Option<String>,
    pub metadata: Option<Value>,
    pub tag_set: Option<String>,
    /// ISO 8601, with or without a zone (UTC when absent).
    pub time_stamp: Option<String>,
    /// Unique in the dataset (409 when taken).
    pub tracking_id: Option<String>,
    /// Defaults to 1.0.
    pub weight: Option<f64>,
    /// A file of the dataset this chunk belongs to (404 when there is none).
    pub file_uuid: Option<uuid::Uuid>,
}

/// `PUT /api/chunk/update` and `PUT /api/chunk/tracking_id/update`. By id, `chunk_uuid` names
/// the chunk and `tracking_id` is a new value; by tracking id, `tracking_id` names it.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ChunkUpdate {
    /// The chunk to update (by id).
    pub chunk_uuid: Option<uuid::Uuid>,
    /// By id: a new tracking id. By tracking id: the chunk to update.
    pub tracking_id: Option<String>,
    pub chunk_html: Option<String>,
    pub link: Option<String>,
    pub metadata: Option<Value>,
    pub time_stamp: Option<String>,
    pub weight: Option<f64>,
}

fn normalize_time_stamp(time_stamp: Option<&str>) -> AppResult<Option<String>> {
    time_stamp
        .map(|text| {
            timestamp::parse_iso8601(text)
                .map(timestamp::format_utc)
                .ok_or_else(|| {
                    AppError::invalid("time_stamp", "time_stamp must be ISO 8601, like 2026-01-31T12:00:00 or 2026-01-31T12:00:00Z")
                })
        })
        .transpose()
}

fn validate_tracking_id(tracking_id: &str) -> AppResult<String> {
    if tracking_id.is_empty()
        || tracking_id.chars().count() > MAX_TRACKING_ID_LEN
        || tracking_id.chars().any(char::is_control)
    {
        return Err(AppError::invalid(
            "tracking_id",
            format!(
            "tracking_id must be 1 to {MAX_TRACKING_ID_LEN} characters, without control characters"
        ),
        ));
    }
    Ok(tracking_id.to_string())
}

fn validate_weight(weight: f64) -> AppResult<f64> {
    if weight.is_finite() {
        Ok(weight)
    } else {
        Err(AppError::invalid(
            "weight",
            "weight must be a finite number",
        ))
    }
}

pub fn create_chunk(
    conn: &Connection,
    scope: &DatasetScope,
    data: CreateChunkData,
) -> AppResult<ReturnCreatedChunk> {
    require_writer(scope)?;
    let dataset_id = &scope.dataset.id;
    let file_id = match data.file_uuid {
        Some(file_uuid) => {
            let file_id = file_uuid.to_string();
            files::find_file(conn, dataset_id, &file_id)?.ok_or_else(|| {
                AppError::NotFound("No file with that file_uuid in this dataset".into())
            })?;
            Some(file_id)
        }
        None => None,
    };
    let chunk = NewChunk {
        dataset_id: dataset_id.clone(),
        author_id: scope.scope.caller.user.id.clone(),
        file_id,
        content: text::html_to_text(data.chunk_html.as_deref().unwrap_or_default()),
        chunk_html: data.chunk_html,
        link: data.link,
        metadata: data.metadata,
        tag_set: data.tag_set,
        time_stamp: normalize_time_stamp(data.time_stamp.as_deref())?,
        tracking_id: data
            .tracking_id
            .as_deref()
            .map(validate_tracking_id)
            .transpose()?,
        weight: validate_weight(data.weight.unwrap_or(1.0))?,
    };
    Ok(ReturnCreatedChunk {
        chunk_metadata: chunks::insert_chunk(conn, &chunk)?,
        duplicate: false,
    })
}

fn chunk_not_found() -> AppError {
    AppError::NotFound("No chunk with that id in this dataset".into())
}

pub fn get_chunk(
    conn: &Connection,
    scope: &DatasetScope,
    key: &ChunkKey,
) -> AppResult<ChunkMetadata> {
    chunks::find_chunk(conn, &scope.dataset.id, key)?.ok_or_else(chunk_not_found)
}

pub fn delete_chunk(conn: &Connection, scope: &DatasetScope, key: &ChunkKey) -> AppResult<()> {
    require_writer(scope)?;
    let chunk = get_chunk(conn, scope, key)?;
    chunks::delete_chunk(conn, &scope.dataset.id, &chunk.id)?;
    Ok(())
}

/// Which field of a `ChunkUpdate` names the chunk.
#[derive(Debug, Clone, Copy)]
pub enum UpdateBy {
    Id,
    TrackingId,
}

pub fn update_chunk(
    conn: &Connection,
    scope: &DatasetScope,
    update: ChunkUpdate,
    by: UpdateBy,
) -> AppResult<()> {
    require_writer(scope)?;
    let (key, new_tracking_id) = match by {
        UpdateBy::Id => {
            let id = update
                .chunk_uuid
                .ok_or_else(|| AppError::invalid("chunk_uuid", "chunk_uuid is required"))?;
            (ChunkKey::Id(id.to_string()), update.tracking_id.as_deref())
        }
        UpdateBy::TrackingId => {
            let tracking_id = update
                .tracking_id
                .clone()
                .ok_or_else(|| AppError::invalid("tracking_id", "tracking_id is required"))?;
            (ChunkKey::TrackingId(tracking_id), None)
        }
    };
    let mut chunk = get_chunk(conn, scope, &key)?;
    if let Some(tracking_id) = new_tracking_id {
        chunk.tracking_id = Some(validate_tracking_id(tracking_id)?);
    }
    if let Some(chunk_html) = update.chunk_html {
        chunk.content = text::html_to_text(&chunk_html);
        chunk.chunk_html = Some(chunk_html);
    }
    if let Some(link) = update.link {
        chunk.link = Some(link);
    }
    if let Some(metadata) = update.metadata {
        chunk.metadata = Some(metadata);
    }
    if let Some(time_stamp) = normalize_time_stamp(update.time_stamp.as_deref())? {
        chunk.time_stamp = Some(time_stamp);
    }
    if let Some(weight) = update.weight {
        chunk.weight = validate_weight(weight)?;
    }
    chunks::update_chunk(conn, &chunk)?;
    Ok(())
}

/// `POST /api/file`. `description` is stored with the file (Trieve's file models do not return it).
#[derive(Debug, Deserialize, ToSchema)]
pub struct UploadFileData {
    /// The file's bytes, base64url (or standard base64), padding optional.
    pub base64_file: String,
    pub file_name: String,
    /// Stored and sent back on download; empty means application/octet-stream.
    pub file_mime_type: String,
    /// Split a text file (text/*, markdown, HTML) into chunks; defaults to true.
    pub create_chunks: Option<bool>,
    pub description: Option<String>,
    pub link: Option<String>,
    pub metadata: Option<Value>,
    pub tag_set: Option<String>,
    pub time_stamp: Option<String>,
}

/// Base64url (or standard base64) with optional padding; whitespace such as line breaks is
/// ignored. Too large once decoded is a 413, found before decoding.
pub fn decode_base64(encoded: &str, max_bytes: usize) -> AppResult<Vec<u8>> {
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &alphabet::URL_SAFE,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    let cleaned: Vec<u8> = encoded
        .bytes()
        .filter(|b| !b.is_ascii_whitespace())
        .map(|b| match b {
            b'+' => b'-',
            b'/' => b'_',
            other => other,
        })
        .collect();
    let unpadded = cleaned.iter().rev().skip_while(|b| **b == b'=').count();
    if unpadded / 4 * 3 + (unpadded % 4).saturating_sub(1) > max_bytes {
        return Err(upload_too_large(max_bytes));
    }
    LENIENT.decode(&cleaned).map_err(|err| {
        AppError::invalid(
            "base64_file",
            format!("base64_file is not valid base64: {err}"),
        )
    })
}

pub fn upload_too_large(max_bytes: usize) -> AppError {
    AppError::PayloadTooLarge(format!(
        "The file is larger than the upload limit of {} MiB",
        max_bytes / (1024 * 1024)
    ))
}

/// The name a file is stored under: the last path component, trimmed.
fn clean_file_name(name: &str) -> AppResult<String> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default().trim();
    if base.is_empty()
        || base.chars().count() > MAX_FILE_NAME_LEN
        || base.chars().any(char::is_control)
    {
        return Err(AppError::invalid(
            "file_name",
            format!(
                "file_name must be 1 to {MAX_FILE_NAME_LEN} characters, without control characters"
            ),
        ));
    }
    Ok(base.to_string())
}

fn clean_mime_type(mime: &str) -> AppResult<String> {
    let mime = mime.trim();
    if mime.is_empty() {
        return Ok(DEFAULT_MIME.to_string());
    }
    let valid = mime.len() <= MAX_MIME_LEN
        && mime.contains('/')
        && mime.bytes().all(|b| b.is_ascii_graphic() || b == b' ');
    if valid {
        Ok(mime.to_ascii_lowercase())
    } else {
        Err(AppError::invalid(
            "file_mime_type",
            "file_mime_type is not a MIME type",
        ))
    }
}

enum TextKind {
    Plain,
    Html,
}

/// Text files (text/*, markdown, HTML) become chunks; anything else is stored as it is.
fn text_kind(mime: &str, file_name: &str) -> Option<TextKind> {
    let essence = mime.split(';').next().unwrap_or_default().trim();
    let extension = file_name
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase());
    let html = essence == "text/html"
        || essence == "application/xhtml+xml"
        || matches!(extension.as_deref(), Some("html" | "htm" | "xhtml"));
    if html {
        return Some(TextKind::Html);
    }
    let plain = essence.starts_with("text/")
        || matches!(essence, "application/markdown" | "application/x-markdown")
        || matches!(extension.as_deref(), Some("md" | "markdown" | "txt"));
    plain.then_some(TextKind::Plain)
}

/// The chunks a text file is split into, as (chunk_html, content) pairs.
fn split_text_file(bytes: &[u8], kind: TextKind) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(bytes);
    let blocks = match kind {
        TextKind::Html => text::html_to_blocks(&text),
        TextKind::Plain => text::text_to_blocks(&text),
    };
    text::pack_blocks(&blocks)
        .into_iter()
        .map(|group| {
            let html = group
                .iter()
                .map(|block| format!("<p>{}</p>", text::escape_html(block)))
                .collect();
            (html, group.join(" "))
        })
        .collect()
}

/// An upload decoded and split, ready to store: the CPU work done before the write.
pub struct PreparedUpload {
    file: NewFile,
    chunks: Vec<(String, String)>,
}

/// Validate, decode and split an upload. Runs on a read connection's thread, so that the
/// writer spends its time writing.
pub fn prepare_upload(
    scope: &DatasetScope,
    data: UploadFileData,
    max_bytes: usize,
) -> AppResult<PreparedUpload> {
    require_writer(scope)?;
    let file_name = clean_file_name(&data.file_name)?;
    let mime_type = clean_mime_type(&data.file_mime_type)?;
    let time_stamp = normalize_time_stamp(data.time_stamp.as_deref())?;
    let bytes = decode_base64(&data.base64_file, max_bytes)?;
    let chunks = match (
        data.create_chunks.unwrap_or(true),
        text_kind(&mime_type, &file_name),
    ) {
        (true, Some(kind)) => split_text_file(&bytes, kind),
        _ => Vec::new(),
    };
    Ok(PreparedUpload {
        file: NewFile {
            dataset_id: scope.dataset.id.clone(),
            user_id: scope.scope.caller.user.id.clone(),
            file_name,
            mime_type,
            link: data.link,
            metadata: data.metadata,
            tag_set: data.tag_set,
            time_stamp,
            description: data.description,
            bytes,
        },
        chunks,
    })
}

/// Store a prepared upload, its file row, bytes and chunks together.
pub fn store_upload(
    conn: &Connection,
    scope: &DatasetScope,
    upload: PreparedUpload,
) -> AppResult<File> {
    require_writer(scope)?;
    let file = files::insert_file(conn, &upload.file)?;
    for (chunk_html, content) in upload.chunks {
        chunks::insert_chunk(
            conn,
            &NewChunk {
                dataset_id: file.dataset_id.clone(),
                author_id: file.user_id.clone(),
                file_id: Some(file.id.clone()),
                content,
                chunk_html: Some(chunk_html),
                link: file.link.clone(),
                metadata: file.metadata.clone(),
                tag_set: file.tag_set.clone(),
                time_stamp: file.time_stamp.clone(),
                tracking_id: None,
                weight: 1.0,
            },
        )?;
    }
    Ok(file)
}

fn file_not_found() -> AppError {
    AppError::NotFound("No file with that id in this dataset".into())
}

/// A file with its MIME type and bytes, for download.
pub struct FileDownload {
    pub file: File,
    pub mime_type: String,
    pub bytes: Vec<u8>,
}

pub fn download_file(
    conn: &Connection,
    scope: &DatasetScope,
    file_id: &str,
) -> AppResult<FileDownload> {
    let (file, mime_type) =
        files::find_file(conn, &scope.dataset.id, file_id)?.ok_or_else(file_not_found)?;
    let bytes = files::read_file_bytes(conn, &file.id)?;
    Ok(FileDownload {
        file,
        mime_type,
        bytes,
    })
}

pub fn get_file(conn: &Connection, scope: &DatasetScope, file_id: &str) -> AppResult<FileDto> {
    let FileDownload { file, bytes, .. } = download_file(conn, scope, file_id)?;
    Ok(FileDto {
        id: file.id,
        user_id: file.user_id,
        file_name: file.file_name,
        size: file.size,
        base64url_content: URL_SAFE.encode(bytes),
        link: file.link,
        metadata: file.metadata,
        created_at: file.created_at,
        updated_at: file.updated_at,
    })
}

/// Delete a file; its chunks go with it when `delete_chunks`, else they stay, unlinked.
pub fn delete_file(
    conn: &Connection,
    scope: &DatasetScope,
    file_id: &str,
    delete_chunks: bool,
) -> AppResult<()> {
    require_writer(scope)?;
    files::find_file(conn, &scope.dataset.id, file_id)?.ok_or_else(file_not_found)?;
    if delete_chunks {
        chunks::delete_chunks_of_file(conn, file_id)?;
    }
    files::delete_file(conn, &scope.dataset.id, file_id)?;
    Ok(())
}

/// A `Content-Disposition` that names the file without letting its name break the header.
pub fn content_disposition(file_name: &str) -> String {
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
    use actix_web::ResponseError;

    #[test]
    fn base64_accepts_url_and_standard_alphabets_with_or_without_padding() {
        let bytes = vec![0xfb, 0xff, 0x00, 0x10, 0x7f];
        for encoded in ["-_8AEH8", "-_8AEH8=", "+/8AEH8=", "+/8A\nEH8"] {
            assert_eq!(decode_base64(encoded, 100).unwrap(), bytes, "{encoded}");
        }
        assert!(decode_base64("not base64!", 100)
            .is_err_and(|e| e.status_code() == actix_web::http::StatusCode::BAD_REQUEST));
        assert!(matches!(
            decode_base64("AAAAAAAA", 5),
            Err(AppError::PayloadTooLarge(_))
        ));
        assert_eq!(decode_base64("AAAAAAAA", 6).unwrap().len(), 6);
    }

    #[test]
    fn content_disposition_is_safe_for_any_name() {
        let header = content_disposition("a\"b\r\nc;ü.txt");
        assert!(!header.contains('\r') && !header.contains('\n'));
        assert!(header.starts_with("attachment; filename=\"a_b__c__.txt\""));
        assert!(header.ends_with("UTF-8''a%22b%0D%0Ac%3B%C3%BC.txt"));
    }

    #[test]
    fn file_names_lose_their_path_and_mime_types_are_checked() {
        assert_eq!(clean_file_name("../../etc/passwd").unwrap(), "passwd");
        assert_eq!(clean_file_name("C:\\\\docs\\\\a.txt").unwrap(), "a.txt");
        assert!(clean_file_name("  ").is_err());
        assert!(clean_file_name("dir/").is_err());
        assert_eq!(clean_mime_type("").unwrap(), DEFAULT_MIME);
        assert!(clean_mime_type("text/plain\r\nX: y").is_err());
    }

    #[test]
    fn text_files_split_into_chunks_and_others_do_not() {
        assert!(text_kind("image/png", "a.png").is_none());
        assert!(matches!(
            text_kind("application/octet-stream", "notes.md"),
            Some(TextKind::Plain)
        ));
        let chunks = split_text_file(b"<h1>Title</h1><p>One &amp; two</p>", TextKind::Html);
        assert_eq!(
            chunks,
            [(
                "<p>Title</p><p>One &amp; two</p>".to_string(),
                "Title One & two".to_string()
            )]
        );
    }
}
