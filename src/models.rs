//! The shapes the API returns, named and laid out as trieve_python_client 1.0.0 expects them.
//! Ids travel as UUID text and timestamps as fixed-width UTC text (see `types::ids` and
//! `types::time`).

use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::types::ids::{
    ChunkId, CollectionId, DatasetId, FileId, KeyId, MembershipId, MessageId, NotificationId,
    OrganizationId, TopicId, UserId,
};
use crate::types::roles::{KeyRole, Role};
use crate::types::time::Timestamp;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub name: Option<String>,
    pub username: Option<String>,
    pub website: Option<String>,
    pub visible_email: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

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

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChunkMetadataWithFileData {
    pub id: ChunkId,
    pub content: String,
    #[schema(required = true)]
    pub chunk_html: Option<String>,
    #[schema(required = true)]
    pub link: Option<String>,
    /// The chunk's id in the vector store; the nil UUID while it has no vector.
    pub qdrant_point_id: Uuid,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    #[schema(required = true)]
    pub tag_set: Option<String>,
    #[schema(required = true)]
    pub file_id: Option<FileId>,
    #[schema(required = true)]
    pub file_name: Option<String>,
    #[schema(required = true)]
    pub metadata: Option<Value>,
    #[schema(required = true)]
    pub tracking_id: Option<String>,
    #[schema(required = true)]
    pub time_stamp: Option<Timestamp>,
    pub weight: f64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChunkMetadata {
    pub id: ChunkId,
    pub author_id: UserId,
    pub dataset_id: DatasetId,
    pub content: String,
    #[schema(required = true)]
    pub chunk_html: Option<String>,
    #[schema(required = true)]
    pub link: Option<String>,
    #[schema(required = true)]
    pub metadata: Option<Value>,
    /// The chunk's id in the vector store; the nil UUID while it has no vector.
    pub qdrant_point_id: Uuid,
    #[schema(required = true)]
    pub tag_set: Option<String>,
    #[schema(required = true)]
    pub time_stamp: Option<Timestamp>,
    #[schema(required = true)]
    pub tracking_id: Option<String>,
    pub weight: f64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A collection of a dataset's chunks (its bookmarks), made by one user.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChunkCollection {
    pub id: CollectionId,
    pub dataset_id: DatasetId,
    pub author_id: UserId,
    pub name: String,
    pub description: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// The upload whose chunks it was made with (lists of collections show it).
    #[serde(skip)]
    pub file_id: Option<FileId>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReturnCreatedChunk {
    pub chunk_metadata: ChunkMetadata,
    pub duplicate: bool,
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

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct File {
    pub id: FileId,
    pub user_id: UserId,
    pub dataset_id: DatasetId,
    pub file_name: String,
    pub size: i64,
    #[schema(required = true)]
    pub link: Option<String>,
    #[schema(required = true)]
    pub metadata: Option<Value>,
    #[schema(required = true)]
    pub tag_set: Option<String>,
    #[schema(required = true)]
    pub time_stamp: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A file with its bytes, base64url-encoded without padding.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FileDto {
    pub id: FileId,
    pub user_id: UserId,
    pub file_name: String,
    pub size: i64,
    pub base64url_content: String,
    #[schema(required = true)]
    pub link: Option<String>,
    #[schema(required = true)]
    pub metadata: Option<Value>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// One search result: the chunk (alone in `metadata`, as Trieve's client expects) and its score,
/// positive, higher is better.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = ScoreChunkDTO)]
pub struct ScoreChunkDto {
    pub metadata: Vec<ChunkMetadataWithFileData>,
    pub score: f64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SearchChunkQueryResponseBody {
    pub score_chunks: Vec<ScoreChunkDto>,
    /// ceil(matching chunks / 10).
    pub total_chunk_pages: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UploadFileResult {
    pub file_metadata: File,
}

/// There is no vector store; chunks report the nil UUID as their point id.
pub const NIL_POINT_ID: Uuid = Uuid::nil();

/// A notification: an upload of the user's was split into chunks, which the collection
/// `collection_uuid` (named after the file) holds. Trieve's `FileUploadCompletedNotificationWithName`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Notification {
    pub id: NotificationId,
    pub user_uuid: UserId,
    pub collection_uuid: CollectionId,
    #[schema(required = true)]
    pub collection_name: Option<String>,
    pub user_read: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A user's chat over a dataset.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Topic {
    pub id: TopicId,
    pub dataset_id: DatasetId,
    pub user_id: UserId,
    pub name: String,
    /// A chat without retrieval: the dataset's chunks are not put in the prompt.
    pub normal_chat: bool,
    /// Always false (Trieve's side chats are not kept apart here).
    pub side: bool,
    /// Always false: a deleted topic is gone.
    pub deleted: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A message of a topic: the user's, or the model's answer (`role` `assistant`, its content the
/// chunks it was given as JSON, `||`, then the answer, as Trieve stored it).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Message {
    pub id: MessageId,
    pub topic_id: TopicId,
    pub dataset_id: DatasetId,
    pub role: String,
    pub content: String,
    /// 1 first.
    pub sort_order: i64,
    #[schema(required = true)]
    pub prompt_tokens: Option<i64>,
    #[schema(required = true)]
    pub completion_tokens: Option<i64>,
    /// Always false: a deleted message is gone.
    pub deleted: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}
