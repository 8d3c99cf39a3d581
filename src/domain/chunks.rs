//! Chunks of a dataset: created, read, updated and deleted by id or by tracking id. A chunk's
//! `content` is always the readable text of its `chunk_html`.

use rusqlite::Connection;
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::db::chunks::{self, ChunkKey, ChunkRow, NewChunk};
use crate::db::files;
use crate::domain::collections;
use crate::domain::error::{AppError, AppResult};
use crate::domain::grants::{DatasetAdmin, DatasetScope, Write};
use crate::domain::vectors;
use crate::search::text;
use crate::types::fields::{TrackingId, Weight};
use crate::types::ids::{ChunkId, DatasetId, FileId};
use crate::types::time::Timestamp;

/// `POST /api/chunk`.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"chunk_html": "<p>Hello, <b>world</b></p>", "tracking_id": "hello-1",
    "tag_set": "greeting", "metadata": {"lang": "en"}, "time_stamp": "2026-01-31T12:00:00Z", "weight": 1.5}))]
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
    /// The chunk's vector, stored for "more like this" (and semantic search): 1 to 4,096
    /// finite numbers, as many as every other vector of the dataset has.
    pub chunk_vector: Option<Vec<f64>>,
    /// A collection of the dataset to bookmark the new chunk in (404 when there is none).
    pub collection_id: Option<uuid::Uuid>,
    /// With a `tracking_id` the dataset already has: replace that chunk instead of a 409.
    pub upsert_by_tracking_id: Option<bool>,
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
    /// A new vector for the chunk (see `CreateChunkData`).
    pub chunk_vector: Option<Vec<f64>>,
}

/// A `time_stamp` sent with a chunk or file: ISO 8601, with or without a zone.
pub(crate) fn parse_time_stamp(time_stamp: Option<&str>) -> AppResult<Option<Timestamp>> {
    time_stamp
        .map(|text| {
            Timestamp::parse_iso8601(text).ok_or_else(|| {
                AppError::invalid(
                    "time_stamp",
                    "time_stamp must be ISO 8601 between the years 1 and 9999, like \
                     2026-01-31T12:00:00 or 2026-01-31T12:00:00Z",
                )
            })
        })
        .transpose()
}

/// Chunks one `POST /api/chunk` may create.
pub const MAX_BATCH: usize = 120;

/// `POST /api/chunk`: one chunk (the 1.0.0 client's form), or an array of up to 120 (Trieve's
/// later batch form), told apart by the body's first token.
#[derive(Debug, ToSchema)]
#[serde(untagged)]
pub enum ChunkRequest {
    One(Box<CreateChunkData>),
    Batch(Vec<CreateChunkData>),
}

impl<'de> Deserialize<'de> for ChunkRequest {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OneOrMany;
        impl<'de> serde::de::Visitor<'de> for OneOrMany {
            type Value = ChunkRequest;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a chunk (an object) or an array of up to 120 chunks")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<ChunkRequest, A::Error> {
                let one = serde::de::value::MapAccessDeserializer::new(map);
                CreateChunkData::deserialize(one).map(|data| ChunkRequest::One(Box::new(data)))
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                seq: A,
            ) -> Result<ChunkRequest, A::Error> {
                let many = serde::de::value::SeqAccessDeserializer::new(seq);
                Vec::deserialize(many).map(ChunkRequest::Batch)
            }
        }
        deserializer.deserialize_any(OneOrMany)
    }
}

/// An array of chunks, created (or upserted) in order in one transaction: all or none. An error
/// names the chunk by its index.
pub fn create_chunks(
    conn: &Connection,
    writer: &Write<DatasetAdmin>,
    batch: Vec<CreateChunkData>,
) -> AppResult<Vec<ChunkRow>> {
    let mut created = Vec::with_capacity(batch.len());
    for (index, data) in batch.into_iter().enumerate() {
        let chunk = create_chunk(conn, writer, data).map_err(|error| error.in_item(index))?;
        created.push(chunk);
    }
    Ok(created)
}

/// The size of a batch, checked before the grant is: 1 to `MAX_BATCH`.
pub fn check_batch(batch: &[CreateChunkData]) -> AppResult<()> {
    if batch.is_empty() || batch.len() > MAX_BATCH {
        return Err(AppError::BadRequest(format!(
            "An array of chunks holds 1 to {MAX_BATCH} chunks"
        )));
    }
    Ok(())
}

pub fn create_chunk(
    conn: &Connection,
    writer: &Write<DatasetAdmin>,
    data: CreateChunkData,
) -> AppResult<ChunkRow> {
    let file_id = match data.file_uuid.map(FileId::from) {
        Some(file_id) => {
            files::find_file(conn, writer.id(), file_id)?.ok_or_else(|| {
                AppError::NotFound("No file with that file_uuid in this dataset".into())
            })?;
            Some(file_id)
        }
        None => None,
    };
    let chunk = NewChunk {
        dataset_id: writer.id(),
        author_id: writer.caller().id(),
        file_id,
        content: text::html_to_text(data.chunk_html.as_deref().unwrap_or_default()),
        chunk_html: data.chunk_html,
        link: data.link,
        metadata: data.metadata,
        tag_set: data.tag_set,
        time_stamp: parse_time_stamp(data.time_stamp.as_deref())?,
        tracking_id: data
            .tracking_id
            .as_deref()
            .map(TrackingId::parse)
            .transpose()?,
        weight: data
            .weight
            .map(Weight::parse)
            .transpose()?
            .unwrap_or(Weight::DEFAULT),
    };
    let existing = match (&chunk.tracking_id, data.upsert_by_tracking_id) {
        (Some(tracking_id), Some(true)) => {
            let key = ChunkKey::TrackingId(tracking_id.as_str().to_string());
            chunks::find_chunk(conn, writer.id(), &key)?
        }
        _ => None,
    };
    let mut stored = match existing {
        Some(existing) => replace_chunk(conn, existing, chunk)?,
        None => chunks::insert_chunk(conn, &chunk)?,
    };
    if let Some(values) = &data.chunk_vector {
        store_vector_of(conn, writer.id(), stored.id, values)?;
        stored.has_vector = true;
    }
    if let Some(collection_id) = data.collection_id {
        collections::bookmark_new_chunk(conn, writer, collection_id.into(), stored.id)?;
    }
    Ok(stored)
}

/// An upsert of a chunk that exists: every field it has takes the new chunk's value (absent:
/// none, weight 1); its id, author, creation time and, unless a file is given, its file stay.
fn replace_chunk(conn: &Connection, existing: ChunkRow, new: NewChunk) -> AppResult<ChunkRow> {
    // New text drops the vector (`chunks::write_chunk`): the answer says so.
    let keeps_vector = existing.has_vector && existing.content == new.content;
    let replaced = ChunkRow {
        has_vector: keeps_vector,
        content: new.content,
        chunk_html: new.chunk_html,
        link: new.link,
        metadata: new.metadata,
        tag_set: new.tag_set,
        time_stamp: new.time_stamp,
        weight: new.weight.get(),
        ..existing
    };
    Ok(chunks::write_chunk(conn, &replaced, new.file_id)?)
}

pub fn get_chunk(conn: &Connection, scope: &DatasetScope, key: &ChunkKey) -> AppResult<ChunkRow> {
    chunks::find_chunk(conn, scope.id(), key)?
        .ok_or_else(|| AppError::NotFound("No chunk with that id in this dataset".into()))
}

pub fn delete_chunk(
    conn: &Connection,
    writer: &Write<DatasetAdmin>,
    key: &ChunkKey,
) -> AppResult<()> {
    let chunk = get_chunk(conn, writer, key)?;
    chunks::delete_chunk_row(conn, writer.id(), chunk.id)?;
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
    writer: &Write<DatasetAdmin>,
    update: ChunkUpdate,
    by: UpdateBy,
) -> AppResult<()> {
    let (key, new_tracking_id) = match by {
        UpdateBy::Id => {
            let id = update
                .chunk_uuid
                .ok_or_else(|| AppError::invalid("chunk_uuid", "chunk_uuid is required"))?;
            (ChunkKey::Id(id.into()), update.tracking_id.as_deref())
        }
        UpdateBy::TrackingId => {
            let tracking_id = update
                .tracking_id
                .clone()
                .ok_or_else(|| AppError::invalid("tracking_id", "tracking_id is required"))?;
            (ChunkKey::TrackingId(tracking_id), None)
        }
    };
    let mut chunk = get_chunk(conn, writer, &key)?;
    if let Some(tracking_id) = new_tracking_id {
        chunk.tracking_id = Some(TrackingId::parse(tracking_id)?.into_string());
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
    if let Some(time_stamp) = parse_time_stamp(update.time_stamp.as_deref())? {
        chunk.time_stamp = Some(time_stamp);
    }
    if let Some(weight) = update.weight {
        chunk.weight = Weight::parse(weight)?.get();
    }
    chunks::write_chunk(conn, &chunk, None)?;
    if let Some(values) = &update.chunk_vector {
        store_vector_of(conn, writer.id(), chunk.id, values)?;
    }
    Ok(())
}

/// Store `values` as the vector of the dataset's chunk `chunk_id`.
fn store_vector_of(
    conn: &Connection,
    dataset_id: DatasetId,
    chunk_id: ChunkId,
    values: &[f64],
) -> AppResult<()> {
    let (pk, _) = chunks::find_chunk_text(conn, dataset_id, chunk_id)?
        .ok_or_else(|| AppError::NotFound("No chunk with that id in this dataset".into()))?;
    vectors::store_chunk_vector(conn, dataset_id, pk, values)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::open_in_memory;
    use crate::domain::grants::{DatasetReader, Write};
    use crate::domain::test_support::{default_dataset, grant, organization_with_owner};

    fn data(json: serde_json::Value) -> CreateChunkData {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn a_chunk_keeps_its_html_and_gets_its_text_as_content() {
        let conn = open_in_memory().unwrap();
        let (org, owner) = organization_with_owner(&conn, "acme");
        let dataset = default_dataset(&conn, org.id);
        let writer: Write<DatasetAdmin> = grant(&conn, &owner, dataset);
        let created = create_chunk(
            &conn,
            &writer,
            data(
                serde_json::json!({"chunk_html": "<p>Fish &amp; <b>chips</b></p>",
                "tracking_id": "menu-1", "time_stamp": "2026-01-31T12:00:00"}),
            ),
        )
        .unwrap();
        assert_eq!(created.content, "Fish & chips");
        assert_eq!(created.weight, 1.0);
        assert_eq!(
            created.time_stamp.unwrap().to_string(),
            "2026-01-31T12:00:00.000000Z"
        );

        let taken = create_chunk(
            &conn,
            &writer,
            data(serde_json::json!({"tracking_id": "menu-1"})),
        );
        assert!(taken.is_err_and(|e| e.field() == Some("tracking_id")));
        let no_file = data(serde_json::json!({"file_uuid": uuid::Uuid::new_v4()}));
        assert!(create_chunk(&conn, &writer, no_file)
            .is_err_and(|e| e.to_string().contains("file_uuid")));
        let bad_time = data(serde_json::json!({"time_stamp": "yesterday"}));
        assert_eq!(
            create_chunk(&conn, &writer, bad_time).unwrap_err().field(),
            Some("time_stamp")
        );
    }

    #[test]
    fn an_update_changes_only_what_it_names() {
        let conn = open_in_memory().unwrap();
        let (org, owner) = organization_with_owner(&conn, "acme");
        let dataset = default_dataset(&conn, org.id);
        let writer: Write<_> = grant(&conn, &owner, dataset);
        let created = create_chunk(
            &conn,
            &writer,
            data(serde_json::json!({"chunk_html": "<p>a</p>", "link": "https://a.example"})),
        )
        .unwrap();
        let update: ChunkUpdate = serde_json::from_value(serde_json::json!({
            "chunk_uuid": created.id, "tracking_id": "t", "chunk_html": "<i>b</i>"}))
        .unwrap();
        update_chunk(&conn, &writer, update, UpdateBy::Id).unwrap();
        let reader: DatasetReader = grant(&conn, &owner, dataset);
        let found = get_chunk(&conn, &reader, &ChunkKey::TrackingId("t".into())).unwrap();
        assert_eq!(
            (found.content.as_str(), found.link.as_deref()),
            ("b", Some("https://a.example"))
        );
        assert!(found.updated_at > created.updated_at);

        delete_chunk(&conn, &writer, &ChunkKey::Id(created.id)).unwrap();
        assert!(get_chunk(&conn, &reader, &ChunkKey::Id(created.id)).is_err());
    }
}
