//! Smaller findings of the attack run of 2026-11-29 (issue 11): headers every answer carries,
//! who reads the server-wide metrics, files private to their owner, a full disk said as such.

use std::os::unix::fs::PermissionsExt;

use actix_web::http::Method;
use serde_json::json;
use trieve_lite::db::Checkpoints;
use trieve_lite::domain::keys::hash_api_key;
use trieve_lite::types::roles::Role;

use crate::helpers::{connect_from, spawn_app, spawn_app_with};

#[actix_web::test]
async fn every_answer_says_nosniff_and_a_new_key_is_never_cached() {
    let app = spawn_app().await;
    let answers = [
        app.send(Method::GET, "/api/health", &[], None).await,
        app.send(Method::GET, "/no/such/route", &[], None).await,
        app.send(Method::GET, "/api/auth/me", &[], None).await,
        app.send(Method::DELETE, "/api/health", &[], None).await,
        app.get("/api/auth/me", &app.owner_key).await,
        app.get("/api/chunk/not-a-uuid", &app.owner_key).await,
    ];
    for answer in &answers {
        assert_eq!(
            answer.header("x-content-type-options"),
            Some("nosniff"),
            "a {} answer without nosniff",
            answer.status
        );
    }
    let key = app
        .call(
            Method::POST,
            "/api/user/set_api_key",
            &app.owner_key,
            Some(&json!({"name": "ci", "role": 1})),
        )
        .await;
    assert_eq!(key.status, 200, "{}", key.body);
    assert_eq!(key.header("cache-control"), Some("no-store"));
    let added = app
        .send(
            Method::POST,
            &format!("/api/organization/{}/users", app.org_id),
            &[("Authorization", &app.owner_key)],
            Some(&json!({"email": "new@example.com", "role": 0})),
        )
        .await;
    assert_eq!(added.status, 200, "{}", added.body);
    assert!(added.body["api_key"].is_string());
    assert_eq!(added.header("cache-control"), Some("no-store"));
}

const METRICS_TOKEN: &str = "prometheus-scrape-token-9f8e7d6c";

#[actix_web::test]
async fn metrics_are_read_by_the_instances_owners_or_with_the_metrics_token() {
    let app = spawn_app_with(tempfile::tempdir().unwrap(), |settings| {
        settings.metrics_token = Some(hash_api_key(METRICS_TOKEN));
    })
    .await;
    let admin = app.add_member("admin@example.com", Role::Admin).await;
    let (_, _, other_owner) = app.add_organization("other", "boss@example.com").await;
    let status = |key: String| {
        let app = &app;
        async move { app.get("/metrics", &key).await.status }
    };
    assert_eq!(status(app.owner_key.clone()).await, 200);
    assert_eq!(
        status(admin.key.clone()).await,
        403,
        "an admin of the first organization"
    );
    assert_eq!(
        status(other_owner.key.clone()).await,
        403,
        "the owner of another organization"
    );
    assert_eq!(status(format!("Bearer {METRICS_TOKEN}")).await, 200);
    assert_eq!(status(METRICS_TOKEN.to_string()).await, 200);
    assert_eq!(status(format!("{METRICS_TOKEN}x")).await, 401);
    // The token is for /metrics alone.
    assert_eq!(app.get("/api/auth/me", METRICS_TOKEN).await.status, 401);
}

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[actix_web::test]
async fn the_database_its_wal_and_its_backups_are_readable_by_their_owner_alone() {
    let app = spawn_app().await;
    let created = app
        .create_chunk(&app.owner_key, json!({"chunk_html": "<p>private</p>"}))
        .await;
    assert_eq!(created.status, 200);
    let wal = trieve_lite::db::sibling_file(&app.db_path, "-wal");
    assert_eq!(mode(&app.db_path), 0o600, "the database");
    assert_eq!(mode(&wal), 0o600, "its WAL");
    let backup = app.db_path.with_file_name("backup.db");
    trieve_lite::db::backup::backup(&app.db_path, &backup, false, Checkpoints::Own).unwrap();
    assert_eq!(mode(&backup), 0o600, "a backup");

    // A database made readable by others (by an older version, or by hand) is made private.
    let dir = tempfile::tempdir().unwrap();
    let loose = dir.path().join("loose.db");
    std::fs::write(&loose, b"").unwrap();
    std::fs::set_permissions(&loose, std::fs::Permissions::from_mode(0o644)).unwrap();
    trieve_lite::db::open_pool(&loose, 1, Checkpoints::Own).unwrap();
    assert_eq!(mode(&loose), 0o600);
}

#[actix_web::test]
async fn a_full_disk_is_a_507_reads_go_on_and_writes_resume_once_there_is_room() {
    let app = spawn_app().await;
    let kept = app
        .create_chunk(&app.owner_key, json!({"chunk_html": "<p>kept</p>"}))
        .await;
    assert_eq!(kept.status, 200);
    // The writer's connection may grow the file no further: to SQLite, the disk is full.
    app.write(|conn| {
        let pages: i64 = conn.query_row("PRAGMA page_count", [], |row| row.get(0))?;
        conn.pragma_update(None, "max_page_count", pages)?;
        Ok(())
    })
    .await;
    let text = "words ".repeat(4000);
    let mut refused = None;
    for n in 0..50 {
        let answer = app
            .create_chunk(
                &app.owner_key,
                json!({"chunk_html": format!("<p>{n} {text}</p>")}),
            )
            .await;
        if answer.status != 200 {
            refused = Some(answer);
            break;
        }
    }
    let refused = refused.expect("a write is refused once the file cannot grow");
    assert_eq!(refused.status, 507, "{}", refused.body);
    assert!(
        refused.body["message"]
            .as_str()
            .unwrap()
            .contains("disk is full"),
        "{}",
        refused.body
    );
    let read = app
        .get(
            &format!(
                "/api/chunk/{}",
                kept.body["chunk_metadata"]["id"].as_str().unwrap()
            ),
            &app.owner_key,
        )
        .await;
    assert_eq!(read.status, 200, "reads go on");

    app.write(|conn| {
        conn.pragma_update(None, "max_page_count", 1_073_741_823i64)?;
        Ok(())
    })
    .await;
    let resumed = app
        .create_chunk(&app.owner_key, json!({"chunk_html": "<p>room again</p>"}))
        .await;
    assert_eq!(resumed.status, 200, "{}", resumed.body);
}

/// `GET /api/auth/me` with `key`, sent from the local address `from`; the answer's status and
/// its Retry-After.
fn me_from(from: &str, port: u16, key: &str) -> (u16, Option<String>) {
    use std::io::{Read, Write};
    let server = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let mut stream = connect_from(from, server, std::time::Duration::from_secs(5)).unwrap();
    write!(
        stream,
        "GET /api/auth/me HTTP/1.1\r\nHost: x\r\nAuthorization: {key}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let status = answer.split(' ').nth(1).unwrap().parse().unwrap();
    let retry_after = answer.lines().find_map(|line| {
        line.to_ascii_lowercase()
            .strip_prefix("retry-after: ")
            .map(str::to_string)
    });
    (status, retry_after)
}

#[actix_web::test]
async fn wrong_keys_from_one_address_are_answered_429_and_other_addresses_are_not_slowed() {
    let app = spawn_app_with(tempfile::tempdir().unwrap(), |settings| {
        settings.max_key_failures = 5;
    })
    .await;
    let port: u16 = app.base.rsplit(':').next().unwrap().parse().unwrap();
    let owner_key = app.owner_key.clone();
    let answers = actix_web::rt::task::spawn_blocking(move || {
        let guesses: Vec<_> = (0..7)
            .map(|n| me_from("127.0.0.2", port, &format!("tr-guess-{n:024}")))
            .collect();
        let right_key_same_address = me_from("127.0.0.2", port, &owner_key);
        let right_key_elsewhere = me_from("127.0.0.1", port, &owner_key);
        let wrong_key_elsewhere = me_from("127.0.0.1", port, "tr-another-wrong-key-000000");
        (
            guesses,
            right_key_same_address,
            right_key_elsewhere,
            wrong_key_elsewhere,
        )
    })
    .await
    .unwrap();
    let (guesses, same, elsewhere, wrong_elsewhere) = answers;
    let statuses: Vec<u16> = guesses.iter().map(|(status, _)| *status).collect();
    assert_eq!(statuses, [401, 401, 401, 401, 401, 429, 429]);
    let retry: u64 = guesses[5].1.as_deref().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "Retry-After: {retry}");
    assert_eq!(same.0, 429, "the guessing address waits, whatever it sends");
    assert_eq!(elsewhere.0, 200, "a right key from elsewhere is not slowed");
    assert_eq!(wrong_elsewhere.0, 401);
    // Requests without a key (the health check, the admin page) are not guesses.
    for _ in 0..10 {
        assert_eq!(
            app.send(Method::GET, "/api/auth/me", &[], None)
                .await
                .status,
            401
        );
    }
    assert_eq!(app.get("/api/auth/me", &app.owner_key).await.status, 200);
}

#[actix_web::test]
async fn a_username_is_taken_whatever_its_case_or_width() {
    let app = spawn_app().await;
    let member = app.add_member("member@example.com", Role::User).await;
    assert_eq!(
        app.put_user(&app.owner_key, json!({"username": "\u{c9}mile"}))
            .await
            .status,
        200
    );
    assert_eq!(
        app.put_user(&member.key, json!({"username": "ada"}))
            .await
            .status,
        200
    );
    let attempts = [
        (&member.key, "\u{e9}mile"),
        (&member.key, "E\u{301}MILE"),
        (&app.owner_key, "ADA"),
        (&app.owner_key, "\u{ff41}\u{ff44}\u{ff41}"),
    ];
    for (key, lookalike) in attempts {
        let taken = app.put_user(key, json!({"username": lookalike})).await;
        assert_eq!(taken.status, 409, "{lookalike}: {}", taken.body);
        assert_eq!(taken.body["field"], "username");
    }
    // A user may change the case of their own username.
    assert_eq!(
        app.put_user(&member.key, json!({"username": "Ada"}))
            .await
            .status,
        200
    );
}
