//! Request body extraction that fails the way the rest of the API does: a 400 (or 413)
//! `{"message"}` that names the offending field.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use actix_web::dev::Payload;
use actix_web::error::PayloadError;
use actix_web::web::{self, Bytes, BytesMut};
use actix_web::{FromRequest, HttpRequest};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use crate::config::{Limits, DEFAULT_JSON_LIMIT_BYTES, DEFAULT_REQUEST_TIMEOUT_SECS};
use crate::error::AppError;

/// A body over its limit is still read to its end (up to this many times the limit) and
/// thrown away, so that the client, which is still sending, gets to read the 413.
const DRAIN_FACTOR: usize = 4;

fn body_too_large() -> AppError {
    AppError::PayloadTooLarge("The request body is too large".into())
}

/// Read a whole request body of at most `limit` bytes, within `timeout`.
async fn read_body(payload: Payload, limit: usize, timeout: Duration) -> Result<Bytes, AppError> {
    actix_web::rt::time::timeout(timeout, read_body_within(payload, limit))
        .await
        .map_err(|_| AppError::Timeout)?
}

async fn read_body_within(mut payload: Payload, limit: usize) -> Result<Bytes, AppError> {
    let mut body = BytesMut::new();
    let mut received = 0usize;
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|err| match err {
            PayloadError::Overflow => body_too_large(),
            other => AppError::BadRequest(format!("Could not read the request body: {other}")),
        })?;
        received = received.saturating_add(chunk.len());
        if received > limit {
            body = BytesMut::new();
            if received > limit.saturating_mul(DRAIN_FACTOR) {
                break;
            }
            continue;
        }
        body.extend_from_slice(&chunk);
    }
    if received > limit {
        return Err(body_too_large());
    }
    Ok(body.freeze())
}

fn limits(req: &HttpRequest) -> Limits {
    req.app_data::<web::Data<Limits>>()
        .map(|limits| *limits.get_ref())
        .unwrap_or(Limits {
            json_body_bytes: DEFAULT_JSON_LIMIT_BYTES,
            upload_bytes: DEFAULT_JSON_LIMIT_BYTES,
            body_timeout: Duration::from_secs(DEFAULT_REQUEST_TIMEOUT_SECS),
        })
}

/// A JSON body within the JSON limit. Unknown fields are ignored; a wrong type or missing field
/// is a 400 naming it.
pub struct Json<T>(pub T);

impl<T> Json<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limits = limits(req);
        let body = read_body(payload.take(), limits.json_body_bytes, limits.body_timeout);
        Box::pin(async move { parse_json(&body.await?).map(Json) })
    }
}

/// A file upload's raw body, within the upload limit; parsed later, off the async workers.
pub struct UploadBody(pub Bytes);

impl FromRequest for UploadBody {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limits = limits(req);
        let body = read_body(
            payload.take(),
            limits.upload_body_bytes(),
            limits.body_timeout,
        );
        Box::pin(async move { body.await.map(UploadBody) })
    }
}

/// Deserialize JSON, describing a failure by the path of the field that caused it.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(AppError::BadRequest(
            "A JSON request body is required".into(),
        ));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        if let Some(field) = missing_field(&path, &inner) {
            AppError::invalid(field, format!("Invalid JSON body: {inner}"))
        } else if inner.is_syntax() || inner.is_eof() || path == "." {
            AppError::BadRequest(format!("Invalid JSON body: {inner}"))
        } else {
            AppError::invalid(
                path.clone(),
                format!("Invalid value for field `{path}`: {inner}"),
            )
        }
    })?;
    deserializer
        .end()
        .map_err(|err| AppError::BadRequest(format!("Invalid JSON body: {err}")))?;
    Ok(value)
}

/// The field a body lacks, as its path: serde reports a missing field at the object that lacks
/// it, naming the field in its message ("missing field `email`").
fn missing_field(path: &str, err: &serde_json::Error) -> Option<String> {
    let message = err.to_string();
    let name = message.strip_prefix("missing field `")?.split('`').next()?;
    Some(if path == "." {
        name.to_string()
    } else {
        format!("{path}.{name}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::ResponseError;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    struct Body {
        #[allow(dead_code)]
        role: Option<i64>,
    }

    fn message(err: AppError) -> String {
        err.to_string()
    }

    #[test]
    fn wrong_type_names_the_field() {
        let err = parse_json::<Body>(br#"{"role": "owner"}"#).unwrap_err();
        assert!(err.status_code() == actix_web::http::StatusCode::BAD_REQUEST);
        assert!(message(err).contains("`role`"));
    }

    #[derive(Debug, Deserialize)]
    struct Required {
        #[allow(dead_code)]
        email: String,
    }

    #[test]
    fn a_missing_field_is_named() {
        let err = parse_json::<Required>(br#"{"role": 0}"#).unwrap_err();
        assert_eq!(err.field(), Some("email"));
        assert!(err.to_string().contains("missing field `email`"));
    }

    #[test]
    fn malformed_and_empty_bodies_are_bad_requests() {
        assert!(parse_json::<Body>(b"{")
            .is_err_and(|e| e.status_code() == actix_web::http::StatusCode::BAD_REQUEST));
        assert!(parse_json::<Body>(b"")
            .is_err_and(|e| e.status_code() == actix_web::http::StatusCode::BAD_REQUEST));
        assert!(parse_json::<Body>(b"{} x")
            .is_err_and(|e| e.status_code() == actix_web::http::StatusCode::BAD_REQUEST));
        assert!(parse_json::<Body>(br#"{"unknown": 1}"#).is_ok());
    }
}
