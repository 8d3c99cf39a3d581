//! `GET /metrics`: Prometheus text, for admins and owners (of any organization) only.

use actix_web::{web, HttpResponse};

use crate::auth::Credentials;
use crate::db::Database;
use crate::error::{AppResult, ErrorBody};
use crate::metrics::Metrics;
use crate::openapi::{Busy, Internal, Unauthorized};

#[utoipa::path(
    get,
    path = "/metrics",
    tag = "meta",
    summary = "Server metrics in Prometheus text format",
    description = "For admins and owners of any organization.",
    security(("ApiKey" = []), ("XApiKey" = [])),
    responses(
        (status = 200, description = "Prometheus text exposition format 0.0.4", content_type = "text/plain; version=0.0.4; charset=utf-8", body = String),
        (status = 400, description = "A malformed TR-Dataset or TR-Organization header", body = ErrorBody),
        (status = 401, response = Unauthorized),
        (status = 403, description = "Not an admin or owner of any organization", body = ErrorBody),
        (status = 500, response = Internal),
        (status = 503, response = Busy),
    )
)]
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
