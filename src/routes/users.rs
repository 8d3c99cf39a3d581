//! Trieve's `UserApi`, and the caller's key list.

use actix_web::web;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::accounts::{self, NewKeyRequest, UserUpdate};
use crate::auth::{Credentials, DatasetCredentials};
use crate::db::{api_keys, Database};
use crate::error::AppResult;
use crate::extract::Json;
use crate::models::{ApiKeyDto, File, SlimUser, UserDtoWithChunks};

#[derive(Serialize)]
struct NewKeyResponse {
    api_key: String,
}

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

#[derive(Deserialize)]
struct DeleteKeyRequest {
    api_key_id: Uuid,
}

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
