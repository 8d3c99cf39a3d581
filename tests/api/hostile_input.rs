//! Hostile input, generated: whatever arrives, the answer is never a 500, never a panic, never a
//! hang, and an error is always `{"message"}`. Properties run a bounded number of cases.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::OnceLock;
use std::time::Duration;

use actix_web::ResponseError;
use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine;
use proptest::prelude::*;
use trieve_lite::config::Settings;
use trieve_lite::domain::files::decode_base64;
use trieve_lite::http::extract::parse_json;
use trieve_lite::search::text::html_to_text;
use trieve_lite::startup::Application;

struct Server {
    address: String,
    owner_key: String,
    dataset_id: String,
}

/// One server for the whole file, on its own thread and runtime; its database lives in a
/// temporary folder kept until the process ends.
fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| {
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let dir = tempfile::tempdir().unwrap();
            let mut settings = Settings::for_database(dir.path().join("hostile.db"), "127.0.0.1:0");
            settings.workers = Some(2);
            actix_web::rt::System::new().block_on(async move {
                let app = Application::build(&settings).unwrap();
                let first = app.first_start.as_ref().unwrap();
                sender
                    .send(Server {
                        address: format!("127.0.0.1:{}", app.port()),
                        owner_key: first.api_key.clone().unwrap(),
                        dataset_id: first.dataset.id.to_string(),
                    })
                    .unwrap();
                app.run_until_stopped().await.unwrap();
                drop(dir);
            });
        });
        receiver.recv().unwrap()
    })
}

/// Send raw bytes; return the status and the body. Panics if the server does not answer within
/// the timeout, which is how a hang fails the test.
fn exchange(request: &[u8]) -> (u16, Vec<u8>) {
    let mut stream = TcpStream::connect(&server().address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stream.write_all(request).unwrap();
    let mut answer = Vec::new();
    stream
        .read_to_end(&mut answer)
        .expect("the server answers in time");
    let head_end = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no HTTP answer: {:?}", String::from_utf8_lossy(&answer)));
    let head = String::from_utf8_lossy(&answer[..head_end]).to_string();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (status, answer[head_end + 4..].to_vec())
}

fn request(method: &str, path: &[u8], headers: &[(&str, &[u8])], body: &[u8]) -> Vec<u8> {
    let server = server();
    let mut out = Vec::new();
    out.extend_from_slice(method.as_bytes());
    out.push(b' ');
    out.extend_from_slice(path);
    out.extend_from_slice(b" HTTP/1.1\r\nHost: test\r\nConnection: close\r\n");
    out.extend_from_slice(
        format!(
            "Authorization: {}\r\nTR-Dataset: {}\r\n",
            server.owner_key, server.dataset_id
        )
        .as_bytes(),
    );
    for (name, value) in headers {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(
        format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    );
    out.extend_from_slice(body);
    out
}

/// Never a 5xx; an error is a JSON object with a message. 400 from actix's own HTTP parser
/// (a request line it cannot read never reaches the app) may come without a body.
fn assert_well_answered(status: u16, body: &[u8], what: &str) {
    assert!(
        status < 500,
        "{what}: {status} {}",
        String::from_utf8_lossy(body)
    );
    if status >= 400 && !body.is_empty() {
        let value: serde_json::Value = serde_json::from_slice(body).unwrap_or_else(|_| {
            panic!(
                "{what}: {status} body is not JSON: {}",
                String::from_utf8_lossy(body)
            )
        });
        assert!(value["message"].is_string(), "{what}: {value}");
    }
}

const WRITE_ROUTES: &[(&str, &str)] = &[
    ("PUT", "/api/user"),
    ("POST", "/api/user/set_api_key"),
    ("DELETE", "/api/user/delete_api_key"),
    ("POST", "/api/chunk"),
    ("PUT", "/api/chunk/update"),
    ("PUT", "/api/chunk/tracking_id/update"),
    ("POST", "/api/file"),
    ("POST", "/api/dataset"),
    ("POST", "/api/chunk/search"),
    ("POST", "/api/chunk/recommend"),
];

const PATH_ROUTES: &[&str] = &[
    "/api/user/{}/1",
    "/api/user/files/{}",
    "/api/chunk/{}",
    "/api/chunk/tracking_id/{}",
    "/api/file/{}",
    "/api/file/{}/download",
    "/api/dataset/{}",
    "/api/organization/{}",
    "/api/organization/users/{}",
];

fn percent_encode(bytes: &[u8]) -> Vec<u8> {
    bytes
        .iter()
        .flat_map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(b) {
                vec![*b]
            } else {
                format!("%{b:02X}").into_bytes()
            }
        })
        .collect()
}

/// JSON-ish bodies: the fields the API reads, with values of any type, plus raw bytes.
fn json_body() -> impl Strategy<Value = Vec<u8>> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(serde_json::Value::from),
        ".{0,40}".prop_map(serde_json::Value::from),
        Just(serde_json::Value::from(
            "'; DROP TABLE chunks; -- <script>alert(1)</script>\u{0}"
        )),
    ];
    let value = leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            prop::collection::btree_map(".{0,8}", inner, 0..4)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    });
    let fields = prop::sample::subsequence(
        vec![
            "name",
            "role",
            "user_id",
            "username",
            "website",
            "visible_email",
            "expires_at",
            "api_key_id",
            "chunk_html",
            "tracking_id",
            "metadata",
            "time_stamp",
            "weight",
            "file_uuid",
            "chunk_uuid",
            "base64_file",
            "file_name",
            "file_mime_type",
            "create_chunks",
            "query",
            "search_type",
            "page",
            "tag_set",
            "link",
            "filters",
            "time_range",
            "date_bias",
            "weights",
            "positive_chunk_ids",
            "dataset_name",
            "organization_id",
        ],
        0..6,
    );
    prop_oneof![
        (fields, prop::collection::vec(value, 6)).prop_map(|(names, values)| {
            let object: serde_json::Map<_, _> =
                names.into_iter().map(str::to_string).zip(values).collect();
            serde_json::to_vec(&object).unwrap()
        }),
        prop::collection::vec(any::<u8>(), 0..200),
    ]
}

/// Query strings: any text, and text made of FTS5's own syntax and the words of the seeded
/// chunks, which a query must never pass to MATCH as written.
fn query_text() -> impl Strategy<Value = String> {
    let fragment = prop::sample::select(vec![
        "\"",
        "*",
        "-",
        "+",
        "^",
        ":",
        "(",
        ")",
        "{",
        "}",
        "NEAR(",
        "NEAR",
        "AND",
        "OR",
        "NOT",
        " ",
        "  ",
        "fish",
        "chips",
        "café",
        "Fïsh",
        "run",
        "a",
        "\\",
        "'",
        "\u{0}",
        "\u{200b}",
        "col:",
        "terms:",
        "-\"",
        "\"\"",
        "\u{10FFFF}",
        "ß",
        "İ",
        "७",
    ]);
    prop_oneof![
        ".{0,120}",
        prop::collection::vec(fragment, 0..24).prop_map(|parts| parts.concat()),
    ]
}

/// Chunks for the queries above to find, created once.
fn seed_searchable_chunks() {
    static SEEDED: OnceLock<()> = OnceLock::new();
    SEEDED.get_or_init(|| {
        for text in [
            "fish and chips",
            "Café runners",
            "a NEAR b AND c",
            "ß and İ and ७",
        ] {
            let body = serde_json::json!({"chunk_html": format!("<p>{text}</p>")});
            let body = serde_json::to_vec(&body).unwrap();
            let (status, _) = exchange(&request("POST", b"/api/chunk", &[], &body));
            assert_eq!(status, 200);
        }
    });
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn request_bodies_never_break_a_write_route(route in prop::sample::select(WRITE_ROUTES), body in json_body()) {
        let (method, path) = route;
        let (status, answer) = exchange(&request(method, path.as_bytes(), &[], &body));
        assert_well_answered(status, &answer, &format!("{method} {path} {:?}", String::from_utf8_lossy(&body)));
    }

    #[test]
    fn path_segments_never_break_a_read_route(route in prop::sample::select(PATH_ROUTES), segment in prop::collection::vec(any::<u8>(), 0..60)) {
        let path = route.replace("{}", &String::from_utf8(percent_encode(&segment)).unwrap());
        let (status, answer) = exchange(&request("GET", path.as_bytes(), &[], b""));
        assert_well_answered(status, &answer, &path);
    }

    #[test]
    fn header_values_never_break_authentication(
        header in prop::sample::select(vec!["Authorization", "x-api-key", "TR-Dataset", "TR-Organization"]),
        value in prop::collection::vec(any::<u8>().prop_filter("no line breaks", |b| *b != b'\r' && *b != b'\n'), 0..300),
    ) {
        let mut raw = Vec::new();
        raw.extend_from_slice(b"GET /api/auth/me HTTP/1.1\r\nHost: t\r\nConnection: close\r\n");
        raw.extend_from_slice(header.as_bytes());
        raw.extend_from_slice(b": ");
        raw.extend_from_slice(&value);
        raw.extend_from_slice(b"\r\n\r\n");
        let (status, answer) = exchange(&raw);
        assert_well_answered(status, &answer, header);
    }

    #[test]
    fn html_to_text_never_panics_and_yields_collapsed_text(html in ".{0,300}") {
        let text = html_to_text(&html);
        prop_assert!(!text.contains("  "));
        prop_assert_eq!(text.trim(), text.as_str());
        prop_assert!(!text.chars().any(|c| c.is_control()));
    }

    /// Arbitrary strings seldom look like markup; tag soup from HTML's own pieces reaches the
    /// tokenizer's tag, attribute, comment, raw-text and character-reference states.
    #[test]
    fn html_tag_soup_never_panics_and_yields_collapsed_text(
        html in "(<|</|>|/>|<!--|-->|&|&#|&#x|;|=|\"|'| |\n|\0|p|b|script|style|head|body|template|amp|eacute|150|9f|x){0,120}"
    ) {
        let text = html_to_text(&html);
        prop_assert!(!text.contains("  "));
        prop_assert_eq!(text.trim(), text.as_str());
        prop_assert!(!text.chars().any(|c| c.is_control()));
    }

    #[test]
    fn html_markup_around_text_is_removed(words in prop::collection::vec("[a-z]{1,8}", 1..8)) {
        let html = words.iter().map(|w| format!("<p class=\"x\">{w}</p><script>var x = '<p>no</p>';</script>")).collect::<String>();
        prop_assert_eq!(html_to_text(&html), words.join(" "));
    }

    #[test]
    fn base64_round_trips_in_every_accepted_form(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        for encoded in [URL_SAFE.encode(&bytes), URL_SAFE_NO_PAD.encode(&bytes), STANDARD.encode(&bytes)] {
            prop_assert_eq!(decode_base64(&encoded, 1024).unwrap(), bytes.clone());
        }
    }

    #[test]
    fn base64_decoding_never_panics(text in ".{0,200}") {
        match decode_base64(&text, 100) {
            Ok(bytes) => prop_assert!(bytes.len() <= 100),
            Err(err) => prop_assert!(matches!(err.status_code().as_u16(), 400 | 413), "{err:?}"),
        }
    }

    #[test]
    fn any_query_string_is_a_search_or_a_400(query in query_text(), page in 0i64..3, bias in any::<bool>()) {
        seed_searchable_chunks();
        let body = serde_json::json!({"query": query, "search_type": "fulltext", "page": page,
            "date_bias": bias});
        let body = serde_json::to_vec(&body).unwrap();
        let (status, answer) = exchange(&request("POST", b"/api/chunk/search", &[], &body));
        assert_well_answered(status, &answer, &format!("search {query:?}"));
        prop_assert!(status == 200 || status == 400, "{query:?}: {status}");
    }

    #[test]
    fn json_parsing_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let parsed = parse_json::<serde_json::Value>(&bytes);
        if let Err(err) = parsed {
            prop_assert_eq!(err.status_code().as_u16(), 400);
        }
    }
}

#[test]
fn deep_nesting_oversized_headers_and_nul_bytes_are_refused_cleanly() {
    let deep = format!(
        "{{\"metadata\": {}1{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let (status, body) = exchange(&request("POST", b"/api/chunk", &[], deep.as_bytes()));
    assert_eq!(status, 400);
    assert_well_answered(status, &body, "deep nesting");

    // Headers past actix's limit are refused by its HTTP parser before the app: a 431 if the
    // client reads it in time, or the connection closed. Either way the server goes on.
    let big_header = vec![b'a'; 1024 * 1024];
    let mut stream = TcpStream::connect(&server().address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let _ = stream.write_all(&request(
        "GET",
        b"/api/auth/me",
        &[("X-Big", &big_header)],
        b"",
    ));
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    if !answer.is_empty() {
        assert!(
            answer.starts_with(b"HTTP/1.1 4"),
            "{}",
            String::from_utf8_lossy(&answer)
        );
    }
    assert_eq!(exchange(&request("GET", b"/api/auth/me", &[], b"")).0, 200);

    let (status, body) = exchange(&request("GET", b"/api/chunk/%00%00", &[], b""));
    assert_well_answered(status, &body, "NUL in path");
    let (status, body) = exchange(&request(
        "PUT",
        b"/api/user",
        &[],
        b"{\"name\": \"\xff\xfe\"}",
    ));
    assert_eq!(status, 400);
    assert_well_answered(status, &body, "invalid UTF-8");
}

#[test]
fn sql_and_html_metacharacters_are_stored_literally() {
    let html = "<b>Robert'); DROP TABLE chunks;--</b> & \"quotes\" \\ %_";
    let body = serde_json::json!({"chunk_html": html, "tracking_id": "bobby'--", "metadata": {"k": "'\"<>"}});
    let (status, answer) = exchange(&request(
        "POST",
        b"/api/chunk",
        &[],
        body.to_string().as_bytes(),
    ));
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&answer));
    let created: serde_json::Value = serde_json::from_slice(&answer).unwrap();
    assert_eq!(created["chunk_metadata"]["chunk_html"], html);
    assert_eq!(
        created["chunk_metadata"]["content"],
        "Robert'); DROP TABLE chunks;-- & \"quotes\" \\ %_"
    );

    let (status, answer) = exchange(&request(
        "GET",
        b"/api/chunk/tracking_id/bobby%27--",
        &[],
        b"",
    ));
    assert_eq!(status, 200);
    let fetched: serde_json::Value = serde_json::from_slice(&answer).unwrap();
    assert_eq!(fetched["metadata"], serde_json::json!({"k": "'\"<>"}));
}
