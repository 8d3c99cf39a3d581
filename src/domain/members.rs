//! Members of an organization: who is in it, with which role, and the rules an admin or owner
//! keeps when adding, changing or removing one.

use rusqlite::Connection;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::db::datasets::DatasetRow;
use crate::db::organizations::MembershipRow;
use crate::db::organizations::OrganizationRow;
use crate::db::users::UserRow;
use crate::db::{datasets, organizations, users};
use crate::domain::error::{AppError, AppResult};
use crate::domain::grants::{OrgAdmin, OrganizationScope, Write};
use crate::domain::keys;
use crate::types::fields::{Email, Name};
use crate::types::ids::{OrganizationId, UserId};
use crate::types::roles::Role;

/// A user with their memberships.
#[derive(Debug, Clone)]
pub struct Profile {
    pub user: UserRow,
    pub memberships: Vec<(OrganizationRow, MembershipRow)>,
}

/// A user with their memberships; with `only_organization`, just that one (what an admin of it
/// may see about a member).
pub fn profile(
    conn: &Connection,
    user: UserRow,
    only_organization: Option<OrganizationId>,
) -> AppResult<Profile> {
    let memberships = organizations::list_memberships_of_user(conn, user.id)?
        .into_iter()
        .filter(|(org, _)| only_organization.is_none_or(|only| org.id == only))
        .collect();
    Ok(Profile { user, memberships })
}

/// The organization's members, each with this organization's membership alone.
pub fn list_members(conn: &Connection, admin: &OrgAdmin) -> AppResult<Vec<Profile>> {
    users::list_users_of_organization(conn, admin.organization().id)?
        .into_iter()
        .map(|user| profile(conn, user, Some(admin.organization().id)))
        .collect()
}

/// A member just added to an organization, with their first key if they are a new user.
pub struct AddedMember {
    pub user: UserRow,
    pub organization: OrganizationRow,
    pub dataset: Option<DatasetRow>,
    pub api_key: Option<String>,
}

/// Add a user, by email, to an organization. A new user is created with a first read-write key;
/// an existing one only gains the membership. Already a member is a 409. The command line calls
/// this directly; the API through `add_member_as`.
pub fn add_member(
    conn: &Connection,
    organization: OrganizationRow,
    email: &Email,
    name: Option<&Name>,
    role: Role,
) -> AppResult<AddedMember> {
    let (user, api_key) = match users::find_user_by_email(conn, email)? {
        Some(user) => (user, None),
        None => {
            let user = users::insert_user(conn, email, name)?;
            let key = keys::insert_new_full_key(conn, user.id, "first key")?;
            (user, Some(key))
        }
    };
    organizations::insert_membership(conn, user.id, organization.id, role)?;
    let dataset = datasets::find_first_dataset_of_organization(conn, organization.id)?;
    Ok(AddedMember {
        user,
        organization,
        dataset,
        api_key,
    })
}

/// `POST /api/organization/{organization_id}/users`.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"email": "ada@example.com", "role": 0, "name": "Ada Lovelace"}))]
pub struct NewMemberRequest {
    pub email: String,
    /// 0 user, 1 admin, 2 owner; not above the caller's.
    #[schema(minimum = 0, maximum = 2)]
    pub role: i64,
    pub name: Option<String>,
}

/// An admin or owner adds a user, with a role not above their own.
pub fn add_member_as(
    conn: &Connection,
    admin: Write<OrgAdmin>,
    request: &NewMemberRequest,
) -> AppResult<AddedMember> {
    let role = grantable_role(&admin, request.role)?;
    let name = request
        .name
        .as_deref()
        .map(|name| Name::parse_optional("name", name))
        .transpose()?
        .flatten();
    let email = Email::parse(&request.email)?;
    let organization = admin.organization().clone();
    add_member(conn, organization, &email, name.as_ref(), role)
}

/// An admin or owner removes a member whose role is not above their own. The last owner stays.
/// The user's other memberships, keys and data are kept.
pub fn remove_member(conn: &Connection, admin: &Write<OrgAdmin>, user_id: UserId) -> AppResult<()> {
    let membership = managed_membership(conn, admin, user_id)?;
    keep_an_owner(conn, admin, &membership)?;
    Ok(organizations::delete_membership(conn, membership.id)?)
}

/// Give a member a new role: one the caller may grant, never leaving the organization without
/// an owner.
pub(crate) fn change_role(
    conn: &Connection,
    scope: &OrganizationScope,
    membership: &MembershipRow,
    role: i64,
) -> AppResult<()> {
    let role = grantable_role(scope, role)?;
    if role < Role::Owner {
        keep_an_owner(conn, scope, membership).map_err(|err| err.on_field("role"))?;
    }
    if role != membership.role {
        organizations::update_membership_role(conn, membership.id, role)?;
    }
    Ok(())
}

pub(crate) fn not_a_member() -> AppError {
    AppError::Forbidden("That user is not a member of this organization".into())
}

/// Another member's membership, if the admin or owner may act on it: their role is not above
/// the caller's.
pub(crate) fn managed_membership(
    conn: &Connection,
    admin: &OrgAdmin,
    user_id: UserId,
) -> AppResult<MembershipRow> {
    let membership = organizations::find_membership(conn, user_id, admin.organization().id)?
        .ok_or_else(not_a_member)?;
    if membership.role > admin.role() {
        return Err(AppError::Forbidden(
            "You cannot change a member whose role is above yours".into(),
        ));
    }
    Ok(membership)
}

/// A role the caller may grant: 0, 1 or 2, and not above their own.
fn grantable_role(scope: &OrganizationScope, role: i64) -> AppResult<Role> {
    let role = Role::parse(role)?;
    if role > scope.role() {
        return Err(
            AppError::Forbidden("You cannot grant a role above your own".into()).on_field("role"),
        );
    }
    Ok(role)
}

/// 400 if `membership` is the organization's last owner, who may neither step down nor leave.
fn keep_an_owner(
    conn: &Connection,
    scope: &OrganizationScope,
    membership: &MembershipRow,
) -> AppResult<()> {
    if membership.role == Role::Owner
        && organizations::count_owners(conn, scope.organization().id)? == 1
    {
        return Err(AppError::BadRequest(
            "An organization keeps at least one owner: make another member owner first".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::open_in_memory;
    use crate::domain::test_support::{grant, member, organization_with_owner};

    #[test]
    fn an_admin_adds_users_up_to_their_own_role_and_a_new_user_gets_a_key() {
        let conn = open_in_memory().unwrap();
        let (org, _) = organization_with_owner(&conn, "acme");
        let admin = member(&conn, org.id, "admin@example.com", Role::Admin);
        let add = |email: &str, role: i64| {
            let request = NewMemberRequest {
                email: email.into(),
                role,
                name: Some(" Bob ".into()),
            };
            add_member_as(&conn, grant(&conn, &admin, org.id), &request)
        };
        let added = add("bob@example.com", 1).unwrap();
        assert!(added.api_key.is_some());
        assert_eq!(added.user.name.as_deref(), Some("Bob"));
        assert!(added.dataset.is_some());
        assert!(
            add("carol@example.com", 2).is_err_and(|e| e.to_string().contains("above your own"))
        );
        assert!(add("bob@example.com", 0).is_err(), "already a member");
        assert_eq!(add("not an email", 0).err().unwrap().field(), Some("email"));
    }

    #[test]
    fn the_last_owner_stays_and_admins_cannot_touch_owners() {
        let conn = open_in_memory().unwrap();
        let (org, owner) = organization_with_owner(&conn, "acme");
        let admin = member(&conn, org.id, "admin@example.com", Role::Admin);
        let as_owner: Write<OrgAdmin> = grant(&conn, &owner, org.id);
        let as_admin: Write<OrgAdmin> = grant(&conn, &admin, org.id);
        assert!(remove_member(&conn, &as_owner, owner.id())
            .is_err_and(|e| e.to_string().contains("at least one owner")));
        assert!(remove_member(&conn, &as_admin, owner.id())
            .is_err_and(|e| e.to_string().contains("above yours")));
        remove_member(&conn, &as_owner, admin.id()).unwrap();
        assert!(organizations::find_membership(&conn, admin.id(), org.id)
            .unwrap()
            .is_none());
        assert_eq!(list_members(&conn, &as_owner).unwrap().len(), 1);
    }
}
