//! A database made by the previous schema version opens, upgraded, with every row kept.

use std::collections::BTreeMap;

use rusqlite::Connection;
use trieve_lite::config::Settings;
use trieve_lite::db::SCHEMA_VERSION;
use trieve_lite::startup::Application;

const SCHEMA_V1: &str = include_str!("fixtures/schema_v1.sql");
const OWNER_KEY: &str = "tr-Version1KeyVersion1KeyVersion1Ke";

// Ids as every version writes them: UUIDs.
const USER: &str = "11111111-1111-4111-8111-111111111111";
const ORG: &str = "22222222-2222-4222-8222-222222222222";
const MEMBERSHIP: &str = "33333333-3333-4333-8333-333333333333";
const DATASET: &str = "44444444-4444-4444-8444-444444444444";
const FILE: &str = "55555555-5555-4555-8555-555555555555";
const CHUNK: &str = "66666666-6666-4666-8666-666666666666";
const KEY: &str = "77777777-7777-4777-8777-777777777777";

/// A version 1 database with one of everything, written as version 1 would have.
fn make_version_1(path: &std::path::Path) {
    let conn = Connection::open(path).unwrap();
    conn.execute_batch("PRAGMA journal_mode = WAL;").unwrap();
    conn.execute_batch(SCHEMA_V1).unwrap();
    let t = "2026-01-01T00:00:00.000000Z";
    let (user, org, membership, dataset, file, chunk) =
        (USER, ORG, MEMBERSHIP, DATASET, FILE, CHUNK);
    let hash = trieve_lite::domain::keys::hash_api_key(OWNER_KEY);
    conn.execute_batch(&format!(
        "INSERT INTO users VALUES ('{user}', 'admin@localhost', 'Old Admin', 'old', NULL, 1, '{t}', '{t}');
         INSERT INTO organizations VALUES ('{org}', 'default', 0, '{t}', '{t}');
         INSERT INTO user_organizations VALUES ('{membership}', '{user}', '{org}', 2, '{t}', '{t}');
         INSERT INTO datasets VALUES ('{dataset}', '{org}', 'default', '{{}}', '{{}}', '{t}', '{t}');
         INSERT INTO files VALUES ('{file}', '{dataset}', '{user}', 'old.txt', 'text/plain', 3, NULL, NULL, NULL, NULL, '{t}', '{t}');
         INSERT INTO file_contents VALUES ('{file}', x'616263');
         INSERT INTO chunks (id, dataset_id, author_id, file_id, content, weight, created_at, updated_at)
             VALUES ('{chunk}', '{dataset}', '{user}', '{file}', 'old chunk', 1.0, '{t}', '{t}');"
    ))
    .unwrap();
    conn.execute(
        "INSERT INTO api_keys VALUES (?1, ?2, 'old key', ?3, 1, NULL, 0, ?4, ?4)",
        rusqlite::params![KEY, USER, hash.to_vec(), t],
    )
    .unwrap();
    assert_eq!(
        conn.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))
            .unwrap(),
        1
    );
}

/// Each table's columns and each index and trigger, as SQLite describes them.
fn shape(conn: &Connection) -> BTreeMap<String, String> {
    let mut shape = BTreeMap::new();
    let names: Vec<(String, String)> = conn
        .prepare(
            "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for (kind, name) in names {
        let described = if kind == "table" {
            let mut stmt = conn
                .prepare(&format!("PRAGMA table_xinfo({name})"))
                .unwrap();
            let columns: Vec<String> = stmt
                .query_map([], |r| {
                    Ok(format!(
                        "{}:{}:{}:{}",
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, i64>(3)?,
                        r.get::<_, i64>(5)?
                    ))
                })
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            columns.join(",")
        } else {
            kind
        };
        shape.insert(name, described);
    }
    shape
}

#[actix_web::test]
async fn a_version_1_database_is_upgraded_keeping_every_row() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1.db");
    make_version_1(&path);

    let settings = Settings::for_database(path.clone(), "127.0.0.1:0");
    let app = Application::build(&settings).unwrap();
    assert!(
        app.first_start.is_none(),
        "an upgraded database is not a first start"
    );
    let conn = app.database().pool().get().unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
    let (chunk, bytes): (String, Vec<u8>) = conn
        .query_row(
            "SELECT c.content, b.bytes FROM chunks c JOIN file_contents b ON b.file_id = c.file_id",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(
        (chunk.as_str(), bytes.as_slice()),
        ("old chunk", b"abc".as_slice())
    );
    let counted: i64 = conn
        .query_row("SELECT n FROM chunk_counts", [], |r| r.get(0))
        .unwrap();
    assert_eq!(counted, 1);

    // The upgraded file has exactly the shape of a new one.
    let fresh = trieve_lite::db::open_in_memory().unwrap();
    assert_eq!(shape(&conn), shape(&fresh));

    // And the old key still works through the API.
    let port = app.port();
    actix_web::rt::spawn(app.run_until_stopped());
    let mut res = awc::Client::default()
        .get(format!("http://127.0.0.1:{port}/api/auth/me"))
        .insert_header(("Authorization", OWNER_KEY))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let me: serde_json::Value = res.json().await.unwrap();
    assert_eq!(me["username"], "old");
}

#[actix_web::test]
async fn an_upgraded_databases_chunks_are_found_by_search_and_keep_their_ids() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1.db");
    make_version_1(&path);
    let settings = Settings::for_database(path, "127.0.0.1:0");
    let app = Application::build(&settings).unwrap();
    let port = app.port();
    actix_web::rt::spawn(app.run_until_stopped());
    let mut res = awc::Client::default()
        .post(format!("http://127.0.0.1:{port}/api/chunk/search"))
        .insert_header(("Authorization", OWNER_KEY))
        .insert_header(("TR-Dataset", DATASET))
        .send_json(&serde_json::json!({"query": "old chunks", "search_type": "fulltext"}))
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let found: serde_json::Value = res.json().await.unwrap();
    assert_eq!(found["total_chunk_pages"], 1);
    assert_eq!(found["score_chunks"][0]["metadata"][0]["id"], CHUNK);
    assert_eq!(
        found["score_chunks"][0]["metadata"][0]["file_name"],
        "old.txt"
    );
}

#[test]
fn a_failed_migration_leaves_the_file_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1.db");
    make_version_1(&path);
    // Sabotage: a column named like the one version 2 adds makes the migration fail.
    Connection::open(&path)
        .unwrap()
        .execute_batch("ALTER TABLE files ADD COLUMN description TEXT;")
        .unwrap();
    let settings = Settings::for_database(path.clone(), "127.0.0.1:0");
    assert!(Application::build(&settings).is_err());
    let conn = Connection::open(&path).unwrap();
    assert_eq!(
        conn.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))
            .unwrap(),
        1
    );
    assert_eq!(
        conn.query_row("SELECT count(*) FROM chunks", [], |r| r.get::<_, i64>(0))
            .unwrap(),
        1
    );
}

#[actix_web::test]
async fn unreadable_times_and_usernames_equal_but_for_case_are_repaired() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1.db");
    make_version_1(&path);
    let t = "2026-01-01T00:00:00.000000Z";
    // What older versions accepted: a user "OLD" beside "old", and times the client cannot
    // parse (year 0, a negative year, a five-digit year).
    Connection::open(&path)
        .unwrap()
        .execute_batch(&format!(
            "INSERT INTO users VALUES ('99999999-9999-4999-8999-999999999999', 'twin@example.com',
                 NULL, 'OLD', NULL, 1, '{t}', '{t}');
             UPDATE chunks SET time_stamp = '0000-06-01T00:00:00.000000Z';
             UPDATE files SET time_stamp = '+10000-01-01T00:00:00.000000Z';
             UPDATE api_keys SET expires_at = '+10000-01-01T00:00:00.000000Z';
             INSERT INTO chunks (id, dataset_id, author_id, content, time_stamp, weight, created_at, updated_at)
                 VALUES ('66666666-6666-4666-8666-666666666667', '{DATASET}', '{USER}', 'negative',
                         '-0001-01-01T00:00:00.000000Z', 1.0, '{t}', '{t}');"
        ))
        .unwrap();
    let settings = Settings::for_database(path.clone(), "127.0.0.1:0");
    let app = Application::build(&settings).unwrap();
    let conn = app.database().pool().get().unwrap();
    let column = |sql: &str| -> Vec<Option<String>> {
        conn.prepare(sql)
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    assert_eq!(
        column("SELECT time_stamp FROM chunks ORDER BY content"),
        vec![
            Some("0001-01-01T00:00:00.000000Z".to_string()),
            Some("0001-01-01T00:00:00.000000Z".to_string())
        ]
    );
    assert_eq!(
        column("SELECT time_stamp FROM files"),
        vec![Some("9999-12-31T23:59:59.999999Z".to_string())]
    );
    assert_eq!(
        column("SELECT expires_at FROM api_keys"),
        vec![Some("9999-12-31T23:59:59.999999Z".to_string())]
    );
    let usernames = column("SELECT username FROM users ORDER BY rowid");
    assert_eq!(usernames[0].as_deref(), Some("old"));
    assert!(
        usernames[1].as_deref().unwrap().starts_with("OLD-"),
        "{usernames:?}"
    );
    drop(conn);

    // The repaired rows read through the API, and a username differing only by case is taken.
    let port = app.port();
    actix_web::rt::spawn(app.run_until_stopped());
    let client = awc::Client::default();
    let mut page = client
        .get(format!("http://127.0.0.1:{port}/api/user/{USER}/1"))
        .insert_header(("Authorization", OWNER_KEY))
        .insert_header(("TR-Dataset", DATASET))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let page: serde_json::Value = page.json().await.unwrap();
    assert!(
        page.to_string().contains("0001-01-01T00:00:00.000000Z"),
        "{page}"
    );
    let taken = client
        .put(format!("http://127.0.0.1:{port}/api/user"))
        .insert_header(("Authorization", OWNER_KEY))
        .send_json(&serde_json::json!({"username": "Someone-New"}))
        .await
        .unwrap();
    assert_eq!(taken.status().as_u16(), 200, "a new username");
    let mut clash = client
        .put(format!("http://127.0.0.1:{port}/api/user"))
        .insert_header(("Authorization", OWNER_KEY))
        .send_json(
            &serde_json::json!({"username": usernames[1].as_deref().unwrap().to_lowercase()}),
        )
        .await
        .unwrap();
    assert_eq!(clash.status().as_u16(), 409);
    let clash: serde_json::Value = clash.json().await.unwrap();
    assert_eq!(clash["field"], "username");
}
