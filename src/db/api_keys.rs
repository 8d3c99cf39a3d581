//! Rows of `api_keys`. Only SHA-256 digests of keys are stored; see `auth` for the keys.

use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::db::users;
use crate::error::AppResult;
use crate::models::{ApiKeyDto, User};
use crate::timestamp;

/// A key as authentication needs it.
#[derive(Debug, Clone)]
pub struct StoredKey {
    pub id: String,
    pub user_id: String,
    pub role: i64,
    pub expires_at: Option<String>,
}

pub struct NewKey<'a> {
    pub user_id: &'a str,
    pub name: &'a str,
    pub key_hash: &'a [u8],
    pub role: i64,
    pub expires_at: Option<&'a str>,
    pub is_bootstrap: bool,
}

/// A key from its first four columns: id, user_id, role, expires_at.
fn stored_key_from_row(row: &Row) -> rusqlite::Result<StoredKey> {
    Ok(StoredKey {
        id: row.get(0)?,
        user_id: row.get(1)?,
        role: row.get(2)?,
        expires_at: row.get(3)?,
    })
}

const DTO_COLUMNS: &str = "id, user_id, name, role, expires_at, created_at, updated_at";

fn dto_from_row(row: &Row) -> rusqlite::Result<ApiKeyDto> {
    Ok(ApiKeyDto {
        id: row.get(0)?,
        user_id: row.get(1)?,
        name: row.get(2)?,
        role: row.get(3)?,
        expires_at: row.get(4)?,
        created_at: row.get(5)?,
        updated_at: row.get(6)?,
    })
}

pub fn insert_api_key(conn: &Connection, key: &NewKey) -> AppResult<ApiKeyDto> {
    let now = timestamp::now();
    let dto = ApiKeyDto {
        id: super::new_id(),
        user_id: key.user_id.to_string(),
        name: key.name.to_string(),
        role: key.role,
        expires_at: key.expires_at.map(str::to_string),
        created_at: now.clone(),
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

pub fn find_key_by_hash(conn: &Connection, key_hash: &[u8]) -> AppResult<Option<StoredKey>> {
    let mut stmt = conn
        .prepare_cached("SELECT id, user_id, role, expires_at FROM api_keys WHERE key_hash = ?1")?;
    Ok(stmt.query_row([key_hash], stored_key_from_row).optional()?)
}

/// The key with that digest and the user holding it: what authentication needs, in one read.
pub fn find_key_with_user(
    conn: &Connection,
    key_hash: &[u8],
) -> AppResult<Option<(StoredKey, User)>> {
    let sql = format!(
        "SELECT k.id, k.user_id, k.role, k.expires_at, {}
         FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.key_hash = ?1",
        users::COLUMNS
    );
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([key_hash], |row| {
            let key = stored_key_from_row(row)?;
            Ok((key, users::user_from_row_at(row, 4)?))
        })
        .optional()?)
}

/// A user's keys, oldest first, never the key itself.
pub fn list_keys_of_user(conn: &Connection, user_id: &str) -> AppResult<Vec<ApiKeyDto>> {
    let sql =
        format!("SELECT {DTO_COLUMNS} FROM api_keys WHERE user_id = ?1 ORDER BY created_at, id");
    let mut stmt = conn.prepare_cached(&sql)?;
    let keys = stmt
        .query_map([user_id], dto_from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(keys)
}

/// Delete one of a user's keys; false when the user has no key with that id.
pub fn delete_key_of_user(conn: &Connection, user_id: &str, key_id: &str) -> AppResult<bool> {
    let deleted = conn
        .prepare_cached("DELETE FROM api_keys WHERE id = ?1 AND user_id = ?2")?
        .execute([key_id, user_id])?;
    Ok(deleted == 1)
}

/// The user owning the bootstrap key (the one ADMIN_API_KEY keeps in step), if any.
pub fn find_bootstrap_key(conn: &Connection) -> AppResult<Option<StoredKey>> {
    Ok(conn
        .prepare_cached(
            "SELECT id, user_id, role, expires_at FROM api_keys WHERE is_bootstrap = 1
             ORDER BY created_at LIMIT 1",
        )?
        .query_row([], stored_key_from_row)
        .optional()?)
}

pub fn delete_bootstrap_keys(conn: &Connection) -> AppResult<()> {
    conn.prepare_cached("DELETE FROM api_keys WHERE is_bootstrap = 1")?
        .execute([])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{open_in_memory, users::insert_user};

    #[test]
    fn key_is_found_by_hash_listed_and_deleted_only_by_its_owner() {
        let conn = open_in_memory().unwrap();
        let ada = insert_user(&conn, "ada@example.com", None).unwrap();
        let bob = insert_user(&conn, "bob@example.com", None).unwrap();
        let dto = insert_api_key(
            &conn,
            &NewKey {
                user_id: &ada.id,
                name: "ci",
                key_hash: &[7u8; 32],
                role: 1,
                expires_at: None,
                is_bootstrap: false,
            },
        )
        .unwrap();
        assert_eq!(
            find_key_by_hash(&conn, &[7u8; 32]).unwrap().unwrap().id,
            dto.id
        );
        assert!(find_key_by_hash(&conn, &[8u8; 32]).unwrap().is_none());
        assert_eq!(list_keys_of_user(&conn, &ada.id).unwrap().len(), 1);

        assert!(!delete_key_of_user(&conn, &bob.id, &dto.id).unwrap());
        assert_eq!(list_keys_of_user(&conn, &ada.id).unwrap().len(), 1);
        assert!(delete_key_of_user(&conn, &ada.id, &dto.id).unwrap());
        assert!(find_key_by_hash(&conn, &[7u8; 32]).unwrap().is_none());
    }
}
