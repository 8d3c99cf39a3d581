//! The database: one SQLite file, read through an r2d2 pool and written by one writer thread
//! (`writer`). Connection setup happens in one place, the schema is applied (or migrated) once
//! before the server starts, and a request reaches SQLite through one hop off the async workers:
//! `Database::read` or `Database::write`.

pub mod api_keys;
pub mod backup;
pub mod chat;
pub mod chunks;
pub mod collections;
mod columns;
pub mod datasets;
mod error;
pub mod export;
pub mod files;
pub mod fulltext;
mod migrations;
pub mod notifications;
pub mod organizations;
pub mod rank;
mod readers;
pub mod users;
pub mod vector_index;
pub mod vectors;
pub mod writer;

pub use error::{Error, Result, Unique};
pub use migrations::{migrate, SCHEMA_VERSION};

use std::path::Path;
use std::sync::{Arc, Once};
use std::time::Duration;

use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{Connection, TransactionBehavior};
use serde_json::Value;

pub type Pool = r2d2::Pool<SqliteConnectionManager>;

const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("cannot open the database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("cannot open a database connection: {0}")]
    Pool(#[from] r2d2::Error),
    #[error("cannot start the database writer: {0}")]
    Writer(#[from] std::io::Error),
    #[error(
        "the database has schema version {found}, newer than this trieve-lite knows ({known}); \
         use a newer trieve-lite or restore a backup"
    )]
    TooNew { found: i64, known: i64 },
    #[error("cannot upgrade the database: {0}")]
    Migration(Error),
    #[error("cannot open {path}: {source}")]
    Create {
        path: String,
        source: std::io::Error,
    },
}

/// A command on an existing database (the server alone creates one) refuses a path without one.
pub fn require_existing(path: &Path) -> std::result::Result<(), String> {
    let hint = "start trieve-lite once to create it, or pass --db";
    (path.exists())
        .then_some(())
        .ok_or_else(|| format!("no database at {}: {hint}", path.display()))
}

/// `path` with `suffix` appended to its file name, as SQLite names its `-wal` and `-shm` files.
pub fn sibling_file(path: &Path, suffix: &str) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(suffix);
    std::path::PathBuf::from(name)
}

/// Who folds the WAL back into the database file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Checkpoints {
    /// trieve-lite: SQLite's automatic checkpoints, one after each large write, and a
    /// `TRUNCATE` at shutdown so that a stopped server leaves one file.
    #[default]
    Own,
    /// Litestream, which replicates the database from its WAL: trieve-lite never checkpoints
    /// (not automatically, not after a large write, not when a connection closes, not at
    /// shutdown), so that no WAL frame is folded away before Litestream has copied it.
    Litestream,
}

/// Settings every connection gets, the pool's and the command line's alike.
pub fn configure_connection(conn: &Connection, checkpoints: Checkpoints) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // Room for every statement the server prepares, so none is parsed twice.
    conn.set_prepared_statement_cache_capacity(128);
    // FULL: a write acknowledged to a client survives a power cut, not only a process crash.
    // A WAL that large writes grew is cut back to 64 MiB each time it restarts.
    conn.execute_batch(
        "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL; \
         PRAGMA journal_size_limit = 67108864;",
    )?;
    if checkpoints == Checkpoints::Litestream {
        conn.execute_batch("PRAGMA wal_autocheckpoint = 0")?;
        conn.set_db_config(
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
            true,
        )?;
    }
    fulltext::register_functions(conn)?;
    rank::register(conn)
}

/// SQLite keeps global memory statistics behind one process-wide mutex unless told not to;
/// without them, connections on different threads stop queueing on that mutex for every
/// allocation. Takes effect only before SQLite's first use in the process (later calls are
/// refused by SQLite, harmlessly).
fn configure_sqlite_library() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // SAFETY: sqlite3_config with SQLITE_CONFIG_MEMSTATUS takes one int argument; it is
        // called once, before this process opens any connection through this module.
        unsafe {
            rusqlite::ffi::sqlite3_config(rusqlite::ffi::SQLITE_CONFIG_MEMSTATUS, 0);
        }
    });
}

/// Create `path` empty, readable and writable by its owner alone (0600), or make an existing
/// file so. The database holds every user's data and keys' digests; SQLite gives its WAL and
/// shared-memory files the database file's own permissions.
pub fn make_private(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(PRIVATE_FILE_MODE)
        .open(path)?;
    let mode = file.metadata()?.permissions().mode();
    if mode & 0o077 != 0 {
        file.set_permissions(std::fs::Permissions::from_mode(mode & 0o700))?;
    }
    Ok(())
}

/// Owner read and write, nobody else anything.
pub const PRIVATE_FILE_MODE: u32 = 0o600;

/// Open (creating if needed) the database file, apply the schema, and build the read pool.
pub fn open_pool(
    path: &Path,
    max_size: u32,
    checkpoints: Checkpoints,
) -> std::result::Result<Pool, OpenError> {
    configure_sqlite_library();
    for file in [
        path.to_path_buf(),
        sibling_file(path, "-wal"),
        sibling_file(path, "-shm"),
    ] {
        if file == path || file.exists() {
            // Not fatal: a database owned by another user (shared through its group on
            // purpose) cannot have its mode changed by this one, and still opens. A missing
            // directory fails here as it would in SQLite.
            match make_private(&file) {
                Err(err) if err.kind() == std::io::ErrorKind::PermissionDenied => log::warn!(
                    "cannot make {} readable by its owner alone: {err}",
                    file.display()
                ),
                Err(source) => {
                    return Err(OpenError::Create {
                        path: file.display().to_string(),
                        source,
                    })
                }
                Ok(()) => {}
            }
        }
    }
    let mut conn = open_connection(path, checkpoints)?;
    // WAL is a property of the file: set once here, every later connection inherits it.
    conn.pragma_update(None, "journal_mode", "WAL")?;
    migrate(&mut conn)?;
    drop(conn);

    let manager = SqliteConnectionManager::file(path)
        .with_init(move |conn| configure_connection(conn, checkpoints));
    let pool = r2d2::Pool::builder()
        .max_size(max_size)
        .connection_timeout(BUSY_TIMEOUT)
        // A local file does not drop connections; skip the check-out ping.
        .test_on_check_out(false)
        .build(manager)?;
    Ok(pool)
}

fn open_connection(
    path: &Path,
    checkpoints: Checkpoints,
) -> std::result::Result<Connection, OpenError> {
    let conn = Connection::open(path)?;
    configure_connection(&conn, checkpoints)?;
    Ok(conn)
}

/// The server's handle on the database: a pool of read connections and the one writer.
#[derive(Clone)]
pub struct Database {
    pool: Pool,
    readers: Arc<readers::Readers>,
    /// Places for costly reads on the reader threads: half of them (`read_costly`).
    costly: Arc<tokio::sync::Semaphore>,
    writer: Arc<writer::Writer>,
    vectors: Arc<vector_index::VectorIndex>,
    checkpoints: Checkpoints,
}

impl Database {
    /// Open the file with `readers` reader threads (and as many pooled connections).
    pub fn open(
        path: &Path,
        readers: u32,
        checkpoints: Checkpoints,
    ) -> std::result::Result<Database, OpenError> {
        let pool = open_pool(path, readers, checkpoints)?;
        let writer = writer::Writer::start(open_connection(path, checkpoints)?, checkpoints)?;
        Ok(Database {
            readers: Arc::new(readers::Readers::start(pool.clone(), readers as usize)?),
            costly: Arc::new(tokio::sync::Semaphore::new((readers as usize / 2).max(1))),
            pool,
            writer: Arc::new(writer),
            vectors: Arc::default(),
            checkpoints,
        })
    }

    /// The read pool, for start-up work and tests.
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// The datasets' vectors in memory, for semantic search.
    pub fn vectors(&self) -> Arc<vector_index::VectorIndex> {
        self.vectors.clone()
    }

    /// How many transactions the writer has committed, for how many writes.
    pub fn writer_stats(&self) -> &writer::WriterStats {
        self.writer.stats()
    }

    /// Run read-only work on a reader thread, off the async workers. The work's error type is
    /// the caller's; the database's own failures (busy, closing) arrive through `From`.
    pub async fn read<T, E, F>(&self, work: F) -> std::result::Result<T, E>
    where
        F: FnOnce(&Connection) -> std::result::Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<Error> + Send + 'static,
    {
        self.readers.read(work).await
    }

    /// `read` for work that may take long (a deep page, a search): at most half the reader
    /// threads run such work at once, the rest wait for a place, so that cheap reads (a key
    /// check, a first page) always find a free reader. Forty-eight connections asking for deep
    /// pages slow each other, not everyone else.
    pub async fn read_costly<T, E, F>(&self, work: F) -> std::result::Result<T, E>
    where
        F: FnOnce(&Connection) -> std::result::Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<Error> + Send + 'static,
    {
        let _place = self
            .costly
            .acquire()
            .await
            .map_err(|_| E::from(Error::Closing))?;
        self.readers.read(work).await
    }

    /// Run work on the writer: in a transaction shared with other queued writes, answered after
    /// that transaction commits. If the work fails, none of its changes are kept.
    pub async fn write<T, E, F>(&self, work: F) -> std::result::Result<T, E>
    where
        F: FnOnce(&Connection) -> std::result::Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<Error> + Send + 'static,
    {
        self.writer.write(work).await
    }

    /// `write` for work that writes megabytes (a file upload): committed in a transaction of
    /// its own, after the light writes queued with it, so that they do not wait behind it.
    pub async fn write_heavy<T, E, F>(&self, work: F) -> std::result::Result<T, E>
    where
        F: FnOnce(&Connection) -> std::result::Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<Error> + Send + 'static,
    {
        self.writer.write_heavy(work).await
    }

    /// Finish the queued writes, stop the writer and (unless Litestream checkpoints) fold the
    /// WAL back into the database file, so that a stopped server leaves one file. Call once the
    /// HTTP server has stopped.
    pub fn close(&self) -> Result<()> {
        if let Some(conn) = self.writer.stop() {
            if self.checkpoints == Checkpoints::Own {
                conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")?;
            }
        }
        Ok(())
    }
}

/// Open an in-memory database with the current schema, for unit tests of the storage functions.
pub fn open_in_memory() -> std::result::Result<Connection, OpenError> {
    let mut conn = Connection::open_in_memory()?;
    configure_connection(&conn, Checkpoints::Own)?;
    migrate(&mut conn)?;
    Ok(conn)
}

/// One write transaction on a connection of its own, for work outside the server: start-up and
/// the command line.
pub fn in_write_transaction<T, E: From<Error>>(
    conn: &mut Connection,
    work: impl FnOnce(&Connection) -> std::result::Result<T, E>,
) -> std::result::Result<T, E> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(Error::from)?;
    let out = work(&tx)?;
    tx.commit().map_err(Error::from)?;
    Ok(out)
}

/// Parse a JSON column; a value that is not JSON (never written by this server) reads as a string.
pub(crate) fn json_column(text: Option<String>) -> Option<Value> {
    text.map(|text| serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

/// Fixtures shared by the storage functions' unit tests.
#[cfg(test)]
pub(crate) mod test_support {
    use rusqlite::Connection;
    use serde_json::Map;

    use super::files::{insert_file, NewFile};
    use super::{datasets, organizations, users};
    use crate::db::datasets::DatasetRow;
    use crate::db::files::FileRow;
    use crate::db::organizations::OrganizationRow;
    use crate::db::users::UserRow;
    use crate::types::fields::{Email, Name};
    use crate::types::ids::{DatasetId, OrganizationId, UserId};

    pub fn email(text: &str) -> Email {
        Email::parse(text).unwrap()
    }

    pub fn user(conn: &Connection, address: &str) -> UserRow {
        users::insert_user(conn, &email(address), None).unwrap()
    }

    pub fn organization(conn: &Connection, name: &str) -> OrganizationRow {
        organizations::insert_organization(conn, &Name::parse("name", name).unwrap()).unwrap()
    }

    pub fn dataset(conn: &Connection, organization_id: OrganizationId, name: &str) -> DatasetRow {
        let name = Name::parse("dataset_name", name).unwrap();
        datasets::insert_dataset(conn, organization_id, &name, Map::new(), Map::new()).unwrap()
    }

    /// An organization "acme" with a dataset "docs" and a user: (dataset id, user id).
    pub fn dataset_and_user(conn: &Connection) -> (DatasetId, UserId) {
        let org = organization(conn, "acme");
        let docs = dataset(conn, org.id, "docs");
        (docs.id, user(conn, "ada@example.com").id)
    }

    pub fn insert_test_file(
        conn: &Connection,
        dataset_id: DatasetId,
        user_id: UserId,
        name: &str,
        bytes: &[u8],
    ) -> FileRow {
        let file = NewFile {
            dataset_id,
            user_id,
            file_name: name.into(),
            mime_type: "application/octet-stream".into(),
            link: None,
            metadata: None,
            tag_set: None,
            time_stamp: None,
            description: None,
            bytes: bytes.to_vec(),
        };
        insert_file(conn, &file).unwrap()
    }

    pub fn count(conn: &Connection, sql: &str) -> i64 {
        conn.query_row(sql, [], |row| row.get(0)).unwrap()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_database_gets_current_version_and_tables() {
        let conn = open_in_memory().unwrap();
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |row| row.get(0))
            .unwrap();
        assert_eq!(version, SCHEMA_VERSION);
        let tables: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN
                 ('users','organizations','user_organizations','datasets','api_keys',
                  'files','file_contents','chunks','chunk_counts')",
                [],
                |row| row.get(0),
            )
            .unwrap();
        assert_eq!(tables, 9);
    }

    #[test]
    fn migrate_is_idempotent_and_refuses_newer_versions() {
        let mut conn = open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
        let err = migrate(&mut conn).unwrap_err();
        assert!(matches!(err, OpenError::TooNew { found, .. } if found == SCHEMA_VERSION + 1));
    }

    #[test]
    fn foreign_keys_are_enforced() {
        let conn = open_in_memory().unwrap();
        let err = conn.execute(
            "INSERT INTO user_organizations (id, user_id, organization_id, role, created_at, updated_at)
             VALUES ('m', 'no-user', 'no-org', 0, 'x', 'x')",
            [],
        );
        assert!(err.is_err());
    }
}
