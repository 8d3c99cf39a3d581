//! API keys: made from the OS's randomness, shown once, stored only as SHA-256 digests. A key
//! can never make a key stronger than itself.

use rusqlite::Connection;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::db::api_keys::KeyRow;
use crate::db::api_keys::{self, NewKey};
use crate::domain::error::{AppError, AppResult};
use crate::domain::grants::{Caller, Write};
use crate::types::fields::Name;
use crate::types::ids::{KeyId, UserId};
use crate::types::roles::KeyRole;
use crate::types::time::Timestamp;

pub const KEY_PREFIX: &str = "tr-";
const KEY_RANDOM_CHARS: usize = 32;
const ALPHANUMERIC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

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

/// `POST /api/user/set_api_key`.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"name": "ci", "role": 1}))]
pub struct NewKeyRequest {
    /// 1 to 100 characters.
    pub name: String,
    /// 0 read-only, 1 read and write; defaults to the role of the key in use, and may not exceed it.
    #[schema(minimum = 0, maximum = 1)]
    pub role: Option<i64>,
    /// RFC 3339, in the future; defaults to the expiry of the key in use, and may not exceed it.
    pub expires_at: Option<String>,
}

/// Create a key for the caller and return it; it is never shown again. A key cannot create a
/// key stronger than itself: not a higher role, not a later expiry.
pub fn create_api_key(
    conn: &Connection,
    caller: &Write<Caller>,
    request: &NewKeyRequest,
) -> AppResult<String> {
    let name = Name::parse("name", &request.name)?;
    let own = caller.key();
    let role = request
        .role
        .map(KeyRole::parse)
        .transpose()?
        .unwrap_or(own.role);
    if role > own.role {
        return Err(AppError::Forbidden(
            "A key cannot create a key with a higher role than its own".into(),
        )
        .on_field("role"));
    }
    let expires_at = match request.expires_at.as_deref() {
        None => own.expires_at,
        Some(text) => {
            let at = Timestamp::parse_rfc3339(text).ok_or_else(|| {
                AppError::invalid(
                    "expires_at",
                    "expires_at must be an RFC 3339 timestamp before the year 10000, like \
                     2027-01-31T12:00:00Z",
                )
            })?;
            if at <= Timestamp::now() {
                return Err(AppError::invalid(
                    "expires_at",
                    "expires_at must be in the future",
                ));
            }
            if own.expires_at.is_some_and(|own| at > own) {
                return Err(AppError::Forbidden(
                    "A key cannot create a key that outlives it".into(),
                )
                .on_field("expires_at"));
            }
            Some(at)
        }
    };
    let key = generate_api_key()?;
    api_keys::insert_api_key(
        conn,
        &NewKey {
            user_id: caller.id(),
            name: name.as_str(),
            key_hash: &hash_api_key(&key),
            role,
            expires_at,
            is_bootstrap: false,
        },
    )?;
    Ok(key)
}

/// Delete one of the caller's keys and return the ones left. Another user's key is a 404.
pub fn delete_api_key(
    conn: &Connection,
    caller: &Write<Caller>,
    key_id: KeyId,
) -> AppResult<Vec<KeyRow>> {
    if !api_keys::delete_key_of_user(conn, caller.id(), key_id)? {
        return Err(AppError::NotFound(
            "You have no API key with that id".into(),
        ));
    }
    list_api_keys(conn, caller)
}

/// The caller's keys, oldest first, never the keys themselves.
pub fn list_api_keys(conn: &Connection, caller: &Caller) -> AppResult<Vec<KeyRow>> {
    Ok(api_keys::list_keys_of_user(conn, caller.id())?)
}

/// Store `key` (as its digest) for a user: read-write, without expiry. `is_bootstrap` marks
/// the key ADMIN_API_KEY keeps in step.
pub(crate) fn insert_full_key(
    conn: &Connection,
    user_id: UserId,
    name: &str,
    key: &str,
    is_bootstrap: bool,
) -> AppResult<()> {
    api_keys::insert_api_key(
        conn,
        &NewKey {
            user_id,
            name,
            key_hash: &hash_api_key(key),
            role: KeyRole::ReadWrite,
            expires_at: None,
            is_bootstrap,
        },
    )?;
    Ok(())
}

/// A new read-write key without expiry for a user; returns the key, to show once.
pub(crate) fn insert_new_full_key(
    conn: &Connection,
    user_id: UserId,
    name: &str,
) -> AppResult<String> {
    let key = generate_api_key()?;
    insert_full_key(conn, user_id, name, &key, false)?;
    Ok(key)
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
