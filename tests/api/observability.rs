//! What an operator sees: the request log, /metrics, --version.

use std::process::Command;

use actix_web::http::Method;
use trieve_lite::types::roles::Role;

use crate::helpers::{spawn_app, ServerProcess};

const KEY: &str = "log-test-owner-key-0123456789abcdef";

#[test]
fn the_request_log_names_the_user_and_never_a_key() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("log.db");
    let mut server = ServerProcess::start(&db, &[("ADMIN_API_KEY", KEY)], &[]);
    let port = server.port;
    let request = |headers: &[(&str, &str)], path: &str| -> String {
        server.request("GET", path, headers, None).1
    };
    let me = request(&[("Authorization", KEY)], "/api/auth/me");
    let user_id = me
        .split("\"id\":\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    request(
        &[("Authorization", &format!("Bearer {KEY}"))],
        "/api/user/get_api_key",
    );
    request(
        &[("x-api-key", KEY)],
        "/api/auth/me?token=not-a-real-place-for-keys",
    );
    request(
        &[("Authorization", "tr-WrongWrongWrongWrongWrongWrong12")],
        "/api/auth/me",
    );

    let status = server.stop();
    assert!(status.success(), "stopped with {status}");
    let log = &server.log;

    assert!(log.contains("GET /api/auth/me 200"), "{log}");
    assert!(log.contains(&format!("user={user_id}")), "{log}");
    assert!(log.contains("GET /api/auth/me 401"), "{log}");
    assert!(log.contains("user=-"), "{log}");
    assert!(!log.contains(&KEY[4..]), "a key appears in the log:\n{log}");
    assert!(
        !log.contains("WrongWrong"),
        "a presented key appears in the log:\n{log}"
    );
    assert!(
        !log.contains("token="),
        "the query string appears in the log:\n{log}"
    );
    // The start-up line: version, address, database, schema version.
    let started = log
        .lines()
        .find(|line| line.contains("listening on"))
        .unwrap();
    assert!(started.contains(env!("CARGO_PKG_VERSION")), "{started}");
    assert!(started.contains(&format!("127.0.0.1:{port}")), "{started}");
    assert!(started.contains(db.to_str().unwrap()), "{started}");
    assert!(
        started.contains(&format!(
            "schema version {}",
            trieve_lite::db::SCHEMA_VERSION
        )),
        "{started}"
    );
}

#[actix_web::test]
async fn metrics_count_requests_per_route_for_the_instances_owners() {
    let app = spawn_app().await;
    let member = app.add_member("member@example.com", Role::User).await;
    for _ in 0..3 {
        app.get("/api/auth/me", &app.owner_key).await;
    }
    app.get(&format!("/api/user/{}/0", app.owner_id), &app.owner_key)
        .await;
    app.send(Method::GET, "/no/such/route", &[], None).await;
    for made_up in ["BREW", "WHEN", "XYZZY"] {
        let method = Method::from_bytes(made_up.as_bytes()).unwrap();
        app.send(method, "/api/health", &[], None).await;
    }

    assert_eq!(app.get("/metrics", &member.key).await.status, 403);
    assert_eq!(
        app.send(Method::GET, "/metrics", &[], None).await.status,
        401
    );
    let res = app.get("/metrics", &app.owner_key).await;
    assert_eq!(res.status, 200);
    let text = res.body.as_str().unwrap();
    assert!(text.contains("trieve_lite_http_requests_total{method=\"GET\",route=\"/api/auth/me\",status=\"200\"} 3"), "{text}");
    assert!(
        text.contains("route=\"/api/user/{user_id}/{page}\",status=\"400\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("route=\"unmatched\",status=\"404\"} 1"),
        "{text}"
    );
    assert!(text.contains("trieve_lite_http_request_duration_seconds_count{method=\"GET\",route=\"/api/auth/me\"} 3"), "{text}");
    assert!(text.contains("# TYPE trieve_lite_http_request_duration_seconds histogram"));
    assert!(text.contains("trieve_lite_db_write_transactions_total"));
}

#[test]
fn version_prints_the_crate_version() {
    let output = Command::new(env!("CARGO_BIN_EXE_trieve-lite"))
        .arg("--version")
        .output()
        .unwrap();
    assert!(output.status.success());
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        format!("trieve-lite {}", env!("CARGO_PKG_VERSION"))
    );
}
