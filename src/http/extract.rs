//! Request body extraction that fails the way the rest of the API does: a 400 (or 413)
//! `{"message"}` that names the offending field; and the server-wide budget that bounds the
//! memory all bodies being read may hold together.

use std::future::{ready, Future, Ready};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use actix_web::dev::Payload;
use actix_web::error::PayloadError;
use actix_web::http::header;
use actix_web::web::{self, Bytes, BytesMut};
use actix_web::{FromRequest, HttpRequest};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use crate::config::{Limits, DEFAULT_JSON_LIMIT_BYTES, DEFAULT_REQUEST_TIMEOUT_SECS};
use crate::domain::error::AppError;
use crate::http::auth::check_presented_key;

/// A JSON body declared at most this long is read before its key is checked; a longer one (or
/// one of unknown length) only once the key is known to be valid.
const SMALL_BODY: usize = 64 * 1024;

/// A body over its limit is still read to its end (up to this many times the limit) and
/// thrown away, so that the client, which is still sending, gets to read the 413.
const DRAIN_FACTOR: usize = 4;

pub fn body_too_large() -> AppError {
    AppError::PayloadTooLarge("The request body is too large".into())
}

/// The memory every request body being read or handled may hold together, server-wide: what
/// keeps a thousand connections each sending a large body from taking all the machine's
/// memory. A body that would take the total past it is refused with a 503 (the client may
/// retry).
#[derive(Debug)]
pub struct BodyBudget {
    used: AtomicUsize,
    capacity: usize,
}

impl BodyBudget {
    pub fn new(capacity: usize) -> BodyBudget {
        BodyBudget {
            used: AtomicUsize::new(0),
            capacity,
        }
    }

    /// Bytes held by bodies now.
    pub fn used(&self) -> usize {
        self.used.load(Ordering::Relaxed)
    }
}

/// The share of the budget one body holds, given back when dropped (once the handler that read
/// the body is done with it).
pub struct Lease {
    budget: Option<web::Data<BodyBudget>>,
    held: usize,
}

impl Lease {
    fn new(req: &HttpRequest) -> Lease {
        Lease {
            budget: req.app_data::<web::Data<BodyBudget>>().cloned(),
            held: 0,
        }
    }

    /// Hold `bytes` in all, taking more of the budget if needed; a 503 past the budget.
    pub fn hold(&mut self, bytes: usize) -> Result<(), AppError> {
        let Some(budget) = &self.budget else {
            return Ok(());
        };
        if bytes <= self.held {
            return Ok(());
        }
        let more = bytes - self.held;
        let before = budget.used.fetch_add(more, Ordering::Relaxed);
        if before.saturating_add(more) > budget.capacity {
            budget.used.fetch_sub(more, Ordering::Relaxed);
            return Err(AppError::Unavailable(
                "The server is receiving too many request bodies at once; try again shortly".into(),
            ));
        }
        self.held = bytes;
        Ok(())
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if let Some(budget) = &self.budget {
            budget.used.fetch_sub(self.held, Ordering::Relaxed);
        }
    }
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

/// A request body not read yet: read it whole (`read`) or throw it away (`discard`).
pub struct PendingBody {
    payload: Payload,
    limit: usize,
    timeout: Duration,
    /// The length the request declares, if it declares one.
    declared: Option<usize>,
    lease: Lease,
}

impl PendingBody {
    fn new(req: &HttpRequest, payload: &mut Payload, limit: usize) -> PendingBody {
        PendingBody {
            payload: payload.take(),
            limit,
            timeout: limits(req).body_timeout,
            declared: req
                .headers()
                .get(header::CONTENT_LENGTH)
                .and_then(|value| value.to_str().ok())
                .and_then(|value| value.parse().ok()),
            lease: Lease::new(req),
        }
    }

    /// The whole body, at most the limit, within the timeout; its memory counted against the
    /// server's body budget (as its bytes arrive) until the lease is dropped. A body refused
    /// for the budget is read to its end and thrown away, so that the client reads the 503.
    pub async fn read(self) -> Result<(Bytes, Lease), AppError> {
        let PendingBody {
            mut payload,
            limit,
            timeout,
            declared,
            mut lease,
        } = self;
        if declared.is_some_and(|declared| declared > limit) {
            discard_within(payload, limit, timeout).await;
            return Err(body_too_large());
        }
        let read = actix_web::rt::time::timeout(
            timeout,
            read_within(&mut payload, limit, declared, &mut lease),
        )
        .await
        .map_err(|_| AppError::Timeout)?;
        match read {
            Ok(body) => Ok((body, lease)),
            Err(refused @ AppError::Unavailable(_)) => {
                drop(lease);
                discard_within(payload, limit, timeout).await;
                Err(refused)
            }
            Err(other) => Err(other),
        }
    }

    /// Read the body to its end (up to a few times the limit, within the timeout) keeping none
    /// of it, so that a client still sending gets to read an answer given before its body was
    /// wanted.
    pub async fn discard(self) {
        discard_within(self.payload, self.limit, self.timeout).await;
    }

    /// Whether the body is declared small enough to read before its key is checked.
    fn is_small(&self) -> bool {
        self.declared.is_some_and(|declared| declared <= SMALL_BODY)
    }
}

async fn discard_within(mut payload: Payload, limit: usize, timeout: Duration) {
    let drain = async {
        let mut received = 0usize;
        while let Some(Ok(chunk)) = payload.next().await {
            received = received.saturating_add(chunk.len());
            if received > limit.saturating_mul(DRAIN_FACTOR) {
                break;
            }
        }
    };
    let _ = actix_web::rt::time::timeout(timeout, drain).await;
}

async fn read_within(
    payload: &mut Payload,
    limit: usize,
    declared: Option<usize>,
    lease: &mut Lease,
) -> Result<Bytes, AppError> {
    // Room for what the request declares (memory is only taken as it is written); the budget
    // counts the bytes that have actually arrived.
    let mut body = BytesMut::with_capacity(declared.unwrap_or(0).min(limit));
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
        lease.hold(received)?;
        body.extend_from_slice(&chunk);
    }
    if received > limit {
        return Err(body_too_large());
    }
    Ok(body.freeze())
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
        let limit = limits(req).json_body_bytes;
        let json = read_json(req, payload, limit);
        Box::pin(async move { json.await.map(|(json, _)| json) })
    }
}

/// A JSON body within the limit of a batch of chunks (`Limits::batch_body_bytes`), read as
/// `Json` is: a large body only for a valid key, within the server-wide budget. `length`: the
/// body's bytes, for a handler that holds a body of one item to the JSON limit.
pub struct BatchJson<T> {
    pub value: T,
    pub length: usize,
}

impl<T: DeserializeOwned + 'static> FromRequest for BatchJson<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = limits(req).batch_body_bytes();
        let json = read_json(req, payload, limit);
        Box::pin(async move {
            json.await
                .map(|(Json(value), length)| BatchJson { value, length })
        })
    }
}

/// A JSON body within `limit`, and its length.
fn read_json<T: DeserializeOwned + 'static>(
    req: &HttpRequest,
    payload: &mut Payload,
    limit: usize,
) -> impl Future<Output = Result<(Json<T>, usize), AppError>> + 'static {
    let mut body = PendingBody::new(req, payload, limit);
    let req = req.clone();
    async move {
        if body.is_small() {
            // Read before the key is checked, and outside the budget: at most SMALL_BODY
            // per connection, and connections are capped per address.
            body.lease.budget = None;
        } else if let Err(refused) = check_presented_key(&req).await {
            // A large body (or one of unknown length) is read only for a valid key.
            body.discard().await;
            return Err(refused);
        }
        // The body's share of the budget is given back once it is parsed.
        let (bytes, _lease) = body.read().await?;
        parse_json(&bytes).map(|value| (Json(value), bytes.len()))
    }
}

/// A file upload's body, within the upload limit, not read yet: its handler checks the key
/// from the headers first, so that no body is read (and held) for a caller who may not upload.
pub struct UploadBody(pub PendingBody);

impl FromRequest for UploadBody {
    type Error = AppError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = limits(req).upload_body_bytes();
        ready(Ok(UploadBody(PendingBody::new(req, payload, limit))))
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
    fn bodies_share_one_budget_and_give_it_back() {
        let budget = web::Data::new(BodyBudget::new(100));
        let lease = || Lease {
            budget: Some(budget.clone()),
            held: 0,
        };
        let mut first = lease();
        first.hold(60).unwrap();
        first.hold(40).unwrap();
        assert_eq!(
            budget.used(),
            60,
            "holding less than held takes nothing more"
        );
        let mut second = lease();
        let refused = second.hold(41).unwrap_err();
        assert_eq!(refused.status_code().as_u16(), 503);
        assert_eq!(budget.used(), 60, "a refused share is not kept");
        second.hold(40).unwrap();
        drop(first);
        assert_eq!(budget.used(), 40);
        drop(second);
        assert_eq!(budget.used(), 0);
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
