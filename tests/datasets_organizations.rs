//! Datasets and organizations: who may read and create them.

mod common;

use actix_web::http::Method;
use common::spawn_app;
use serde_json::json;
use trieve_lite::models::Role;

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
    let admin = app.add_member("admin@example.com", Role::Admin);
    let (other_org, _, _) = app.add_organization("other", "boss@other.example");
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
    let user = app.add_member("user@example.com", Role::User);
    app.insert_chunks(&app.dataset_id, &app.owner_id, "c", 7);
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
    let (_, _, stranger) = app.add_organization("other", "boss@other.example");
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
    let user = app.add_member("user@example.com", Role::User);
    let admin = app.add_member("admin@example.com", Role::Admin);
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
