//! Chunks' vectors sent by the client (`chunk_vector`): stored, checked, gone with their chunk,
//! and used by "more like this" (issue 12, the first part).

use actix_web::http::Method;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp};

async fn create(app: &TestApp, html: &str, vector: Option<Value>) -> Value {
    let mut body = json!({"chunk_html": html});
    if let Some(vector) = vector {
        body["chunk_vector"] = vector;
    }
    let res = app.create_chunk(&app.owner_key, body).await;
    assert_eq!(res.status, 200, "{}", res.body);
    res.body["chunk_metadata"].clone()
}

async fn recommend(app: &TestApp, positives: &[&Value]) -> Vec<String> {
    let ids: Vec<&Value> = positives.iter().map(|chunk| &chunk["id"]).collect();
    let res = app
        .call(
            Method::POST,
            "/api/chunk/recommend",
            &app.owner_key,
            Some(&json!({ "positive_chunk_ids": ids })),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    res.body
        .as_array()
        .unwrap()
        .iter()
        .map(|chunk| chunk["content"].as_str().unwrap().to_string())
        .collect()
}

#[actix_web::test]
async fn a_chunks_vector_is_stored_checked_and_gives_it_a_point_id() {
    let app = spawn_app().await;
    let plain = create(&app, "<p>no vector</p>", None).await;
    assert_eq!(
        plain["qdrant_point_id"],
        "00000000-0000-0000-0000-000000000000"
    );
    let east = create(&app, "<p>east</p>", Some(json!([1.0, 0.0, 0.0]))).await;
    assert_eq!(
        east["qdrant_point_id"], east["id"],
        "the vector's id is the chunk's"
    );
    let read = app
        .get(
            &format!("/api/chunk/{}", east["id"].as_str().unwrap()),
            &app.owner_key,
        )
        .await;
    assert_eq!(read.body["qdrant_point_id"], east["id"]);

    // Every vector of a dataset has the first one's length; nothing is stored otherwise.
    let wrong = app
        .create_chunk(
            &app.owner_key,
            json!({"chunk_html": "<p>x</p>", "chunk_vector": [1.0, 2.0]}),
        )
        .await;
    assert_eq!(wrong.status, 400);
    assert_eq!(wrong.body["field"], "chunk_vector");
    let message = wrong.body["message"].as_str().unwrap();
    assert!(message.contains('2') && message.contains('3'), "{message}");
    for bad in [
        json!([]),
        json!([0.0, 0.0, 0.0]),
        json!([1e300, 0.0, 0.0]),
        json!(["a"]),
    ] {
        let refused = app
            .create_chunk(
                &app.owner_key,
                json!({"chunk_html": "<p>x</p>", "chunk_vector": bad}),
            )
            .await;
        assert_eq!(refused.status, 400, "{bad}: {}", refused.body);
    }
    assert_eq!(
        app.count("SELECT count(*) FROM chunks WHERE content = 'x'"),
        0
    );
    assert_eq!(app.count("SELECT count(*) FROM chunk_vectors"), 1);

    // An update may give a chunk a vector; deleting the chunk deletes its vector.
    let updated = app
        .call(
            Method::PUT,
            "/api/chunk/update",
            &app.owner_key,
            Some(&json!({"chunk_uuid": plain["id"], "chunk_vector": [0.0, 1.0, 0.0]})),
        )
        .await;
    assert_eq!(updated.status, 204, "{}", updated.body);
    assert_eq!(app.count("SELECT count(*) FROM chunk_vectors"), 2);
    let deleted = app
        .call(
            Method::DELETE,
            &format!("/api/chunk/{}", east["id"].as_str().unwrap()),
            &app.owner_key,
            None,
        )
        .await;
    assert_eq!(deleted.status, 204);
    assert_eq!(app.count("SELECT count(*) FROM chunk_vectors"), 1);
}

#[actix_web::test]
async fn more_like_this_follows_the_positives_vectors() {
    let app = spawn_app().await;
    // The words would say "fish"; the vectors say north-east.
    let positive = create(&app, "<p>fish soup</p>", Some(json!([1.0, 1.0]))).await;
    create(&app, "<p>fish pie</p>", Some(json!([-1.0, 0.0]))).await;
    create(&app, "<p>bicycle</p>", Some(json!([0.9, 1.0]))).await;
    create(&app, "<p>tractor</p>", Some(json!([1.0, 0.2]))).await;
    create(&app, "<p>fish cakes, no vector</p>", None).await;
    let found = recommend(&app, &[&positive]).await;
    assert_eq!(
        found,
        ["bicycle", "tractor", "fish pie"],
        "nearest first, positive excluded"
    );
    // Without vectors, the words decide.
    let words = create(&app, "<p>fish fish fish</p>", None).await;
    let by_words = recommend(&app, &[&words]).await;
    assert!(
        by_words.iter().all(|content| content.contains("fish")),
        "{by_words:?}"
    );
}
