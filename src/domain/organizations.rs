//! Organizations: made with a `default` dataset, seen by their members.

use rusqlite::Connection;
use serde_json::Map;

use crate::db::{datasets, organizations};
use crate::domain::fields::Name;
use crate::error::AppResult;
use crate::models::{Dataset, Organization};

/// Create an organization with its `default` dataset.
pub fn create_organization(conn: &Connection, name: &Name) -> AppResult<(Organization, Dataset)> {
    let organization = organizations::insert_organization(conn, name)?;
    let default = Name::parse("dataset_name", "default")?;
    let dataset =
        datasets::insert_dataset(conn, organization.id, &default, Map::new(), Map::new())?;
    Ok((organization, dataset))
}

/// The organization of that name, created (with its `default` dataset) if there is none: how
/// the command line's `user add --org` names one.
pub fn find_or_create_organization(conn: &Connection, name: &Name) -> AppResult<Organization> {
    match organizations::find_organization_by_name(conn, name)? {
        Some(organization) => Ok(organization),
        None => Ok(create_organization(conn, name)?.0),
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
        assert_eq!(
            find_or_create_organization(&conn, &name).unwrap().id,
            org.id
        );
        let other = Name::parse("org", "other").unwrap();
        assert_ne!(
            find_or_create_organization(&conn, &other).unwrap().id,
            org.id
        );
    }
}
