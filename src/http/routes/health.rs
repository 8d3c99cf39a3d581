//! `GET /api/health`: whether the server and its database answer; no key needed.

use actix_web::{web, HttpResponse};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use super::Db;
use crate::domain::error::AppResult;
use crate::http::openapi::Public;

#[derive(OpenApi)]
#[openapi(paths(health))]
pub struct HealthApi;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("").route(web::get().to(health)));
}

#[derive(Serialize, ToSchema)]
struct Health {
    /// Always "ok".
    status: &'static str,
    /// "ok": the database answered.
    database: &'static str,
}

/// Whether the server and its database answer
#[utoipa::path(
    get,
    path = "",
    security(()),
    responses(
        (status = 200, description = "The server and its database answer", body = Health),
        Public,
    )
)]
async fn health(db: Db) -> AppResult<HttpResponse> {
    db.read(|conn| {
        conn.query_row("SELECT 1", [], |_| Ok(()))?;
        crate::db::Result::Ok(())
    })
    .await?;
    Ok(HttpResponse::Ok().json(Health {
        status: "ok",
        database: "ok",
    }))
}
