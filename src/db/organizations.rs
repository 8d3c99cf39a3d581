//! Rows of `organizations` and `user_organizations` (memberships).

use const_format::concatcp;
use rusqlite::{params, Connection, OptionalExtension, Row};

use super::columns::{at, start};
use super::Result;
use crate::types::fields::Name;
use crate::types::ids::{MembershipId, OrganizationId, UserId};
use crate::types::roles::Role;
use crate::types::time::Timestamp;

/// A stored organization.
#[derive(Debug, Clone, PartialEq)]
pub struct OrganizationRow {
    pub id: OrganizationId,
    pub name: String,
    pub registerable: Option<bool>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A user's membership of an organization, with their role in it.
#[derive(Debug, Clone, PartialEq)]
pub struct MembershipRow {
    pub id: MembershipId,
    pub user_id: UserId,
    pub organization_id: OrganizationId,
    pub role: Role,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// The columns `organization_from_row` reads; queries name the table `o`.
pub(crate) const ORGANIZATION_COLUMNS: &str = "o.id AS organization_id, \
     o.name AS organization_name, o.registerable, o.created_at AS organization_created_at, \
     o.updated_at AS organization_updated_at";
/// The columns `membership_from_row` reads; queries name the table `m`.
pub(crate) const MEMBERSHIP_COLUMNS: &str = "m.id AS membership_id, m.user_id AS member_id, \
     m.organization_id AS membership_organization_id, m.role AS member_role, \
     m.created_at AS membership_created_at, m.updated_at AS membership_updated_at";

/// An organization from the `ORGANIZATION_COLUMNS` of a row that starts them at `first`.
pub(crate) fn organization_from_row(row: &Row, first: usize) -> rusqlite::Result<OrganizationRow> {
    const LIST: &str = ORGANIZATION_COLUMNS;
    Ok(OrganizationRow {
        id: row.get(first + at!(LIST, "organization_id"))?,
        name: row.get(first + at!(LIST, "organization_name"))?,
        registerable: row.get(first + at!(LIST, "registerable"))?,
        created_at: row.get(first + at!(LIST, "organization_created_at"))?,
        updated_at: row.get(first + at!(LIST, "organization_updated_at"))?,
    })
}

/// A membership from the `MEMBERSHIP_COLUMNS` of a row that starts them at `first`.
pub(crate) fn membership_from_row(row: &Row, first: usize) -> rusqlite::Result<MembershipRow> {
    const LIST: &str = MEMBERSHIP_COLUMNS;
    Ok(MembershipRow {
        id: row.get(first + at!(LIST, "membership_id"))?,
        user_id: row.get(first + at!(LIST, "member_id"))?,
        organization_id: row.get(first + at!(LIST, "membership_organization_id"))?,
        role: row.get(first + at!(LIST, "member_role"))?,
        created_at: row.get(first + at!(LIST, "membership_created_at"))?,
        updated_at: row.get(first + at!(LIST, "membership_updated_at"))?,
    })
}

/// The membership of a LEFT JOINed row that starts `MEMBERSHIP_COLUMNS` at `first`, or None when
/// the join found none.
pub(crate) fn optional_membership(
    row: &Row,
    first: usize,
) -> rusqlite::Result<Option<MembershipRow>> {
    let id: Option<MembershipId> = row.get(first + at!(MEMBERSHIP_COLUMNS, "membership_id"))?;
    id.map(|_| membership_from_row(row, first)).transpose()
}

/// An organization and a membership, as several queries select them.
const ORGANIZATION_AND_MEMBERSHIP: &str = concatcp!(ORGANIZATION_COLUMNS, ", ", MEMBERSHIP_COLUMNS);
const MEMBERSHIP_AFTER_ORGANIZATION: usize = start!(
    ORGANIZATION_AND_MEMBERSHIP,
    MEMBERSHIP_COLUMNS,
    "membership_id"
);

/// Insert an organization; a name already taken is `Unique::OrganizationName`.
pub fn insert_organization(conn: &Connection, name: &Name) -> Result<OrganizationRow> {
    let now = Timestamp::now();
    let organization = OrganizationRow {
        id: OrganizationId::random(),
        name: name.as_str().to_string(),
        registerable: Some(false),
        created_at: now,
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
    ])?;
    Ok(organization)
}

/// Rename an organization; a name already taken is `Unique::OrganizationName`.
pub fn rename_organization(
    conn: &Connection,
    id: OrganizationId,
    name: &Name,
) -> Result<Option<OrganizationRow>> {
    conn.prepare_cached("UPDATE organizations SET name = ?2, updated_at = ?3 WHERE id = ?1")?
        .execute(params![id, name.as_str(), Timestamp::now()])?;
    find_organization_by_id(conn, id)
}

/// What an organization holds: (datasets, bytes of files, members).
pub fn organization_usage(conn: &Connection, id: OrganizationId) -> Result<(i64, i64, i64)> {
    Ok(conn
        .prepare_cached(
            "SELECT (SELECT count(*) FROM datasets WHERE organization_id = ?1),
                    (SELECT coalesce(sum(f.size), 0) FROM files f
                       JOIN datasets d ON d.id = f.dataset_id WHERE d.organization_id = ?1),
                    (SELECT count(*) FROM user_organizations WHERE organization_id = ?1)",
        )?
        .query_row([id], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?)
}

pub fn find_organization_by_id(
    conn: &Connection,
    id: OrganizationId,
) -> Result<Option<OrganizationRow>> {
    const SQL: &str = concatcp!(
        "SELECT ",
        ORGANIZATION_COLUMNS,
        " FROM organizations o WHERE o.id = ?1"
    );
    Ok(conn
        .prepare_cached(SQL)?
        .query_row([id], |row| organization_from_row(row, 0))
        .optional()?)
}

pub fn find_organization_by_name(
    conn: &Connection,
    name: &Name,
) -> Result<Option<OrganizationRow>> {
    const SQL: &str = concatcp!(
        "SELECT ",
        ORGANIZATION_COLUMNS,
        " FROM organizations o WHERE o.name = ?1"
    );
    Ok(conn
        .prepare_cached(SQL)?
        .query_row([name.as_str()], |row| organization_from_row(row, 0))
        .optional()?)
}

/// An organization and a user's membership in it (None if not a member): what scoping a
/// request to an organization needs, in one read. None when there is no such organization.
pub fn find_organization_with_membership(
    conn: &Connection,
    organization_id: OrganizationId,
    user_id: UserId,
) -> Result<Option<(OrganizationRow, Option<MembershipRow>)>> {
    const SQL: &str = concatcp!(
        "SELECT ",
        ORGANIZATION_AND_MEMBERSHIP,
        " FROM organizations o
         LEFT JOIN user_organizations m ON m.organization_id = o.id AND m.user_id = ?2
         WHERE o.id = ?1"
    );
    Ok(conn
        .prepare_cached(SQL)?
        .query_row(params![organization_id, user_id], |row| {
            Ok((
                organization_from_row(row, 0)?,
                optional_membership(row, MEMBERSHIP_AFTER_ORGANIZATION)?,
            ))
        })
        .optional()?)
}

pub fn find_membership(
    conn: &Connection,
    user_id: UserId,
    organization_id: OrganizationId,
) -> Result<Option<MembershipRow>> {
    const SQL: &str = concatcp!(
        "SELECT ",
        MEMBERSHIP_COLUMNS,
        " FROM user_organizations m WHERE m.user_id = ?1 AND m.organization_id = ?2"
    );
    Ok(conn
        .prepare_cached(SQL)?
        .query_row(params![user_id, organization_id], |row| {
            membership_from_row(row, 0)
        })
        .optional()?)
}

/// Make a user a member; already being one is `Unique::Membership`.
pub fn insert_membership(
    conn: &Connection,
    user_id: UserId,
    organization_id: OrganizationId,
    role: Role,
) -> Result<MembershipRow> {
    let now = Timestamp::now();
    let membership = MembershipRow {
        id: MembershipId::random(),
        user_id,
        organization_id,
        role,
        created_at: now,
        updated_at: now,
    };
    conn.prepare_cached(
        "INSERT INTO user_organizations (id, user_id, organization_id, role, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
    )?
    .execute(params![
        membership.id,
        membership.user_id,
        membership.organization_id,
        membership.role,
        membership.created_at
    ])?;
    Ok(membership)
}

pub fn update_membership_role(
    conn: &Connection,
    membership_id: MembershipId,
    role: Role,
) -> Result<()> {
    conn.prepare_cached("UPDATE user_organizations SET role = ?2, updated_at = ?3 WHERE id = ?1")?
        .execute(params![membership_id, role, Timestamp::now()])?;
    Ok(())
}

pub fn delete_membership(conn: &Connection, membership_id: MembershipId) -> Result<()> {
    conn.prepare_cached("DELETE FROM user_organizations WHERE id = ?1")?
        .execute([membership_id])?;
    Ok(())
}

pub fn count_owners(conn: &Connection, organization_id: OrganizationId) -> Result<i64> {
    Ok(conn
        .prepare_cached(
            "SELECT count(*) FROM user_organizations WHERE organization_id = ?1 AND role = ?2",
        )?
        .query_row(params![organization_id, Role::Owner], |row| row.get(0))?)
}

/// The organizations a user belongs to, each with the membership, oldest membership first.
pub fn list_memberships_of_user(
    conn: &Connection,
    user_id: UserId,
) -> Result<Vec<(OrganizationRow, MembershipRow)>> {
    const SQL: &str = concatcp!(
        "SELECT ",
        ORGANIZATION_AND_MEMBERSHIP,
        " FROM user_organizations m JOIN organizations o ON o.id = m.organization_id
         WHERE m.user_id = ?1 ORDER BY m.created_at, m.id"
    );
    let mut stmt = conn.prepare_cached(SQL)?;
    let rows = stmt
        .query_map([user_id], |row| {
            Ok((
                organization_from_row(row, 0)?,
                membership_from_row(row, MEMBERSHIP_AFTER_ORGANIZATION)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Whether a user has at least `role` in some organization.
/// Whether the user owns the instance's organization: the first one created (the first start
/// makes it).
pub fn owns_instance(conn: &Connection, user_id: UserId) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM user_organizations WHERE user_id = ?1 AND role >= ?2 \
               AND organization_id = (SELECT id FROM organizations ORDER BY created_at, rowid LIMIT 1))",
        )?
        .query_row(params![user_id, Role::Owner], |row| row.get(0))?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::test_support::{organization, user};
    use crate::db::{open_in_memory, Error, Unique};

    #[test]
    fn membership_round_trips_and_counts_owners() {
        let conn = open_in_memory().unwrap();
        let org = organization(&conn, "acme");
        let ada = user(&conn, "ada@example.com");
        let bob = user(&conn, "bob@example.com");
        insert_membership(&conn, ada.id, org.id, Role::Owner).unwrap();
        let bob_member = insert_membership(&conn, bob.id, org.id, Role::User).unwrap();
        assert_eq!(count_owners(&conn, org.id).unwrap(), 1);
        assert!(!owns_instance(&conn, bob.id).unwrap());

        update_membership_role(&conn, bob_member.id, Role::Owner).unwrap();
        assert_eq!(count_owners(&conn, org.id).unwrap(), 2);
        let found = find_membership(&conn, bob.id, org.id).unwrap().unwrap();
        assert_eq!(found.role, Role::Owner);
        assert!(owns_instance(&conn, bob.id).unwrap());
        let later = organization(&conn, "later");
        let carol = user(&conn, "carol@example.com");
        insert_membership(&conn, carol.id, later.id, Role::Owner).unwrap();
        assert!(
            !owns_instance(&conn, carol.id).unwrap(),
            "the owner of a later organization"
        );

        let of_ada = list_memberships_of_user(&conn, ada.id).unwrap();
        assert_eq!(of_ada.len(), 1);
        assert_eq!(of_ada[0].0.name, "acme");
        let (found, membership) = find_organization_with_membership(&conn, org.id, ada.id)
            .unwrap()
            .unwrap();
        assert_eq!(
            (found.id, membership.map(|m| m.role)),
            (org.id, Some(Role::Owner))
        );
        let stranger = user(&conn, "eve@example.com");
        let (_, none) = find_organization_with_membership(&conn, org.id, stranger.id)
            .unwrap()
            .unwrap();
        assert!(none.is_none());
    }

    #[test]
    fn second_membership_in_one_organization_is_a_conflict() {
        let conn = open_in_memory().unwrap();
        let org = organization(&conn, "acme");
        let ada = user(&conn, "ada@example.com");
        insert_membership(&conn, ada.id, org.id, Role::User).unwrap();
        let err = insert_membership(&conn, ada.id, org.id, Role::Admin).unwrap_err();
        assert!(matches!(err, Error::Taken(Unique::Membership)));
        let name = Name::parse("name", "acme").unwrap();
        assert!(matches!(
            insert_organization(&conn, &name),
            Err(Error::Taken(Unique::OrganizationName))
        ));
    }
}
