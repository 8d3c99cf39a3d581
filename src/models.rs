//! The shapes the API returns, named and laid out as trieve_python_client 1.0.0 expects them.
//! Ids are UUID strings and timestamps fixed-width UTC text (see `timestamp`).

use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// A member's role in an organization. Order matters: a higher role can do all a lower one can.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    User = 0,
    Admin = 1,
    Owner = 2,
}

impl Role {
    pub fn from_i64(value: i64) -> Option<Role> {
        match value {
            0 => Some(Role::User),
            1 => Some(Role::Admin),
            2 => Some(Role::Owner),
            _ => None,
        }
    }

    pub fn as_i64(self) -> i64 {
        self as i64
    }

    pub fn name(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Admin => "admin",
            Role::Owner => "owner",
        }
    }

    pub fn from_name(name: &str) -> Option<Role> {
        match name {
            "user" => Some(Role::User),
            "admin" => Some(Role::Admin),
            "owner" => Some(Role::Owner),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub id: String,
    pub email: String,
    pub name: Option<String>,
    pub username: Option<String>,
    pub website: Option<String>,
    pub visible_email: bool,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Organization {
    #[schema(format = Uuid)]
    pub id: String,
    pub name: String,
    #[schema(required = true)]
    pub registerable: Option<bool>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserOrganization {
    #[schema(format = Uuid)]
    pub id: String,
    #[schema(format = Uuid)]
    pub user_id: String,
    #[schema(format = Uuid)]
    pub organization_id: String,
    pub role: i64,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

impl UserOrganization {
    pub fn role(&self) -> Role {
        // The schema's CHECK constraint keeps role in 0..=2.
        Role::from_i64(self.role).unwrap_or(Role::User)
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SlimUser {
    #[schema(format = Uuid)]
    pub id: String,
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

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApiKeyDto {
    #[schema(format = Uuid)]
    pub id: String,
    #[schema(format = Uuid)]
    pub user_id: String,
    pub name: String,
    pub role: i64,
    #[schema(required = true, format = DateTime)]
    pub expires_at: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Dataset {
    #[schema(format = Uuid)]
    pub id: String,
    pub name: String,
    #[schema(format = Uuid)]
    pub organization_id: String,
    pub server_configuration: Value,
    pub client_configuration: Value,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DatasetDto {
    #[schema(format = Uuid)]
    pub id: String,
    pub name: String,
    #[schema(format = Uuid)]
    pub organization_id: String,
    pub client_configuration: Value,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DatasetUsageCount {
    #[schema(format = Uuid)]
    pub id: String,
    #[schema(format = Uuid)]
    pub dataset_id: String,
    pub chunk_count: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DatasetAndUsage {
    pub dataset: DatasetDto,
    pub dataset_usage: DatasetUsageCount,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChunkMetadataWithFileData {
    #[schema(format = Uuid)]
    pub id: String,
    pub content: String,
    #[schema(required = true)]
    pub chunk_html: Option<String>,
    #[schema(required = true)]
    pub link: Option<String>,
    #[schema(format = Uuid)]
    pub qdrant_point_id: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
    #[schema(required = true)]
    pub tag_set: Option<String>,
    #[schema(required = true, format = Uuid)]
    pub file_id: Option<String>,
    #[schema(required = true)]
    pub file_name: Option<String>,
    #[schema(required = true)]
    pub metadata: Option<Value>,
    #[schema(required = true)]
    pub tracking_id: Option<String>,
    #[schema(required = true, format = DateTime)]
    pub time_stamp: Option<String>,
    pub weight: f64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChunkMetadata {
    #[schema(format = Uuid)]
    pub id: String,
    #[schema(format = Uuid)]
    pub author_id: String,
    #[schema(format = Uuid)]
    pub dataset_id: String,
    pub content: String,
    #[schema(required = true)]
    pub chunk_html: Option<String>,
    #[schema(required = true)]
    pub link: Option<String>,
    #[schema(required = true)]
    pub metadata: Option<Value>,
    #[schema(format = Uuid)]
    pub qdrant_point_id: String,
    #[schema(required = true)]
    pub tag_set: Option<String>,
    #[schema(required = true, format = DateTime)]
    pub time_stamp: Option<String>,
    #[schema(required = true)]
    pub tracking_id: Option<String>,
    pub weight: f64,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReturnCreatedChunk {
    pub chunk_metadata: ChunkMetadata,
    pub duplicate: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserDtoWithChunks {
    #[schema(format = Uuid)]
    pub id: String,
    #[schema(required = true)]
    pub email: Option<String>,
    #[schema(required = true)]
    pub username: Option<String>,
    #[schema(required = true)]
    pub website: Option<String>,
    pub visible_email: bool,
    #[schema(format = DateTime)]
    pub created_at: String,
    pub total_chunks_created: i64,
    pub chunks: Vec<ChunkMetadataWithFileData>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct File {
    #[schema(format = Uuid)]
    pub id: String,
    #[schema(format = Uuid)]
    pub user_id: String,
    #[schema(format = Uuid)]
    pub dataset_id: String,
    pub file_name: String,
    pub size: i64,
    #[schema(required = true)]
    pub link: Option<String>,
    #[schema(required = true)]
    pub metadata: Option<Value>,
    #[schema(required = true)]
    pub tag_set: Option<String>,
    #[schema(required = true, format = DateTime)]
    pub time_stamp: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

/// A file with its bytes, base64url-encoded without padding.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FileDto {
    #[schema(format = Uuid)]
    pub id: String,
    #[schema(format = Uuid)]
    pub user_id: String,
    pub file_name: String,
    pub size: i64,
    pub base64url_content: String,
    #[schema(required = true)]
    pub link: Option<String>,
    #[schema(required = true)]
    pub metadata: Option<Value>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UploadFileResult {
    pub file_metadata: File,
}

/// There is no vector store; chunks report the nil UUID as their point id.
pub const NIL_POINT_ID: &str = "00000000-0000-0000-0000-000000000000";

/// Parse a JSON column; a value that is not JSON (never written by this server) reads as a string.
pub fn json_column(text: Option<String>) -> Option<Value> {
    text.map(|text| serde_json::from_str(&text).unwrap_or(Value::String(text)))
}
