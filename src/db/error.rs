//! What storage reports: which unique constraint a write broke, a busy database, or SQLite's
//! own error. It knows nothing of HTTP; `crate::domain::error` makes it an `AppError`, which
//! `crate::http::errors` answers.

/// The unique constraints of the schema that a request can break.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unique {
    UserEmail,
    Username,
    OrganizationName,
    /// A dataset name, within its organization.
    DatasetName,
    /// A user's membership, within an organization.
    Membership,
    /// A chunk's tracking id, within its dataset.
    TrackingId,
    /// Any other (an id or a key digest colliding): a fault, not the client's doing.
    Other,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("unique constraint failed: {0:?}")]
    Taken(Unique),
    /// The database stayed locked past the busy timeout, or no connection was free.
    #[error("the database is busy")]
    Busy,
    /// A job ran its code and panicked; its changes were rolled back.
    #[error("a database job panicked")]
    Panicked,
    /// The writer or a reader stopped before answering (the server is stopping).
    #[error("the database is closing")]
    Closing,
    /// The transaction that carried a write failed to commit; the write is not stored.
    #[error("a write transaction failed to commit")]
    NotCommitted,
    /// The disk (or the database's size limit) is full: the write is not stored; reads go on.
    #[error("the disk is full")]
    DiskFull,
    #[error("sqlite: {0}")]
    Sqlite(rusqlite::Error),
}

pub type Result<T> = std::result::Result<T, Error>;

impl From<rusqlite::Error> for Error {
    fn from(err: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode;
        match &err {
            rusqlite::Error::SqliteFailure(failure, message)
                if failure.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                    || failure.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY =>
            {
                Error::Taken(unique_from_message(message.as_deref().unwrap_or_default()))
            }
            _ => match err.sqlite_error_code() {
                Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => Error::Busy,
                Some(ErrorCode::DiskFull) => {
                    disk_full::seen();
                    Error::DiskFull
                }
                _ => Error::Sqlite(err),
            },
        }
    }
}

/// Whether the disk is known to be full, so that an operator reads it in the log once per
/// episode (when a write first fails for it, and when one first succeeds again), not once per
/// refused request.
pub mod disk_full {
    use std::sync::atomic::{AtomicBool, Ordering};

    static FULL: AtomicBool = AtomicBool::new(false);

    /// A write failed because the disk is full.
    pub fn seen() {
        if !FULL.swap(true, Ordering::Relaxed) {
            log::error!(
                "the disk holding the database is full: writes are refused (507) until space is \
                 freed; reads go on, nothing stored is lost"
            );
        }
    }

    /// A write committed: if the disk was full, it no longer is.
    pub fn cleared() {
        if FULL.swap(false, Ordering::Relaxed) {
            log::warn!("the disk has room again: writes resume");
        }
    }

    pub fn is_full() -> bool {
        FULL.load(Ordering::Relaxed)
    }
}

impl From<r2d2::Error> for Error {
    fn from(err: r2d2::Error) -> Self {
        log::warn!("no database connection available: {err}");
        Error::Busy
    }
}

/// SQLite names the broken constraint by its columns: "UNIQUE constraint failed: users.email".
fn unique_from_message(message: &str) -> Unique {
    let columns = message
        .strip_prefix("UNIQUE constraint failed: ")
        .unwrap_or_default();
    match columns {
        "users.email" => Unique::UserEmail,
        "users.username" | "users.username_key" => Unique::Username,
        "organizations.name" => Unique::OrganizationName,
        "datasets.organization_id, datasets.name" => Unique::DatasetName,
        "user_organizations.user_id, user_organizations.organization_id" => Unique::Membership,
        "chunks.dataset_id, chunks.tracking_id" => Unique::TrackingId,
        _ => Unique::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_broken_unique_constraint_is_named() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE users (email TEXT UNIQUE, username TEXT UNIQUE);
             INSERT INTO users VALUES ('a', 'x');",
        )
        .unwrap();
        let taken = |sql: &str| Error::from(conn.execute(sql, []).unwrap_err());
        assert!(matches!(
            taken("INSERT INTO users VALUES ('a', 'y')"),
            Error::Taken(Unique::UserEmail)
        ));
        assert!(matches!(
            taken("INSERT INTO users VALUES ('b', 'x')"),
            Error::Taken(Unique::Username)
        ));
        assert!(matches!(
            taken("INSERT INTO nowhere VALUES (1)"),
            Error::Sqlite(_)
        ));
    }
}
