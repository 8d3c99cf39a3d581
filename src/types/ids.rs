//! Ids, typed by what they name: made once at the edge (a path, a body, a row) from a UUID, so
//! that a user's id cannot be passed where an organization's is expected. They are `Copy`, are
//! stored as the UUID's text, and travel as that text in JSON.

use std::borrow::Cow;
use std::fmt;

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};
use uuid::Uuid;

macro_rules! ids {
    ($($(#[$doc:meta])* $name:ident,)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A new random (v4) id.
            pub fn random() -> Self {
                Self(Uuid::new_v4())
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self {
                Self(id)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Uuid {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.to_string()))
            }
        }

        impl FromSql for $name {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                parse_stored(value).map(Self)
            }
        }

        impl PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                uuid_schema()
            }
        }

        impl ToSchema for $name {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed(stringify!($name))
            }
        }
    )*};
}

ids! {
    /// A user.
    UserId,
    /// An organization.
    OrganizationId,
    /// A user's membership in an organization.
    MembershipId,
    /// A dataset.
    DatasetId,
    /// An API key (its row, never the key).
    KeyId,
    /// A chunk.
    ChunkId,
    /// A file.
    FileId,
    /// A collection of chunks.
    CollectionId,
    /// A notification.
    NotificationId,
    /// A chat over a dataset.
    TopicId,
    /// A message of a chat.
    MessageId,
}

fn parse_stored(value: ValueRef<'_>) -> FromSqlResult<Uuid> {
    let text = value.as_str()?;
    Uuid::parse_str(text).map_err(|err| FromSqlError::Other(Box::new(err)))
}

fn uuid_schema() -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)))
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_its_uuid_text_in_json_and_in_sqlite() {
        let id = UserId::random();
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, format!("\"{id}\""));
        assert_eq!(serde_json::from_str::<UserId>(&json).unwrap(), id);
        assert!(serde_json::from_str::<UserId>("\"not-a-uuid\"").is_err());

        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let text: String = conn.query_row("SELECT ?1", [id], |row| row.get(0)).unwrap();
        assert_eq!(text, id.to_string());
        let back: UserId = conn
            .query_row("SELECT ?1", [&text], |row| row.get(0))
            .unwrap();
        assert_eq!(back, id);
    }
}
