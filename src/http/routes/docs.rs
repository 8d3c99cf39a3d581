//! `GET /api-docs/openapi.json`: the OpenAPI document. The page that renders it (`/api-docs`) is
//! one of the admin page's embedded assets.

use std::sync::OnceLock;

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use utoipa::OpenApi;

use crate::http::openapi::Public;

#[derive(OpenApi)]
#[openapi(paths(openapi_json))]
pub struct DocsApi;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("").route(web::get().to(openapi_json)));
}

/// This OpenAPI document
#[utoipa::path(
    get,
    path = "",
    security(()),
    responses((status = 200, description = "This OpenAPI document", body = Object), Public)
)]
async fn openapi_json() -> HttpResponse {
    static DOCUMENT: OnceLock<String> = OnceLock::new();
    let document = DOCUMENT.get_or_init(super::document);
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .body(document.as_str())
}
