//! The first start, and the owner's key that ADMIN_API_KEY keeps in step on every start.

use rusqlite::Connection;

use crate::db::datasets::DatasetRow;
use crate::db::organizations::OrganizationRow;
use crate::db::users::UserRow;
use crate::db::{api_keys, organizations, users};
use crate::domain::error::{AppError, AppResult};
use crate::domain::keys::{self, hash_api_key};
use crate::domain::organizations::create_organization;
use crate::types::fields::{Email, Name};
use crate::types::ids::UserId;
use crate::types::roles::Role;

pub const OWNER_EMAIL: &str = "admin@localhost";
const BOOTSTRAP_KEY_NAME: &str = "ADMIN_API_KEY";

/// What the first start created; `api_key` is the key to print once (None when ADMIN_API_KEY
/// supplied it).
pub struct FirstStart {
    pub organization: OrganizationRow,
    pub dataset: DatasetRow,
    pub owner: UserRow,
    pub api_key: Option<String>,
}

/// Run at every start. An empty database gets organization `default`, dataset `default`, owner
/// `admin@localhost` and a key. With `admin_key` (ADMIN_API_KEY), that value is the owner's
/// bootstrap key: kept if already stored, otherwise it replaces the previous bootstrap key.
pub fn bootstrap(conn: &Connection, admin_key: Option<&str>) -> AppResult<Option<FirstStart>> {
    let owner_email = Email::parse(OWNER_EMAIL)?;
    if !users::any_user_exists(conn)? {
        let (organization, dataset) = create_organization(conn, &Name::parse("name", "default")?)?;
        let owner = users::insert_user(conn, &owner_email, Some(&Name::parse("name", "Admin")?))?;
        organizations::insert_membership(conn, owner.id, organization.id, Role::Owner)?;
        let api_key = match admin_key {
            Some(key) => {
                insert_bootstrap_key(conn, owner.id, key)?;
                None
            }
            None => Some(keys::insert_new_full_key(conn, owner.id, "first start")?),
        };
        return Ok(Some(FirstStart {
            organization,
            dataset,
            owner,
            api_key,
        }));
    }
    if let Some(key) = admin_key {
        let digest = hash_api_key(key);
        if api_keys::find_key_by_hash(conn, &digest)?.is_none() {
            if let Some(revoked_at) = api_keys::take_revoked_admin_key(conn, &digest)? {
                log::warn!(
                    "ADMIN_API_KEY WAS REVOKED on {revoked_at}, and works again from this start \
                     because the variable is still set. To keep it revoked, unset ADMIN_API_KEY \
                     (or set a new value) and restart."
                );
            }
            let owner_id = match api_keys::find_bootstrap_key(conn)? {
                Some(previous) => previous.user_id,
                None => users::find_user_by_email(conn, &owner_email)?
                    .map(|owner| owner.id)
                    .ok_or_else(|| {
                        AppError::Internal(format!(
                            "ADMIN_API_KEY is set but there is no {OWNER_EMAIL} user to hold it"
                        ))
                    })?,
            };
            api_keys::delete_bootstrap_keys(conn)?;
            insert_bootstrap_key(conn, owner_id, key)?;
        }
    }
    Ok(None)
}

fn insert_bootstrap_key(conn: &Connection, owner_id: UserId, key: &str) -> AppResult<()> {
    keys::insert_full_key(conn, owner_id, BOOTSTRAP_KEY_NAME, key, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::open_in_memory;
    use crate::db::test_support::count;

    #[test]
    fn the_first_start_makes_an_owner_and_later_starts_make_nothing() {
        let conn = open_in_memory().unwrap();
        let first = bootstrap(&conn, None).unwrap().unwrap();
        let key = first.api_key.unwrap();
        let stored = api_keys::find_key_by_hash(&conn, &hash_api_key(&key))
            .unwrap()
            .unwrap();
        assert_eq!(stored.user_id, first.owner.id);
        assert_eq!(first.dataset.organization_id, first.organization.id);
        assert!(bootstrap(&conn, None).unwrap().is_none());
        assert_eq!(count(&conn, "SELECT count(*) FROM users"), 1);
    }

    #[test]
    fn admin_api_key_is_kept_in_step_and_a_new_value_replaces_the_old() {
        let conn = open_in_memory().unwrap();
        let first = bootstrap(&conn, Some("first-admin-key-value"))
            .unwrap()
            .unwrap();
        assert!(first.api_key.is_none());
        bootstrap(&conn, Some("first-admin-key-value")).unwrap();
        assert_eq!(count(&conn, "SELECT count(*) FROM api_keys"), 1);
        bootstrap(&conn, Some("second-admin-key-value")).unwrap();
        assert!(
            api_keys::find_key_by_hash(&conn, &hash_api_key("first-admin-key-value"))
                .unwrap()
                .is_none()
        );
        let second = api_keys::find_key_by_hash(&conn, &hash_api_key("second-admin-key-value"))
            .unwrap()
            .unwrap();
        assert_eq!(second.user_id, first.owner.id);
    }
}
