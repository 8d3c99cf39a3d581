use actix_web::{web, HttpResponse};
use serde_json::json;

use crate::db::Database;
use crate::error::AppResult;
use crate::openapi::{Busy, Internal};

/// The health answer (documentation only; the handler writes it with `json!`).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
struct Health {
    /// Always "ok".
    status: String,
    /// "ok": the database answered.
    database: String,
}

/// `GET /api/health`: no key needed; 200 only when the database answers.
#[utoipa::path(
    get,
    path = "/api/health",
    tag = "health",
    summary = "Whether the server and its database answer",
    responses(
        (status = 200, description = "The server and its database answer", body = Health),
        (status = 500, response = Internal),
        (status = 503, response = Busy),
    )
)]
async fn health(db: web::Data<Database>) -> AppResult<HttpResponse> {
    db.read(|conn| {
        conn.query_row("SELECT 1", [], |_| Ok(()))?;
        Ok(())
    })
    .await?;
    Ok(HttpResponse::Ok().json(json!({"status": "ok", "database": "ok"})))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/api/health").route(web::get().to(health)));
}
