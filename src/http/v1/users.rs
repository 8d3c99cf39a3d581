//! Users, their profiles and their keys, as `UserApi` and `AuthApi` answer them.

use serde::Serialize;
use utoipa::ToSchema;

use super::chunks::ChunkMetadataWithFileData;
use super::organizations::{Organization, UserOrganization};
use crate::db::api_keys::KeyRow;
use crate::domain::members::Profile;
use crate::domain::user_data::UserChunks;
use crate::types::ids::{KeyId, UserId};
use crate::types::roles::KeyRole;
use crate::types::time::Timestamp;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SlimUser {
    pub id: UserId,
    pub email: String,
    #[schema(required = true)]
    pub name: Option<String>,
    #[schema(required = true)]
    pub username: Option<String>,
    #[schema(required = true)]
    pub website: Option<String>,
    pub visible_email: bool,
    pub orgs: Vec<Organization>,
    pub user_orgs: Vec<UserOrganization>,
}

impl From<Profile> for SlimUser {
    fn from(profile: Profile) -> SlimUser {
        let user = profile.user;
        let (orgs, user_orgs) = profile
            .memberships
            .into_iter()
            .map(|(organization, membership)| (organization.into(), membership.into()))
            .unzip();
        SlimUser {
            id: user.id,
            email: user.email,
            name: user.name,
            username: user.username,
            website: user.website,
            visible_email: user.visible_email,
            orgs,
            user_orgs,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApiKeyDto {
    pub id: KeyId,
    pub user_id: UserId,
    pub name: String,
    #[schema(value_type = i64)]
    pub role: KeyRole,
    #[schema(required = true)]
    pub expires_at: Option<Timestamp>,
    /// The key the ADMIN_API_KEY variable sets: revoked, it comes back on the next start while
    /// the variable is set.
    pub managed_by_environment: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl From<KeyRow> for ApiKeyDto {
    fn from(row: KeyRow) -> ApiKeyDto {
        ApiKeyDto {
            id: row.id,
            user_id: row.user_id,
            name: row.name,
            role: row.role,
            expires_at: row.expires_at,
            managed_by_environment: row.managed_by_environment,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserDtoWithChunks {
    pub id: UserId,
    #[schema(required = true)]
    pub email: Option<String>,
    #[schema(required = true)]
    pub username: Option<String>,
    #[schema(required = true)]
    pub website: Option<String>,
    pub visible_email: bool,
    pub created_at: Timestamp,
    pub total_chunks_created: i64,
    pub chunks: Vec<ChunkMetadataWithFileData>,
}

impl From<UserChunks> for UserDtoWithChunks {
    fn from(page: UserChunks) -> UserDtoWithChunks {
        let user = page.user;
        UserDtoWithChunks {
            id: user.id,
            email: user.visible_email.then_some(user.email),
            username: user.username,
            website: user.website,
            visible_email: user.visible_email,
            created_at: user.created_at,
            total_chunks_created: page.total_chunks,
            chunks: page.chunks.into_iter().map(Into::into).collect(),
        }
    }
}
