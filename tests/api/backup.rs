//! `trieve-lite backup` and `trieve-lite restore`.

use std::cell::RefCell;
use std::path::Path;
use std::process::{Command, Output};
use std::rc::Rc;

use actix_web::http::Method;
use serde_json::json;

use crate::helpers::spawn_app;

fn trieve_lite(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_trieve-lite"))
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[actix_web::test]
async fn a_backup_under_write_load_restores_every_write_acknowledged_before_it() {
    let app = Rc::new(spawn_app().await);
    let acknowledged = Rc::new(RefCell::new(Vec::<String>::new()));
    let stop = Rc::new(RefCell::new(false));
    let writers: Vec<_> = (0..8)
        .map(|writer| {
            let (app, acknowledged, stop) = (app.clone(), acknowledged.clone(), stop.clone());
            actix_web::rt::spawn(async move {
                let mut n = 0;
                while !*stop.borrow() {
                    let tracking_id = format!("w{writer}-{n}");
                    let body = json!({"chunk_html": format!("<p>{tracking_id}</p>"), "tracking_id": tracking_id});
                    let res = app.call(Method::POST, "/api/chunk", &app.owner_key, Some(&body)).await;
                    if res.status == 200 {
                        acknowledged.borrow_mut().push(tracking_id);
                    }
                    n += 1;
                }
            })
        })
        .collect();
    actix_web::rt::time::sleep(std::time::Duration::from_millis(300)).await;

    // Everything acknowledged before the backup starts must be in it.
    let before_backup = acknowledged.borrow().clone();
    let dir = tempfile::tempdir().unwrap();
    let backup_path = dir.path().join("backup.db");
    let (db, target) = (app.db_path.clone(), backup_path.clone());
    let output = actix_web::rt::task::spawn_blocking(move || {
        trieve_lite(&db, &["backup", target.to_str().unwrap()])
    })
    .await
    .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    *stop.borrow_mut() = true;
    for writer in writers {
        writer.await.unwrap();
    }
    assert!(
        before_backup.len() > 20,
        "only {} writes before the backup",
        before_backup.len()
    );

    let restored = dir.path().join("restored.db");
    let output = trieve_lite(&restored, &["restore", backup_path.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let conn = rusqlite::Connection::open(&restored).unwrap();
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
    let mut stmt = conn
        .prepare("SELECT count(*) FROM chunks WHERE tracking_id = ?1")
        .unwrap();
    for tracking_id in &before_backup {
        let found: i64 = stmt.query_row([tracking_id], |r| r.get(0)).unwrap();
        assert_eq!(
            found, 1,
            "{tracking_id} acknowledged before the backup but missing"
        );
    }
}

#[actix_web::test]
async fn a_backup_does_not_overwrite_without_force() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("exists.db");
    std::fs::write(&target, b"precious").unwrap();
    let refused = trieve_lite(&app.db_path, &["backup", target.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(stderr(&refused).contains("--force"));
    assert_eq!(std::fs::read(&target).unwrap(), b"precious");

    let forced = trieve_lite(
        &app.db_path,
        &["backup", target.to_str().unwrap(), "--force"],
    );
    assert!(forced.status.success(), "{}", stderr(&forced));
    let conn = rusqlite::Connection::open(&target).unwrap();
    let users: i64 = conn
        .query_row("SELECT count(*) FROM users", [], |r| r.get(0))
        .unwrap();
    assert_eq!(users, 1);
}

#[actix_web::test]
async fn restore_refuses_damaged_or_newer_files_and_a_running_server() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let restored = dir.path().join("restored.db");

    let damaged = dir.path().join("damaged.db");
    std::fs::write(&damaged, vec![0x42u8; 8192]).unwrap();
    let refused = trieve_lite(&restored, &["restore", damaged.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(1), "{}", stderr(&refused));
    assert!(!restored.exists());

    let good = dir.path().join("good.db");
    assert!(
        trieve_lite(&app.db_path, &["backup", good.to_str().unwrap()])
            .status
            .success()
    );
    let newer = dir.path().join("newer.db");
    std::fs::copy(&good, &newer).unwrap();
    rusqlite::Connection::open(&newer)
        .unwrap()
        .pragma_update(None, "user_version", trieve_lite::db::SCHEMA_VERSION + 1)
        .unwrap();
    let refused = trieve_lite(&restored, &["restore", newer.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(stderr(&refused).contains("newer"), "{}", stderr(&refused));

    // The running server has its database open: restoring over it is refused, nothing changes.
    let db = app.db_path.clone();
    let source = good.clone();
    let refused = actix_web::rt::task::spawn_blocking(move || {
        trieve_lite(&db, &["restore", source.to_str().unwrap()])
    })
    .await
    .unwrap();
    assert_eq!(refused.status.code(), Some(1));
    assert!(stderr(&refused).contains("in use"), "{}", stderr(&refused));
    assert_eq!(app.get("/api/auth/me", &app.owner_key).await.status, 200);

    // A stopped server's database is replaced, and the old file kept beside it.
    let ok = trieve_lite(&restored, &["restore", good.to_str().unwrap()]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    std::fs::write(dir.path().join("marker"), b"").unwrap();
    let again = trieve_lite(&restored, &["restore", good.to_str().unwrap()]);
    assert!(again.status.success(), "{}", stderr(&again));
    let kept = std::fs::read_dir(dir.path())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .contains("before-restore")
        })
        .count();
    assert_eq!(kept, 1);
}
