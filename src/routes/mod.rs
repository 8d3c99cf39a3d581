//! The HTTP surface: thin handlers, one module per resource, each with `configure`.

pub(crate) mod auth;
pub(crate) mod chunks;
pub(crate) mod datasets;
pub(crate) mod files;
pub(crate) mod health;
pub(crate) mod metrics;
pub(crate) mod organizations;
pub(crate) mod users;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    health::configure(cfg);
    metrics::configure(cfg);
    auth::configure(cfg);
    users::configure(cfg);
    chunks::configure(cfg);
    files::configure(cfg);
    datasets::configure(cfg);
    organizations::configure(cfg);
    crate::openapi::configure(cfg);
}
