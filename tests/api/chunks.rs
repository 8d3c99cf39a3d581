//! Trieve's chunk endpoints.

use actix_web::http::Method;
use serde_json::json;
use trieve_lite::types::roles::Role;

use crate::helpers::spawn_app;

#[actix_web::test]
async fn a_created_chunk_has_its_text_and_round_trips_its_metadata() {
    let app = spawn_app().await;
    let body = json!({
        "chunk_html": "<p>Fish &amp; <b>chips</b></p><script>evil()</script>",
        "tracking_id": "menu-1",
        "metadata": {"price": 9.5, "tags": ["fried", {"nested": true}]},
        "time_stamp": "2026-01-31T12:00:00",
        "link": "https://example.com/menu",
        "tag_set": "food,uk",
        "chunk_vector": [0.1, 0.2]
    });
    let res = app.create_chunk(&app.owner_key, body.clone()).await;
    assert_eq!(res.status, 200);
    assert_eq!(res.body["duplicate"], false);
    let chunk = &res.body["chunk_metadata"];
    assert_eq!(chunk["content"], "Fish & chips");
    assert_eq!(chunk["metadata"], body["metadata"]);
    assert_eq!(chunk["time_stamp"], "2026-01-31T12:00:00.000000Z");
    assert_eq!(chunk["weight"], 1.0);
    assert_eq!(chunk["author_id"], app.owner_id.as_str());
    assert_eq!(chunk["dataset_id"], app.dataset_id.as_str());

    let by_id = app
        .get(
            &format!("/api/chunk/{}", chunk["id"].as_str().unwrap()),
            &app.owner_key,
        )
        .await;
    assert_eq!(by_id.status, 200);
    assert_eq!(by_id.body, *chunk);
    let by_tracking = app
        .get("/api/chunk/tracking_id/menu-1", &app.owner_key)
        .await;
    assert_eq!(by_tracking.body["id"], chunk["id"]);
}

#[actix_web::test]
async fn a_time_stamp_with_a_zone_is_kept_in_utc_and_garbage_is_400() {
    let app = spawn_app().await;
    let zoned = app
        .create_chunk(
            &app.owner_key,
            json!({"chunk_html": "x", "time_stamp": "2026-01-31T12:00:00+02:00"}),
        )
        .await;
    assert_eq!(
        zoned.body["chunk_metadata"]["time_stamp"],
        "2026-01-31T10:00:00.000000Z"
    );
    let bad = app
        .create_chunk(
            &app.owner_key,
            json!({"chunk_html": "x", "time_stamp": "soon"}),
        )
        .await;
    assert_eq!(bad.status, 400);
    assert_eq!(app.count("SELECT count(*) FROM chunks"), 1);
}

#[actix_web::test]
async fn a_time_stamp_outside_the_years_1_to_9999_is_400_and_an_old_one_stays_readable() {
    let app = spawn_app().await;
    for time_stamp in [
        "+10000-01-01T00:00:00",
        "-0001-01-01T00:00:00",
        "9999-12-31T23:30:00-01:00",
    ] {
        let res = app
            .create_chunk(
                &app.owner_key,
                json!({"chunk_html": "x", "time_stamp": time_stamp}),
            )
            .await;
        assert_eq!(
            (res.status, res.body["field"].as_str()),
            (400, Some("time_stamp"))
        );
    }
    assert_eq!(app.count("SELECT count(*) FROM chunks"), 0);

    // A value an older version accepted is still read, shown and deletable.
    let created = app
        .create_chunk(
            &app.owner_key,
            json!({"chunk_html": "old", "tracking_id": "old"}),
        )
        .await;
    let id = created.body["chunk_metadata"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.write(|conn| {
        conn.execute(
            "UPDATE chunks SET time_stamp = '+10000-01-01T00:00:00.000000Z'",
            [],
        )?;
        Ok(())
    })
    .await;
    let read = app.get(&format!("/api/chunk/{id}"), &app.owner_key).await;
    assert_eq!(read.status, 200);
    assert_eq!(read.body["time_stamp"], "+10000-01-01T00:00:00.000000Z");
    let page = app
        .get(&format!("/api/user/{}/1", app.owner_id), &app.owner_key)
        .await;
    assert_eq!(page.status, 200);
    let deleted = app
        .call(
            Method::DELETE,
            "/api/chunk/tracking_id/old",
            &app.owner_key,
            None,
        )
        .await;
    assert_eq!(deleted.status, 204);
}

#[actix_web::test]
async fn a_tracking_id_is_unique_per_dataset() {
    let app = spawn_app().await;
    let body = json!({"chunk_html": "a", "tracking_id": "same"});
    assert_eq!(
        app.create_chunk(&app.owner_key, body.clone()).await.status,
        200
    );
    assert_eq!(
        app.create_chunk(&app.owner_key, body.clone()).await.status,
        409
    );
    // Another dataset may use it.
    let other = app
        .call(
            Method::POST,
            "/api/dataset",
            &app.owner_key,
            Some(
                &json!({"dataset_name": "second", "organization_id": app.org_id,
                           "server_configuration": {}, "client_configuration": {}}),
            ),
        )
        .await;
    let other_id = other.body["id"].as_str().unwrap();
    let res = app
        .send(
            Method::POST,
            "/api/chunk",
            &[("Authorization", &app.owner_key), ("TR-Dataset", other_id)],
            Some(&body),
        )
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(
        app.count("SELECT count(*) FROM chunks WHERE tracking_id = 'same'"),
        2
    );
}

#[actix_web::test]
async fn a_chunk_of_another_dataset_is_a_404() {
    let app = spawn_app().await;
    let (_, other_dataset, other_owner) = app.add_organization("other", "boss@other.example").await;
    let theirs = app
        .send(
            Method::POST,
            "/api/chunk",
            &[
                ("Authorization", &other_owner.key),
                ("TR-Dataset", &other_dataset),
            ],
            Some(&json!({"chunk_html": "secret", "tracking_id": "t"})),
        )
        .await;
    let id = theirs.body["chunk_metadata"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        app.get(&format!("/api/chunk/{id}"), &app.owner_key)
            .await
            .status,
        404
    );
    assert_eq!(
        app.get("/api/chunk/tracking_id/t", &app.owner_key)
            .await
            .status,
        404
    );
    assert_eq!(
        app.call(
            Method::DELETE,
            &format!("/api/chunk/{id}"),
            &app.owner_key,
            None
        )
        .await
        .status,
        404
    );
    let update = app
        .call(
            Method::PUT,
            "/api/chunk/update",
            &app.owner_key,
            Some(&json!({"chunk_uuid": id, "chunk_html": "mine now"})),
        )
        .await;
    assert_eq!(update.status, 404);
    assert_eq!(
        app.count("SELECT count(*) FROM chunks WHERE content = 'secret'"),
        1
    );
}

#[actix_web::test]
async fn updates_keep_unsent_fields_and_move_updated_at() {
    let app = spawn_app().await;
    let created = app
        .create_chunk(
            &app.owner_key,
            json!({"chunk_html": "<p>old</p>", "link": "L", "metadata": {"a": 1}, "weight": 2}),
        )
        .await
        .body["chunk_metadata"]
        .clone();
    let id = created["id"].as_str().unwrap();
    let res = app
        .call(Method::PUT, "/api/chunk/update", &app.owner_key,
              Some(&json!({"chunk_uuid": id, "chunk_html": "<p>new</p>", "tracking_id": "now-tracked"})))
        .await;
    assert_eq!(res.status, 204);
    let after = app
        .get(&format!("/api/chunk/{id}"), &app.owner_key)
        .await
        .body;
    assert_eq!(after["content"], "new");
    assert_eq!(after["link"], "L");
    assert_eq!(after["metadata"], json!({"a": 1}));
    assert_eq!(after["weight"], 2.0);
    assert_eq!(after["tracking_id"], "now-tracked");
    assert!(after["updated_at"].as_str() > created["updated_at"].as_str());

    let res = app
        .call(
            Method::PUT,
            "/api/chunk/tracking_id/update",
            &app.owner_key,
            Some(&json!({"tracking_id": "now-tracked", "weight": 0.5, "metadata": {"b": 2}})),
        )
        .await;
    assert_eq!(res.status, 204);
    let after = app
        .get("/api/chunk/tracking_id/now-tracked", &app.owner_key)
        .await
        .body;
    assert_eq!(after["weight"], 0.5);
    assert_eq!(after["metadata"], json!({"b": 2}));
    assert_eq!(after["content"], "new");
}

#[actix_web::test]
async fn deleting_by_id_and_by_tracking_id() {
    let app = spawn_app().await;
    let a = app
        .create_chunk(&app.owner_key, json!({"chunk_html": "a"}))
        .await;
    app.create_chunk(
        &app.owner_key,
        json!({"chunk_html": "b", "tracking_id": "b"}),
    )
    .await;
    let id = a.body["chunk_metadata"]["id"].as_str().unwrap();
    assert_eq!(
        app.call(
            Method::DELETE,
            &format!("/api/chunk/{id}"),
            &app.owner_key,
            None
        )
        .await
        .status,
        204
    );
    assert_eq!(
        app.call(
            Method::DELETE,
            "/api/chunk/tracking_id/b",
            &app.owner_key,
            None
        )
        .await
        .status,
        204
    );
    assert_eq!(
        app.get(&format!("/api/chunk/{id}"), &app.owner_key)
            .await
            .status,
        404
    );
    assert_eq!(app.count("SELECT count(*) FROM chunks"), 0);
    let page = app
        .get(&format!("/api/user/{}/1", app.owner_id), &app.owner_key)
        .await;
    assert_eq!(page.body["total_chunks_created"], 0);
}

#[actix_web::test]
async fn writing_needs_an_admin_and_a_read_write_key_reading_needs_membership() {
    let app = spawn_app().await;
    let user = app.add_member("user@example.com", Role::User).await;
    let admin = app.add_member("admin@example.com", Role::Admin).await;
    let read_only = app.insert_key(&admin.id, 0, None).await;
    let body = json!({"chunk_html": "x", "tracking_id": "x"});
    assert_eq!(app.create_chunk(&user.key, body.clone()).await.status, 403);
    assert_eq!(app.create_chunk(&read_only, body.clone()).await.status, 403);
    assert_eq!(app.create_chunk(&admin.key, body.clone()).await.status, 200);
    assert_eq!(
        app.get("/api/chunk/tracking_id/x", &user.key).await.status,
        200
    );
    assert_eq!(
        app.call(Method::DELETE, "/api/chunk/tracking_id/x", &user.key, None)
            .await
            .status,
        403
    );
    assert_eq!(app.count("SELECT count(*) FROM chunks"), 1);
}

#[actix_web::test]
async fn a_file_uuid_must_name_a_file_of_the_dataset() {
    let app = spawn_app().await;
    let missing = app
        .create_chunk(
            &app.owner_key,
            json!({"chunk_html": "x", "file_uuid": "00000000-0000-4000-8000-000000000000"}),
        )
        .await;
    assert_eq!(missing.status, 404);
    let file_id = app
        .insert_file(&app.dataset_id, &app.owner_id, "f.txt", b"f")
        .await;
    let linked = app
        .create_chunk(
            &app.owner_key,
            json!({"chunk_html": "x", "file_uuid": file_id}),
        )
        .await;
    assert_eq!(linked.status, 200);
    let page = app
        .get(&format!("/api/user/{}/1", app.owner_id), &app.owner_key)
        .await;
    assert_eq!(page.body["chunks"][0]["file_id"], file_id.as_str());
    assert_eq!(page.body["chunks"][0]["file_name"], "f.txt");
}
