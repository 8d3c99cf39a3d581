//! Datasets and organizations: who may read and create them.

use actix_web::http::Method;
use serde_json::json;
use trieve_lite::types::roles::Role;

use crate::helpers::spawn_app;

#[actix_web::test]
async fn the_owner_creates_a_dataset_and_a_second_with_that_name_is_409() {
    let app = spawn_app().await;
    let body = json!({"dataset_name": "docs", "organization_id": app.org_id,
                      "server_configuration": {"k": 1}, "client_configuration": {}});
    let res = app
        .call(Method::POST, "/api/dataset", &app.owner_key, Some(&body))
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(res.body["name"], "docs");
    assert_eq!(res.body["organization_id"], app.org_id.as_str());
    assert_eq!(res.body["server_configuration"], json!({"k": 1}));
    let again = app
        .call(Method::POST, "/api/dataset", &app.owner_key, Some(&body))
        .await;
    assert_eq!(again.status, 409);
    assert_eq!(
        app.count("SELECT count(*) FROM datasets WHERE name = 'docs'"),
        1
    );
}

#[actix_web::test]
async fn only_owners_create_datasets() {
    let app = spawn_app().await;
    let admin = app.add_member("admin@example.com", Role::Admin).await;
    let (other_org, _, _) = app.add_organization("other", "boss@other.example").await;
    let in_ours = json!({"dataset_name": "x", "organization_id": app.org_id,
                         "server_configuration": null, "client_configuration": null});
    assert_eq!(
        app.call(Method::POST, "/api/dataset", &admin.key, Some(&in_ours))
            .await
            .status,
        403
    );
    let in_theirs = json!({"dataset_name": "x", "organization_id": other_org,
                           "server_configuration": {}, "client_configuration": {}});
    assert_eq!(
        app.call(
            Method::POST,
            "/api/dataset",
            &app.owner_key,
            Some(&in_theirs)
        )
        .await
        .status,
        403
    );
    let empty_name = json!({"dataset_name": " ", "organization_id": app.org_id,
                            "server_configuration": {}, "client_configuration": {}});
    assert_eq!(
        app.call(
            Method::POST,
            "/api/dataset",
            &app.owner_key,
            Some(&empty_name)
        )
        .await
        .status,
        400
    );
    assert_eq!(
        app.count("SELECT count(*) FROM datasets WHERE name = 'x'"),
        0
    );
}

#[actix_web::test]
async fn members_read_datasets_with_their_usage() {
    let app = spawn_app().await;
    let user = app.add_member("user@example.com", Role::User).await;
    app.insert_chunks(&app.dataset_id, &app.owner_id, "c", 7)
        .await;
    let dataset = app
        .get(&format!("/api/dataset/{}", app.dataset_id), &user.key)
        .await;
    assert_eq!(dataset.status, 200);
    assert_eq!(dataset.body["name"], "default");

    let listed = app
        .send(
            Method::GET,
            &format!("/api/dataset/organization/{}", app.org_id),
            &[
                ("Authorization", &user.key),
                ("TR-Organization", &app.org_id),
            ],
            None,
        )
        .await;
    assert_eq!(listed.status, 200);
    assert_eq!(listed.body[0]["dataset"]["id"], app.dataset_id.as_str());
    assert_eq!(listed.body[0]["dataset_usage"]["chunk_count"], 7);
}

#[actix_web::test]
async fn outsiders_cannot_read_an_organization_or_its_datasets() {
    let app = spawn_app().await;
    let (_, _, stranger) = app.add_organization("other", "boss@other.example").await;
    assert_eq!(
        app.get(&format!("/api/organization/{}", app.org_id), &stranger.key)
            .await
            .status,
        403
    );
    assert_eq!(
        app.get(&format!("/api/dataset/{}", app.dataset_id), &stranger.key)
            .await
            .status,
        403
    );
    let listed = app
        .get(
            &format!("/api/dataset/organization/{}", app.org_id),
            &stranger.key,
        )
        .await;
    assert_eq!(listed.status, 403);
    let missing = app
        .get(
            "/api/organization/00000000-0000-4000-8000-000000000000",
            &app.owner_key,
        )
        .await;
    assert_eq!(missing.status, 404);
}

#[actix_web::test]
async fn members_read_their_organization_and_only_admins_list_its_users() {
    let app = spawn_app().await;
    let user = app.add_member("user@example.com", Role::User).await;
    let admin = app.add_member("admin@example.com", Role::Admin).await;
    let org = app
        .get(&format!("/api/organization/{}", app.org_id), &user.key)
        .await;
    assert_eq!(org.status, 200);
    assert_eq!(org.body["name"], "default");

    let path = format!("/api/organization/users/{}", app.org_id);
    assert_eq!(app.get(&path, &user.key).await.status, 403);
    let listed = app.get(&path, &admin.key).await;
    assert_eq!(listed.status, 200);
    let emails: Vec<_> = listed
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].clone())
        .collect();
    assert_eq!(
        emails,
        [
            json!("admin@localhost"),
            json!("user@example.com"),
            json!("admin@example.com")
        ]
    );
    assert_eq!(listed.body[1]["user_orgs"][0]["role"], 0);
}

#[actix_web::test]
async fn an_admin_adds_a_new_user_who_gets_a_first_key_once() {
    let app = spawn_app().await;
    let admin = app.add_member("admin@example.com", Role::Admin).await;
    let path = format!("/api/organization/{}/users", app.org_id);
    let res = app
        .call(
            Method::POST,
            &path,
            &admin.key,
            Some(&json!({"email": "new@example.com", "role": 1, "name": "New"})),
        )
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(res.body["user"]["email"], "new@example.com");
    assert_eq!(res.body["user"]["user_orgs"][0]["role"], 1);
    let key = res.body["api_key"].as_str().unwrap();
    assert_eq!(app.get("/api/auth/me", key).await.body["name"], "New");

    let again = app
        .call(
            Method::POST,
            &path,
            &admin.key,
            Some(&json!({"email": "new@example.com", "role": 0})),
        )
        .await;
    assert_eq!(again.status, 409);
    let too_high = app
        .call(
            Method::POST,
            &path,
            &admin.key,
            Some(&json!({"email": "boss@example.com", "role": 2})),
        )
        .await;
    assert_eq!(too_high.status, 403);
    assert_eq!(
        app.count("SELECT count(*) FROM users WHERE email = 'boss@example.com'"),
        0
    );
}

#[actix_web::test]
async fn an_existing_user_joins_without_a_new_key_and_users_cannot_add() {
    let app = spawn_app().await;
    let (other_org, _, other_owner) = app.add_organization("other", "boss@other.example").await;
    let user = app.add_member("user@example.com", Role::User).await;
    let refused = app
        .call(
            Method::POST,
            &format!("/api/organization/{}/users", app.org_id),
            &user.key,
            Some(&json!({"email": "x@example.com", "role": 0})),
        )
        .await;
    assert_eq!(refused.status, 403);

    let res = app
        .call(
            Method::POST,
            &format!("/api/organization/{other_org}/users"),
            &other_owner.key,
            Some(&json!({"email": "user@example.com", "role": 0})),
        )
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(res.body["api_key"], serde_json::Value::Null);
    assert_eq!(
        app.get("/api/auth/me", &user.key).await.body["orgs"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[actix_web::test]
async fn removing_members_keeps_their_data_and_the_last_owner() {
    let app = spawn_app().await;
    let admin = app.add_member("admin@example.com", Role::Admin).await;
    let user = app.add_member("user@example.com", Role::User).await;
    app.insert_chunks(&app.dataset_id, &user.id, "kept", 2)
        .await;
    let remove = |id: &str| format!("/api/organization/{}/users/{id}", app.org_id);

    assert_eq!(
        app.call(Method::DELETE, &remove(&app.owner_id), &admin.key, None)
            .await
            .status,
        403
    );
    assert_eq!(
        app.call(Method::DELETE, &remove(&app.owner_id), &app.owner_key, None)
            .await
            .status,
        400
    );
    assert_eq!(
        app.call(Method::DELETE, &remove(&user.id), &user.key, None)
            .await
            .status,
        403
    );
    assert_eq!(
        app.call(Method::DELETE, &remove(&user.id), &admin.key, None)
            .await
            .status,
        204
    );
    assert_eq!(
        app.call(Method::DELETE, &remove(&user.id), &admin.key, None)
            .await
            .status,
        403
    );

    assert_eq!(
        app.count("SELECT count(*) FROM user_organizations WHERE role = 2"),
        1
    );
    assert_eq!(
        app.count("SELECT count(*) FROM chunks WHERE content LIKE 'kept%'"),
        2
    );
    // The removed user keeps their key but no longer reaches the organization.
    assert_eq!(app.get("/api/auth/me", &user.key).await.status, 200);
    assert_eq!(
        app.get(&format!("/api/organization/{}", app.org_id), &user.key)
            .await
            .status,
        403
    );
}

#[actix_web::test]
async fn an_owner_changes_and_deletes_a_dataset_with_everything_in_it_but_not_the_last() {
    let app = spawn_app().await;
    let create = json!({"dataset_name": "doomed", "organization_id": app.org_id});
    let doomed = app
        .call(Method::POST, "/api/dataset", &app.owner_key, Some(&create))
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let key = app.owner_key.clone();
    let in_doomed = [
        ("Authorization", key.as_str()),
        ("TR-Dataset", doomed.as_str()),
    ];
    let collection = json!({"name": "shelf", "description": ""});
    let res = app
        .send(
            Method::POST,
            "/api/chunk_collection",
            &in_doomed,
            Some(&collection),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let collection_id = res.body["id"].as_str().unwrap().to_string();
    for (html, vector) in [
        ("<p>one fish</p>", [1.0, 0.0]),
        ("<p>two fish</p>", [0.0, 1.0]),
    ] {
        let body = json!({"chunk_html": html, "chunk_vector": vector,
                          "collection_id": collection_id});
        let res = app
            .send(Method::POST, "/api/chunk", &in_doomed, Some(&body))
            .await;
        assert_eq!(res.status, 200, "{}", res.body);
    }
    assert_eq!(app.count("SELECT count(*) FROM collection_bookmarks"), 2);
    let upload = json!({"base64_file": "aGVsbG8gZmlzaA", "file_name": "f.txt", "file_mime_type": "text/plain"});
    let res = app
        .send(Method::POST, "/api/file", &in_doomed, Some(&upload))
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    // And something in the dataset that stays.
    app.create_chunk(&app.owner_key, json!({"chunk_html": "<p>kept fish</p>"}))
        .await;

    // Renamed, a configuration replaced, the other left; a taken name is 409.
    let update = json!({"dataset_id": doomed, "dataset_name": "renamed",
                        "client_configuration": {"SHOW_GITHUB_STARS": true, "LINES_BEFORE_SHOW_MORE": "x"}});
    let res = app
        .call(Method::PUT, "/api/dataset", &app.owner_key, Some(&update))
        .await;
    assert_eq!(
        (res.status, res.body["name"].as_str()),
        (200, Some("renamed"))
    );
    let envs = app
        .send(Method::GET, "/api/dataset/envs", &in_doomed, None)
        .await;
    // A key of Trieve's ClientDatasetConfiguration with another type is left out.
    assert_eq!(
        (envs.status, envs.body.clone()),
        (200, json!({"SHOW_GITHUB_STARS": true}))
    );
    let taken = json!({"dataset_id": doomed, "dataset_name": "default"});
    let res = app
        .call(Method::PUT, "/api/dataset", &app.owner_key, Some(&taken))
        .await;
    assert_eq!(res.status, 409);

    let admin = app.add_member("admin@example.com", Role::Admin).await;
    let delete = json!({"dataset_id": doomed});
    let res = app
        .call(Method::DELETE, "/api/dataset", &admin.key, Some(&delete))
        .await;
    assert_eq!(res.status, 403);
    let res = app
        .call(
            Method::DELETE,
            "/api/dataset",
            &app.owner_key,
            Some(&delete),
        )
        .await;
    assert_eq!(res.status, 204, "{}", res.body);
    for (table, left) in [
        ("datasets", 1),
        ("chunks", 1),
        ("chunks_fts", 1),
        ("chunk_vectors", 0),
        ("files", 0),
        ("file_contents", 0),
        ("vector_changes", 0),
        ("chunk_collections", 0),
        ("collection_bookmarks", 0),
        ("notifications", 0),
    ] {
        assert_eq!(
            app.count(&format!("SELECT count(*) FROM {table}")),
            left,
            "{table}"
        );
    }
    assert_eq!(
        app.count(
            "SELECT count(*) FROM chunk_counts WHERE dataset_id NOT IN (SELECT id FROM datasets)"
        ),
        0
    );
    let gone = app
        .send(Method::GET, "/api/dataset/envs", &in_doomed, None)
        .await;
    assert_eq!(gone.status, 404);

    // The last dataset stays.
    let last = json!({"dataset_id": app.dataset_id});
    let res = app
        .call(Method::DELETE, "/api/dataset", &app.owner_key, Some(&last))
        .await;
    assert_eq!(res.status, 409);
    assert!(res.body["message"]
        .as_str()
        .unwrap()
        .contains("last dataset"));
}
