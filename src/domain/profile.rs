//! A user's profile (name, username, website, whether the email is visible) and, through the
//! same request, a member's role.

use rusqlite::Connection;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::db::users::UserRow;
use crate::db::{datasets, organizations, users};
use crate::domain::error::{AppError, AppResult};
use crate::domain::grants::{Caller, Grant, OrgMember, ScopeHeaders, Write};
use crate::domain::members::{self, Profile};
use crate::types::fields::{Name, Username, Website};
use crate::types::ids::{OrganizationId, UserId};

/// `PUT /api/user`. Absent (or null) fields keep their value.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"name": "Ada Lovelace", "username": "ada", "website": "https://example.com", "visible_email": true}))]
pub struct UserUpdate {
    /// The user to update; the caller when absent.
    pub user_id: Option<uuid::Uuid>,
    pub name: Option<String>,
    pub username: Option<String>,
    pub website: Option<String>,
    pub visible_email: Option<bool>,
    /// The target's role in the organization: 0 user, 1 admin, 2 owner; not above the caller's.
    #[schema(minimum = 0, maximum = 2)]
    pub role: Option<i64>,
}

/// The organization `PUT /api/user` acts in: TR-Organization, else the TR-Dataset's, else the
/// caller's only one. None when the caller belongs to none or several and named none.
fn organization_for_update(
    conn: &Connection,
    caller: &Caller,
    headers: ScopeHeaders,
) -> AppResult<Option<OrganizationId>> {
    if let Some(organization_id) = headers.organization {
        return Ok(Some(organization_id));
    }
    if let Some(dataset_id) = headers.dataset {
        let dataset = datasets::find_dataset_by_id(conn, dataset_id)?
            .ok_or_else(|| AppError::NotFound("Dataset not found".into()))?;
        return Ok(Some(dataset.organization_id));
    }
    let memberships = organizations::list_memberships_of_user(conn, caller.id())?;
    Ok(match memberships.as_slice() {
        [(only, _)] => Some(only.id),
        _ => None,
    })
}

/// Update the caller's profile, or (as an admin or owner of the organization) a member's; and
/// with `role`, the target's role in that organization.
pub fn update_user(
    conn: &Connection,
    caller: Write<Caller>,
    headers: ScopeHeaders,
    update: UserUpdate,
) -> AppResult<Profile> {
    let target_id = update.user_id.map(UserId::from).unwrap_or(caller.id());
    let is_self = target_id == caller.id();
    let organization_id = organization_for_update(conn, &caller, headers)?;
    if organization_id.is_none() && (!is_self || update.role.is_some()) {
        return Err(AppError::BadRequest(
            "Name the organization with the TR-Organization header".into(),
        ));
    }
    let caller_user = caller.user().clone();
    let member = organization_id
        .map(|id| OrgMember::grant(conn, (*caller).clone(), id))
        .transpose()?;

    if let Some(member) = &member {
        let target_membership = if is_self {
            member.membership().clone()
        } else {
            members::managed_membership(conn, &member.as_admin()?, target_id)?
        };
        if let Some(role) = update.role {
            members::change_role(conn, member, &target_membership, role)?;
        }
    }
    let target = if is_self {
        caller_user
    } else {
        users::find_user_by_id(conn, target_id)?.ok_or_else(members::not_a_member)?
    };
    let changed = apply_profile_changes(&target, &update)?;
    let target = if changed != target {
        if !is_self {
            manages_everywhere(conn, &caller, target_id)?;
        }
        users::update_user_profile(conn, &changed)?
    } else {
        target
    };
    let only_organization = if is_self {
        None
    } else {
        member.map(|member| member.organization().id)
    };
    members::profile(conn, target, only_organization)
}

/// A profile (name, username, website, visible_email) is the user's across every organization,
/// so another user may change it only as an admin or owner of every organization the user
/// belongs to, with a role not below the user's in each: an admin of one organization cannot
/// rename a member of others.
fn manages_everywhere(conn: &Connection, caller: &Caller, target_id: UserId) -> AppResult<()> {
    for (organization, _) in organizations::list_memberships_of_user(conn, target_id)? {
        let managed = OrgMember::grant(conn, caller.clone(), organization.id)
            .and_then(|member| members::managed_membership(conn, &member.as_admin()?, target_id));
        if managed.is_err() {
            return Err(AppError::Forbidden(
                "This user's profile is theirs across all their organizations: only they, or an \
                 admin or owner of every one of them, may change it"
                    .into(),
            ));
        }
    }
    Ok(())
}

/// `user` with the update's profile fields parsed and merged. An empty string clears a field.
fn apply_profile_changes(user: &UserRow, update: &UserUpdate) -> AppResult<UserRow> {
    let mut user = user.clone();
    if let Some(name) = &update.name {
        user.name = Name::parse_optional("name", name)?.map(Name::into_string);
    }
    if let Some(username) = &update.username {
        user.username = Username::parse_optional(username)?.map(Username::into_string);
    }
    if let Some(website) = &update.website {
        user.website = Website::parse_optional(website)?.map(Website::into_string);
    }
    if let Some(visible_email) = update.visible_email {
        user.visible_email = visible_email;
    }
    if user.username.is_none() && !user.visible_email {
        return Err(AppError::invalid(
            "visible_email",
            "A user without a username must keep visible_email true",
        ));
    }
    Ok(user)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::open_in_memory;
    use crate::domain::test_support::{grant, member, organization_with_owner};
    use crate::types::roles::Role;
    use actix_web::ResponseError;

    fn update(json: serde_json::Value) -> UserUpdate {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn a_user_edits_their_own_profile_and_empty_values_clear_it() {
        let conn = open_in_memory().unwrap();
        let (org, owner) = organization_with_owner(&conn, "acme");
        let edit = |json| {
            update_user(
                &conn,
                grant(&conn, &owner, ()),
                ScopeHeaders::default(),
                update(json),
            )
        };
        let edited = edit(serde_json::json!({"name": " Ada ", "username": "ada",
            "website": "https://ada.example", "visible_email": false}))
        .unwrap();
        assert_eq!(
            (edited.user.name.as_deref(), edited.user.visible_email),
            (Some("Ada"), false)
        );
        assert_eq!(edited.memberships.len(), 1);
        assert_eq!(edited.memberships[0].0.id, org.id);
        let cleared = edit(serde_json::json!({"website": "", "visible_email": true})).unwrap();
        assert_eq!(cleared.user.website, None);
        assert_eq!(
            edit(serde_json::json!({"username": "", "visible_email": false}))
                .unwrap_err()
                .field(),
            Some("visible_email")
        );
    }

    #[test]
    fn only_an_admin_changes_another_member_and_never_above_their_own_role() {
        let conn = open_in_memory().unwrap();
        let (org, _) = organization_with_owner(&conn, "acme");
        let admin = member(&conn, org.id, "admin@example.com", Role::Admin);
        let user = member(&conn, org.id, "user@example.com", Role::User);
        let change = |by: &Caller, json| {
            let headers = ScopeHeaders {
                organization: Some(org.id),
                ..ScopeHeaders::default()
            };
            update_user(&conn, grant(&conn, by, ()), headers, update(json))
        };
        let target = serde_json::json!({"user_id": user.id(), "role": 1});
        assert!(change(
            &user,
            serde_json::json!({"user_id": admin.id(), "name": "x"})
        )
        .is_err());
        let promoted = change(&admin, target).unwrap();
        assert_eq!(promoted.memberships[0].1.role, Role::Admin);
        let to_owner = serde_json::json!({"user_id": user.id(), "role": 2});
        assert!(change(&admin, to_owner).is_err_and(|e| e.to_string().contains("above your own")));
    }

    #[test]
    fn another_organizations_admin_cannot_rewrite_a_shared_users_profile() {
        let conn = open_in_memory().unwrap();
        let (home, _) = organization_with_owner(&conn, "home");
        let ada = member(&conn, home.id, "ada@example.com", Role::User);
        let (elsewhere, mallory) = organization_with_owner(&conn, "elsewhere");
        crate::db::organizations::insert_membership(&conn, ada.id(), elsewhere.id, Role::User)
            .unwrap();
        let in_elsewhere = ScopeHeaders {
            organization: Some(elsewhere.id),
            ..ScopeHeaders::default()
        };
        let rename = serde_json::json!({"user_id": ada.id(), "name": "Mallory's puppet"});
        let refused = update_user(
            &conn,
            grant(&conn, &mallory, ()),
            in_elsewhere,
            update(rename.clone()),
        )
        .unwrap_err();
        assert_eq!(refused.status_code().as_u16(), 403);
        let stored = users::find_user_by_id(&conn, ada.id()).unwrap().unwrap();
        assert_eq!(stored.name, ada.user().name);
        // A role change stays the organization's own business.
        let promoted = update_user(
            &conn,
            grant(&conn, &mallory, ()),
            in_elsewhere,
            update(serde_json::json!({"user_id": ada.id(), "role": 1})),
        )
        .unwrap();
        assert_eq!(promoted.memberships[0].1.role, Role::Admin);
        // An owner of both organizations may.
        crate::db::organizations::insert_membership(&conn, mallory.id(), home.id, Role::Owner)
            .unwrap();
        let renamed = update_user(
            &conn,
            grant(&conn, &mallory, ()),
            in_elsewhere,
            update(rename),
        )
        .unwrap();
        assert_eq!(renamed.user.name.as_deref(), Some("Mallory's puppet"));
    }
}
