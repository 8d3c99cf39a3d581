//! Trieve's file endpoints.

use actix_web::http::Method;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine;
use serde_json::json;
use trieve_lite::types::roles::Role;

use crate::helpers::{spawn_app, TestApp};

fn upload_body(name: &str, mime: &str, bytes: &[u8]) -> serde_json::Value {
    json!({"base64_file": URL_SAFE_NO_PAD.encode(bytes), "file_name": name, "file_mime_type": mime})
}

#[actix_web::test]
async fn a_binary_file_round_trips_byte_for_byte_without_chunks() {
    let app = spawn_app().await;
    let bytes: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    let res = app
        .call(
            Method::POST,
            "/api/file",
            &app.owner_key,
            Some(&upload_body("blob.bin", "application/octet-stream", &bytes)),
        )
        .await;
    assert_eq!(res.status, 200);
    let file = &res.body["file_metadata"];
    assert_eq!(file["size"], 70_000);
    assert_eq!(file["file_name"], "blob.bin");
    let id = file["id"].as_str().unwrap();

    let got = app.get(&format!("/api/file/{id}"), &app.owner_key).await;
    assert_eq!(got.status, 200);
    assert_eq!(
        URL_SAFE
            .decode(got.body["base64url_content"].as_str().unwrap())
            .unwrap(),
        bytes
    );
    assert_eq!(app.count("SELECT count(*) FROM chunks"), 0);

    let client = awc::Client::default();
    let mut download = client
        .get(format!("{}/api/file/{id}/download", app.base))
        .insert_header(("Authorization", app.owner_key.as_str()))
        .insert_header(("TR-Dataset", app.dataset_id.as_str()))
        .send()
        .await
        .unwrap();
    assert_eq!(download.status().as_u16(), 200);
    assert_eq!(
        download.headers().get("content-type").unwrap(),
        "application/octet-stream"
    );
    assert_eq!(
        download.headers().get("content-disposition").unwrap(),
        "attachment; filename=\"blob.bin\"; filename*=UTF-8''blob.bin"
    );
    assert_eq!(
        download.body().limit(1 << 20).await.unwrap().as_ref(),
        bytes.as_slice()
    );
}

#[actix_web::test]
async fn a_text_file_is_split_into_linked_chunks() {
    let app = spawn_app().await;
    let paragraphs: Vec<String> = (0..12)
        .map(|i| format!("Paragraph {i}. {}", "words ".repeat(40)))
        .collect();
    let text = paragraphs.join("\n\n");
    let mut body = upload_body("notes.md", "text/markdown", text.as_bytes());
    body["metadata"] = json!({"source": "upload"});
    body["tag_set"] = json!("docs");
    let res = app
        .call(Method::POST, "/api/file", &app.owner_key, Some(&body))
        .await;
    assert_eq!(res.status, 200);
    let file_id = res.body["file_metadata"]["id"]
        .as_str()
        .unwrap()
        .to_string();

    let n = app.count(&format!(
        "SELECT count(*) FROM chunks WHERE file_id = '{file_id}'"
    ));
    assert!(n >= 2, "{n} chunks");
    let page = app
        .get(&format!("/api/user/{}/1", app.owner_id), &app.owner_key)
        .await
        .body;
    assert_eq!(page["total_chunks_created"], n);
    let chunk = &page["chunks"][0];
    assert_eq!(chunk["file_id"], file_id.as_str());
    assert_eq!(chunk["file_name"], "notes.md");
    assert_eq!(chunk["metadata"], json!({"source": "upload"}));
    assert_eq!(chunk["tag_set"], "docs");
    // Every paragraph is in exactly one chunk, whole.
    let all: Vec<String> = page["chunks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["content"].as_str().unwrap().to_string())
        .collect();
    for paragraph in &paragraphs {
        assert_eq!(
            all.iter().filter(|c| c.contains(paragraph.trim())).count(),
            1,
            "{paragraph}"
        );
    }
}

#[actix_web::test]
async fn create_chunks_false_stores_the_file_alone() {
    let app = spawn_app().await;
    let mut body = upload_body("plain.txt", "text/plain", b"just text");
    body["create_chunks"] = json!(false);
    assert_eq!(
        app.call(Method::POST, "/api/file", &app.owner_key, Some(&body))
            .await
            .status,
        200
    );
    assert_eq!(app.count("SELECT count(*) FROM chunks"), 0);
    assert_eq!(app.count("SELECT count(*) FROM files"), 1);
}

#[actix_web::test]
async fn deleting_a_file_with_or_without_its_chunks() {
    let app = spawn_app().await;
    let upload = |name: &str| upload_body(name, "text/plain", b"first\n\nsecond");
    let keep = app
        .call(
            Method::POST,
            "/api/file",
            &app.owner_key,
            Some(&upload("keep.txt")),
        )
        .await;
    let drop = app
        .call(
            Method::POST,
            "/api/file",
            &app.owner_key,
            Some(&upload("drop.txt")),
        )
        .await;
    let keep_id = keep.body["file_metadata"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let drop_id = drop.body["file_metadata"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(app.count("SELECT count(*) FROM chunks"), 2);

    let res = app
        .call(
            Method::DELETE,
            &format!("/api/file/{keep_id}"),
            &app.owner_key,
            None,
        )
        .await;
    assert_eq!(res.status, 204);
    assert_eq!(app.count("SELECT count(*) FROM chunks"), 2);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) FROM chunks WHERE file_id = '{keep_id}'"
        )),
        0
    );

    let res = app
        .call(
            Method::DELETE,
            &format!("/api/file/{drop_id}?delete_chunks=true"),
            &app.owner_key,
            None,
        )
        .await;
    assert_eq!(res.status, 204);
    assert_eq!(app.count("SELECT count(*) FROM chunks"), 1);
    assert_eq!(app.count("SELECT count(*) FROM files"), 0);
    assert_eq!(app.count("SELECT count(*) FROM file_contents"), 0);
    assert_eq!(
        app.get(&format!("/api/file/{drop_id}"), &app.owner_key)
            .await
            .status,
        404
    );
    let bad_query = app
        .call(
            Method::DELETE,
            &format!("/api/file/{drop_id}?delete_chunks=maybe"),
            &app.owner_key,
            None,
        )
        .await;
    assert_eq!(bad_query.status, 400);
}

#[actix_web::test]
async fn invalid_uploads_are_400_and_store_nothing() {
    let app = spawn_app().await;
    for body in [
        json!({"base64_file": "!!!not base64!!!", "file_name": "a.txt", "file_mime_type": "text/plain"}),
        json!({"base64_file": "aGVsbG8", "file_name": "  ", "file_mime_type": "text/plain"}),
        json!({"base64_file": "aGVsbG8", "file_name": "a.txt", "file_mime_type": "text/plain\nX: y"}),
        json!({"base64_file": "aGVsbG8", "file_name": "a.txt"}),
        json!({"base64_file": "aGVsbG8", "file_name": "a.txt", "file_mime_type": "text/plain", "time_stamp": "x"}),
    ] {
        let res = app
            .call(Method::POST, "/api/file", &app.owner_key, Some(&body))
            .await;
        assert_eq!(res.status, 400, "{body}");
    }
    assert_eq!(app.count("SELECT count(*) FROM files"), 0);
}

/// POST `body` to /api/file as the owner on a connection of its own, writing until the server
/// closes it: the head of the answer, if one could be read.
fn send_ignoring_a_closed_connection(app: &TestApp, body: &str) -> Option<String> {
    use std::io::{Read, Write};
    let address = app.base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    let head = format!(
        "POST /api/file HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: {}\r\n\
         TR-Dataset: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        app.owner_key,
        app.dataset_id,
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    for piece in body.as_bytes().chunks(64 * 1024) {
        if stream.write_all(piece).is_err() {
            break;
        }
    }
    let mut answer = Vec::new();
    match stream.read_to_end(&mut answer) {
        Ok(_) if !answer.is_empty() => {
            Some(String::from_utf8_lossy(&answer[..answer.len().min(64)]).into())
        }
        _ => None,
    }
}

#[actix_web::test]
async fn an_upload_over_the_limit_is_413_and_the_server_keeps_serving() {
    let app = spawn_app().await;
    // The default limit is 32 MiB: one byte more, once decoded.
    let bytes = vec![7u8; 32 * 1024 * 1024 + 1];
    let res = app
        .call(
            Method::POST,
            "/api/file",
            &app.owner_key,
            Some(&upload_body("big.bin", "application/octet-stream", &bytes)),
        )
        .await;
    assert_eq!(res.status, 413);
    // A body far over the limit is refused before it is read: the answer is a 413, or, when the
    // server has closed the connection before the client could read its answer (the client was
    // still sending), no answer at all; never anything else.
    let huge = vec![7u8; 48 * 1024 * 1024];
    let body = upload_body("huge.bin", "application/octet-stream", &huge).to_string();
    let answer = send_ignoring_a_closed_connection(&app, &body);
    assert!(
        answer
            .as_deref()
            .is_none_or(|head| head.starts_with("HTTP/1.1 413")),
        "{answer:?}"
    );
    assert_eq!(app.count("SELECT count(*) FROM files"), 0);
    assert_eq!(app.count("SELECT count(*) FROM file_contents"), 0);
    assert_eq!(app.get("/api/auth/me", &app.owner_key).await.status, 200);
}

#[actix_web::test]
async fn file_writes_need_an_admin_and_other_datasets_files_are_404() {
    let app = spawn_app().await;
    let user = app.add_member("user@example.com", Role::User).await;
    let res = app
        .call(
            Method::POST,
            "/api/file",
            &user.key,
            Some(&upload_body("a.txt", "text/plain", b"a")),
        )
        .await;
    assert_eq!(res.status, 403);
    let (_, other_dataset, other_owner) = app.add_organization("other", "boss@other.example").await;
    let theirs = app
        .insert_file(&other_dataset, &other_owner.id, "secret.txt", b"secret")
        .await;
    assert_eq!(
        app.get(&format!("/api/file/{theirs}"), &app.owner_key)
            .await
            .status,
        404
    );
    assert_eq!(
        app.get(&format!("/api/file/{theirs}/download"), &app.owner_key)
            .await
            .status,
        404
    );
    assert_eq!(
        app.call(
            Method::DELETE,
            &format!("/api/file/{theirs}"),
            &app.owner_key,
            None
        )
        .await
        .status,
        404
    );
    assert_eq!(app.count("SELECT count(*) FROM files"), 1);
}

#[actix_web::test]
async fn an_html_download_is_sandboxed_and_named_safely() {
    let app = spawn_app().await;
    let res = app
        .call(
            Method::POST,
            "/api/file",
            &app.owner_key,
            Some(&upload_body(
                "x\"; evil=1.html",
                "text/html",
                b"<script>alert(1)</script><p>hi</p>",
            )),
        )
        .await;
    let id = res.body["file_metadata"]["id"].as_str().unwrap();
    assert_eq!(
        app.count("SELECT count(*) FROM chunks WHERE content = 'hi'"),
        1
    );
    let client = awc::Client::default();
    let download = client
        .get(format!("{}/api/file/{id}/download", app.base))
        .insert_header(("Authorization", app.owner_key.as_str()))
        .insert_header(("TR-Dataset", app.dataset_id.as_str()))
        .send()
        .await
        .unwrap();
    let headers = download.headers();
    assert_eq!(headers.get("content-security-policy").unwrap(), "sandbox");
    assert_eq!(headers.get("x-content-type-options").unwrap(), "nosniff");
    let disposition = headers
        .get("content-disposition")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\"x__ evil_1.html\""),
        "{disposition}"
    );
}
