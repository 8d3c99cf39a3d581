//! Collections: a member's named sets of a dataset's chunks (bookmarks). The organization's
//! members see every collection of its datasets; the author, or an admin or owner, changes one.

use std::collections::HashMap;

use rusqlite::Connection;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::db::chunks::{self, ChunkWithFileRow};
use crate::db::collections::{self, CollectionRow};
use crate::db::vector_index::VectorIndex;
use crate::domain::error::{AppError, AppResult};
use crate::domain::grants::{DatasetAdmin, DatasetReader, DatasetScope, Write};
use crate::domain::retrieval::SearchPage;
use crate::domain::retrieval::{self, Search};
use crate::types::fields::bounded_text;
use crate::types::ids::{ChunkId, CollectionId, UserId};
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

/// A page of a user's collections.
#[derive(Debug)]
pub struct CollectionPage {
    pub collections: Vec<CollectionRow>,
    pub total_pages: i64,
}

/// A page of a collection's chunks.
#[derive(Debug)]
pub struct BookmarkPage {
    pub chunks: Vec<ChunkWithFileRow>,
    pub collection: CollectionRow,
    pub total_pages: i64,
}

/// The collections one chunk is in, each with whether the caller made it.
#[derive(Debug)]
pub struct CollectionsOfChunk {
    pub chunk_id: ChunkId,
    pub collections: Vec<(CollectionRow, bool)>,
}

/// A page of a search within a collection.
#[derive(Debug)]
pub struct CollectionSearchPage {
    pub found: SearchPage,
    pub collection: CollectionRow,
}

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
) -> AppResult<CollectionRow> {
    collections::find_collection(conn, scope.id(), id)?
        .ok_or_else(|| AppError::NotFound("No collection with that id in this dataset".into()))
}

/// A collection the caller may change: its author, or an admin or owner (403 otherwise).
fn collection_to_change(
    conn: &Connection,
    member: &Write<DatasetReader>,
    id: CollectionId,
) -> AppResult<CollectionRow> {
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
) -> AppResult<CollectionRow> {
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
) -> AppResult<CollectionRow> {
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
fn bookmark(conn: &Connection, collection: &CollectionRow, chunk_id: ChunkId) -> AppResult<()> {
    let (pk, _) = chunks::find_chunk_text(conn, collection.dataset_id, chunk_id)?
        .ok_or_else(|| AppError::NotFound("No chunk with that id in this dataset".into()))?;
    collections::insert_bookmark(conn, collection.id, pk)?;
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
    writer: &Write<DatasetAdmin>,
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
) -> AppResult<CollectionPage> {
    let offset = page_offset(page)?;
    let count = collections::count_collections_by_author(conn, scope.id(), user_id)?;
    let collections =
        collections::list_collections_by_author(conn, scope.id(), user_id, PAGE_SIZE, offset)?;
    Ok(CollectionPage {
        collections,
        total_pages: total_pages(count),
    })
}

/// A page of a collection's chunks, most recently bookmarked first.
pub fn bookmarks(
    conn: &Connection,
    scope: &DatasetScope,
    id: CollectionId,
    page: i64,
) -> AppResult<BookmarkPage> {
    let offset = page_offset(page)?;
    let collection = find_collection(conn, scope, id)?;
    let count = collections::count_bookmarks(conn, collection.id)?;
    let pks = collections::bookmarked_chunks(conn, collection.id, PAGE_SIZE, offset)?;
    let mut found: HashMap<i64, ChunkWithFileRow> =
        chunks::find_chunks_by_pk(conn, &pks)?.into_iter().collect();
    let chunks = pks.iter().filter_map(|pk| found.remove(pk)).collect();
    Ok(BookmarkPage {
        chunks,
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
) -> AppResult<Vec<CollectionsOfChunk>> {
    if data.chunk_ids.len() > MAX_CHUNKS_ASKED {
        return Err(AppError::invalid(
            "chunk_ids",
            format!("chunk_ids may name up to {MAX_CHUNKS_ASKED} chunks"),
        ));
    }
    let ids: Vec<ChunkId> = data.chunk_ids.into_iter().map(ChunkId::from).collect();
    let mut results: Vec<CollectionsOfChunk> = Vec::new();
    for (chunk_id, collection) in collections::find_collections_of_chunks(conn, scope.id(), &ids)? {
        let of_caller = collection.author_id == scope.caller().id();
        match results.last_mut() {
            Some(last) if last.chunk_id == chunk_id => {
                last.collections.push((collection, of_caller))
            }
            _ => results.push(CollectionsOfChunk {
                chunk_id,
                collections: vec![(collection, of_caller)],
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
) -> AppResult<CollectionSearchPage> {
    let collection = find_collection(conn, scope, id)?;
    let found = retrieval::search_dataset(
        conn,
        vectors,
        scope.id(),
        search.within_collection(collection.id),
        query_vector,
    )?;
    Ok(CollectionSearchPage { found, collection })
}
