//! Files, as `FileApi` answers them.

use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::db::files::FileRow;
use crate::domain::error::{AppError, AppResult};
use crate::types::ids::{DatasetId, FileId, UserId};
use crate::types::time::Timestamp;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct File {
    pub id: FileId,
    pub user_id: UserId,
    pub dataset_id: DatasetId,
    pub file_name: String,
    pub size: i64,
    #[schema(required = true)]
    pub link: Option<String>,
    #[schema(required = true)]
    pub metadata: Option<Value>,
    #[schema(required = true)]
    pub tag_set: Option<String>,
    #[schema(required = true)]
    pub time_stamp: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A file with its bytes, base64url-encoded without padding.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FileDto {
    pub id: FileId,
    pub user_id: UserId,
    pub file_name: String,
    pub size: i64,
    pub base64url_content: String,
    #[schema(required = true)]
    pub link: Option<String>,
    #[schema(required = true)]
    pub metadata: Option<Value>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UploadFileResult {
    pub file_metadata: File,
}

impl From<FileRow> for File {
    fn from(row: FileRow) -> File {
        File {
            id: row.id,
            user_id: row.user_id,
            dataset_id: row.dataset_id,
            file_name: row.file_name,
            size: row.size,
            link: row.link,
            metadata: row.metadata,
            tag_set: row.tag_set,
            time_stamp: row.time_stamp,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

impl From<FileRow> for UploadFileResult {
    fn from(row: FileRow) -> UploadFileResult {
        UploadFileResult {
            file_metadata: row.into(),
        }
    }
}

impl FileDto {
    /// A file as JSON around its content: the text before the base64url content and the text
    /// after it, so that the content can be sent in pieces between them.
    pub fn json_around_content(file: FileRow) -> AppResult<(String, String)> {
        let json = serde_json::to_string(&FileDto {
            id: file.id,
            user_id: file.user_id,
            file_name: file.file_name,
            size: file.size,
            base64url_content: String::new(),
            link: file.link,
            metadata: file.metadata,
            created_at: file.created_at,
            updated_at: file.updated_at,
        })
        .map_err(|err| AppError::Internal(format!("a file's JSON: {err}")))?;
        // The first occurrence is the field itself: it comes before `metadata`, the only place
        // a client's text could repeat it unescaped (as a key).
        const FIELD: &str = "\"base64url_content\":\"";
        let at = json
            .find(FIELD)
            .ok_or_else(|| AppError::Internal("a file's JSON lacks its content field".into()))?
            + FIELD.len();
        Ok((json[..at].to_string(), json[at..].to_string()))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;
    use crate::domain::files::encode_piece;

    #[test]
    fn a_files_json_goes_around_its_content_sent_in_pieces() {
        let at = Timestamp::now();
        let file = FileRow {
            id: FileId::random(),
            user_id: UserId::random(),
            dataset_id: DatasetId::random(),
            file_name: "a.txt".into(),
            size: 8,
            link: None,
            // A client's text that repeats the field's name is escaped, or a key after it.
            metadata: Some(json!({"base64url_content": "\"base64url_content\":\""})),
            tag_set: None,
            time_stamp: None,
            created_at: at,
            updated_at: at,
        };
        let (before, after) = FileDto::json_around_content(file).unwrap();
        let json: Value =
            serde_json::from_str(&format!("{before}{}{after}", encode_piece(b"one\n\ntwo")))
                .unwrap();
        assert_eq!(json["base64url_content"], "b25lCgp0d28=");
        assert_eq!(json["file_name"], "a.txt");
        assert_eq!(
            json["metadata"]["base64url_content"],
            "\"base64url_content\":\""
        );
    }
}
