use actix_web::{web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::accounts::{self, NewMemberRequest};
use crate::auth::Credentials;
use crate::db::{users, Database};
use crate::error::{AppResult, ErrorBody};
use crate::extract::Json;
use crate::models::{Organization, Role, SlimUser};
use crate::openapi::{Busy, Internal, Timeout, TooLarge, Unauthorized};

/// `GET /api/organization/{organization_id}`: members only.
#[utoipa::path(
    get,
    path = "/api/organization/{organization_id}",
    tag = "organization",
    summary = "An organization",
    security(("ApiKey" = []), ("XApiKey" = [])),
    params(
        ("organization_id" = Uuid, Path, description = "The organization's id"),
    ),
    responses(
        (status = 200, description = "The organization", body = Organization),
        (status = 400, description = "A malformed organization_id or header", body = ErrorBody),
        (status = 401, response = Unauthorized),
        (status = 403, description = "Not a member of the organization", body = ErrorBody),
        (status = 404, description = "No such organization", body = ErrorBody),
        (status = 500, response = Internal),
        (status = 503, response = Busy),
    )
)]
async fn get_organization(
    db: web::Data<Database>,
    credentials: Credentials,
    path: web::Path<Uuid>,
) -> AppResult<web::Json<Organization>> {
    let organization_id = path.into_inner().to_string();
    db.read(move |conn| {
        let scope = credentials
            .authenticate(conn)?
            .in_organization(conn, &organization_id)?;
        Ok(scope.organization)
    })
    .await
    .map(web::Json)
}

#[utoipa::path(
    get,
    path = "/api/organization/users/{organization_id}",
    tag = "organization",
    summary = "An organization's members",
    security(("ApiKey" = []), ("XApiKey" = [])),
    params(
        ("organization_id" = Uuid, Path, description = "The organization's id"),
    ),
    responses(
        (status = 200, description = "The members, each with this organization's membership alone", body = Vec<SlimUser>),
        (status = 400, description = "A malformed organization_id or header", body = ErrorBody),
        (status = 401, response = Unauthorized),
        (status = 403, description = "Not an admin or owner of the organization", body = ErrorBody),
        (status = 404, description = "No such organization", body = ErrorBody),
        (status = 500, response = Internal),
        (status = 503, response = Busy),
    )
)]
/// `GET /api/organization/users/{organization_id}`: admins and owners only. Each member is shown
/// with this organization's membership alone.
async fn list_members(
    db: web::Data<Database>,
    credentials: Credentials,
    path: web::Path<Uuid>,
) -> AppResult<web::Json<Vec<SlimUser>>> {
    let organization_id = path.into_inner().to_string();
    db.read(move |conn| {
        let scope = credentials
            .authenticate(conn)?
            .in_organization(conn, &organization_id)?;
        scope.require(Role::Admin)?;
        users::list_users_of_organization(conn, &scope.organization.id)?
            .into_iter()
            .map(|user| accounts::slim_user(conn, user, Some(&scope.organization.id)))
            .collect()
    })
    .await
    .map(web::Json)
}

#[derive(Serialize, ToSchema)]
struct AddedMemberResponse {
    user: SlimUser,
    /// A new user's first key, shown this once; null for a user who already existed.
    #[schema(required = true)]
    api_key: Option<String>,
}

/// `POST /api/organization/{organization_id}/users`: trieve-lite's own, for the admin page.
#[utoipa::path(
    post,
    path = "/api/organization/{organization_id}/users",
    tag = "organization",
    summary = "Add a user to an organization",
    description = "trieve-lite's own. A new user gets a first key (shown once); an existing user is added and gets no key.",
    security(("ApiKey" = []), ("XApiKey" = [])),
    params(
        ("organization_id" = Uuid, Path, description = "The organization's id"),
    ),
    request_body(
        content = NewMemberRequest,
        example = json!({"email": "ada@example.com", "role": 0, "name": "Ada Lovelace"})
    ),
    responses(
        (status = 200, description = "The member, and a new user's first key", body = AddedMemberResponse,
            links(
                ("RemoveMember" = (operation_id = "remove_member", parameters(("organization_id" = "$request.path.organization_id"), ("user_id" = "$response.body#/user/id")))),
            )
        ),
        (status = 400, description = "An invalid body (email, role, name) or header", body = ErrorBody),
        (status = 401, response = Unauthorized),
        (status = 403, description = "A read-only key, not an admin or owner, or a role above the caller's", body = ErrorBody),
        (status = 404, description = "No such organization", body = ErrorBody),
        (status = 408, response = Timeout),
        (status = 413, response = TooLarge),
        (status = 409, description = "Already a member", body = ErrorBody),
        (status = 500, response = Internal),
        (status = 503, response = Busy),
    )
)]
async fn add_member(
    db: web::Data<Database>,
    credentials: Credentials,
    path: web::Path<Uuid>,
    body: Json<NewMemberRequest>,
) -> AppResult<web::Json<AddedMemberResponse>> {
    let organization_id = path.into_inner().to_string();
    let request = body.into_inner();
    db.write(move |tx| {
        let scope = credentials
            .authenticate(tx)?
            .in_organization(tx, &organization_id)?;
        let added = accounts::add_member_as(tx, scope, &request)?;
        Ok(AddedMemberResponse {
            user: accounts::slim_user(tx, added.user, Some(&added.organization.id))?,
            api_key: added.api_key,
        })
    })
    .await
    .map(web::Json)
}

/// `DELETE /api/organization/{organization_id}/users/{user_id}`: trieve-lite's own.
#[utoipa::path(
    delete,
    path = "/api/organization/{organization_id}/users/{user_id}",
    tag = "organization",
    summary = "Remove a member from an organization",
    description = "trieve-lite's own. The user's other memberships, keys and data stay.",
    security(("ApiKey" = []), ("XApiKey" = [])),
    params(
        ("organization_id" = Uuid, Path, description = "The organization's id"),
        ("user_id" = Uuid, Path, description = "The member's id"),
    ),
    responses(
        (status = 204, description = "Done"),
        (status = 400, description = "A malformed id or header, or the last owner", body = ErrorBody),
        (status = 401, response = Unauthorized),
        (status = 403, description = "A read-only key, not an admin or owner, a member above the caller's role, or not a member", body = ErrorBody),
        (status = 404, description = "No such organization", body = ErrorBody),
        (status = 500, response = Internal),
        (status = 503, response = Busy),
    )
)]
async fn remove_member(
    db: web::Data<Database>,
    credentials: Credentials,
    path: web::Path<(Uuid, Uuid)>,
) -> AppResult<HttpResponse> {
    let (organization_id, user_id) = path.into_inner();
    db.write(move |tx| {
        let scope = credentials
            .authenticate(tx)?
            .in_organization(tx, &organization_id.to_string())?;
        accounts::remove_member(tx, &scope, &user_id.to_string())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/organization/{organization_id}/users")
            .route(web::post().to(add_member)),
    )
    .service(
        web::resource("/api/organization/{organization_id}/users/{user_id}")
            .route(web::delete().to(remove_member)),
    )
    .service(
        web::resource("/api/organization/users/{organization_id}")
            .route(web::get().to(list_members)),
    )
    .service(
        web::resource("/api/organization/{organization_id}").route(web::get().to(get_organization)),
    );
}
