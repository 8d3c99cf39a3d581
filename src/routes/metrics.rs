//! `GET /metrics`: Prometheus text, for admins and owners of any organization.

use actix_web::{web, HttpResponse};
use utoipa::OpenApi;

use super::Db;
use crate::auth::Auth;
use crate::domain::grants::InstanceAdmin;
use crate::error::AppResult;
use crate::metrics::Metrics;

#[derive(OpenApi)]
#[openapi(paths(metrics))]
pub struct MetricsApi;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("").route(web::get().to(metrics)));
}

/// Server metrics in Prometheus text format
///
/// For admins and owners of any organization.
#[utoipa::path(
    get,
    path = "",
    responses(
        (status = 200, description = "Prometheus text exposition format", content_type = "text/plain; version=0.0.4; charset=utf-8", body = String),
        InstanceAdmin,
    )
)]
async fn metrics(
    db: Db,
    metrics: web::Data<Metrics>,
    auth: Auth<InstanceAdmin>,
) -> AppResult<HttpResponse> {
    auth.read(&db, |_, _| Ok(())).await?;
    Ok(HttpResponse::Ok()
        .content_type(crate::metrics::CONTENT_TYPE)
        .body(metrics.render()))
}
