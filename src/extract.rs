//! Request body and path extraction that fails the way the rest of the API does: a 400 (or 413)
//! `{"message"}` that names the offending field.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::error::PayloadError;
use actix_web::web::Bytes;
use actix_web::{FromRequest, HttpRequest};
use serde::de::DeserializeOwned;

use crate::error::AppError;

/// A JSON body. Unknown fields are ignored; a wrong type or missing field is a 400 naming it.
/// The body size limit is actix's `PayloadConfig`, set per app in `startup`.
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
        let body = Bytes::from_request(req, payload);
        Box::pin(async move {
            let bytes = body
                .await
                .map_err(|err| match err.as_error::<PayloadError>() {
                    Some(PayloadError::Overflow) => {
                        AppError::PayloadTooLarge("The request body is too large".into())
                    }
                    _ => match err.as_response_error().status_code().as_u16() {
                        413 => AppError::PayloadTooLarge("The request body is too large".into()),
                        _ => {
                            AppError::BadRequest(format!("Could not read the request body: {err}"))
                        }
                    },
                })?;
            parse_json(&bytes).map(Json)
        })
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
        if inner.is_syntax() || inner.is_eof() || path == "." {
            AppError::BadRequest(format!("Invalid JSON body: {inner}"))
        } else {
            AppError::BadRequest(format!("Invalid value for field `{path}`: {inner}"))
        }
    })?;
    deserializer
        .end()
        .map_err(|err| AppError::BadRequest(format!("Invalid JSON body: {err}")))?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
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
        assert!(matches!(err, AppError::BadRequest(_)));
        assert!(message(err).contains("`role`"));
    }

    #[test]
    fn malformed_and_empty_bodies_are_bad_requests() {
        assert!(matches!(
            parse_json::<Body>(b"{"),
            Err(AppError::BadRequest(_))
        ));
        assert!(matches!(
            parse_json::<Body>(b""),
            Err(AppError::BadRequest(_))
        ));
        assert!(matches!(
            parse_json::<Body>(b"{} x"),
            Err(AppError::BadRequest(_))
        ));
        assert!(parse_json::<Body>(br#"{"unknown": 1}"#).is_ok());
    }
}
