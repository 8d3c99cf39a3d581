//! Trieve's `AuthApi`: the caller, at `/api/auth`.

use actix_web::web;
use utoipa::OpenApi;

use super::Db;
use crate::auth::Auth;
use crate::domain::grants::Caller;
use crate::domain::members::slim_user;
use crate::error::AppResult;
use crate::models::SlimUser;

#[derive(OpenApi)]
#[openapi(paths(me))]
pub struct AuthApi;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/me").route(web::get().to(me)));
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
    auth.read(&db, |conn, caller| {
        slim_user(conn, caller.into_user(), None)
    })
    .await
    .map(web::Json)
}
