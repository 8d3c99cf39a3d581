//! Organizations: made with a `default` dataset, seen by their members.

use rusqlite::Connection;
use serde::Deserialize;
use serde_json::Map;
use utoipa::ToSchema;

use crate::db::datasets::DatasetRow;
use crate::db::organizations::OrganizationRow;
use crate::db::{chat, datasets, organizations};
use crate::domain::error::{AppError, AppResult};
use crate::domain::grants::{Caller, OrgMember, OrgOwner, Write};
use crate::types::fields::Name;
use crate::types::ids::OrganizationId;
use crate::types::roles::Role;

/// `POST /api/organization`.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"name": "acme"}))]
pub struct CreateOrganizationData {
    /// 1 to 100 characters, unique on the server.
    pub name: String,
}

/// `PUT /api/organization`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateOrganizationData {
    pub organization_id: uuid::Uuid,
    /// 1 to 100 characters, unique on the server; absent or null keeps the name.
    pub name: Option<String>,
}

/// What an organization holds now.
#[derive(Debug)]
pub struct Usage {
    pub organization_id: OrganizationId,
    pub dataset_count: i64,
    /// Bytes of the files uploaded to its datasets.
    pub file_storage: i64,
    pub user_count: i64,
    /// Chat messages stored in its datasets.
    pub message_count: i64,
}

/// Create an organization with its `default` dataset.
pub fn create_organization(
    conn: &Connection,
    name: &Name,
) -> AppResult<(OrganizationRow, DatasetRow)> {
    let organization = organizations::insert_organization(conn, name)?;
    let default = Name::parse("dataset_name", "default")?;
    let dataset =
        datasets::insert_dataset(conn, organization.id, &default, Map::new(), Map::new())?;
    Ok((organization, dataset))
}

/// Any user creates an organization, and becomes its owner.
pub fn create_organization_as(
    conn: &Connection,
    caller: &Write<Caller>,
    name: &Name,
) -> AppResult<OrganizationRow> {
    let (organization, _) = create_organization(conn, name)?;
    organizations::insert_membership(conn, caller.id(), organization.id, Role::Owner)?;
    Ok(organization)
}

/// An owner renames their organization; no name keeps it as it is.
pub fn update_organization(
    conn: &Connection,
    owner: &Write<OrgOwner>,
    name: Option<&Name>,
) -> AppResult<OrganizationRow> {
    let organization = owner.organization();
    let Some(name) = name else {
        return Ok(organization.clone());
    };
    organizations::rename_organization(conn, organization.id, name)?
        .ok_or_else(|| AppError::NotFound("Organization not found".into()))
}

/// What a member's organization holds.
pub fn usage(conn: &Connection, member: &OrgMember) -> AppResult<Usage> {
    let id = member.organization().id;
    let (dataset_count, file_storage, user_count) = organizations::organization_usage(conn, id)?;
    Ok(Usage {
        organization_id: id,
        dataset_count,
        file_storage,
        user_count,
        message_count: chat::count_messages_of_organization(conn, id)?,
    })
}

/// The organization of that name for a member joining with `role`, created (with its `default`
/// dataset) if there is none: how the command line's `user add --org` names one. A new
/// organization's first member must be its owner, so that someone can manage it; any other
/// role is refused for an organization that does not exist yet.
pub fn organization_to_join(
    conn: &Connection,
    name: &Name,
    role: Role,
) -> AppResult<OrganizationRow> {
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
