//! A member's role in an organization and a key's role. Stored and answered as the integers of
//! Trieve's API; in Rust they are closed enums, ordered so that a higher role can do all a lower
//! one can.

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use serde::{Serialize, Serializer};

use crate::types::error::{FieldError, FieldResult};

macro_rules! integer_enum {
    ($name:ident { $($variant:ident = $value:literal => $label:literal,)* }) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name {
            $($variant = $value,)*
        }

        impl $name {
            pub fn from_i64(value: i64) -> Option<$name> {
                match value {
                    $($value => Some($name::$variant),)*
                    _ => None,
                }
            }

            pub fn as_i64(self) -> i64 {
                self as i64
            }

            /// The role's name, as the command line and messages write it.
            pub fn name(self) -> &'static str {
                match self {
                    $($name::$variant => $label,)*
                }
            }
        }

        impl ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.as_i64()))
            }
        }

        impl FromSql for $name {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                let number = value.as_i64()?;
                $name::from_i64(number).ok_or(FromSqlError::OutOfRange(number))
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_i64(self.as_i64())
            }
        }
    };
}

integer_enum!(Role {
    User = 0 => "user",
    Admin = 1 => "admin",
    Owner = 2 => "owner",
});

impl Role {
    /// A role sent in a request's `role` field.
    pub fn parse(value: i64) -> FieldResult<Role> {
        Role::from_i64(value)
            .ok_or_else(|| FieldError::new("role", "role must be 0 (user), 1 (admin) or 2 (owner)"))
    }

    pub fn from_name(name: &str) -> Option<Role> {
        [Role::User, Role::Admin, Role::Owner]
            .into_iter()
            .find(|role| role.name() == name)
    }
}

integer_enum!(KeyRole {
    ReadOnly = 0 => "read-only",
    ReadWrite = 1 => "read and write",
});

impl KeyRole {
    /// A key role sent in a request's `role` field.
    pub fn parse(value: i64) -> FieldResult<KeyRole> {
        KeyRole::from_i64(value).ok_or_else(|| {
            FieldError::new("role", "role must be 0 (read-only) or 1 (read and write)")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_ordered_and_travel_as_integers() {
        assert!(Role::Owner > Role::Admin && Role::Admin > Role::User);
        assert!(KeyRole::ReadWrite > KeyRole::ReadOnly);
        assert_eq!(serde_json::to_string(&Role::Admin).unwrap(), "1");
        assert_eq!(Role::from_name("owner"), Some(Role::Owner));
        assert_eq!(Role::parse(3).unwrap_err().field, "role");
        assert_eq!(KeyRole::parse(1).unwrap(), KeyRole::ReadWrite);
        assert!(KeyRole::parse(2).is_err());
    }
}
