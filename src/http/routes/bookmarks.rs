//! Trieve's `ChunkCollectionApi.delete_bookmark`: a chunk taken out of a collection, at
//! `/api/bookmark` (the rest of the collections' calls are in collections.rs).

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi};

use super::Db;
use crate::domain::collections;
use crate::domain::error::AppResult;
use crate::domain::grants::{DatasetReader, Write};
use crate::http::auth::Auth;
use crate::http::openapi::DatasetHeader;
use crate::types::ids::{ChunkId, CollectionId};

#[derive(OpenApi)]
#[openapi(paths(delete_bookmark))]
pub struct BookmarkApi;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/{collection_id}/{bookmark_id}").route(web::delete().to(delete_bookmark)),
    );
}

crate::error_responses! {
    NotYours => 403 "A read-only key, not a member, or neither the collection's author nor an admin or owner";
    NotBookmarked => 404 "No such dataset or collection in it, or the chunk is not in the collection";
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
struct BookmarkPath {
    /// The collection's id.
    collection_id: CollectionId,
    /// The bookmarked chunk's id.
    bookmark_id: ChunkId,
}

/// Take a chunk out of a collection
///
/// The collection's author, or an admin or owner. The chunk stays in the dataset.
#[utoipa::path(delete, path = "/{collection_id}/{bookmark_id}", params(BookmarkPath, DatasetHeader),
    responses((status = 204, description = "Taken out"), Write<DatasetReader>, NotYours, NotBookmarked))]
async fn delete_bookmark(
    db: Db,
    auth: Auth<Write<DatasetReader>>,
    path: web::Path<BookmarkPath>,
) -> AppResult<HttpResponse> {
    let BookmarkPath {
        collection_id,
        bookmark_id,
    } = path.into_inner();
    auth.write(&db, move |tx, member| {
        collections::remove_bookmark(tx, &member, collection_id, bookmark_id)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
