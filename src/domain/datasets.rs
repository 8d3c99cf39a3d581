//! Datasets: created, changed and deleted by an organization's owners, seen by its members.

use rusqlite::Connection;
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::db::datasets::DatasetRow;
use crate::db::datasets::{self, Configuration};
use crate::domain::error::{AppError, AppResult};
use crate::domain::grants::{DatasetOwner, DatasetReader, OrgMember, OrgOwner, Write};
use crate::types::fields::Name;

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
) -> AppResult<DatasetRow> {
    Ok(datasets::insert_dataset(
        conn,
        owner.organization().id,
        &new.name,
        new.server_configuration,
        new.client_configuration,
    )?)
}

/// `PUT /api/dataset`: what is given changes, what is absent (or null) stays.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(example = json!({"dataset_id": "5b0e6f7a-3c2d-4e1f-8a9b-0c1d2e3f4a5b", "dataset_name": "handbook"}))]
pub struct UpdateDatasetRequest {
    pub dataset_id: uuid::Uuid,
    /// 1 to 100 characters, unique in the organization.
    pub dataset_name: Option<String>,
    /// A JSON object, replacing the old one.
    #[schema(value_type = Option<Object>)]
    pub server_configuration: Option<Value>,
    /// A JSON object, replacing the old one.
    #[schema(value_type = Option<Object>)]
    pub client_configuration: Option<Value>,
}

/// `DELETE /api/dataset`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DeleteDatasetRequest {
    pub dataset_id: uuid::Uuid,
}

/// The changes of an `UpdateDatasetRequest`, parsed before the grant is checked.
pub struct DatasetChanges {
    name: Option<Name>,
    server_configuration: Option<Configuration>,
    client_configuration: Option<Configuration>,
}

impl DatasetChanges {
    pub fn parse(request: UpdateDatasetRequest) -> AppResult<DatasetChanges> {
        let given = |field, value: Option<Value>| match value {
            None | Some(Value::Null) => Ok(None),
            value => configuration(field, value).map(Some),
        };
        Ok(DatasetChanges {
            name: request
                .dataset_name
                .as_deref()
                .map(|name| Name::parse("dataset_name", name))
                .transpose()?,
            server_configuration: given("server_configuration", request.server_configuration)?,
            client_configuration: given("client_configuration", request.client_configuration)?,
        })
    }
}

/// An owner changes a dataset's name or configurations.
pub fn update_dataset(
    conn: &Connection,
    owner: &Write<DatasetOwner>,
    changes: DatasetChanges,
) -> AppResult<DatasetRow> {
    let mut dataset = datasets::find_dataset_by_id(conn, owner.id())?
        .ok_or_else(|| AppError::NotFound("Dataset not found".into()))?;
    if let Some(name) = changes.name {
        dataset.name = name.as_str().to_string();
    }
    if let Some(configuration) = changes.server_configuration {
        dataset.server_configuration = Value::Object(configuration);
    }
    if let Some(configuration) = changes.client_configuration {
        dataset.client_configuration = Value::Object(configuration);
    }
    Ok(datasets::write_dataset(conn, &dataset)?)
}

/// An owner deletes a dataset with everything in it, in one transaction; not the
/// organization's last (its members would have nowhere to work).
pub fn delete_dataset(conn: &Connection, owner: &Write<DatasetOwner>) -> AppResult<()> {
    if datasets::count_datasets(conn, owner.organization_id())? <= 1 {
        return Err(AppError::Conflict(
            "This is the organization's last dataset: create another before deleting it".into(),
        ));
    }
    datasets::delete_dataset_and_contents(conn, owner.id())?;
    Ok(())
}

/// `GET /api/dataset/envs`: the dataset's client configuration, as Trieve's client reads it:
/// its keys of Trieve's `ClientDatasetConfiguration` that have their type there, and any
/// others.
pub fn client_configuration(conn: &Connection, reader: &DatasetReader) -> AppResult<Value> {
    let dataset = get_dataset(conn, reader)?;
    let Value::Object(mut configuration) = dataset.client_configuration else {
        return Ok(Value::Object(Map::new()));
    };
    configuration.retain(|key, value| match key.as_str() {
        "CREATE_CHUNK_FEATURE" | "DOCUMENT_UPLOAD_FEATURE" | "SHOW_GITHUB_STARS" => {
            value.is_boolean() || value.is_null()
        }
        "DATE_RANGE_VALUE"
        | "FRONTMATTER_VALS"
        | "IMAGE_RANGE_END_KEY"
        | "IMAGE_RANGE_START_KEY"
        | "SEARCH_QUERIES"
        | "SUGGESTED_QUERIES" => value.is_string() || value.is_null(),
        "LINES_BEFORE_SHOW_MORE" => value.is_u64() || value.is_null(),
        _ => true,
    });
    Ok(Value::Object(configuration))
}

/// The dataset the grant is over, configurations and all.
pub fn get_dataset(conn: &Connection, reader: &DatasetReader) -> AppResult<DatasetRow> {
    datasets::find_dataset_by_id(conn, reader.id())?
        .ok_or_else(|| AppError::NotFound("Dataset not found".into()))
}

/// The organization's datasets, oldest first, with their chunk counts.
pub fn list_datasets(conn: &Connection, member: &OrgMember) -> AppResult<Vec<(DatasetRow, i64)>> {
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
