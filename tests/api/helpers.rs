//! Starts the real server on port 0 with a temporary database, and arranges data in that
//! database where the API has no way (yet) to create it. Every such write goes through the
//! server's own writer (`Database::write`), the path a handler's write takes.

use std::time::Duration;

use actix_web::http::Method;
use rusqlite::Connection;
use serde_json::Value;
use tempfile::TempDir;
use trieve_lite::config::Settings;
use trieve_lite::db::api_keys::{insert_api_key, NewKey};
use trieve_lite::db::chunks::{insert_chunk, NewChunk};
use trieve_lite::db::files::{insert_file, NewFile};
use trieve_lite::db::{organizations, Database};
use trieve_lite::domain::error::AppResult;
use trieve_lite::domain::keys::{generate_api_key, hash_api_key};
use trieve_lite::domain::members::add_member;
use trieve_lite::domain::organizations::create_organization;
use trieve_lite::startup::Application;
use trieve_lite::types::fields::{Email, Name};
use trieve_lite::types::roles::{KeyRole, Role};
use trieve_lite::types::time::Timestamp;

pub struct TestApp {
    pub base: String,
    /// The server's database: write through `write`, read for assertions through `count`.
    pub database: Database,
    pub db_path: std::path::PathBuf,
    pub owner_key: String,
    pub owner_id: String,
    pub org_id: String,
    pub dataset_id: String,
    client: awc::Client,
    _dir: TempDir,
}

pub struct Member {
    pub id: String,
    pub key: String,
}

pub struct Response {
    pub status: u16,
    pub body: Value,
    pub headers: actix_web::http::header::HeaderMap,
}

impl Response {
    /// A header's value as text, if the answer has it.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }
}

pub async fn spawn_app() -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    spawn_app_in(dir, None).await
}

pub async fn spawn_app_in(dir: TempDir, admin_key: Option<&str>) -> TestApp {
    spawn_app_with(dir, |settings| {
        settings.admin_api_key =
            admin_key.map(|key| trieve_lite::config::AdminKey::new(key.into()).unwrap());
    })
    .await
}

/// Start the server with settings changed by `adjust`.
pub async fn spawn_app_with(dir: TempDir, adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let db_path = dir.path().join("test.db");
    let mut settings = Settings::for_database(db_path.clone(), "127.0.0.1:0");
    adjust(&mut settings);
    let admin_key = settings
        .admin_api_key
        .as_ref()
        .map(|key| key.expose().to_string());
    let app = Application::build(&settings).expect("server builds");
    let first = app
        .first_start
        .as_ref()
        .expect("a fresh database has a first start");
    let owner_key = first.api_key.clone().or(admin_key).unwrap();
    let (owner_id, org_id, dataset_id) = (
        first.owner.id.to_string(),
        first.organization.id.to_string(),
        first.dataset.id.to_string(),
    );
    let base = format!("http://127.0.0.1:{}", app.port());
    let database = app.database().clone();
    actix_web::rt::spawn(app.run_until_stopped());
    TestApp {
        base,
        database,
        db_path,
        owner_key,
        owner_id,
        org_id,
        dataset_id,
        // Idle connections are dropped before the server's keep-alive (5 s) closes them: a
        // request is never sent on a connection the server has just closed.
        client: awc::Client::builder()
            .connector(awc::Connector::new().conn_keep_alive(Duration::from_secs(3)))
            .timeout(Duration::from_secs(30))
            .finish(),
        _dir: dir,
    }
}

impl TestApp {
    /// Send a request; `headers` are added as given (no TR-Dataset unless listed).
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Response {
        let mut request = self
            .client
            .request(method, format!("{}{}", self.base, path));
        for (name, value) in headers {
            request = request.insert_header((*name, *value));
        }
        let mut response = match body {
            Some(body) => request.send_json(body).await,
            None => request.send().await,
        }
        .expect("request reaches the server");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.body().limit(64 * 1024 * 1024).await.unwrap();
        // Every answer of the API is JSON; a download or a page of the admin UI is kept as text.
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        if status >= 400 {
            assert!(
                body.get("message").and_then(Value::as_str).is_some(),
                "error without message: {body}"
            );
        }
        Response {
            status,
            body,
            headers,
        }
    }

    /// A request with `key` and the default dataset's TR-Dataset.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        key: &str,
        body: Option<&Value>,
    ) -> Response {
        self.send(
            method,
            path,
            &[("Authorization", key), ("TR-Dataset", &self.dataset_id)],
            body,
        )
        .await
    }

    pub async fn get(&self, path: &str, key: &str) -> Response {
        self.call(Method::GET, path, key, None).await
    }

    /// `POST /api/chunk` in the default dataset.
    pub async fn create_chunk(&self, key: &str, body: Value) -> Response {
        self.call(Method::POST, "/api/chunk", key, Some(&body))
            .await
    }

    pub async fn put_user(&self, key: &str, body: Value) -> Response {
        self.call(Method::PUT, "/api/user", key, Some(&body)).await
    }

    /// Run `work` on the server's writer, in the transaction it shares with the requests' writes,
    /// and wait until that transaction has committed.
    pub async fn write<T, F>(&self, work: F) -> T
    where
        F: FnOnce(&Connection) -> AppResult<T> + Send + 'static,
        T: Send + 'static,
    {
        self.database.write(work).await.expect("the write commits")
    }

    /// Add a user to the default organization with a role; returns their id and first key.
    pub async fn add_member(&self, email: &str, role: Role) -> Member {
        self.add_member_to(&self.org_id, email, role).await
    }

    pub async fn add_member_to(&self, org_id: &str, email: &str, role: Role) -> Member {
        let (org_id, email) = (id(org_id), Email::parse(email).unwrap());
        let added = self
            .write(move |conn| {
                let org = organizations::find_organization_by_id(conn, org_id)?.unwrap();
                add_member(conn, org, &email, None, role)
            })
            .await;
        Member {
            id: added.user.id.to_string(),
            key: added.api_key.expect("a new user gets a key"),
        }
    }

    /// A second organization with its own dataset and owner: (org id, dataset id, owner).
    pub async fn add_organization(
        &self,
        name: &str,
        owner_email: &str,
    ) -> (String, String, Member) {
        let name = Name::parse("name", name).unwrap();
        let (org, dataset) = self
            .write(move |conn| create_organization(conn, &name))
            .await;
        let owner = self
            .add_member_to(&org.id.to_string(), owner_email, Role::Owner)
            .await;
        (org.id.to_string(), dataset.id.to_string(), owner)
    }

    /// Store a key for a user with a given role and expiry, as the API would.
    pub async fn insert_key(&self, user_id: &str, role: i64, expires_at: Option<&str>) -> String {
        let key = generate_api_key().unwrap();
        let key_hash = hash_api_key(&key);
        let (user_id, role) = (id(user_id), KeyRole::from_i64(role).unwrap());
        let expires_at = expires_at.map(|at| Timestamp::parse_rfc3339(at).unwrap());
        self.write(move |conn| {
            Ok(insert_api_key(
                conn,
                &NewKey {
                    user_id,
                    name: "test",
                    key_hash: &key_hash,
                    role,
                    expires_at,
                    is_bootstrap: false,
                },
            )?)
        })
        .await;
        key
    }

    /// Insert `n` chunks by `author` in `dataset`, with contents "prefix 0" .. "prefix n-1".
    pub async fn insert_chunks(&self, dataset_id: &str, author_id: &str, prefix: &str, n: usize) {
        let (dataset_id, author_id, prefix) = (id(dataset_id), id(author_id), prefix.to_string());
        self.write(move |conn| {
            for i in 0..n {
                let text = format!("{prefix} {i}");
                let html = format!("<p>{text}</p>");
                insert_chunk(
                    conn,
                    &NewChunk::new(dataset_id, author_id, text, Some(html)),
                )?;
            }
            Ok(())
        })
        .await;
    }

    pub async fn insert_file(
        &self,
        dataset_id: &str,
        user_id: &str,
        name: &str,
        bytes: &[u8],
    ) -> String {
        let file = NewFile {
            dataset_id: id(dataset_id),
            user_id: id(user_id),
            file_name: name.into(),
            // A `.png` is an image; anything else text.
            mime_type: if name.ends_with(".png") {
                "image/png"
            } else {
                "text/plain"
            }
            .into(),
            link: None,
            metadata: None,
            tag_set: None,
            time_stamp: None,
            description: None,
            bytes: bytes.to_vec(),
        };
        self.write(move |conn| Ok(insert_file(conn, &file)?))
            .await
            .id
            .to_string()
    }

    /// A number read on a pooled connection, for assertions.
    pub fn count(&self, sql: &str) -> i64 {
        let conn = self.database.pool().get().unwrap();
        conn.query_row(sql, [], |row| row.get(0)).unwrap()
    }
}

/// A typed id from the text the tests keep ids as.
pub fn id<T: From<uuid::Uuid>>(text: &str) -> T {
    T::from(uuid::Uuid::parse_str(text).unwrap())
}

/// The server as a process of its own, for what only a process shows: its memory, its log, its
/// signals. Started on a free port it names in its start-up line (a port picked here and
/// released for it could be taken in between by a test running alongside).
pub struct ServerProcess {
    pub child: std::process::Child,
    pub port: u16,
    /// What the server has logged so far; `stop` reads the rest.
    pub log: String,
    stderr: std::io::BufReader<std::process::ChildStderr>,
}

impl ServerProcess {
    pub fn start(db: &std::path::Path, env: &[(&str, &str)], args: &[&str]) -> ServerProcess {
        use std::io::BufRead;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_trieve-lite"))
            .args(["--db", db.to_str().unwrap(), "--bind", "127.0.0.1:0"])
            .args(args)
            .envs(env.iter().copied())
            .env("RUST_LOG", "info")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
        let mut log = String::new();
        while !log.contains("listening on") {
            let read = stderr.read_line(&mut log).unwrap();
            assert!(read > 0, "the server did not start:\n{log}");
        }
        let port = log
            .split("listening on http://127.0.0.1:")
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .and_then(|port| port.parse().ok())
            .unwrap_or_else(|| panic!("no port in the start-up line:\n{log}"));
        let server = ServerProcess {
            child,
            port,
            log,
            stderr,
        };
        // Answering, it also has its signal handlers: a SIGTERM now is a graceful stop.
        assert_eq!(server.request("GET", "/api/health", &[], None).0, 200);
        server
    }

    /// One request on a connection of its own: the status and the body as text.
    pub fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&Value>,
    ) -> (u16, String) {
        let body = body.map(Value::to_string).unwrap_or_default();
        let (status, answer) = self.request_raw(method, path, headers, body.as_bytes());
        (status, String::from_utf8(answer).unwrap())
    }

    /// One request on a connection of its own, with a JSON body of any size: the status and the
    /// body's bytes (read as they arrive, so a large answer is not the server's memory).
    pub fn request_raw(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> (u16, Vec<u8>) {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        );
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(body).unwrap();
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).unwrap();
        let end_of_head = answer
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .unwrap_or_else(|| panic!("no answer head in {:?}", String::from_utf8_lossy(&answer)));
        let status = String::from_utf8_lossy(&answer[..end_of_head])
            .split(' ')
            .nth(1)
            .and_then(|status| status.parse().ok())
            .unwrap();
        (status, answer[end_of_head + 4..].to_vec())
    }

    /// The id of the first dataset of the first organization `key`'s user belongs to.
    pub fn first_dataset(&self, key: &str) -> String {
        let (_, me) = self.request("GET", "/api/auth/me", &[("Authorization", key)], None);
        let me: Value = serde_json::from_str(&me).unwrap();
        let org = me["orgs"][0]["id"].as_str().unwrap().to_string();
        let (_, datasets) = self.request(
            "GET",
            &format!("/api/dataset/organization/{org}"),
            &[("Authorization", key), ("TR-Organization", &org)],
            None,
        );
        let datasets: Value = serde_json::from_str(&datasets).unwrap();
        datasets[0]["dataset"]["id"]
            .as_str()
            .or(datasets[0]["id"].as_str())
            .unwrap()
            .to_string()
    }

    /// A field of /proc/<pid>/status in kB, such as "VmHWM" (the peak resident memory).
    pub fn status_kb(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        status
            .lines()
            .find_map(|line| line.strip_prefix(&format!("{field}:")))
            .and_then(|rest| rest.trim().trim_end_matches(" kB").trim().parse().ok())
            .unwrap_or_else(|| panic!("no {field} in /proc status"))
    }

    /// SIGTERM, the way systemd and `kill` stop the server; waits for it, and reads the rest of
    /// its log.
    pub fn stop(&mut self) -> std::process::ExitStatus {
        use std::io::Read;
        let killed = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let status = self.child.wait().unwrap();
        self.stderr.read_to_string(&mut self.log).unwrap();
        status
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A TCP connection to `to` made from the local address `from` (any of 127.0.0.0/8), as a
/// second client machine would; None if it is not accepted within `timeout`.
pub fn connect_from(
    from: &str,
    to: std::net::SocketAddr,
    timeout: Duration,
) -> Option<std::net::TcpStream> {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    socket
        .bind(&std::net::SocketAddr::new(from.parse().unwrap(), 0).into())
        .unwrap();
    socket.connect_timeout(&to.into(), timeout).ok()?;
    Some(socket.into())
}
