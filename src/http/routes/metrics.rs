//! `GET /metrics`: Prometheus text, for the instance's owners or the holder of the metrics
//! token.

use actix_web::{web, HttpResponse};
use utoipa::OpenApi;

use super::Db;
use crate::config::MetricsToken;
use crate::domain::error::{AppError, AppResult};
use crate::domain::grants::InstanceOwner;
use crate::http::auth::Auth;
use crate::http::metrics::Metrics;

#[derive(OpenApi)]
#[openapi(paths(metrics))]
pub struct MetricsApi;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("").route(web::get().to(metrics)));
}

/// Server metrics in Prometheus text format
///
/// Server-wide figures: for owners of the instance's first organization (the one the first
/// start made), or with the token set by `--metrics-token` as the key.
#[utoipa::path(
    get,
    path = "",
    responses(
        (status = 200, description = "Prometheus text exposition format", content_type = "text/plain; version=0.0.4; charset=utf-8", body = String),
        InstanceOwner,
    )
)]
async fn metrics(
    db: Db,
    metrics: web::Data<Metrics>,
    token: web::Data<MetricsToken>,
    auth: Auth<InstanceOwner>,
) -> AppResult<HttpResponse> {
    let by_token = token.0.as_ref().is_some_and(|digest| auth.presents(digest));
    if !by_token {
        auth.check(&db).await?;
    }
    if metrics.reports_backlog() {
        let backlog = db
            .read(|conn| crate::outside::embedding::worker::backlog(conn).map_err(AppError::from))
            .await?;
        metrics.set_backlog(backlog);
    }
    Ok(HttpResponse::Ok()
        .content_type(crate::http::metrics::CONTENT_TYPE)
        .body(metrics.render()))
}
