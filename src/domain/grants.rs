//! Who may do what. Authentication turns a key into a `Caller`; a handler names the grant it
//! needs (`DatasetReader`, `Write<DatasetAdmin>`, `OrgAdmin`, ...) and receives it resolved in the
//! request's one database hop; domain functions take the grant, so a forgotten check does not
//! compile. A grant is only ever made here, by checking the database.

use std::ops::Deref;

use rusqlite::Connection;

use crate::db::api_keys::StoredKey;
use crate::db::organizations::MembershipRow;
use crate::db::organizations::OrganizationRow;
use crate::db::users::UserRow;
use crate::db::{datasets, organizations};
use crate::domain::error::{AppError, AppResult};
use crate::types::ids::{DatasetId, OrganizationId, UserId};
use crate::types::roles::{KeyRole, Role};

/// The scope a request names in its headers (`TR-Dataset`, `TR-Organization`), each a UUID.
#[derive(Debug, Clone, Copy, Default)]
pub struct ScopeHeaders {
    pub dataset: Option<DatasetId>,
    pub organization: Option<OrganizationId>,
}

/// A grant: what a caller holding it may do, over a target (nothing, a dataset, an
/// organization).
pub trait Grant: Sized + Send + 'static {
    type Target: Send + 'static;

    /// The target as the request's headers name it, for handlers that take it from there.
    fn target_in(headers: &ScopeHeaders) -> AppResult<Self::Target>;

    /// Check in the database that `caller` holds this grant over `target`.
    fn grant(conn: &Connection, caller: Caller, target: Self::Target) -> AppResult<Self>;
}

/// An authenticated caller: the user and the key they used (valid and unexpired).
#[derive(Debug, Clone)]
pub struct Caller {
    user: UserRow,
    key: StoredKey,
}

impl Caller {
    /// Only authentication makes a caller, from a key it has just checked.
    pub(crate) fn authenticated(user: UserRow, key: StoredKey) -> Caller {
        Caller { user, key }
    }

    pub fn id(&self) -> UserId {
        self.user.id
    }

    pub fn user(&self) -> &UserRow {
        &self.user
    }

    pub fn key(&self) -> &StoredKey {
        &self.key
    }

    pub fn into_user(self) -> UserRow {
        self.user
    }
}

impl Grant for Caller {
    type Target = ();

    fn target_in(_: &ScopeHeaders) -> AppResult<()> {
        Ok(())
    }

    fn grant(_: &Connection, caller: Caller, _: ()) -> AppResult<Caller> {
        Ok(caller)
    }
}

/// `G`, held with a key that may write (role 1). Checked before `G`, so a read-only key is
/// refused the same way everywhere.
#[derive(Debug)]
pub struct Write<G>(G);

impl<G: Grant> Grant for Write<G> {
    type Target = G::Target;

    fn target_in(headers: &ScopeHeaders) -> AppResult<G::Target> {
        G::target_in(headers)
    }

    fn grant(conn: &Connection, caller: Caller, target: G::Target) -> AppResult<Self> {
        if caller.key.role < KeyRole::ReadWrite {
            return Err(AppError::Forbidden(
                "This API key is read-only; use a read-write key to make changes".into(),
            ));
        }
        G::grant(conn, caller, target).map(Write)
    }
}

impl<G> Deref for Write<G> {
    type Target = G;

    fn deref(&self) -> &G {
        &self.0
    }
}

/// A caller's membership in one organization. Made only here, by a grant: its fields are
/// private, so holding one proves the check was made.
#[derive(Debug, Clone)]
pub struct OrganizationScope {
    caller: Caller,
    organization: OrganizationRow,
    membership: MembershipRow,
}

impl OrganizationScope {
    pub fn caller(&self) -> &Caller {
        &self.caller
    }

    pub fn organization(&self) -> &OrganizationRow {
        &self.organization
    }

    pub fn membership(&self) -> &MembershipRow {
        &self.membership
    }

    pub fn role(&self) -> Role {
        self.membership.role
    }

    pub fn into_organization(self) -> OrganizationRow {
        self.organization
    }

    /// The caller's membership in an organization: 404 if there is no such organization, 403
    /// if the caller is not a member or has a role below `needed`.
    fn resolve(
        conn: &Connection,
        caller: Caller,
        organization_id: OrganizationId,
        needed: Role,
    ) -> AppResult<OrganizationScope> {
        let (organization, membership) =
            organizations::find_organization_with_membership(conn, organization_id, caller.id())?
                .ok_or_else(|| AppError::NotFound("Organization not found".into()))?;
        let membership = membership.ok_or_else(not_a_member)?;
        require(membership.role, needed)?;
        Ok(OrganizationScope {
            caller,
            organization,
            membership,
        })
    }
}

/// A caller's membership in the organization that holds one dataset. It names the dataset
/// only: every request about a dataset's data resolves one, and most need no more of the
/// dataset than its id (`domain::datasets::get_dataset` reads the rest).
/// Made only here, by a grant: its fields are private, so holding one proves the check was made.
#[derive(Debug)]
pub struct DatasetScope {
    caller: Caller,
    dataset_id: DatasetId,
    organization_id: OrganizationId,
    membership: MembershipRow,
}

impl DatasetScope {
    pub fn caller(&self) -> &Caller {
        &self.caller
    }

    pub fn id(&self) -> DatasetId {
        self.dataset_id
    }

    pub fn organization_id(&self) -> OrganizationId {
        self.organization_id
    }

    pub fn membership(&self) -> &MembershipRow {
        &self.membership
    }

    fn resolve(
        conn: &Connection,
        caller: Caller,
        dataset_id: DatasetId,
        needed: Role,
    ) -> AppResult<DatasetScope> {
        let (organization_id, membership) =
            datasets::find_dataset_membership(conn, dataset_id, caller.id())?
                .ok_or_else(|| AppError::NotFound("Dataset not found".into()))?;
        let membership = membership.ok_or_else(not_a_member)?;
        require(membership.role, needed)?;
        Ok(DatasetScope {
            caller,
            dataset_id,
            organization_id,
            membership,
        })
    }
}

fn not_a_member() -> AppError {
    AppError::Forbidden("You are not a member of this organization".into())
}

/// 403 unless `role` is at least `needed`.
fn require(role: Role, needed: Role) -> AppResult<()> {
    if role >= needed {
        Ok(())
    } else {
        Err(AppError::Forbidden(format!(
            "This needs the {} role or higher in the organization",
            needed.name()
        )))
    }
}

fn required<T>(header: Option<T>, name: &str) -> AppResult<T> {
    header.ok_or_else(|| AppError::BadRequest(format!("The {name} header is required")))
}

macro_rules! grants {
    ($($(#[$doc:meta])* $name:ident: $scope:ident over $target:ty, from $header:ident ($header_name:literal), needs $role:expr;)*) => {$(
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $name($scope);

        impl Grant for $name {
            type Target = $target;

            fn target_in(headers: &ScopeHeaders) -> AppResult<$target> {
                required(headers.$header, $header_name)
            }

            fn grant(conn: &Connection, caller: Caller, target: $target) -> AppResult<Self> {
                $scope::resolve(conn, caller, target, $role).map($name)
            }
        }

        impl Deref for $name {
            type Target = $scope;

            fn deref(&self) -> &$scope {
                &self.0
            }
        }

        impl $name {
            pub fn into_scope(self) -> $scope {
                self.0
            }
        }
    )*};
}

grants! {
    /// Any member of the organization that holds the dataset.
    DatasetReader: DatasetScope over DatasetId, from dataset ("TR-Dataset"), needs Role::User;
    /// An admin or owner of the organization that holds the dataset.
    DatasetAdmin: DatasetScope over DatasetId, from dataset ("TR-Dataset"), needs Role::Admin;
    /// An owner of the organization that holds the dataset.
    DatasetOwner: DatasetScope over DatasetId, from dataset ("TR-Dataset"), needs Role::Owner;
    /// Any member of the organization.
    OrgMember: OrganizationScope over OrganizationId, from organization ("TR-Organization"), needs Role::User;
    /// An admin or owner of the organization.
    OrgAdmin: OrganizationScope over OrganizationId, from organization ("TR-Organization"), needs Role::Admin;
    /// An owner of the organization.
    OrgOwner: OrganizationScope over OrganizationId, from organization ("TR-Organization"), needs Role::Owner;
}

impl OrgMember {
    /// The same membership as an admin's grant: 403 unless the member is an admin or owner.
    pub fn as_admin(&self) -> AppResult<OrgAdmin> {
        require(self.role(), Role::Admin)?;
        Ok(OrgAdmin(self.0.clone()))
    }
}

/// An owner of the instance's organization (the one the first start made): for server-wide
/// views such as metrics, which are about every organization's traffic.
#[derive(Debug)]
pub struct InstanceOwner(Caller);

impl InstanceOwner {
    pub fn caller(&self) -> &Caller {
        &self.0
    }
}

impl Grant for InstanceOwner {
    type Target = ();

    fn target_in(_: &ScopeHeaders) -> AppResult<()> {
        Ok(())
    }

    fn grant(conn: &Connection, caller: Caller, _: ()) -> AppResult<Self> {
        if organizations::owns_instance(conn, caller.id())? {
            Ok(InstanceOwner(caller))
        } else {
            Err(AppError::Forbidden(
                "This needs the owner role in the instance's first organization".into(),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::open_in_memory;
    use crate::db::test_support::{dataset, organization};
    use crate::domain::test_support;

    fn caller(conn: &Connection, email: &str, key_role: KeyRole) -> Caller {
        let caller = test_support::caller(conn, email);
        let key = StoredKey {
            role: key_role,
            ..caller.key().clone()
        };
        Caller::authenticated(caller.into_user(), key)
    }

    fn status(result: AppResult<impl std::fmt::Debug>) -> u16 {
        use actix_web::ResponseError;
        match result {
            Ok(_) => 200,
            Err(err) => err.status_code().as_u16(),
        }
    }

    #[test]
    fn a_grant_needs_membership_a_role_and_for_writing_a_read_write_key() {
        let conn = open_in_memory().unwrap();
        let org = organization(&conn, "acme");
        let docs = dataset(&conn, org.id, "docs");
        let admin = caller(&conn, "admin@example.com", KeyRole::ReadWrite);
        let reader = caller(&conn, "user@example.com", KeyRole::ReadWrite);
        let read_only = caller(&conn, "ro@example.com", KeyRole::ReadOnly);
        let stranger = caller(&conn, "eve@example.com", KeyRole::ReadWrite);
        for (who, role) in [
            (&admin, Role::Admin),
            (&reader, Role::User),
            (&read_only, Role::Owner),
        ] {
            organizations::insert_membership(&conn, who.id(), org.id, role).unwrap();
        }
        let dataset_grant = |caller: &Caller| {
            (
                status(DatasetReader::grant(&conn, caller.clone(), docs.id)),
                status(Write::<DatasetAdmin>::grant(&conn, caller.clone(), docs.id)),
                status(Write::<OrgOwner>::grant(&conn, caller.clone(), org.id)),
            )
        };
        assert_eq!(dataset_grant(&admin), (200, 200, 403));
        assert_eq!(dataset_grant(&reader), (200, 403, 403));
        assert_eq!(dataset_grant(&read_only), (200, 403, 403));
        assert_eq!(dataset_grant(&stranger), (403, 403, 403));
        assert_eq!(
            status(DatasetReader::grant(
                &conn,
                admin.clone(),
                DatasetId::random()
            )),
            404
        );
        assert_eq!(
            status(OrgMember::grant(
                &conn,
                admin.clone(),
                OrganizationId::random()
            )),
            404
        );
        // `acme` is the first organization: its owner owns the instance, its admin does not.
        assert_eq!(
            status(InstanceOwner::grant(&conn, read_only.clone(), ())),
            200
        );
        assert_eq!(status(InstanceOwner::grant(&conn, admin.clone(), ())), 403);
        assert_eq!(status(InstanceOwner::grant(&conn, reader.clone(), ())), 403);
    }

    #[test]
    fn a_grant_reads_its_target_from_the_headers_when_asked_to() {
        let none = ScopeHeaders::default();
        let err = DatasetReader::target_in(&none).unwrap_err();
        assert_eq!(err.to_string(), "The TR-Dataset header is required");
        assert!(Caller::target_in(&none).is_ok());
        let named = ScopeHeaders {
            organization: Some(OrganizationId::random()),
            ..none
        };
        assert_eq!(
            OrgAdmin::target_in(&named).unwrap(),
            named.organization.unwrap()
        );
    }
}
