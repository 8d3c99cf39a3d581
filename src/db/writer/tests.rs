use std::time::Duration;

use actix_web::rt::{spawn, task::JoinHandle as Task, time::sleep};

use super::*;
use crate::db::{Checkpoints, Database, Result};

fn database() -> (tempfile::TempDir, Database) {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::open(&dir.path().join("w.db"), 2, Checkpoints::Own).unwrap();
    db.pool()
        .get()
        .unwrap()
        .execute_batch("CREATE TABLE t (v INTEGER UNIQUE)")
        .unwrap();
    (dir, db)
}

fn values(db: &Database) -> Vec<i64> {
    let conn = db.pool().get().unwrap();
    let mut stmt = conn.prepare("SELECT v FROM t ORDER BY v").unwrap();
    let rows = stmt.query_map([], |row| row.get(0)).unwrap();
    rows.collect::<rusqlite::Result<_>>().unwrap()
}

fn insert(db: &Database, v: i64) -> Task<Result<usize>> {
    let db = db.clone();
    spawn(async move {
        db.write(move |conn| Result::Ok(conn.execute("INSERT INTO t VALUES (?1)", [v])?))
            .await
    })
}

/// Occupies the writer for a moment, so that the writes sent meanwhile queue up together.
async fn hold_the_writer(db: &Database) -> Task<Result<usize>> {
    let db = db.clone();
    let task = spawn(async move {
        db.write(|conn| -> Result<usize> {
            std::thread::sleep(Duration::from_millis(300));
            Ok(conn.execute("INSERT INTO t VALUES (0)", [])?)
        })
        .await
    });
    sleep(Duration::from_millis(50)).await;
    task
}

#[actix_web::test]
async fn writes_queued_together_share_one_transaction() {
    let (_dir, db) = database();
    let held = hold_the_writer(&db).await;
    let rest: Vec<_> = (1..=100).map(|v| insert(&db, v)).collect();
    for task in rest {
        task.await.unwrap().unwrap();
    }
    held.await.unwrap().unwrap();
    assert_eq!(values(&db).len(), 101);
    let stats = db.writer_stats();
    assert_eq!(stats.writes.load(Ordering::Relaxed), 101);
    assert_eq!(stats.transactions.load(Ordering::Relaxed), 2, "{stats:?}");
}

#[actix_web::test]
async fn a_light_write_waits_behind_one_heavy_write_at_most() {
    let (_dir, db) = database();
    let order = Arc::new(Mutex::new(Vec::new()));
    let write = |heavy: bool, name: &'static str| {
        let (db, order) = (db.clone(), order.clone());
        spawn(async move {
            let work = move |_: &Connection| -> Result<()> {
                order.lock().unwrap().push(name);
                Ok(())
            };
            if heavy {
                db.write_heavy(work).await
            } else {
                db.write(work).await
            }
        })
    };
    // The writer is busy; two uploads queue, then a one-row write.
    let held = hold_the_writer(&db).await;
    let first = write(true, "upload 1");
    sleep(Duration::from_millis(20)).await;
    let second = write(true, "upload 2");
    sleep(Duration::from_millis(20)).await;
    let small = write(false, "one row");
    for task in [first, second, small] {
        task.await.unwrap().unwrap();
    }
    held.await.unwrap().unwrap();
    // The row waits behind one upload, not both.
    assert_eq!(*order.lock().unwrap(), ["upload 1", "one row", "upload 2"]);
    // Each upload in a transaction of its own: the held write, the row, two uploads.
    assert_eq!(db.writer_stats().transactions.load(Ordering::Relaxed), 4);
}

#[actix_web::test]
async fn a_failing_write_is_rolled_back_alone() {
    let (_dir, db) = database();
    let held = hold_the_writer(&db).await;
    let first = insert(&db, 1);
    let duplicate = insert(&db, 1);
    let two_rows = {
        let db = db.clone();
        spawn(async move {
            db.write(|conn| -> Result<()> {
                conn.execute("INSERT INTO t VALUES (2)", [])?;
                conn.execute("INSERT INTO t VALUES (2)", [])?;
                Ok(())
            })
            .await
        })
    };
    let third = insert(&db, 3);
    held.await.unwrap().unwrap();
    assert!(first.await.unwrap().is_ok());
    assert!(duplicate.await.unwrap().is_err());
    assert!(two_rows.await.unwrap().is_err());
    assert!(third.await.unwrap().is_ok());
    assert_eq!(values(&db), [0, 1, 3]);
}

#[actix_web::test]
async fn a_panicking_write_is_an_error_and_the_writer_goes_on() {
    let (_dir, db) = database();
    let panicked = db
        .write(|conn| -> Result<()> {
            conn.execute("INSERT INTO t VALUES (7)", [])?;
            panic!("bug in a handler");
        })
        .await;
    assert!(matches!(panicked, Err(Error::Panicked)));
    insert(&db, 8).await.unwrap().unwrap();
    assert_eq!(values(&db), [8]);
}

#[actix_web::test]
async fn close_finishes_queued_writes_and_empties_the_wal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.db");
    let db = Database::open(&path, 2, Checkpoints::Own).unwrap();
    db.write(|conn| Result::Ok(conn.execute_batch("CREATE TABLE t (v INTEGER)")?))
        .await
        .unwrap();
    db.write(|conn| Result::Ok(conn.execute("INSERT INTO t VALUES (1)", [])?))
        .await
        .unwrap();
    db.close().unwrap();
    let wal = std::fs::metadata(dir.path().join("c.db-wal"))
        .map(|m| m.len())
        .unwrap_or(0);
    assert_eq!(wal, 0);
    assert!(matches!(
        db.write(|_| Result::Ok(())).await,
        Err(Error::Closing)
    ));
}

/// Under Litestream nothing folds the WAL into the database file, which Litestream must do
/// itself once it has copied the WAL: not SQLite's automatic checkpoint (past 1,000 pages), not
/// the one after a large write, not closing. Without it, all of them do.
#[actix_web::test]
async fn under_litestream_no_checkpoint_writes_the_database_file() {
    for (checkpoints, folded) in [(Checkpoints::Litestream, false), (Checkpoints::Own, true)] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l.db");
        let db = Database::open(&path, 2, checkpoints).unwrap();
        let before = std::fs::metadata(&path).unwrap().len();
        db.write(|conn| Result::Ok(conn.execute_batch("CREATE TABLE big (b BLOB)")?))
            .await
            .unwrap();
        // 2,000 pages of light writes, then a heavy one.
        for _ in 0..8 {
            db.write(|conn| {
                Result::Ok(conn.execute("INSERT INTO big VALUES (zeroblob(1000000))", [])?)
            })
            .await
            .unwrap();
        }
        db.write_heavy(|conn| {
            Result::Ok(conn.execute("INSERT INTO big VALUES (zeroblob(1000000))", [])?)
        })
        .await
        .unwrap();
        db.close().unwrap();
        let after = std::fs::metadata(&path).unwrap().len();
        assert_eq!(
            after > before,
            folded,
            "{checkpoints:?}: {before} -> {after}"
        );
    }
}
