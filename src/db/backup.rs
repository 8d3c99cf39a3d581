//! Backup and restore of the database file.
//!
//! A backup is `VACUUM INTO` a temporary file beside the target, checked, then renamed over it:
//! a consistent copy of one snapshot, taken while the server runs, that never leaves a half
//! written file under the target's name. A restore checks the backup's integrity and schema
//! version, refuses while anything else has the database open, keeps the file it replaces, and
//! brings the restored copy to the current schema version.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use super::{configure_connection, make_private, migrate, Checkpoints, SCHEMA_VERSION};

/// What a finished backup or restore reports.
pub struct Report {
    pub path: PathBuf,
    pub schema_version: i64,
    pub bytes: u64,
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.{suffix}-{}", std::process::id()))
}

fn sync_parent(path: &Path) {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        if let Ok(dir) = fs::File::open(parent) {
            let _ = dir.sync_all();
        }
    }
}

/// Check a database file without changing it: integrity, and a schema version this binary
/// can open. Returns the version.
pub fn check_file(path: &Path) -> Result<i64, String> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|err| format!("cannot open {}: {err}", path.display()))?;
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .map_err(|err| format!("{} is not a SQLite database: {err}", path.display()))?;
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .map_err(|err| format!("{} cannot be checked: {err}", path.display()))?;
    if integrity != "ok" {
        return Err(format!(
            "{} fails the integrity check: {integrity}",
            path.display()
        ));
    }
    let has_users: bool = conn
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'users')",
            [],
            |row| row.get(0),
        )
        .map_err(|err| format!("{} cannot be read: {err}", path.display()))?;
    if version < 1 || !has_users {
        return Err(format!("{} is not a trieve-lite database", path.display()));
    }
    if version > SCHEMA_VERSION {
        return Err(format!(
            "{} has schema version {version}, newer than this trieve-lite knows ({SCHEMA_VERSION})",
            path.display()
        ));
    }
    Ok(version)
}

/// Copy the database at `db` to `target`, consistently, while the server may be running.
pub fn backup(
    db: &Path,
    target: &Path,
    force: bool,
    checkpoints: Checkpoints,
) -> Result<Report, String> {
    super::require_existing(db)?;
    if target.exists() && !force {
        return Err(format!(
            "{} exists; pass --force to overwrite it",
            target.display()
        ));
    }
    let partial = sibling(target, "partial");
    let _ = fs::remove_file(&partial);
    let result = (|| {
        let conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_WRITE)
            .map_err(|err| format!("cannot open {}: {err}", db.display()))?;
        configure_connection(&conn, checkpoints).map_err(|err| err.to_string())?;
        let partial_text = partial
            .to_str()
            .ok_or("the backup path is not valid UTF-8")?;
        // VACUUM INTO fills an empty file as it finds it: made private first, the backup never
        // exists readable by others, not even for a moment.
        make_private(&partial)
            .map_err(|err| format!("cannot create {}: {err}", partial.display()))?;
        conn.execute("VACUUM INTO ?1", [partial_text])
            .map_err(|err| format!("the backup failed: {err}"))?;
        let schema_version = check_file(&partial)?;
        fs::File::open(&partial)
            .and_then(|f| f.sync_all())
            .map_err(|err| err.to_string())?;
        fs::rename(&partial, target)
            .map_err(|err| format!("cannot write {}: {err}", target.display()))?;
        sync_parent(target);
        let bytes = fs::metadata(target).map(|m| m.len()).unwrap_or(0);
        Ok(Report {
            path: target.to_path_buf(),
            schema_version,
            bytes,
        })
    })();
    if result.is_err() {
        let _ = fs::remove_file(&partial);
    }
    result
}

/// Replace the database at `db` with the backup at `source`. The server must be stopped.
/// Returns the report and, when a database was replaced, where it was kept.
pub fn restore(db: &Path, source: &Path) -> Result<(Report, Option<PathBuf>), String> {
    check_file(source)?;
    // The copy is made first, beside the database, so that a full disk fails here with the
    // current database still in place.
    let partial = sibling(db, "restoring");
    let _ = fs::remove_file(&partial);
    // Copied into a file made private first (`fs::copy` would give it the backup's
    // permissions while it copies).
    let copied = (|| {
        use std::os::unix::fs::OpenOptionsExt;
        let mut from = fs::File::open(source)?;
        let mut to = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(super::PRIVATE_FILE_MODE)
            .open(&partial)?;
        std::io::copy(&mut from, &mut to)?;
        to.sync_all()
    })();
    if let Err(err) = copied {
        let _ = fs::remove_file(&partial);
        return Err(format!("cannot copy {}: {err}", source.display()));
    }
    let kept = match move_aside(db) {
        Ok(kept) => kept,
        Err(err) => {
            let _ = fs::remove_file(&partial);
            return Err(err);
        }
    };
    if let Err(err) = fs::rename(&partial, db) {
        // Put the database back where it was.
        if let Some(kept) = &kept {
            let _ = fs::rename(kept, db);
        }
        let _ = fs::remove_file(&partial);
        return Err(format!("cannot write {}: {err}", db.display()));
    }
    sync_parent(db);
    let mut conn = Connection::open(db).map_err(|err| err.to_string())?;
    configure_connection(&conn, Checkpoints::Own).map_err(|err| err.to_string())?;
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(|err| err.to_string())?;
    migrate(&mut conn).map_err(|err| err.to_string())?;
    let bytes = fs::metadata(db).map(|m| m.len()).unwrap_or(0);
    Ok((
        Report {
            path: db.to_path_buf(),
            schema_version: SCHEMA_VERSION,
            bytes,
        },
        kept,
    ))
}

/// Move the current database (if any) aside as `<name>.before-restore-<time>`, once nothing
/// else has it open.
fn move_aside(db: &Path) -> Result<Option<PathBuf>, String> {
    if !db.exists() {
        return Ok(None);
    }
    ensure_not_in_use(db)?;
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let name = db
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let kept = db.with_file_name(format!("{name}.before-restore-{stamp}"));
    fs::rename(db, &kept).map_err(|err| format!("cannot move {} aside: {err}", db.display()))?;
    Ok(Some(kept))
}

/// Leaving WAL mode needs the database to itself: it fails while a server has it open. Leaving
/// it also folds the WAL into the file, so the file moved aside is whole.
fn ensure_not_in_use(db: &Path) -> Result<(), String> {
    let conn =
        Connection::open(db).map_err(|err| format!("cannot open {}: {err}", db.display()))?;
    conn.busy_timeout(Duration::from_millis(500))
        .map_err(|err| err.to_string())?;
    let mode: Result<String, _> =
        conn.query_row("PRAGMA journal_mode = DELETE", [], |row| row.get(0));
    match mode {
        Ok(mode) if mode.eq_ignore_ascii_case("delete") => Ok(()),
        _ => Err(format!(
            "{} is in use (is the server running?); stop it before restoring",
            db.display()
        )),
    }
}
