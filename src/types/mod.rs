//! Values parsed once at the edge into types that can only hold a valid value: ids, instants,
//! the fields a request sets, roles. The bottom layer: it imports nothing else of the crate, and
//! each parse failure is a `FieldError` naming the request's field.

pub mod error;
pub mod fields;
pub mod ids;
pub mod roles;
pub mod time;

pub use error::FieldError;
