//! The answers of Trieve's 2024 API, named and laid out as trieve_python_client 1.0.0 expects
//! them, each built from the domain's values (`From`): a second dialect's answers are a second
//! mapping of the same values. (Its request shapes are still in the domain files, with the
//! rules that parse them.) Ids travel as UUID text and timestamps as fixed-width UTC text
//! (`types::ids`, `types::time`).

pub mod chat;
pub mod chunks;
pub mod collections;
pub mod datasets;
pub mod files;
pub mod notifications;
pub mod organizations;
pub mod users;

use actix_web::web;

/// A domain value, answered in its 1.0.0 shape.
pub fn json<W: From<V>, V>(value: V) -> web::Json<W> {
    web::Json(W::from(value))
}

/// Domain values, answered as a list of their 1.0.0 shape.
pub fn json_each<W: From<V>, V>(values: Vec<V>) -> web::Json<Vec<W>> {
    web::Json(values.into_iter().map(W::from).collect())
}
