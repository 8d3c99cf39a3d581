//! Trieve's `AuthApi`: the caller, at `/api/auth`.

use actix_web::{web, HttpResponse};
use utoipa::OpenApi;

use super::Db;
use crate::domain::error::{AppError, AppResult};
use crate::domain::grants::Caller;
use crate::domain::members::profile;
use crate::http::auth::Auth;
use crate::http::openapi::Public;
use crate::http::v1;
use crate::http::v1::users::SlimUser;

#[derive(OpenApi)]
#[openapi(paths(me, logout, login, callback))]
pub struct AuthApi;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/me").route(web::get().to(me)))
        .service(
            web::resource("")
                .route(web::delete().to(logout))
                .route(web::get().to(login)),
        )
        .service(web::resource("/callback").route(web::get().to(callback)));
}

crate::error_responses! {
    NoSignIn => 501 "trieve-lite has no sign-in: every request carries an API key";
}

/// Sign out
///
/// API keys are not sessions: there is nothing to end, and the answer is always 204. To stop a
/// key from working, revoke it (`DELETE /api/user/delete_api_key`).
#[utoipa::path(delete, path = "", security(()), responses((status = 204, description = "Done"), Public))]
async fn logout() -> HttpResponse {
    HttpResponse::NoContent().finish()
}

/// OpenID Connect sign-in: not offered
#[utoipa::path(get, path = "", security(()), responses(NoSignIn, Public))]
async fn login() -> AppResult<HttpResponse> {
    Err(no_sign_in())
}

/// OpenID Connect callback: not offered
#[utoipa::path(get, path = "/callback", security(()), responses(NoSignIn, Public))]
async fn callback() -> AppResult<HttpResponse> {
    Err(no_sign_in())
}

fn no_sign_in() -> AppError {
    AppError::NotOffered(
        "trieve-lite has no sign-in (OIDC): send an API key in the Authorization header. \
         Create one on the admin page, or for a new user with `trieve-lite user add`."
            .into(),
    )
}

/// The caller, with all their organizations
#[utoipa::path(
    get,
    path = "/me",
    responses(
        (status = 200, description = "The caller", body = SlimUser,
            links(
                ("Organization" = (operation_id = "get_organization", parameters(("organization_id" = "$response.body#/orgs/0/id")))),
                ("Members" = (operation_id = "list_members", parameters(("organization_id" = "$response.body#/orgs/0/id")))),
                ("Datasets" = (operation_id = "list_datasets", parameters(("organization_id" = "$response.body#/orgs/0/id")))),
                ("AddMember" = (operation_id = "add_member", parameters(("organization_id" = "$response.body#/orgs/0/id")))),
                ("CreateDataset" = (operation_id = "create_dataset", request_body = json!({"organization_id": "$response.body#/orgs/0/id"}))),
                ("Chunks" = (operation_id = "user_with_chunks", parameters(("user_id" = "$response.body#/id"), ("page" = serde_json::json!(1))))),
                ("Files" = (operation_id = "user_files", parameters(("user_id" = "$response.body#/id")))),
            )
        ),
        Caller,
    )
)]
async fn me(db: Db, auth: Auth<Caller>) -> AppResult<web::Json<SlimUser>> {
    auth.read(&db, |conn, caller| profile(conn, caller.into_user(), None))
        .await
        .map(v1::json)
}
