//! `POST /api/chunk` with an array (Trieve's later batch form) and `upsert_by_tracking_id`.

use serde_json::{json, Value};

use crate::helpers::spawn_app;

fn chunks(range: std::ops::Range<usize>) -> Vec<Value> {
    range
        .map(|i| json!({"chunk_html": format!("<p>batch fish {i}</p>"), "tracking_id": format!("b-{i}")}))
        .collect()
}

#[actix_web::test]
async fn a_batch_is_created_in_order_and_answered_as_trieve_batches_are() {
    let app = spawn_app().await;
    let res = app
        .create_chunk(&app.owner_key, json!(chunks(0..120)))
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["pos_in_queue"], 0);
    let created = res.body["chunk_metadata"].as_array().unwrap();
    assert_eq!(created.len(), 120);
    assert_eq!(created[7]["tracking_id"], "b-7");
    assert_eq!(created[7]["content"], "batch fish 7");
    assert_eq!(app.count("SELECT count(*) FROM chunks"), 120);
    // Searchable at once, like a single chunk.
    let search = json!({"query": "fish", "search_type": "fulltext"});
    let found = app
        .call(
            actix_web::http::Method::POST,
            "/api/chunk/search",
            &app.owner_key,
            Some(&search),
        )
        .await;
    assert_eq!(found.body["total_chunk_pages"], 12);

    for (body, status) in [(json!([]), 400), (json!(chunks(200..321)), 400)] {
        let res = app.create_chunk(&app.owner_key, body).await;
        assert_eq!(res.status, status, "{}", res.body);
        assert!(res.body["message"].as_str().unwrap().contains("1 to 120"));
    }
    assert_eq!(app.count("SELECT count(*) FROM chunks"), 120);
}

#[actix_web::test]
async fn a_batch_with_one_bad_chunk_stores_none_and_names_it() {
    let app = spawn_app().await;
    let mut batch = chunks(0..5);
    batch[3]["time_stamp"] = json!("yesterday");
    let res = app.create_chunk(&app.owner_key, json!(batch)).await;
    assert_eq!(res.status, 400);
    assert_eq!(res.body["field"], "[3].time_stamp");
    assert!(res.body["message"]
        .as_str()
        .unwrap()
        .starts_with("Item 3: "));

    // A tracking id twice, without upsert: 409, and the first is not kept either.
    let mut batch = chunks(0..3);
    batch[2]["tracking_id"] = json!("b-0");
    let res = app.create_chunk(&app.owner_key, json!(batch)).await;
    assert_eq!(
        (res.status, res.body["field"].as_str()),
        (409, Some("[2].tracking_id"))
    );
    // A wrong type is named by its place in the array.
    let res = app
        .create_chunk(
            &app.owner_key,
            json!([{"chunk_html": "x"}, {"weight": "heavy"}]),
        )
        .await;
    assert_eq!(
        (res.status, res.body["field"].as_str()),
        (400, Some("[1].weight"))
    );
    assert_eq!(app.count("SELECT count(*) FROM chunks"), 0);
    assert_eq!(app.count("SELECT count(*) FROM chunks_fts"), 0);
}

#[actix_web::test]
async fn upsert_by_tracking_id_replaces_the_chunk_instead_of_a_conflict() {
    let app = spawn_app().await;
    let first = json!({"chunk_html": "<p>old words</p>", "tracking_id": "t-1",
                       "tag_set": "old", "link": "https://old.example", "weight": 3,
                       "chunk_vector": [1.0, 0.0]});
    let created = app.create_chunk(&app.owner_key, first).await;
    assert_eq!(created.status, 200);
    let id = created.body["chunk_metadata"]["id"]
        .as_str()
        .unwrap()
        .to_string();

    let again = json!({"chunk_html": "<p>new words</p>", "tracking_id": "t-1"});
    assert_eq!(
        app.create_chunk(&app.owner_key, again.clone()).await.status,
        409
    );

    let mut upsert = again.clone();
    upsert["upsert_by_tracking_id"] = json!(true);
    upsert["tag_set"] = json!("new");
    let res = app
        .create_chunk(
            &app.owner_key,
            json!([upsert, {"chunk_html": "<p>other</p>",
            "tracking_id": "t-2", "upsert_by_tracking_id": true}]),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let replaced = &res.body["chunk_metadata"][0];
    assert_eq!(replaced["id"], id.as_str());
    assert_eq!(
        (replaced["content"].as_str(), replaced["tag_set"].as_str()),
        (Some("new words"), Some("new"))
    );
    assert_eq!(
        (replaced["link"].clone(), replaced["weight"].clone()),
        (Value::Null, json!(1.0))
    );
    assert_eq!(app.count("SELECT count(*) FROM chunks"), 2);
    // The text changed: the old vector went with it, and the index holds the new words only.
    assert_eq!(app.count("SELECT count(*) FROM chunk_vectors"), 0);
    let stored = app.get(&format!("/api/chunk/{id}"), &app.owner_key).await;
    assert_eq!(stored.body["tag_set"], "new");
    for (query, pages) in [("old", 0), ("new", 1)] {
        let search = json!({"query": query, "search_type": "fulltext"});
        let found = app
            .call(
                actix_web::http::Method::POST,
                "/api/chunk/search",
                &app.owner_key,
                Some(&search),
            )
            .await;
        assert_eq!(found.body["total_chunk_pages"], pages, "{query}");
    }
}

#[actix_web::test]
async fn a_batch_body_may_exceed_the_json_limit_and_one_chunk_may_not() {
    let app = spawn_app().await;
    // About 2 MiB of text over 20 chunks: over the 1 MiB JSON limit, within a batch's.
    let text = "word ".repeat(20_000);
    let batch: Vec<Value> = (0..20)
        .map(|i| json!({"chunk_html": text, "tracking_id": format!("big-{i}")}))
        .collect();
    let res = app.create_chunk(&app.owner_key, json!(batch)).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(app.count("SELECT count(*) FROM chunks"), 20);
}

#[actix_web::test]
async fn one_chunk_over_the_json_limit_is_refused() {
    let app = spawn_app().await;
    let text = "word ".repeat(250_000);
    let res = app
        .create_chunk(&app.owner_key, json!({"chunk_html": text}))
        .await;
    assert_eq!(res.status, 413, "{}", res.body);
    assert_eq!(app.count("SELECT count(*) FROM chunks"), 0);
}
