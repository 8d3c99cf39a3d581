//! Organizations and memberships, as `OrganizationApi` answers them.

use serde::Serialize;
use utoipa::ToSchema;

use crate::db::organizations::{MembershipRow, OrganizationRow};
use crate::domain::organizations::Usage;
use crate::types::ids::{MembershipId, OrganizationId, UserId};
use crate::types::roles::Role;
use crate::types::time::Timestamp;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Organization {
    pub id: OrganizationId,
    pub name: String,
    #[schema(required = true)]
    pub registerable: Option<bool>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserOrganization {
    pub id: MembershipId,
    pub user_id: UserId,
    pub organization_id: OrganizationId,
    #[schema(value_type = i64)]
    pub role: Role,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl From<OrganizationRow> for Organization {
    fn from(row: OrganizationRow) -> Organization {
        Organization {
            id: row.id,
            name: row.name,
            registerable: row.registerable,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

impl From<MembershipRow> for UserOrganization {
    fn from(row: MembershipRow) -> UserOrganization {
        UserOrganization {
            id: row.id,
            user_id: row.user_id,
            organization_id: row.organization_id,
            role: row.role,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// `GET /api/organization/usage/{organization_id}`: what the organization holds now.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationUsageCount {
    /// The organization's id (trieve-lite keeps no separate usage record).
    pub id: OrganizationId,
    pub org_id: OrganizationId,
    pub dataset_count: i64,
    /// Bytes of the files uploaded to its datasets.
    pub file_storage: i64,
    pub user_count: i64,
    /// Chat messages stored in its datasets.
    pub message_count: i64,
}

impl From<Usage> for OrganizationUsageCount {
    fn from(usage: Usage) -> OrganizationUsageCount {
        OrganizationUsageCount {
            id: usage.organization_id,
            org_id: usage.organization_id,
            dataset_count: usage.dataset_count,
            file_storage: usage.file_storage,
            user_count: usage.user_count,
            message_count: usage.message_count,
        }
    }
}
