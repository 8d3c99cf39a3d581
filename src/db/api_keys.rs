//! Rows of `api_keys`. Only SHA-256 digests of keys are stored; `domain::keys` makes and hashes
//! them, `http::auth` reads them from requests.

use const_format::concatcp;
use rusqlite::{params, Connection, OptionalExtension, Row};

use super::columns::{at, start};
use super::users::{self, UserRow};
use super::Result;
use crate::types::ids::{KeyId, UserId};
use crate::types::roles::KeyRole;
use crate::types::time::Timestamp;

/// A stored key, as its owner lists it: never its digest.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyRow {
    pub id: KeyId,
    pub user_id: UserId,
    pub name: String,
    pub role: KeyRole,
    pub expires_at: Option<Timestamp>,
    /// The key the ADMIN_API_KEY variable sets.
    pub managed_by_environment: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A key as authentication needs it.
#[derive(Debug, Clone)]
pub struct StoredKey {
    pub id: KeyId,
    pub user_id: UserId,
    pub role: KeyRole,
    pub expires_at: Option<Timestamp>,
}

pub struct NewKey<'a> {
    pub user_id: UserId,
    pub name: &'a str,
    pub key_hash: &'a [u8],
    pub role: KeyRole,
    pub expires_at: Option<Timestamp>,
    pub is_bootstrap: bool,
}

const STORED_KEY_COLUMNS: &str =
    "k.id AS key_id, k.user_id AS key_user_id, k.role AS key_role, k.expires_at";

/// A key from a row that starts with `STORED_KEY_COLUMNS`.
fn stored_key_from_row(row: &Row) -> rusqlite::Result<StoredKey> {
    Ok(StoredKey {
        id: row.get(at!(STORED_KEY_COLUMNS, "key_id"))?,
        user_id: row.get(at!(STORED_KEY_COLUMNS, "key_user_id"))?,
        role: row.get(at!(STORED_KEY_COLUMNS, "key_role"))?,
        expires_at: row.get(at!(STORED_KEY_COLUMNS, "expires_at"))?,
    })
}

const DTO_COLUMNS: &str =
    "id, user_id, name, role, expires_at, is_bootstrap, created_at, updated_at";

fn key_from_row(row: &Row) -> rusqlite::Result<KeyRow> {
    Ok(KeyRow {
        id: row.get(at!(DTO_COLUMNS, "id"))?,
        user_id: row.get(at!(DTO_COLUMNS, "user_id"))?,
        name: row.get(at!(DTO_COLUMNS, "name"))?,
        role: row.get(at!(DTO_COLUMNS, "role"))?,
        expires_at: row.get(at!(DTO_COLUMNS, "expires_at"))?,
        managed_by_environment: row.get(at!(DTO_COLUMNS, "is_bootstrap"))?,
        created_at: row.get(at!(DTO_COLUMNS, "created_at"))?,
        updated_at: row.get(at!(DTO_COLUMNS, "updated_at"))?,
    })
}

pub fn insert_api_key(conn: &Connection, key: &NewKey) -> Result<KeyRow> {
    let now = Timestamp::now();
    let dto = KeyRow {
        id: KeyId::random(),
        user_id: key.user_id,
        name: key.name.to_string(),
        role: key.role,
        expires_at: key.expires_at,
        managed_by_environment: key.is_bootstrap,
        created_at: now,
        updated_at: now,
    };
    conn.prepare_cached(
        "INSERT INTO api_keys (id, user_id, name, key_hash, role, expires_at, is_bootstrap,
                               created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
    )?
    .execute(params![
        dto.id,
        dto.user_id,
        dto.name,
        key.key_hash,
        dto.role,
        dto.expires_at,
        key.is_bootstrap,
        dto.created_at
    ])?;
    Ok(dto)
}

pub fn find_key_by_hash(conn: &Connection, key_hash: &[u8]) -> Result<Option<StoredKey>> {
    const SQL: &str = concatcp!(
        "SELECT ",
        STORED_KEY_COLUMNS,
        " FROM api_keys k WHERE k.key_hash = ?1"
    );
    Ok(conn
        .prepare_cached(SQL)?
        .query_row([key_hash], stored_key_from_row)
        .optional()?)
}

/// The key with that digest and the user holding it: what authentication needs, in one read.
pub fn find_key_with_user(
    conn: &Connection,
    key_hash: &[u8],
) -> Result<Option<(StoredKey, UserRow)>> {
    const SELECT: &str = concatcp!(STORED_KEY_COLUMNS, ", ", users::COLUMNS);
    const SQL: &str = concatcp!(
        "SELECT ",
        SELECT,
        " FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.key_hash = ?1"
    );
    Ok(conn
        .prepare_cached(SQL)?
        .query_row([key_hash], |row| {
            let user = users::user_from_row(row, start!(SELECT, users::COLUMNS, "user_id"))?;
            Ok((stored_key_from_row(row)?, user))
        })
        .optional()?)
}

/// A user's keys, oldest first, never the key itself.
pub fn list_keys_of_user(conn: &Connection, user_id: UserId) -> Result<Vec<KeyRow>> {
    const SQL: &str = concatcp!(
        "SELECT ",
        DTO_COLUMNS,
        " FROM api_keys WHERE user_id = ?1 ORDER BY created_at, id"
    );
    let mut stmt = conn.prepare_cached(SQL)?;
    let keys = stmt
        .query_map([user_id], key_from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(keys)
}

/// Delete one of a user's keys; false when the user has no key with that id. Revoking the key
/// ADMIN_API_KEY set is remembered, so that the next start can say it comes back.
pub fn delete_key_of_user(conn: &Connection, user_id: UserId, key_id: KeyId) -> Result<bool> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO revoked_admin_keys (key_hash, revoked_at)
         SELECT key_hash, ?3 FROM api_keys WHERE id = ?1 AND user_id = ?2 AND is_bootstrap = 1",
    )?
    .execute(params![key_id, user_id, Timestamp::now()])?;
    let deleted = conn
        .prepare_cached("DELETE FROM api_keys WHERE id = ?1 AND user_id = ?2")?
        .execute(params![key_id, user_id])?;
    Ok(deleted == 1)
}

/// The bootstrap key (the one ADMIN_API_KEY keeps in step), if any.
pub fn find_bootstrap_key(conn: &Connection) -> Result<Option<StoredKey>> {
    const SQL: &str = concatcp!(
        "SELECT ",
        STORED_KEY_COLUMNS,
        " FROM api_keys k WHERE k.is_bootstrap = 1 ORDER BY k.created_at LIMIT 1"
    );
    Ok(conn
        .prepare_cached(SQL)?
        .query_row([], stored_key_from_row)
        .optional()?)
}

/// When the key with this digest was revoked as the ADMIN_API_KEY key, if it was; forgotten
/// once asked (the key is about to be stored again).
pub fn take_revoked_admin_key(conn: &Connection, key_hash: &[u8]) -> Result<Option<Timestamp>> {
    let revoked_at = conn
        .prepare_cached("SELECT revoked_at FROM revoked_admin_keys WHERE key_hash = ?1")?
        .query_row([key_hash], |row| row.get(0))
        .optional()?;
    conn.prepare_cached("DELETE FROM revoked_admin_keys WHERE key_hash = ?1")?
        .execute([key_hash])?;
    Ok(revoked_at)
}

pub fn delete_bootstrap_keys(conn: &Connection) -> Result<()> {
    conn.prepare_cached("DELETE FROM api_keys WHERE is_bootstrap = 1")?
        .execute([])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::open_in_memory;
    use crate::db::test_support::user;

    #[test]
    fn key_is_found_by_hash_listed_and_deleted_only_by_its_owner() {
        let conn = open_in_memory().unwrap();
        let ada = user(&conn, "ada@example.com");
        let bob = user(&conn, "bob@example.com");
        let dto = insert_api_key(
            &conn,
            &NewKey {
                user_id: ada.id,
                name: "ci",
                key_hash: &[7u8; 32],
                role: KeyRole::ReadWrite,
                expires_at: None,
                is_bootstrap: false,
            },
        )
        .unwrap();
        assert_eq!(
            find_key_by_hash(&conn, &[7u8; 32]).unwrap().unwrap().id,
            dto.id
        );
        let (key, holder) = find_key_with_user(&conn, &[7u8; 32]).unwrap().unwrap();
        assert_eq!(
            (key.user_id, holder.id, key.role),
            (ada.id, ada.id, KeyRole::ReadWrite)
        );
        assert!(find_key_by_hash(&conn, &[8u8; 32]).unwrap().is_none());
        assert_eq!(list_keys_of_user(&conn, ada.id).unwrap().len(), 1);

        assert!(!delete_key_of_user(&conn, bob.id, dto.id).unwrap());
        assert_eq!(list_keys_of_user(&conn, ada.id).unwrap().len(), 1);
        assert!(delete_key_of_user(&conn, ada.id, dto.id).unwrap());
        assert!(find_key_by_hash(&conn, &[7u8; 32]).unwrap().is_none());
    }
}
