//! Rows of `users`.

use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::error::{is_unique_violation, AppError, AppResult};
use crate::models::User;
use crate::timestamp;

/// Columns in `user_from_row` order; queries name the users table `u`.
pub(crate) const COLUMNS: &str =
    "u.id, u.email, u.name, u.username, u.website, u.visible_email, u.created_at, u.updated_at";

fn user_from_row(row: &Row) -> rusqlite::Result<User> {
    user_from_row_at(row, 0)
}

/// A user from `COLUMNS` starting at column `first` of a joined row.
pub(crate) fn user_from_row_at(row: &Row, first: usize) -> rusqlite::Result<User> {
    Ok(User {
        id: row.get(first)?,
        email: row.get(first + 1)?,
        name: row.get(first + 2)?,
        username: row.get(first + 3)?,
        website: row.get(first + 4)?,
        visible_email: row.get(first + 5)?,
        created_at: row.get(first + 6)?,
        updated_at: row.get(first + 7)?,
    })
}

/// Insert a user; an email already taken (case-insensitively) is a 409.
pub fn insert_user(conn: &Connection, email: &str, name: Option<&str>) -> AppResult<User> {
    let now = timestamp::now();
    let user = User {
        id: super::new_id(),
        email: email.to_string(),
        name: name.map(str::to_string),
        username: None,
        website: None,
        visible_email: true,
        created_at: now.clone(),
        updated_at: now,
    };
    conn.prepare_cached("INSERT INTO users (id, email, name, username, website, visible_email, created_at, updated_at)
         VALUES (?1, ?2, ?3, NULL, NULL, 1, ?4, ?4)")?.execute(
        params![user.id, user.email, user.name, user.created_at],
    )
    .map_err(|err| {
        if is_unique_violation(&err) {
            AppError::Conflict(format!("A user with email {email} already exists")).on_field("email")
        } else {
            err.into()
        }
    })?;
    Ok(user)
}

pub fn find_user_by_id(conn: &Connection, id: &str) -> AppResult<Option<User>> {
    let sql = format!("SELECT {COLUMNS} FROM users u WHERE u.id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id], user_from_row)
        .optional()?)
}

pub fn find_user_by_email(conn: &Connection, email: &str) -> AppResult<Option<User>> {
    let sql = format!("SELECT {COLUMNS} FROM users u WHERE u.email = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([email], user_from_row)
        .optional()?)
}

/// Write a user's profile fields as given (the caller has merged and validated them); a
/// username another user holds is a 409.
pub fn update_user_profile(conn: &Connection, user: &User) -> AppResult<User> {
    let now = timestamp::now();
    conn.prepare_cached("UPDATE users SET name = ?2, username = ?3, website = ?4, visible_email = ?5, updated_at = ?6
         WHERE id = ?1")?.execute(
        params![user.id, user.name, user.username, user.website, user.visible_email, now],
    )
    .map_err(|err| {
        if is_unique_violation(&err) {
            AppError::Conflict("That username is already taken".to_string()).on_field("username")
        } else {
            err.into()
        }
    })?;
    Ok(User {
        updated_at: now,
        ..user.clone()
    })
}

/// The members of an organization, oldest membership first.
pub fn list_users_of_organization(
    conn: &Connection,
    organization_id: &str,
) -> AppResult<Vec<User>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM users u JOIN user_organizations m ON m.user_id = u.id
         WHERE m.organization_id = ?1 ORDER BY m.created_at, u.id"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let users = stmt
        .query_map([organization_id], user_from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(users)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::open_in_memory;
    use actix_web::ResponseError;

    #[test]
    fn inserted_user_is_found_by_id_and_email_case_insensitively() {
        let conn = open_in_memory().unwrap();
        let user = insert_user(&conn, "Ada@Example.com", Some("Ada")).unwrap();
        assert_eq!(
            find_user_by_id(&conn, &user.id).unwrap().unwrap().email,
            "Ada@Example.com"
        );
        assert_eq!(
            find_user_by_email(&conn, "ada@example.com")
                .unwrap()
                .unwrap()
                .id,
            user.id
        );
        assert!(user.visible_email);
    }

    #[test]
    fn duplicate_email_is_a_conflict() {
        let conn = open_in_memory().unwrap();
        insert_user(&conn, "a@example.com", None).unwrap();
        let err = insert_user(&conn, "A@example.com", None).unwrap_err();
        assert!(err.status_code() == actix_web::http::StatusCode::CONFLICT);
    }

    #[test]
    fn username_taken_by_another_user_is_a_conflict() {
        let conn = open_in_memory().unwrap();
        let mut a = insert_user(&conn, "a@example.com", None).unwrap();
        let mut b = insert_user(&conn, "b@example.com", None).unwrap();
        a.username = Some("ada".into());
        update_user_profile(&conn, &a).unwrap();
        b.username = Some("ada".into());
        assert!(update_user_profile(&conn, &b)
            .is_err_and(|e| e.status_code() == actix_web::http::StatusCode::CONFLICT));
        let stored = find_user_by_id(&conn, &b.id).unwrap().unwrap();
        assert_eq!(stored.username, None);
    }
}
