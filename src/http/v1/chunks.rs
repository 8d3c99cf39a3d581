//! Chunks, as `ChunkApi` answers them: alone, with their file, created, and scored by a search.

use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::db::chunks::{ChunkRow, ChunkWithFileRow};
use crate::domain::retrieval::{ScoredChunk, SearchPage};
use crate::types::ids::{ChunkId, DatasetId, FileId, UserId};
use crate::types::time::Timestamp;

/// There is no vector store; chunks report the nil UUID as their point id.
pub const NIL_POINT_ID: Uuid = Uuid::nil();

/// A chunk's `qdrant_point_id`: its vector's id, which is the chunk's own id, once it has a
/// vector; the nil UUID before.
fn point_id(chunk_id: ChunkId, has_vector: bool) -> Uuid {
    if has_vector {
        chunk_id.into()
    } else {
        NIL_POINT_ID
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChunkMetadataWithFileData {
    pub id: ChunkId,
    pub content: String,
    #[schema(required = true)]
    pub chunk_html: Option<String>,
    #[schema(required = true)]
    pub link: Option<String>,
    /// The chunk's id in the vector store; the nil UUID while it has no vector.
    pub qdrant_point_id: Uuid,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    #[schema(required = true)]
    pub tag_set: Option<String>,
    #[schema(required = true)]
    pub file_id: Option<FileId>,
    #[schema(required = true)]
    pub file_name: Option<String>,
    #[schema(required = true)]
    pub metadata: Option<Value>,
    #[schema(required = true)]
    pub tracking_id: Option<String>,
    #[schema(required = true)]
    pub time_stamp: Option<Timestamp>,
    pub weight: f64,
}

impl From<ChunkWithFileRow> for ChunkMetadataWithFileData {
    fn from(row: ChunkWithFileRow) -> ChunkMetadataWithFileData {
        ChunkMetadataWithFileData {
            id: row.id,
            content: row.content,
            chunk_html: row.chunk_html,
            link: row.link,
            qdrant_point_id: point_id(row.id, row.has_vector),
            created_at: row.created_at,
            updated_at: row.updated_at,
            tag_set: row.tag_set,
            file_id: row.file_id,
            file_name: row.file_name,
            metadata: row.metadata,
            tracking_id: row.tracking_id,
            time_stamp: row.time_stamp,
            weight: row.weight,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChunkMetadata {
    pub id: ChunkId,
    pub author_id: UserId,
    pub dataset_id: DatasetId,
    pub content: String,
    #[schema(required = true)]
    pub chunk_html: Option<String>,
    #[schema(required = true)]
    pub link: Option<String>,
    #[schema(required = true)]
    pub metadata: Option<Value>,
    /// The chunk's id in the vector store; the nil UUID while it has no vector.
    pub qdrant_point_id: Uuid,
    #[schema(required = true)]
    pub tag_set: Option<String>,
    #[schema(required = true)]
    pub time_stamp: Option<Timestamp>,
    #[schema(required = true)]
    pub tracking_id: Option<String>,
    pub weight: f64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl From<ChunkRow> for ChunkMetadata {
    fn from(row: ChunkRow) -> ChunkMetadata {
        ChunkMetadata {
            id: row.id,
            author_id: row.author_id,
            dataset_id: row.dataset_id,
            content: row.content,
            chunk_html: row.chunk_html,
            link: row.link,
            metadata: row.metadata,
            qdrant_point_id: point_id(row.id, row.has_vector),
            tag_set: row.tag_set,
            time_stamp: row.time_stamp,
            tracking_id: row.tracking_id,
            weight: row.weight,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReturnCreatedChunk {
    pub chunk_metadata: ChunkMetadata,
    pub duplicate: bool,
}

/// A created chunk: never a duplicate here (a tracking id in use is a 409).
impl From<ChunkRow> for ReturnCreatedChunk {
    fn from(row: ChunkRow) -> ReturnCreatedChunk {
        ReturnCreatedChunk {
            chunk_metadata: row.into(),
            duplicate: false,
        }
    }
}

/// What `POST /api/chunk` answers an array with, as Trieve's batch form does (nothing is queued
/// here: every chunk is stored when the answer comes).
#[derive(Debug, Serialize, ToSchema)]
pub struct BatchQueuedChunkResponse {
    pub chunk_metadata: Vec<ChunkMetadata>,
    pub pos_in_queue: i64,
}

impl From<Vec<ChunkRow>> for BatchQueuedChunkResponse {
    fn from(rows: Vec<ChunkRow>) -> BatchQueuedChunkResponse {
        BatchQueuedChunkResponse {
            chunk_metadata: rows.into_iter().map(ChunkMetadata::from).collect(),
            pos_in_queue: 0,
        }
    }
}

/// One search result: the chunk (alone in `metadata`, as Trieve's client expects) and its score,
/// positive, higher is better.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = ScoreChunkDTO)]
pub struct ScoreChunkDto {
    pub metadata: Vec<ChunkMetadataWithFileData>,
    pub score: f64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SearchChunkQueryResponseBody {
    pub score_chunks: Vec<ScoreChunkDto>,
    /// ceil(matching chunks / 10).
    pub total_chunk_pages: i64,
}

impl From<ScoredChunk> for ScoreChunkDto {
    fn from(hit: ScoredChunk) -> ScoreChunkDto {
        ScoreChunkDto {
            metadata: vec![hit.chunk.into()],
            score: hit.score,
        }
    }
}

impl From<SearchPage> for SearchChunkQueryResponseBody {
    fn from(page: SearchPage) -> SearchChunkQueryResponseBody {
        SearchChunkQueryResponseBody {
            score_chunks: page.hits.into_iter().map(ScoreChunkDto::from).collect(),
            total_chunk_pages: page.total_pages,
        }
    }
}

/// `POST /api/chunk/gen_suggestions`: queries the language model suggests.
#[derive(Debug, Serialize, ToSchema)]
pub struct SuggestedQueriesResponse {
    pub queries: Vec<String>,
}
