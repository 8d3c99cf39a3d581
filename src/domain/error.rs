//! One error type for the whole server: what a rule refuses, what storage failed at, what an
//! outside server did wrong. `http::errors` gives each its status and its `{"message"}` body.

use std::borrow::Cow;

use crate::db::{self, Unique};
use crate::types::FieldError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("The request body took too long to arrive")]
    Timeout,
    #[error("The server is busy; try again")]
    Busy,
    /// A feature of Trieve this server does not offer (501), saying what to use instead.
    #[error("{0}")]
    NotOffered(String),
    /// An outside server the request needed (the embedding server) answered wrongly: 502.
    #[error("{0}")]
    BadGateway(String),
    /// A 503 that says what is exhausted.
    #[error("{0}")]
    Unavailable(String),
    #[error("The server's disk is full: nothing was written. Reads still work; try again once the server's operator has freed space")]
    DiskFull,
    /// Anything the client cannot act on. The detail goes to the log, never to the client.
    #[error("Internal server error")]
    Internal(String),
    /// An error about one field of the request body: its status and message are the inner
    /// error's, and the body names the field, so that a form can mark it without reading the
    /// message.
    #[error("{error}")]
    Field {
        field: Cow<'static, str>,
        error: Box<AppError>,
    },
}

impl AppError {
    /// A 400 about one field of the request body.
    pub fn invalid(field: impl Into<Cow<'static, str>>, message: impl Into<String>) -> AppError {
        AppError::BadRequest(message.into()).on_field(field)
    }

    /// This error, as being about one field of the request body.
    pub fn on_field(self, field: impl Into<Cow<'static, str>>) -> AppError {
        AppError::Field {
            field: field.into(),
            error: Box::new(self),
        }
    }

    /// This error, as being about the item at `index` of an array body: its field (if any) is
    /// prefixed with the index, and its message says which item.
    pub fn in_item(self, index: usize) -> AppError {
        let prefixed = |message: String| format!("Item {index}: {message}");
        match self {
            AppError::Field { field, error } => AppError::Field {
                field: format!("[{index}].{field}").into(),
                error: Box::new(error.in_item(index)),
            },
            AppError::BadRequest(message) => AppError::BadRequest(prefixed(message)),
            AppError::NotFound(message) => AppError::NotFound(prefixed(message)),
            AppError::Conflict(message) => AppError::Conflict(prefixed(message)),
            other => other,
        }
    }

    /// The field of the request body this error is about, if it is about one.
    pub fn field(&self) -> Option<&str> {
        match self {
            AppError::Field { field, .. } => Some(field),
            _ => None,
        }
    }
}

pub type AppResult<T> = Result<T, AppError>;

/// Storage's failures, as the client hears them: this is the one place a broken unique
/// constraint becomes a 409 naming the request's field.
impl From<db::Error> for AppError {
    fn from(err: db::Error) -> Self {
        let taken = |field: &'static str, message: &str| {
            AppError::Conflict(message.to_string()).on_field(field)
        };
        match err {
            db::Error::Taken(Unique::UserEmail) => {
                taken("email", "A user with that email already exists")
            }
            db::Error::Taken(Unique::Username) => {
                taken("username", "That username is already taken")
            }
            db::Error::Taken(Unique::OrganizationName) => {
                taken("name", "An organization with that name already exists")
            }
            db::Error::Taken(Unique::DatasetName) => taken(
                "dataset_name",
                "A dataset with that name already exists in this organization",
            ),
            db::Error::Taken(Unique::Membership) => {
                taken("email", "The user is already a member of this organization")
            }
            db::Error::Taken(Unique::TrackingId) => taken(
                "tracking_id",
                "A chunk with that tracking_id already exists in the dataset",
            ),
            db::Error::Busy | db::Error::Closing => AppError::Busy,
            db::Error::DiskFull => AppError::DiskFull,
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<rusqlite::Error> for AppError {
    fn from(err: rusqlite::Error) -> Self {
        db::Error::from(err).into()
    }
}

/// A value of the request that did not parse: a 400 naming its field.
impl From<FieldError> for AppError {
    fn from(err: FieldError) -> Self {
        AppError::invalid(err.field, err.message)
    }
}
