//! What a value of the request that does not parse says: which field, and why. The layers above
//! turn it into their own error (a 400 naming the field).

use std::borrow::Cow;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct FieldError {
    /// The request's field, as the client named it (`dataset_name`, `[3].time_stamp`).
    pub field: Cow<'static, str>,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<Cow<'static, str>>, message: impl Into<String>) -> FieldError {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

pub type FieldResult<T> = Result<T, FieldError>;
