//! Trieve's `UserApi`, and the caller's key list.

use actix_web::web;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::accounts::{self, NewKeyRequest, UserUpdate};
use crate::auth::{Credentials, DatasetCredentials};
use crate::db::{api_keys, Database};
use crate::error::{AppResult, ErrorBody};
use crate::extract::Json;
use crate::models::{ApiKeyDto, File, SlimUser, UserDtoWithChunks};
use crate::openapi::{
    Busy, DatasetHeader, Internal, OptionalDatasetHeader, OrganizationHeader, Timeout, TooLarge,
    Unauthorized,
};

#[derive(Serialize, ToSchema)]
struct NewKeyResponse {
    /// The new key, shown this once.
    api_key: String,
}

#[utoipa::path(
    post,
    path = "/api/user/set_api_key",
    tag = "user",
    summary = "Create an API key for the caller",
    description = "The key is shown once, in this answer. A key cannot create a key stronger than itself: not a higher role, not a later expiry.",
    security(("ApiKey" = []), ("XApiKey" = [])),
    request_body(content = NewKeyRequest, example = json!({"name": "ci", "role": 1})),
    responses(
        (status = 200, description = "The new key", body = NewKeyResponse),
        (status = 400, description = "An invalid body (name, role or expires_at) or a malformed header", body = ErrorBody),
        (status = 401, response = Unauthorized),
        (status = 403, description = "A read-only key, or a key asking for a stronger key than itself", body = ErrorBody),
        (status = 408, response = Timeout),
        (status = 413, response = TooLarge),
        (status = 500, response = Internal),
        (status = 503, response = Busy),
    )
)]
async fn set_api_key(
    db: web::Data<Database>,
    credentials: Credentials,
    body: Json<NewKeyRequest>,
) -> AppResult<web::Json<NewKeyResponse>> {
    let request = body.into_inner();
    db.write(move |tx| {
        let caller = credentials.authenticate(tx)?;
        accounts::create_api_key(tx, &caller, &request)
    })
    .await
    .map(|api_key| web::Json(NewKeyResponse { api_key }))
}

#[derive(Deserialize, ToSchema)]
struct DeleteKeyRequest {
    /// One of the caller's keys.
    api_key_id: Uuid,
}

#[utoipa::path(
    delete,
    path = "/api/user/delete_api_key",
    tag = "user",
    summary = "Delete one of the caller's API keys",
    description = "Deleting the key in use is allowed; that key is refused from then on.",
    security(("ApiKey" = []), ("XApiKey" = [])),
    request_body(
        content = DeleteKeyRequest,
        example = json!({"api_key_id": "7c4a3b2e-1d0f-4e9a-8b7c-6d5e4f3a2b1c"})
    ),
    responses(
        (status = 200, description = "The caller's remaining keys", body = Vec<ApiKeyDto>),
        (status = 400, description = "An invalid body or a malformed header", body = ErrorBody),
        (status = 401, response = Unauthorized),
        (status = 403, description = "A read-only key", body = ErrorBody),
        (status = 404, description = "The caller has no key with that id", body = ErrorBody),
        (status = 408, response = Timeout),
        (status = 413, response = TooLarge),
        (status = 500, response = Internal),
        (status = 503, response = Busy),
    )
)]
async fn delete_api_key(
    db: web::Data<Database>,
    credentials: Credentials,
    body: Json<DeleteKeyRequest>,
) -> AppResult<web::Json<Vec<ApiKeyDto>>> {
    let key_id = body.into_inner().api_key_id.to_string();
    db.write(move |tx| {
        let caller = credentials.authenticate(tx)?;
        accounts::delete_api_key(tx, &caller, &key_id)
    })
    .await
    .map(web::Json)
}

#[utoipa::path(
    get,
    path = "/api/user/get_api_key",
    tag = "user",
    summary = "The caller's API keys (never the keys themselves)",
    security(("ApiKey" = []), ("XApiKey" = [])),
    responses(
        (status = 200, description = "The caller's keys", body = Vec<ApiKeyDto>,
            links(
                ("DeleteKey" = (operation_id = "delete_api_key", request_body = json!({"api_key_id": "$response.body#/0/id"}))),
            )
        ),
        (status = 400, description = "A malformed TR-Dataset or TR-Organization header", body = ErrorBody),
        (status = 401, response = Unauthorized),
        (status = 500, response = Internal),
        (status = 503, response = Busy),
    )
)]
async fn get_api_keys(
    db: web::Data<Database>,
    credentials: Credentials,
) -> AppResult<web::Json<Vec<ApiKeyDto>>> {
    db.read(move |conn| {
        let caller = credentials.authenticate(conn)?;
        api_keys::list_keys_of_user(conn, &caller.user.id)
    })
    .await
    .map(web::Json)
}

#[utoipa::path(
    put,
    path = "/api/user",
    tag = "user",
    summary = "Update the caller's or a member's profile and role",
    description = "Without `user_id` the caller is updated. With another `user_id`, the caller must be admin or owner of the organization and the target a member of it. The organization is TR-Organization, else TR-Dataset's, else the caller's only one. `role` may not exceed the caller's; the last owner cannot lose the owner role. A username is unique (409); a user without a username must keep `visible_email` true. Absent or null fields keep their value.",
    security(("ApiKey" = []), ("XApiKey" = [])),
    params(
        OrganizationHeader,
        OptionalDatasetHeader,
    ),
    request_body(
        content = UserUpdate,
        example = json!({"name": "Ada Lovelace", "username": "ada", "website": "https://example.com", "visible_email": true})
    ),
    responses(
        (status = 200, description = "The updated user", body = SlimUser),
        (status = 400, description = "An invalid body or header, or no organization named where one is needed", body = ErrorBody),
        (status = 401, response = Unauthorized),
        (status = 403, description = "A read-only key, not a member, or not allowed to change that user or grant that role", body = ErrorBody),
        (status = 404, description = "No such organization or dataset", body = ErrorBody),
        (status = 408, response = Timeout),
        (status = 413, response = TooLarge),
        (status = 409, description = "The username is taken", body = ErrorBody),
        (status = 500, response = Internal),
        (status = 503, response = Busy),
    )
)]
async fn update_user(
    db: web::Data<Database>,
    credentials: Credentials,
    body: Json<UserUpdate>,
) -> AppResult<web::Json<SlimUser>> {
    let update = body.into_inner();
    db.write(move |tx| {
        let caller = credentials.authenticate(tx)?;
        accounts::update_user(tx, caller, &credentials, update)
    })
    .await
    .map(web::Json)
}

#[utoipa::path(
    get,
    path = "/api/user/files/{user_id}",
    tag = "user",
    summary = "A member's files in the dataset, newest first",
    security(("ApiKey" = []), ("XApiKey" = [])),
    params(
        ("user_id" = uuid::Uuid, Path, description = "A member of the dataset's organization"),
        DatasetHeader,
    ),
    responses(
        (status = 200, description = "The user's files", body = Vec<File>),
        (status = 400, description = "A malformed user_id or header, or no TR-Dataset", body = ErrorBody),
        (status = 401, response = Unauthorized),
        (status = 403, description = "Not a member of the dataset's organization", body = ErrorBody),
        (status = 404, description = "No such dataset or user in it", body = ErrorBody),
        (status = 500, response = Internal),
        (status = 503, response = Busy),
    )
)]
async fn user_files(
    db: web::Data<Database>,
    credentials: DatasetCredentials,
    path: web::Path<Uuid>,
) -> AppResult<web::Json<Vec<File>>> {
    let user_id = path.into_inner().to_string();
    db.read(move |conn| {
        let scope = credentials.authenticate(conn)?;
        accounts::user_files(conn, &scope, &user_id)
    })
    .await
    .map(web::Json)
}

#[utoipa::path(
    get,
    path = "/api/user/{user_id}/{page}",
    tag = "user",
    summary = "A member with one page of their chunks in the dataset",
    description = "10 chunks a page, page 1 first, `updated_at` newest first; a page past the end has no chunks. `email` is null unless `visible_email`.",
    security(("ApiKey" = []), ("XApiKey" = [])),
    params(
        ("user_id" = uuid::Uuid, Path, description = "A member of the dataset's organization"),
        ("page" = i64, Path, minimum = 1, description = "1 or more"),
        DatasetHeader,
    ),
    responses(
        (status = 200, description = "The user and the page of chunks", body = UserDtoWithChunks),
        (status = 400, description = "A malformed user_id, page or header, a page below 1, or no TR-Dataset", body = ErrorBody),
        (status = 401, response = Unauthorized),
        (status = 403, description = "Not a member of the dataset's organization", body = ErrorBody),
        (status = 404, description = "No such dataset or user in it", body = ErrorBody),
        (status = 500, response = Internal),
        (status = 503, response = Busy),
    )
)]
async fn user_with_chunks(
    db: web::Data<Database>,
    credentials: DatasetCredentials,
    path: web::Path<(Uuid, i64)>,
) -> AppResult<web::Json<UserDtoWithChunks>> {
    let (user_id, page) = path.into_inner();
    db.read(move |conn| {
        let scope = credentials.authenticate(conn)?;
        accounts::user_with_chunks(conn, &scope, &user_id.to_string(), page)
    })
    .await
    .map(web::Json)
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    // The fixed paths first: `/api/user/{user_id}/{page}` would otherwise match `files/{id}`.
    cfg.service(web::resource("/api/user").route(web::put().to(update_user)))
        .service(web::resource("/api/user/set_api_key").route(web::post().to(set_api_key)))
        .service(web::resource("/api/user/delete_api_key").route(web::delete().to(delete_api_key)))
        .service(web::resource("/api/user/get_api_key").route(web::get().to(get_api_keys)))
        .service(web::resource("/api/user/files/{user_id}").route(web::get().to(user_files)))
        .service(
            web::resource("/api/user/{user_id}/{page}").route(web::get().to(user_with_chunks)),
        );
}
