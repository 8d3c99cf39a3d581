//! API keys (generate, hash) and the extractors that carry a caller's credentials.
//!
//! Extractors only read headers; the database check happens inside the handler's one blocking
//! hop (`Credentials::authenticate`), so a request costs one trip to the blocking pool.

use std::future::{ready, Ready};
use std::sync::{Arc, OnceLock};

use actix_web::dev::Payload;
use actix_web::http::{header, Method};
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use rusqlite::Connection;
use sha2::{Digest, Sha256};

use crate::db::api_keys::{find_key_with_user, StoredKey};
use crate::db::{datasets, organizations};
use crate::error::{AppError, AppResult};
use crate::models::{Dataset, Organization, Role, User, UserOrganization};
use crate::timestamp;

pub const KEY_PREFIX: &str = "tr-";
const KEY_RANDOM_CHARS: usize = 32;
const ALPHANUMERIC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
/// Longer presented keys are refused before hashing.
const MAX_PRESENTED_KEY_LEN: usize = 512;

/// Key role 0: GET and HEAD only. Key role 1: read and write.
pub const KEY_ROLE_READ_ONLY: i64 = 0;
pub const KEY_ROLE_READ_WRITE: i64 = 1;

/// A new key: `tr-` and 32 alphanumerics from the operating system's CSPRNG.
pub fn generate_api_key() -> AppResult<String> {
    let mut key = String::with_capacity(KEY_PREFIX.len() + KEY_RANDOM_CHARS);
    key.push_str(KEY_PREFIX);
    let mut produced = 0;
    while produced < KEY_RANDOM_CHARS {
        let mut buf = [0u8; 64];
        getrandom::fill(&mut buf)
            .map_err(|err| AppError::Internal(format!("no randomness from the OS: {err}")))?;
        // 248 = 4 * 62: bytes at or above it are dropped so that every character is equally likely.
        for byte in buf.into_iter().filter(|b| *b < 248) {
            if produced == KEY_RANDOM_CHARS {
                break;
            }
            key.push(ALPHANUMERIC[byte as usize % ALPHANUMERIC.len()] as char);
            produced += 1;
        }
    }
    Ok(key)
}

pub fn hash_api_key(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}

/// Where authentication leaves the caller's user id, for the request log line. Shared between
/// the request's extensions and its credentials, which travel to a database thread.
#[derive(Clone, Default)]
pub struct CallerId(Arc<OnceLock<String>>);

impl CallerId {
    pub fn get(&self) -> Option<&str> {
        self.0.get().map(String::as_str)
    }
}

/// What a request presents: the digest of its key, whether it writes, and the scope headers.
/// Deliberately not `Debug`-printable with the key: only the digest is kept.
pub struct Credentials {
    key_hash: [u8; 32],
    caller_id: CallerId,
    writes: bool,
    /// `TR-Dataset`, a validated UUID.
    pub dataset_id: Option<String>,
    /// `TR-Organization`, a validated UUID.
    pub organization_id: Option<String>,
}

/// Credentials of a request that must name a dataset with `TR-Dataset`.
pub struct DatasetCredentials {
    pub credentials: Credentials,
    pub dataset_id: String,
}

fn presented_key(req: &HttpRequest) -> AppResult<&str> {
    let raw = req
        .headers()
        .get(header::AUTHORIZATION)
        .or_else(|| req.headers().get("x-api-key"))
        .ok_or_else(|| {
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

fn uuid_header(req: &HttpRequest, name: &str) -> AppResult<Option<String>> {
    let Some(raw) = req.headers().get(name) else {
        return Ok(None);
    };
    raw.to_str()
        .ok()
        .and_then(|text| uuid::Uuid::parse_str(text.trim()).ok())
        .map(|id| Some(id.to_string()))
        .ok_or_else(|| AppError::BadRequest(format!("The {name} header is not a valid UUID")))
}

impl Credentials {
    fn from_request_headers(req: &HttpRequest) -> AppResult<Self> {
        let key = presented_key(req)?;
        let caller_id = CallerId::default();
        req.extensions_mut().insert(caller_id.clone());
        Ok(Credentials {
            key_hash: hash_api_key(key),
            caller_id,
            writes: !matches!(*req.method(), Method::GET | Method::HEAD),
            dataset_id: uuid_header(req, "TR-Dataset")?,
            organization_id: uuid_header(req, "TR-Organization")?,
        })
    }

    /// Check the key against the database: it exists, has not expired, and may make this kind
    /// of request.
    pub fn authenticate(&self, conn: &Connection) -> AppResult<Caller> {
        let (key, user) = find_key_with_user(conn, &self.key_hash)?
            .ok_or_else(|| AppError::Unauthorized("Invalid API key".into()))?;
        if key
            .expires_at
            .as_deref()
            .is_some_and(|expires_at| expires_at <= timestamp::now().as_str())
        {
            return Err(AppError::Unauthorized("This API key has expired".into()));
        }
        if self.writes && key.role < KEY_ROLE_READ_WRITE {
            return Err(AppError::Forbidden(
                "This API key is read-only; use a read-write key to make changes".into(),
            ));
        }
        let _ = self.caller_id.0.set(user.id.clone());
        Ok(Caller { user, key })
    }
}

impl DatasetCredentials {
    /// Authenticate and check that the caller is a member of the `TR-Dataset`'s organization.
    pub fn authenticate(&self, conn: &Connection) -> AppResult<DatasetScope> {
        let caller = self.credentials.authenticate(conn)?;
        caller.in_dataset(conn, &self.dataset_id)
    }
}

impl FromRequest for Credentials {
    type Error = AppError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Credentials::from_request_headers(req))
    }
}

impl FromRequest for DatasetCredentials {
    type Error = AppError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            Credentials::from_request_headers(req).and_then(|credentials| {
                let dataset_id = credentials.dataset_id.clone().ok_or_else(|| {
                    AppError::BadRequest("The TR-Dataset header is required".into())
                })?;
                Ok(DatasetCredentials {
                    credentials,
                    dataset_id,
                })
            }),
        )
    }
}

/// An authenticated caller: the user and the key they used.
pub struct Caller {
    pub user: User,
    pub key: StoredKey,
}

/// A caller's membership in one organization.
pub struct OrganizationScope {
    pub caller: Caller,
    pub organization: Organization,
    pub membership: UserOrganization,
}

/// A caller's membership in the organization that holds one dataset.
pub struct DatasetScope {
    pub dataset: Dataset,
    pub scope: OrganizationScope,
}

impl Caller {
    /// 403 unless the caller is an admin or owner of some organization: for server-wide views.
    pub fn require_admin_somewhere(&self, conn: &Connection) -> AppResult<()> {
        let memberships = organizations::list_memberships_of_user(conn, &self.user.id)?;
        if memberships
            .iter()
            .any(|(_, membership)| membership.role() >= Role::Admin)
        {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "This needs the admin or owner role in an organization".into(),
            ))
        }
    }

    /// The caller's membership in an organization: 404 if there is no such organization, 403 if
    /// the caller is not a member.
    pub fn in_organization(
        self,
        conn: &Connection,
        organization_id: &str,
    ) -> AppResult<OrganizationScope> {
        let organization = organizations::find_organization_by_id(conn, organization_id)?
            .ok_or_else(|| AppError::NotFound("Organization not found".into()))?;
        let membership = organizations::find_membership(conn, &self.user.id, organization_id)?
            .ok_or_else(not_a_member)?;
        Ok(OrganizationScope {
            caller: self,
            organization,
            membership,
        })
    }

    pub fn in_dataset(self, conn: &Connection, dataset_id: &str) -> AppResult<DatasetScope> {
        let (dataset, organization, membership) =
            datasets::find_dataset_with_membership(conn, dataset_id, &self.user.id)?
                .ok_or_else(|| AppError::NotFound("Dataset not found".into()))?;
        let membership = membership.ok_or_else(not_a_member)?;
        let scope = OrganizationScope {
            caller: self,
            organization,
            membership,
        };
        Ok(DatasetScope { dataset, scope })
    }
}

fn not_a_member() -> AppError {
    AppError::Forbidden("You are not a member of this organization".into())
}

impl OrganizationScope {
    pub fn role(&self) -> Role {
        self.membership.role()
    }

    /// 403 unless the caller's role in this organization is at least `needed`.
    pub fn require(&self, needed: Role) -> AppResult<()> {
        if self.role() >= needed {
            Ok(())
        } else {
            Err(AppError::Forbidden(format!(
                "This needs the {} role or higher in the organization",
                needed.name()
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_have_the_documented_shape_and_differ() {
        let a = generate_api_key().unwrap();
        let b = generate_api_key().unwrap();
        assert_eq!(a.len(), 35);
        assert!(a.starts_with("tr-"));
        assert!(a[3..].bytes().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(a, b);
    }

    #[test]
    fn hash_is_sha256() {
        let digest = hash_api_key("abc");
        assert_eq!(digest[..4], [0xba, 0x78, 0x16, 0xbf]);
    }
}
