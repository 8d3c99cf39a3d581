//! The rules of the service, one file per subject, as plain functions over a connection that
//! take the grant they need. Values are parsed into `crate::types` at the edge; storage is
//! `crate::db`; what a client reads is built from the answers in `crate::http`.

pub mod bootstrap;
pub mod chat;
pub mod chunks;
pub mod collections;
pub mod datasets;
pub mod error;
pub mod files;
pub mod grants;
pub mod keys;
pub mod members;
pub mod notifications;
pub mod organizations;
pub mod profile;
pub mod retrieval;
pub mod user_data;
pub mod vectors;

/// Callers and grants for the domain's unit tests, made the way authentication makes them.
#[cfg(test)]
pub(crate) mod test_support {
    use rusqlite::Connection;

    use super::grants::{Caller, Grant};
    use super::keys::insert_new_full_key;
    use super::organizations::create_organization;
    use crate::db::api_keys::find_key_by_hash;
    use crate::db::organizations::OrganizationRow;
    use crate::db::{datasets, organizations, test_support, users};
    use crate::domain::keys::hash_api_key;
    use crate::types::fields::Name;
    use crate::types::ids::{DatasetId, OrganizationId};
    use crate::types::roles::Role;

    /// A new user with a read-write key, as authentication would see them.
    pub fn caller(conn: &Connection, email: &str) -> Caller {
        let user = test_support::user(conn, email);
        let key = insert_new_full_key(conn, user.id, "test").unwrap();
        let stored = find_key_by_hash(conn, &hash_api_key(&key))
            .unwrap()
            .unwrap();
        Caller::authenticated(user, stored)
    }

    /// A new user who is a member of the organization with `role`.
    pub fn member(
        conn: &Connection,
        organization_id: OrganizationId,
        email: &str,
        role: Role,
    ) -> Caller {
        let caller = caller(conn, email);
        organizations::insert_membership(conn, caller.id(), organization_id, role).unwrap();
        caller
    }

    /// An organization (with its `default` dataset) and its owner.
    pub fn organization_with_owner(conn: &Connection, name: &str) -> (OrganizationRow, Caller) {
        let name = Name::parse("name", name).unwrap();
        let (organization, _) = create_organization(conn, &name).unwrap();
        let owner = member(
            conn,
            organization.id,
            &format!("owner@{}.example", name.as_str()),
            Role::Owner,
        );
        (organization, owner)
    }

    pub fn default_dataset(conn: &Connection, organization_id: OrganizationId) -> DatasetId {
        datasets::find_first_dataset_of_organization(conn, organization_id)
            .unwrap()
            .unwrap()
            .id
    }

    /// The grant `G` over `target`, which the caller must hold; the user is read again, as
    /// each request's authentication does.
    pub fn grant<G: Grant>(conn: &Connection, caller: &Caller, target: G::Target) -> G {
        let user = users::find_user_by_id(conn, caller.id()).unwrap().unwrap();
        G::grant(
            conn,
            Caller::authenticated(user, caller.key().clone()),
            target,
        )
        .unwrap()
    }
}
