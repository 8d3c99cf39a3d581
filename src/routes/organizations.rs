use actix_web::{web, HttpResponse};
use serde::Serialize;
use uuid::Uuid;

use crate::accounts::{self, NewMemberRequest};
use crate::auth::Credentials;
use crate::db::{users, Database};
use crate::error::AppResult;
use crate::extract::Json;
use crate::models::{Organization, Role, SlimUser};

/// `GET /api/organization/{organization_id}`: members only.
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

#[derive(Serialize)]
struct AddedMemberResponse {
    user: SlimUser,
    api_key: Option<String>,
}

/// `POST /api/organization/{organization_id}/users`: trieve-lite's own, for the admin page.
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
