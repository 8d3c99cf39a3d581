//! Rows of `datasets`, and their chunk usage.

use const_format::concatcp;
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde_json::{Map, Value};

use super::columns::{at, start};
use super::organizations::{optional_membership, MembershipRow, MEMBERSHIP_COLUMNS};
use super::Result;
use crate::types::fields::Name;
use crate::types::ids::{DatasetId, OrganizationId, UserId};
use crate::types::time::Timestamp;

/// A stored dataset.
#[derive(Debug, Clone, PartialEq)]
pub struct DatasetRow {
    pub id: DatasetId,
    pub name: String,
    pub organization_id: OrganizationId,
    pub server_configuration: Value,
    pub client_configuration: Value,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// The columns `dataset_from_row` reads; queries name the table `d`.
const COLUMNS: &str = "d.id AS dataset_id, d.name AS dataset_name, \
     d.organization_id AS dataset_organization_id, d.server_configuration, \
     d.client_configuration, d.created_at AS dataset_created_at, \
     d.updated_at AS dataset_updated_at";

fn configuration(row: &Row, position: usize) -> rusqlite::Result<Value> {
    let text: String = row.get(position)?;
    Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// A dataset from a row that starts with `COLUMNS`.
fn dataset_from_row(row: &Row) -> rusqlite::Result<DatasetRow> {
    Ok(DatasetRow {
        id: row.get(at!(COLUMNS, "dataset_id"))?,
        name: row.get(at!(COLUMNS, "dataset_name"))?,
        organization_id: row.get(at!(COLUMNS, "dataset_organization_id"))?,
        server_configuration: configuration(row, at!(COLUMNS, "server_configuration"))?,
        client_configuration: configuration(row, at!(COLUMNS, "client_configuration"))?,
        created_at: row.get(at!(COLUMNS, "dataset_created_at"))?,
        updated_at: row.get(at!(COLUMNS, "dataset_updated_at"))?,
    })
}

/// A dataset's organization and a user's membership in it (None if not a member): what
/// scoping a request to a dataset needs, in one read of the few columns it needs.
pub fn find_dataset_membership(
    conn: &Connection,
    dataset_id: DatasetId,
    user_id: UserId,
) -> Result<Option<(OrganizationId, Option<MembershipRow>)>> {
    const SELECT: &str = concatcp!("d.organization_id AS owner, ", MEMBERSHIP_COLUMNS);
    const SQL: &str = concatcp!(
        "SELECT ",
        SELECT,
        " FROM datasets d
         LEFT JOIN user_organizations m
             ON m.organization_id = d.organization_id AND m.user_id = ?2
         WHERE d.id = ?1"
    );
    Ok(conn
        .prepare_cached(SQL)?
        .query_row(params![dataset_id, user_id], |row| {
            Ok((
                row.get(at!(SELECT, "owner"))?,
                optional_membership(row, start!(SELECT, MEMBERSHIP_COLUMNS, "membership_id"))?,
            ))
        })
        .optional()?)
}

/// A JSON object, for a dataset's configurations.
pub type Configuration = Map<String, Value>;

/// Insert a dataset; a name already used in the organization is `Unique::DatasetName`.
pub fn insert_dataset(
    conn: &Connection,
    organization_id: OrganizationId,
    name: &Name,
    server_configuration: Configuration,
    client_configuration: Configuration,
) -> Result<DatasetRow> {
    let now = Timestamp::now();
    let dataset = DatasetRow {
        id: DatasetId::random(),
        name: name.as_str().to_string(),
        organization_id,
        server_configuration: Value::Object(server_configuration),
        client_configuration: Value::Object(client_configuration),
        created_at: now,
        updated_at: now,
    };
    conn.prepare_cached(
        "INSERT INTO datasets (id, organization_id, name, server_configuration,
                               client_configuration, created_at, updated_at, search_key)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6,
                 (SELECT coalesce(max(search_key), 0) + 1 FROM datasets))",
    )?
    .execute(params![
        dataset.id,
        dataset.organization_id,
        dataset.name,
        dataset.server_configuration.to_string(),
        dataset.client_configuration.to_string(),
        dataset.created_at
    ])?;
    Ok(dataset)
}

pub fn find_dataset_by_id(conn: &Connection, id: DatasetId) -> Result<Option<DatasetRow>> {
    const SQL: &str = concatcp!("SELECT ", COLUMNS, " FROM datasets d WHERE d.id = ?1");
    Ok(conn
        .prepare_cached(SQL)?
        .query_row([id], dataset_from_row)
        .optional()?)
}

/// Write a dataset's name and configurations as given (merged by the caller) and move
/// `updated_at`; a name already used in the organization is `Unique::DatasetName`.
pub fn write_dataset(conn: &Connection, dataset: &DatasetRow) -> Result<DatasetRow> {
    let now = Timestamp::now();
    conn.prepare_cached(
        "UPDATE datasets SET name = ?2, server_configuration = ?3, client_configuration = ?4,
                             updated_at = ?5
         WHERE id = ?1",
    )?
    .execute(params![
        dataset.id,
        dataset.name,
        dataset.server_configuration.to_string(),
        dataset.client_configuration.to_string(),
        now
    ])?;
    Ok(DatasetRow {
        updated_at: now,
        ..dataset.clone()
    })
}

/// How many datasets the organization has.
pub fn count_datasets(conn: &Connection, organization_id: OrganizationId) -> Result<i64> {
    Ok(conn
        .prepare_cached("SELECT count(*) FROM datasets WHERE organization_id = ?1")?
        .query_row([organization_id], |row| row.get(0))?)
}

/// Delete a dataset and everything of it: its chunks (their index entries, vectors and counts),
/// its files and their bytes (by the schema's cascades), and its rows of the vector log.
pub fn delete_dataset_and_contents(conn: &Connection, id: DatasetId) -> Result<bool> {
    conn.prepare_cached("DELETE FROM vector_changes WHERE dataset_id = ?1")?
        .execute([id])?;
    conn.prepare_cached("DELETE FROM vector_log_pruned WHERE dataset_id = ?1")?
        .execute([id])?;
    let deleted = conn
        .prepare_cached("DELETE FROM datasets WHERE id = ?1")?
        .execute([id])?;
    Ok(deleted == 1)
}

/// The organization's first dataset, the one a new member starts in.
pub fn find_first_dataset_of_organization(
    conn: &Connection,
    organization_id: OrganizationId,
) -> Result<Option<DatasetRow>> {
    const SQL: &str = concatcp!(
        "SELECT ",
        COLUMNS,
        " FROM datasets d WHERE d.organization_id = ?1 ORDER BY d.created_at, d.id LIMIT 1"
    );
    Ok(conn
        .prepare_cached(SQL)?
        .query_row([organization_id], dataset_from_row)
        .optional()?)
}

/// An organization's datasets, oldest first, each with its chunk count.
pub fn list_datasets_with_usage(
    conn: &Connection,
    organization_id: OrganizationId,
) -> Result<Vec<(DatasetRow, i64)>> {
    const SELECT: &str = concatcp!(
        COLUMNS,
        ", (SELECT coalesce(sum(c.n), 0) FROM chunk_counts c WHERE c.dataset_id = d.id)
            AS chunk_count"
    );
    const SQL: &str = concatcp!(
        "SELECT ",
        SELECT,
        " FROM datasets d WHERE d.organization_id = ?1 ORDER BY d.created_at, d.id"
    );
    let mut stmt = conn.prepare_cached(SQL)?;
    let rows = stmt
        .query_map([organization_id], |row| {
            Ok((dataset_from_row(row)?, row.get(at!(SELECT, "chunk_count"))?))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::test_support::{dataset, organization, user};
    use crate::db::{chunks, open_in_memory, Error, Unique};
    use serde_json::json;

    #[test]
    fn dataset_names_are_unique_within_an_organization_only() {
        let conn = open_in_memory().unwrap();
        let acme = organization(&conn, "acme");
        let other = organization(&conn, "other");
        dataset(&conn, acme.id, "docs");
        dataset(&conn, other.id, "docs");
        let name = Name::parse("dataset_name", "docs").unwrap();
        let err = insert_dataset(&conn, acme.id, &name, Map::new(), Map::new()).unwrap_err();
        assert!(matches!(err, Error::Taken(Unique::DatasetName)));
    }

    #[test]
    fn usage_counts_the_datasets_chunks() {
        let conn = open_in_memory().unwrap();
        let acme = organization(&conn, "acme");
        let ada = user(&conn, "ada@example.com");
        let config = json!({"a": 1}).as_object().unwrap().clone();
        let name = Name::parse("dataset_name", "docs").unwrap();
        let docs = insert_dataset(&conn, acme.id, &name, config.clone(), Map::new()).unwrap();
        for text in ["one", "two", "three"] {
            chunks::insert_plain_chunk(&conn, docs.id, ada.id, text).unwrap();
        }
        let listed = list_datasets_with_usage(&conn, acme.id).unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].1, 3);
        let found = find_dataset_by_id(&conn, docs.id).unwrap().unwrap();
        assert_eq!(found.server_configuration, Value::Object(config));
    }
}
