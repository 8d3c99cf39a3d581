//! What an export sends: a file as `POST /api/file` takes it, a chunk as `POST /api/chunk`
//! takes it, and how many chunks go in one request.

use std::borrow::Cow;

use serde::Serialize;
use serde_json::Value;

use super::state::State;
use crate::db::export::{ExportedChunk, ExportedFile};
use crate::types::time::Timestamp;

/// What files and chunks carry alike, each field only when it is set.
#[derive(Serialize)]
struct Labels<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    link: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata: Option<&'a Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tag_set: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    time_stamp: Option<Timestamp>,
}

/// A file as `POST /api/file` takes it.
#[derive(Serialize)]
struct UploadBody<'a> {
    base64_file: String,
    file_name: &'a str,
    file_mime_type: &'a str,
    /// Its chunks travel as chunks, with the rest.
    create_chunks: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    #[serde(flatten)]
    labels: Labels<'a>,
}

pub fn upload_body(file: &ExportedFile, bytes: &[u8]) -> String {
    use base64::Engine;
    let body = UploadBody {
        base64_file: base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes),
        file_name: &file.file_name,
        file_mime_type: &file.mime_type,
        create_chunks: false,
        description: file.description.as_deref(),
        labels: Labels {
            link: file.link.as_deref(),
            metadata: file.metadata.as_ref(),
            tag_set: file.tag_set.as_deref(),
            time_stamp: file.time_stamp,
        },
    };
    serde_json::to_string(&body).expect("a file's fields serialize")
}

/// A chunk as `POST /api/chunk` takes it, to replace the target's chunk of its tracking id.
#[derive(Serialize)]
struct ChunkBody<'a> {
    tracking_id: Cow<'a, str>,
    upsert_by_tracking_id: bool,
    weight: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    chunk_html: Option<&'a str>,
    #[serde(flatten)]
    labels: Labels<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    file_uuid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    chunk_vector: Option<&'a [f32]>,
}

pub fn chunk_body(chunk: &ExportedChunk, state: &State, vectors: bool) -> String {
    let body = ChunkBody {
        tracking_id: match &chunk.tracking_id {
            Some(tracking_id) => Cow::Borrowed(tracking_id),
            None => Cow::Owned(chunk.id.to_string()),
        },
        upsert_by_tracking_id: true,
        weight: chunk.weight,
        chunk_html: chunk.chunk_html.as_deref(),
        labels: Labels {
            link: chunk.link.as_deref(),
            metadata: chunk.metadata.as_ref(),
            tag_set: chunk.tag_set.as_deref(),
            time_stamp: chunk.time_stamp,
        },
        file_uuid: chunk.file_id.and_then(|id| state.file(id)),
        chunk_vector: chunk.vector.as_deref().filter(|_| vectors),
    };
    serde_json::to_string(&body).expect("a chunk's fields serialize")
}

/// How many of `sizes` (the bytes of consecutive chunks' bodies) go in the next request: as
/// many as fit in `budget` bytes as a JSON array, one at least.
pub fn fitting(sizes: &[usize], budget: usize) -> usize {
    let mut total = 1; // the opening bracket
    let count = sizes
        .iter()
        .take_while(|&&size| {
            total += size + 1; // and a comma or the closing bracket
            total <= budget
        })
        .count();
    count.max(1).min(sizes.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_takes_the_chunks_that_fit_and_one_at_least() {
        // [a,b] is 1 + (3 + 1) + (3 + 1) bytes.
        assert_eq!(fitting(&[3, 3, 3], 9), 2);
        assert_eq!(fitting(&[3, 3, 3], 8), 1);
        assert_eq!(fitting(&[3, 3, 3], 100), 3);
        // A chunk larger than the budget goes alone.
        assert_eq!(fitting(&[50, 3], 10), 1);
        assert_eq!(fitting(&[], 10), 0);
    }

    #[test]
    fn a_chunk_is_sent_with_what_it_has_and_its_id_as_tracking_id_when_it_has_none() {
        use crate::db::export::Resume;
        use crate::outside::export::state::Identity;
        use crate::types::ids::{ChunkId, DatasetId};

        let dir = tempfile::tempdir().unwrap();
        let identity = Identity {
            to: "http://a".into(),
            dataset: DatasetId::random(),
            from_dataset: DatasetId::random(),
            vectors: true,
        };
        let begin = Resume {
            acknowledged_through: 0,
            began: Timestamp::now(),
            vector_log_at: 0,
        };
        let state = State::load_or_begin(&dir.path().join("t.db"), identity, begin).unwrap();
        let id = ChunkId::random();
        let mut chunk = ExportedChunk {
            pk: 1,
            id,
            chunk_html: Some("<p>Hi</p>".into()),
            link: None,
            metadata: Some(serde_json::json!({"n": 1})),
            tag_set: None,
            time_stamp: Timestamp::parse_rfc3339("2024-05-06T07:08:09Z"),
            tracking_id: None,
            weight: 1.5,
            file_id: None,
            vector: Some(vec![0.1, -2.0]),
        };
        let sent = |chunk: &ExportedChunk, vectors| -> Value {
            serde_json::from_str(&chunk_body(chunk, &state, vectors)).unwrap()
        };
        let mut with = sent(&chunk, true);
        // A vector goes as float32 numbers written short, as stored.
        assert!(chunk_body(&chunk, &state, true).contains(r#""chunk_vector":[0.1,-2.0]"#));
        with.as_object_mut().unwrap().remove("chunk_vector");
        assert_eq!(
            with,
            serde_json::json!({
                "tracking_id": id.to_string(), "upsert_by_tracking_id": true, "weight": 1.5,
                "chunk_html": "<p>Hi</p>", "metadata": {"n": 1},
                "time_stamp": "2024-05-06T07:08:09.000000Z",
            })
        );
        chunk.tracking_id = Some("doc-1".into());
        let without = sent(&chunk, false);
        assert_eq!(without["tracking_id"], "doc-1");
        assert!(without.get("chunk_vector").is_none() && without.get("link").is_none());
    }
}
