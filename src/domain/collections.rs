//! Collections: a member's named sets of a dataset's chunks (bookmarks). The organization's
//! members see every collection of its datasets; the author, or an admin or owner, changes one.

use std::collections::HashMap;

use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::vector_index::VectorIndex;
use crate::db::{chunks, collections};
use crate::domain::error::{AppError, AppResult};
use crate::domain::grants::{DatasetReader, DatasetScope, DatasetWriter, Write};
use crate::domain::retrieval::{self, Search};
use crate::models::{ChunkCollection, ChunkMetadataWithFileData, ScoreChunkDto};
use crate::types::fields::bounded_text;
use crate::types::ids::{ChunkId, CollectionId, FileId, UserId};
use crate::types::roles::Role;
use crate::types::time::Timestamp;

/// Ten collections, or ten bookmarks, a page.
pub const PAGE_SIZE: i64 = 10;
/// A collection's name, in characters.
const MAX_NAME_CHARS: usize = 200;
/// A collection's description, in characters.
const MAX_DESCRIPTION_CHARS: usize = 10_000;
/// The chunks one request may ask the collections of.
pub const MAX_CHUNKS_ASKED: usize = 1000;

/// `POST /api/chunk_collection`.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"name": "Reading list", "description": "Chunks to read again"}))]
pub struct CreateChunkCollectionData {
    /// 1 to 200 characters; need not be unique.
    pub name: String,
    /// Up to 10,000 characters; may be empty.
    pub description: String,
}

/// `PUT /api/chunk_collection`. What is absent (or null) stays.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateChunkCollectionData {
    pub collection_id: uuid::Uuid,
    pub name: Option<String>,
    pub description: Option<String>,
}

/// `POST /api/chunk_collection/{collection_id}`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AddChunkToCollectionData {
    /// A chunk of the same dataset.
    pub chunk_id: uuid::Uuid,
}

/// `POST /api/chunk_collection/bookmark`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct GetCollectionsForChunksData {
    /// Up to 1,000 chunk ids.
    pub chunk_ids: Vec<uuid::Uuid>,
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

fn name(text: &str) -> AppResult<String> {
    Ok(bounded_text("name", text, 1, MAX_NAME_CHARS)?)
}

fn description(text: &str) -> AppResult<String> {
    Ok(bounded_text("description", text, 0, MAX_DESCRIPTION_CHARS)?)
}

/// A collection's new name and description, checked before the grant is.
pub struct NewCollection {
    name: String,
    description: String,
}

impl NewCollection {
    pub fn parse(data: &CreateChunkCollectionData) -> AppResult<NewCollection> {
        Ok(NewCollection {
            name: name(&data.name)?,
            description: description(&data.description)?,
        })
    }
}

/// The changes of an `UpdateChunkCollectionData`, checked before the grant is.
pub struct CollectionChanges {
    id: CollectionId,
    name: Option<String>,
    description: Option<String>,
}

impl CollectionChanges {
    pub fn parse(data: &UpdateChunkCollectionData) -> AppResult<CollectionChanges> {
        Ok(CollectionChanges {
            id: CollectionId::from(data.collection_id),
            name: data.name.as_deref().map(name).transpose()?,
            description: data.description.as_deref().map(description).transpose()?,
        })
    }
}

/// Page 0 is page 1 (the client allows 0); a page below is a 400. Returns the offset.
pub fn page_offset(page: i64) -> AppResult<i64> {
    match page {
        0 | 1 => Ok(0),
        page if page > 1 => Ok((page - 1).saturating_mul(PAGE_SIZE)),
        _ => Err(AppError::BadRequest("page must be 0 or more".into())),
    }
}

/// How many pages of `PAGE_SIZE` `count` items fill.
pub fn total_pages(count: i64) -> i64 {
    (count + PAGE_SIZE - 1) / PAGE_SIZE
}

/// A collection of the scope's dataset: 404 otherwise.
pub fn find_collection(
    conn: &Connection,
    scope: &DatasetScope,
    id: CollectionId,
) -> AppResult<ChunkCollection> {
    collections::find_collection(conn, scope.id(), id)?
        .ok_or_else(|| AppError::NotFound("No collection with that id in this dataset".into()))
}

/// A collection the caller may change: its author, or an admin or owner (403 otherwise).
fn collection_to_change(
    conn: &Connection,
    member: &Write<DatasetReader>,
    id: CollectionId,
) -> AppResult<ChunkCollection> {
    let collection = find_collection(conn, member, id)?;
    if collection.author_id != member.caller().id() && member.membership().role < Role::Admin {
        return Err(AppError::Forbidden(
            "Only the collection's author, or an admin or owner, may change it".into(),
        ));
    }
    Ok(collection)
}

pub fn create_collection(
    conn: &Connection,
    member: &Write<DatasetReader>,
    new: NewCollection,
) -> AppResult<ChunkCollection> {
    Ok(collections::insert_collection(
        conn,
        member.id(),
        member.caller().id(),
        &new.name,
        &new.description,
        None,
    )?)
}

pub fn update_collection(
    conn: &Connection,
    member: &Write<DatasetReader>,
    changes: CollectionChanges,
) -> AppResult<ChunkCollection> {
    let mut collection = collection_to_change(conn, member, changes.id)?;
    if let Some(name) = changes.name {
        collection.name = name;
    }
    if let Some(description) = changes.description {
        collection.description = description;
    }
    collection.updated_at = Timestamp::now();
    collections::update_collection(conn, &collection)?;
    Ok(collection)
}

pub fn delete_collection(
    conn: &Connection,
    member: &Write<DatasetReader>,
    id: CollectionId,
) -> AppResult<()> {
    let collection = collection_to_change(conn, member, id)?;
    Ok(collections::delete_collection(conn, collection.id)?)
}

/// Bookmark a chunk of the dataset in a collection the caller may change; bookmarking it twice
/// is no error.
pub fn add_bookmark(
    conn: &Connection,
    member: &Write<DatasetReader>,
    id: CollectionId,
    chunk_id: ChunkId,
) -> AppResult<()> {
    let collection = collection_to_change(conn, member, id)?;
    bookmark(conn, &collection, chunk_id)
}

/// Bookmark a chunk of the collection's dataset in it.
fn bookmark(conn: &Connection, collection: &ChunkCollection, chunk_id: ChunkId) -> AppResult<()> {
    let (pk, _) = chunks::find_chunk_text(conn, collection.dataset_id, chunk_id)?
        .ok_or_else(|| AppError::NotFound("No chunk with that id in this dataset".into()))?;
    collections::add_bookmark(conn, collection.id, pk)?;
    Ok(())
}

/// Take a chunk (`bookmark_id`: its id) out of a collection the caller may change.
pub fn remove_bookmark(
    conn: &Connection,
    member: &Write<DatasetReader>,
    id: CollectionId,
    chunk_id: ChunkId,
) -> AppResult<()> {
    let collection = collection_to_change(conn, member, id)?;
    if collections::remove_bookmark(conn, collection.id, chunk_id)? {
        Ok(())
    } else {
        Err(AppError::NotFound(
            "That chunk is not in this collection".into(),
        ))
    }
}

/// Bookmark a chunk just created (`collection_id` on chunk create) in a collection of the
/// dataset; the writer, an admin or owner, may change any.
pub fn bookmark_new_chunk(
    conn: &Connection,
    writer: &DatasetWriter,
    id: CollectionId,
    chunk_id: ChunkId,
) -> AppResult<()> {
    let collection = find_collection(conn, writer, id)?;
    bookmark(conn, &collection, chunk_id)
}

/// A page of a user's collections in the dataset, newest first.
pub fn collections_of_user(
    conn: &Connection,
    scope: &DatasetScope,
    user_id: UserId,
    page: i64,
) -> AppResult<CollectionData> {
    let offset = page_offset(page)?;
    let count = collections::count_collections_by_author(conn, scope.id(), user_id)?;
    let collections =
        collections::list_collections_by_author(conn, scope.id(), user_id, PAGE_SIZE, offset)?;
    Ok(CollectionData {
        collections: collections
            .into_iter()
            .map(|collection| ChunkCollectionAndFile {
                id: collection.id,
                author_id: collection.author_id,
                name: collection.name,
                description: collection.description,
                file_id: collection.file_id,
                created_at: collection.created_at,
                updated_at: collection.updated_at,
            })
            .collect(),
        total_pages: total_pages(count),
    })
}

/// A page of a collection's chunks, most recently bookmarked first.
pub fn bookmarks(
    conn: &Connection,
    scope: &DatasetScope,
    id: CollectionId,
    page: i64,
) -> AppResult<BookmarkData> {
    let offset = page_offset(page)?;
    let collection = find_collection(conn, scope, id)?;
    let count = collections::count_bookmarks(conn, collection.id)?;
    let pks = collections::bookmarked_chunks(conn, collection.id, PAGE_SIZE, offset)?;
    let mut found: HashMap<i64, ChunkMetadataWithFileData> =
        chunks::find_chunks_by_pk(conn, &pks)?.into_iter().collect();
    let bookmarks = pks
        .iter()
        .filter_map(|pk| found.remove(pk))
        .map(|chunk| BookmarkChunks {
            metadata: vec![chunk],
        })
        .collect();
    Ok(BookmarkData {
        bookmarks,
        collection,
        total_pages: total_pages(count),
    })
}

/// The collections each of these chunks is in; a chunk in none (or not in the dataset) is left
/// out, as Trieve did.
pub fn collections_of_chunks(
    conn: &Connection,
    scope: &DatasetScope,
    data: GetCollectionsForChunksData,
) -> AppResult<Vec<BookmarkCollectionResult>> {
    if data.chunk_ids.len() > MAX_CHUNKS_ASKED {
        return Err(AppError::invalid(
            "chunk_ids",
            format!("chunk_ids may name up to {MAX_CHUNKS_ASKED} chunks"),
        ));
    }
    let ids: Vec<ChunkId> = data.chunk_ids.into_iter().map(ChunkId::from).collect();
    let mut results: Vec<BookmarkCollectionResult> = Vec::new();
    for (chunk_id, collection) in collections::collections_of_chunks(conn, scope.id(), &ids)? {
        let slim = SlimCollection {
            of_current_user: collection.author_id == scope.caller().id(),
            id: collection.id,
            name: collection.name,
            author_id: collection.author_id,
        };
        match results.last_mut() {
            Some(last) if last.chunk_uuid == chunk_id => last.slim_collections.push(slim),
            _ => results.push(BookmarkCollectionResult {
                chunk_uuid: chunk_id,
                slim_collections: vec![slim],
            }),
        }
    }
    Ok(results)
}

/// `POST /api/chunk_collection/search`: the dataset's search (full-text, semantic or hybrid),
/// of the collection's chunks only.
pub fn search_collection(
    conn: &Connection,
    vectors: &VectorIndex,
    scope: &DatasetScope,
    id: CollectionId,
    search: Search,
    query_vector: Option<Vec<f32>>,
) -> AppResult<SearchCollectionsResult> {
    let collection = find_collection(conn, scope, id)?;
    let found = retrieval::search_dataset(
        conn,
        vectors,
        scope.id(),
        search.within_collection(collection.id),
        query_vector,
    )?;
    Ok(SearchCollectionsResult {
        bookmarks: found.score_chunks,
        collection,
        total_pages: found.total_chunk_pages,
    })
}
