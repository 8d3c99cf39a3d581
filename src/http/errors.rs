//! Every failure a client can see, including actix's own extractor errors, unknown routes and
//! panics, leaves as `{"message": "..."}` with its status: this is where an `AppError` gets both.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::domain::error::AppError;

#[derive(Serialize)]
pub struct ErrorBody<'a> {
    pub message: &'a str,
    /// The request body's field the error is about, when it is about one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<&'a str>,
}

/// The `{"message"}` response for any status; used by AppError and by the middleware that
/// rewrites actix's own plain-text errors.
pub fn message_response(status: StatusCode, message: &str) -> HttpResponse {
    error_response(status, message, None)
}

fn error_response(status: StatusCode, message: &str, field: Option<&str>) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .json(ErrorBody { message, field })
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Timeout => StatusCode::REQUEST_TIMEOUT,
            AppError::Busy | AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::BadGateway(_) => StatusCode::BAD_GATEWAY,
            AppError::DiskFull => StatusCode::INSUFFICIENT_STORAGE,
            AppError::NotOffered(_) => StatusCode::NOT_IMPLEMENTED,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            AppError::Field { error, .. } => error.status_code(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let AppError::Internal(detail) = self {
            log::error!("internal error: {detail}");
        }
        error_response(self.status_code(), &self.to_string(), self.field())
    }
}
