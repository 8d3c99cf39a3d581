//! Files of a dataset: uploaded as base64, kept in the database, split into chunks when they
//! are text, read back, downloaded and deleted.

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, URL_SAFE};
use base64::engine::DecodePaddingMode;
use base64::Engine;
use rusqlite::Connection;
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::db::chunks::{self, NewChunk};
use crate::db::files::FileRow;
use crate::db::files::{self, NewFile};
use crate::db::{collections, notifications};
use crate::domain::chunks::parse_time_stamp;
use crate::domain::error::{AppError, AppResult};
use crate::domain::grants::{DatasetAdmin, DatasetScope, Write};
use crate::search::text;
use crate::types::fields::{FileName, MimeType};
use crate::types::ids::FileId;

/// `POST /api/file`. `description` is stored with the file (Trieve's file models do not return it).
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"base64_file": "SGVsbG8sIHdvcmxkIQ", "file_name": "hello.txt",
    "file_mime_type": "text/plain", "create_chunks": true, "tag_set": "greeting"}))]
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

enum TextKind {
    Plain,
    Html,
}

/// Text files (text/*, markdown, HTML) become chunks; anything else is stored as it is.
fn text_kind(mime: &MimeType, file_name: &FileName) -> Option<TextKind> {
    let essence = mime.essence();
    let extension = file_name.extension();
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
    /// Whether the file was split into chunks (a text file, `create_chunks` not false).
    split: bool,
}

/// Validate, decode and split an upload. Runs on a read connection's thread, so that the
/// writer spends its time writing.
pub fn prepare_upload(
    writer: &Write<DatasetAdmin>,
    data: UploadFileData,
    max_bytes: usize,
) -> AppResult<PreparedUpload> {
    let file_name = FileName::parse(&data.file_name)?;
    let mime_type = MimeType::parse(&data.file_mime_type)?;
    let time_stamp = parse_time_stamp(data.time_stamp.as_deref())?;
    let bytes = decode_base64(&data.base64_file, max_bytes)?;
    let (chunks, split) = match (
        data.create_chunks.unwrap_or(true),
        text_kind(&mime_type, &file_name),
    ) {
        (true, Some(kind)) => (split_text_file(&bytes, kind), true),
        _ => (Vec::new(), false),
    };
    Ok(PreparedUpload {
        file: NewFile {
            dataset_id: writer.id(),
            user_id: writer.caller().id(),
            file_name: file_name.into_string(),
            mime_type: mime_type.into_string(),
            link: data.link,
            metadata: data.metadata,
            tag_set: data.tag_set,
            time_stamp,
            description: data.description,
            bytes,
        },
        chunks,
        split,
    })
}

/// Store a prepared upload, its file row, bytes and chunks together. An upload split into
/// chunks (one or more) gets a collection of them, named after the file, and its uploader a
/// notification.
pub fn store_upload(
    conn: &Connection,
    writer: &Write<DatasetAdmin>,
    upload: PreparedUpload,
) -> AppResult<FileRow> {
    let file = files::insert_file(
        conn,
        &NewFile {
            dataset_id: writer.id(),
            user_id: writer.caller().id(),
            ..upload.file
        },
    )?;
    // A collection and a notification for an upload split into chunks (none for one that held
    // no text to split).
    let chunked = upload.split && !upload.chunks.is_empty();
    for (chunk_html, content) in upload.chunks {
        chunks::insert_chunk(
            conn,
            &NewChunk {
                file_id: Some(file.id),
                link: file.link.clone(),
                metadata: file.metadata.clone(),
                tag_set: file.tag_set.clone(),
                time_stamp: file.time_stamp,
                ..NewChunk::new(file.dataset_id, file.user_id, content, Some(chunk_html))
            },
        )?;
    }
    if chunked {
        let collection = collections::insert_collection(
            conn,
            file.dataset_id,
            file.user_id,
            &file.file_name,
            "",
            Some(file.id),
        )?;
        collections::bookmark_chunks_of_file(conn, collection.id, file.id)?;
        notifications::insert_notification(
            conn,
            file.user_id,
            file.dataset_id,
            collection.id,
            &file.file_name,
        )?;
    }
    Ok(file)
}

fn file_not_found() -> AppError {
    AppError::NotFound("No file with that id in this dataset".into())
}

/// A file with its MIME type and bytes, for download.
/// A file to send: its row and its type. Its bytes are read in pieces as they are sent
/// (`read_piece`), so that a download holds one piece in memory, not the file.
pub struct FileDownload {
    pub file: FileRow,
    pub mime_type: String,
}

/// The most bytes a download reads at once: 255 KiB, a multiple of 3 so that each piece
/// encodes to base64 on its own, without padding, as part of the whole.
pub const PIECE: usize = 255 * 1024;

pub fn download_file(
    conn: &Connection,
    scope: &DatasetScope,
    file_id: FileId,
) -> AppResult<FileDownload> {
    let (file, mime_type) =
        files::find_file(conn, scope.id(), file_id)?.ok_or_else(file_not_found)?;
    Ok(FileDownload { file, mime_type })
}

/// `GET /api/image/{file_name}`: the dataset's newest image upload of that name.
pub fn image_by_name(
    conn: &Connection,
    scope: &DatasetScope,
    file_name: &str,
) -> AppResult<FileDownload> {
    let (file, mime_type) = files::find_image_by_name(conn, scope.id(), file_name)?
        .ok_or_else(|| AppError::NotFound("No image of that name in this dataset".into()))?;
    Ok(FileDownload { file, mime_type })
}

/// The piece of a file's bytes from `offset`, at most `PIECE` and never past `size` (what the
/// answer's Content-Length promised); a 404 if the file was deleted since the download began.
pub fn read_piece(
    conn: &Connection,
    file_id: FileId,
    offset: usize,
    size: usize,
) -> AppResult<Vec<u8>> {
    let max = PIECE.min(size.saturating_sub(offset));
    files::read_file_piece(conn, file_id, offset, max)?.ok_or_else(file_not_found)
}

/// The length of `bytes` bytes in base64 with padding.
pub fn base64_len(bytes: usize) -> usize {
    bytes.div_ceil(3) * 4
}

/// A piece of content in the base64url a `FileDto` carries.
pub fn encode_piece(piece: &[u8]) -> String {
    URL_SAFE.encode(piece)
}

/// Delete a file; its chunks go with it when `delete_chunks`, else they stay, unlinked.
pub fn delete_file(
    conn: &Connection,
    writer: &Write<DatasetAdmin>,
    file_id: FileId,
    delete_chunks: bool,
) -> AppResult<()> {
    files::find_file(conn, writer.id(), file_id)?.ok_or_else(file_not_found)?;
    if delete_chunks {
        chunks::delete_chunks_of_file(conn, file_id)?;
    }
    files::delete_file_and_bytes(conn, writer.id(), file_id)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::open_in_memory;
    use crate::db::test_support::count;
    use crate::domain::test_support::{default_dataset, grant, organization_with_owner};

    #[test]
    fn base64_accepts_url_and_standard_alphabets_with_or_without_padding() {
        let bytes = vec![0xfb, 0xff, 0x00, 0x10, 0x7f];
        for encoded in ["-_8AEH8", "-_8AEH8=", "+/8AEH8=", "+/8A\nEH8"] {
            assert_eq!(decode_base64(encoded, 100).unwrap(), bytes, "{encoded}");
        }
        assert_eq!(
            decode_base64("not base64!", 100).unwrap_err().field(),
            Some("base64_file")
        );
        assert!(matches!(
            decode_base64("AAAAAAAA", 5),
            Err(AppError::PayloadTooLarge(_))
        ));
        assert_eq!(decode_base64("AAAAAAAA", 6).unwrap().len(), 6);
    }

    #[test]
    fn text_files_split_into_chunks_and_others_do_not() {
        let mime = |text| MimeType::parse(text).unwrap();
        let name = |text| FileName::parse(text).unwrap();
        assert!(text_kind(&mime("image/png"), &name("a.png")).is_none());
        assert!(matches!(
            text_kind(&mime("application/octet-stream"), &name("notes.md")),
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

    #[test]
    fn an_upload_is_stored_with_its_chunks_and_deleted_with_or_without_them() {
        let conn = open_in_memory().unwrap();
        let (org, owner) = organization_with_owner(&conn, "acme");
        let writer: Write<DatasetAdmin> = grant(&conn, &owner, default_dataset(&conn, org.id));
        let upload = |name: &str| {
            let data: UploadFileData = serde_json::from_value(serde_json::json!({
                "base64_file": URL_SAFE.encode("one\n\ntwo"), "file_name": name,
                "file_mime_type": "text/plain"}))
            .unwrap();
            store_upload(&conn, &writer, prepare_upload(&writer, data, 1024).unwrap()).unwrap()
        };
        let kept = upload("dir/a.txt");
        assert_eq!((kept.file_name.as_str(), kept.size), ("a.txt", 8));
        assert_eq!(
            count(
                &conn,
                "SELECT count(*) FROM chunks WHERE file_id IS NOT NULL"
            ),
            1
        );
        let read = download_file(&conn, &writer, kept.id).unwrap();
        assert_eq!(read.mime_type, "text/plain");
        assert_eq!(read_piece(&conn, kept.id, 0, 8).unwrap(), b"one\n\ntwo");
        assert_eq!(
            read_piece(&conn, kept.id, 4, 6).unwrap(),
            b"\nt",
            "never past size"
        );
        assert_eq!(read.file.file_name, "a.txt");
        delete_file(&conn, &writer, kept.id, false).unwrap();
        assert_eq!(count(&conn, "SELECT count(*) FROM chunks"), 1);

        let gone = upload("b.txt");
        delete_file(&conn, &writer, gone.id, true).unwrap();
        assert_eq!(count(&conn, "SELECT count(*) FROM chunks"), 1);
        assert!(download_file(&conn, &writer, gone.id).is_err());
    }
}
