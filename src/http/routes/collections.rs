//! Trieve's `ChunkCollectionApi`: collections of the `TR-Dataset`'s chunks, at
//! `/api/chunk_collection` (a bookmark's removal is at `/api/bookmark`, in bookmarks.rs, and a
//! user's collections at `/api/user/collections`, in users.rs).

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi};

use super::chunks::EmbeddingUnusable;
use super::with_query_vector;
use super::Db;
use crate::domain::collections::{
    self, AddChunkToCollectionData, CollectionChanges, CreateChunkCollectionData,
    GetCollectionsForChunksData, NewCollection, UpdateChunkCollectionData,
};
use crate::domain::error::AppResult;
use crate::domain::grants::{DatasetReader, Write};
use crate::domain::retrieval::{Search, SearchCollectionsData};
use crate::domain::user_data;
use crate::http::auth::Auth;
use crate::http::extract::Json;
use crate::http::openapi::{DatasetHeader, JsonBody};
use crate::http::v1;
use crate::http::v1::collections::{
    BookmarkCollectionResult, BookmarkData, ChunkCollection, CollectionData,
    SearchCollectionsResult,
};
use crate::outside::embedding::Embeddings;
use crate::types::ids::{ChunkId, CollectionId};

#[derive(OpenApi)]
#[openapi(paths(
    create_chunk_collection,
    update_chunk_collection,
    collections_of_chunks,
    search_collections,
    own_collections,
    add_bookmark,
    delete_chunk_collection,
    get_all_bookmarks
))]
pub struct CollectionApi;

pub fn configure(cfg: &mut web::ServiceConfig) {
    // Literal paths before `/{collection_id}`. One pattern serves a page of the caller's
    // collections (GET, documented as `/{page}`) and a collection (POST, DELETE): actix answers
    // 405 rather than try the next resource when a path matches and its method does not.
    cfg.service(
        web::resource("")
            .route(web::post().to(create_chunk_collection))
            .route(web::put().to(update_chunk_collection)),
    )
    .service(web::resource("/bookmark").route(web::post().to(collections_of_chunks)))
    .service(web::resource("/search").route(web::post().to(search_collections)))
    .service(
        web::resource("/{collection_id}")
            .route(web::get().to(own_collections))
            .route(web::post().to(add_bookmark))
            .route(web::delete().to(delete_chunk_collection)),
    )
    .service(web::resource("/{collection_id}/{page}").route(web::get().to(get_all_bookmarks)));
}

crate::error_responses! {
    NoSuchCollection => 404 "No such dataset, or no such collection in it";
    NotYours => 403 "A read-only key, not a member, or neither the collection's author nor an admin or owner";
    NoSuchCollectionOrChunk => 404 "No such dataset, collection, or chunk in it";
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
struct CollectionPath {
    /// The collection's id.
    collection_id: CollectionId,
}

/// The page's path as documented; the handler reads it by position, the pattern being shared.
#[derive(IntoParams)]
#[into_params(parameter_in = Path)]
#[allow(dead_code)]
struct PagePath {
    /// 1 first; 0 is 1.
    #[param(minimum = 0)]
    page: i64,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
struct CollectionPagePath {
    /// The collection's id.
    collection_id: CollectionId,
    /// 1 first; 0 is 1.
    #[param(minimum = 0)]
    page: i64,
}

/// Create a collection
///
/// Any member of the dataset's organization, with a read-write key; the caller is its author.
#[utoipa::path(post, path = "", params(DatasetHeader), request_body = CreateChunkCollectionData,
    responses((status = 200, description = "The collection", body = ChunkCollection),
        Write<DatasetReader>, JsonBody))]
async fn create_chunk_collection(
    db: Db,
    auth: Auth<Write<DatasetReader>>,
    body: Json<CreateChunkCollectionData>,
) -> AppResult<web::Json<ChunkCollection>> {
    let new = NewCollection::parse(&body.into_inner())?;
    auth.write(&db, move |tx, member| {
        collections::create_collection(tx, &member, new)
    })
    .await
    .map(v1::json)
}

/// Rename a collection or change its description
///
/// Its author, or an admin or owner. What is absent (or null) stays.
#[utoipa::path(put, path = "", params(DatasetHeader), request_body = UpdateChunkCollectionData,
    responses((status = 204, description = "Changed"), Write<DatasetReader>, NotYours, NoSuchCollection, JsonBody))]
async fn update_chunk_collection(
    db: Db,
    auth: Auth<Write<DatasetReader>>,
    body: Json<UpdateChunkCollectionData>,
) -> AppResult<HttpResponse> {
    let changes = CollectionChanges::parse(&body.into_inner())?;
    auth.write(&db, move |tx, member| {
        collections::update_collection(tx, &member, changes)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Delete a collection
///
/// Its author, or an admin or owner. Its chunks stay.
#[utoipa::path(delete, path = "/{collection_id}", params(CollectionPath, DatasetHeader),
    responses((status = 204, description = "Deleted"), Write<DatasetReader>, NotYours, NoSuchCollection))]
async fn delete_chunk_collection(
    db: Db,
    auth: Auth<Write<DatasetReader>>,
    path: web::Path<CollectionPath>,
) -> AppResult<HttpResponse> {
    let id = path.collection_id;
    auth.write(&db, move |tx, member| {
        collections::delete_collection(tx, &member, id)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Bookmark a chunk in a collection
///
/// Its author, or an admin or owner; a chunk of the same dataset. Bookmarking a chunk twice is
/// no error.
#[utoipa::path(post, path = "/{collection_id}", params(CollectionPath, DatasetHeader),
    request_body = AddChunkToCollectionData,
    responses((status = 204, description = "Bookmarked"), Write<DatasetReader>, NotYours, NoSuchCollectionOrChunk, JsonBody))]
async fn add_bookmark(
    db: Db,
    auth: Auth<Write<DatasetReader>>,
    path: web::Path<CollectionPath>,
    body: Json<AddChunkToCollectionData>,
) -> AppResult<HttpResponse> {
    let (id, chunk_id) = (
        path.collection_id,
        ChunkId::from(body.into_inner().chunk_id),
    );
    auth.write(&db, move |tx, member| {
        collections::add_bookmark(tx, &member, id, chunk_id)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The caller's collections
///
/// Ten a page, newest first.
#[utoipa::path(get, path = "/{page}", params(PagePath, DatasetHeader),
    responses((status = 200, description = "A page of the caller's collections", body = CollectionData),
        DatasetReader))]
async fn own_collections(
    db: Db,
    auth: Auth<DatasetReader>,
    path: web::Path<(i64,)>,
) -> AppResult<web::Json<CollectionData>> {
    let page = path.into_inner().0;
    auth.read(&db, move |conn, reader| {
        let caller = reader.caller().id();
        collections::collections_of_user(conn, &reader, caller, page)
    })
    .await
    .map(v1::json)
}

/// A collection's chunks
///
/// Ten a page, most recently bookmarked first.
#[utoipa::path(get, path = "/{collection_id}/{page}", params(CollectionPagePath, DatasetHeader),
    responses((status = 200, description = "The collection and a page of its chunks", body = BookmarkData),
        DatasetReader, NoSuchCollection))]
async fn get_all_bookmarks(
    db: Db,
    auth: Auth<DatasetReader>,
    path: web::Path<CollectionPagePath>,
) -> AppResult<web::Json<BookmarkData>> {
    let CollectionPagePath {
        collection_id,
        page,
    } = path.into_inner();
    let work = move |conn: &rusqlite::Connection, reader: DatasetReader| {
        collections::bookmarks(conn, &reader, collection_id, page)
    };
    if user_data::is_deep(page) {
        auth.read_costly(&db, work).await
    } else {
        auth.read(&db, work).await
    }
    .map(v1::json)
}

/// The collections some chunks are in
///
/// Up to 1,000 chunk ids; a chunk in no collection (or not in the dataset) is left out.
#[utoipa::path(post, path = "/bookmark", params(DatasetHeader), request_body = GetCollectionsForChunksData,
    responses((status = 200, description = "Each chunk's collections", body = Vec<BookmarkCollectionResult>),
        DatasetReader, JsonBody))]
async fn collections_of_chunks(
    db: Db,
    auth: Auth<DatasetReader>,
    body: Json<GetCollectionsForChunksData>,
) -> AppResult<web::Json<Vec<BookmarkCollectionResult>>> {
    let data = body.into_inner();
    auth.read(&db, move |conn, reader| {
        collections::collections_of_chunks(conn, &reader, data)
    })
    .await
    .map(v1::json_each)
}

/// Search a collection's chunks
///
/// The search of `POST /api/chunk/search` (full-text, semantic or hybrid, with its filters and
/// paging), of the collection's chunks only.
#[utoipa::path(post, path = "/search", params(DatasetHeader), request_body = SearchCollectionsData,
    responses((status = 200, description = "The collection and a page of results, best first", body = SearchCollectionsResult),
        DatasetReader, NoSuchCollection, JsonBody, EmbeddingUnusable))]
async fn search_collections(
    db: Db,
    embeddings: web::Data<Embeddings>,
    auth: Auth<DatasetReader>,
    body: Json<SearchCollectionsData>,
) -> AppResult<web::Json<SearchCollectionsResult>> {
    let (collection_id, data) = body.into_inner().split();
    let parsed = Search::parse(data);
    let (search, query_vector) = with_query_vector(&db, &embeddings, &auth, parsed).await?;
    let vectors = db.vectors();
    auth.read_costly(&db, move |conn, reader| {
        collections::search_collection(conn, &vectors, &reader, collection_id, search, query_vector)
    })
    .await
    .map(v1::json)
}
