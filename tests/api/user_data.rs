//! `GET /api/user/{user_id}/{page}` and `GET /api/user/files/{user_id}`.

use actix_web::http::Method;
use serde_json::json;
use trieve_lite::types::roles::Role;

use crate::helpers::spawn_app;

#[actix_web::test]
async fn chunks_come_ten_a_page_newest_first_with_the_total() {
    let app = spawn_app().await;
    let author = app.add_member("author@example.com", Role::Admin).await;
    app.insert_chunks(&app.dataset_id, &author.id, "chunk", 23)
        .await;
    app.insert_chunks(&app.dataset_id, &app.owner_id, "other", 4)
        .await;

    let first = app
        .get(&format!("/api/user/{}/1", author.id), &app.owner_key)
        .await;
    assert_eq!(first.status, 200);
    assert_eq!(first.body["id"], author.id.as_str());
    assert_eq!(first.body["total_chunks_created"], 23);
    let chunks = first.body["chunks"].as_array().unwrap();
    assert_eq!(chunks.len(), 10);
    assert_eq!(chunks[0]["content"], "chunk 22");
    assert_eq!(chunks[0]["chunk_html"], "<p>chunk 22</p>");
    assert_eq!(
        chunks[0]["qdrant_point_id"],
        "00000000-0000-0000-0000-000000000000"
    );
    assert_eq!(chunks[0]["weight"], 1.0);

    let third = app
        .get(&format!("/api/user/{}/3", author.id), &app.owner_key)
        .await;
    let contents: Vec<_> = third.body["chunks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["content"].clone())
        .collect();
    assert_eq!(
        contents,
        [json!("chunk 2"), json!("chunk 1"), json!("chunk 0")]
    );

    let past_the_end = app
        .get(&format!("/api/user/{}/4", author.id), &app.owner_key)
        .await;
    assert_eq!(past_the_end.status, 200);
    assert_eq!(past_the_end.body["chunks"], json!([]));
    assert_eq!(past_the_end.body["total_chunks_created"], 23);
}

#[actix_web::test]
async fn page_below_one_or_not_a_number_is_400() {
    let app = spawn_app().await;
    for page in ["0", "-1", "two"] {
        let res = app
            .get(
                &format!("/api/user/{}/{page}", app.owner_id),
                &app.owner_key,
            )
            .await;
        assert_eq!(res.status, 400, "page {page}");
    }
    let bad_uuid = app.get("/api/user/not-a-uuid/1", &app.owner_key).await;
    assert_eq!(bad_uuid.status, 400);
}

#[actix_web::test]
async fn email_is_hidden_unless_visible() {
    let app = spawn_app().await;
    let visible = app
        .get(&format!("/api/user/{}/1", app.owner_id), &app.owner_key)
        .await;
    assert_eq!(visible.body["email"], "admin@localhost");

    app.put_user(
        &app.owner_key,
        json!({"username": "root", "visible_email": false}),
    )
    .await;
    let hidden = app
        .get(&format!("/api/user/{}/1", app.owner_id), &app.owner_key)
        .await;
    assert_eq!(hidden.status, 200);
    assert_eq!(hidden.body["email"], serde_json::Value::Null);
    assert_eq!(hidden.body["visible_email"], false);
    assert_eq!(hidden.body["username"], "root");
}

#[actix_web::test]
async fn tr_dataset_missing_or_malformed_is_400() {
    let app = spawn_app().await;
    let path = format!("/api/user/{}/1", app.owner_id);
    let missing = app
        .send(
            Method::GET,
            &path,
            &[("Authorization", &app.owner_key)],
            None,
        )
        .await;
    assert_eq!(missing.status, 400);
    let malformed = app
        .send(
            Method::GET,
            &path,
            &[("Authorization", &app.owner_key), ("TR-Dataset", "nope")],
            None,
        )
        .await;
    assert_eq!(malformed.status, 400);
    let unknown = app
        .send(
            Method::GET,
            &path,
            &[
                ("Authorization", &app.owner_key),
                ("TR-Dataset", "5d0f2a3c-1111-4a4a-8b8b-000000000000"),
            ],
            None,
        )
        .await;
    assert_eq!(unknown.status, 404);
    let files = app
        .send(
            Method::GET,
            &format!("/api/user/files/{}", app.owner_id),
            &[("Authorization", &app.owner_key)],
            None,
        )
        .await;
    assert_eq!(files.status, 400);
}

#[actix_web::test]
async fn another_organizations_dataset_is_refused() {
    let app = spawn_app().await;
    let (_, other_dataset, other_owner) = app.add_organization("other", "boss@other.example").await;
    app.insert_chunks(&other_dataset, &other_owner.id, "secret", 3)
        .await;
    let res = app
        .send(
            Method::GET,
            &format!("/api/user/{}/1", other_owner.id),
            &[
                ("Authorization", &app.owner_key),
                ("TR-Dataset", &other_dataset),
            ],
            None,
        )
        .await;
    assert_eq!(res.status, 403);
    let files = app
        .send(
            Method::GET,
            &format!("/api/user/files/{}", other_owner.id),
            &[
                ("Authorization", &app.owner_key),
                ("TR-Dataset", &other_dataset),
            ],
            None,
        )
        .await;
    assert_eq!(files.status, 403);
    // In our own dataset the other owner is nobody we can list.
    let res = app
        .get(&format!("/api/user/{}/1", other_owner.id), &app.owner_key)
        .await;
    assert_eq!(res.status, 404);
}

#[actix_web::test]
async fn files_are_the_users_own_newest_first() {
    let app = spawn_app().await;
    let member = app.add_member("member@example.com", Role::User).await;
    let first = app
        .insert_file(&app.dataset_id, &member.id, "first.txt", b"one")
        .await;
    app.insert_file(&app.dataset_id, &app.owner_id, "owners.txt", b"owner")
        .await;
    let second = app
        .insert_file(&app.dataset_id, &member.id, "second.txt", b"second")
        .await;

    // A plain member may list another member's files.
    let res = app
        .get(&format!("/api/user/files/{}", member.id), &app.owner_key)
        .await;
    assert_eq!(res.status, 200);
    let files = res.body.as_array().unwrap();
    assert_eq!(files.len(), 2);
    assert_eq!(files[0]["id"], second.as_str());
    assert_eq!(files[0]["size"], 6);
    assert_eq!(files[0]["dataset_id"], app.dataset_id.as_str());
    assert_eq!(files[1]["id"], first.as_str());
    assert_eq!(files[1]["file_name"], "first.txt");
    let by_member = app
        .get(&format!("/api/user/files/{}", app.owner_id), &member.key)
        .await;
    assert_eq!(by_member.body.as_array().unwrap().len(), 1);
}
