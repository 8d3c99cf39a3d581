//! Trieve's `OrganizationApi`, and trieve-lite's own member management: `/api/organization`.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::{Db, Secret};
use crate::domain::error::AppResult;
use crate::domain::grants::{Caller, OrgAdmin, OrgMember, OrgOwner, Write};
use crate::domain::members::{self, NewMemberRequest};
use crate::domain::organizations::{self, CreateOrganizationData, UpdateOrganizationData};
use crate::http::auth::Auth;
use crate::http::errors::ErrorBody;
use crate::http::extract::Json;
use crate::http::openapi::{JsonBody, OrganizationPath};
use crate::http::v1;
use crate::http::v1::organizations::{Organization, OrganizationUsageCount};
use crate::http::v1::users::SlimUser;
use crate::types::fields::Name;
use crate::types::ids::{OrganizationId, UserId};

#[derive(OpenApi)]
#[openapi(paths(
    create_organization,
    update_organization,
    get_organization_usage,
    get_organization,
    list_members,
    add_member,
    remove_member
))]
pub struct OrganizationApi;

pub fn configure(cfg: &mut web::ServiceConfig) {
    // Literal paths before `/{organization_id}`, which would take them for an id.
    cfg.service(
        web::resource("")
            .route(web::post().to(create_organization))
            .route(web::put().to(update_organization)),
    )
    .service(web::resource("/usage/{organization_id}").route(web::get().to(get_organization_usage)))
    .service(web::resource("/{organization_id}/users").route(web::post().to(add_member)))
    .service(
        web::resource("/{organization_id}/users/{user_id}").route(web::delete().to(remove_member)),
    )
    .service(web::resource("/users/{organization_id}").route(web::get().to(list_members)))
    .service(web::resource("/{organization_id}").route(web::get().to(get_organization)));
}

crate::error_responses! {
    OrganizationNameTaken => 409 "An organization of that name exists";
}

/// Create an organization
///
/// Any user; the caller becomes its owner, and it comes with a dataset named `default`.
#[utoipa::path(post, path = "", request_body = CreateOrganizationData, responses(
    (status = 200, description = "The organization", body = Organization, links(
        ("Organization" = (operation_id = "get_organization", parameters(("organization_id" = "$response.body#/id")))))),
    Write<Caller>, JsonBody, OrganizationNameTaken))]
async fn create_organization(
    db: Db,
    auth: Auth<Write<Caller>>,
    body: Json<CreateOrganizationData>,
) -> AppResult<web::Json<Organization>> {
    let name = Name::parse("name", &body.into_inner().name)?;
    auth.write(&db, move |tx, caller| {
        organizations::create_organization_as(tx, &caller, &name)
    })
    .await
    .map(v1::json)
}

/// Rename an organization
///
/// Owners only. No name (absent or null) leaves it as it is.
#[utoipa::path(put, path = "", request_body = UpdateOrganizationData, responses(
    (status = 200, description = "The organization as changed", body = Organization),
    Write<OrgOwner>, JsonBody, OrganizationNameTaken))]
async fn update_organization(
    db: Db,
    auth: Auth<Write<OrgOwner>>,
    body: Json<UpdateOrganizationData>,
) -> AppResult<web::Json<Organization>> {
    let request = body.into_inner();
    let name = request
        .name
        .as_deref()
        .map(|name| Name::parse("name", name))
        .transpose()?;
    let organization_id = OrganizationId::from(request.organization_id);
    auth.write_in(&db, organization_id, move |tx, owner| {
        organizations::update_organization(tx, &owner, name.as_ref())
    })
    .await
    .map(v1::json)
}

/// What an organization holds
///
/// Members only: its datasets, the bytes of its files, its members.
#[utoipa::path(get, path = "/usage/{organization_id}", params(OrganizationPath), responses(
    (status = 200, description = "The counts", body = OrganizationUsageCount),
    OrgMember,
    (status = 400, description = "A malformed organization_id or header", body = ErrorBody)))]
async fn get_organization_usage(
    db: Db,
    auth: Auth<OrgMember>,
    path: web::Path<OrganizationPath>,
) -> AppResult<web::Json<OrganizationUsageCount>> {
    auth.read_in(&db, path.organization_id, |conn, member| {
        organizations::usage(conn, &member)
    })
    .await
    .map(v1::json)
}

/// An organization
///
/// Members only.
#[utoipa::path(
    get,
    path = "/{organization_id}",
    params(OrganizationPath),
    responses(
        (status = 200, description = "The organization", body = Organization),
        OrgMember,
        (status = 400, description = "A malformed organization_id or header", body = ErrorBody),
    )
)]
async fn get_organization(
    db: Db,
    auth: Auth<OrgMember>,
    path: web::Path<OrganizationPath>,
) -> AppResult<web::Json<Organization>> {
    auth.read_in(&db, path.organization_id, |_, member| {
        Ok(member.into_scope().into_organization())
    })
    .await
    .map(v1::json)
}

/// An organization's members
///
/// Admins and owners only. Each member is shown with this organization's membership alone.
#[utoipa::path(
    get,
    path = "/users/{organization_id}",
    params(OrganizationPath),
    responses(
        (status = 200, description = "The members, each with this organization's membership alone", body = Vec<SlimUser>),
        OrgAdmin,
        (status = 400, description = "A malformed organization_id or header", body = ErrorBody),
    )
)]
async fn list_members(
    db: Db,
    auth: Auth<OrgAdmin>,
    path: web::Path<OrganizationPath>,
) -> AppResult<web::Json<Vec<SlimUser>>> {
    auth.read_in(&db, path.organization_id, |conn, admin| {
        members::list_members(conn, &admin)
    })
    .await
    .map(v1::json_each)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
struct MemberPath {
    /// The organization's id.
    organization_id: OrganizationId,
    /// The member's id.
    user_id: UserId,
}

#[derive(Serialize, ToSchema)]
struct AddedMemberResponse {
    user: SlimUser,
    /// A new user's first key, shown this once; null for a user who already existed.
    #[schema(required = true)]
    api_key: Option<String>,
}

/// Add a user to an organization
///
/// trieve-lite's own, for the admin page. A new user gets a first key (shown once); an existing
/// user is added and gets no key.
#[utoipa::path(
    post,
    path = "/{organization_id}/users",
    params(OrganizationPath),
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
        Write<OrgAdmin>,
        JsonBody,
        (status = 403, description = "A read-only key, not an admin or owner, or a role above the caller's", body = ErrorBody),
        (status = 409, description = "Already a member", body = ErrorBody),
    )
)]
async fn add_member(
    db: Db,
    auth: Auth<Write<OrgAdmin>>,
    path: web::Path<OrganizationPath>,
    body: Json<NewMemberRequest>,
) -> AppResult<Secret<AddedMemberResponse>> {
    let request = body.into_inner();
    auth.write_in(&db, path.organization_id, move |tx, admin| {
        let added = members::add_member_as(tx, admin, &request)?;
        Ok(AddedMemberResponse {
            user: members::profile(tx, added.user, Some(added.organization.id))?.into(),
            api_key: added.api_key,
        })
    })
    .await
    .map(Secret)
}

/// Remove a member from an organization
///
/// trieve-lite's own. The user's other memberships, keys and data stay.
#[utoipa::path(
    delete,
    path = "/{organization_id}/users/{user_id}",
    params(MemberPath),
    responses(
        (status = 204, description = "Done"),
        Write<OrgAdmin>,
        (status = 400, description = "A malformed id or header, or the last owner", body = ErrorBody),
        (status = 403, description = "A read-only key, not an admin or owner, a member above the caller's role, or not a member", body = ErrorBody),
    )
)]
async fn remove_member(
    db: Db,
    auth: Auth<Write<OrgAdmin>>,
    path: web::Path<MemberPath>,
) -> AppResult<HttpResponse> {
    let MemberPath {
        organization_id,
        user_id,
    } = path.into_inner();
    auth.write_in(&db, organization_id, move |tx, admin| {
        members::remove_member(tx, &admin, user_id)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
