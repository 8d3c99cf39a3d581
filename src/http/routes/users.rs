//! Trieve's `UserApi`, and the caller's key list: `/api/user`.

use actix_web::web;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::{Db, Secret};
use crate::domain::collections;
use crate::domain::error::AppResult;
use crate::domain::grants::{Caller, DatasetReader, Write};
use crate::domain::keys::{self, NewKeyRequest};
use crate::domain::profile::{self, UserUpdate};
use crate::domain::user_data;
use crate::http::auth::Auth;
use crate::http::extract::Json;
use crate::http::openapi::{DatasetHeader, JsonBody, OptionalDatasetHeader, OrganizationHeader};
use crate::http::v1;
use crate::http::v1::collections::CollectionData;
use crate::http::v1::files::File;
use crate::http::v1::users::ApiKeyDto;
use crate::http::v1::users::SlimUser;
use crate::http::v1::users::UserDtoWithChunks;
use crate::types::ids::{KeyId, UserId};

#[derive(OpenApi)]
#[openapi(paths(
    set_api_key,
    delete_api_key,
    get_api_keys,
    update_user,
    user_files,
    user_collections,
    user_with_chunks
))]
pub struct UserApi;

pub fn configure(cfg: &mut web::ServiceConfig) {
    // The fixed paths first: `/{user_id}/{page}` would otherwise match `files/{id}`. `/files`
    // is a scope of its own, so that a request for a page is not matched against its pattern
    // (actix matches a pattern with a variable by regular expression: 5% of a page read).
    cfg.service(web::resource("").route(web::put().to(update_user)))
        .service(web::resource("/set_api_key").route(web::post().to(set_api_key)))
        .service(web::resource("/delete_api_key").route(web::delete().to(delete_api_key)))
        .service(web::resource("/get_api_key").route(web::get().to(get_api_keys)))
        .service(
            web::scope("/files")
                .service(web::resource("/{user_id}").route(web::get().to(user_files))),
        )
        .service(
            web::scope("/collections")
                .service(web::resource("/{user_id}/{page}").route(web::get().to(user_collections))),
        )
        .service(web::resource("/{user_id}/{page}").route(web::get().to(user_with_chunks)));
}

crate::error_responses! {
    StrongerKey => 403 "A read-only key, or a key asking for a stronger key than itself";
    NoSuchKey => 404 "The caller has no key with that id";
    NotAllowed => 403 "A read-only key, not a member, or not allowed to change that user or grant that role";
    NoSuchScope => 404 "No such organization or dataset";
    UsernameTaken => 409 "The username is taken";
    NoSuchUser => 404 "No such dataset or user in it";
}

#[derive(Serialize, ToSchema)]
struct NewKeyResponse {
    /// The new key, shown this once.
    api_key: String,
}

/// Create an API key for the caller
///
/// The key is shown once, in this answer. A key cannot create a key stronger than itself: not a
/// higher role, not a later expiry.
#[utoipa::path(post, path = "/set_api_key", request_body = NewKeyRequest,
    responses((status = 200, description = "The new key", body = NewKeyResponse), Write<Caller>, JsonBody, StrongerKey))]
async fn set_api_key(
    db: Db,
    auth: Auth<Write<Caller>>,
    body: Json<NewKeyRequest>,
) -> AppResult<Secret<NewKeyResponse>> {
    let request = body.into_inner();
    auth.write(&db, move |tx, caller| {
        keys::create_api_key(tx, &caller, &request)
    })
    .await
    .map(|api_key| Secret(NewKeyResponse { api_key }))
}

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"api_key_id": "7c4a3b2e-1d0f-4e9a-8b7c-6d5e4f3a2b1c"}))]
struct DeleteKeyRequest {
    /// One of the caller's keys.
    api_key_id: KeyId,
}

/// Delete one of the caller's API keys
///
/// Deleting the key in use is allowed; that key is refused from then on.
#[utoipa::path(delete, path = "/delete_api_key", request_body = DeleteKeyRequest,
    responses((status = 200, description = "The caller's remaining keys", body = Vec<ApiKeyDto>), Write<Caller>, JsonBody, NoSuchKey))]
async fn delete_api_key(
    db: Db,
    auth: Auth<Write<Caller>>,
    body: Json<DeleteKeyRequest>,
) -> AppResult<web::Json<Vec<ApiKeyDto>>> {
    let key_id = body.into_inner().api_key_id;
    auth.write(&db, move |tx, caller| {
        keys::delete_api_key(tx, &caller, key_id)
    })
    .await
    .map(v1::json_each)
}

/// The caller's API keys (never the keys themselves)
#[utoipa::path(get, path = "/get_api_key", responses(
    (status = 200, description = "The caller's keys", body = Vec<ApiKeyDto>, links(
        ("DeleteKey" = (operation_id = "delete_api_key", request_body = json!({"api_key_id": "$response.body#/0/id"}))))),
    Caller))]
async fn get_api_keys(db: Db, auth: Auth<Caller>) -> AppResult<web::Json<Vec<ApiKeyDto>>> {
    auth.read(&db, |conn, caller| keys::list_api_keys(conn, &caller))
        .await
        .map(v1::json_each)
}

/// Update the caller's or a member's profile and role
///
/// Without `user_id` the caller is updated. With another `user_id`, the caller must be admin or
/// owner of the organization and the target a member of it. The organization is
/// TR-Organization, else TR-Dataset's, else the caller's only one. `role` may not exceed the
/// caller's; the last owner cannot lose the owner role. A username is unique (409); a user
/// without a username must keep `visible_email` true. Absent or null fields keep their value.
#[utoipa::path(put, path = "", params(OrganizationHeader, OptionalDatasetHeader), request_body = UserUpdate,
    responses((status = 200, description = "The updated user", body = SlimUser),
        Write<Caller>, JsonBody, NotAllowed, NoSuchScope, UsernameTaken))]
async fn update_user(
    db: Db,
    auth: Auth<Write<Caller>>,
    body: Json<UserUpdate>,
) -> AppResult<web::Json<SlimUser>> {
    let (update, headers) = (body.into_inner(), auth.headers());
    auth.write(&db, move |tx, caller| {
        profile::update_user(tx, caller, headers, update)
    })
    .await
    .map(v1::json)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
struct UserPath {
    /// A member of the dataset's organization, or a user who left data in it.
    user_id: UserId,
}

/// A member's files in the dataset, newest first
#[utoipa::path(get, path = "/files/{user_id}", params(UserPath, DatasetHeader),
    responses((status = 200, description = "The user's files", body = Vec<File>), DatasetReader, NoSuchUser))]
async fn user_files(
    db: Db,
    auth: Auth<DatasetReader>,
    path: web::Path<UserPath>,
) -> AppResult<web::Json<Vec<File>>> {
    let user_id = path.user_id;
    auth.read(&db, move |conn, reader| {
        user_data::user_files(conn, &reader, user_id)
    })
    .await
    .map(v1::json_each)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
struct UserPagePath {
    /// A member of the dataset's organization, or a user who left data in it.
    user_id: UserId,
    /// 1 or more.
    #[param(minimum = 1)]
    page: i64,
}

/// A member with one page of their chunks in the dataset
///
/// 10 chunks a page, page 1 first, `updated_at` newest first; a page past the end has no
/// chunks. `email` is null unless `visible_email`. A page below 1 is a 400.
#[utoipa::path(get, path = "/{user_id}/{page}", params(UserPagePath, DatasetHeader),
    responses((status = 200, description = "The user and the page of chunks", body = UserDtoWithChunks),
        DatasetReader, NoSuchUser))]
async fn user_with_chunks(
    db: Db,
    auth: Auth<DatasetReader>,
    path: web::Path<UserPagePath>,
) -> AppResult<web::Json<UserDtoWithChunks>> {
    let UserPagePath { user_id, page } = path.into_inner();
    let work = move |conn: &rusqlite::Connection, reader: DatasetReader| {
        user_data::user_with_chunks(conn, &reader, user_id, page)
    };
    if user_data::is_deep(page) {
        auth.read_costly(&db, work).await
    } else {
        auth.read(&db, work).await
    }
    .map(v1::json)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
struct CollectionsPagePath {
    /// Any user: their collections in the dataset (none for a user who made none).
    user_id: UserId,
    /// 1 first; 0 is 1.
    #[param(minimum = 0)]
    page: i64,
}

/// A user's collections in the dataset
///
/// Ten a page, newest first. Any member of the dataset's organization.
#[utoipa::path(get, path = "/collections/{user_id}/{page}", params(CollectionsPagePath, DatasetHeader),
    responses((status = 200, description = "A page of the user's collections", body = CollectionData),
        DatasetReader))]
async fn user_collections(
    db: Db,
    auth: Auth<DatasetReader>,
    path: web::Path<CollectionsPagePath>,
) -> AppResult<web::Json<CollectionData>> {
    let CollectionsPagePath { user_id, page } = path.into_inner();
    auth.read(&db, move |conn, reader| {
        collections::collections_of_user(conn, &reader, user_id, page)
    })
    .await
    .map(v1::json)
}
