//! Datasets, as `DatasetApi` answers them.

use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::db::datasets::DatasetRow;
use crate::types::ids::{DatasetId, OrganizationId};
use crate::types::time::Timestamp;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Dataset {
    pub id: DatasetId,
    pub name: String,
    pub organization_id: OrganizationId,
    pub server_configuration: Value,
    pub client_configuration: Value,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DatasetDto {
    pub id: DatasetId,
    pub name: String,
    pub organization_id: OrganizationId,
    pub client_configuration: Value,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DatasetUsageCount {
    pub id: DatasetId,
    pub dataset_id: DatasetId,
    pub chunk_count: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DatasetAndUsage {
    pub dataset: DatasetDto,
    pub dataset_usage: DatasetUsageCount,
}

impl From<DatasetRow> for Dataset {
    fn from(row: DatasetRow) -> Dataset {
        Dataset {
            id: row.id,
            name: row.name,
            organization_id: row.organization_id,
            server_configuration: row.server_configuration,
            client_configuration: row.client_configuration,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// A dataset and its chunk count.
impl From<(DatasetRow, i64)> for DatasetAndUsage {
    fn from((dataset, chunk_count): (DatasetRow, i64)) -> DatasetAndUsage {
        DatasetAndUsage {
            dataset_usage: DatasetUsageCount {
                id: dataset.id,
                dataset_id: dataset.id,
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
        }
    }
}
