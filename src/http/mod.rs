//! The HTTP side: the routes (one file per resource) and the plumbing every request goes
//! through: authentication, body extraction, middleware, errors, throttling, the connection cap,
//! metrics, the admin page and the OpenAPI document.

pub mod admin;
pub mod auth;
pub mod connections;
pub mod errors;
pub mod extract;
pub mod metrics;
pub mod middleware;
pub mod openapi;
pub mod routes;
pub mod throttle;
pub mod v1;
