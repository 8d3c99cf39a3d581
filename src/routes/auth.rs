use actix_web::web;

use crate::accounts;
use crate::auth::Credentials;
use crate::db::Database;
use crate::error::{AppResult, ErrorBody};
use crate::models::SlimUser;
use crate::openapi::{Busy, Internal, Unauthorized};

/// `GET /api/auth/me`: the caller, with all their organizations.
#[utoipa::path(
    get,
    path = "/api/auth/me",
    tag = "auth",
    summary = "The caller, with all their organizations",
    security(("ApiKey" = []), ("XApiKey" = [])),
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
        (status = 400, description = "A malformed TR-Dataset or TR-Organization header", body = ErrorBody),
        (status = 401, response = Unauthorized),
        (status = 500, response = Internal),
        (status = 503, response = Busy),
    )
)]
async fn me(db: web::Data<Database>, credentials: Credentials) -> AppResult<web::Json<SlimUser>> {
    db.read(move |conn| {
        let caller = credentials.authenticate(conn)?;
        accounts::slim_user(conn, caller.user, None)
    })
    .await
    .map(web::Json)
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/auth/me").route(web::get().to(me)));
}
