//! `GET /metrics`: Prometheus text, for admins and owners (of any organization) only.

use actix_web::{web, HttpResponse};

use crate::auth::Credentials;
use crate::db::Database;
use crate::error::AppResult;
use crate::metrics::Metrics;

async fn metrics(
    db: web::Data<Database>,
    metrics: web::Data<Metrics>,
    credentials: Credentials,
) -> AppResult<HttpResponse> {
    db.read(move |conn| {
        credentials
            .authenticate(conn)?
            .require_admin_somewhere(conn)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(metrics.render(&db)))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/metrics").route(web::get().to(metrics)));
}
