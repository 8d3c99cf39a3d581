//! Rows of `users`.

use const_format::concatcp;
use rusqlite::{params, Connection, OptionalExtension, Row};

use super::columns::at;
use super::Result;
use crate::types::fields::{username_key, Email, Name};
use crate::types::ids::{OrganizationId, UserId};
use crate::types::time::Timestamp;

/// A stored user.
#[derive(Debug, Clone, PartialEq)]
pub struct UserRow {
    pub id: UserId,
    pub email: String,
    pub name: Option<String>,
    pub username: Option<String>,
    pub website: Option<String>,
    pub visible_email: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// The columns `user_from_row` reads; queries name the users table `u`.
pub(crate) const COLUMNS: &str = "u.id AS user_id, u.email, u.name AS user_name, u.username, \
     u.website, u.visible_email, u.created_at AS user_created_at, u.updated_at AS user_updated_at";

/// A user from the `COLUMNS` of a row that starts them at position `first`.
pub(crate) fn user_from_row(row: &Row, first: usize) -> rusqlite::Result<UserRow> {
    Ok(UserRow {
        id: row.get(first + at!(COLUMNS, "user_id"))?,
        email: row.get(first + at!(COLUMNS, "email"))?,
        name: row.get(first + at!(COLUMNS, "user_name"))?,
        username: row.get(first + at!(COLUMNS, "username"))?,
        website: row.get(first + at!(COLUMNS, "website"))?,
        visible_email: row.get(first + at!(COLUMNS, "visible_email"))?,
        created_at: row.get(first + at!(COLUMNS, "user_created_at"))?,
        updated_at: row.get(first + at!(COLUMNS, "user_updated_at"))?,
    })
}

fn user_alone(row: &Row) -> rusqlite::Result<UserRow> {
    user_from_row(row, 0)
}

/// Insert a user; an email already taken (case-insensitively) is `Unique::UserEmail`.
pub fn insert_user(conn: &Connection, email: &Email, name: Option<&Name>) -> Result<UserRow> {
    let now = Timestamp::now();
    let user = UserRow {
        id: UserId::random(),
        email: email.as_str().to_string(),
        name: name.map(|name| name.as_str().to_string()),
        username: None,
        website: None,
        visible_email: true,
        created_at: now,
        updated_at: now,
    };
    conn.prepare_cached(
        "INSERT INTO users (id, email, name, username, website, visible_email, created_at, updated_at)
         VALUES (?1, ?2, ?3, NULL, NULL, 1, ?4, ?4)",
    )?
    .execute(params![user.id, user.email, user.name, user.created_at])?;
    Ok(user)
}

pub fn find_user_by_id(conn: &Connection, id: UserId) -> Result<Option<UserRow>> {
    const SQL: &str = concatcp!("SELECT ", COLUMNS, " FROM users u WHERE u.id = ?1");
    Ok(conn
        .prepare_cached(SQL)?
        .query_row([id], user_alone)
        .optional()?)
}

pub fn find_user_by_email(conn: &Connection, email: &Email) -> Result<Option<UserRow>> {
    const SQL: &str = concatcp!("SELECT ", COLUMNS, " FROM users u WHERE u.email = ?1");
    Ok(conn
        .prepare_cached(SQL)?
        .query_row([email.as_str()], user_alone)
        .optional()?)
}

/// Whether the database has any user at all (it has none before the first start).
pub fn any_user_exists(conn: &Connection) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM users)")?
        .query_row([], |row| row.get(0))?)
}

/// Write a user's profile fields as given (the caller has merged and validated them); a
/// username another user holds is `Unique::Username`.
pub fn update_user_profile(conn: &Connection, user: &UserRow) -> Result<UserRow> {
    let now = Timestamp::now();
    conn.prepare_cached(
        "UPDATE users SET name = ?2, username = ?3, username_key = ?7, website = ?4,
                          visible_email = ?5, updated_at = ?6
         WHERE id = ?1",
    )?
    .execute(params![
        user.id,
        user.name,
        user.username,
        user.website,
        user.visible_email,
        now,
        user.username.as_deref().map(username_key)
    ])?;
    Ok(UserRow {
        updated_at: now,
        ..user.clone()
    })
}

/// The members of an organization, oldest membership first.
pub fn list_users_of_organization(
    conn: &Connection,
    organization_id: OrganizationId,
) -> Result<Vec<UserRow>> {
    const SQL: &str = concatcp!(
        "SELECT ",
        COLUMNS,
        " FROM users u JOIN user_organizations m ON m.user_id = u.id
         WHERE m.organization_id = ?1 ORDER BY m.created_at, u.id"
    );
    let mut stmt = conn.prepare_cached(SQL)?;
    let users = stmt
        .query_map([organization_id], user_alone)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(users)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::test_support::email;
    use crate::db::{open_in_memory, Error, Unique};

    #[test]
    fn inserted_user_is_found_by_id_and_email_case_insensitively() {
        let conn = open_in_memory().unwrap();
        let ada = Name::parse("name", "Ada").unwrap();
        let user = insert_user(&conn, &email("Ada@Example.com"), Some(&ada)).unwrap();
        assert_eq!(
            find_user_by_id(&conn, user.id).unwrap().unwrap().email,
            "Ada@Example.com"
        );
        assert_eq!(
            find_user_by_email(&conn, &email("ada@example.com"))
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
        insert_user(&conn, &email("a@example.com"), None).unwrap();
        let err = insert_user(&conn, &email("A@example.com"), None).unwrap_err();
        assert!(matches!(err, Error::Taken(Unique::UserEmail)));
    }

    #[test]
    fn username_taken_by_another_user_is_a_conflict() {
        let conn = open_in_memory().unwrap();
        let mut a = insert_user(&conn, &email("a@example.com"), None).unwrap();
        let mut b = insert_user(&conn, &email("b@example.com"), None).unwrap();
        a.username = Some("ada".into());
        update_user_profile(&conn, &a).unwrap();
        b.username = Some("ada".into());
        assert!(matches!(
            update_user_profile(&conn, &b),
            Err(Error::Taken(Unique::Username))
        ));
        let stored = find_user_by_id(&conn, b.id).unwrap().unwrap();
        assert_eq!(stored.username, None);
    }
}
