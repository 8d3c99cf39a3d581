//! The HTTP side of authentication: the `Auth<G>` extractor reads the key and the scope
//! headers when a request arrives; the key is checked, and the grant `G` resolved, inside the
//! request's one database hop (`Auth::read`, `Auth::write`), which then runs the handler's work
//! with the grant. Nothing here decides who may do what: that is `domain::grants`.

use std::future::{ready, Ready};
use std::marker::PhantomData;
use std::sync::{Arc, OnceLock};

use actix_web::dev::Payload;
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use rusqlite::Connection;

use crate::db::api_keys::{find_key_with_user, StoredKey};
use crate::db::users::UserRow;
use crate::db::Database;
use crate::domain::error::{AppError, AppResult};
use crate::domain::grants::{Caller, Grant, ScopeHeaders};
use crate::domain::keys::hash_api_key;
use crate::types::ids::UserId;
use crate::types::time::Timestamp;

/// Longer presented keys are refused before hashing.
const MAX_PRESENTED_KEY_LEN: usize = 512;

/// Where authentication leaves the caller's user id, for the request log line. Shared between
/// the request's extensions and its credentials, which travel to a database thread.
#[derive(Clone, Default)]
pub struct CallerId(Arc<OnceLock<UserId>>);

impl CallerId {
    pub fn get(&self) -> Option<UserId> {
        self.0.get().copied()
    }
}

/// A request's credentials, and the grant `G` its handler needs. Deliberately not `Debug`:
/// only the key's digest is kept, and it is nobody's business.
pub struct Auth<G> {
    key_hash: [u8; 32],
    caller_id: CallerId,
    headers: ScopeHeaders,
    grant: PhantomData<fn() -> G>,
}

impl<G> Clone for Auth<G> {
    fn clone(&self) -> Self {
        Auth {
            key_hash: self.key_hash,
            caller_id: self.caller_id.clone(),
            headers: self.headers,
            grant: PhantomData,
        }
    }
}

impl<G: Grant> Auth<G> {
    /// Whether the presented key is the secret with this digest (a configured token rather
    /// than a user's key); compared in constant time.
    pub fn presents(&self, digest: &[u8; 32]) -> bool {
        self.key_hash
            .iter()
            .zip(digest)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
    }

    /// The scope the request's headers name.
    pub fn headers(&self) -> ScopeHeaders {
        self.headers
    }

    /// Check the key (it exists and has not expired) and resolve the grant over `target`.
    pub fn resolve(&self, conn: &Connection, target: G::Target) -> AppResult<G> {
        let (key, user) = valid_key(conn, &self.key_hash)?;
        let _ = self.caller_id.0.set(user.id);
        G::grant(conn, Caller::authenticated(user, key), target)
    }

    /// Only check the grant the headers name (one reader hop), before work the handler does
    /// outside the database: a caller without it hears that first, and costs no more.
    pub async fn check(&self, db: &Database) -> AppResult<()> {
        self.clone().read(db, |_, _| Ok(())).await
    }

    /// On a reader thread: resolve the grant over the target the headers name, then `work`.
    pub async fn read<T, F>(self, db: &Database, work: F) -> AppResult<T>
    where
        F: FnOnce(&Connection, G) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let target = G::target_in(&self.headers)?;
        self.read_in(db, target, work).await
    }

    /// On a reader thread: resolve the grant over `target` (from a path or body), then `work`.
    pub async fn read_in<T, F>(self, db: &Database, target: G::Target, work: F) -> AppResult<T>
    where
        F: FnOnce(&Connection, G) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        db.read(move |conn| work(conn, self.resolve(conn, target)?))
            .await
    }

    /// `read` for work that may take long (`Database::read_costly`): a deep page, a search.
    pub async fn read_costly<T, F>(self, db: &Database, work: F) -> AppResult<T>
    where
        F: FnOnce(&Connection, G) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let target = G::target_in(&self.headers)?;
        db.read_costly(move |conn| work(conn, self.resolve(conn, target)?))
            .await
    }

    /// On the writer: resolve the grant over the target the headers name, then `work`, in one
    /// savepoint of the writer's transaction.
    pub async fn write<T, F>(self, db: &Database, work: F) -> AppResult<T>
    where
        F: FnOnce(&Connection, G) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let target = G::target_in(&self.headers)?;
        self.write_in(db, target, work).await
    }

    /// On the writer, as heavy work (`Database::write_heavy`): resolve the grant over the
    /// target the headers name, then `work`.
    pub async fn write_heavy<T, F>(self, db: &Database, work: F) -> AppResult<T>
    where
        F: FnOnce(&Connection, G) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let target = G::target_in(&self.headers)?;
        self.write_heavy_in(db, target, work).await
    }

    /// `write_heavy` over `target` (from a path or body).
    pub async fn write_heavy_in<T, F>(
        self,
        db: &Database,
        target: G::Target,
        work: F,
    ) -> AppResult<T>
    where
        F: FnOnce(&Connection, G) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        db.write_heavy(move |conn| work(conn, self.resolve(conn, target)?))
            .await
    }

    /// On the writer: resolve the grant over `target` (from a path or body), then `work`.
    pub async fn write_in<T, F>(self, db: &Database, target: G::Target, work: F) -> AppResult<T>
    where
        F: FnOnce(&Connection, G) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        db.write(move |conn| work(conn, self.resolve(conn, target)?))
            .await
    }
}

/// The stored key with this digest and its user, if the key exists and has not expired.
fn valid_key(conn: &Connection, key_hash: &[u8; 32]) -> AppResult<(StoredKey, UserRow)> {
    let (key, user) = find_key_with_user(conn, key_hash)?
        .ok_or_else(|| AppError::Unauthorized("Invalid API key".into()))?;
    if key.expires_at.is_some_and(|at| at <= Timestamp::now()) {
        return Err(AppError::Unauthorized("This API key has expired".into()));
    }
    Ok((key, user))
}

/// Whether the request presents a valid key, checked from its headers alone (one read hop):
/// what a large body waits for before a byte of it is read (`extract`), so that a caller
/// without a key holds none of the server's memory for bodies. The handler's own hop checks
/// the key again, with the grant it needs.
pub async fn check_presented_key(req: &HttpRequest) -> AppResult<()> {
    let key_hash = hash_api_key(presented_key(req)?);
    let db = req
        .app_data::<actix_web::web::Data<Database>>()
        .ok_or_else(|| AppError::Internal("no database to check a key against".into()))?
        .clone();
    db.read(move |conn| valid_key(conn, &key_hash).map(|_| ()))
        .await
}

/// The header a request presents its API key in: `Authorization`, else `x-api-key`.
pub fn key_header(headers: &HeaderMap) -> Option<&HeaderValue> {
    headers
        .get(header::AUTHORIZATION)
        .or_else(|| headers.get("x-api-key"))
}

fn presented_key(req: &HttpRequest) -> AppResult<&str> {
    let raw = key_header(req.headers()).ok_or_else(|| {
        AppError::Unauthorized(
            "Missing API key: send it in the Authorization or x-api-key header".into(),
        )
    })?;
    let value = raw
        .to_str()
        .map_err(|_| AppError::Unauthorized("Malformed API key".into()))?
        .trim();
    let key = match value.get(..7) {
        Some(scheme) if scheme.eq_ignore_ascii_case("bearer ") => value[7..].trim(),
        _ => value,
    };
    if key.is_empty() || key.len() > MAX_PRESENTED_KEY_LEN {
        return Err(AppError::Unauthorized("Malformed API key".into()));
    }
    Ok(key)
}

fn uuid_header<T: From<uuid::Uuid>>(req: &HttpRequest, name: &str) -> AppResult<Option<T>> {
    let Some(raw) = req.headers().get(name) else {
        return Ok(None);
    };
    raw.to_str()
        .ok()
        .and_then(|text| uuid::Uuid::parse_str(text.trim()).ok())
        .map(|id| Some(T::from(id)))
        .ok_or_else(|| AppError::BadRequest(format!("The {name} header is not a valid UUID")))
}

impl<G: Grant> Auth<G> {
    fn from_request_headers(req: &HttpRequest) -> AppResult<Self> {
        let key = presented_key(req)?;
        let caller_id = CallerId::default();
        req.extensions_mut().insert(caller_id.clone());
        Ok(Auth {
            key_hash: hash_api_key(key),
            caller_id,
            headers: ScopeHeaders {
                dataset: uuid_header(req, "TR-Dataset")?,
                organization: uuid_header(req, "TR-Organization")?,
            },
            grant: PhantomData,
        })
    }
}

impl<G: Grant> FromRequest for Auth<G> {
    type Error = AppError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Auth::from_request_headers(req))
    }
}
