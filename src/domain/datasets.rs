//! Datasets: created by an organization's owners, seen by its members.

use rusqlite::Connection;
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::db::datasets::{self, Configuration};
use crate::domain::fields::Name;
use crate::domain::grants::{DatasetReader, OrgMember, OrgOwner, Write};
use crate::error::{AppError, AppResult};
use crate::models::{Dataset, DatasetAndUsage};

/// `POST /api/dataset`.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"dataset_name": "docs", "organization_id": "5b0e6f7a-3c2d-4e1f-8a9b-0c1d2e3f4a5b",
    "server_configuration": {}, "client_configuration": {"theme": "dark"}}))]
pub struct CreateDatasetRequest {
    /// 1 to 100 characters, unique in the organization.
    pub dataset_name: String,
    pub organization_id: uuid::Uuid,
    /// A JSON object; `{}` when absent or null.
    #[schema(value_type = Option<Object>)]
    pub server_configuration: Option<Value>,
    /// A JSON object; `{}` when absent or null.
    #[schema(value_type = Option<Object>)]
    pub client_configuration: Option<Value>,
}

/// A dataset's configuration: a JSON object, `{}` when absent or null.
fn configuration(field: &'static str, value: Option<Value>) -> AppResult<Configuration> {
    match value {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(object)) => Ok(object),
        Some(_) => Err(AppError::invalid(
            field,
            "server_configuration and client_configuration must be JSON objects",
        )),
    }
}

/// The parts of a request to create a dataset that need no database, parsed before the grant
/// is checked, so a malformed request is a 400 whoever sends it.
pub struct NewDataset {
    name: Name,
    server_configuration: Configuration,
    client_configuration: Configuration,
}

impl NewDataset {
    pub fn parse(request: CreateDatasetRequest) -> AppResult<NewDataset> {
        Ok(NewDataset {
            name: Name::parse("dataset_name", &request.dataset_name)?,
            server_configuration: configuration(
                "server_configuration",
                request.server_configuration,
            )?,
            client_configuration: configuration(
                "client_configuration",
                request.client_configuration,
            )?,
        })
    }
}

/// An owner creates a dataset in their organization.
pub fn create_dataset(
    conn: &Connection,
    owner: &Write<OrgOwner>,
    new: NewDataset,
) -> AppResult<Dataset> {
    Ok(datasets::insert_dataset(
        conn,
        owner.organization().id,
        &new.name,
        new.server_configuration,
        new.client_configuration,
    )?)
}

/// The dataset the grant is over, configurations and all.
pub fn get_dataset(conn: &Connection, reader: &DatasetReader) -> AppResult<Dataset> {
    datasets::find_dataset_by_id(conn, reader.id())?
        .ok_or_else(|| AppError::NotFound("Dataset not found".into()))
}

/// The organization's datasets, oldest first, with their chunk counts.
pub fn list_datasets(conn: &Connection, member: &OrgMember) -> AppResult<Vec<DatasetAndUsage>> {
    Ok(datasets::list_datasets_with_usage(
        conn,
        member.organization().id,
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::open_in_memory;
    use crate::domain::test_support::{grant, organization_with_owner};

    fn request(json: serde_json::Value) -> CreateDatasetRequest {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn an_owner_creates_a_dataset_with_object_configurations() {
        let conn = open_in_memory().unwrap();
        let (org, owner) = organization_with_owner(&conn, "acme");
        let new = NewDataset::parse(request(serde_json::json!({"dataset_name": " docs ",
            "organization_id": org.id, "client_configuration": {"theme": "dark"}})))
        .unwrap();
        let created = create_dataset(&conn, &grant(&conn, &owner, org.id), new).unwrap();
        assert_eq!(created.name, "docs");
        assert_eq!(created.server_configuration, serde_json::json!({}));
        let listed = list_datasets(&conn, &grant(&conn, &owner, org.id)).unwrap();
        assert_eq!(listed.len(), 2);

        let bad = request(
            serde_json::json!({"dataset_name": "x", "organization_id": org.id,
            "server_configuration": [1]}),
        );
        assert_eq!(
            NewDataset::parse(bad).err().unwrap().field(),
            Some("server_configuration")
        );
    }
}
