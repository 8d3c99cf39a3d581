//! Full-text search and recommendations: every rule of docs/api.md's "Search", through HTTP.

use actix_web::http::Method;
use serde_json::{json, Value};
use trieve_lite::db::chunks::ChunkRow;
use trieve_lite::db::chunks::{delete_chunk_row, insert_chunk, write_chunk, NewChunk};
use trieve_lite::domain::error::AppError;
use trieve_lite::types::ids::{DatasetId, UserId};
use trieve_lite::types::roles::Role;
use uuid::Uuid;

use crate::helpers::{spawn_app, Response, TestApp};

/// Create chunks in the default dataset as the owner; returns their ids.
async fn chunks(app: &TestApp, bodies: &[Value]) -> Vec<String> {
    let mut ids = Vec::new();
    for body in bodies {
        let res = app.create_chunk(&app.owner_key, body.clone()).await;
        assert_eq!(res.status, 200, "{}", res.body);
        ids.push(
            res.body["chunk_metadata"]["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    ids
}

async fn search(app: &TestApp, key: &str, body: Value) -> Response {
    app.call(Method::POST, "/api/chunk/search", key, Some(&body))
        .await
}

/// The `content` of each result, best first.
async fn found(app: &TestApp, query: &str) -> Vec<String> {
    let res = search(
        app,
        &app.owner_key,
        json!({"query": query, "search_type": "fulltext"}),
    )
    .await;
    assert_eq!(res.status, 200, "{query}: {}", res.body);
    contents(&res)
}

fn contents(res: &Response) -> Vec<String> {
    res.body["score_chunks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|hit| hit["metadata"][0]["content"].as_str().unwrap().to_string())
        .collect()
}

fn html(text: &str) -> Value {
    json!({"chunk_html": format!("<p>{text}</p>")})
}

#[actix_web::test]
async fn every_word_must_match_the_last_as_a_prefix_else_any_word() {
    let app = spawn_app().await;
    chunks(
        &app,
        &[html("fish and chips"), html("fish soup"), html("apple pie")],
    )
    .await;
    assert_eq!(found(&app, "fish chips").await, ["fish and chips"]);
    assert_eq!(
        found(&app, "fish chi").await,
        ["fish and chips"],
        "search as you type"
    );
    // A finished word is no prefix: no chunk has "chi", so any word will do.
    assert_eq!(found(&app, "fish chi ").await.len(), 2);
    let any = found(&app, "apple chips").await;
    assert_eq!(any.len(), 2, "no chunk has both: either will do ({any:?})");
}

#[actix_web::test]
async fn a_word_being_typed_that_is_already_a_word_matches_itself_only() {
    let app = spawn_app().await;
    chunks(&app, &[html("a cat"), html("a catalogue"), html("a dog")]).await;
    assert_eq!(
        found(&app, "cat").await,
        ["a cat"],
        "cat is a word: no prefix"
    );
    assert_eq!(found(&app, "cata").await, ["a catalogue"], "cata is not");
    assert!(
        found(&app, "ca").await.is_empty(),
        "two letters are too few for a prefix"
    );
}

#[actix_web::test]
async fn phrases_and_exclusions() {
    let app = spawn_app().await;
    chunks(
        &app,
        &[
            html("fresh fish daily"),
            html("fish, fresh daily"),
            html("fresh fish with vinegar"),
        ],
    )
    .await;
    let mut phrase = found(&app, "\"fresh fish\"").await;
    phrase.sort();
    assert_eq!(phrase, ["fresh fish daily", "fresh fish with vinegar"]);
    assert_eq!(
        found(&app, "\"fresh fish\" -vinegar").await,
        ["fresh fish daily"]
    );
    assert_eq!(
        found(&app, "fish -\"with vinegar\" -\"fresh fish\"").await,
        ["fish, fresh daily"]
    );
}

#[actix_web::test]
async fn case_diacritics_and_english_endings_do_not_matter() {
    let app = spawn_app().await;
    chunks(
        &app,
        &[html("The CAFÉ serves runners"), html("Naïve résumé")],
    )
    .await;
    assert_eq!(found(&app, "cafe").await, ["The CAFÉ serves runners"]);
    assert_eq!(
        found(&app, "Café RUNNER serving").await,
        ["The CAFÉ serves runners"]
    );
    assert_eq!(found(&app, "naive resume").await, ["Naïve résumé"]);
    assert_eq!(found(&app, "résumés").await, ["Naïve résumé"]);
}

#[actix_web::test]
async fn a_word_that_matches_nothing_is_corrected_to_the_datasets_nearest_words() {
    let app = spawn_app().await;
    chunks(
        &app,
        &[
            html("receive the parcel"),
            html("accommodation nearby"),
            html("the cat sat"),
            html("a grand appearance"),
        ],
    )
    .await;
    for (query, expected, why) in [
        ("recieve ", "receive the parcel", "one typo from 5 letters"),
        (
            "xeceive ",
            "receive the parcel",
            "a typo in the first letter",
        ),
        (
            "appearancx ",
            "a grand appearance",
            "a typo in an ending the stemmer cuts",
        ),
        ("acomodation ", "accommodation nearby", "two from 9"),
    ] {
        assert_eq!(found(&app, query).await, [expected], "{why}");
    }
    assert!(
        found(&app, "reciave ").await.is_empty(),
        "two typos in 7 letters are too many"
    );
    assert!(
        found(&app, "cst ").await.is_empty(),
        "no typo under 5 letters"
    );
}

#[actix_web::test]
async fn filters_narrow_the_matches_before_ranking_and_paging() {
    let app = spawn_app().await;
    chunks(
        &app,
        &[
            json!({"chunk_html": "<p>fish one</p>", "tag_set": "Sea, Food", "link": "https://a.example",
                   "metadata": {"lang": "EN", "stars": 5}, "time_stamp": "2026-01-10T00:00:00"}),
            json!({"chunk_html": "<p>fish two</p>", "tag_set": "seafood", "link": "https://b.example",
                   "metadata": {"lang": "fr", "stars": 3}, "time_stamp": "2026-03-10T00:00:00"}),
            json!({"chunk_html": "<p>fish three</p>"}),
        ],
    )
    .await;
    let with = |filter: Value| {
        let mut body = json!({"query": "fish", "search_type": "fulltext"});
        body.as_object_mut()
            .unwrap()
            .extend(filter.as_object().unwrap().clone());
        let app = &app;
        async move {
            let res = search(app, &app.owner_key, body).await;
            assert_eq!(res.status, 200, "{}", res.body);
            let mut found = contents(&res);
            found.sort();
            (found, res.body["total_chunk_pages"].as_i64().unwrap())
        }
    };
    assert_eq!(
        with(json!({"tag_set": ["food"]})).await.0,
        ["fish one"],
        "whole tags, any case"
    );
    assert_eq!(
        with(json!({"link": ["https://b.example"]})).await.0,
        ["fish two"]
    );
    assert_eq!(
        with(json!({"filters": {"lang": "en"}})).await.0,
        ["fish one"]
    );
    assert_eq!(
        with(json!({"filters": {"stars": [3, 4]}})).await.0,
        ["fish two"]
    );
    assert_eq!(
        with(json!({"filters": {"lang": "en", "stars": 3}})).await,
        (vec![], 0)
    );
    assert_eq!(
        with(json!({"time_range": ["2026-02-01T00:00:00", null]}))
            .await
            .0,
        ["fish two"]
    );
    assert_eq!(
        with(json!({"time_range": ["null", "2026-02-01T00:00:00Z"]}))
            .await
            .0,
        ["fish one"]
    );
    // What the 1.0.0 client sends for "not given".
    let (all, pages) = with(json!({"time_range": [{}, {}], "weights": [{}, {}]})).await;
    assert_eq!((all.len(), pages), (3, 1));
    let bad = search(
        &app,
        &app.owner_key,
        json!({"query": "fish", "search_type": "fulltext", "time_range": ["soon", null]}),
    )
    .await;
    assert_eq!(
        (bad.status, bad.body["field"].as_str()),
        (400, Some("time_range"))
    );
    let bad = search(
        &app,
        &app.owner_key,
        json!({"query": "fish", "search_type": "fulltext", "filters": [1]}),
    )
    .await;
    assert_eq!(
        (bad.status, bad.body["field"].as_str()),
        (400, Some("filters"))
    );
}

#[actix_web::test]
async fn pages_hold_ten_count_every_match_and_zero_is_the_first() {
    let app = spawn_app().await;
    let bodies: Vec<Value> = (0..23).map(|i| html(&format!("fish number {i}"))).collect();
    chunks(&app, &bodies).await;
    let page = |page: Value| {
        let app = &app;
        async move {
            let res = search(
                app,
                &app.owner_key,
                json!({"query": "fish", "search_type": "fulltext", "page": page}),
            )
            .await;
            assert_eq!(res.status, 200, "{}", res.body);
            (
                contents(&res),
                res.body["total_chunk_pages"].as_i64().unwrap(),
            )
        }
    };
    let (first, pages) = page(json!(1)).await;
    assert_eq!((first.len(), pages), (10, 3));
    assert_eq!(page(json!(0)).await.0, first);
    assert_eq!(page(Value::Null).await.0, first);
    let (third, _) = page(json!(3)).await;
    assert_eq!(third.len(), 3);
    assert!(page(json!(4)).await.0.is_empty());
    let mut all: Vec<String> = Vec::new();
    for number in 1..=3 {
        all.extend(page(json!(number)).await.0);
    }
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 23, "every match on exactly one page");
}

#[actix_web::test]
async fn scores_are_positive_best_first_and_weighted() {
    let app = spawn_app().await;
    // Other chunks, so that "fish" is a rare word and its BM25 is clearly positive.
    let filler: Vec<Value> = (0..20).map(|i| html(&format!("filler text {i}"))).collect();
    chunks(&app, &filler).await;
    chunks(
        &app,
        &[
            json!({"chunk_html": "<p>fish</p>", "weight": 1.0}),
            json!({"chunk_html": "<p>fish too</p>", "weight": 5.0}),
        ],
    )
    .await;
    let res = search(
        &app,
        &app.owner_key,
        json!({"query": "fish", "search_type": "fulltext"}),
    )
    .await;
    let hits = res.body["score_chunks"].as_array().unwrap();
    assert_eq!(
        contents(&res),
        ["fish too", "fish"],
        "weight 5 outranks a shorter match"
    );
    let scores: Vec<f64> = hits
        .iter()
        .map(|hit| hit["score"].as_f64().unwrap())
        .collect();
    assert!(scores[0] > scores[1] && scores[1] > 0.0, "{scores:?}");
}

#[actix_web::test]
async fn date_bias_favours_recent_chunks() {
    let app = spawn_app().await;
    let filler: Vec<Value> = (0..10).map(|i| html(&format!("filler {i}"))).collect();
    chunks(&app, &filler).await;
    chunks(
        &app,
        &[
            json!({"chunk_html": "<p>fish old</p>", "time_stamp": "2000-01-01T00:00:00"}),
            json!({"chunk_html": "<p>fish new</p>", "time_stamp": "2026-11-28T00:00:00"}),
        ],
    )
    .await;
    let biased = search(
        &app,
        &app.owner_key,
        json!({"query": "fish", "search_type": "fulltext", "date_bias": true}),
    )
    .await;
    assert_eq!(contents(&biased), ["fish new", "fish old"]);
}

#[actix_web::test]
async fn matched_words_are_bold_in_text_only_and_content_is_unchanged() {
    let app = spawn_app().await;
    chunks(&app, &[json!({"chunk_html": r#"<a title="fish" href="/fish">Fishing</a> &amp; fish<!-- fish -->"#})]).await;
    let res = search(
        &app,
        &app.owner_key,
        json!({"query": "fishing", "search_type": "fulltext"}),
    )
    .await;
    let hit = &res.body["score_chunks"][0]["metadata"][0];
    assert_eq!(
        hit["chunk_html"],
        r#"<a title="fish" href="/fish"><b>Fishing</b></a> &amp; <b>fish</b><!-- fish -->"#
    );
    assert_eq!(hit["content"], "Fishing & fish");
}

#[actix_web::test]
async fn a_word_written_with_a_reference_is_found_with_or_without_its_accent_and_bold() {
    let app = spawn_app().await;
    chunks(
        &app,
        &[html("Le caf&eacute; du coin"), html("un th&eacute;")],
    )
    .await;
    for query in ["café", "cafe"] {
        let res = search(
            &app,
            &app.owner_key,
            json!({"query": query, "search_type": "fulltext"}),
        )
        .await;
        assert_eq!(contents(&res), ["Le café du coin"], "{query}");
        assert_eq!(
            res.body["score_chunks"][0]["metadata"][0]["chunk_html"],
            "<p>Le <b>caf&eacute;</b> du coin</p>",
            "{query}"
        );
    }
}

#[actix_web::test]
async fn any_query_text_is_a_search_or_a_clear_400() {
    let app = spawn_app().await;
    chunks(&app, &[html("what's new in foo-bar? a:b AND or NOT near")]).await;
    for query in [
        "what's new?",
        "foo-bar",
        "a:b",
        "AND OR NOT",
        "NEAR(",
        "\"unclosed",
        "x*",
        "^a",
    ] {
        let res = search(
            &app,
            &app.owner_key,
            json!({"query": query, "search_type": "fulltext"}),
        )
        .await;
        assert_eq!(res.status, 200, "{query}: {}", res.body);
    }
    assert_eq!(found(&app, "foo-bar").await.len(), 1);
    for query in ["\"", "*", "-", "-new", "   ", "(", "()", "\"\""] {
        let res = search(
            &app,
            &app.owner_key,
            json!({"query": query, "search_type": "fulltext"}),
        )
        .await;
        assert_eq!(
            (res.status, res.body["field"].as_str()),
            (400, Some("query")),
            "{query}"
        );
    }
    let long = "a".repeat(1001);
    let res = search(
        &app,
        &app.owner_key,
        json!({"query": long, "search_type": "fulltext"}),
    )
    .await;
    assert_eq!(res.status, 400);
}

#[actix_web::test]
async fn semantic_and_hybrid_need_an_embedding_server_and_other_types_are_refused() {
    let app = spawn_app().await;
    for search_type in ["semantic", "hybrid"] {
        let res = search(
            &app,
            &app.owner_key,
            json!({"query": "x", "search_type": search_type}),
        )
        .await;
        assert_eq!(res.status, 400);
        let message = res.body["message"].as_str().unwrap();
        assert!(
            message.contains("fulltext") && message.contains("--embedding-url"),
            "{}",
            res.body
        );
    }
    let res = search(
        &app,
        &app.owner_key,
        json!({"query": "x", "search_type": "keyword"}),
    )
    .await;
    assert_eq!(
        (res.status, res.body["field"].as_str()),
        (400, Some("search_type"))
    );
    let res = search(
        &app,
        &app.owner_key,
        json!({"query": "x", "search_type": "fulltext", "page": -1}),
    )
    .await;
    assert_eq!(
        (res.status, res.body["field"].as_str()),
        (400, Some("page"))
    );
}

/// The index's per-dataset sizes agree with its rows: chunks, terms and weighted chunks.
fn assert_sizes_match_the_index(app: &TestApp) {
    for (kept, counted) in [
        ("chunks", "count(*)"),
        ("terms", "sum(length)"),
        ("weighted", "sum(weight <> 1.0)"),
    ] {
        assert_eq!(
            app.count(&format!(
                "SELECT coalesce(sum({kept}), 0) FROM search_sizes"
            )),
            app.count(&format!("SELECT coalesce({counted}, 0) FROM chunks_fts")),
            "{kept}"
        );
    }
}

#[actix_web::test]
async fn the_index_follows_every_write() {
    let app = spawn_app().await;
    let ids = chunks(
        &app,
        &[json!({"chunk_html": "<p>alpha</p>", "tracking_id": "t", "weight": 2.0})],
    )
    .await;
    assert_sizes_match_the_index(&app);
    let update = json!({"chunk_uuid": ids[0], "chunk_html": "<p>beta gamma</p>", "weight": 1.0});
    assert_eq!(
        app.call(
            Method::PUT,
            "/api/chunk/update",
            &app.owner_key,
            Some(&update)
        )
        .await
        .status,
        204
    );
    assert!(found(&app, "alpha ").await.is_empty());
    assert_eq!(found(&app, "beta").await, ["beta gamma"]);
    assert_sizes_match_the_index(&app);
    let by_tracking = json!({"tracking_id": "t", "chunk_html": "<p>gamma</p>"});
    app.call(
        Method::PUT,
        "/api/chunk/tracking_id/update",
        &app.owner_key,
        Some(&by_tracking),
    )
    .await;
    assert_eq!(found(&app, "gamma").await, ["gamma"]);
    assert_sizes_match_the_index(&app);
    app.call(
        Method::DELETE,
        &format!("/api/chunk/{}", ids[0]),
        &app.owner_key,
        None,
    )
    .await;
    assert!(found(&app, "gamma").await.is_empty());
    assert_sizes_match_the_index(&app);

    // An upload's chunks are found, and leave the index with their file.
    let upload = json!({"base64_file": "ZGVsdGEgZXBzaWxvbg", "file_name": "d.txt", "file_mime_type": "text/plain"});
    let res = app
        .call(Method::POST, "/api/file", &app.owner_key, Some(&upload))
        .await;
    let file_id = res.body["file_metadata"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(found(&app, "epsilon").await, ["delta epsilon"]);
    app.call(
        Method::DELETE,
        &format!("/api/file/{file_id}?delete_chunks=true"),
        &app.owner_key,
        None,
    )
    .await;
    assert!(found(&app, "epsilon").await.is_empty());
    assert_eq!(app.count("SELECT count(*) FROM chunks_fts"), 0);
    assert_sizes_match_the_index(&app);
}

#[actix_web::test]
async fn a_dataset_ranks_as_it_would_alone() {
    let app = spawn_app().await;
    chunks(
        &app,
        &[
            html("fish and chips"),
            html("fish soup with fish"),
            html("chips alone"),
        ],
    )
    .await;
    let scores = |res: &Response| -> Vec<(String, f64)> {
        contents(res)
            .into_iter()
            .zip(res.body["score_chunks"].as_array().unwrap())
            .map(|(content, hit)| (content, hit["score"].as_f64().unwrap()))
            .collect()
    };
    let query = json!({"query": "fish chips", "search_type": "fulltext"});
    let alone = scores(&search(&app, &app.owner_key, query.clone()).await);
    assert_eq!(alone.len(), 1);

    // Another organization's dataset, bigger, with the same words in other proportions.
    let (_, other_dataset, other_owner) =
        app.add_organization("other", "owner@other.example").await;
    for i in 0..30 {
        let body = html(&format!("fish {i} and more fish, chips {}", "x ".repeat(i)));
        let res = app
            .send(
                Method::POST,
                "/api/chunk",
                &[
                    ("Authorization", &other_owner.key),
                    ("TR-Dataset", &other_dataset),
                ],
                Some(&body),
            )
            .await;
        assert_eq!(res.status, 200);
    }
    let beside = scores(&search(&app, &app.owner_key, query).await);
    assert_eq!(beside, alone, "the same scores, to the last digit");
}

#[actix_web::test]
async fn readers_search_other_organizations_are_refused_and_datasets_stay_apart() {
    let app = spawn_app().await;
    chunks(&app, &[html("shared word here")]).await;
    let (_, other_dataset, other_owner) =
        app.add_organization("other", "owner@other.example").await;
    let res = app
        .send(
            Method::POST,
            "/api/chunk",
            &[
                ("Authorization", &other_owner.key),
                ("TR-Dataset", &other_dataset),
            ],
            Some(&html("shared word there")),
        )
        .await;
    assert_eq!(res.status, 200);

    let member = app.add_member("member@example.com", Role::User).await;
    let read_only = app.insert_key(&app.owner_id, 0, None).await;
    for key in [&member.key, &read_only] {
        let res = search(
            &app,
            key,
            json!({"query": "shared word", "search_type": "fulltext"}),
        )
        .await;
        assert_eq!(res.status, 200);
        assert_eq!(
            contents(&res),
            ["shared word here"],
            "nothing of another dataset"
        );
    }
    let refused = search(
        &app,
        &other_owner.key,
        json!({"query": "shared", "search_type": "fulltext"}),
    )
    .await;
    assert_eq!(refused.status, 403);
}

#[actix_web::test]
async fn recommendations_share_the_positives_most_distinctive_words_without_them() {
    let app = spawn_app().await;
    let ids = chunks(
        &app,
        &[
            html("sourdough bread baking with a starter"),
            html("baking sourdough loaves at home"),
            html("a starter for sourdough"),
            html("the weather is nice today"),
            html("a chunk about nothing"),
        ],
    )
    .await;
    let recommend = |body: Value| {
        let app = &app;
        async move {
            app.call(
                Method::POST,
                "/api/chunk/recommend",
                &app.owner_key,
                Some(&body),
            )
            .await
        }
    };
    let res = recommend(json!({"positive_chunk_ids": [ids[0]]})).await;
    assert_eq!(res.status, 200, "{}", res.body);
    let found: Vec<&str> = res
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["content"].as_str().unwrap())
        .collect();
    assert!(found.len() >= 2, "{found:?}");
    assert!(
        found[..2].contains(&"baking sourdough loaves at home"),
        "{found:?}"
    );
    assert!(
        !found.contains(&"sourdough bread baking with a starter"),
        "the positive is excluded"
    );
    assert!(!found.contains(&"the weather is nice today"));

    assert_eq!(
        recommend(json!({"positive_chunk_ids": []})).await.status,
        400
    );
    let too_many: Vec<String> = (0..21).map(|_| ids[0].clone()).collect();
    assert_eq!(
        recommend(json!({"positive_chunk_ids": too_many}))
            .await
            .status,
        400
    );
    let bad = recommend(json!({"positive_chunk_ids": ["not-a-uuid"]})).await;
    assert_eq!(
        (bad.status, bad.body["field"].as_str()),
        (400, Some("positive_chunk_ids"))
    );
    let unknown = recommend(json!({"positive_chunk_ids": [uuid::Uuid::new_v4()]})).await;
    assert_eq!(unknown.status, 404);
}

#[actix_web::test]
async fn chunks_imported_around_the_server_are_found_and_counted_after_reindex() {
    let app = spawn_app().await;
    chunks(&app, &[html("served chunk")]).await;
    let (dataset, owner) = (app.dataset_id.clone(), app.owner_id.clone());
    app.write(move |conn| {
        conn.execute(
            "INSERT INTO chunks (id, dataset_id, author_id, content, created_at, updated_at)
             VALUES ('6f1e8c53-7a0b-4f3e-9d6c-1b2a3c4d5e6f', ?1, ?2, 'imported chunk',
                     '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
            [&dataset, &owner],
        )
        .unwrap();
        Ok(())
    })
    .await;
    assert!(found(&app, "imported").await.is_empty());
    assert_eq!(app.count("SELECT sum(n) FROM chunk_counts"), 1);

    // While the server runs.
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_trieve-lite"))
        .arg("--db")
        .arg(&app.db_path)
        .arg("reindex")
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("Indexed 2 chunks"));
    assert_eq!(found(&app, "imported").await, ["imported chunk"]);
    assert_eq!(found(&app, "served").await, ["served chunk"]);
    assert_eq!(app.count("SELECT sum(n) FROM chunk_counts"), 2);
    assert_sizes_match_the_index(&app);
}

#[actix_web::test]
async fn a_batch_indexes_each_chunk_as_the_batch_leaves_it() {
    let app = spawn_app().await;
    let dataset = DatasetId::from(Uuid::parse_str(&app.dataset_id).unwrap());
    let owner = UserId::from(Uuid::parse_str(&app.owner_id).unwrap());
    let new = move |text: &str| NewChunk::new(dataset, owner, text.into(), None);
    // One job of the writer: every index entry is held back to the end of its batch.
    app.write(move |conn| {
        let a = insert_chunk(conn, &new("alpha"))?;
        write_chunk(
            conn,
            &ChunkRow {
                content: "beta".into(),
                ..a
            },
            None,
        )?;
        let b = insert_chunk(conn, &new("gamma"))?;
        delete_chunk_row(conn, dataset, b.id)?;
        // b had the highest key: the next chunk is given it again.
        insert_chunk(conn, &new("delta"))?;
        Ok(())
    })
    .await;
    let failed = app
        .database
        .write(move |conn| {
            insert_chunk(conn, &new("epsilon"))?;
            Err::<(), AppError>(AppError::NotFound("rolled back".into()))
        })
        .await;
    assert!(failed.is_err());
    assert_eq!(
        app.count("SELECT pk FROM chunks WHERE content = 'delta'"),
        2,
        "the freed key was reused"
    );
    assert!(found(&app, "alpha ").await.is_empty());
    assert_eq!(found(&app, "beta ").await, ["beta"]);
    assert!(found(&app, "gamma ").await.is_empty());
    assert_eq!(found(&app, "delta ").await, ["delta"]);
    assert!(found(&app, "epsilon ").await.is_empty());
    assert_sizes_match_the_index(&app);
}

#[actix_web::test]
async fn a_caller_without_the_grant_hears_that_before_anything_about_the_body() {
    let app = spawn_app().await;
    let (_, _, outsider) = app.add_organization("elsewhere", "out@example.com").await;
    for body in [
        json!({"query": "", "search_type": "fulltext"}),
        json!({"query": "x", "search_type": "keyword"}),
        json!({"query": "x", "search_type": "semantic"}),
    ] {
        let unknown = search(&app, "tr-unknownunknownunknownunknown0000", body.clone()).await;
        assert_eq!(unknown.status, 401, "{body}: {}", unknown.body);
        let other = search(&app, &outsider.key, body.clone()).await;
        assert_eq!(other.status, 403, "{body}: {}", other.body);
        let member = search(&app, &app.owner_key, body.clone()).await;
        assert_eq!(member.status, 400, "{body}: {}", member.body);
    }
}
