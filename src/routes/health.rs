use actix_web::{web, HttpResponse};
use serde_json::json;

use crate::db::Database;
use crate::error::AppResult;

/// `GET /api/health`: no key needed; 200 only when the database answers.
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
