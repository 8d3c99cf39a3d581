//! The shapes the API returns, named and laid out as trieve_python_client 1.0.0 expects them.
//! Ids are UUID strings and timestamps fixed-width UTC text (see `timestamp`).

use serde::Serialize;
use serde_json::Value;

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

#[derive(Debug, Clone, Serialize)]
pub struct Organization {
    pub id: String,
    pub name: String,
    pub registerable: Option<bool>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct UserOrganization {
    pub id: String,
    pub user_id: String,
    pub organization_id: String,
    pub role: i64,
    pub created_at: String,
    pub updated_at: String,
}

impl UserOrganization {
    pub fn role(&self) -> Role {
        // The schema's CHECK constraint keeps role in 0..=2.
        Role::from_i64(self.role).unwrap_or(Role::User)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct SlimUser {
    pub id: String,
    pub email: String,
    pub name: Option<String>,
    pub username: Option<String>,
    pub website: Option<String>,
    pub visible_email: bool,
    pub orgs: Vec<Organization>,
    pub user_orgs: Vec<UserOrganization>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ApiKeyDto {
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub role: i64,
    pub expires_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Dataset {
    pub id: String,
    pub name: String,
    pub organization_id: String,
    pub server_configuration: Value,
    pub client_configuration: Value,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct DatasetDto {
    pub id: String,
    pub name: String,
    pub organization_id: String,
    pub client_configuration: Value,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct DatasetUsageCount {
    pub id: String,
    pub dataset_id: String,
    pub chunk_count: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct DatasetAndUsage {
    pub dataset: DatasetDto,
    pub dataset_usage: DatasetUsageCount,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChunkMetadataWithFileData {
    pub id: String,
    pub content: String,
    pub chunk_html: Option<String>,
    pub link: Option<String>,
    pub qdrant_point_id: String,
    pub created_at: String,
    pub updated_at: String,
    pub tag_set: Option<String>,
    pub file_id: Option<String>,
    pub file_name: Option<String>,
    pub metadata: Option<Value>,
    pub tracking_id: Option<String>,
    pub time_stamp: Option<String>,
    pub weight: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChunkMetadata {
    pub id: String,
    pub author_id: String,
    pub dataset_id: String,
    pub content: String,
    pub chunk_html: Option<String>,
    pub link: Option<String>,
    pub metadata: Option<Value>,
    pub qdrant_point_id: String,
    pub tag_set: Option<String>,
    pub time_stamp: Option<String>,
    pub tracking_id: Option<String>,
    pub weight: f64,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReturnCreatedChunk {
    pub chunk_metadata: ChunkMetadata,
    pub duplicate: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct UserDtoWithChunks {
    pub id: String,
    pub email: Option<String>,
    pub username: Option<String>,
    pub website: Option<String>,
    pub visible_email: bool,
    pub created_at: String,
    pub total_chunks_created: i64,
    pub chunks: Vec<ChunkMetadataWithFileData>,
}

#[derive(Debug, Clone, Serialize)]
pub struct File {
    pub id: String,
    pub user_id: String,
    pub dataset_id: String,
    pub file_name: String,
    pub size: i64,
    pub link: Option<String>,
    pub metadata: Option<Value>,
    pub tag_set: Option<String>,
    pub time_stamp: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// A file with its bytes, base64url-encoded without padding.
#[derive(Debug, Clone, Serialize)]
pub struct FileDto {
    pub id: String,
    pub user_id: String,
    pub file_name: String,
    pub size: i64,
    pub base64url_content: String,
    pub link: Option<String>,
    pub metadata: Option<Value>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct UploadFileResult {
    pub file_metadata: File,
}

/// There is no vector store; chunks report the nil UUID as their point id.
pub const NIL_POINT_ID: &str = "00000000-0000-0000-0000-000000000000";

/// Parse a JSON column; a value that is not JSON (never written by this server) reads as a string.
pub fn json_column(text: Option<String>) -> Option<Value> {
    text.map(|text| serde_json::from_str(&text).unwrap_or(Value::String(text)))
}
