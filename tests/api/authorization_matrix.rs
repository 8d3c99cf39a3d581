//! Every route × every kind of caller, with the status each must get. A route registered in
//! src/http/routes without a row here fails `every_registered_route_has_a_row`.

use std::collections::BTreeSet;

use actix_web::http::Method;
use serde_json::{json, Value};
use trieve_lite::types::roles::Role;

use crate::helpers::{id, spawn_app_with, TestApp};
use trieve_lite::db::chunks::NewChunk;
use trieve_lite::types::fields::{Name, TrackingId};

/// The callers, in the order of each row's expected statuses.
const CALLERS: [&str; 9] = [
    "no key",
    "malformed key",
    "revoked key",
    "expired key",
    "read-only key",
    "member",
    "admin",
    "owner",
    "other organization's owner",
];

/// The status every caller gets from the admin page's assets, which are listed in
/// `admin::asset_paths` and get no rows of their own.
const ANYONE: [u16; 9] = [200; 9];

/// (method, route as registered, expected status for each of CALLERS), for every API route.
const MATRIX: &[(&str, &str, [u16; 9])] = &[
    (
        "GET",
        "/api/health",
        [200, 200, 200, 200, 200, 200, 200, 200, 200],
    ),
    (
        "GET",
        "/metrics",
        [401, 401, 401, 401, 200, 403, 403, 200, 403],
    ),
    // API keys are not sessions: signing out is always done.
    ("DELETE", "/api/auth", [204; 9]),
    // Not offered, whoever asks: OIDC sign-in, billing, e-mail invitations.
    ("GET", "/api/auth", [501; 9]),
    ("GET", "/api/auth/callback", [501; 9]),
    (
        "DELETE",
        "/api/stripe/subscription/{subscription_id}",
        [501; 9],
    ),
    (
        "GET",
        "/api/stripe/payment_link/{plan_id}/{organization_id}",
        [501; 9],
    ),
    ("GET", "/api/stripe/plans", [501; 9]),
    (
        "PATCH",
        "/api/stripe/subscription_plan/{subscription_id}/{plan_id}",
        [501; 9],
    ),
    ("POST", "/api/invitation", [501; 9]),
    (
        "GET",
        "/api/auth/me",
        [401, 401, 401, 401, 200, 200, 200, 200, 200],
    ),
    (
        "GET",
        "/api/embedding",
        [401, 401, 401, 401, 200, 200, 200, 200, 200],
    ),
    (
        "GET",
        "/api/user/get_api_key",
        [401, 401, 401, 401, 200, 200, 200, 200, 200],
    ),
    (
        "POST",
        "/api/user/set_api_key",
        [401, 401, 401, 401, 403, 200, 200, 200, 200],
    ),
    (
        "DELETE",
        "/api/user/delete_api_key",
        [401, 401, 401, 401, 403, 404, 404, 404, 404],
    ),
    (
        "PUT",
        "/api/user",
        [401, 401, 401, 401, 403, 403, 200, 200, 403],
    ),
    (
        "GET",
        "/api/user/{user_id}/{page}",
        [401, 401, 401, 401, 200, 200, 200, 200, 403],
    ),
    (
        "GET",
        "/api/user/files/{user_id}",
        [401, 401, 401, 401, 200, 200, 200, 200, 403],
    ),
    (
        "POST",
        "/api/chunk",
        [401, 401, 401, 401, 403, 403, 200, 200, 403],
    ),
    // Any member makes and reads collections; its author (here the owner), an admin or an
    // owner changes one.
    (
        "POST",
        "/api/chunk_collection",
        [401, 401, 401, 401, 403, 200, 200, 200, 403],
    ),
    (
        "PUT",
        "/api/chunk_collection",
        [401, 401, 401, 401, 403, 403, 204, 204, 403],
    ),
    (
        "POST",
        "/api/chunk_collection/bookmark",
        [401, 401, 401, 401, 200, 200, 200, 200, 403],
    ),
    (
        "POST",
        "/api/chunk_collection/search",
        [401, 401, 401, 401, 200, 200, 200, 200, 403],
    ),
    (
        "GET",
        "/api/chunk_collection/{collection_id}",
        [401, 401, 401, 401, 200, 200, 200, 200, 403],
    ),
    (
        "POST",
        "/api/chunk_collection/{collection_id}",
        [401, 401, 401, 401, 403, 403, 204, 204, 403],
    ),
    (
        "DELETE",
        "/api/chunk_collection/{collection_id}",
        [401, 401, 401, 401, 403, 403, 204, 204, 403],
    ),
    (
        "GET",
        "/api/chunk_collection/{collection_id}/{page}",
        [401, 401, 401, 401, 200, 200, 200, 200, 403],
    ),
    (
        "DELETE",
        "/api/bookmark/{collection_id}/{bookmark_id}",
        [401, 401, 401, 401, 403, 403, 204, 204, 403],
    ),
    (
        "GET",
        "/api/user/collections/{user_id}/{page}",
        [401, 401, 401, 401, 200, 200, 200, 200, 403],
    ),
    // Chat: each caller's own topics (the requests name one of the owner's); without a
    // language model (none here), what needs one is a 400 once the grant is checked.
    (
        "POST",
        "/api/topic",
        [401, 401, 401, 401, 403, 400, 400, 400, 403],
    ),
    (
        "GET",
        "/api/topic",
        [401, 401, 401, 401, 200, 200, 200, 200, 403],
    ),
    (
        "PUT",
        "/api/topic",
        [401, 401, 401, 401, 403, 404, 404, 204, 403],
    ),
    (
        "DELETE",
        "/api/topic",
        [401, 401, 401, 401, 403, 404, 404, 204, 403],
    ),
    (
        "POST",
        "/api/message",
        [401, 401, 401, 401, 403, 400, 400, 400, 403],
    ),
    (
        "PUT",
        "/api/message",
        [401, 401, 401, 401, 403, 400, 400, 400, 403],
    ),
    (
        "DELETE",
        "/api/message",
        [401, 401, 401, 401, 403, 400, 400, 400, 403],
    ),
    (
        "GET",
        "/api/messages/{messages_topic_id}",
        [401, 401, 401, 401, 200, 404, 404, 200, 403],
    ),
    (
        "POST",
        "/api/chunk/generate",
        [401, 401, 401, 401, 403, 400, 400, 400, 403],
    ),
    (
        "POST",
        "/api/chunk/gen_suggestions",
        [401, 401, 401, 401, 403, 400, 400, 400, 403],
    ),
    (
        "POST",
        "/api/chunk/search",
        [401, 401, 401, 401, 200, 200, 200, 200, 403],
    ),
    (
        "POST",
        "/api/chunk/recommend",
        [401, 401, 401, 401, 200, 200, 200, 200, 403],
    ),
    (
        "GET",
        "/api/chunk/{chunk_id}",
        [401, 401, 401, 401, 200, 200, 200, 200, 403],
    ),
    (
        "DELETE",
        "/api/chunk/{chunk_id}",
        [401, 401, 401, 401, 403, 403, 204, 204, 403],
    ),
    (
        "PUT",
        "/api/chunk/update",
        [401, 401, 401, 401, 403, 403, 204, 204, 403],
    ),
    (
        "GET",
        "/api/chunk/tracking_id/{tracking_id}",
        [401, 401, 401, 401, 200, 200, 200, 200, 403],
    ),
    (
        "DELETE",
        "/api/chunk/tracking_id/{tracking_id}",
        [401, 401, 401, 401, 403, 403, 204, 204, 403],
    ),
    (
        "PUT",
        "/api/chunk/tracking_id/{tracking_id}",
        [401, 401, 401, 401, 403, 403, 204, 204, 403],
    ),
    (
        "POST",
        "/api/file",
        [401, 401, 401, 401, 403, 403, 200, 200, 403],
    ),
    (
        "GET",
        "/api/file/{file_id}",
        [401, 401, 401, 401, 200, 200, 200, 200, 403],
    ),
    (
        "GET",
        "/api/file/{file_id}/download",
        [401, 401, 401, 401, 200, 200, 200, 200, 403],
    ),
    (
        "DELETE",
        "/api/file/{file_id}",
        [401, 401, 401, 401, 403, 403, 204, 204, 403],
    ),
    (
        "GET",
        "/api/image/{file_name}",
        [401, 401, 401, 401, 200, 200, 200, 200, 403],
    ),
    // Each caller's own notifications: the request names one of the owner's.
    (
        "PUT",
        "/api/notifications",
        [401, 401, 401, 401, 403, 404, 404, 204, 403],
    ),
    (
        "GET",
        "/api/notifications/{page}",
        [401, 401, 401, 401, 200, 200, 200, 200, 403],
    ),
    (
        "PUT",
        "/api/notifications_readall",
        [401, 401, 401, 401, 403, 204, 204, 204, 403],
    ),
    (
        "POST",
        "/api/dataset",
        [401, 401, 401, 401, 403, 403, 403, 200, 403],
    ),
    (
        "GET",
        "/api/dataset/{dataset_id}",
        [401, 401, 401, 401, 200, 200, 200, 200, 403],
    ),
    (
        "PUT",
        "/api/dataset",
        [401, 401, 401, 401, 403, 403, 403, 200, 403],
    ),
    // A dataset made for the request, so the organization always has another.
    (
        "DELETE",
        "/api/dataset",
        [401, 401, 401, 401, 403, 403, 403, 204, 403],
    ),
    (
        "GET",
        "/api/dataset/envs",
        [401, 401, 401, 401, 200, 200, 200, 200, 403],
    ),
    (
        "GET",
        "/api/dataset/organization/{organization_id}",
        [401, 401, 401, 401, 200, 200, 200, 200, 403],
    ),
    // Any user may start an organization; renaming one is its owners'.
    (
        "POST",
        "/api/organization",
        [401, 401, 401, 401, 403, 200, 200, 200, 200],
    ),
    (
        "PUT",
        "/api/organization",
        [401, 401, 401, 401, 403, 403, 403, 200, 403],
    ),
    (
        "GET",
        "/api/organization/usage/{organization_id}",
        [401, 401, 401, 401, 200, 200, 200, 200, 403],
    ),
    (
        "GET",
        "/api/organization/{organization_id}",
        [401, 401, 401, 401, 200, 200, 200, 200, 403],
    ),
    (
        "GET",
        "/api/organization/users/{organization_id}",
        [401, 401, 401, 401, 200, 403, 200, 200, 403],
    ),
    (
        "POST",
        "/api/organization/{organization_id}/users",
        [401, 401, 401, 401, 403, 403, 200, 200, 403],
    ),
    (
        "DELETE",
        "/api/organization/{organization_id}/users/{user_id}",
        [401, 401, 401, 401, 403, 403, 204, 204, 403],
    ),
    (
        "GET",
        "/api-docs/openapi.json",
        [200, 200, 200, 200, 200, 200, 200, 200, 200],
    ),
];

struct Callers {
    /// The Authorization header each caller sends; None sends none.
    keys: Vec<Option<String>>,
}

async fn callers(app: &TestApp) -> Callers {
    let revoked = app.insert_key(&app.owner_id, 1, None).await;
    app.write(|conn| Ok(conn.execute("DELETE FROM api_keys WHERE name = 'test'", [])?))
        .await;
    let expired = app
        .insert_key(&app.owner_id, 1, Some("2020-01-01T00:00:00.000000Z"))
        .await;
    let read_only = app.insert_key(&app.owner_id, 0, None).await;
    let member = app.add_member("member@example.com", Role::User).await;
    let admin = app.add_member("admin@example.com", Role::Admin).await;
    let (_, _, other_owner) = app.add_organization("other", "owner@other.example").await;
    Callers {
        keys: vec![
            None,
            Some("Bearer ".to_string()),
            Some(revoked),
            Some(expired),
            Some(read_only),
            Some(member.key),
            Some(admin.key),
            Some(app.owner_key.clone()),
            Some(other_owner.key),
        ],
    }
}

/// A fresh request for a route: its path and body, with new resources where the request would
/// consume them, so that every cell is judged on its own.
async fn request_for(app: &TestApp, route: &str) -> (String, Option<Value>) {
    let chunk = async |tracking_id: &str| {
        let chunk = NewChunk {
            tracking_id: Some(TrackingId::parse(tracking_id).unwrap()),
            ..NewChunk::new(id(&app.dataset_id), id(&app.owner_id), "c".into(), None)
        };
        app.write(move |conn| Ok(trieve_lite::db::chunks::insert_chunk(conn, &chunk)?))
            .await
            .id
            .to_string()
    };
    // A collection of the owner's, holding `bookmarked` (a chunk id) if given.
    let collection = async |bookmarked: Option<&str>| {
        let (dataset, owner) = (id(&app.dataset_id), id(&app.owner_id));
        let chunk = bookmarked.map(id);
        app.write(move |conn| {
            use trieve_lite::db::{chunks, collections};
            let made = collections::insert_collection(conn, dataset, owner, "c", "", None)?;
            if let Some(chunk) = chunk {
                let (pk, _) = chunks::find_chunk_text(conn, dataset, chunk)?.unwrap();
                collections::insert_bookmark(conn, made.id, pk)?;
            }
            Ok(made.id.to_string())
        })
        .await
    };
    // A topic of the owner's.
    let topic = async || {
        let (dataset, owner) = (id(&app.dataset_id), id(&app.owner_id));
        app.write(move |conn| {
            let made = trieve_lite::db::chat::insert_topic(conn, dataset, owner, "t", false)?;
            Ok(made.id.to_string())
        })
        .await
    };
    let tracking_id = format!("t-{}", uuid::Uuid::new_v4());
    match route {
        "/api/user/set_api_key" => (route.into(), Some(json!({"name": "k"}))),
        "/api/user/delete_api_key" => (
            route.into(),
            Some(json!({"api_key_id": "00000000-0000-4000-8000-000000000000"})),
        ),
        "/api/user" => {
            let target = app
                .add_member(
                    &format!("target-{}@example.com", uuid::Uuid::new_v4()),
                    Role::User,
                )
                .await;
            (route.into(), Some(json!({"user_id": target.id, "role": 0})))
        }
        "/api/user/{user_id}/{page}" => (format!("/api/user/{}/1", app.owner_id), None),
        "/api/user/files/{user_id}" => (format!("/api/user/files/{}", app.owner_id), None),
        "/api/chunk" => (
            route.into(),
            Some(json!({"chunk_html": "x", "tracking_id": tracking_id})),
        ),
        "/api/chunk_collection" => (
            route.into(),
            Some(json!({"name": "n", "description": "d", "collection_id": collection(None).await})),
        ),
        "/api/chunk_collection/bookmark" => (
            route.into(),
            Some(json!({"chunk_ids": [chunk(&tracking_id).await]})),
        ),
        "/api/chunk_collection/search" => (
            route.into(),
            Some(
                json!({"collection_id": collection(None).await, "query": "c",
                "search_type": "fulltext"}),
            ),
        ),
        "/api/chunk_collection/{collection_id}" => (
            format!("/api/chunk_collection/{}", collection(None).await),
            Some(json!({"chunk_id": chunk(&tracking_id).await})),
        ),
        "/api/chunk_collection/{collection_id}/{page}" => (
            format!("/api/chunk_collection/{}/1", collection(None).await),
            None,
        ),
        "/api/bookmark/{collection_id}/{bookmark_id}" => {
            let chunk = chunk(&tracking_id).await;
            let collection = collection(Some(&chunk)).await;
            (format!("/api/bookmark/{collection}/{chunk}"), None)
        }
        "/api/user/collections/{user_id}/{page}" => {
            (format!("/api/user/collections/{}/1", app.owner_id), None)
        }
        "/api/chunk/{chunk_id}" => (format!("/api/chunk/{}", chunk(&tracking_id).await), None),
        "/api/chunk/search" => (
            route.into(),
            Some(json!({"query": "c", "search_type": "fulltext"})),
        ),
        "/api/chunk/recommend" => (
            route.into(),
            Some(json!({"positive_chunk_ids": [chunk(&tracking_id).await]})),
        ),
        "/api/chunk/update" => (
            route.into(),
            Some(json!({"chunk_uuid": chunk(&tracking_id).await, "weight": 2})),
        ),
        "/api/chunk/tracking_id/{tracking_id}" => {
            chunk(&tracking_id).await;
            let body = json!({"tracking_id": tracking_id, "weight": 2});
            (format!("/api/chunk/tracking_id/{tracking_id}"), Some(body))
        }
        "/api/file" => (
            route.into(),
            Some(
                json!({"base64_file": "aGVsbG8", "file_name": "f.txt", "file_mime_type": "text/plain"}),
            ),
        ),
        "/api/file/{file_id}" | "/api/file/{file_id}/download" => {
            let id = app
                .insert_file(&app.dataset_id, &app.owner_id, "f.bin", b"bytes")
                .await;
            (route.replace("{file_id}", &id), None)
        }
        "/api/notifications" => {
            let (dataset, owner) = (id(&app.dataset_id), id(&app.owner_id));
            let mine = app
                .write(move |conn| {
                    use trieve_lite::db::notifications;
                    let collection = trieve_lite::types::ids::CollectionId::random();
                    Ok(notifications::insert_notification(
                        conn, owner, dataset, collection, "f",
                    )?)
                })
                .await;
            (route.into(), Some(json!({ "notification_id": mine })))
        }
        "/api/topic" => (
            route.into(),
            Some(json!({"first_user_message": "hello", "topic_id": topic().await, "name": "n"})),
        ),
        "/api/message" => (
            route.into(),
            Some(
                json!({"topic_id": topic().await, "new_message_content": "hello",
                "message_sort_order": 1}),
            ),
        ),
        "/api/messages/{messages_topic_id}" => (format!("/api/messages/{}", topic().await), None),
        "/api/chunk/generate" => (
            route.into(),
            Some(json!({"chunk_ids": [chunk(&tracking_id).await],
                "prev_messages": [{"role": "user", "content": "hello"}]})),
        ),
        "/api/chunk/gen_suggestions" => (route.into(), Some(json!({"query": "hello"}))),
        "/api/notifications/{page}" => ("/api/notifications/1".into(), None),
        "/api/image/{file_name}" => {
            let name = format!("{}.png", uuid::Uuid::new_v4());
            app.insert_file(&app.dataset_id, &app.owner_id, &name, b"\x89PNG")
                .await;
            (format!("/api/image/{name}"), None)
        }
        // One body for all three: create (names the organization), update and delete (name a
        // dataset made for this request).
        "/api/dataset" => {
            let org = id(&app.org_id);
            let name = format!("d-{}", uuid::Uuid::new_v4());
            let made = Name::parse("dataset_name", &name).unwrap();
            let dataset = app
                .write(move |conn| {
                    Ok(trieve_lite::db::datasets::insert_dataset(
                        conn,
                        org,
                        &made,
                        Default::default(),
                        Default::default(),
                    )?)
                })
                .await;
            (
                route.into(),
                Some(
                    json!({"dataset_name": format!("{name}-2"), "organization_id": app.org_id,
                        "dataset_id": dataset.id, "server_configuration": {}, "client_configuration": {}}),
                ),
            )
        }
        // One body for both: a name not taken, and the organization to rename.
        "/api/organization" => (
            route.into(),
            Some(
                json!({"name": format!("o-{}", uuid::Uuid::new_v4()), "organization_id": app.org_id}),
            ),
        ),
        "/api/dataset/{dataset_id}" => (format!("/api/dataset/{}", app.dataset_id), None),
        "/api/organization/{organization_id}/users" => (
            route.replace("{organization_id}", &app.org_id),
            Some(json!({"email": format!("new-{}@example.com", uuid::Uuid::new_v4()), "role": 0})),
        ),
        "/api/organization/{organization_id}/users/{user_id}" => {
            let leaving = app
                .add_member(
                    &format!("leaving-{}@example.com", uuid::Uuid::new_v4()),
                    Role::User,
                )
                .await;
            let path = route
                .replace("{organization_id}", &app.org_id)
                .replace("{user_id}", &leaving.id);
            (path, None)
        }
        other => (
            other
                .replace("{organization_id}", &app.org_id)
                .replace("{subscription_id}", "sub_1")
                .replace("{plan_id}", "plan_1"),
            None,
        ),
    }
}

/// MATRIX, and a row for each of the admin page's assets.
fn rows() -> impl Iterator<Item = (&'static str, &'static str, &'static [u16; 9])> {
    let assets = trieve_lite::http::admin::asset_paths().map(|path| ("GET", path, &ANYONE));
    MATRIX
        .iter()
        .map(|(method, route, expected)| (*method, *route, expected))
        .chain(assets)
}

#[actix_web::test]
async fn every_cell_of_the_matrix_gets_its_status() {
    // One client presenting every kind of wrong key on purpose, hundreds of times: not the
    // guessing the throttle is for (tests/api/hardening.rs has that).
    let app = spawn_app_with(tempfile::tempdir().unwrap(), |settings| {
        settings.max_key_failures = u32::MAX;
    })
    .await;
    let callers = callers(&app).await;
    let mut wrong = Vec::new();
    for (method, route, expected) in rows() {
        for (cell, caller_key) in callers.keys.iter().enumerate() {
            let (mut path, body) = request_for(&app, route).await;
            // The tracking-id update is registered on the tracking-id path; its URL says "update".
            if method == "PUT" && route.starts_with("/api/chunk/tracking_id/") {
                path = "/api/chunk/tracking_id/update".into();
            }
            // The page of the caller's collections shares a collection's pattern.
            if method == "GET" && route == "/api/chunk_collection/{collection_id}" {
                path = "/api/chunk_collection/1".into();
            }
            let mut headers = vec![
                ("TR-Dataset", app.dataset_id.as_str()),
                ("TR-Organization", app.org_id.as_str()),
            ];
            if let Some(key) = caller_key {
                headers.push(("Authorization", key.as_str()));
            }
            let method = Method::from_bytes(method.as_bytes()).unwrap();
            let status = app
                .send(method.clone(), &path, &headers, body.as_ref())
                .await
                .status;
            if status != expected[cell] {
                wrong.push(format!(
                    "{method} {path} as {}: {status}, expected {}",
                    CALLERS[cell], expected[cell]
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} wrong cells:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// The routes the code registers: each resource's `web::resource("...")` paths and the methods
/// of their `.route(web::get()...)` calls, read from `src/http/routes/<module>.rs` and put under the
/// module's prefix from `routes::PREFIXES`; and the admin page's asset list.
fn registered_routes() -> BTreeSet<(String, String)> {
    let mut routes = BTreeSet::new();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src/http/routes");
    let modules: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.file_name().unwrap() != "mod.rs")
        .collect();
    // A routes file no prefix names would register nothing the server serves: that is a bug too.
    for file in &modules {
        let module = file.file_stem().unwrap().to_str().unwrap();
        let prefix = trieve_lite::http::routes::PREFIXES
            .iter()
            .find(|(name, _)| *name == module)
            .unwrap_or_else(|| {
                panic!("src/http/routes/{module}.rs has no prefix in routes::PREFIXES")
            })
            .1;
        let source = std::fs::read_to_string(file).unwrap();
        let configure = &source[source.find("pub fn configure").unwrap()..];
        let configure = &configure[..configure.find("\n}\n").unwrap()];
        for (at, _) in configure.match_indices("web::resource(\"") {
            let resource = &configure[at + "web::resource(\"".len()..];
            let resource = &resource[..resource.find("web::resource(").unwrap_or(resource.len())];
            let path = format!(
                "{}{}",
                enclosing_scope(configure, at),
                &resource[..resource.find('"').unwrap()]
            );
            for method in ["get", "post", "put", "patch", "delete"] {
                if resource.contains(&format!("web::{method}()")) {
                    routes.insert((method.to_uppercase(), format!("{prefix}{path}")));
                }
            }
        }
    }
    for path in trieve_lite::http::admin::asset_paths() {
        routes.insert(("GET".into(), path.into()));
    }
    routes
}

/// The prefix of the `web::scope("...")` whose `.service(...)` call encloses position `at`.
fn enclosing_scope(configure: &str, at: usize) -> &str {
    for (start, _) in configure[..at].rmatch_indices("web::scope(\"") {
        let service = configure[..start].rfind('(').unwrap();
        let mut depth = 0;
        let encloses = configure[service..at].chars().all(|c| {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                _ => {}
            }
            depth > 0
        });
        if encloses {
            let name = &configure[start + "web::scope(\"".len()..];
            return &name[..name.find('"').unwrap()];
        }
    }
    ""
}

#[test]
fn every_registered_route_has_a_row() {
    let rows: BTreeSet<(String, String)> = rows()
        .map(|(method, route, _)| (method.to_string(), route.to_string()))
        .collect();
    let registered = registered_routes();
    assert!(registered.len() >= 26, "found only {registered:?}");
    let missing: Vec<_> = registered.difference(&rows).collect();
    let stale: Vec<_> = rows.difference(&registered).collect();
    assert!(
        missing.is_empty(),
        "routes without a row in MATRIX: {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "rows for routes that do not exist: {stale:?}"
    );
}

/// The OpenAPI document names every route but the admin page's assets, and nothing else. The
/// tracking-id update is registered on the tracking-id pattern and documented at its real URL.
#[test]
fn the_openapi_document_names_every_api_route() {
    let assets: BTreeSet<&str> = trieve_lite::http::admin::asset_paths().collect();
    let registered: BTreeSet<(String, String)> = registered_routes()
        .into_iter()
        .filter(|(_, path)| !assets.contains(path.as_str()))
        .map(|(method, path)| match (method.as_str(), path.as_str()) {
            ("PUT", "/api/chunk/tracking_id/{tracking_id}") => {
                (method, "/api/chunk/tracking_id/update".to_string())
            }
            ("GET", "/api/chunk_collection/{collection_id}") => {
                (method, "/api/chunk_collection/{page}".to_string())
            }
            _ => (method, path),
        })
        .collect();
    let document: Value = serde_json::from_str(&trieve_lite::http::routes::document()).unwrap();
    let documented: BTreeSet<(String, String)> = document["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .map(move |method| (method.to_uppercase(), path.clone()))
        })
        .collect();
    let undocumented: Vec<_> = registered.difference(&documented).collect();
    let extra: Vec<_> = documented.difference(&registered).collect();
    assert!(
        undocumented.is_empty(),
        "routes missing from the OpenAPI document: {undocumented:?}"
    );
    assert!(extra.is_empty(), "documented but not served: {extra:?}");
}
