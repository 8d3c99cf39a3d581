//! Rows of `datasets`, and their chunk usage.

use rusqlite::{params, Connection, OptionalExtension, Row};
use serde_json::Value;

use crate::db::organizations;
use crate::error::{is_unique_violation, AppError, AppResult};
use crate::models::{
    Dataset, DatasetAndUsage, DatasetDto, DatasetUsageCount, Organization, UserOrganization,
};
use crate::timestamp;

const COLUMNS: &str = "d.id, d.name, d.organization_id, d.server_configuration, \
                       d.client_configuration, d.created_at, d.updated_at";

fn dataset_from_row(row: &Row) -> rusqlite::Result<Dataset> {
    let server: String = row.get(3)?;
    let client: String = row.get(4)?;
    Ok(Dataset {
        id: row.get(0)?,
        name: row.get(1)?,
        organization_id: row.get(2)?,
        server_configuration: serde_json::from_str(&server).unwrap_or(Value::Null),
        client_configuration: serde_json::from_str(&client).unwrap_or(Value::Null),
        created_at: row.get(5)?,
        updated_at: row.get(6)?,
    })
}

/// A dataset, its organization, and a user's membership in it (None if not a member): what
/// scoping a request to a dataset needs, in one read.
pub fn find_dataset_with_membership(
    conn: &Connection,
    dataset_id: &str,
    user_id: &str,
) -> AppResult<Option<(Dataset, Organization, Option<UserOrganization>)>> {
    let sql = format!(
        "SELECT {COLUMNS}, {}, {}
         FROM datasets d JOIN organizations o ON o.id = d.organization_id
         LEFT JOIN user_organizations m ON m.organization_id = o.id AND m.user_id = ?2
         WHERE d.id = ?1",
        organizations::ORGANIZATION_COLUMNS,
        organizations::MEMBERSHIP_COLUMNS
    );
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([dataset_id, user_id], |row| {
            let membership_id: Option<String> = row.get(12)?;
            let membership = match membership_id {
                Some(_) => Some(organizations::membership_from_row(row, 12)?),
                None => None,
            };
            Ok((
                dataset_from_row(row)?,
                organizations::organization_from_row_at(row, 7)?,
                membership,
            ))
        })
        .optional()?)
}

/// Insert a dataset; a name already used in the organization is a 409.
pub fn insert_dataset(
    conn: &Connection,
    organization_id: &str,
    name: &str,
    server_configuration: &Value,
    client_configuration: &Value,
) -> AppResult<Dataset> {
    let now = timestamp::now();
    let dataset = Dataset {
        id: super::new_id(),
        name: name.to_string(),
        organization_id: organization_id.to_string(),
        server_configuration: server_configuration.clone(),
        client_configuration: client_configuration.clone(),
        created_at: now.clone(),
        updated_at: now,
    };
    conn.prepare_cached("INSERT INTO datasets (id, organization_id, name, server_configuration, client_configuration,
                               created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)")?.execute(
        params![
            dataset.id,
            dataset.organization_id,
            dataset.name,
            server_configuration.to_string(),
            client_configuration.to_string(),
            dataset.created_at
        ],
    )
    .map_err(|err| {
        if is_unique_violation(&err) {
            AppError::Conflict(format!(
                "A dataset named {name} already exists in this organization"
            ))
            .on_field("dataset_name")
        } else {
            err.into()
        }
    })?;
    Ok(dataset)
}

pub fn find_dataset_by_id(conn: &Connection, id: &str) -> AppResult<Option<Dataset>> {
    let sql = format!("SELECT {COLUMNS} FROM datasets d WHERE d.id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id], dataset_from_row)
        .optional()?)
}

/// The organization's first dataset, the one a new member starts in.
pub fn find_first_dataset_of_organization(
    conn: &Connection,
    organization_id: &str,
) -> AppResult<Option<Dataset>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM datasets d WHERE d.organization_id = ?1
         ORDER BY d.created_at, d.id LIMIT 1"
    );
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([organization_id], dataset_from_row)
        .optional()?)
}

/// An organization's datasets, oldest first, each with its chunk count.
pub fn list_datasets_with_usage(
    conn: &Connection,
    organization_id: &str,
) -> AppResult<Vec<DatasetAndUsage>> {
    let sql = format!(
        "SELECT {COLUMNS},
                (SELECT coalesce(sum(c.n), 0) FROM chunk_counts c WHERE c.dataset_id = d.id)
         FROM datasets d WHERE d.organization_id = ?1 ORDER BY d.created_at, d.id"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt
        .query_map([organization_id], |row| {
            let dataset = dataset_from_row(row)?;
            let chunk_count: i64 = row.get(7)?;
            Ok(DatasetAndUsage {
                dataset_usage: DatasetUsageCount {
                    id: dataset.id.clone(),
                    dataset_id: dataset.id.clone(),
                    chunk_count,
                },
                dataset: DatasetDto {
                    id: dataset.id,
                    name: dataset.name,
                    organization_id: dataset.organization_id,
                    client_configuration: dataset.client_configuration,
                    created_at: dataset.created_at,
                    updated_at: dataset.updated_at,
                },
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{
        chunks, open_in_memory, organizations::insert_organization, users::insert_user,
    };
    use actix_web::ResponseError;
    use serde_json::json;

    #[test]
    fn dataset_names_are_unique_within_an_organization_only() {
        let conn = open_in_memory().unwrap();
        let acme = insert_organization(&conn, "acme").unwrap();
        let other = insert_organization(&conn, "other").unwrap();
        let empty = json!({});
        insert_dataset(&conn, &acme.id, "docs", &empty, &empty).unwrap();
        insert_dataset(&conn, &other.id, "docs", &empty, &empty).unwrap();
        let err = insert_dataset(&conn, &acme.id, "docs", &empty, &empty).unwrap_err();
        assert!(err.status_code() == actix_web::http::StatusCode::CONFLICT);
    }

    #[test]
    fn usage_counts_the_datasets_chunks() {
        let conn = open_in_memory().unwrap();
        let acme = insert_organization(&conn, "acme").unwrap();
        let ada = insert_user(&conn, "ada@example.com", None).unwrap();
        let config = json!({"a": 1});
        let dataset = insert_dataset(&conn, &acme.id, "docs", &config, &json!({})).unwrap();
        for text in ["one", "two", "three"] {
            chunks::insert_plain_chunk(&conn, &dataset.id, &ada.id, text).unwrap();
        }
        let listed = list_datasets_with_usage(&conn, &acme.id).unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].dataset_usage.chunk_count, 3);
        let found = find_dataset_by_id(&conn, &dataset.id).unwrap().unwrap();
        assert_eq!(found.server_configuration, config);
    }
}
