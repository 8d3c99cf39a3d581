use actix_web::web;
use uuid::Uuid;

use crate::accounts;
use crate::auth::Credentials;
use crate::db::{self, users, Pool};
use crate::error::AppResult;
use crate::models::{Organization, Role, SlimUser};

/// `GET /api/organization/{organization_id}`: members only.
async fn get_organization(
    pool: web::Data<Pool>,
    credentials: Credentials,
    path: web::Path<Uuid>,
) -> AppResult<web::Json<Organization>> {
    let organization_id = path.into_inner().to_string();
    db::read(&pool, move |conn| {
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
    pool: web::Data<Pool>,
    credentials: Credentials,
    path: web::Path<Uuid>,
) -> AppResult<web::Json<Vec<SlimUser>>> {
    let organization_id = path.into_inner().to_string();
    db::read(&pool, move |conn| {
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

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/organization/users/{organization_id}")
            .route(web::get().to(list_members)),
    )
    .service(
        web::resource("/api/organization/{organization_id}").route(web::get().to(get_organization)),
    );
}
