//! Every error is `{"message"}` with the right status (the helper asserts the body shape).

use actix_web::http::Method;
use serde_json::json;

use crate::helpers::spawn_app;

#[actix_web::test]
async fn unknown_routes_are_404_and_wrong_methods_405() {
    let app = spawn_app().await;
    let unknown = app.send(Method::GET, "/api/nothing/here", &[], None).await;
    assert_eq!(unknown.status, 404);
    let wrong_method = app.send(Method::DELETE, "/api/health", &[], None).await;
    assert_eq!(wrong_method.status, 405);
    let wrong_method = app
        .call(Method::POST, "/api/user", &app.owner_key, Some(&json!({})))
        .await;
    assert_eq!(wrong_method.status, 405);
}

#[actix_web::test]
async fn malformed_json_and_wrong_types_are_400_naming_the_field() {
    let app = spawn_app().await;
    let wrong_type = app.put_user(&app.owner_key, json!({"role": "owner"})).await;
    assert_eq!(wrong_type.status, 400);
    assert!(wrong_type.body["message"]
        .as_str()
        .unwrap()
        .contains("role"));
    let missing_field = app
        .call(
            Method::POST,
            "/api/user/set_api_key",
            &app.owner_key,
            Some(&json!({})),
        )
        .await;
    assert_eq!(missing_field.status, 400);
    assert!(missing_field.body["message"]
        .as_str()
        .unwrap()
        .contains("name"));

    let client = awc::Client::default();
    let mut res = client
        .put(format!("{}/api/user", app.base))
        .insert_header(("Authorization", app.owner_key.as_str()))
        .insert_header(("Content-Type", "application/json"))
        .send_body("{\"name\": ")
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 400);
    let body: serde_json::Value = res.json().await.unwrap();
    assert!(body["message"]
        .as_str()
        .unwrap()
        .starts_with("Invalid JSON"));
}

#[actix_web::test]
async fn unknown_fields_are_ignored() {
    let app = spawn_app().await;
    let res = app
        .put_user(
            &app.owner_key,
            json!({"name": "N", "favourite_colour": "red"}),
        )
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(res.body["name"], "N");
}

#[actix_web::test]
async fn an_oversized_body_is_413_and_the_server_keeps_serving() {
    let app = spawn_app().await;
    let huge = json!({"name": "x".repeat(2 * 1024 * 1024)});
    let res = app.put_user(&app.owner_key, huge).await;
    assert_eq!(res.status, 413);
    assert_eq!(app.get("/api/auth/me", &app.owner_key).await.status, 200);
}

/// Send raw bytes and read the status code of the answer, off the async runtime that also runs
/// the server.
async fn raw_exchange(address: String, request: Vec<u8>, pause_after: usize) -> u16 {
    actix_web::rt::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(20)))
            .unwrap();
        stream.write_all(&request[..pause_after]).unwrap();
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        let text = String::from_utf8_lossy(&answer);
        text.split_whitespace()
            .nth(1)
            .and_then(|code| code.parse().ok())
            .unwrap_or(0)
    })
    .await
    .unwrap()
}

#[actix_web::test]
async fn a_client_too_slow_with_its_headers_or_body_gets_408() {
    let dir = tempfile::tempdir().unwrap();
    let app = crate::helpers::spawn_app_with(dir, |settings| {
        settings.request_timeout = std::time::Duration::from_secs(1);
    })
    .await;
    let address = app.base.trim_start_matches("http://").to_string();
    let slow_headers = b"GET /api/health HTTP/1.1\r\nHost: x\r\n".to_vec();
    assert_eq!(
        raw_exchange(address.clone(), slow_headers.clone(), slow_headers.len()).await,
        408
    );

    let slow_body = format!(
        "PUT /api/user HTTP/1.1\r\nHost: x\r\nAuthorization: {}\r\nContent-Type: application/json\r\n\
         Content-Length: 100\r\n\r\n{{\"name\": ",
        app.owner_key
    )
    .into_bytes();
    assert_eq!(
        raw_exchange(address, slow_body.clone(), slow_body.len()).await,
        408
    );
    assert_eq!(app.get("/api/auth/me", &app.owner_key).await.status, 200);
}

#[actix_web::test]
async fn head_answers_like_get_without_a_body() {
    let app = spawn_app().await;
    let read_only = app.insert_key(&app.owner_id, 0, None).await;
    let client = awc::Client::default();
    let mut page = client.head(format!("{}/", app.base)).send().await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
    assert!(page.headers().contains_key("content-security-policy"));
    assert!(page.body().await.unwrap().is_empty());
    let me = client
        .head(format!("{}/api/auth/me", app.base))
        .insert_header(("Authorization", read_only.as_str()))
        .send()
        .await
        .unwrap();
    assert_eq!(me.status().as_u16(), 200);
    let no_key = client
        .head(format!("{}/api/auth/me", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(no_key.status().as_u16(), 401);
}
