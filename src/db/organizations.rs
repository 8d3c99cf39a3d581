//! Rows of `organizations` and `user_organizations` (memberships).

use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::error::{is_unique_violation, AppError, AppResult};
use crate::models::{Organization, Role, UserOrganization};
use crate::timestamp;

pub(crate) const ORGANIZATION_COLUMNS: &str =
    "o.id, o.name, o.registerable, o.created_at, o.updated_at";
pub(crate) const MEMBERSHIP_COLUMNS: &str =
    "m.id, m.user_id, m.organization_id, m.role, m.created_at, m.updated_at";

fn organization_from_row(row: &Row) -> rusqlite::Result<Organization> {
    organization_from_row_at(row, 0)
}

pub(crate) fn organization_from_row_at(row: &Row, first: usize) -> rusqlite::Result<Organization> {
    Ok(Organization {
        id: row.get(first)?,
        name: row.get(first + 1)?,
        registerable: row.get(first + 2)?,
        created_at: row.get(first + 3)?,
        updated_at: row.get(first + 4)?,
    })
}

pub(crate) fn membership_from_row(row: &Row, first: usize) -> rusqlite::Result<UserOrganization> {
    Ok(UserOrganization {
        id: row.get(first)?,
        user_id: row.get(first + 1)?,
        organization_id: row.get(first + 2)?,
        role: row.get(first + 3)?,
        created_at: row.get(first + 4)?,
        updated_at: row.get(first + 5)?,
    })
}

/// Insert an organization; a name already taken is a 409.
pub fn insert_organization(conn: &Connection, name: &str) -> AppResult<Organization> {
    let now = timestamp::now();
    let organization = Organization {
        id: super::new_id(),
        name: name.to_string(),
        registerable: Some(false),
        created_at: now.clone(),
        updated_at: now,
    };
    conn.prepare_cached(
        "INSERT INTO organizations (id, name, registerable, created_at, updated_at)
         VALUES (?1, ?2, 0, ?3, ?3)",
    )?
    .execute(params![
        organization.id,
        organization.name,
        organization.created_at
    ])
    .map_err(|err| {
        if is_unique_violation(&err) {
            AppError::Conflict(format!("An organization named {name} already exists"))
                .on_field("name")
        } else {
            err.into()
        }
    })?;
    Ok(organization)
}

pub fn find_organization_by_id(conn: &Connection, id: &str) -> AppResult<Option<Organization>> {
    let sql = format!("SELECT {ORGANIZATION_COLUMNS} FROM organizations o WHERE o.id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id], organization_from_row)
        .optional()?)
}

pub fn find_organization_by_name(conn: &Connection, name: &str) -> AppResult<Option<Organization>> {
    let sql = format!("SELECT {ORGANIZATION_COLUMNS} FROM organizations o WHERE o.name = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([name], organization_from_row)
        .optional()?)
}

pub fn find_membership(
    conn: &Connection,
    user_id: &str,
    organization_id: &str,
) -> AppResult<Option<UserOrganization>> {
    let sql = format!(
        "SELECT {MEMBERSHIP_COLUMNS} FROM user_organizations m
         WHERE m.user_id = ?1 AND m.organization_id = ?2"
    );
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([user_id, organization_id], |row| {
            membership_from_row(row, 0)
        })
        .optional()?)
}

/// Make a user a member; already being one is a 409.
pub fn insert_membership(
    conn: &Connection,
    user_id: &str,
    organization_id: &str,
    role: Role,
) -> AppResult<UserOrganization> {
    let now = timestamp::now();
    let membership = UserOrganization {
        id: super::new_id(),
        user_id: user_id.to_string(),
        organization_id: organization_id.to_string(),
        role: role.as_i64(),
        created_at: now.clone(),
        updated_at: now,
    };
    conn.prepare_cached("INSERT INTO user_organizations (id, user_id, organization_id, role, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5)")?.execute(
        params![
            membership.id,
            membership.user_id,
            membership.organization_id,
            membership.role,
            membership.created_at
        ],
    )
    .map_err(|err| {
        if is_unique_violation(&err) {
            AppError::Conflict("The user is already a member of this organization".to_string()).on_field("email")
        } else {
            err.into()
        }
    })?;
    Ok(membership)
}

pub fn update_membership_role(conn: &Connection, membership_id: &str, role: Role) -> AppResult<()> {
    conn.prepare_cached("UPDATE user_organizations SET role = ?2, updated_at = ?3 WHERE id = ?1")?
        .execute(params![membership_id, role.as_i64(), timestamp::now()])?;
    Ok(())
}

pub fn delete_membership(conn: &Connection, membership_id: &str) -> AppResult<()> {
    conn.prepare_cached("DELETE FROM user_organizations WHERE id = ?1")?
        .execute([membership_id])?;
    Ok(())
}

pub fn count_owners(conn: &Connection, organization_id: &str) -> AppResult<i64> {
    Ok(conn
        .prepare_cached(
            "SELECT count(*) FROM user_organizations WHERE organization_id = ?1 AND role = 2",
        )?
        .query_row([organization_id], |row| row.get(0))?)
}

/// The organizations a user belongs to, each with the membership, oldest membership first.
pub fn list_memberships_of_user(
    conn: &Connection,
    user_id: &str,
) -> AppResult<Vec<(Organization, UserOrganization)>> {
    let sql = format!(
        "SELECT {ORGANIZATION_COLUMNS}, {MEMBERSHIP_COLUMNS}
         FROM user_organizations m JOIN organizations o ON o.id = m.organization_id
         WHERE m.user_id = ?1 ORDER BY m.created_at, m.id"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt
        .query_map([user_id], |row| {
            Ok((organization_from_row(row)?, membership_from_row(row, 5)?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// The memberships of an organization, oldest first.
pub fn list_memberships_of_organization(
    conn: &Connection,
    organization_id: &str,
) -> AppResult<Vec<UserOrganization>> {
    let sql = format!(
        "SELECT {MEMBERSHIP_COLUMNS} FROM user_organizations m
         WHERE m.organization_id = ?1 ORDER BY m.created_at, m.user_id"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt
        .query_map([organization_id], |row| membership_from_row(row, 0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{open_in_memory, users::insert_user};
    use actix_web::ResponseError;

    #[test]
    fn membership_round_trips_and_counts_owners() {
        let conn = open_in_memory().unwrap();
        let org = insert_organization(&conn, "acme").unwrap();
        let ada = insert_user(&conn, "ada@example.com", None).unwrap();
        let bob = insert_user(&conn, "bob@example.com", None).unwrap();
        insert_membership(&conn, &ada.id, &org.id, Role::Owner).unwrap();
        let bob_member = insert_membership(&conn, &bob.id, &org.id, Role::User).unwrap();
        assert_eq!(count_owners(&conn, &org.id).unwrap(), 1);

        update_membership_role(&conn, &bob_member.id, Role::Owner).unwrap();
        assert_eq!(count_owners(&conn, &org.id).unwrap(), 2);
        let found = find_membership(&conn, &bob.id, &org.id).unwrap().unwrap();
        assert_eq!(found.role(), Role::Owner);

        let of_ada = list_memberships_of_user(&conn, &ada.id).unwrap();
        assert_eq!(of_ada.len(), 1);
        assert_eq!(of_ada[0].0.name, "acme");
        assert_eq!(
            list_memberships_of_organization(&conn, &org.id)
                .unwrap()
                .len(),
            2
        );
    }

    #[test]
    fn second_membership_in_one_organization_is_a_conflict() {
        let conn = open_in_memory().unwrap();
        let org = insert_organization(&conn, "acme").unwrap();
        let ada = insert_user(&conn, "ada@example.com", None).unwrap();
        insert_membership(&conn, &ada.id, &org.id, Role::User).unwrap();
        let err = insert_membership(&conn, &ada.id, &org.id, Role::Admin).unwrap_err();
        assert!(err.status_code() == actix_web::http::StatusCode::CONFLICT);
        assert!(insert_organization(&conn, "acme")
            .is_err_and(|e| e.status_code() == actix_web::http::StatusCode::CONFLICT));
    }
}
