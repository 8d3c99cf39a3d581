//! The HTTP surface: thin handlers, one module per resource, each with `configure`.

mod auth;
mod chunks;
mod datasets;
mod files;
mod health;
mod metrics;
mod organizations;
mod users;

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
}
