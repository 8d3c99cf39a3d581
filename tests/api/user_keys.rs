//! API keys: authentication, creation, listing, deletion, role and expiry.

use actix_web::http::Method;
use serde_json::json;
use trieve_lite::types::roles::Role;

use crate::helpers::spawn_app;

#[actix_web::test]
async fn health_needs_no_key_and_reports_the_database() {
    let app = spawn_app().await;
    let res = app.send(Method::GET, "/api/health", &[], None).await;
    assert_eq!(res.status, 200);
    assert_eq!(res.body["database"], "ok");
}

#[actix_web::test]
async fn the_key_is_accepted_raw_as_bearer_and_as_x_api_key() {
    let app = spawn_app().await;
    let bearer = format!("Bearer {}", app.owner_key);
    for header in [
        ("Authorization", app.owner_key.as_str()),
        ("Authorization", bearer.as_str()),
        ("x-api-key", app.owner_key.as_str()),
    ] {
        let res = app.send(Method::GET, "/api/auth/me", &[header], None).await;
        assert_eq!(res.status, 200, "{header:?}");
        assert_eq!(res.body["email"], "admin@localhost");
        assert_eq!(res.body["user_orgs"][0]["role"], 2);
        assert_eq!(res.body["orgs"][0]["id"], app.org_id.as_str());
    }
}

#[actix_web::test]
async fn missing_malformed_and_unknown_keys_are_401() {
    let app = spawn_app().await;
    let no_key = app.send(Method::GET, "/api/auth/me", &[], None).await;
    let empty_bearer = app
        .send(
            Method::GET,
            "/api/auth/me",
            &[("Authorization", "Bearer ")],
            None,
        )
        .await;
    let unknown = app
        .send(
            Method::GET,
            "/api/auth/me",
            &[("Authorization", "tr-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")],
            None,
        )
        .await;
    assert_eq!(no_key.status, 401);
    assert_eq!(empty_bearer.status, 401);
    assert_eq!(unknown.status, 401);
}

#[actix_web::test]
async fn a_new_key_is_shown_once_works_and_is_stored_only_as_a_digest() {
    let app = spawn_app().await;
    let res = app
        .call(
            Method::POST,
            "/api/user/set_api_key",
            &app.owner_key,
            Some(&json!({"name": "ci"})),
        )
        .await;
    assert_eq!(res.status, 200);
    let key = res.body["api_key"].as_str().unwrap().to_string();
    assert!(key.starts_with("tr-") && key.len() == 35);
    assert_eq!(app.get("/api/auth/me", &key).await.status, 200);

    let listed = app.get("/api/user/get_api_key", &app.owner_key).await;
    assert_eq!(listed.status, 200);
    let names: Vec<_> = listed
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["name"].clone())
        .collect();
    assert!(names.contains(&json!("ci")));
    assert!(!listed.body.to_string().contains(&key));

    // Neither the new key nor the owner's appears anywhere in the database files.
    {
        let conn = app.database.pool().get().unwrap();
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
            .unwrap();
    }
    for suffix in ["", "-wal"] {
        let path = format!("{}{}", app.db_path.display(), suffix);
        if let Ok(bytes) = std::fs::read(&path) {
            let text = String::from_utf8_lossy(&bytes);
            assert!(!text.contains(&key[3..]), "key found in {path}");
            assert!(
                !text.contains(&app.owner_key[3..]),
                "owner key found in {path}"
            );
        }
    }
}

#[actix_web::test]
async fn deleting_a_key_returns_the_rest_and_refuses_it_afterwards() {
    let app = spawn_app().await;
    let created = app
        .call(
            Method::POST,
            "/api/user/set_api_key",
            &app.owner_key,
            Some(&json!({"name": "temp"})),
        )
        .await;
    let key = created.body["api_key"].as_str().unwrap().to_string();
    let keys = app.get("/api/user/get_api_key", &key).await.body;
    let temp_id = keys
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["name"] == "temp")
        .unwrap()["id"]
        .clone();

    // The key deletes itself: allowed, and refused from then on.
    let res = app
        .call(
            Method::DELETE,
            "/api/user/delete_api_key",
            &key,
            Some(&json!({"api_key_id": temp_id})),
        )
        .await;
    assert_eq!(res.status, 200);
    assert!(res
        .body
        .as_array()
        .unwrap()
        .iter()
        .all(|k| k["id"] != temp_id));
    assert_eq!(res.body.as_array().unwrap().len(), 1);
    assert_eq!(app.get("/api/auth/me", &key).await.status, 401);
}

#[actix_web::test]
async fn another_users_key_id_is_a_404_and_nothing_is_deleted() {
    let app = spawn_app().await;
    let bob = app.add_member("bob@example.com", Role::User).await;
    let bob_keys = app.get("/api/user/get_api_key", &bob.key).await.body;
    let bob_key_id = bob_keys[0]["id"].clone();
    let res = app
        .call(
            Method::DELETE,
            "/api/user/delete_api_key",
            &app.owner_key,
            Some(&json!({"api_key_id": bob_key_id})),
        )
        .await;
    assert_eq!(res.status, 404);
    assert_eq!(app.get("/api/auth/me", &bob.key).await.status, 200);
    assert_eq!(app.count("SELECT count(*) FROM api_keys"), 2);
}

#[actix_web::test]
async fn a_read_only_key_reads_but_cannot_write() {
    let app = spawn_app().await;
    let read_only = app.insert_key(&app.owner_id, 0, None).await;
    assert_eq!(app.get("/api/auth/me", &read_only).await.status, 200);
    let update = app.put_user(&read_only, json!({"name": "Changed"})).await;
    assert_eq!(update.status, 403);
    let new_key = app
        .call(
            Method::POST,
            "/api/user/set_api_key",
            &read_only,
            Some(&json!({"name": "x"})),
        )
        .await;
    assert_eq!(new_key.status, 403);
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE name = 'Changed'"),
        0
    );
    assert_eq!(app.count("SELECT count(*) FROM api_keys"), 2);
}

#[actix_web::test]
async fn an_expired_key_is_refused() {
    let app = spawn_app().await;
    let expired = app
        .insert_key(&app.owner_id, 1, Some("2020-01-01T00:00:00.000000Z"))
        .await;
    let res = app.get("/api/auth/me", &expired).await;
    assert_eq!(res.status, 401);
    assert!(res.body["message"].as_str().unwrap().contains("expired"));
}

#[actix_web::test]
async fn a_key_with_expiry_and_role_is_created_and_validated() {
    let app = spawn_app().await;
    let past = app
        .call(
            Method::POST,
            "/api/user/set_api_key",
            &app.owner_key,
            Some(&json!({"name": "old", "expires_at": "2020-01-01T00:00:00Z"})),
        )
        .await;
    assert_eq!(past.status, 400);
    let bad_role = app
        .call(
            Method::POST,
            "/api/user/set_api_key",
            &app.owner_key,
            Some(&json!({"name": "x", "role": 2})),
        )
        .await;
    assert_eq!(bad_role.status, 400);
    let empty_name = app
        .call(
            Method::POST,
            "/api/user/set_api_key",
            &app.owner_key,
            Some(&json!({"name": "  "})),
        )
        .await;
    assert_eq!(empty_name.status, 400);

    let res = app
        .call(
            Method::POST,
            "/api/user/set_api_key",
            &app.owner_key,
            Some(&json!({"name": "reader", "role": 0, "expires_at": "2099-01-01T00:00:00+02:00"})),
        )
        .await;
    assert_eq!(res.status, 200);
    let keys = app.get("/api/user/get_api_key", &app.owner_key).await.body;
    let reader = keys
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["name"] == "reader")
        .unwrap();
    assert_eq!(reader["role"], 0);
    assert_eq!(reader["expires_at"], "2098-12-31T22:00:00.000000Z");
}

#[actix_web::test]
async fn an_expiry_after_the_year_9999_is_400_and_the_key_list_stays_readable() {
    let app = spawn_app().await;
    let res = app
        .call(
            Method::POST,
            "/api/user/set_api_key",
            &app.owner_key,
            Some(&json!({"name": "far", "expires_at": "9999-12-31T23:30:00-01:00"})),
        )
        .await;
    assert_eq!(
        (res.status, res.body["field"].as_str()),
        (400, Some("expires_at"))
    );
    assert_eq!(
        app.get("/api/user/get_api_key", &app.owner_key)
            .await
            .status,
        200
    );
}

#[actix_web::test]
async fn a_key_cannot_create_a_key_that_outlives_it() {
    let app = spawn_app().await;
    let short_lived = app
        .insert_key(&app.owner_id, 1, Some("2090-01-01T00:00:00.000000Z"))
        .await;
    let res = app
        .call(
            Method::POST,
            "/api/user/set_api_key",
            &short_lived,
            Some(&json!({"name": "longer", "expires_at": "2095-01-01T00:00:00Z"})),
        )
        .await;
    assert_eq!(res.status, 403);
    let inherited = app
        .call(
            Method::POST,
            "/api/user/set_api_key",
            &short_lived,
            Some(&json!({"name": "same"})),
        )
        .await;
    assert_eq!(inherited.status, 200);
    let keys = app.get("/api/user/get_api_key", &app.owner_key).await.body;
    let same = keys
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["name"] == "same")
        .unwrap();
    assert_eq!(same["expires_at"], "2090-01-01T00:00:00.000000Z");
}
