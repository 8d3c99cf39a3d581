//! Collections and their bookmarks, as `ChunkCollectionApi` answers them.

use serde::Serialize;
use utoipa::ToSchema;

use super::chunks::{ChunkMetadataWithFileData, ScoreChunkDto};
use crate::db::collections::CollectionRow;
use crate::domain::collections::{
    BookmarkPage, CollectionPage, CollectionSearchPage, CollectionsOfChunk,
};
use crate::types::ids::{ChunkId, CollectionId, DatasetId, FileId, UserId};
use crate::types::time::Timestamp;

/// A collection of a dataset's chunks (its bookmarks), made by one user.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChunkCollection {
    pub id: CollectionId,
    pub dataset_id: DatasetId,
    pub author_id: UserId,
    pub name: String,
    pub description: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl From<CollectionRow> for ChunkCollection {
    fn from(row: CollectionRow) -> ChunkCollection {
        ChunkCollection {
            id: row.id,
            dataset_id: row.dataset_id,
            author_id: row.author_id,
            name: row.name,
            description: row.description,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// A collection as a list of a user's collections shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChunkCollectionAndFile {
    pub id: CollectionId,
    pub author_id: UserId,
    pub name: String,
    pub description: String,
    /// The upload whose chunks it was made with (an upload split into chunks gets one).
    #[schema(required = true)]
    pub file_id: Option<FileId>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A page of a user's collections.
#[derive(Debug, Serialize, ToSchema)]
pub struct CollectionData {
    pub collections: Vec<ChunkCollectionAndFile>,
    pub total_pages: i64,
}

/// One bookmarked chunk.
#[derive(Debug, Serialize, ToSchema)]
pub struct BookmarkChunks {
    /// The chunk, alone.
    pub metadata: Vec<ChunkMetadataWithFileData>,
}

/// A page of a collection's chunks.
#[derive(Debug, Serialize, ToSchema)]
pub struct BookmarkData {
    pub bookmarks: Vec<BookmarkChunks>,
    pub collection: ChunkCollection,
    pub total_pages: i64,
}

/// A collection as the collections of a chunk show it.
#[derive(Debug, Serialize, ToSchema)]
pub struct SlimCollection {
    pub id: CollectionId,
    pub name: String,
    pub author_id: UserId,
    /// Whether the caller made it.
    pub of_current_user: bool,
}

/// The collections one chunk is in.
#[derive(Debug, Serialize, ToSchema)]
pub struct BookmarkCollectionResult {
    pub chunk_uuid: ChunkId,
    pub slim_collections: Vec<SlimCollection>,
}

/// A page of a search within a collection.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchCollectionsResult {
    pub bookmarks: Vec<ScoreChunkDto>,
    pub collection: ChunkCollection,
    pub total_pages: i64,
}

impl From<CollectionRow> for ChunkCollectionAndFile {
    fn from(row: CollectionRow) -> ChunkCollectionAndFile {
        ChunkCollectionAndFile {
            id: row.id,
            author_id: row.author_id,
            name: row.name,
            description: row.description,
            file_id: row.file_id,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

impl From<CollectionPage> for CollectionData {
    fn from(page: CollectionPage) -> CollectionData {
        CollectionData {
            collections: page.collections.into_iter().map(Into::into).collect(),
            total_pages: page.total_pages,
        }
    }
}

impl From<BookmarkPage> for BookmarkData {
    fn from(page: BookmarkPage) -> BookmarkData {
        BookmarkData {
            bookmarks: page
                .chunks
                .into_iter()
                .map(|chunk| BookmarkChunks {
                    metadata: vec![chunk.into()],
                })
                .collect(),
            collection: page.collection.into(),
            total_pages: page.total_pages,
        }
    }
}

impl From<CollectionsOfChunk> for BookmarkCollectionResult {
    fn from(of_chunk: CollectionsOfChunk) -> BookmarkCollectionResult {
        BookmarkCollectionResult {
            chunk_uuid: of_chunk.chunk_id,
            slim_collections: of_chunk
                .collections
                .into_iter()
                .map(|(collection, of_current_user)| SlimCollection {
                    id: collection.id,
                    name: collection.name,
                    author_id: collection.author_id,
                    of_current_user,
                })
                .collect(),
        }
    }
}

impl From<CollectionSearchPage> for SearchCollectionsResult {
    fn from(page: CollectionSearchPage) -> SearchCollectionsResult {
        SearchCollectionsResult {
            bookmarks: page.found.hits.into_iter().map(Into::into).collect(),
            collection: page.collection.into(),
            total_pages: page.found.total_pages,
        }
    }
}
