//! First start, ADMIN_API_KEY, and the `user add` command.

use std::process::Command;

use actix_web::http::Method;
use trieve_lite::config::{AdminKey, Settings};
use trieve_lite::startup::Application;

use serde_json::{json, Value};

use crate::helpers::{spawn_app, spawn_app_in, ServerProcess};

#[actix_web::test]
async fn first_start_creates_the_default_organization_dataset_and_owner_once() {
    let app = spawn_app().await;
    assert_eq!(
        app.count("SELECT count(*) FROM organizations WHERE name = 'default'"),
        1
    );
    assert_eq!(
        app.count("SELECT count(*) FROM datasets WHERE name = 'default'"),
        1
    );
    assert_eq!(
        app.count(
            "SELECT count(*) FROM users u JOIN user_organizations m ON m.user_id = u.id
                   WHERE u.email = 'admin@localhost' AND m.role = 2"
        ),
        1
    );
    // A second start on the same file creates nothing and prints no key.
    let settings = Settings::for_database(app.db_path.clone(), "127.0.0.1:0");
    let again = Application::build(&settings).unwrap();
    assert!(again.first_start.is_none());
    assert_eq!(app.count("SELECT count(*) FROM api_keys"), 1);
    assert_eq!(app.count("SELECT count(*) FROM users"), 1);
}

#[actix_web::test]
async fn admin_api_key_is_the_owners_key_and_a_new_value_replaces_it() {
    let dir = tempfile::tempdir().unwrap();
    let db_path = dir.path().join("test.db");
    let first_value = "first-admin-key-0123456789";
    let app = spawn_app_in(dir, Some(first_value)).await;
    assert_eq!(app.get("/api/auth/me", first_value).await.status, 200);

    let build_with = |value: &str| {
        let mut settings = Settings::for_database(db_path.clone(), "127.0.0.1:0");
        settings.admin_api_key = Some(AdminKey::new(value.into()).unwrap());
        Application::build(&settings).unwrap()
    };
    // The same value again: idempotent.
    build_with(first_value);
    assert_eq!(app.count("SELECT count(*) FROM api_keys"), 1);
    // A new value replaces the old one.
    let second_value = "second-admin-key-0123456789";
    build_with(second_value);
    assert_eq!(app.count("SELECT count(*) FROM api_keys"), 1);
    assert_eq!(app.get("/api/auth/me", first_value).await.status, 401);
    let me = app.get("/api/auth/me", second_value).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.body["email"], "admin@localhost");
}

#[actix_web::test]
async fn user_add_prints_json_with_a_working_key_while_the_server_runs() {
    let app = spawn_app().await;
    let output = Command::new(env!("CARGO_BIN_EXE_trieve-lite"))
        .args(["--db", app.db_path.to_str().unwrap()])
        .args([
            "user",
            "add",
            "--email",
            "cli@example.com",
            "--role",
            "admin",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let printed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(printed["organization_id"], app.org_id.as_str());
    assert_eq!(printed["dataset_id"], app.dataset_id.as_str());
    let key = printed["api_key"].as_str().unwrap();
    let me = app.get("/api/auth/me", key).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.body["id"], printed["user_id"]);
    assert_eq!(me.body["user_orgs"][0]["role"], 1);

    // Adding the same user again is refused with a message and exit code 1.
    let again = Command::new(env!("CARGO_BIN_EXE_trieve-lite"))
        .args(["--db", app.db_path.to_str().unwrap()])
        .args(["user", "add", "--email", "cli@example.com"])
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already a member"));
}

#[actix_web::test]
async fn user_add_creates_a_new_organization_with_a_default_dataset() {
    let app = spawn_app().await;
    // A new organization's first member is its owner: any other role is refused, and nothing
    // is created.
    for role in ["user", "admin"] {
        let refused = Command::new(env!("CARGO_BIN_EXE_trieve-lite"))
            .env("TRIEVE_DB", &app.db_path)
            .args([
                "user",
                "add",
                "--email",
                "lead@new.example",
                "--org",
                "newco",
                "--role",
                role,
            ])
            .output()
            .unwrap();
        assert_eq!(refused.status.code(), Some(1), "--role {role}");
        assert!(
            String::from_utf8_lossy(&refused.stderr).contains("must be its owner"),
            "{}",
            String::from_utf8_lossy(&refused.stderr)
        );
    }
    assert_eq!(
        app.count("SELECT count(*) FROM organizations WHERE name = 'newco'"),
        0
    );
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE email = 'lead@new.example'"),
        0
    );
    let output = Command::new(env!("CARGO_BIN_EXE_trieve-lite"))
        .env("TRIEVE_DB", &app.db_path)
        .args([
            "user",
            "add",
            "--email",
            "lead@new.example",
            "--org",
            "newco",
            "--role",
            "owner",
        ])
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("Added lead@new.example to organization \"newco\" as owner."));
    let key = text
        .split_whitespace()
        .find(|word| word.starts_with("tr-"))
        .unwrap();
    let me = app
        .send(Method::GET, "/api/auth/me", &[("Authorization", key)], None)
        .await;
    assert_eq!(me.body["orgs"][0]["name"], "newco");
    assert_eq!(
        app.count(
            "SELECT count(*) FROM datasets d JOIN organizations o ON o.id = d.organization_id
                          WHERE o.name = 'newco' AND d.name = 'default'"
        ),
        1
    );
}

#[test]
fn user_add_refuses_a_missing_database_and_help_names_every_option() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_trieve-lite"))
        .args(["--db", dir.path().join("none.db").to_str().unwrap()])
        .args(["user", "add", "--email", "a@b.c"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(!dir.path().join("none.db").exists());

    let help = Command::new(env!("CARGO_BIN_EXE_trieve-lite"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    for option in [
        "--bind",
        "--db",
        "--max-upload-mb",
        "TRIEVE_BIND",
        "TRIEVE_DB",
        "TRIEVE_MAX_UPLOAD_MB",
        "--max-connections-per-ip",
        "--max-body-memory-mb",
        "--max-key-failures",
        "--metrics-token",
        "TRIEVE_METRICS_TOKEN",
        "ADMIN_API_KEY",
        "user",
    ] {
        assert!(help.contains(option), "--help lacks {option}");
    }
}

#[test]
fn a_revoked_admin_api_key_that_comes_back_is_announced_and_shown_as_the_environments() {
    const KEY: &str = "revoked-env-key-5f4e3d2c1b0a9988";
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("env.db");
    let mut first = ServerProcess::start(&db, &[("ADMIN_API_KEY", KEY)], &[]);
    let (status, keys) = first.request(
        "GET",
        "/api/user/get_api_key",
        &[("Authorization", KEY)],
        None,
    );
    assert_eq!(status, 200, "{keys}");
    let keys: Value = serde_json::from_str(&keys).unwrap();
    let environment: Vec<&Value> = keys
        .as_array()
        .unwrap()
        .iter()
        .filter(|key| key["managed_by_environment"] == true)
        .collect();
    assert_eq!(environment.len(), 1, "{keys}");
    let (status, _) = first.request(
        "DELETE",
        "/api/user/delete_api_key",
        &[("Authorization", KEY)],
        Some(&json!({"api_key_id": environment[0]["id"]})),
    );
    assert_eq!(status, 200);
    assert!(first.stop().success());
    assert!(!first.log.contains("WAS REVOKED"), "{}", first.log);

    let mut again = ServerProcess::start(&db, &[("ADMIN_API_KEY", KEY)], &[]);
    let (status, _) = again.request("GET", "/api/auth/me", &[("Authorization", KEY)], None);
    assert_eq!(status, 200, "the variable still sets the key");
    assert!(again.stop().success());
    assert!(
        again.log.contains("ADMIN_API_KEY WAS REVOKED"),
        "{}",
        again.log
    );
    assert!(!again.log.contains(KEY), "the key itself is never logged");

    let mut later = ServerProcess::start(&db, &[("ADMIN_API_KEY", KEY)], &[]);
    assert!(later.stop().success());
    assert!(
        !later.log.contains("WAS REVOKED"),
        "said once: {}",
        later.log
    );
}
