//! Organizations: made with a `default` dataset, seen by their members.

use rusqlite::Connection;
use serde_json::Map;

use crate::db::{datasets, organizations};
use crate::domain::fields::Name;
use crate::domain::roles::Role;
use crate::error::{AppError, AppResult};
use crate::models::{Dataset, Organization};

/// Create an organization with its `default` dataset.
pub fn create_organization(conn: &Connection, name: &Name) -> AppResult<(Organization, Dataset)> {
    let organization = organizations::insert_organization(conn, name)?;
    let default = Name::parse("dataset_name", "default")?;
    let dataset =
        datasets::insert_dataset(conn, organization.id, &default, Map::new(), Map::new())?;
    Ok((organization, dataset))
}

/// The organization of that name for a member joining with `role`, created (with its `default`
/// dataset) if there is none: how the command line's `user add --org` names one. A new
/// organization's first member must be its owner, so that someone can manage it; any other
/// role is refused for an organization that does not exist yet.
pub fn organization_to_join(conn: &Connection, name: &Name, role: Role) -> AppResult<Organization> {
    match organizations::find_organization_by_name(conn, name)? {
        Some(organization) => Ok(organization),
        None if role == Role::Owner => Ok(create_organization(conn, name)?.0),
        None => Err(AppError::BadRequest(format!(
            "There is no organization {name:?}: its first member must be its owner \
                 (--role owner), or name an existing organization",
            name = name.as_str()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::open_in_memory;

    #[test]
    fn an_organization_comes_with_a_default_dataset_and_is_found_by_name() {
        let conn = open_in_memory().unwrap();
        let name = Name::parse("org", "acme").unwrap();
        let (org, dataset) = create_organization(&conn, &name).unwrap();
        assert_eq!(
            (dataset.name.as_str(), dataset.organization_id),
            ("default", org.id)
        );
        for role in [Role::User, Role::Admin, Role::Owner] {
            assert_eq!(organization_to_join(&conn, &name, role).unwrap().id, org.id);
        }
        let other = Name::parse("org", "other").unwrap();
        for role in [Role::User, Role::Admin] {
            let refused = organization_to_join(&conn, &other, role).unwrap_err();
            assert!(
                refused.to_string().contains("must be its owner"),
                "{refused}"
            );
        }
        assert!(organizations::find_organization_by_name(&conn, &other)
            .unwrap()
            .is_none());
        assert_ne!(
            organization_to_join(&conn, &other, Role::Owner).unwrap().id,
            org.id
        );
    }
}
